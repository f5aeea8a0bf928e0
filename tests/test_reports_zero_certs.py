"""An incident whose affected countries have no CERT in the drill has nobody to reach:
"every affected CERT reached" has no time (not the incident's opening, at 0 h), the
reports say there is no affected CERT in the drill, and a batch gives it no time and
counts it as not applicable, not as never reached (tests/test_batch_not_applicable.py).

The hand-computed drill, with the incident affecting Malaysia, which has no CERT in it.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import write

from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Engine

NO_CERT = "no affected CERT in this drill"
FIGURES = ("all_affected_certs_reached", "all_affected_certs_reached_by_peers",
           "all_affected_certs_reached_incl_control")


def _no_cert_affected(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"][0]["incident"]["affected"] = ["MY"]
    return data


def test_nobody_to_reach_has_no_time(scenario_data, load):
    m = compute(Engine(load(_no_cert_affected(scenario_data)).scenario, seed=0).run())
    [inc] = m["incidents"]
    for figure in FIGURES:
        reach = inc[figure]
        assert (reach["at"], reach["after"], reach["reached"], reach["of"]) == (None, None, 0, 0)
    lines = [ln for ln in render_text(m).splitlines() if "every affected CERT" in ln
             or "counting control's injects" in ln or "by other teams" in ln]
    assert len(lines) == 1
    assert lines[0].split() == ["every", "affected", "CERT", "reached", "—", *NO_CERT.split()]
    assert "0.00 h" not in lines[0] and "0 of 0" not in lines[0]


def test_the_after_action_report_says_so(scenario_data, load):
    scenario = load(_no_cert_affected(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    markdown = aar.render_markdown(review)
    rows = [ln for ln in markdown.splitlines() if ln.startswith("| Every affected CERT")]
    assert rows == [f"| Every affected CERT reached | {NO_CERT} | — |"]


def test_a_batch_gives_it_no_time(scenario_data, tmp_path):
    path = write(tmp_path, _no_cert_affected(scenario_data), "no-cert.yaml")
    out = tmp_path / "b"
    assert main(["batch", str(path), "-n", "3", "--jobs", "1", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    [row] = [m for m in summary["variants"]["baseline"]["metrics"]
             if m["metric"] == "all_certs_reached"]
    # never reached at the opening: no run gives it a time
    assert row["n"] == 0 and "mean" not in row
    # nor is it a miss: it applies in no run, so it has no rate (not 0 %)
    assert row["not_applicable"] == 3
    assert row["reached"] == {"n": 0, "rate": None, "rate_ci": [None, None]}
    text = (out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if ln.split()[:2] == ["x", "all_certs_reached"]]
    assert line.split()[2] == "n/a" and NO_CERT in line
