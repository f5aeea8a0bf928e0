"""When a player is told how its own expectation turned out: when its to-do list shows
that very outcome, and for an expectation counted from an inject it was never sent too.

The drill of ``conftest.base_scenario``: inject 1 at T+01:00, CERT-SG's escalation to
the council leaves at T+01:45 and arrives at T+01:50, and the council's receipt comes
back at T+02:05.
"""

from __future__ import annotations

import copy

from conftest import base_scenario

from sim.net.visibility import for_role, role_expectations, with_outcomes
from sim.runs.session import DrillSession
from sim.runs.view import DrillState, call_channels


def drill(load, data, until: float) -> DrillSession:
    del data["frameworks"]["fw"]["rules"]["notify"]
    data["drill"]["duration"] = "1d"
    session = DrillSession.start(load(data), seed=0, human=[], record=False)
    session.advance_to(until)
    return session


def stream(session: DrillSession, role: str) -> list[dict]:
    """The events a player of ``role`` is sent, as the server routes them."""
    mine, calls = role_expectations(session.scenario, role), call_channels(session.scenario)
    return [seen for ev in session.engine.log
            if (seen := for_role(ev, role, mine, None, (), calls)) is not None]


def told(events: list[dict]) -> list[tuple[str, str, float, float]]:
    """Each outcome the player is told: (type, expectation, when it happened, when told)."""
    return [(o["type"], o["details"]["expectation"], o["time"], e["time"])
            for e in events for o in with_outcomes(e) if o["type"].startswith("expectation_")]


def test_an_outcome_met_late_is_told_when_the_receipt_shows_it(load):
    data = base_scenario()
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    data["expectations"] = [{"id": "EA", "description": "CERT-SG escalates",
                             "actors": ["cert-a"], "action": "escalate", "incident": "x",
                             "after": "1", "within": "30m"}]
    session = drill(load, data, 200)
    events = stream(session, "cert-a")
    # missed at its deadline, when CERT-SG had sent nothing: it knows that much; met late
    # at the escalation's delivery (T+01:50), which CERT-SG learns from the receipt only
    assert told(events) == [("expectation_missed", "EA", 90.0, 90.0),
                            ("expectation_late", "EA", 110.0, 125.0)]


def test_an_expectation_counted_from_another_teams_inject_is_told_when_met(load):
    data = base_scenario()
    second = copy.deepcopy(data["injects"][0])
    second.update(id="2", to=["cert-b"])
    data["injects"].append(second)
    # counted from inject 1, which only CERT-SG is sent; CERT-TH escalates on inject 2
    data["expectations"] = [{"id": "EB", "description": "CERT-TH escalates",
                             "actors": ["cert-b"], "action": "escalate", "incident": "x",
                             "after": "1", "within": "4h"}]
    session = drill(load, data, 24 * 60)
    events = stream(session, "cert-b")
    assert told(events) == [("expectation_met", "EB", 110.0, 125.0)]
    assert events[-1]["type"] == "drill_ended"
    assert events[-1]["details"]["open_expectations"] == []
    # the hot-seat role view shows it met too
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    state.use_anchors(session.anchors)
    assert [(x.id, x.status) for x in state.todo("cert-b")] == [("EB", "met")]
