"""A scheduled inject that goes out but waits to reach its recipients (a call to a desk
that is closed, a holding outage) says so in the log (``inject_held``), and the MSEL
tab lists it as held, not as still waiting for its time."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine
from sim.net.visibility import for_role
from sim.runs.session import DrillSession
from sim.runs.view import DrillState


def state_of(scenario, log) -> DrillState:
    """The read model a console builds from these events."""
    state = DrillState(scenario)
    for e in log:
        state.apply(e)
    return state


def phone_at_six_pm(data):
    """Inject 1 calls CERT-SG at T+09:00 (18:00 in Singapore): its desk opens at 09:00
    the next morning, T+24:00."""
    data["injects"][0].update({"at": "T+09:00", "via": "phone"})
    return data


def test_a_call_to_a_closed_desk_is_held_until_it_opens(scenario_data, load):
    loaded = load(phone_at_six_pm(scenario_data))
    session = DrillSession.start(loaded, seed=0, human=["cert-a"], record=False)
    session.advance_to(9 * 60 + 1)
    held = events_of(session.engine.log, "inject_held")
    assert [(e.actor, e.time, e.details["reason"], e.details["until"], e.details["inject"])
            for e in held] == [("cert-a", 540.0, "off_duty", 1440.0, "1")]
    row = state_of(session.scenario, session.engine.log).msel["1"]
    assert (row.status, row.to) == ("held", ["cert-a"])  # sent: no longer waiting
    session.advance_to(24 * 60 + 1)
    row = state_of(session.scenario, session.engine.log).msel["1"]
    assert (row.status, row.delivered_at) == ("delivered", 1440.0)


def test_an_inject_in_a_holding_outage_is_held_until_service_returns(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "start": "T+00:30", "end": "T+02:00",
                                 "effect": "hold"}]
    loaded = load(scenario_data)
    log = Engine(loaded, seed=0).run()
    held = events_of(log, "inject_held")
    assert [(e.actor, e.time, e.details["reason"], e.details["until"]) for e in held] == [
        ("cert-a", 60.0, "outage", 120.0)]
    delivered = events_of(log, "inject_delivered")
    assert [(e.actor, e.time) for e in delivered] == [("cert-a", 120.0)]
    upto = log[:log.index(held[0]) + 1]
    assert state_of(loaded.scenario, upto).msel["1"].status == "held"


def test_a_call_to_a_desk_that_never_opens_again_is_lost(scenario_data, load, monkeypatch):
    import math

    from sim.engine.clock import Shift

    loaded = load(phone_at_six_pm(scenario_data))
    monkeypatch.setattr(Shift, "next_on", lambda self, t: t if self.on_duty(t) else math.inf)
    log = Engine(loaded, seed=0).run()
    lost = [e for e in events_of(log, "message_lost") if e.details.get("inject") == "1"]
    assert [(e.actor, e.details["reason"]) for e in lost] == [("cert-a", "never_on_duty")]
    assert not events_of(log, "inject_held") and not events_of(log, "inject_delivered")
    assert state_of(loaded.scenario, log).msel["1"].status == "lost"


def test_players_do_not_see_that_an_inject_is_held_for_them(scenario_data, load):
    loaded = load(phone_at_six_pm(scenario_data))
    log = Engine(loaded, seed=0).run()
    held = events_of(log, "inject_held")
    assert held and for_role(held[0], "cert-a", frozenset()) is None


def test_an_adhoc_call_held_is_listed_from_the_events_alone(scenario_data, load):
    """A console that did not send it (another terminal of a served drill) lists it,
    held, with its title, as soon as it goes out."""
    from scenarios.model import Inject

    session = DrillSession.start(load(scenario_data), seed=0, human=["cert-a"], record=False)
    session.advance_to(9 * 60)  # 18:00 in Singapore: CERT-SG's desk is closed
    inject = Inject.model_validate({
        "id": "adhoc-1", "sender": "ctl", "to": ["cert-a"], "via": "phone", "tlp": "GREEN",
        "type": "information", "title": "Call us back", "text": "About the botnet",
        "incident": {"id": "x"}})
    session.add_inject(inject)
    row = state_of(session.scenario, session.engine.log).msel["adhoc-1"]
    assert (row.status, row.to, row.title, row.type, row.sender) == (
        "held", ["cert-a"], "Call us back", "information", "ctl")
