"""A contact goes stale, or is repaired, *from* a drill time on: whatever is sent at that
very minute sees the new contact, as an outage starting that minute catches it, whatever
the order in which the engine handles the events of the minute.

Base scenario (tests/conftest.py): control's inject reaches cert-a by e-mail at T+60;
cert-a acknowledges (10m), analyses (30m) and drafts (5m): its notification leaves for
cert-b by e-mail at T+105 (5m), its escalation for the council at T+110.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _change(actor: str, at: str, stale: bool) -> list[dict]:
    return [{"at": at, "actor": actor, "channel": "email", "stale": stale}]


def test_contact_going_stale_at_the_injects_minute_loses_the_inject(scenario_data, load):
    scenario_data["contact_changes"] = _change("cert-a", "T+01:00", True)
    log = Engine(load(scenario_data)).run()
    [changed] = events_of(log, "contact_changed")
    assert (changed.time, changed.details["stale"]) == (60, True)
    assert not events_of(log, "inject_delivered")
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.actor, lost.details["reason"], lost.details["inject"]) == (
        60, "cert-a", "stale_contact", "1")


def test_contact_repaired_at_the_injects_minute_gets_the_inject(scenario_data, load):
    scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    scenario_data["contact_changes"] = _change("cert-a", "T+01:00", False)
    log = Engine(load(scenario_data)).run()
    assert not [e for e in events_of(log, "message_lost") if e.details.get("inject")]
    assert [e.time for e in events_of(log, "inject_delivered", "cert-a")] == [60]
    assert events_of(log, "acknowledged", "cert-a")[0].time == 70


def test_a_same_minute_change_judges_like_an_outage_starting_then(scenario_data, load):
    """The inject of T+01:00 is stopped alike by an outage and a stale contact from then."""
    outage = dict(scenario_data, outages=[{"channel": "email", "actor": "cert-a",
                                           "start": "T+01:00", "end": "T+03:00",
                                           "effect": "lose"}])
    stale = dict(scenario_data, contact_changes=_change("cert-a", "T+01:00", True))
    for data in (outage, stale):
        log = Engine(load(data)).run()
        assert not events_of(log, "inject_delivered")
        assert [e.time for e in events_of(log, "message_lost", "cert-a")] == [60]


def test_message_sent_at_the_changes_minute_sees_the_new_contact(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    # cert-b's address goes stale the minute cert-a's notification leaves (T+105) ...
    scenario_data["contact_changes"] = _change("cert-b", "T+01:45", True)
    log = Engine(load(scenario_data)).run()
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.details["reason"], lost.details["to"]) == (110, "stale_contact",
                                                                       "cert-b")
    # ... and, repaired that minute instead, it gets the message
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["contact_changes"] = _change("cert-b", "T+01:45", False)
    log = Engine(load(scenario_data)).run()
    assert not events_of(log, "message_lost")
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [110]


def test_is_stale_reads_the_clock_not_the_order_of_events(scenario_data, load):
    scenario_data["contact_changes"] = [
        {"at": "T+01:00", "actor": "cert-b", "channel": "email", "stale": True},
        {"at": "T+02:00", "actor": "cert-b", "channel": "email", "stale": False},
        # two changes in one minute: the later one in the file stands
        {"at": "T+03:00", "actor": "cert-b", "channel": "email", "stale": True},
        {"at": "T+03:00", "actor": "cert-b", "channel": "email", "stale": False},
    ]
    engine = Engine(load(scenario_data))
    contact = engine.scenario.actors["cert-b"].contacts["email"]
    drift = engine.drift
    assert drift is not None
    seen = []
    for t in (59, 60, 119, 120, 180):
        # run_until(t) stops before anything due at t has happened
        engine.run_until(t)
        assert engine.now == t
        seen.append(drift.is_stale("cert-b", "email", contact))
    assert seen == [False, True, True, False, False]
    # the contact_changed events are logged as before, one per change
    engine.run()
    assert [(e.time, e.details["stale"]) for e in events_of(engine.log, "contact_changed")] == [
        (60, True), (120, False), (180, True), (180, False)]
