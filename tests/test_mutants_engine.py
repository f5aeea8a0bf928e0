"""Expectations, desks and the MSEL at run time, on hand-computable drills (the cases
mutation testing of sim/engine found untested).

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) by e-mail at T+60
and opens incident x; cert-a acknowledges at T+70 (10m), analyses until T+100 (30m),
notifies cert-b at T+105 (5m drafting, delivered T+110 by e-mail), escalates to the
council at T+110 (delivered T+115); cert-b acknowledges at T+120, the council at T+125.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.analysis.metrics import compute
from sim.engine import Action, Engine, clock


def _expect(scenario_data, **fields):
    exp = {"id": "E1", "actors": ["cert-a"], "incident": "x", **fields}
    scenario_data["expectations"] = [exp]
    return scenario_data


def _outcome(log):
    """(type, expectation, time) of every expectation event."""
    return [(e.type, e.details["expectation"], e.time) for e in log
            if e.type.startswith("expectation_")]


# --- met, missed and late ----------------------------------------------------------------


def test_a_notification_delivered_before_the_deadline_meets_the_expectation(scenario_data, load):
    _expect(scenario_data, action="notify", within="1h")
    log = Engine(load(scenario_data), seed=0).run()
    assert _outcome(log) == [("expectation_met", "E1", 110)]
    [met] = events_of(log, "expectation_met")
    assert met.details["deadline_at"] == 120 and met.actor == "cert-a"


def _run(scenario_data, load, human=(), script=()):
    """Run the drill; ``script`` holds (time, Action) pairs acted by people in order."""
    engine = Engine(load(scenario_data), seed=0, human=list(human))
    for at, action in script:
        engine.run_until(at)
        engine.act(action)
    return engine.run()


def _acts(actor, verb, *targets, at):
    return at, Action(actor, verb, "x", targets=targets, channel="email" if targets else None,
                      tlp="GREEN" if targets else None)


def test_a_notification_delivered_after_the_deadline_is_missed_then_late(scenario_data, load):
    # due at T+90; delivered to cert-b at T+110: 20 minutes late
    _expect(scenario_data, action="notify", within="30m", score=3)
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_missed", "E1", 90), ("expectation_late", "E1", 110)]
    [missed] = events_of(log, "expectation_missed")
    assert (missed.actor, missed.incident, missed.details["deadline_at"]) == (None, "x", 90)
    assert missed.details["done_by"] == {}
    [late] = events_of(log, "expectation_late")
    assert (late.actor, late.incident) == ("cert-a", "x")
    assert (late.details["deadline_at"], late.details["late_by"]) == (90, 20)
    delivered = [e for e in events_of(log, "message_delivered") if e.details["verb"] == "notify"]
    assert late.details["event"] == delivered[0].seq


def test_an_expectation_met_states_its_score_deadline_and_the_event(scenario_data, load):
    _expect(scenario_data, action="notify", within="1h", score=3)
    log = _run(scenario_data, load)
    [met] = events_of(log, "expectation_met")
    [delivered] = [e for e in events_of(log, "message_delivered") if e.details["verb"] == "notify"]
    assert (met.actor, met.incident, met.time) == ("cert-a", "x", 110)
    assert met.details == {"expectation": "E1", "deadline_at": 120, "score": 3,
                           "event": delivered.seq}


@pytest.mark.parametrize(("reach", "met_at"), [("sent", 105), ("delivered", 110),
                                               ("acknowledged", 120)])
def test_a_notification_meets_the_expectation_when_it_gets_as_far_as_asked(
        scenario_data, load, reach, met_at):
    # sent T+105, delivered to cert-b T+110, acknowledged by cert-b T+120
    _expect(scenario_data, action="notify", within="2h", reach=reach)
    assert _outcome(_run(scenario_data, load)) == [("expectation_met", "E1", met_at)]


@pytest.mark.parametrize(("reach", "late_by"), [("sent", 15), ("delivered", 20),
                                                ("acknowledged", 30)])
def test_lateness_is_counted_to_the_reach_asked_for(scenario_data, load, reach, late_by):
    _expect(scenario_data, action="notify", within="30m", reach=reach)
    [late] = events_of(_run(scenario_data, load), "expectation_late")
    assert late.details["late_by"] == late_by


@pytest.mark.parametrize(("target", "met"), [("cert-b", [("expectation_met", "E1", 110)]),
                                             ("affected_certs", [("expectation_met", "E1", 110)]),
                                             ("council", [("expectation_missed", "E1", 300)])])
def test_a_notification_meets_an_expectation_only_when_it_reaches_the_target(
        scenario_data, load, target, met):
    # cert-a notifies cert-b only (the council gets an escalation, not a notification)
    _expect(scenario_data, action="notify", within="4h", target=target)
    assert _outcome(_run(scenario_data, load)) == met


def test_an_acknowledgement_meets_an_acknowledgement_expectation(scenario_data, load):
    _expect(scenario_data, action="acknowledge", within="1h")
    assert _outcome(_run(scenario_data, load)) == [("expectation_met", "E1", 70)]


def test_an_analysis_meets_an_analysis_expectation(scenario_data, load):
    _expect(scenario_data, action="analyse", within="1h")
    assert _outcome(_run(scenario_data, load)) == [("expectation_met", "E1", 100)]


def test_another_team_s_action_does_not_meet_an_expectation(scenario_data, load):
    # only cert-a notifies; the expectation asks cert-b
    _expect(scenario_data, action="notify", within="4h")
    scenario_data["expectations"][0]["actors"] = ["cert-b"]
    assert _outcome(_run(scenario_data, load)) == [("expectation_missed", "E1", 300)]


def test_with_require_all_the_expectation_is_met_when_the_last_actor_acts(scenario_data, load):
    # cert-a acknowledges at T+70, cert-b (notified at T+110) at T+120
    _expect(scenario_data, action="acknowledge", within="2h", require="all")
    scenario_data["expectations"][0]["actors"] = ["cert-a", "cert-b"]
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_met", "E1", 120)]
    assert events_of(log, "expectation_met")[0].actor == "cert-b"


def test_with_require_any_the_first_actor_meets_the_expectation(scenario_data, load):
    _expect(scenario_data, action="acknowledge", within="2h")
    scenario_data["expectations"][0]["actors"] = ["cert-a", "cert-b"]
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_met", "E1", 70)]


def test_a_missed_expectation_records_who_had_done_their_part(scenario_data, load):
    # due at T+90: cert-a had acknowledged at T+70, cert-b does at T+120 (30 minutes late)
    _expect(scenario_data, action="acknowledge", within="30m", require="all")
    scenario_data["expectations"][0]["actors"] = ["cert-a", "cert-b"]
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_missed", "E1", 90), ("expectation_late", "E1", 120)]
    assert events_of(log, "expectation_missed")[0].details["done_by"] == {"cert-a": 70}
    assert events_of(log, "expectation_late")[0].details["late_by"] == 30


def test_an_actor_s_first_action_is_the_one_that_counts(scenario_data, load):
    # cert-a notifies cert-b twice (T+70, delivered T+75, and T+80); cert-b never does
    _expect(scenario_data, action="notify", within="1h", require="all")
    scenario_data["expectations"][0]["actors"] = ["cert-a", "cert-b"]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "cert-b", at=70),
                       _acts("cert-a", "notify", "cert-b", at=80)])
    [missed] = events_of(log, "expectation_missed")
    assert missed.time == 120 and missed.details["done_by"] == {"cert-a": 75}


def test_an_expectation_is_late_once_however_many_act_after_the_deadline(scenario_data, load):
    # due at T+90; cert-a acknowledges (a person) at T+100, cert-b (policy) at T+120
    _expect(scenario_data, action="acknowledge", within="30m")
    scenario_data["expectations"][0]["actors"] = ["cert-a", "cert-b"]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "acknowledge", at=100),
                       _acts("cert-a", "notify", "cert-b", at=101)])
    assert _outcome(log) == [("expectation_missed", "E1", 90), ("expectation_late", "E1", 100)]


def test_an_action_on_another_incident_does_not_meet_the_expectation(scenario_data, load):
    # incident y opens at T+180 with inject 2 to the council; cert-a never hears of it
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["council"], "via": "email",
         "tlp": "GREEN", "title": "Other", "incident": {"id": "y", "type": "phishing",
                                                          "affected": ["SG"]}})
    _expect(scenario_data, action="acknowledge", within="1h", incident="y")
    assert _outcome(_run(scenario_data, load)) == [("expectation_missed", "E1", 240)]


def _second_inject(scenario_data, at="T+03:00"):
    scenario_data["injects"].append(
        {"id": "2", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"}})


def test_an_expectation_anchored_on_an_inject_counts_only_what_is_done_after_it(
        scenario_data, load):
    # inject 2 reaches cert-a at T+180; it acknowledges it at T+190 (its T+70 does not count)
    _second_inject(scenario_data)
    _expect(scenario_data, action="acknowledge", within="1h", after="2")
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_met", "E1", 190)]
    assert events_of(log, "expectation_met")[0].details["deadline_at"] == 240


def test_an_expectation_anchored_on_an_inject_never_sent_stays_open(scenario_data, load):
    _second_inject(scenario_data, at="T+60:00")  # after the drill's two days
    _expect(scenario_data, action="acknowledge", within="1h", after="2")
    log = _run(scenario_data, load)
    assert _outcome(log) == []
    assert events_of(log, "drill_ended")[0].details["open_expectations"] == ["E1"]


def test_a_missed_expectation_names_the_contingency_it_sets_off(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "C1", "type": "contingency", "delay": "15m", "sender": "ctl", "to": ["cert-a"],
         "via": "email", "title": "Chaser", "incident": {"id": "x"}})
    _expect(scenario_data, action="notify", within="30m", contingency="C1")
    log = _run(scenario_data, load)
    [missed] = events_of(log, "expectation_missed")
    assert (missed.time, missed.details["contingency"]) == (90, "C1")
    assert compute(log)["expectations"][0]["contingency"] == "C1"
    assert [e.time for e in events_of(log, "inject_delivered")
            if e.details["inject"] == "C1"] == [105]


def test_an_expectation_due_at_minute_zero_is_late_by_the_full_time_taken(scenario_data, load):
    # the incident opens at T+0 and is due at once: acknowledged at T+10, 10 minutes late
    scenario_data["injects"][0]["at"] = "T+00:00"
    _expect(scenario_data, action="acknowledge", within="0m")
    log = _run(scenario_data, load)
    assert _outcome(log) == [("expectation_missed", "E1", 0), ("expectation_late", "E1", 10)]
    late = events_of(log, "expectation_late")[0].details
    assert (late["deadline_at"], late["late_by"]) == (0, 10)


def test_an_acknowledgement_never_meets_an_expectation_aimed_at_a_recipient(scenario_data, load):
    # an acknowledgement addresses no one, so it cannot reach the target
    _expect(scenario_data, action="acknowledge", within="1h", target="cert-b")
    assert _outcome(_run(scenario_data, load)) == [("expectation_missed", "E1", 120)]


def test_an_acknowledged_notification_does_not_meet_a_delivery_expectation_anchored_later(
        scenario_data, load):
    # E1 counts from inject 2 (T+112, to the council); the notification was sent at
    # T+105 and delivered to cert-b at T+110, before it, and acknowledged at T+120,
    # after it: a message counts by when it was sent, whatever the reach, so neither its
    # delivery nor its acknowledgement counts
    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:52", "sender": "ctl", "to": ["council"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"}})
    _expect(scenario_data, action="notify", within="1h", after="2")
    assert _outcome(_run(scenario_data, load)) == [("expectation_missed", "E1", 172)]
    scenario_data["expectations"][0]["reach"] = "acknowledged"
    assert _outcome(_run(scenario_data, load)) == [("expectation_missed", "E1", 172)]


def test_one_action_meets_every_expectation_it_satisfies(scenario_data, load):
    # the notification to cert-b meets E2 and E3, whatever comes before them in the list
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "incident": "x", "action": "notify",
         "target": "council", "within": "4h"},
        {"id": "E2", "actors": ["cert-a"], "incident": "x", "action": "notify",
         "target": "cert-b", "within": "4h"},
        {"id": "E3", "actors": ["cert-a", "cert-b"], "require": "all", "incident": "x",
         "action": "acknowledge", "within": "4h"},
        {"id": "E4", "actors": ["cert-a"], "incident": "x", "action": "acknowledge",
         "within": "4h"},
    ]
    assert sorted(_outcome(_run(scenario_data, load))) == [
        ("expectation_met", "E2", 110), ("expectation_met", "E3", 120),
        ("expectation_met", "E4", 70), ("expectation_missed", "E1", 300)]


def _police(scenario_data):
    for country, tz in (("SG", "Asia/Singapore"), ("TH", "Asia/Bangkok")):
        scenario_data["actors"][f"police-{country.lower()}"] = {
            "name": f"Police {country}", "kind": "national_police", "country": country,
            "timezone": tz, "staffing": "24/7",
            "contacts": {"email": {"address": f"police@{country.lower()}.example"}}}


def test_an_expectation_aimed_at_the_national_police_means_the_actor_s_own(scenario_data, load):
    # cert-a (Singapore) tells Thailand's police at T+70 (delivered T+75), its own at
    # T+80 (delivered T+85)
    _police(scenario_data)
    _expect(scenario_data, action="notify", within="4h", target="national_police")
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "police-th", at=70),
                       _acts("cert-a", "notify", "police-sg", at=80)])
    assert _outcome(log) == [("expectation_met", "E1", 85)]


def test_an_inject_may_wait_for_an_action_to_have_been_done(scenario_data, load):
    # cert-a escalates at T+110; inject 2 is due at T+180
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["council"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"},
         "when": {"done": [{"action": "escalate", "by": ["cert-a"], "incident": "x"}]}})
    log = _run(scenario_data, load)
    assert [(e.actor, e.time) for e in events_of(log, "inject_delivered")
            if e.details["inject"] == "2"] == [("council", 180)]
    when = scenario_data["injects"][1]["when"]
    when["not_done"] = when.pop("done")
    log = _run(scenario_data, load)
    [skipped] = events_of(log, "inject_skipped")
    assert (skipped.time, skipped.details) == (180, {"inject": "2", "reason": "condition"})
    assert not [e for e in events_of(log, "inject_delivered") if e.details["inject"] == "2"]


# --- messages lost or bounced: the 'on_lost' contingency ---------------------------------


def _lossy(scenario_data, stale=("cert-b",), bounce=None):
    """cert-a is played by a person; e-mail to the ``stale`` addresses never arrives (lost
    when it would land, 5 minutes on, or bounced after ``bounce``); the contingencies C1
    and C2 reach cert-a 15 minutes after they are set off."""
    for aid in stale:
        scenario_data["actors"][aid]["contacts"]["email"]["stale"] = True
    if bounce is not None:
        scenario_data["channels"]["email"]["bounce"] = bounce
    for cid in ("C1", "C2"):
        scenario_data["injects"].append(
            {"id": cid, "type": "contingency", "delay": "15m", "sender": "ctl",
             "to": ["cert-a"], "via": "email", "title": "Chaser", "incident": {"id": "x"}})
    return scenario_data


def _c1_at(log, inject="C1"):
    return [e.time for e in events_of(log, "inject_delivered") if e.details["inject"] == inject]


def _lost_exp(**fields):
    return {"id": "E1", "actors": ["cert-a"], "incident": "x", "action": "notify",
            "within": "4h", "on_lost": "C1", **fields}


#: an expectation listed first that no lost message concerns
_UNRELATED = {"id": "E0", "actors": ["cert-b"], "incident": "x", "action": "acknowledge",
              "within": "4h"}


def test_a_lost_notification_sets_off_the_contingency_once(scenario_data, load):
    # notified at T+70 and T+80: both lost (T+75, T+85); C1 goes 15 minutes after the first
    _lossy(scenario_data)
    scenario_data["expectations"] = [_UNRELATED, _lost_exp(target="affected_certs")]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "cert-b", at=70),
                       _acts("cert-a", "notify", "cert-b", at=80)])
    assert [e.time for e in events_of(log, "message_lost")] == [75, 85]
    assert _c1_at(log) == [90]


def test_a_bounced_notification_sets_off_the_contingency(scenario_data, load):
    # the e-mail to cert-b bounces 2 minutes after it is sent at T+70
    _lossy(scenario_data, bounce="2m")
    scenario_data["expectations"] = [_UNRELATED, _lost_exp(target="cert-b")]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "cert-b", at=70)])
    assert [e.time for e in events_of(log, "message_bounced")] == [72]
    assert _c1_at(log) == [87]


@pytest.mark.parametrize("bounce", [None, "2m"])
def test_a_message_lost_on_its_way_to_someone_else_sets_nothing_off(scenario_data, load,
                                                                    bounce):
    # cert-b's and the council's addresses are stale; E2 is about cert-b, E1 about the
    # council (the regional coordinator): the loss to the council (sent at T+70) sets off
    # E1's C1 only, the one to cert-b (sent at T+100) E2's C2 only
    _lossy(scenario_data, stale=("cert-b", "council"), bounce=bounce)
    scenario_data["expectations"] = [
        _lost_exp(id="E2", target="cert-b", on_lost="C2"),
        _lost_exp(target="regional_council")]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "council", at=70),
                       _acts("cert-a", "notify", "cert-b", at=100)])
    lost_after = 5 if bounce is None else 2
    assert _c1_at(log) == [70 + lost_after + 15]
    assert _c1_at(log, "C2") == [100 + lost_after + 15]


def test_a_lost_message_to_the_national_police_means_the_actor_s_own(scenario_data, load):
    _police(scenario_data)
    _lossy(scenario_data, stale=("police-th", "police-sg"))
    scenario_data["expectations"] = [_lost_exp(target="national_police")]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "police-th", at=70),
                       _acts("cert-a", "notify", "police-sg", at=100)])
    assert _c1_at(log) == [120]


def test_a_message_lost_after_the_expectation_was_met_sets_nothing_off(scenario_data, load):
    # E1 is met when the notification is sent (T+70); it is lost at T+75
    _lossy(scenario_data)
    scenario_data["expectations"] = [_lost_exp(reach="sent")]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "notify", "cert-b", at=70)])
    assert _outcome(log) == [("expectation_met", "E1", 70)]
    assert events_of(log, "message_lost") and _c1_at(log) == []


def test_only_a_lost_message_of_the_expected_kind_and_sender_sets_the_contingency_off(
        scenario_data, load):
    # cert-a's escalation to cert-b (T+70) is lost: it is no notification; E1 asks
    # cert-b to notify, so cert-a's notification (T+80, lost T+85) is not its concern either
    _lossy(scenario_data)
    scenario_data["expectations"] = [_lost_exp(actors=["cert-b"]),
                                     _lost_exp(id="E2", on_lost=None)]
    log = _run(scenario_data, load, human=["cert-a"],
               script=[_acts("cert-a", "escalate", "cert-b", at=70),
                       _acts("cert-a", "notify", "cert-b", at=80)])
    assert [e.time for e in events_of(log, "message_lost")] == [75, 85]
    assert _c1_at(log) == []
    scenario_data["expectations"][0]["actors"] = ["cert-a"]
    assert _c1_at(_run(scenario_data, load, human=["cert-a"],
                       script=[_acts("cert-a", "escalate", "cert-b", at=70),
                               _acts("cert-a", "notify", "cert-b", at=80)])) == [100]


# --- desks, shifts and the on-call officer -----------------------------------------------


def _night(scenario_data, severity):
    """The drill starts Wednesday 22:00 Singapore time; cert-a's duty officer answers the
    phone after 20 minutes for incidents of high severity and above."""
    scenario_data["drill"]["start"] = "2026-08-19T22:00:00+08:00"
    scenario_data["actors"]["cert-a"]["on_call"] = {
        "channels": ["phone"], "answer_after": "20m", "min_severity": "high"}
    scenario_data["frameworks"] = {}
    inject = scenario_data["injects"][0]
    inject.update(at="T+00:00", via="phone")
    inject["incident"]["severity"] = severity
    return scenario_data


@pytest.mark.parametrize(("severity", "ack_at"), [("high", 30), ("medium", 11 * 60 + 10)])
def test_the_on_call_officer_acts_on_an_incident_of_exactly_the_least_severity(
        scenario_data, load, severity, ack_at):
    # high: picked up at 22:20, acknowledged at 22:30; medium waits for 09:00 (+10m)
    log = _run(_night(scenario_data, severity), load)
    assert [e.time for e in events_of(log, "on_call_answered", "cert-a")] == (
        [20] if severity == "high" else [])
    assert events_of(log, "acknowledged", "cert-a")[0].time == ack_at


def test_injects_due_at_the_same_minute_arrive_in_msel_order_an_on_call_phone_included(
        scenario_data, load):
    # at 22:00 the phone call to cert-a's duty officer gets through at once, before the
    # e-mail to cert-b listed after it
    _night(scenario_data, "high")
    scenario_data["injects"].append(
        {"id": "2", "at": "T+00:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Mail", "incident": {"id": "x"}})
    log = _run(scenario_data, load)
    assert [(e.details["inject"], e.actor, e.time, e.details["duty_wait"])
            for e in events_of(log, "inject_delivered")] == [
                ("1", "cert-a", 0, 0), ("2", "cert-b", 0, 0)]


def test_work_spanning_two_nights_counts_both_nights_off_duty(scenario_data, load):
    # the inject lands Wednesday 16:00 (T+420), acknowledged 16:10; 10 hours of analysis:
    # 50 minutes on Wednesday, 8 hours on Thursday, 70 minutes on Friday (ends T+2950)
    scenario_data["drill"]["duration"] = "3d"
    scenario_data["actors"]["cert-a"]["policy"]["analysis_time"] = "10h"
    scenario_data["frameworks"] = {}
    scenario_data["injects"][0]["at"] = "T+07:00"
    [analysed] = events_of(_run(scenario_data, load), "analysed", "cert-a")
    assert analysed.time == 2 * 1440 + 70
    assert (analysed.details["worked"], analysed.details["off_duty"]) == (600, 2 * 960)


def test_work_left_at_a_team_s_last_closing_time_is_never_finished(scenario_data, load,
                                                                   monkeypatch):
    # shifts are listed 14 days ahead; cert-a works Wednesdays only, and the next two
    # Wednesdays are holidays: the inject lands at 16:55 on its last working day, with 5 of
    # the 10 minutes of acknowledging done by closing time, the rest never
    monkeypatch.setattr(clock, "_HORIZON_DAYS", 14)
    team = scenario_data["actors"]["cert-a"]
    del team["working_hours"]
    team.update(working_pattern={"wed": ["09:00-17:00"]}, holidays=["2026-08-26", "2026-09-02"])
    scenario_data["injects"][0]["at"] = "T+07:55"
    log = _run(scenario_data, load)
    assert [e.time for e in events_of(log, "inject_delivered", "cert-a")] == [475]
    assert events_of(log, "acknowledged", "cert-a") == []
    assert events_of(log, "drill_ended")[0].time == 2880


def test_handing_a_role_the_policy_plays_back_to_the_policy_changes_nothing(scenario_data,
                                                                            load):
    plain = [e.to_json() for e in Engine(load(scenario_data), seed=0).run()]
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(65)  # cert-a is half-way through acknowledging the inject
    engine.set_human("cert-a", False)
    assert [e.to_json() for e in engine.run()] == plain
    assert not events_of(engine.log, "role_changed")
