"""A player's copy of the scenario holds its own expectations only: an expectation that
scores each team on its own (``require: each``) arrives as the role's own share of it."""

from __future__ import annotations

import pytest
from conftest import cert
from net_helpers import net_scenario, raw_join, serving

from scenarios import Scenario, load_scenario, resolve_scenario_arg
from sim.net.client import DrillClient
from sim.net.visibility import role_expectations, scenario_for_role
from sim.runs.view import DrillState


def _each(data: dict) -> dict:
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    data["groups"]["asean"].append("MY")
    # exercise control's surprise: at T+10:00 Malaysia turns out to be hit too
    data["injects"].append({
        "id": "4", "at": "T+10:00", "sender": "ctl", "to": ["cert-c"], "via": "email",
        "tlp": "RED", "title": "MY hospitals hit",
        "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    data["injects"].append({
        "id": "C1", "type": "contingency", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "AMBER", "title": "a reminder", "incident": {"id": "x"}})
    data["expectations"].append({
        "id": "E3", "description": "every affected CERT acknowledges within 1h",
        "actors": ["affected_certs"], "require": "each", "action": "acknowledge",
        "incident": "x", "within": "1h", "contingency": "C1"})
    return data


@pytest.fixture
def loaded(scenario_data, load):
    return load(_each(net_scenario(scenario_data)))


def test_the_players_scenario_holds_its_own_share_of_an_each_expectation(loaded):
    sc = loaded.scenario
    data = scenario_for_role(sc, "cert-a")
    assert [(x["id"], x["actors"], x["require"]) for x in data["expectations"]] == [
        ("E1", ["cert-a"], "any"), ("E3.cert-a", ["cert-a"], "any")]
    assert all(x["contingency"] is None for x in data["expectations"])
    # the client reads it, and builds the very rows the server scores for the role
    assert set(DrillState(Scenario.model_validate(data)).expectations) == \
        role_expectations(sc, "cert-a")
    for role in sc.actors:
        ids = {x["id"] for x in scenario_for_role(sc, role)["expectations"]}
        assert ids == role_expectations(sc, role), role


async def test_a_players_terminal_shows_no_other_teams_rows(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        raw = await raw_join(urls["cert-a"])
        await raw.until(lambda r: r.of("welcome") and r.of("event"))
        frames = "".join(raw.frames)
        assert "E3.cert-b" not in frames and "E3.cert-c" not in frames
        started = raw.of("event")[0]["event"]
        assert started["type"] == "drill_started"
        said = [x["id"] for x in started["details"]["expectations"]]
        welcome = [x["id"] for x in raw.of("welcome")[0]["scenario"]["expectations"]]
        assert said == welcome == ["E1", "E3.cert-a"]
        client = DrillClient(urls["cert-a"])
        await client.connect()
        try:
            assert client.state is not None
            assert list(client.state.expectations) == said
        finally:
            await client.close()
        await raw.close()


@pytest.mark.parametrize("name", ["apcert-ransomware"])
def test_bundled_scenarios_give_each_role_exactly_its_scored_expectations(name):
    sc = load_scenario(resolve_scenario_arg(name)).scenario
    for role in sc.actors:
        data = scenario_for_role(sc, role)
        assert {x["id"] for x in data["expectations"]} == role_expectations(sc, role), role
        assert all(x["actors"] == [role] or x["require"] != "each" for x in data["expectations"])
