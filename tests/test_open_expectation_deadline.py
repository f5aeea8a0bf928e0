"""A review or report made mid-drill shows an open expectation's deadline: the one the
console shows, from the moment its countdown began (its incident's opening, or its
inject going out), which the log says. One whose countdown has not begun stays without
a deadline, and the report says why.

The tutorial with SingCERT and MyCERT played by people: the bank's report opens
incident phish at T+00:30, so MyCERT's E2 (within 4h) is due at T+04:30 and the
takedown E3 (within 6h) at T+06:30. At T+03:20 both are still open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from scenarios.durations import clock_minute
from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Action
from sim.runs.session import DrillSession
from sim.runs.view import DrillState

MID = 200.3  # T+03:20


def _session(journal: Path | None = None) -> DrillSession:
    session = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=0,
                                 human=["singcert", "mycert"], journal_path=journal)
    session.advance_to(77)
    session.act(Action("singcert", "request_takedown", "phish", targets=("mycert",),
                       tlp="AMBER"))
    return session


def _at(session: DrillSession, t: float) -> None:
    session.advance_to(t)
    session.advance_to(t + 1e-6)


def _console_due(session: DrillSession) -> dict[str, float | None]:
    """Each expectation's deadline as the console's Expectations tab shows it."""
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    state.now = session.now
    state.use_anchors(session.anchors)
    return {xid: state.shown(x).deadline_at for xid, x in state.expectations.items()}


def _line(text: str, xid: str) -> tuple[str, str]:
    """An expectation's line of the text report, and the line after it."""
    lines = text.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.strip().startswith(f"{xid} "))
    return lines[i], lines[i + 1]


def test_an_open_expectation_is_due_when_the_console_says_and_is_scored_so():
    session = _session()
    _at(session, MID)
    m = compute(list(session.engine.log))
    x = {e["id"]: e for e in m["expectations"]}
    assert x["E2"]["status"] == x["E3"]["status"] == "open"
    due = _console_due(session)
    for xid in ("E2", "E3"):
        assert x[xid]["deadline_at"] is not None
        assert x[xid]["deadline_at"] == due[xid]
    assert clock_minute(x["E2"]["deadline_at"]) == "T+04:30"
    assert clock_minute(x["E3"]["deadline_at"]) == "T+06:30"
    # the deadline each is later scored against is the one shown now
    _at(session, 480)
    later = {e["id"]: e for e in compute(list(session.engine.log))["expectations"]}
    assert later["E2"]["status"] == "missed"
    assert later["E2"]["deadline_at"] == x["E2"]["deadline_at"]


def test_the_text_report_says_when_an_open_expectation_is_due():
    session = _session()
    _at(session, MID)
    text = render_text(compute(list(session.engine.log)))
    line, _ = _line(text, "E2")
    assert "OPEN" in line and "due T+04:30" in line and "not due" not in line
    line, _ = _line(text, "E3")
    assert "due T+06:30" in line


def test_one_whose_countdown_has_not_begun_says_why_it_has_no_deadline():
    session = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=0,
                                 human=["singcert", "mycert"])
    _at(session, 20)  # the bank's report opens the incident at T+00:30
    m = compute(list(session.engine.log))
    assert all(x["status"] == "open" and x["deadline_at"] is None and x["anchored"] is False
               for x in m["expectations"])
    line, why = _line(render_text(m), "E2")
    assert "not due" in line
    assert "counts from" in why and "incident phish" in why and "has not" in why


def test_the_after_action_reports_show_the_deadline(tmp_path):
    session = _session()
    _at(session, MID)
    review = build_review(session.scenario, list(session.engine.log))
    markdown = aar.render_markdown(review)
    assert "| E2 | open | T+04:30 |" in markdown
    assert "| E3 | open | T+06:30 |" in markdown
    html = aar.render_html(review)
    assert "<td>E2</td><td class='open'>open</td><td>T+04:30</td>" in html
    # the timeline draws the open expectations' deadlines too
    svg = aar.swimlane_svg(review, "phish")
    assert "E2 due T+04:30" in svg and "E3 due T+06:30" in svg


def test_drill_report_on_a_journal_made_mid_drill(tmp_path, capsys):
    journal = tmp_path / "mid.journal.sqlite"
    session = _session(journal)
    _at(session, MID)
    session.close()
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0", "--format", "text"]) == 0
    line, _ = _line(capsys.readouterr().out, "E2")
    assert "OPEN" in line and "due T+04:30" in line
    assert main(["report", str(journal), "--runs", "0", "--format", "json"]) == 0
    x = {e["id"]: e for e in json.loads(capsys.readouterr().out)["metrics"]["expectations"]}
    assert clock_minute(x["E2"]["deadline_at"]) == "T+04:30"
    assert clock_minute(x["E3"]["deadline_at"]) == "T+06:30"
    assert x["E2"]["anchored"] is x["E3"]["anchored"] is True


async def test_the_review_opened_mid_drill_shows_the_due_column_and_marks(monkeypatch):
    pytest.importorskip("textual")
    from test_tui import until

    import tui.app as app_module
    from tui.app import DrillApp
    from tui.screens.review import ReviewScreen
    from tui.widgets.swimlane import Swimlane

    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)
    session = _session()
    app = DrillApp(session, speed=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.jump_to(MID)
        await pilot.pause()
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.pause(0.2)
        table = app.screen.query_one("#exp")
        rows = {str(table.get_row_at(i)[0]): [getattr(c, "plain", str(c))
                                               for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert rows["E2"][1:3] == ["open", "T+04:30"]
        assert rows["E3"][1:3] == ["open", "T+06:30"]
        lane = app.screen.query_one("#swimlane", Swimlane)
        assert 270 in [round(d) for d in lane.deadlines]
        assert 390 in [round(d) for d in lane.deadlines]
        await pilot.press("q")
