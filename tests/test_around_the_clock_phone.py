"""A 24/7 hotline answers at night.

A channel ``handled_around_the_clock`` is answered by the receiver's 24/7 point of
contact; one that also ``needs_receiver_on_duty`` (a phone line) gets through once
someone is there to answer, which on such a line is at any hour. Messages, injects and
passwords on it used to wait for the office to open.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Engine
from sim.engine.core import Action

NIGHT = 600.0  # T+10:00: 19:00 in Singapore, 18:00 in Bangkok, after office hours


def _hotline(d, *, needs_receiver_on_duty: bool):
    d["channels"]["hotline"] = {"kind": "phone", "latency": "1m",
                                "handled_around_the_clock": True,
                                "needs_receiver_on_duty": needs_receiver_on_duty}
    d["actors"]["cert-b"]["contacts"]["hotline"] = {"address": "+TH-247"}
    return d


@pytest.mark.parametrize("needs_receiver_on_duty", [False, True])
def test_a_message_on_a_247_hotline_is_answered_at_night(scenario_data, load,
                                                         needs_receiver_on_duty):
    d = _hotline(scenario_data, needs_receiver_on_duty=needs_receiver_on_duty)
    engine = Engine(load(d), seed=0, human=["cert-a"])
    engine.run_until(NIGHT)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="hotline",
                      tlp="GREEN"))
    log = engine.run()
    got = events_of(log, "message_delivered", "cert-b")
    assert [e.time for e in got] == [NIGHT + 1]
    assert got[0].details["duty_wait"] == 0.0
    ack = events_of(log, "acknowledged", "cert-b")
    assert ack and ack[0].time == NIGHT + 1 + 10  # the duty desk's ack delay, not morning


def test_an_inject_on_a_247_hotline_is_answered_at_night(scenario_data, load):
    d = _hotline(scenario_data, needs_receiver_on_duty=True)
    d["injects"].append(
        {"id": "2", "at": "T+10:00", "sender": "ctl", "to": ["cert-b"], "via": "hotline",
         "tlp": "GREEN", "title": "Night call", "incident": {"id": "x"}})
    d["actors"]["ctl"]["contacts"]["hotline"] = {"address": "+SG-ctl"}
    log = Engine(load(d), seed=0).run()
    got = [e for e in events_of(log, "inject_delivered", "cert-b")
           if e.details["inject"] == "2"]
    assert [e.time for e in got] == [NIGHT]
    assert got[0].details["duty_wait"] == 0.0


def test_an_ordinary_phone_still_waits_for_the_office(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0, human=["cert-a"])
    engine.run_until(NIGHT)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="phone",
                      tlp="GREEN"))
    log = engine.run()
    got = events_of(log, "message_delivered", "cert-b")
    assert got and got[0].time > NIGHT + 60 and got[0].details["duty_wait"] > 0
