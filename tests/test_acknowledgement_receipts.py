"""A sender learns that its message was acknowledged only when the receipt reaches it:
back over the channel the message came by, with that channel's latency between the
two, and through that channel's outages. Its ``after:`` rules and its chases go by
what it has learnt, and so does what a remote player sees of its own messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import events_of

from sim.analysis.metrics import compute
from sim.engine import Engine
from sim.net.visibility import for_role

# A notifies B by e-mail (falling back to a call) and escalates to the council once
# B has acknowledged. A: acknowledge 5m, analyse 5m, draft 5m; B acknowledges in 10m;
# e-mail takes 5m, a call 1m. A's notification leaves at T+00:15 and reaches B at
# T+00:20; B acknowledges it at T+00:30.
START = "2026-09-14T09:00:00+08:00"
NOTIFIED, ACKNOWLEDGED = 15.0, 30.0
DRILL: dict[str, Any] = {
    "drill": {"id": "receipts", "title": "Acknowledgement receipts", "tlp": "CLEAR",
              "start": START, "duration": "8h"},
    "actors": {
        "a": {"name": "A-CERT", "kind": "national_cert", "country": "SG",
              "timezone": "Asia/Singapore", "staffing": "24/7",
              "contacts": {"email": {"address": "a@x"}, "phone": {"address": "+65"}},
              "policy": {"ack_delay": "5m", "analysis_time": "5m", "drafting_time": "5m",
                         "followup_after": "1h"}},
        "b": {"name": "B-CERT", "kind": "national_cert", "country": "TH",
              "timezone": "Asia/Bangkok", "staffing": "24/7",
              "contacts": {"email": {"address": "b@x"}, "phone": {"address": "+66"}},
              "policy": {"ack_delay": "10m", "analysis_time": "30m", "drafting_time": "5m"}},
        "council": {"name": "Council", "kind": "regional_council",
                    "timezone": "Asia/Singapore", "staffing": "24/7",
                    "contacts": {"email": {"address": "c@x"}}},
        "hicon": {"name": "HiCON", "kind": "exercise_control", "timezone": "Asia/Singapore",
                  "staffing": "24/7", "contacts": {"email": {"address": "h@x"}}},
    },
    "channels": {"email": {"kind": "email", "latency": "5m"},
                 "phone": {"kind": "phone", "latency": "1m"}},
    "frameworks": {"f": {"title": "f", "rules": {
        "notify": {"by": ["a"], "on": ["inject"], "action": "notify",
                   "to": ["affected_certs"], "channel": "email", "fallback": ["phone"],
                   "tlp": "GREEN"},
        "escalate-once-acknowledged": {"by": ["a"], "after": ["notify"],
                                       "action": "escalate", "to": ["regional_council"],
                                       "channel": "email", "tlp": "GREEN"},
    }}},
    "injects": [{"id": "1", "at": "T+00:00", "type": "event", "sender": "hicon",
                 "to": ["a"], "via": "email", "tlp": "GREEN", "title": "botnet",
                 "incident": {"id": "x", "type": "botnet", "severity": "medium",
                              "affected": ["SG", "TH"]}}],
}


def drill(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DRILL)
    data.update(changes)
    return data


def b_mail_down(effect: str) -> list[dict[str, Any]]:
    """B's e-mail, both ways, from just after A's notification reached it."""
    return [{"channel": "email", "actor": "b", "start": "T+00:20", "end": "T+06:00",
             "effect": effect}]


def notification_receipts(log) -> list:
    """The receipts reaching A for its notification of B (the council's for the
    escalation come too)."""
    return [e for e in events_of(log, "acknowledgement_received", "a")
            if e.details["dispatch"] == "d1"]


def notification_acknowledged(log) -> float:
    """When B acknowledged A's e-mail (what B did, whatever A learnt of it)."""
    [ack] = [e for e in events_of(log, "acknowledged", "b") if "d1" in e.details["dispatches"]
             and e.details["refs"] == ["m1"]]
    return ack.time


