"""What counts towards an expectation anchored on an inject, and what sets off its
'on_lost' contingency.

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) by e-mail at T+60
and opens incident x; cert-a acknowledges at T+70, analyses until T+100 and notifies
cert-b at T+105 by e-mail (5 minutes: delivered T+110, with phone as its fallback);
cert-b acknowledges at T+120. Inject 2 goes to the council, so cert-a's day is the
same whenever it is sent; the expectations below are anchored on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from scenarios.durations import format_drill_time
from sim.engine import Engine


def _anchor(data: dict[str, Any], at: float | None = None, **timing: Any) -> None:
    """Inject 2, to the council: at drill minute ``at``, or timed by ``timing``."""
    inject = {"id": "2", "sender": "ctl", "to": ["council"], "via": "email",
              "tlp": "GREEN", "title": "From here on", "incident": {"id": "x"}, **timing}
    if at is not None:
        inject["at"] = format_drill_time(at)
    data["injects"].append(inject)


def _contingency(data: dict[str, Any], cid: str) -> None:
    data["injects"].append(
        {"id": cid, "type": "contingency", "delay": "15m", "sender": "ctl",
         "to": ["cert-a"], "via": "email", "title": "Chaser", "incident": {"id": "x"}})


def _notify(**fields: Any) -> dict[str, Any]:
    """cert-a is to notify cert-b."""
    return {"id": "E1", "actors": ["cert-a"], "incident": "x", "action": "notify",
            "target": "cert-b", "within": "2h", **fields}


def _delivered(log, inject: str) -> list[float]:
    return [e.time for e in events_of(log, "inject_delivered") if e.details["inject"] == inject]


def _outcome(log) -> dict[str, tuple[str, float]]:
    return {e.details["expectation"]: (e.type, e.time) for e in log
            if e.type in ("expectation_met", "expectation_missed")}


def _run(load, data: dict[str, Any]):
    return Engine(load(data), seed=0).run()


# --- 'on_lost': only for a message that could still meet the expectation -----------------


def _stale_mail_to_cert_b(data: dict[str, Any]) -> None:
    """cert-b's e-mail address is out of date: the notification sent at T+105 is lost
    silently when it would land (T+110)."""
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    _contingency(data, "C1")


@pytest.mark.parametrize(("anchor", "fired", "outcome"), [
    # out before the notification: its loss at T+110 sets C1 off, and the chase by
    # phone (T+165, through at T+166) meets E1
    (90, [125.0], ("expectation_met", 166)),
    # out after it was sent, before it was lost: the message and its chase count for
    # nothing, and no other follows
    (107, [], ("expectation_missed", 227)),
    # out after it was lost
    (180, [], ("expectation_missed", 300)),
])
def test_on_lost_counts_only_messages_sent_once_the_anchor_is_out(
        scenario_data, load, anchor, fired, outcome):
    _stale_mail_to_cert_b(scenario_data)
    _anchor(scenario_data, anchor)
    scenario_data["expectations"] = [_notify(after="2", on_lost="C1")]
    log = _run(load, scenario_data)
    lost = [e for e in events_of(log, "message_lost") if e.details["verb"] == "notify"]
    assert (lost[0].time, lost[0].details["reason"]) == (110, "stale_contact")
    chased = [e for e in events_of(log, "message_sent") if e.details["verb"] == "notify"]
    assert [(e.time, e.details["channel"]) for e in chased] == [(105, "email"), (165, "phone")]
    assert _delivered(log, "C1") == fired
    assert _outcome(log)["E1"] == outcome


def test_on_lost_waits_for_an_anchor_that_never_comes(scenario_data, load):
    # inject 2 is sent only if E0 (cert-b closing the incident) is met: it never is
    _stale_mail_to_cert_b(scenario_data)
    _anchor(scenario_data, 180, when={"met": ["E0"]})
    scenario_data["expectations"] = [
        {"id": "E0", "actors": ["cert-b"], "incident": "x", "action": "close", "within": "1h"},
        _notify(after="2", on_lost="C1")]
    log = _run(load, scenario_data)
    skipped = {e.details["inject"]: e.details.get("reason")
               for e in events_of(log, "inject_skipped")}
    assert skipped == {"2": "condition", "C1": "not_triggered"}
    assert _delivered(log, "C1") == []


def test_on_lost_is_not_set_off_once_the_expectation_is_missed(scenario_data, load):
    # E1 falls due at T+90, before the notification is even sent: it is missed, and its
    # own contingency C2 is the one that goes (T+105)
    _stale_mail_to_cert_b(scenario_data)
    _contingency(scenario_data, "C2")
    scenario_data["expectations"] = [_notify(within="30m", on_lost="C1", contingency="C2")]
    log = _run(load, scenario_data)
    assert _outcome(log)["E1"] == ("expectation_missed", 90)
    assert any(e.details["verb"] == "notify" for e in events_of(log, "message_lost"))
    assert _delivered(log, "C2") == [105]
    assert _delivered(log, "C1") == []


def test_no_contact_on_a_channel_is_no_lost_message(scenario_data, load):
    # cert-b has no e-mail contact: cert-a knows at once and phones (T+105, through a
    # minute later), which meets E1; nothing was lost on the way
    del scenario_data["actors"]["cert-b"]["contacts"]["email"]
    _contingency(scenario_data, "C1")
    scenario_data["expectations"] = [_notify(on_lost="C1")]
    log = _run(load, scenario_data)
    [no_contact] = [e for e in events_of(log, "message_lost") if e.details["verb"] == "notify"]
    assert (no_contact.time, no_contact.details["reason"]) == (105, "no_contact")
    assert _outcome(log)["E1"] == ("expectation_met", 106)
    assert _delivered(log, "C1") == []


# --- every reach counts a message by when it was sent ------------------------------------


def _by_reach(data: dict[str, Any]) -> None:
    """Three expectations anchored on inject 2, differing only in reach."""
    data["expectations"] = [_notify(id=f"E-{reach}", after="2", reach=reach)
                            for reach in ("sent", "delivered", "acknowledged")]


def test_a_message_sent_before_the_anchor_counts_for_no_reach(scenario_data, load):
    # inject 2 goes at T+107: the notification was sent at T+105, delivered at T+110
    # and acknowledged at T+120; none of it counts, and no other follows
    _anchor(scenario_data, 107)
    _by_reach(scenario_data)
    log = _run(load, scenario_data)
    assert _outcome(log) == {f"E-{reach}": ("expectation_missed", 227)
                             for reach in ("sent", "delivered", "acknowledged")}


def test_a_message_sent_after_the_anchor_counts_for_every_reach(scenario_data, load):
    _anchor(scenario_data, 100)
    _by_reach(scenario_data)
    log = _run(load, scenario_data)
    assert _outcome(log) == {"E-sent": ("expectation_met", 105),
                             "E-delivered": ("expectation_met", 110),
                             "E-acknowledged": ("expectation_met", 120)}


def test_the_message_an_inject_is_timed_after_counts_for_no_reach(scenario_data, load):
    # inject 2 goes the very minute cert-a notifies (T+105), once it has: the
    # notification that set it off came before it
    _anchor(scenario_data, after_action={"action": "notify", "by": ["cert-a"]})
    _by_reach(scenario_data)
    log = _run(load, scenario_data)
    sent = [e.time for e in events_of(log, "message_sent") if e.details["verb"] == "notify"]
    assert sent == [105] and _delivered(log, "2") == [105]
    assert _outcome(log) == {f"E-{reach}": ("expectation_missed", 225)
                             for reach in ("sent", "delivered", "acknowledged")}
