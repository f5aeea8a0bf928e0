"""Messages sent into a channel outage, worked out by hand (the cases mutation testing of
sim/engine/messaging.py found untested).

The drill of tests/conftest.py: cert-a notifies cert-b at T+105 by e-mail (5 minutes),
with the phone (1 minute) as its fallback, and escalates to the council at T+110; a
message nobody acknowledges is chased on the next channel after an hour. Here cert-b's
end of the e-mail is down from T+100 (T+01:40) to T+200 (T+03:20).
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Engine


def _outage(scenario_data, **fields):
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:40",
                                 "end": "T+03:20", **fields}]
    return scenario_data


def _to_b(log, type_):
    return [e for e in events_of(log, type_) if e.details.get("to") == "cert-b"]


def _common(sent):
    """What every event about one message repeats from its message_sent."""
    keys = ("msg", "dispatch", "to", "to_kind", "channel", "verb", "tlp", "attempt", "subject")
    return {k: sent.details[k] for k in keys}


@pytest.mark.parametrize(("bounce", "after"), [
    (None, 0.0),  # a channel without a bounce delay: at once
    ("20m", 20.0),
    ({"dist": "uniform", "low": "12m", "high": "12m"}, 12.0),  # drawn: always 12
])
def test_a_message_into_a_bouncing_outage_comes_back_and_the_sender_phones(
        scenario_data, load, bounce, after):
    if bounce is not None:
        scenario_data["channels"]["email"]["bounce"] = bounce
    log = Engine(load(_outage(scenario_data, effect="bounce")), seed=0).run()
    mail, phone = _to_b(log, "message_sent")
    [bounced] = events_of(log, "message_bounced")
    assert (bounced.time, bounced.actor, bounced.incident) == (105 + after, "cert-a", "x")
    assert dict(bounced.details) == {"reason": "outage", "after": after, **_common(mail)}
    assert (mail.time, mail.details["channel"]) == (105, "email")
    assert (phone.time, phone.details["channel"], phone.details["retry"]) == (
        105 + after, "phone", "bounced")
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [106 + after]
    assert not events_of(log, "message_lost") and not events_of(log, "message_held")


@pytest.mark.parametrize("effect", ["lose", None])  # a channel that does not bounce loses
def test_a_message_into_a_losing_outage_is_lost_when_it_would_have_landed(
        scenario_data, load, effect):
    fields = {"effect": effect} if effect else {}
    log = Engine(load(_outage(scenario_data, **fields)), seed=0).run()
    mail, phone = _to_b(log, "message_sent")
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.actor, lost.incident) == (110, "cert-b", "x")
    assert dict(lost.details) == {"reason": "outage", "sender": "cert-a", "latency": 5.0,
                                  **_common(mail)}
    # nobody acknowledges: an hour after sending, cert-a chases by phone
    assert (phone.time, phone.details["channel"], phone.details["retry"]) == (
        165, "phone", "unacknowledged")
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [166]
    assert not events_of(log, "message_bounced") and not events_of(log, "message_held")


def test_a_message_into_a_holding_outage_waits_for_service(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    log = Engine(load(_outage(scenario_data, effect="hold")), seed=0).run()
    [mail] = _to_b(log, "message_sent")
    [held] = events_of(log, "message_held")
    assert (held.time, held.actor, dict(held.details)) == (
        105, "cert-a", {"reason": "outage", "until": 200, **_common(mail)})
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [205]
    assert not events_of(log, "message_lost") and not events_of(log, "message_bounced")
