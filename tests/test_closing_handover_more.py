"""At closing, the duty officer also takes over on-call work the office is still
acknowledging, or drafting a message for.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00, so the office closes at T+08:00 (480) and opens
again at T+24:00 (1440). Here cert-a has an on-call tier on the phone for incidents at
least high, answering after 30m; it acknowledges in 10m, analyses for 2h and drafts in
5m. Its rule notifies the other affected CERT (cert-b) by e-mail.
"""

from __future__ import annotations

import copy

from conftest import events_of

from sim.engine import Engine

CLOSING = 480
OPENING = 1440


def _drill(data, at: str, severity: str, escalate: bool = False):
    """cert-a with an on-call tier, and one call at ``at`` about incident x."""
    a = data["actors"]["cert-a"]
    a["policy"]["analysis_time"] = "2h"
    a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    rules = data["frameworks"]["fw"]["rules"]
    rules["notify"].pop("fallback")
    if not escalate:
        rules.pop("escalate")
    data["injects"] = [
        {"id": "1", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": "x", "type": "ransomware", "severity": severity,
                      "affected": ["SG", "TH"]}}]
    return data


def _run(load, data):
    log = Engine(load(data), seed=0).run()
    [call] = events_of(log, "inject_delivered", "cert-a")
    return log, call.time


def _times(log, type_):
    return [e.time for e in events_of(log, type_, "cert-a")]


def test_a_severe_call_being_acknowledged_at_closing_is_handled_that_night(
        scenario_data, load):
    # the call reaches cert-a at 16:54 and is still being acknowledged when the
    # office closes: the duty officer finishes the acknowledgement, analyses and
    # notifies cert-b that night, sooner than it would handle the same call placed
    # just after closing (answered 30 minutes after it arrives)
    before, arrived = _run(load, _drill(copy.deepcopy(scenario_data), "T+07:54", "critical"))
    after, _ = _run(load, _drill(copy.deepcopy(scenario_data), "T+08:05", "critical"))
    assert arrived < CLOSING < arrived + 10
    assert _times(before, "acknowledged") == [arrived + 10]
    assert _times(before, "analysed") == [arrived + 10 + 120]
    assert _times(before, "notified") == [arrived + 135]
    assert _times(before, "notified")[0] < _times(after, "notified")[0] < OPENING
    [taken] = events_of(before, "on_call_answered", "cert-a")
    assert (taken.time, taken.details["at_closing"], taken.details["ref"]) == (
        CLOSING, "acknowledging", "inject:1")
    assert taken.details["waited"] == CLOSING - arrived
    # the acknowledgement was not held up overnight
    [ack] = events_of(before, "acknowledged", "cert-a")
    assert (ack.details["worked"], ack.details["off_duty"]) == (10, 0)


def test_a_severe_call_being_drafted_for_at_closing_is_sent_that_night(scenario_data, load):
    # the call reaches cert-a at 14:47: acknowledged at 14:57, analysed at 16:57;
    # the notification is being drafted when the office closes. The duty officer
    # finishes it that evening and then drafts the escalation the call also sets off,
    # rather than leave both for the morning
    log, arrived = _run(load, _drill(scenario_data, "T+05:47", "high", escalate=True))
    drafting = arrived + 10 + 120
    assert drafting < CLOSING < drafting + 5
    [notified] = events_of(log, "notified", "cert-a")
    assert (notified.time, notified.details["worked"], notified.details["off_duty"]) == (
        drafting + 5, 5, 0)
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == drafting + 10
    [taken] = events_of(log, "on_call_answered", "cert-a")
    assert (taken.time, taken.details["at_closing"]) == (CLOSING, "drafting")
    # one notification, one escalation: the office does not send them again
    assert [e.details["to"] for e in events_of(log, "message_sent", "cert-a")] == [
        "cert-b", "council"]


def test_the_duty_officer_chases_what_it_finished_drafting_on_its_own_clock(
        scenario_data, load):
    # cert-b's e-mail address is out of date, so the notification is silently lost:
    # sent that night from the duty desk, it is chased an hour later that night, not
    # when the office opens
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["channels"]["email"]["loss"] = 0.0
    data = _drill(scenario_data, "T+05:47", "high")
    data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = ["phone"]
    log, arrived = _run(load, data)
    sent_at = arrived + 10 + 120 + 5
    [chased] = events_of(log, "message_chased", "cert-a")
    assert chased.time == sent_at + 60 < OPENING


def test_work_in_hand_below_the_threshold_or_by_email_waits_for_the_morning(
        scenario_data, load):
    # a medium call, or a critical report by e-mail: the acknowledgement, or the draft,
    # is finished when the office opens, and no duty officer picks it up
    for at in ("T+07:54", "T+05:47"):
        for via, severity in (("phone", "medium"), ("email", "critical")):
            data = _drill(copy.deepcopy(scenario_data), at, severity)
            data["injects"][0]["via"] = via
            log, arrived = _run(load, data)
            assert not events_of(log, "on_call_answered", "cert-a")
            [notified] = events_of(log, "notified", "cert-a")
            assert notified.time > OPENING
            if at == "T+07:54":
                # 10 minutes of acknowledging, some before closing, the rest after opening
                assert _times(log, "acknowledged") == [OPENING + arrived + 10 - CLOSING]
            else:
                assert notified.time == OPENING + arrived + 135 - CLOSING


def test_work_in_hand_passes_to_the_duty_officer_most_severe_first(scenario_data, load):
    # two places at the office: the high call (x) at T+07:20 is being analysed at
    # closing (90 minutes left), the critical one (z) at T+07:55 acknowledged (5 left).
    # The one duty officer finishes the critical one first, whatever its stage:
    # acknowledged at 485, analysed at 605, cert-b notified at 610; then the rest of
    # the high one's analysis, and its notification at 705
    data = _drill(scenario_data, "T+07:20", "high")
    data["injects"].append({**data["injects"][0], "id": "2", "at": "T+07:55",
                            "incident": {**data["injects"][0]["incident"], "id": "z",
                                         "severity": "critical"}})
    log = Engine(load(data), seed=0).run()
    notified = {e.incident: e.time for e in events_of(log, "notified", "cert-a")}
    assert notified == {"z": CLOSING + 130, "x": CLOSING + 130 + 95}
    taken = {e.incident: e.details["at_closing"]
             for e in events_of(log, "on_call_answered", "cert-a")}
    assert taken == {"x": "analysing", "z": "acknowledging"}
