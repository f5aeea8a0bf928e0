"""A phone call held by an outage still needs someone at the desk.

An inject on a channel that ``needs_receiver_on_duty`` gets through once the receiver
is at work; held by a ``hold`` outage, it gets through when service returns, and then
too only once someone is there: the check is made when it would ring, not before the
hold.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _held_call(d):
    d["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    # the phone line is down from 16:00 to 18:00 Singapore time; cert-a's office closes
    # at 17:00 and opens again at 09:00 (T+24:00)
    d["outages"] = [{"channel": "phone", "start": "T+07:00", "end": "T+09:00",
                     "effect": "hold"}]
    d["injects"] = [
        {"id": "1", "at": "T+07:30", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}},
    ]
    return d


def test_a_call_held_past_office_hours_rings_next_morning(scenario_data, load):
    engine = Engine(load(_held_call(scenario_data)), seed=0, human=["cert-a"])
    log = engine.run()
    got = events_of(log, "inject_delivered", "cert-a")
    assert [e.time for e in got] == [24 * 60.0]
    assert engine.actors["cert-a"].shift.on_duty(got[0].time)
    # it waited for the office from 18:00, when service returned, to 09:00
    assert got[0].details["duty_wait"] == 15 * 60.0


def test_a_call_held_within_office_hours_rings_when_service_returns(scenario_data, load):
    d = _held_call(scenario_data)
    d["outages"][0]["end"] = "T+07:45"
    log = Engine(load(d), seed=0, human=["cert-a"]).run()
    got = events_of(log, "inject_delivered", "cert-a")
    assert [(e.time, e.details["duty_wait"]) for e in got] == [(7 * 60 + 45.0, 0.0)]
