"""Outages, per-pair latency and contacts that change during the drill, worked out by hand.

Base scenario (tests/conftest.py): the inject reaches cert-a at T+60; cert-a acknowledges
(10m), analyses (30m) and drafts its notification to cert-b (5m), sent at T+105 by e-mail
(5m) with the phone (1m) as fallback; a message nobody acknowledges is chased after 1h.
"""

from __future__ import annotations

from conftest import events_of

from sim.analysis.metrics import compute
from sim.engine import Engine


def _to_b(log, type_):
    return [e for e in events_of(log, type_) if e.details.get("to") == "cert-b"]


def test_held_message_travels_when_service_returns(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:40",
                                 "end": "T+03:20", "effect": "hold"}]
    log = Engine(load(scenario_data)).run()
    started = events_of(log, "outage_started")[0]
    ended = events_of(log, "outage_ended")[0]
    assert (started.time, started.actor, started.details["until"]) == (100, "cert-b", 200)
    assert (ended.time, ended.actor) == (200, "cert-b")
    [held] = events_of(log, "message_held")
    assert (held.time, held.details["until"], held.details["to"]) == (105, 200, "cert-b")
    # held until T+200, then 5m of e-mail; cert-b acknowledges 10m later
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [205]
    assert events_of(log, "acknowledged", "cert-b")[0].time == 215
    # the council's mail is not cert-b's: it arrives as usual
    assert [e.time for e in events_of(log, "message_delivered", "council")] == [115]


def test_outage_bounces_at_once_and_the_sender_phones(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:40",
                                 "end": "T+03:20", "effect": "bounce"}]
    log = Engine(load(scenario_data)).run()
    [bounced] = events_of(log, "message_bounced")
    assert (bounced.time, bounced.details["reason"], bounced.details["after"]) == (105, "outage", 0)
    assert [(e.time, e.details["channel"]) for e in _to_b(log, "message_sent")] == [
        (105, "email"), (105, "phone")]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [106]


def test_outage_default_on_a_bouncing_channel_waits_for_the_bounce(scenario_data, load):
    scenario_data["channels"]["email"]["bounce"] = "20m"
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:40",
                                 "end": "T+03:20"}]
    log = Engine(load(scenario_data)).run()
    [bounced] = events_of(log, "message_bounced")
    assert (bounced.time, bounced.details["reason"]) == (125, "outage")
    assert events_of(log, "outage_started")[0].details["effect"] == "bounce"
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [126]


def test_lost_in_an_outage_is_chased_by_phone(scenario_data, load):
    # a channel without a bounce: the default effect is 'lose'
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:40",
                                 "end": "T+03:20"}]
    log = Engine(load(scenario_data)).run()
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.actor, lost.details["reason"]) == (110, "cert-b", "outage")
    assert [(e.time, e.details["channel"]) for e in _to_b(log, "message_sent")] == [
        (105, "email"), (165, "phone")]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [166]
    assert compute(log)["messages"]["lost"] == {"outage": 1}


def test_message_sent_after_the_outage_is_untouched(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+00:00",
                                 "end": "T+01:45"}]
    log = Engine(load(scenario_data)).run()
    # the outage ends at T+105, the minute the message leaves: service is back
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [110]
    assert [e.time for e in events_of(log, "outage_ended")] == [105]


def test_outage_of_the_whole_channel_holds_an_inject(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "start": "T+00:30", "end": "T+01:30",
                                 "effect": "hold"}]
    log = Engine(load(scenario_data)).run()
    started = events_of(log, "outage_started")[0]
    assert started.actor is None and started.time == 30
    # the inject due at T+60 waits for the mail to flow again at T+90
    assert [e.time for e in events_of(log, "inject_delivered", "cert-a")] == [90]
    assert events_of(log, "acknowledged", "cert-a")[0].time == 100


def test_outage_of_the_whole_channel_loses_an_inject(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "start": "T+00:30", "end": "T+01:30"}]
    log = Engine(load(scenario_data)).run()
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.details["verb"], lost.details["reason"]) == (60, "inject", "outage")
    assert not events_of(log, "inject_delivered")


def test_outage_of_the_sender_end(scenario_data, load):
    # cert-a's own mail server is down: its mail to the council bounces too
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-a", "start": "T+01:40",
                                 "end": "T+03:20", "effect": "bounce"}]
    log = Engine(load(scenario_data)).run()
    assert sorted((e.time, e.details["to"]) for e in events_of(log, "message_bounced")) == [
        (105, "cert-b"), (110, "council")]


