"""`drill review`'s keys: ? and F1 show the keys (docs/keys.md says they do); n, like
p s m u, works on the Expectations tab only."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("textual")

from test_tui import until

from sim.analysis.review import load_review
from sim.cli import main
from tui import keymap as km
from tui.forms import HelpScreen
from tui.review import ReviewApp
from tui.screens.review import NoteForm, ReviewScreen

DOC = Path(__file__).resolve().parent.parent / "docs" / "keys.md"


@pytest.fixture
def recorded(tmp_path) -> Path:
    path = tmp_path / "run.journal.sqlite"
    assert main(["run", "acid-botnet", "--seed", "1", "--journal", str(path)]) == 0
    return path


@pytest.fixture
def review_app(recorded):
    review, journal = load_review(recorded, runs=0)
    yield ReviewApp(review, journal)
    journal.close()


def help_rows(app) -> dict[str, str]:
    table = app.screen.query_one("#help-table")
    return {str(table.get_row_at(i)[2]): str(table.get_row_at(i)[0])
            for i in range(table.row_count)}


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_keys_show_the_reviews_keys(review_app, key):
    app = review_app
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = help_rows(app)
        assert rows["rating.p"] == "p" and rows["rating.note"] == "n"
        assert rows["review.close"] == "q escape"
        assert rows["app.help"] == "? F1"
        assert "timeline.next" in rows  # the timeline's keys, where the review opens
        assert "clock.toggle" not in rows and "msel.fire" not in rows  # no drill runs here
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))


async def test_a_keymap_moves_the_reviews_help_key(recorded):
    review, journal = load_review(recorded, runs=0)
    try:
        app = ReviewApp(review, journal, keymap=km.load_text('"app.help" = "H"\n'))
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
            await pilot.press("H")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert help_rows(app)["app.help"] == "H"
    finally:
        journal.close()


def test_the_keys_page_says_the_help_key_works_in_the_review():
    assert "| `app.help` | `?` `F1` | Help | review |" in km.documented(
        DOC.read_text(encoding="utf-8"))


async def test_n_works_on_the_expectations_tab_only_as_the_ratings_do(review_app):
    app = review_app
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        tabs = screen.query_one("#review-tabs")
        for tab in ("tab-timeline", "tab-breakdown", "tab-notes"):
            tabs.active = tab
            await pilot.pause()
            app.clear_notifications()
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen), tab
            said = [n.message for n in app._notifications]
            assert any("Expectations tab" in m for m in said), (tab, said)
        tabs.active = "tab-exp"
        await pilot.pause()
        screen.query_one("#exp").focus()
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteForm))
        assert "E1" in str(app.screen.query_one("#note-label").render())