def test_the_sender_learns_of_an_acknowledgement_when_the_receipt_arrives(load):
    log = Engine(load(drill()), seed=0).run()
    assert notification_acknowledged(log) == ACKNOWLEDGED
    # the receipt comes back by e-mail, in the e-mail's 5 minutes
    receipts = notification_receipts(log)
    assert [(e.time, e.details["dispatch"], e.details["to"], e.details["channel"])
            for e in receipts] == [(ACKNOWLEDGED + 5, "d1", "b", "email")]
    # the escalation waits for it: due from its arrival, drafted in 5 minutes
    [escalated] = events_of(log, "escalated", "a")
    assert (escalated.details["trigger_at"], escalated.time) == (ACKNOWLEDGED + 5,
                                                                ACKNOWLEDGED + 10)
    # acknowledged in time (before the hour's follow-up): no chase
    assert events_of(log, "message_chased") == []
    # a receipt is no message: the report counts the notification and the escalation,
    # and the notification's hop ends when B acknowledged it, as before
    report = compute(log)
    assert {k: report["messages"][k] for k in ("sent", "delivered", "chased")} == {
        "sent": 2, "delivered": 2, "chased": 0}
    [hop] = [h for h in report["slowest_hops"] if h["dispatch"] == "d1"]
    assert (hop["acknowledged_at"], hop["awaiting_ack"]) == (ACKNOWLEDGED, 10.0)


@pytest.mark.parametrize("effect", ["lose", "bounce"])
def test_a_receipt_lost_in_an_outage_leaves_the_sender_to_chase(load, effect):
    """B acknowledges while its mail is down both ways, so A
    never hears of it. A does not escalate on an acknowledgement it never got; after
    its follow-up hour it calls B, and escalates once the call's receipt is back."""
    log = Engine(load(drill(outages=b_mail_down(effect))), seed=0).run()
    assert notification_acknowledged(log) == ACKNOWLEDGED
    [chased] = events_of(log, "message_chased", "a")
    assert (chased.time, chased.details["dispatch"], chased.details["delivered"]) == (
        NOTIFIED + 60, "d1", True)
    # the call reaches B a minute later, B acknowledges it in 10 minutes, and the
    # receipt takes the call's minute back: only then does A escalate
    called = chased.time + 1
    receipts = notification_receipts(log)
    assert [(e.time, e.details["channel"]) for e in receipts] == [(called + 11, "phone")]
    [escalated] = events_of(log, "escalated", "a")
    assert escalated.details["trigger_at"] == called + 11
    assert not [e for e in log if e.actor == "a" and ACKNOWLEDGED <= e.time < chased.time]


def test_a_sender_that_never_gets_the_receipt_never_follows_on(load):
    """No channel to chase on, so A never learns that B
    acknowledged, and never escalates; its Sent list, over the network, says sent (mail
    says nothing of its arrival) while exercise control's says acknowledged."""
    from sim.engine.events import Event
    from sim.runs.view import DrillState

    data = drill(outages=b_mail_down("lose"))
    del data["frameworks"]["f"]["rules"]["notify"]["fallback"]
    loaded = load(data)
    log = Engine(loaded, seed=0).run()
    assert notification_acknowledged(log) == ACKNOWLEDGED
    assert notification_receipts(log) == []
    assert events_of(log, "escalated") == []
    assert events_of(log, "message_chased") == []
    remote, control = DrillState(loaded.scenario), DrillState(loaded.scenario)
    for e in log:
        control.apply(e)
        shown = for_role(e, "a", frozenset())
        if shown is not None:
            remote.apply(Event.from_dict(shown))
    assert [(item.verb, dl.state) for item, dl in remote.sent("a")] == [("notify", "sent")]
    assert [(item.verb, dl.state) for item, dl in control.sent("a", as_sender=False)] == [
        ("notify", "acknowledged")]
    # a hot-seat role view reads the whole log, and still shows what the sender knows
    assert [(item.verb, dl.state, dl.at) for item, dl in control.sent("a")] == [
        ("notify", "sent", remote.sent("a")[0][1].at)]


