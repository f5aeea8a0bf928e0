"""The reports call the regional coordinator by a name from the drill, never by that of a
body the drill does not have: the council the incident reached or was written to, the
drill's only council, ANSAC where the drill has it, or the name the scenario gives
(drill.names.regional_coordinator); else just "regional coordinator".

The hand-computed drill, with its one council replaced by two other regional bodies
and, unless a test says otherwise, nobody escalating to either of them.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from conftest import write

from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Engine

#: the row of the run report that says when the coordinator was reached
ROW = re.compile(r"^ {4}(?P<label>\S.*?) reached +(?P<at>never|T\+\S+)", re.M)


def _council(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "regional_council", "timezone": "Asia/Singapore",
            "working_hours": "09:00-17:00",
            "contacts": {"email": {"address": f"{name.split()[0].lower()}@x.example"}}}


def _two_councils(data: dict[str, Any], escalate: bool = False) -> dict[str, Any]:
    """Two regional bodies, neither of them ANSAC; ``escalate``: the CERTs escalate to
    every regional council, as the hand-computed drill does to its one."""
    del data["actors"]["council"]
    data["actors"]["pacsec"] = _council("PacSec (Pacific Security Council)")
    data["actors"]["oasis"] = _council("OASIS Cyber Desk")
    if not escalate:
        del data["frameworks"]["fw"]["rules"]["escalate"]
    return data


def _reports(data: dict[str, Any], load) -> tuple[str, str, str, dict[str, Any]]:
    """The run report, the after-action report (Markdown, then plain text) and the
    incident's metrics, of seed 0."""
    scenario = load(data).scenario
    log = Engine(scenario, seed=0).run()
    metrics = compute(log)
    review = build_review(scenario, log)
    [inc] = metrics["incidents"]
    return render_text(metrics), aar.render_markdown(review), aar.render_text(review), inc


def _coordinator_row(text: str) -> tuple[str, str]:
    """The run report's coordinator row: (what it calls the coordinator, when)."""
    rows = [m for m in ROW.finditer(text)
            if not m["label"].startswith(("every affected", "first"))]
    [row] = rows
    return row["label"], row["at"]


def test_two_other_councils_and_none_reached_name_no_absent_body(scenario_data, load):
    run, markdown, plain, inc = _reports(_two_councils(scenario_data), load)
    assert _coordinator_row(run) == ("regional coordinator", "never")
    assert "ANSAC" not in run
    assert "| Regional coordinator reached | — |" in markdown
    assert "ANSAC" not in markdown and "ANSAC" not in plain
    # the plain-text after-action report gives the run report's rows
    assert _coordinator_row(plain) == ("regional coordinator", "never")
    # the JSON report says what the reports call it
    assert inc["ansac_reached"] is None
    assert inc["regional_coordinator"] == "regional coordinator"


def test_the_cli_run_report_and_its_json_say_the_same(scenario_data, tmp_path, capsys):
    path = write(tmp_path, _two_councils(scenario_data), "two.yaml")
    assert main(["run", str(path), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert _coordinator_row(out) == ("regional coordinator", "never")
    assert "ANSAC" not in out
    assert main(["run", str(path), "--seed", "0", "--json"]) == 0
    [inc] = json.loads(capsys.readouterr().out)["incidents"]
    assert inc["regional_coordinator"] == "regional coordinator"


def test_a_name_the_scenario_gives_is_used(scenario_data, load):
    data = _two_councils(scenario_data)
    data["drill"]["names"] = {"regional_coordinator": "Pacific secretariat"}
    run, markdown, _, inc = _reports(data, load)
    assert _coordinator_row(run) == ("Pacific secretariat", "never")
    assert "| Pacific secretariat reached | — |" in markdown
    assert inc["regional_coordinator"] == "Pacific secretariat"


def test_the_council_reached_is_named(scenario_data, load):
    run, markdown, _, inc = _reports(_two_councils(scenario_data, escalate=True), load)
    label, at = _coordinator_row(run)
    # both were written to; the first to get it is named, by its short name
    assert label in ("PacSec", "OASIS Cyber Desk") and at != "never"
    assert inc["regional_coordinator"] == label
    assert f"| {label} reached | {at} |" in markdown


def test_a_drill_without_a_council_names_none(scenario_data, load):
    del scenario_data["actors"]["council"]
    del scenario_data["frameworks"]["fw"]["rules"]["escalate"]
    run, markdown, *_ = _reports(scenario_data, load)
    # not "never": there is none to reach
    assert re.search(r"^ {4}regional coordinator reached +— +not in this drill$", run, re.M)
    assert "ANSAC" not in run and "ANSAC" not in markdown
    assert "| Regional coordinator reached | not in this drill | — |" in markdown


def test_a_drill_with_ansac_among_its_councils_still_says_ansac(scenario_data, load):
    data = _two_councils(scenario_data)
    data["actors"]["ansac"] = _council("ANSAC (ASEAN Network Security Action Council)")
    run, markdown, *_ = _reports(data, load)
    assert _coordinator_row(run) == ("ANSAC", "never")
    assert "| ANSAC reached | — |" in markdown


def test_the_only_council_is_named_though_nobody_wrote_to_it(scenario_data, load):
    del scenario_data["frameworks"]["fw"]["rules"]["escalate"]
    run, *_ = _reports(scenario_data, load)
    assert _coordinator_row(run) == ("Council", "never")


def test_the_html_and_word_reports_say_the_same(scenario_data, load):
    scenario = load(_two_councils(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    page = aar.render_html(review)
    assert "<td>Regional coordinator reached</td>" in page and "ANSAC" not in page
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    document = docx.Document(io.BytesIO(render_docx(review)))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Regional coordinator reached" in cells
    assert not any("ANSAC" in c for c in cells)


@pytest.mark.parametrize("bound", ["oasis", "pacsec"])
def test_the_council_the_scenario_binds_is_named_when_none_is_reached(scenario_data, load, bound):
    """With ANSAC among the councils but another bound as the coordinator
    (roles.regional_coordinator), a drill where nobody escalates names the bound one."""
    data = _two_councils(scenario_data)
    data["actors"]["ansac"] = _council("ANSAC (ASEAN Network Security Action Council)")
    data["roles"] = {"regional_coordinator": bound}
    run, markdown, _, inc = _reports(data, load)
    name = {"oasis": "OASIS Cyber Desk", "pacsec": "PacSec"}[bound]
    assert _coordinator_row(run) == (name, "never")
    assert inc["regional_coordinator"] == name
    assert f"| {name} reached | — |" in markdown
