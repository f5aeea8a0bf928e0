"""A player's copy of an expectation's events: met, not by whom (unless by itself)."""

from __future__ import annotations

import asyncio

import pytest
from net_helpers import raw_join, serving, until

from sim.engine import Action
from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.net.visibility import for_role, with_outcomes

SHARED = {"actors": ["cert-a", "cert-b"], "action": "escalate", "target": "council",
          "incident": "x"}


@pytest.fixture
def loaded(scenario_data, load):
    # inject 1 reaches cert-a only (T+01:00); both teams are expected to escalate to the
    # council: ES within 4h of inject 1, EL within a minute of the incident's opening
    scenario_data["expectations"] = [
        {"id": "ES", **SHARED, "after": "1", "within": "4h"},
        {"id": "EL", **SHARED, "within": "1m"},
    ]
    return load(scenario_data)


def expectation_events(raw) -> dict[tuple[str, str], dict]:
    return {(e["type"], e["details"]["expectation"]): e for m in raw.of("event")
            for e in with_outcomes(m["event"]) if e["type"].startswith("expectation_")}


async def test_a_team_is_not_told_which_other_team_met_a_shared_expectation(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a, b = await raw_join(urls["cert-a"]), await raw_join(urls["cert-b"])
        fac = await raw_join(urls["facilitator"])
        server.session.advance_to(70)  # inject 1 has reached cert-a; EL is missed (T+01:01)
        team_a = DrillClient(urls["cert-a"])
        await team_a.connect()
        await team_a.act(Action("cert-a", "escalate", "x", targets=("council",),
                                channel="email", tlp="AMBER", text="please coordinate"))
        server.session.advance_to(120)  # the council has it at T+01:15: both are met
        team_b = DrillClient(urls["cert-b"])
        await team_b.connect()
        await until(lambda: ("expectation_late", "EL") in expectation_events(b))
        await until(lambda: ("expectation_late", "EL") in expectation_events(fac))
        control, mine, other = (expectation_events(c) for c in (fac, a, b))
        # exercise control knows who met what, and by which event
        assert control[("expectation_met", "ES")]["actor"] == "cert-a"
        assert control[("expectation_late", "EL")]["actor"] == "cert-a"
        assert "event" in control[("expectation_met", "ES")]["details"]
        # the team that did it is told it was its own action, and its deadline (it
        # received the inject the countdown started from)
        assert mine[("expectation_met", "ES")]["actor"] == "cert-a"
        assert mine[("expectation_met", "ES")]["details"]["deadline_at"] == \
            control[("expectation_met", "ES")]["details"]["deadline_at"] == 300.0
        assert mine[("expectation_late", "EL")]["actor"] == "cert-a"
        # the other team learns its shared expectation was met, not by whom, nor the
        # deadline counted from an inject it never received
        for key in (("expectation_met", "ES"), ("expectation_late", "EL")):
            assert other[key]["actor"] is None, key
            assert "event" not in other[key]["details"]
        assert other[("expectation_met", "ES")]["details"]["deadline_at"] is None
        assert other[("expectation_missed", "EL")]["details"]["deadline_at"] == 61.0
        # its terminal shows the expectations met and late, with no deadline it was not told
        await until(lambda: team_b.state is not None and team_b.state.expectations["EL"].status
                    == "late")
        assert team_b.state is not None
        todo = {x.id: (x.status, x.deadline_at) for x in team_b.state.todo("cert-b")}
        assert todo == {"ES": ("met", None), "EL": ("late", 61.0)}
        assert team_b.state.describe(Event.from_dict(other[("expectation_met", "ES")])) == \
            "Expectation met: ES"
        for c in (a, b, fac):
            await c.close()
        for client in (team_a, team_b):
            await client.close()
        await asyncio.sleep(0)


def test_an_expectations_events_name_only_the_roles_own_action():
    def seen(type_: str, actor: str | None, role: str, anchored=frozenset(), **details):
        ev = Event.make(9, 130.0, type_, actor, "x", {"expectation": "ES", **details})
        return for_role(ev, role, frozenset({"ES"}), None, anchored)

    met = {"deadline_at": 300.0, "score": 1.0, "event": 7}
    assert seen("expectation_met", "cert-b", "cert-a", **met)["actor"] is None
    own = seen("expectation_met", "cert-a", "cert-a", frozenset({"ES"}), **met)
    assert own["actor"] == "cert-a" and own["details"] == {
        "expectation": "ES", "deadline_at": 300.0, "score": 1.0}
    # counted from a moment the role was not told of: the deadline is control's
    assert seen("expectation_met", "cert-a", "cert-a", **met)["details"]["deadline_at"] is None
    late = seen("expectation_late", "cert-b", "cert-a", deadline_at=61.0, late_by=69.0, event=7)
    assert late["actor"] is None and "event" not in late["details"]
    missed = seen("expectation_missed", None, "cert-a", deadline_at=61.0,
                  done_by={"cert-b": 30.0}, contingency="9")
    assert missed["actor"] is None and set(missed["details"]) == {"expectation", "deadline_at"}
