"""At 80x24 the console's Actors and Expectations tabs, and the review's "Where the time
went", keep every column on screen: the long name (a team's name, who is expected, a
hop) is shortened with an ellipsis instead of pushing the columns after it off."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, until

import tui.app as app_module
from tui.screens.review import ReviewScreen


def _ends(table) -> list[tuple[str, int]]:
    out, x = [], 0
    for col in table.ordered_columns:
        x += col.get_render_width(table)
        out.append((str(col.label), x))
    return out


def _off_screen(table) -> list[str]:
    return [label for label, end in _ends(table) if end > table.size.width]


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


async def test_actors_and_expectations_fit_80x24():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.advance_to(600)  # teams have acted, incidents are open
        app.clock.jump_to(app.session.now)
        app.tick()
        await pilot.press("3")
        await pilot.pause()
        await pilot.pause()
        actors = app.screen.query_one("#actors")
        assert actors.size.width == 80
        assert _off_screen(actors) == []
        names = [str(actors.get_row_at(i)[1]) for i in range(actors.row_count)]
        assert any(n.endswith("…") for n in names)  # the long names, shortened
        assert "Last acted" in [label for label, _ in _ends(actors)]
        await pilot.press("4")
        await pilot.pause()
        await pilot.pause()
        expectations = app.screen.query_one("#expectations")
        assert _off_screen(expectations) == []
        assert [label for label, _ in _ends(expectations)][-2:] == ["Incident", "Score"]


async def test_actors_keep_their_full_names_where_there_is_room():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.pause()
        actors = app.screen.query_one("#actors")
        names = [str(actors.get_row_at(i)[1]) for i in range(actors.row_count)]
        assert not any(n.endswith("…") for n in names)
        assert _off_screen(actors) == []


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_where_the_time_went_shortens_the_hops(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        app.session.advance_to(600)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.pause()
        app.screen.query_one("#review-tabs").active = "tab-breakdown"
        await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#breakdown")
        assert table.row_count > 0
        hops = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert any(h.endswith("…") for h in hops)
        off = _off_screen(table)
        if size == (100, 30):
            assert off == []
        else:  # nine columns: at 80 columns only the last may need scrolling to
            assert off in ([], ["held"])
            assert [label for label, end in _ends(table)][:3] == ["Hop", "Duration", "Split"]
