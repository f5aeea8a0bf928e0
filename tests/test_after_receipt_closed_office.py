"""A receipt that reaches a closed office is read as mail is: the ``after:`` rule it
completes is armed, and due, from when the sending desk is next on duty.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time.
cert-a (Singapore) and cert-b (Bangkok, an hour behind) work 09:00-17:00 local;
each acknowledges in 10m, analyses in 30m and drafts in 5m; e-mail takes 5m.
Exercise control reports an incident to cert-a at 16:00 (Singapore time): cert-a
acknowledges it at 16:10, analyses it by 16:40 and notifies cert-b at 16:45. cert-b,
open until 18:00 Singapore time, has the e-mail at 16:50 and acknowledges it at 17:00;
its receipt reaches cert-a at 17:05, after closing.
cert-a then escalates to the council, within an hour, once cert-b has acknowledged.
"""

from __future__ import annotations

import copy

import pytest
from conftest import events_of

from sim.engine import Engine

RECEIPT_AT = 8 * 60 + 5.0  # Wednesday 17:05 in Singapore
THURSDAY_0900 = 24 * 60.0  # cert-a's office opens again


def _late_receipt(data, **mail):
    data["drill"]["duration"] = "3d"
    data["channels"]["email"].update(mail)
    data["frameworks"]["fw"]["rules"] = {
        "tell-b": {"by": ["cert-a"], "on": ["inject"], "action": "notify",
                   "to": ["cert-b"], "channel": "email", "deadline": "4h", "tlp": "GREEN"},
        "then-council": {"by": ["cert-a"], "after": ["tell-b"], "action": "escalate",
                         "to": ["regional_council"], "channel": "email", "deadline": "1h",
                         "tlp": "GREEN"},
    }
    data["injects"][0]["at"] = "T+07:00"
    return data


def _receipt_and_escalation(log):
    [receipt] = [e for e in events_of(log, "acknowledgement_received", "cert-a")
                 if e.details["to"] == "cert-b"]
    [escalated] = events_of(log, "escalated", "cert-a")
    return receipt, escalated


def test_a_receipt_reaching_a_closed_office_is_due_from_the_morning(scenario_data, load):
    log = Engine(load(_late_receipt(scenario_data)), seed=0).run()
    receipt, escalated = _receipt_and_escalation(log)
    assert (receipt.time, receipt.details["channel"]) == (RECEIPT_AT, "email")
    # nobody reads it until the office opens: the escalation is due from then, and
    # drafted first thing, in time
    assert escalated.details["trigger_at"] == THURSDAY_0900
    assert escalated.details["deadline_at"] == THURSDAY_0900 + 60
    assert escalated.time == THURSDAY_0900 + 5
    assert escalated.details["late_by"] == 0


def test_a_receipt_reaching_an_open_office_is_due_at_once(scenario_data, load):
    # the same drill three hours earlier: the receipt reaches cert-a at 14:05
    data = _late_receipt(scenario_data)
    data["injects"][0]["at"] = "T+04:00"
    log = Engine(load(data), seed=0).run()
    receipt, escalated = _receipt_and_escalation(log)
    assert receipt.time == RECEIPT_AT - 180
    assert escalated.details["trigger_at"] == receipt.time
    assert escalated.time == receipt.time + 5


@pytest.mark.parametrize("answered", ["around_the_clock", "on_call"])
def test_a_receipt_on_a_channel_answered_at_night_is_read_on_arrival(scenario_data, load,
                                                                     answered):
    # someone takes in what arrives on the channel at night, receipts included: the
    # escalation is due from the receipt's arrival, though only the office drafts it
    data = copy.deepcopy(scenario_data)
    if answered == "around_the_clock":
        data = _late_receipt(data, handled_around_the_clock=True)
    else:
        data = _late_receipt(data)
        data["actors"]["cert-a"]["on_call"] = {"channels": ["email"]}
    log = Engine(load(data), seed=0).run()
    receipt, escalated = _receipt_and_escalation(log)
    assert receipt.time == RECEIPT_AT
    assert escalated.details["trigger_at"] == RECEIPT_AT
    assert escalated.details["deadline_at"] == RECEIPT_AT + 60
    assert escalated.details["late_by"] > 0


def test_chases_stop_when_the_receipt_arrives(scenario_data, load):
    # the receipt reached cert-a overnight: its follow-up time, run in office hours,
    # finds it there in the morning, and nothing is chased
    data = _late_receipt(scenario_data)
    data["frameworks"]["fw"]["rules"]["tell-b"]["fallback"] = ["phone"]
    log = Engine(load(data), seed=0).run()
    receipt, escalated = _receipt_and_escalation(log)
    assert receipt.time == RECEIPT_AT
    assert events_of(log, "message_chased") == []
    assert escalated.details["trigger_at"] == THURSDAY_0900


def test_a_receipt_for_the_duty_officer_is_read_on_arrival(scenario_data, load):
    # the duty officer takes a critical call at 20:00 and notifies cert-b (staffed
    # around the clock) at night: the desk that sent the e-mail is on duty, so the
    # receipt coming back by e-mail is read at once, though the office is closed
    data = _late_receipt(scenario_data)
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                           "answer_after": "30m"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-b"]["staffing"] = "24/7"
    data["injects"][0].update(at="T+11:00", via="phone")
    data["injects"][0]["incident"]["severity"] = "critical"
    log = Engine(load(data), seed=0).run()
    assert events_of(log, "on_call_answered", "cert-a")
    receipt, escalated = _receipt_and_escalation(log)
    assert 11 * 60 < receipt.time < THURSDAY_0900
    assert escalated.details["trigger_at"] == receipt.time
