"""A player learns its own expectations only: the start of the drill included."""

from __future__ import annotations

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine.events import Event
from sim.net.visibility import for_role, role_expectations

NOTE_E2 = "EVALUATOR-ONLY: watch CERT-B for delay"


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["expectations"][1]["description"] = NOTE_E2
    return load(data)


def test_the_start_of_the_drill_lists_only_the_roles_own_expectations():
    ev = Event.make(0, 0.0, "drill_started", None, None, {
        "seed": 7, "human": ["cert-a"],
        "expectations": [{"id": "E1", "actors": ["cert-a"], "description": "a's"},
                         {"id": "E2", "actors": ["cert-b"], "description": "b's"}]})
    seen = for_role(ev, "cert-a", frozenset({"E1"}))
    assert seen is not None and "seed" not in seen["details"]
    assert seen["details"]["expectations"] == [
        {"id": "E1", "actors": ["cert-a"], "description": "a's"}]
    assert for_role(ev, "council", frozenset())["details"]["expectations"] == []
    assert [x["id"] for x in ev.details["expectations"]] == ["E1", "E2"]  # untouched


async def test_a_player_never_receives_another_teams_expectations(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a, fac = await raw_join(urls["cert-a"]), await raw_join(urls["facilitator"])
        await a.until(lambda r: r.of("event"))
        await fac.until(lambda r: r.of("event"))
        started = a.of("event")[0]["event"]
        assert started["type"] == "drill_started"
        assert [x["id"] for x in started["details"]["expectations"]] == ["E1"]
        # not in any frame the player holds, not even the welcome
        assert NOTE_E2 not in "".join(a.frames)
        assert '"E2"' not in "".join(a.frames)
        # exercise control sees every expectation
        full = fac.of("event")[0]["event"]["details"]["expectations"]
        assert [x["id"] for x in full] == ["E1", "E2"] and full[1]["description"] == NOTE_E2
        assert role_expectations(server.session.scenario, "cert-b") == frozenset({"E2"})
        await a.close()
        await fac.close()
