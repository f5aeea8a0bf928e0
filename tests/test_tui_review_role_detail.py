"""The role view's detail pane scrolls: a long item (an inject with artefact files) can be
read to its end on a small terminal, with tab to reach the pane and the page keys."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp
from tui.screens.role import ParticipantScreen


def _screen_text(app) -> str:
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(seg.text for seg in strip) for strip in update.strips)


def _in_detail(screen) -> bool:
    w = screen.focused
    detail = screen.query_one("#detail")
    return w is not None and (w is detail or detail in w.walk_children())


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_detail_pane_scrolls_to_the_end_of_a_long_item(size):
    session = DrillSession.start(load_scenario(resolve_scenario_arg("apcert-ransomware")),
                                 seed=0, human=["singcert"], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=size) as pilot:
        await pilot.press("f")  # inject 1: a ransom note and a CSV of lookups
        await pilot.pause()
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        await pilot.pause()
        screen = app.screen
        shown = _screen_text(app)
        assert "Attached:" in shown and "not yet acknowledged" not in shown  # cut off
        for _ in range(6):  # tab reaches the pane
            if _in_detail(screen):
                break
            await pilot.press("tab")
            await pilot.pause()
        assert _in_detail(screen)
        await pilot.press("pagedown")
        await pilot.pause()
        assert "--- ransom-note.txt ---" in _screen_text(app) or \
            "end of ransom-note.txt" in _screen_text(app)
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.pause()
        shown = _screen_text(app)
        assert "leak-site-pdns.csv: SHA-256" in shown or "end of leak-site-pdns.csv" in shown
        assert "not yet acknowledged" in shown
        await pilot.press("pageup")
        await pilot.pause()
        # the clock's next tick redraws the view: the pane keeps its place
        before = screen.focused.scroll_y
        app.tick()
        await pilot.pause()
        assert screen.focused.scroll_y == before
        # back to the inbox (shift+tab), the acknowledgement key works as before
        while screen.focused is not None and screen.focused.id != "inbox":
            await pilot.press("shift+tab")
            await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert app.state.inbox["singcert"][0].acknowledged