def test_a_receipt_held_in_an_outage_comes_when_service_returns(load):
    data = drill(outages=b_mail_down("hold"))
    del data["frameworks"]["f"]["rules"]["notify"]["fallback"]  # nothing to chase on
    log = Engine(load(data), seed=0).run()
    assert notification_acknowledged(log) == ACKNOWLEDGED
    back = 6 * 60 + 5  # service returns at T+06:00, then the e-mail's 5 minutes
    assert [e.time for e in notification_receipts(log)] == [back]
    [escalated] = events_of(log, "escalated", "a")
    assert escalated.details["trigger_at"] == back


def test_a_chase_waits_for_the_receipt_not_the_acknowledgement(load):
    """B acknowledges within minutes, but mail from B to A takes two hours: A, not
    knowing, chases by phone after its hour, as a real sender would."""
    data = drill()
    data["channels"]["email"]["pair_latency"] = [
        {"sender": "b", "recipient": "a", "latency": "2h"}]
    log = Engine(load(data), seed=0).run()
    assert notification_acknowledged(log) == ACKNOWLEDGED
    # A's mail to B still takes 5 minutes
    [delivered] = [e for e in events_of(log, "message_delivered", "b")
                   if e.details["msg"] == "m1"]
    assert delivered.time == NOTIFIED + 5
    [chased] = events_of(log, "message_chased", "a")
    assert chased.time == NOTIFIED + 60
    receipts = notification_receipts(log)
    called = chased.time + 1
    # the call's receipt comes first; the e-mail's, two hours after B acknowledged it
    assert [(e.time, e.details["channel"]) for e in receipts] == [
        (called + 11, "phone"), (ACKNOWLEDGED + 120, "email")]
    [escalated] = events_of(log, "escalated", "a")
    assert escalated.details["trigger_at"] == called + 11


def test_a_remote_sender_sees_the_acknowledgement_when_the_receipt_arrives(load):
    """Over the network a player sees its message acknowledged as the engine's sender
    learns of it: at the receipt's arrival, and never when the receipt was lost."""

    def seen_by_a(log) -> list[tuple[float, list[str]]]:
        out = []
        for e in log:
            shown = for_role(e, "a", frozenset())
            if shown is not None and shown["type"] == "acknowledged" \
                    and shown["actor"] == "b":
                assert shown["details"]["senders"] == ["a"]
                out.append((shown["time"], shown["details"]["dispatches"]))
        return out

    log = Engine(load(drill()), seed=0).run()
    assert seen_by_a(log) == [(ACKNOWLEDGED + 5, ["d1"])]
    lost = Engine(load(drill(outages=b_mail_down("lose"))), seed=0).run()
    called = NOTIFIED + 60 + 1
    assert seen_by_a(lost) == [(called + 11, ["d1"])]
    # B itself sees its own acknowledgements when it makes them
    own = [for_role(e, "b", frozenset()) for e in events_of(lost, "acknowledged", "b")]
    assert [s["time"] for s in own if s is not None] == [ACKNOWLEDGED, called + 10]


def test_a_hot_seat_sender_sees_the_acknowledgement_when_the_receipt_arrives(load):
    """A role view fed exercise control's whole log (a hot-seat drill) shows the
    sender's messages as the sender knows them: sent (mail says nothing of its
    arrival) until the receipt arrives, then acknowledged at its arrival; exercise
    control's own list keeps the moment the recipient acknowledged."""
    from sim.runs.view import DrillState

    loaded = load(drill())
    log = Engine(loaded, seed=0).run()
    state = DrillState(loaded.scenario)
    for e in log:
        state.apply(e)
        if e.time == ACKNOWLEDGED and e.type == "acknowledged":
            [(_, seen)] = [(i, d) for i, d in state.sent("a") if d.dispatch == "d1"]
            assert (seen.state, seen.at) == ("sent", None)
    [(_, seen)] = [(i, d) for i, d in state.sent("a") if d.dispatch == "d1"]
    assert (seen.state, seen.at) == ("acknowledged", ACKNOWLEDGED + 5)
    [(_, truth)] = [(i, d) for i, d in state.sent("a", as_sender=False) if d.dispatch == "d1"]
    assert (truth.state, truth.at) == ("acknowledged", ACKNOWLEDGED)
