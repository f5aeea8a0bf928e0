"""At 80x24 the console's Actors and Expectations tabs, and the review's "Where the time
went", keep every column on screen: the long name (a team's name, who is expected, a
hop) is shortened with an ellipsis instead of pushing the columns after it off."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("textual")

from test_tui import fits_beside_the_scrollbar, make_app, room_for_columns, until

import tui.app as app_module
from sim.analysis.review import PARTS
from tui.screens.review import SPLIT_CELLS, SPLIT_MIN, ReviewScreen


def _ends(table) -> list[tuple[str, int]]:
    out, x = [], 0
    for col in table.ordered_columns:
        x += col.get_render_width(table)
        out.append((str(col.label), x))
    return out


def _off_screen(table) -> list[str]:
    """The columns that end beyond what the table shows beside its vertical scrollbar."""
    return [label for label, end in _ends(table) if end > room_for_columns(table)]


_no_sideways_scrolling = fits_beside_the_scrollbar


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
        assert actors.show_vertical_scrollbar  # more teams than rows on screen
        assert _off_screen(actors) == []
        assert _no_sideways_scrolling(actors)
        names = [str(actors.get_row_at(i)[1]) for i in range(actors.row_count)]
        assert any(n.endswith("…") for n in names)  # the long names, shortened
        assert "Last acted" in [label for label, _ in _ends(actors)]
        await pilot.press("4")
        await pilot.pause()
        await pilot.pause()
        expectations = app.screen.query_one("#expectations")
        assert _off_screen(expectations) == []
        assert _no_sideways_scrolling(expectations)
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
        assert _no_sideways_scrolling(actors)


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
        # all nine columns on screen, at 80 columns too: none needs scrolling to
        assert _off_screen(table) == []
        assert [label for label, _ in _ends(table)] == [
            "Hop", "Hours", "Split", "waiting", "in", "queued", "analysing", "lost", "held"]
        assert _no_sideways_scrolling(table)


async def _breakdown(pilot, app, stretch: float = 1.0):
    """The review's "Where the time went" table, each hop ``stretch`` times as long."""
    app.session.advance_to(600)
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
    await pilot.pause()
    review = app.screen.review
    review.hops = [replace(h, trigger_at=h.end_at - h.duration * stretch,
                           parts={p: v * stretch for p, v in h.parts.items()})
                   for h in review.hops]
    app.screen.query_one("#review-tabs").active = "tab-breakdown"
    table = app.screen.query_one("#breakdown")
    await until(pilot, lambda: table.row_count > 0)
    await pilot.pause()
    await pilot.pause()
    return table


@pytest.mark.parametrize("stretch", [40, 400])
async def test_where_the_time_went_fits_80x24_with_hops_of_days(stretch):
    """A long drill's hops (hundreds or thousands of hours in a cell): the Split bar is
    narrowed, and the hops shortened, before any column of hours would go off screen."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _breakdown(pilot, app, stretch=stretch)
        hours = [float(str(table.get_row_at(i)[1])) for i in range(table.row_count)]
        assert max(hours) >= stretch * 2.5
        assert _off_screen(table) == []
        assert _no_sideways_scrolling(table)
        bars = {len(str(table.get_row_at(i)[2])) for i in range(table.row_count)}
        assert len(bars) == 1 and SPLIT_MIN <= min(bars) <= SPLIT_CELLS  # every bar as wide
        if stretch == 400:
            assert max(bars) < SPLIT_CELLS  # narrowed to make room


async def test_where_the_time_went_keeps_the_whole_bar_where_there_is_room():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        table = await _breakdown(pilot, app, stretch=40)
        bars = {len(str(table.get_row_at(i)[2])) for i in range(table.row_count)}
        assert bars <= {0, SPLIT_CELLS} and SPLIT_CELLS in bars
        assert _off_screen(table) == []


async def test_the_selected_hop_is_spelt_out_below_the_table():
    """What the table shortens at 80 columns (the hop, the parts' names) is shown in full
    for the selected hop, in hours, as plain text."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _breakdown(pilot, app)
        screen = app.screen
        detail = screen.query_one("#hop-detail")

        def shown() -> str:
            return str(detail.render())

        name, hop = screen._hops[0]
        assert str(table.get_row_at(0)[0]).endswith("…") and not name.endswith("…")
        assert shown().startswith(f"{name} took {hop.duration / 60:.2f} h: ")
        assert all(part in shown() for part in PARTS)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert table.cursor_row == 1
        assert shown().startswith(f"{screen._hops[1][0]} took ")
