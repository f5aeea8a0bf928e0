"""Every table whose columns are fitted to its width keeps them beside its vertical
scrollbar: at 80 columns, with more rows than the table shows, none of the console's or
the role view's tables scrolls sideways (nor hides its last column under the bar)."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import fits_beside_the_scrollbar, make_app, room_for_columns, until

from tui.app import FacilitatorScreen, ParticipantScreen
from tui.widgets.tables import scrollbar_room

LONG_NOTE = "The team waited for its manager's word before telling the council. " * 3


async def _console(pilot, app, notes: int):
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    for inject in ("1", "2", "3", "4"):
        app.session.fire_inject(inject)
    app.session.advance_to(600)  # teams have acted, incidents are open
    app.clock.jump_to(app.session.now)
    for n in range(notes):
        app.session.add_note(f"{n}: {LONG_NOTE}", team="certph")
    app.tick()
    await pilot.pause()


@pytest.mark.parametrize(("tab", "tid"), [
    ("2", "msel"), ("3", "actors"), ("4", "expectations"), ("6", "notes"),
    ("1", "ov-teams"), ("1", "ov-log"),
])
async def test_a_console_table_with_its_scrollbar_showing_fits_beside_it(tab, tid):
    app = make_app()
    async with app.run_test(size=(80, 10)) as pilot:
        await _console(pilot, app, 10)
        await pilot.press(tab)
        await pilot.pause()
        table = app.screen.query_one(f"#{tid}")
        await until(pilot, lambda: table.show_vertical_scrollbar)  # more rows than shown
        app.redraw()
        await pilot.pause()
        await pilot.pause()
        assert scrollbar_room(table) == 1  # a thin bar, as every fitted table draws
        assert room_for_columns(table) == table.size.width - 1
        assert fits_beside_the_scrollbar(table), tid
        shown = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert any(shown), tid  # the last column is there, not pushed off


@pytest.mark.parametrize("tid", ["inbox", "todo"])
async def test_a_role_view_table_with_its_scrollbar_showing_fits_beside_it(tid):
    app = make_app()
    async with app.run_test(size=(80, 12)) as pilot:
        await _console(pilot, app, 0)
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        table = app.screen.query_one(f"#{tid}")
        await until(pilot, lambda: table.show_vertical_scrollbar)
        app.redraw()
        await pilot.pause()
        await pilot.pause()
        assert fits_beside_the_scrollbar(table), tid