def test_contact_goes_stale_during_the_drill(scenario_data, load):
    scenario_data["contact_changes"] = [{"at": "T+01:00", "actor": "cert-b",
                                         "channel": "email", "stale": True}]
    log = Engine(load(scenario_data)).run()
    [changed] = events_of(log, "contact_changed")
    assert (changed.time, changed.actor, changed.details["stale"]) == (60, "cert-b", True)
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.details["reason"]) == (110, "stale_contact")
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [166]


def test_stale_contact_repaired_during_the_drill(scenario_data, load):
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["contact_changes"] = [{"at": "T+01:40", "actor": "cert-b",
                                         "channel": "email", "stale": False}]
    log = Engine(load(scenario_data)).run()
    assert not events_of(log, "message_lost")
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [110]


def test_repair_after_the_message_left_is_too_late(scenario_data, load):
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["contact_changes"] = [{"at": "T+01:50", "actor": "cert-b",
                                         "channel": "email", "stale": False}]
    log = Engine(load(scenario_data)).run()
    assert [e.details["reason"] for e in events_of(log, "message_lost")] == ["stale_contact"]


def test_pair_latency_overrides_the_channel(scenario_data, load):
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "recipient": "cert-b", "latency": "2h"}]
    log = Engine(load(scenario_data)).run()
    # the slow mail (T+105 + 2h) is chased by phone after 1h (T+165 + 1m) and arrives too
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [166, 225]
    assert [e.time for e in events_of(log, "message_delivered", "council")] == [115]


def test_pair_latency_most_particular_wins_and_both_ways(scenario_data, load):
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"recipient": "council", "latency": "1h"},
        {"sender": "council", "recipient": "cert-a", "latency": "30m", "both_ways": True},
    ]
    log = Engine(load(scenario_data)).run()
    # cert-a -> council matches both; the entry naming both actors (backwards) wins
    assert [e.time for e in events_of(log, "message_delivered", "council")] == [110 + 30]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [110]


def test_without_drift_the_run_is_unchanged(scenario_data, load):
    plain = [e.to_dict() for e in Engine(load(scenario_data), seed=3).run()]
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "ctl", "recipient": "council", "latency": "9h"}]
    scenario_data["outages"] = [{"channel": "email", "start": "T+1d12:00", "end": "T+1d13:00"}]
    again = [e.to_dict() for e in Engine(load(scenario_data), seed=3).run()]
    types = [e["type"] for e in again]
    assert "outage_started" in types
    drop = [e for e in again if not e["type"].startswith("outage_")]
    assert [(e["type"], e["time"], e["actor"]) for e in drop] == [
        (e["type"], e["time"], e["actor"]) for e in plain]


# --- the scenario's own names in reports --------------------------------------------


def test_reports_use_the_scenarios_names(scenario_data, load):
    from conftest import police

    from sim.analysis.report import render_text
    from sim.runs.batch import replication_rows

    scenario_data["actors"]["police-sg"] = police()  # the referral is a stage of this drill
    plain = Engine(load(scenario_data)).run()
    assert "names" not in plain[0].details  # a scenario without names logs as before
    text = render_text(compute(plain))
    # the drill's council is named "Council": reports name the coordinator reached
    assert "Council reached" in text and "CERT -> national police" in text

    scenario_data["drill"]["names"] = {"regional_coordinator": "APCERT secretariat",
                                       "police_referral": "CERT -> NPA"}
    log = Engine(load(scenario_data)).run()
    m = compute(log)
    [inc] = m["incidents"]
    assert inc["regional_coordinator"] == "APCERT secretariat"
    assert [h["hop"] for h in inc["law_enforcement"]["hops"]][:2] == [
        "CERT -> NPA", "preservation request"]
    assert inc["law_enforcement"]["hops"][0]["stage"] == "police_referral"
    text = render_text(m)
    assert "APCERT secretariat reached" in text and "ANSAC" not in text
    assert "CERT -> NPA" in text
    # the batch's metric names stay the same whatever the report calls the stages
    named = {r[1] for r in replication_rows(load(scenario_data).scenario, 0)}
    assert "le.cert_to_police" in named and "ansac_reached" in named
    del scenario_data["drill"]["names"]
    assert named == {r[1] for r in replication_rows(load(scenario_data).scenario, 0)}


# --- mistakes that used to pass silently -------------------------------------------


def test_zone_abbreviation_suggests_the_iana_zone(scenario_data, load):
    import pytest

    from scenarios.loader import ScenarioError

    scenario_data["actors"]["cert-a"]["timezone"] = "IST"
    with pytest.raises(ScenarioError) as info:
        load(scenario_data)
    [p] = info.value.problems
    assert p.path == "actors.cert-a.timezone"
    assert "did you mean 'Asia/Kolkata'?" in p.message


