"""Hot seat: `v` and `h` go through the roles people play in the order `--role` gave
them, then the roles handed to a person during the drill (`r`), in the order they were
handed over; never in the scenario's order."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen

DEFAULT = resolve_scenario_arg(None)


def make_app(roles: list[str]) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=roles, record=False)
    return DrillApp(session, speed=60, roles=roles)


async def console(pilot, app: DrillApp) -> FacilitatorScreen:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    return app.screen


async def roles_in_turn(pilot, app: DrillApp, turns: int) -> list[str]:
    """The roles `v` then `h` (again and again) open, from the console's Overview."""
    await pilot.press("1")
    await pilot.press("v")
    seen = []
    for n in range(turns):
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready and app.screen.role not in seen[-1:])
        seen.append(app.screen.role)
        if n < turns - 1:
            await pilot.press("h")
    await pilot.press("escape")
    await console(pilot, app)
    return seen


async def hand_over(pilot, app: DrillApp, role: str) -> None:
    """`r` on the Actors tab, with the cursor on ``role``."""
    screen = await console(pilot, app)
    await pilot.press("3")
    table = screen.query_one("#actors")
    table.move_cursor(row=table.get_row_index(role))
    await pilot.pause()
    await pilot.press("r")
    await pilot.pause()


async def test_v_and_h_follow_the_order_the_roles_were_given_in():
    app = make_app(["thaicert", "certph"])  # the scenario lists certph first
    async with app.run_test(size=(120, 36)) as pilot:
        await console(pilot, app)
        assert await roles_in_turn(pilot, app, 3) == ["thaicert", "certph", "thaicert"]


async def test_roles_handed_over_later_come_next_in_the_order_they_were_handed_over():
    app = make_app(["thaicert", "certph"])
    async with app.run_test(size=(120, 36)) as pilot:
        await console(pilot, app)
        await hand_over(pilot, app, "vncert")
        await hand_over(pilot, app, "mycert")  # before the others in the scenario
        assert app.state.played_by["vncert"] == app.state.played_by["mycert"] == "human"
        assert await roles_in_turn(pilot, app, 5) == [
            "thaicert", "certph", "vncert", "mycert", "thaicert"]
        # handed back and then over again: it comes last
        await hand_over(pilot, app, "vncert")
        await hand_over(pilot, app, "vncert")
        assert app.state.played_by["vncert"] == "human"
        assert await roles_in_turn(pilot, app, 4) == ["thaicert", "certph", "mycert", "vncert"]
