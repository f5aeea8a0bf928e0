"""A review opened during the drill (R) leaves the drill alone: j, + and - move and zoom
the timeline, whichever part of the review has the focus, and never deliver an inject
or change the clock's speed; space does not run the clock."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, until

import tui.app as app_module
from tui.forms import HelpScreen
from tui.screens.review import ReviewScreen


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


async def _open_review(pilot, app) -> ReviewScreen:
    await pilot.press("f")  # inject 1 now, so that the timeline has marks
    await pilot.pause()
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
    await pilot.pause()
    return app.screen


def _drill(app):
    return (app.session.now, app.clock.speed, app.clock.running,
            {k: r.status for k, r in app.state.msel.items()})


async def test_the_timeline_has_the_focus_again_when_its_tab_is_shown():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_review(pilot, app)
        lane = screen.query_one("#swimlane")
        assert screen.focused is lane
        await pilot.press("shift+tab")  # to the tab bar
        await pilot.pause()
        assert screen.focused is not lane
        await pilot.press("right")  # Expectations
        await pilot.pause()
        await pilot.press("left")  # the Timeline again
        await pilot.pause()
        assert screen.query_one("#review-tabs").active == "tab-timeline"
        assert screen.focused is lane


async def test_clock_keys_never_reach_the_drill_from_the_review():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_review(pilot, app)
        lane = screen.query_one("#swimlane")
        before = _drill(app)
        # the tab bar has the focus, on the Timeline tab and on another tab
        screen.query_one("#review-tabs").query_one("ContentTabs").focus()
        await pilot.pause()
        for key in ("j", "plus", "minus", "space"):
            await pilot.press(key)
            await pilot.pause()
        screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause()
        screen.query_one("#exp").focus()
        for key in ("j", "plus", "equals_sign", "minus", "space"):
            await pilot.press(key)
            await pilot.pause()
        assert _drill(app) == before
        assert app.state.msel["2"].status == "pending"
        # back on the timeline, the keys are the timeline's
        screen.query_one("#review-tabs").active = "tab-timeline"
        await pilot.pause()
        zoom, mark = lane.minutes_per_col, lane.selected
        await pilot.press("plus")
        await pilot.press("j")
        await pilot.pause()
        assert lane.minutes_per_col == zoom / 2
        assert lane.selected == min(mark + 1, len(lane.marks) - 1)
        assert _drill(app) == before
        # closing the review gives the clock keys back
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReviewScreen))
        await pilot.press("plus")
        await pilot.pause()
        assert app.clock.speed > before[1]


async def test_the_help_in_a_review_during_the_drill_lists_no_clock_keys():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_review(pilot, app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one("#help-table")
        ids = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert "rating.p" in ids and "app.help" in ids
        assert not {i for i in ids if i.startswith("clock.")}
        # the help over the review: j still does nothing to the drill
        before = _drill(app)
        await pilot.press("j")
        await pilot.pause()
        assert _drill(app) == before
