"""The Overview's injects: once the inject under the cursor is delivered, the cursor
waits on the next one (README: "the cursor waits on the next one")."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen
from tui.forms import Confirm

DEFAULT = resolve_scenario_arg(None)


def make_app() -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"], record=False)
    return DrillApp(session, speed=60)


def cursor(app: DrillApp) -> str:
    table = app.screen.query_one("#ov-msel")
    return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)


def first_pending(app: DrillApp) -> str:
    rows = sorted((r for r in app.state.msel.values() if r.status == "pending" and r.at is not None),
                  key=lambda r: (r.at, r.id))
    return rows[0].id


async def settle(pilot, app: DrillApp) -> None:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    app.redraw()
    await pilot.pause()


async def test_f_f_f_fires_one_inject_after_the_other_on_the_overview():
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot, app)
        assert cursor(app) == "1"
        for inject in ("1", "2", "3"):
            assert cursor(app) == inject
            app.clear_notifications()
            await pilot.press("f")
            await pilot.pause(0.2)
            assert app.state.msel[inject].status == "delivered"
            assert not any("already been delivered" in n.message for n in app._notifications)
            await until(pilot, lambda: cursor(app) == first_pending(app))


async def test_after_j_the_cursor_is_on_the_next_inject_and_s_skips_it():
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("j")  # inject 1 is delivered at its time
        await pilot.pause(0.2)
        assert app.state.msel["1"].status == "delivered"
        await until(pilot, lambda: cursor(app) == "2")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await pilot.pause(0.2)
        assert app.state.msel["2"].status == "skipped"
        await until(pilot, lambda: cursor(app) == first_pending(app))


async def test_a_recent_row_chosen_on_purpose_keeps_the_cursor():
    """The cursor only moves on when the inject under it stops waiting: a skipped inject
    the facilitator goes back to (to put it back with u) keeps it."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.session.skip_inject("1")
        app.redraw()
        await pilot.pause()
        assert cursor(app) == "2"
        table = app.screen.query_one("#ov-msel")
        table.move_cursor(row=table.get_row_index("1"))
        await pilot.pause()
        app.redraw()
        await pilot.pause()
        assert cursor(app) == "1"
        await pilot.press("u")  # back for its own time
        await pilot.pause(0.2)
        assert app.state.msel["1"].status == "pending"
        assert cursor(app) == "1"
