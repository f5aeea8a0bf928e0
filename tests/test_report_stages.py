"""A law-enforcement stage the drill has no body for is said to be not in the drill,
not "never" (which reads as a stage the teams failed to reach)."""

from __future__ import annotations

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def _hops(metrics) -> dict[str, dict]:
    return {h["hop"]: h for h in metrics["incidents"][0]["law_enforcement"]["hops"]}


def test_a_stage_to_a_kind_of_body_the_drill_lacks_is_not_in_it(scenario_data, load):
    metrics = compute(Engine(load(scenario_data)).run())  # CERTs and a council, no police
    hops = _hops(metrics)
    assert hops["police -> international channel"]["modelled"] is False
    assert hops["police -> foreign police"]["modelled"] is False
    # stages any body may receive are not judged by who is in the drill
    assert "modelled" not in hops["CERT -> national police"]
    text = render_text(metrics)
    assert "police -> international channel" in text
    line = next(ln for ln in text.splitlines() if "police -> foreign police" in ln)
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
    labels = [label for label, _, _ in _timing_rows(incident)]
    assert "Law enforcement: CERT -> national police" in labels
    assert not any("foreign police" in label or "international" in label for label in labels)
