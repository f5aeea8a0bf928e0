"""The Overview's "Latest" panel shows the latest events, newest at the top, however
many come in: a panel to read (no cursor) never scrolls back to an old event."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen
from tui.screens.live import describe, fmt_time

DEFAULT = resolve_scenario_arg(None)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def panel_rows(app, title: str) -> list[str]:
    """The rows a panel of the Overview shows, top first (its border title starts it)."""
    lines = screen_text(app).splitlines()
    top = next(i for i, ln in enumerate(lines) if ln.startswith(f"─{title}"))
    rows = []
    for ln in lines[top + 1:]:
        if not ln.startswith(" T+"):
            break
        rows.append(ln)
    return rows


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_the_latest_panel_shows_the_newest_event_at_its_top_as_the_drill_goes_on(size):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 record=False)
    app = DrillApp(session, speed=60)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        for t in (60, 120, 240, 360, 600):
            app.jump_to(t)
            await pilot.pause(0.2)
            newest = app.state.recent[-1]
            shown = panel_rows(app, "Latest")
            assert shown, screen_text(app)
            words = describe(newest, app.state)[:30]
            assert shown[0].startswith(f" {fmt_time(newest.time)}  {words}"), (t, shown[0])
            # newest first, all the way down what the panel shows
            times = [row.split()[0] for row in shown]
            assert times == sorted(times, reverse=True)


async def test_the_latest_panel_keeps_its_top_while_the_clock_runs():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 record=False)
    app = DrillApp(session, speed=3600)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        await pilot.press("space")
        await until(pilot, lambda: app.session.now > 200, seconds=20)
        await pilot.press("space")  # paused: what the panel shows can be read
        await pilot.pause(0.3)
        newest = app.state.recent[-1]
        assert panel_rows(app, "Latest")[0].startswith(f" {fmt_time(newest.time)}  ")
