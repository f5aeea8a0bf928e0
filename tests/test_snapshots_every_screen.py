"""A snapshot of every screen and tab, small (80x24) and large (160x48), on fixed inputs.

Each drill is the default scenario at seed 0 with CERT-PH played by a person and the
clock paused, so what is drawn depends only on the keys pressed. A change to any screen
shows up here as a picture to look at (``pytest --snapshot-update`` once it is right).
"""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import dialog_alone, keys, make_app, until

from sim.analysis.review import load_review
from sim.cli import main
from tui.screens.review import ReviewScreen

SIZES = [(80, 24), (160, 48)]


def _after(*presses: str, alone: bool = False):
    """Fire two injects, let the drill run to T+02:00, then press ``presses`` (with
    ``alone``, the screen behind the dialog they open is left out)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        app.session.fire_inject("1")
        app.session.fire_inject("2")
        app.jump_to(120)
        await (dialog_alone if alone else keys)(*presses)(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
@pytest.mark.parametrize("tab", ["2", "3", "4", "5", "6"],
                         ids=["msel", "actors", "expectations", "log", "notes"])
def test_every_console_tab(snap_compare, size, tab):
    assert snap_compare(make_app(), terminal_size=size, run_before=_after(tab))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
@pytest.mark.parametrize("presses", [("?",), ("q",), ("o",), ("2", "down", "down", "t"), ("b",), ("a",),
                                     ("v", "a")],
                         ids=["help", "quit", "observation", "reschedule", "break", "adhoc",
                              "action"])
def test_every_dialog(snap_compare, size, presses):
    assert snap_compare(make_app(), terminal_size=size, run_before=_after(*presses, alone=True))


@pytest.fixture
def recorded(tmp_path):
    path = tmp_path / "run.journal.sqlite"
    assert main(["run", "acid-botnet", "--seed", "1", "--journal", str(path)]) == 0
    return path


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
@pytest.mark.parametrize("tab", ["tab-timeline", "tab-exp", "tab-breakdown", "tab-model",
                                 "tab-notes"])
def test_every_review_tab(snap_compare, recorded, size, tab):
    from tui.review import ReviewApp

    review, journal = load_review(recorded)

    async def run_before(pilot) -> None:
        # mounted and filled: focusing the timeline on mount would switch back to it
        await until(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen)
                    and pilot.app.screen.query_one("#exp").row_count > 0)
        await pilot.pause()
        tabs = pilot.app.screen.query_one("#review-tabs")
        tabs.active = tab
        await until(pilot, lambda: tabs.active == tab
                    and pilot.app.screen.query_one(f"#{tab}").display)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    try:
        assert snap_compare(ReviewApp(review, journal), terminal_size=size,
                            run_before=run_before)
    finally:
        journal.close()

