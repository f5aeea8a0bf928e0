"""A message held in an outage goes on only when no outage that holds it is still on, as
control's injects do, whatever the order in which the outages are written.

Base scenario (tests/conftest.py): control's inject reaches cert-a at T+60; cert-a's
notification leaves for cert-b by e-mail (5m) at T+105, its escalation for the council at
T+110; cert-b acknowledges 10 minutes after a message arrives.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine

#: e-mail is down for everyone T+01:30-T+02:00 (90-120) ...
EVERYONE = {"channel": "email", "start": "T+01:30", "end": "T+02:00", "effect": "hold"}


def cert_b(start: str, end: str = "T+05:00", effect: str = "hold") -> dict[str, Any]:
    """... and cert-b's own mail server is down from ``start`` (until T+05:00, 300)."""
    return {"channel": "email", "actor": "cert-b", "start": start, "end": end,
            "effect": effect}


def _run(data: dict[str, Any], load, outages: list[dict[str, Any]]):
    data = dict(data, outages=outages)
    return Engine(load(data), seed=0).run()


def _messages(log) -> list[tuple[Any, ...]]:
    keep = ("message_sent", "message_held", "message_delivered", "message_lost",
            "message_bounced", "inject_delivered", "acknowledged")
    return [(e.time, e.type, e.actor, e.details.get("to"), e.details.get("until"),
             e.details.get("reason")) for e in log if e.type in keep]


@pytest.fixture
def data(scenario_data):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    # control's own note to cert-b, sent while both outages are on
    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:45", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Control's note", "incident": {"id": "x"}})
    return scenario_data


def test_held_message_waits_for_the_longer_overlapping_outage(data, load):
    log = _run(data, load, [EVERYONE, cert_b("T+01:40")])
    # one hold, until the last outage that covers the message ends
    assert [(e.time, e.details["to"], e.details["until"])
            for e in events_of(log, "message_held")] == [(105, "cert-b", 300),
                                                          (110, "council", 120)]
    # cert-b's mail arrives when its server is back (300) plus 5m, as control's note does
    assert [e.time for e in events_of(log, "inject_delivered", "cert-b")] == [300]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [305]
    # the council's end was only down with everyone's
    assert [e.time for e in events_of(log, "message_delivered", "council")
            if e.details["sender"] == "cert-a"] == [125]


def test_the_order_of_the_outages_does_not_matter(data, load):
    first = _messages(_run(data, load, [EVERYONE, cert_b("T+01:40")]))
    again = _messages(_run(data, load, [cert_b("T+01:40"), EVERYONE]))
    assert first == again


def test_an_outage_starting_during_the_hold_holds_it_on(data, load):
    # cert-b's server goes down at T+01:55, after the message was sent but before
    # everyone's e-mail is back: held on to T+05:00, as control's note is
    log = _run(data, load, [EVERYONE, cert_b("T+01:55")])
    [held] = events_of(log, "message_held", "cert-a")[:1]
    assert (held.time, held.details["until"]) == (105, 300)
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [305]
    assert [e.time for e in events_of(log, "inject_delivered", "cert-b")] == [300]


def test_holds_chain_across_several_outages(data, load):
    # everyone 90-120, cert-b 110-200, everyone again 190-240: one wait, to 240
    log = _run(data, load, [EVERYONE, cert_b("T+01:50", "T+03:20"),
                            dict(EVERYONE, start="T+03:10", end="T+04:00")])
    assert [e.details["until"] for e in events_of(log, "message_held")
            if e.details["to"] == "cert-b"] == [240]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [245]


def test_released_into_a_losing_outage_is_lost(data, load):
    # cert-b's server loses mail from T+01:50: what was held goes on at 120 and is lost,
    # as control's note (held from 105 too) is
    log = _run(data, load, [EVERYONE, cert_b("T+01:50", effect="lose")])
    [held] = [e for e in events_of(log, "message_held") if e.details["to"] == "cert-b"]
    assert held.details["until"] == 120
    lost = [(e.time, e.details.get("inject"), e.details["reason"])
            for e in events_of(log, "message_lost", "cert-b")]
    assert lost == [(120, "2", "outage"), (125, None, "outage")]
    assert not events_of(log, "message_delivered", "cert-b")


def test_released_into_a_bouncing_outage_bounces_and_the_sender_phones(data, load):
    data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = ["phone"]
    log = _run(data, load, [EVERYONE, cert_b("T+01:50", effect="bounce")])
    [bounced] = events_of(log, "message_bounced")
    assert (bounced.time, bounced.details["to"], bounced.details["reason"]) == (
        120, "cert-b", "outage")
    # the bounce sends cert-a to the phone at once (no chase an hour later)
    to_b = [(e.time, e.details["channel"]) for e in events_of(log, "message_sent")
            if e.details["to"] == "cert-b"]
    assert to_b == [(105, "email"), (120, "phone")]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [121]


def test_run_report_counts_the_whole_hold(data, load):
    for outages in ([EVERYONE, cert_b("T+01:40")], [cert_b("T+01:40"), EVERYONE]):
        m = compute(_run(data, load, outages))
        [hop] = [h for h in m["slowest_hops"] if h["to"] == "cert-b"]
        # sent at 105, held to 300, 5m on the way, acknowledged at 315
        assert hop["lost"] == [] and hop["lost_time"] == 0
        assert (hop["held_time"], hop["transit"], hop["awaiting_ack"]) == (195, 5, 10)
        assert sum(hop[p] or 0.0 for p in ("handling", "lost_time", "held_time", "transit",
                                          "office_hours_wait", "awaiting_ack")) == \
            pytest.approx(hop["duration"])
        lines = render_text(m).splitlines()
        i = next(i for i, ln in enumerate(lines) if "CERT-SG -> CERT-TH: notify" in ln)
        assert lines[i + 1].strip() == (
            "handling 45m; held in an outage 3h15m; transit 5m; awaiting acknowledgement 10m")


@pytest.mark.parametrize("effect", ["lose", "bounce"])
def test_an_outage_that_stops_a_message_outweighs_one_that_holds_it(data, load, effect):
    # at T+01:45 (105) everyone's e-mail holds messages and cert-b's server loses or
    # bounces them: cert-b's notification and control's note are stopped, whichever
    # outage the file writes first
    runs = [_messages(_run(data, load, order)) for order in (
        [EVERYONE, cert_b("T+01:40", effect=effect)],
        [cert_b("T+01:40", effect=effect), EVERYONE])]
    assert runs[0] == runs[1]
    to_b = [m for m in runs[0] if m[3] == "cert-b" or m[2] == "cert-b"]
    assert not [m for m in to_b if m[1] in ("message_held", "message_delivered",
                                             "inject_delivered")]
    stopped = "message_lost" if effect == "lose" else "message_bounced"
    assert [m[0] for m in to_b if m[1] == stopped and m[5] == "outage"][:1] == [105]


def test_a_losing_outage_outweighs_a_bouncing_one(data, load):
    runs = [_messages(_run(data, load, order)) for order in (
        [cert_b("T+01:40", effect="bounce"), cert_b("T+01:40", effect="lose")],
        [cert_b("T+01:40", effect="lose"), cert_b("T+01:40", effect="bounce")])]
    assert runs[0] == runs[1]
    assert not [m for m in runs[0] if m[1] == "message_bounced"]
    assert [(m[0], m[5]) for m in runs[0] if m[1] == "message_lost"] == [
        (105, "outage"), (110, "outage")]