def test_a_fixed_offset_abbreviation_suggests_a_zone_that_keeps_it_all_year(scenario_data,
                                                                            load):
    # AEST is UTC+10 all year in Brisbane (AusCERT's zone), and ACST UTC+9:30 in Darwin;
    # Sydney and Adelaide move an hour on in summer
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import pytest

    from scenarios.loader import ScenarioError

    for abbreviation, offset in (("AEST", 10 * 60), ("ACST", 9 * 60 + 30)):
        scenario_data["actors"]["cert-a"]["timezone"] = abbreviation
        with pytest.raises(ScenarioError) as info:
            load(scenario_data)
        [p] = info.value.problems
        zone = p.message.rsplit("did you mean ", 1)[1].strip("'?")
        for month in (1, 7):
            at = datetime(2026, month, 15, 12, tzinfo=ZoneInfo(zone))
            assert at.utcoffset().total_seconds() == offset * 60, (abbreviation, zone)


def test_misspelt_scenario_id_lists_the_bundled_ids(capsys):
    from sim.cli import main

    assert main(["run", "acid-botnett"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'acid-botnet'?" in err and "tutorial" in err


def test_bad_role_lists_the_roles(capsys, tmp_path):
    from sim.cli import main

    code = main(["play", "tutorial", "--role", "mycrt", "--journal", str(tmp_path / "j.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "did you mean 'mycert'?" in err and "singcert, mycert, isp-my, hicon" in err


def _codes(loaded):
    from sim.authoring.lint import lint

    return {(f.code, f.path) for f in lint(loaded)}


def test_lint_reports_an_expectation_whose_target_finds_nobody(scenario_data, load):
    scenario_data["expectations"] = [{"id": "E1", "actors": ["cert-b"], "action": "refer_police",
                                      "target": "national_police", "incident": "x",
                                      "within": "4h"}]
    codes = _codes(load(scenario_data))
    assert ("expectation-never-met", "expectations[0].target") in codes
    scenario_data["actors"]["police-th"] = {
        "name": "Thai police", "kind": "national_police", "country": "TH",
        "timezone": "Asia/Bangkok", "contacts": {"email": {"address": "p@th.example"}}}
    assert ("expectation-never-met", "expectations[0].target") not in _codes(load(scenario_data))


def test_lint_reports_a_rule_that_finds_no_recipient(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["refer"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "refer_police",
        "to": ["national_police"], "channel": "email"}
    assert ("rule-finds-nobody", "frameworks.fw.rules.refer.to") in _codes(load(scenario_data))


def test_lint_reports_expectations_after_the_drill(scenario_data, load):
    scenario_data["drill"]["duration"] = "3h"
    scenario_data["expectations"] = [{"id": "E1", "actors": ["cert-a"], "action": "notify",
                                      "incident": "x", "within": "4h"}]
    assert ("expectation-after-end", "expectations[0].within") in _codes(load(scenario_data))


def test_lint_reports_drift_that_has_no_effect(scenario_data, load):
    scenario_data["drill"]["duration"] = "10h"
    scenario_data["outages"] = [{"channel": "email", "start": "T+11:00", "end": "T+12:00"}]
    scenario_data["contact_changes"] = [{"at": "T+01:00", "actor": "cert-b", "channel": "email",
                                         "stale": False}]
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "recipient": "ctl", "latency": "1h"}]
    scenario_data["actors"]["ctl"]["contacts"] = {"phone": {"address": "+1"}}
    scenario_data["drill"]["names"] = {"regional_coordinator": "APCERT secretariat"}
    del scenario_data["actors"]["council"]
    del scenario_data["frameworks"]["fw"]["rules"]["escalate"]
    codes = {c for c, _ in _codes(load(scenario_data))}
    assert {"outage-after-end", "contact-change-no-effect", "pair-latency-unused",
            "name-unused"} <= codes


def test_loader_checks_outages_and_contact_changes(scenario_data, load):
    import pytest

    from scenarios.loader import ScenarioError

    scenario_data["outages"] = [{"channel": "emial", "start": "T+02:00", "end": "T+01:00"},
                                {"channel": "email", "actor": "nobody", "start": "T+1:00",
                                 "end": "T+02:00"}]
    scenario_data["contact_changes"] = [{"at": "T+01:00", "actor": "council",
                                         "channel": "phone", "stale": True}]
    with pytest.raises(ScenarioError) as info:
        load(scenario_data)
    found = {(p.path, p.message.split(";")[0]) for p in info.value.problems}
    assert ("outages[0].channel", "unknown channel 'emial'") in found
    assert any(path == "outages[0].end" and "before it starts" in m for path, m in found)
    assert ("outages[1].actor", "unknown actor 'nobody'") in found
    assert any(path == "contact_changes[0].actor" and "no point of contact" in m
               for path, m in found)
