"""The report's headline "every affected CERT reached" is the figure the scenario asks
for (``drill.control_counts_as_reach``), as the JSON's ``all_affected_certs_reached``
and the after-action report give it; the other figure is printed beside it, labelled.

In the hand-computed drill control's inject reaches cert-a at T+01:00 and cert-a's
notification reaches cert-b at T+01:50; no other team ever writes to cert-a.
"""

from __future__ import annotations

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def _reach_lines(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    i = next(i for i, ln in enumerate(lines) if "every affected CERT reached" in ln)
    return lines[i], lines[i + 1]


def _run(scenario_data, load, counts: bool):
    scenario_data["drill"]["control_counts_as_reach"] = counts
    return compute(Engine(load(scenario_data), seed=0).run())


def test_the_headline_counts_control_when_the_scenario_says_so(scenario_data, load):
    m = _run(scenario_data, load, True)
    inc = m["incidents"][0]
    assert inc["all_affected_certs_reached"]["at"] == 110  # T+01:50, counting control
    assert inc["all_affected_certs_reached_by_peers"]["at"] is None
    headline, beside = _reach_lines(render_text(m))
    assert "T+01:50" in headline and "0.83 h" in headline  # opened T+01:00
    assert "2 of 2 CERTs, counting control's injects" in headline
    assert "never" not in headline
    # the other figure beside it, saying what it counts
    assert beside.strip().startswith("by other teams only")
    assert "never" in beside and "1 of 2 CERTs" in beside and "not reached: CERT-SG" in beside


def test_the_headline_counts_other_teams_by_default(scenario_data, load):
    m = _run(scenario_data, load, False)
    headline, beside = _reach_lines(render_text(m))
    assert "never" in headline and "1 of 2 CERTs, by other teams" in headline
    assert beside.strip().startswith("counting control's injects")
    assert "T+01:50" in beside and "2 of 2 CERTs" in beside


def test_the_headline_agrees_with_the_json_and_the_after_action_report(scenario_data, load):
    from sim.analysis.aar import _timing_rows

    m = _run(scenario_data, load, True)
    inc = m["incidents"][0]
    [row] = [r for r in _timing_rows(inc)
             if r[0] == "Every affected CERT reached, counting control's injects"]
    headline, _ = _reach_lines(render_text(m))
    assert row[1] == "T+01:50" and row[1] in headline
