"""A message held in an outage is judged again when service returns, as control's
injects are: to a point of contact out of date by then, on a channel that bounces, it
comes back after the bounce delay and the sender moves to its fallback at once (not
lost without a word until its follow-up time)."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _held_to_a_stale_address(data: dict, stale_from: str | None = None) -> dict:
    """e-mail bounces after 5 minutes; cert-b's address is out of date (from the start,
    or from ``stale_from``); everyone's e-mail holds messages T+01:40-T+02:00, while
    cert-a's notification (sent at T+01:45) waits; its fallback is the phone."""
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["channels"]["email"]["bounce"] = "5m"
    data["actors"]["cert-a"]["policy"]["followup_after"] = "1h"
    if stale_from is None:
        data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    else:
        data["contact_changes"] = [{"actor": "cert-b", "channel": "email", "at": stale_from,
                                    "stale": True}]
    data["outages"] = [{"channel": "email", "start": "T+01:40", "end": "T+02:00",
                        "effect": "hold"}]
    return data


def _to_b(log):
    keep = ("message_sent", "message_held", "message_bounced", "message_lost",
            "message_delivered")
    return [(e.time, e.type, e.details["channel"]) for e in log
            if e.type in keep and e.details.get("to") == "cert-b"]


def test_a_held_message_to_a_stale_address_bounces_when_service_returns(scenario_data,
                                                                        load):
    log = Engine(load(_held_to_a_stale_address(scenario_data)), seed=0).run()
    # held at 105 until 120; bounced 5 minutes later; the phone call goes at once
    assert _to_b(log)[:5] == [
        (105, "message_sent", "email"), (105, "message_held", "email"),
        (125, "message_bounced", "email"), (125, "message_sent", "phone"),
        (126, "message_delivered", "phone")]
    assert not [e for e in events_of(log, "message_lost") if e.details.get("to") == "cert-b"]


def test_an_address_that_goes_stale_during_the_hold_is_judged_when_service_returns(
        scenario_data, load):
    # the address was good when the message was sent, out of date once service returned
    log = Engine(load(_held_to_a_stale_address(scenario_data, stale_from="T+01:50")),
                 seed=0).run()
    assert (125, "message_bounced", "email") in _to_b(log)
    assert not [e for e in events_of(log, "message_delivered", "cert-b")
                if e.details["channel"] == "email"]
