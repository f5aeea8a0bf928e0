"""A review closed as one of its panes takes the focus (the facilitator closes it at
once, or the drill starts again from a journal copy) does not bring the console down:
the pane's tab is gone already, and the review's tabs let the focus be."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, until
from textual.widgets import TabbedContent, TabPane

import tui.app as app_module
from tui.screens.review import ReviewScreen


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


async def test_a_pane_focused_after_its_tab_went_is_let_be():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.pause()
        tabs = app.screen.query_one("#review-tabs", TabbedContent)
        pane = tabs.query_one("#tab-timeline", TabPane)
        tabs.active = "tab-exp"
        await pilot.pause()
        # the review is being taken down: the tab goes first, while the focus message
        # of a widget in its pane is still on its way
        await tabs.get_tab("tab-timeline").remove()
        tabs.post_message(TabPane.Focused(pane))
        await pilot.pause()
        await pilot.pause()
        assert app.is_running and app._exception is None
        await pilot.press("q")
        await until(pilot, lambda: not isinstance(app.screen, ReviewScreen))
