"""The terminal review shows each player task's answer beside its answer key."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import build_review
from sim.runs.session import DrillSession

ANSWER = "[bold]198.51.100.7[/] and 203.0.113.9"


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_tasks_tab_shows_answers_beside_the_answer_key():
    from tui.review import ReviewApp

    session = DrillSession.start(load_scenario(resolve_scenario_arg("apcert-ransomware")),
                                 seed=0, human=["mycert"], record=False)
    session.advance_to(31)  # inject 1 (T+00:30) asks Q1 of every member team
    session.answer_task("mycert", "Q1", ANSWER)
    session.advance_to(8 * 60)
    review = build_review(session.scenario, list(session.engine.log), runs=0, seed=0)
    app = ReviewApp(review)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        app.screen.query_one("#review-tabs").active = "tab-tasks"
        await pilot.pause()
        table = app.screen.query_one("#tasks")
        rows = [[str(c) for c in table.get_row_at(r)] for r in range(table.row_count)]
        mine = [r for r in rows if r[1] == review.name("mycert") and r[0].startswith("Q1")]
        assert len(mine) == 1
        assert mine[0][3] == "T+00:31" and mine[0][4] == ANSWER
        assert mine[0][5] == "The leak site and both C2 addresses in leak-site-pdns.csv."
        # a team that never answered, and the partners' Q2 asked at T+02:00
        assert any(r[0].startswith("Q1") and r[1] == review.name("singcert") and r[4] == "(no answer)"
                   for r in rows)
        assert any(r[0].startswith("Q2") and r[2] == "T+02:00" for r in rows)
        # the selected task in full below the table, the answer shown literally
        table.move_cursor(row=rows.index(mine[0]))
        await pilot.pause()
        shown = screen_text(app)
        assert f"Answer: {ANSWER}" in shown
        assert "Answer key: The leak site and both C2 addresses" in shown


async def test_a_drill_without_tasks_has_no_tasks_tab():
    from tui.review import ReviewApp

    session = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=0,
                                 record=False)
    session.advance_to(60)
    app = ReviewApp(build_review(session.scenario, list(session.engine.log), runs=0, seed=0))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#tasks")
