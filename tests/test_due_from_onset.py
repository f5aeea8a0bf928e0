"""A rule's message is due from when its condition became true, not from the last fact
that also satisfies it.

The base scenario (tests/conftest.py): cert-a (Singapore) acknowledges in 10m,
analyses for 30m and drafts in 5m; control's first inject reaches it at T+01:00, so it
analyses until T+01:40 and anything it learns meanwhile is in its picture by then.
"""

from __future__ import annotations

from conftest import cert, events_of

from scenarios import load_scenario
from sim.analysis.metrics import hop_metrics
from sim.engine import Engine


def _inject(iid, at, incident, tlp="GREEN"):
    return {"id": iid, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": tlp, "title": f"Report {iid}", "incident": {"id": "x", **incident}}


def _sent(log, actor, verb):
    return {e.details["to"]: e for e in events_of(log, "message_sent", actor)
            if e.details["verb"] == verb}


def test_a_takedown_request_is_due_from_the_first_host_abroad(tmp_path):
    # the library's request-foreign-takedown: CERT-PH learns of a server in Malaysia at
    # T+00:00 and of a second one in Viet Nam at T+02:00, while it is still analysing.
    # MyCERT became a recipient, and the condition true, with the first report
    path = tmp_path / "hosted.yaml"
    path.write_text("""\
include: [asean/actors, asean/channels, asean/frameworks]
drill: {id: hosted, title: Two hosts, tlp: CLEAR, start: "2026-09-15T09:00:00+08:00",
        duration: 1d}
actors:
  certph:
    policy: {analysis_time: 3h}
injects:
  - {id: "1", at: "T+00:00", type: event, sender: hicon, to: [certph], via: email,
     tlp: GREEN, title: C2 in MY,
     incident: {id: x, type: botnet, severity: medium, affected: [PH], hosted_in: [MY]}}
  - {id: "2", at: "T+02:00", type: information, sender: hicon, to: [certph], via: email,
     tlp: GREEN, title: second C2 in VN, incident: {id: x, hosted_in: [MY, VN]}}
""", encoding="utf-8")
    log = Engine(load_scenario(path), seed=0).run()
    arrived = {e.details["inject"]: e.time for e in events_of(log, "inject_delivered", "certph")}
    sent = _sent(log, "certph", "request_takedown")
    assert sent["mycert"].time == sent["vncert"].time  # one request, drafted after 3h
    assert sent["mycert"].details["trigger_at"] == arrived["1"]
    assert sent["vncert"].details["trigger_at"] == arrived["2"]
    # the hop to MyCERT counts CERT-PH's handling from the first report
    hops = {h["to"]: h for h in hop_metrics(log) if h["verb"] == "request_takedown"}
    assert hops["mycert"]["handling"] == sent["mycert"].time - arrived["1"]


def test_an_escalation_is_due_from_the_second_affected_country(scenario_data, load):
    # SG and TH at T+01:00 make two affected member states; MY, at T+01:20, is a third
    scenario_data["groups"]["asean"].append("MY")
    scenario_data["injects"].append(
        _inject("2", "T+01:20", {"affected": ["SG", "TH", "MY"]}))
    engine = Engine(load(scenario_data), seed=0)
    log = engine.run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == 105
    assert escalated.details["relied"] == ["affected:MY", "affected:SG", "affected:TH"]
    assert escalated.details["trigger_at"] == 60
    # due since the rule was armed, by facts already there: the trigger set it off
    assert escalated.details["set_off_by"] == "inject"
    assert escalated.details["deadline_at"] == 60 + 240
    [dispatch] = [d for d in engine.messaging.dispatches.values() if d.verb == "escalate"]
    assert dispatch.deadline_at == 60 + 240


def test_a_later_country_that_counts_still_sets_the_escalation_off(scenario_data, load):
    # TH at T+01:20 is the second affected member state: the escalation is due from it,
    # and MY, outside the group, changes nothing
    scenario_data["injects"][0]["incident"]["affected"] = ["SG", "MY"]
    scenario_data["injects"].append(
        _inject("2", "T+01:20", {"affected": ["SG", "MY", "TH"]}))
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert (escalated.details["trigger_at"], escalated.details["set_off_by"]) == (
        80, "affected:TH")


def test_a_severity_threshold_is_due_from_the_first_assessment_that_meets_it(
        scenario_data, load):
    # "high" at T+01:00 meets the threshold; "critical" at T+01:20 only raises it
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["escalate"]["when"] = {"min_severity": "high"}
    scenario_data["injects"][0]["incident"]["severity"] = "high"
    scenario_data["injects"].append(_inject("2", "T+01:20", {"severity": "critical"}))
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.details["relied"] == ["severity:critical"]
    assert escalated.details["trigger_at"] == 60
    assert escalated.details["late_by"] == 0


def test_each_hosting_country_is_due_from_when_it_was_learnt(scenario_data, load):
    # cert-b (TH) hosts at T+01:00, cert-c (MY) at T+01:20: each request is due from its
    # own country's report, and the action from the newest
    scenario_data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    scenario_data["frameworks"]["fw"]["rules"]["takedown"] = {
        "by": ["national_cert"], "on": ["inject"], "when": {"hosted_abroad": True},
        "action": "request_takedown", "to": ["hosting_certs"], "channel": "email",
        "deadline": "1h"}
    scenario_data["injects"][0]["incident"]["hosted_in"] = ["TH"]
    scenario_data["injects"].append(_inject("2", "T+01:20", {"hosted_in": ["TH", "MY"]}))
    log = Engine(load(scenario_data), seed=0).run()
    sent = _sent(log, "cert-a", "request_takedown")
    assert (sent["cert-b"].details["trigger_at"], sent["cert-c"].details["trigger_at"]) == (
        60, 80)
    [requested] = events_of(log, "requested", "cert-a")
    assert (requested.details["trigger_at"], requested.details["set_off_by"]) == (
        80, "hosted:MY")


def test_a_second_escalation_is_due_from_what_the_council_was_not_told(
        scenario_data, load):
    # the council hears of SG and TH at T+01:50; MY, at T+03:00, is news to it: the
    # second escalation is due from then, not from when two countries first were known
    scenario_data["groups"]["asean"].append("MY")
    scenario_data["injects"].append(
        _inject("2", "T+03:00", {"affected": ["SG", "TH", "MY"]}))
    log = Engine(load(scenario_data), seed=0).run()
    escalated = [(e.time, e.details["trigger_at"], e.details["set_off_by"])
                 for e in events_of(log, "escalated", "cert-a")]
    assert escalated == [(110, 60, "inject"), (195, 180, "affected:MY")]
