"""A call that comes in off duty is picked up by the duty officer or by the office,
whichever comes first.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a works 09:00-17:00, acknowledging takes 10m, drafting 5m; a phone call takes
1m (whether or not an inject takes it, the tests count from the call's arrival).
Here cert-a has a duty officer on the phone for high-severity incidents, who
answers 3h after the call, and analyses for 9h (longer than an office day).
"""

from __future__ import annotations

import copy

from conftest import events_of

from sim.engine import Engine

THURSDAY_0900 = 24 * 60.0


def _call(data, at: str, severity: str, answer_after: str = "3h"):
    data["drill"]["duration"] = "3d"
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                           "answer_after": answer_after}
    data["actors"]["cert-a"]["policy"]["analysis_time"] = "9h"
    data["injects"] = [
        {"id": "1", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": "x", "type": "botnet", "severity": severity,
                      "affected": ["SG", "TH"]}},
    ]
    return data


def _timeline(log):
    """What cert-a did and when."""
    return [(e.type, e.time) for e in log if e.actor == "cert-a" and e.type in (
        "on_call_answered", "acknowledged", "analysed", "notified", "escalated")]


def test_a_severe_call_the_office_opens_for_first_is_not_handled_later(scenario_data,
                                                                         load):
    # the call reaches cert-a at about 08:45 on Thursday (T+23:45); the office opens
    # at 09:00, long before the duty officer would answer (about 11:45): the office
    # picks it up, severe or not, and nobody is on call for it until the office closes
    high = Engine(load(_call(copy.deepcopy(scenario_data), "T+23:45", "high")),
                  seed=0).run()
    medium = Engine(load(_call(scenario_data, "T+23:45", "medium")), seed=0).run()
    closing = THURSDAY_0900 + 8 * 60
    assert [t for t in _timeline(high) if t[1] < closing] == \
        [t for t in _timeline(medium) if t[1] < closing] == [
            ("acknowledged", THURSDAY_0900 + 10)]
    [ack] = events_of(high, "acknowledged", "cert-a")
    # the wait for the office is time off duty, and no duty officer answered then
    [call] = events_of(high, "inject_delivered", "cert-a")
    assert ack.details["off_duty"] == THURSDAY_0900 - call.time
    [answered] = events_of(high, "on_call_answered", "cert-a")
    assert (answered.time, answered.details["at_closing"]) == (closing, "analysing")
    assert events_of(medium, "on_call_answered", "cert-a") == []


def test_the_duty_officer_finishes_at_closing_what_the_office_picked_up(scenario_data,
                                                                         load):
    # acknowledged at 09:10, the 9h analysis stops at 17:00 with 70 minutes left: the
    # incident is severe enough for the duty officer, who carries out the rest that
    # evening (18:10, T+33:10) rather than leave it for Friday morning (T+49:10, as a
    # medium incident waits)
    high = Engine(load(_call(copy.deepcopy(scenario_data), "T+23:45", "high")),
                  seed=0).run()
    [analysed] = events_of(high, "analysed", "cert-a")
    assert analysed.time == 33 * 60 + 10
    assert analysed.details["off_duty"] == 0
    [notified] = events_of(high, "notified", "cert-a")
    assert notified.time == 33 * 60 + 15
    medium = Engine(load(_call(scenario_data, "T+23:45", "medium")), seed=0).run()
    [analysed] = events_of(medium, "analysed", "cert-a")
    assert analysed.time == 49 * 60 + 10
    assert analysed.details["off_duty"] == 16 * 60


def test_the_duty_officer_who_answers_first_still_handles_the_call(scenario_data, load):
    # the call reaches cert-a at about 05:00 (T+20:00) and is answered 30 minutes
    # later, before the office opens: the duty officer acknowledges it 10 minutes
    # after that and analyses around the clock, for 9 hours straight
    log = Engine(load(_call(scenario_data, "T+20:00", "high", answer_after="30m")),
                 seed=0).run()
    [call] = events_of(log, "inject_delivered", "cert-a")
    assert call.time < 21 * 60
    assert _timeline(log)[:3] == [("on_call_answered", call.time + 30),
                                  ("acknowledged", call.time + 40),
                                  ("analysed", call.time + 40 + 9 * 60)]
