"""Every bundled scenario validates, runs, and exercises what it is for."""

from __future__ import annotations

import pytest

from scenarios import bundled_scenarios, load_scenario
from sim.analysis.metrics import compute
from sim.engine import Engine

BUNDLED = {p.stem: p for p in bundled_scenarios()}


def test_the_expected_scenarios_are_bundled():
    assert {"acid-botnet", "acid-hacktivism", "acid-supply-chain",
            "ocsem-law-enforcement", "tutorial"} <= set(BUNDLED)


@pytest.mark.parametrize("name", sorted(BUNDLED))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_to_the_end(name, seed):
    loaded = load_scenario(BUNDLED[name])
    assert loaded.scenario.drill.duration <= 2 * 24 * 60
    log = Engine(loaded, seed=seed).run()
    assert log[-1].type == "drill_ended"
    m = compute(log)
    assert m["incidents"], "no incident was opened"
    assert m["expectations"], "a drill without expectations measures nothing"
    end = log[-1].time
    still_open = set(log[-1].details["open_expectations"])
    for x in m["expectations"]:
        status = x["status"]
        if status == "met":
            assert x["at"] <= x["deadline_at"] and x["earned"] == x["score"], x
        elif status == "late":
            assert x["at"] > x["deadline_at"] and x["lateness"] == pytest.approx(
                x["at"] - x["deadline_at"]) and x["earned"] == 0, x
        elif status == "missed":
            assert x["at"] is None and x["deadline_at"] <= end and x["earned"] == 0, x
            assert x["lateness"] == pytest.approx(end - x["deadline_at"]), x
        else:
            assert status == "open" and x["id"] in still_open, x
    assert still_open == {x["id"] for x in m["expectations"] if x["status"] == "open"}
    assert any(x["status"] != "open" for x in m["expectations"]), "nothing was ever judged"


def test_default_involves_every_asean_and_partner_cert():
    sc = load_scenario(BUNDLED["acid-botnet"]).scenario
    kinds = [a.kind for a in sc.actors.values()]
    assert kinds.count("national_cert") == 11
    # the partners invited to ACID; Australia has two CERTs: AusCERT and the ACSC
    assert kinds.count("partner_cert") == 6
    assert {a.country for a in sc.actors.values() if a.kind == "partner_cert"} == set(
        sc.groups["dialogue_partners"]
    )
    assert {a.country for a in sc.actors.values() if a.kind == "national_cert"} == set(
        sc.groups["asean"]
    )


def test_default_exercises_takedown_ansac_and_police():
    counts = {"takedown": 0, "ansac": 0, "police": 0, "stale": 0}
    for seed in range(10):
        m = compute(Engine(load_scenario(BUNDLED["acid-botnet"]), seed=seed).run())
        [inc] = m["incidents"]
        counts["takedown"] += bool(inc["takedowns"])
        counts["ansac"] += inc["ansac_reached"] is not None
        counts["police"] += inc["law_enforcement"]["hops"][0]["at"] is not None
        counts["stale"] += (m["messages"]["lost"].get("stale_contact", 0)
                            + m["messages"]["bounced"]) > 0
    # takedowns are lognormal (median 5.5 h, long tail): most drills see one complete
    assert counts["takedown"] >= 8
    assert (counts["ansac"], counts["police"], counts["stale"]) == (10, 10, 10)


def test_law_enforcement_scenario_reaches_preservation_and_mla():
    reached = set()
    for seed in range(5):
        m = compute(Engine(load_scenario(BUNDLED["ocsem-law-enforcement"]), seed=seed).run())
        for inc in m["incidents"]:
            for hop in inc["law_enforcement"]["hops"]:
                if hop["at"] is not None:
                    reached.add(hop["hop"])
    assert {"CERT -> national police", "police -> international channel",
            "preservation request"} <= reached
