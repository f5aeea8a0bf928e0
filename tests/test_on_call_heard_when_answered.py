"""A call on an on-call channel out of hours is taken in when someone picks it up.

The duty officer answers a call after ``answer_after``; until then, and for good when
the incident is not severe enough for it, the call waits as mail waits in a closed
office: it tells the team nothing, arms no rule, and the team has not heard of it. A
call nobody answers at night is read when the office acknowledges it in the morning.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-b (Bangkok, one hour behind) works 09:00-17:00 local, so its office is closed
from T+09:00 to T+25:00. Acknowledging takes 10m, analysing 30m, drafting 5m.
"""

from __future__ import annotations

from conftest import cert, events_of

from sim.analysis.metrics import compute
from sim.engine import Engine


def _two_calls(d):
    """Control phones cert-b (on call, answering after an hour) at T+12:00 about a
    severe incident in Thailand, and at T+13:15 to say Malaysia is affected too;
    CERT-MY, staffed around the clock, is who the second call makes cert-b notify."""
    d["actors"]["cert-b"]["on_call"] = {"channels": ["phone"], "min_severity": "medium",
                                        "answer_after": "1h"}
    d["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur", staffing="24/7")
    d["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    d["frameworks"]["fw"]["rules"]["escalate"]["enabled"] = False
    d["injects"] = [
        {"id": "A", "at": "T+12:00", "sender": "ctl", "to": ["cert-b"], "via": "phone",
         "tlp": "GREEN", "title": "Call A",
         "incident": {"id": "x", "type": "botnet", "severity": "high", "affected": ["TH"]}},
        {"id": "B", "at": "T+13:15", "sender": "ctl", "to": ["cert-b"], "via": "phone",
         "tlp": "GREEN", "title": "Call B", "incident": {"id": "x", "affected": ["MY"]}},
    ]
    return d


def _answered(log, ref):
    [e] = [e for e in events_of(log, "on_call_answered", "cert-b") if e.details["ref"] == ref]
    return e.time


def test_a_rule_acts_on_a_call_only_once_the_duty_officer_answers_it(scenario_data, load):
    engine = Engine(load(_two_calls(scenario_data)), seed=0)
    log = engine.run()
    b_rings = next(e.time for e in events_of(log, "inject_delivered", "cert-b")
                   if e.details["ref"] == "inject:B")
    b_answered = _answered(log, "inject:B")
    assert (b_rings, b_answered) == (13 * 60 + 15.0, 14 * 60 + 15.0)
    # Malaysia is notified from what call B said: once it was answered, not when it rang
    [to_my] = [e for e in events_of(log, "message_sent", "cert-b") if e.details["to"] == "cert-c"]
    assert to_my.time > b_answered
    assert to_my.details["trigger_at"] == b_answered
    assert "inject:B" in to_my.details["refs"]
    # the team learnt of Malaysia when the call was answered
    assert engine.actors["cert-b"].pictures["x"].learnt["affected:MY"] == b_answered


def test_what_a_call_says_joins_the_picture_when_it_is_answered(scenario_data, load):
    engine = Engine(load(_two_calls(scenario_data)), seed=0)
    engine.run_until(14 * 60 + 14)  # call B has rung, the duty officer has not answered
    picture = engine.actors["cert-b"].pictures["x"]
    assert "affected:MY" not in picture.learnt
    [b] = [i for i in engine.inbox("cert-b") if i.ref == "inject:B"]
    assert b.known_at is None
    engine.run_until(14 * 60 + 16)
    assert picture.learnt["affected:MY"] == 14 * 60 + 15.0


def test_the_first_call_is_heard_once_answered(scenario_data, load):
    log = Engine(load(_two_calls(scenario_data)), seed=0).run()
    [rang] = [e for e in events_of(log, "inject_delivered", "cert-b")
              if e.details["ref"] == "inject:A"]
    answered = _answered(log, "inject:A")
    assert answered == rang.time + 60
    [inc] = compute(log)["incidents"]
    heard = inc["first_heard"]["cert-b"]
    # heard as the duty officer picks it up, not when it rang nor once acknowledged
    assert heard["at"] == answered and heard["from"] == "ctl"


def _medium_call_at_night(d):
    """cert-a, staffed around the clock, hears of a medium incident at T+12:00 and
    phones cert-b, whose duty officer acts only on a high one."""
    d["actors"]["cert-a"]["staffing"] = "24/7"
    d["actors"]["cert-b"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                        "answer_after": "15m"}
    d["injects"][0]["at"] = "T+12:00"
    d["injects"][0]["incident"]["severity"] = "medium"
    return d


def test_a_call_the_duty_officer_does_not_take_waits_for_the_office(scenario_data, load):
    engine = Engine(load(_medium_call_at_night(scenario_data)), seed=0)
    log = engine.run()
    [call] = [e for e in events_of(log, "message_delivered", "cert-b")
              if e.details["channel"] == "phone"]
    assert call.details.get("unread") is True
    assert not events_of(log, "on_call_answered", "cert-b")
    read = next(e.time for e in events_of(log, "acknowledged", "cert-b")
                if call.details["msg"] in e.details["refs"])
    assert read == 25 * 60 + 10.0  # the office opens at T+25:00 and acknowledges it
    [inc] = compute(log)["incidents"]
    assert inc["first_heard"]["cert-b"]["at"] == read
    picture = engine.actors["cert-b"].pictures["x"]
    assert min(picture.learnt.values()) == read


def test_a_call_stating_a_severe_incident_is_answered_on_what_it_says(scenario_data, load):
    # the first word cert-b has of the incident is a call saying it is high: that is
    # severe enough for a duty officer that acts only on high ones
    d = scenario_data
    d["actors"]["cert-b"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                        "answer_after": "15m"}
    d["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    d["injects"] = [
        {"id": "1", "at": "T+12:00", "sender": "ctl", "to": ["cert-b"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": "x", "type": "botnet", "severity": "high",
                      "affected": ["SG", "TH"]}},
    ]
    log = Engine(load(d), seed=0).run()
    assert _answered(log, "inject:1") == 12 * 60 + 15.0
    [ack] = events_of(log, "acknowledged", "cert-b")
    assert ack.time == 12 * 60 + 25.0


def test_a_follow_up_call_before_the_first_is_answered_is_answered_too(scenario_data, load):
    # a high call about x at T+12:00 to a duty officer who takes only high incidents and
    # answers after an hour; a follow-up about x that states no severity rings at T+12:20,
    # before the first is answered: the duty officer takes it on the first call's word,
    # where a call about another incident, of no stated severity, waits for the office
    d = scenario_data
    d["actors"]["cert-b"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                        "answer_after": "1h"}
    d["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    d["frameworks"]["fw"]["rules"]["escalate"]["enabled"] = False
    call = {"sender": "ctl", "to": ["cert-b"], "via": "phone", "tlp": "GREEN"}
    d["injects"] = [
        {**call, "id": "A", "at": "T+12:00", "title": "Call A",
         "incident": {"id": "x", "type": "botnet", "severity": "high", "affected": ["TH"]}},
        {**call, "id": "B", "at": "T+12:20", "title": "Call B",
         "incident": {"id": "y", "type": "phishing", "affected": ["TH"]}},
        {**call, "id": "C", "at": "T+12:20", "title": "Call C",
         "incident": {"id": "x", "affected": ["SG"]}},
    ]
    log = Engine(load(d), seed=0).run()
    assert _answered(log, "inject:A") == 12 * 60 + 60
    assert _answered(log, "inject:C") == 12 * 60 + 20 + 60
    assert not [e for e in events_of(log, "on_call_answered", "cert-b")
                if e.details["ref"] == "inject:B"]
