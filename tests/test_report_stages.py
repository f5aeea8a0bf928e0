"""A law-enforcement stage the drill has no body for is said to be not in the drill,
not "never" (which reads as a stage the teams failed to reach)."""

from __future__ import annotations

from conftest import police

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def _hops(metrics) -> dict[str, dict]:
    return {h["hop"]: h for h in metrics["incidents"][0]["law_enforcement"]["hops"]}


def test_a_drill_without_police_has_no_law_enforcement_chain(scenario_data, load):
    metrics = compute(Engine(load(scenario_data)).run())  # CERTs and a council, no police
    assert all(h["modelled"] is False for h in _hops(metrics).values())
    text = render_text(metrics)
    assert "    law enforcement                            —            not in this drill" in (
        text.splitlines())
    assert "end to end" not in text and "police ->" not in text


def test_a_stage_needs_its_bodies_in_enough_countries(scenario_data, load):
    # one police force: a referral can happen; foreign police and MLA cannot
    scenario_data["actors"]["police-sg"] = police()
    hops = _hops(compute(Engine(load(scenario_data)).run()))
    assert "modelled" not in hops["CERT -> national police"]
    assert "modelled" not in hops["preservation request"]
    assert hops["police -> foreign police"]["modelled"] is False
    assert hops["formal MLA request"]["modelled"] is False
    assert hops["police -> international channel"]["modelled"] is False
    line = next(ln for ln in render_text(compute(Engine(load(scenario_data)).run())).splitlines()
                if "police -> foreign police" in ln)
    assert line.endswith("not in this drill") and "never" not in line


def test_a_stage_the_drill_could_reach_but_did_not_is_never():
    # the default drill has INTERPOL and ASEANAPOL, but police go to foreign police directly
    metrics = compute(Engine(load_scenario(resolve_scenario_arg(None)), seed=0).run())
    hop = _hops(metrics)["police -> international channel"]
    assert hop["at"] is None and "modelled" not in hop
    line = next(ln for ln in render_text(metrics).splitlines()
                if "police -> international channel" in ln)
    assert line.split()[-1] == "never"


def test_the_after_action_report_leaves_out_a_stage_the_drill_lacks(scenario_data, load):
    from sim.analysis.aar import _timing_rows

    incident = compute(Engine(load(scenario_data)).run())["incidents"][0]
    assert not any(label.startswith("Law enforcement") for label, _, _ in _timing_rows(incident))
    default = compute(Engine(load_scenario(resolve_scenario_arg(None)), seed=0).run())
    labels = [label for label, _, _ in _timing_rows(default["incidents"][0])]
    assert "Law enforcement: police -> international channel" in labels  # could, never did
