"""The role view's bar and keys: a long team name is shortened, never the team's time,
duty or who plays it; ANSAC's n does not notify ANSAC itself."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen

DEFAULT = resolve_scenario_arg(None)
LONG = "Indonesian National Police Cyber Crime Directorate"  # police-id


def make_app(human: list[str]) -> DrillApp:
    s = DrillSession.start(load_scenario(DEFAULT), seed=0, human=human, record=False)
    return DrillApp(s, speed=60)


async def role_view(pilot, app: DrillApp, role: str) -> ParticipantScreen:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    app.open_role(role)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
    app.redraw()
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


def bar(screen: ParticipantScreen) -> str:
    return str(screen.query_one("#rolebar").render())


@pytest.mark.parametrize("width", [80, 100])
async def test_a_long_team_name_is_shortened_and_the_status_kept(width):
    app = make_app(["police-id"])
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await role_view(pilot, app, "police-id")
        shown = bar(screen)
        assert app.state.local_time("police-id") in shown
        assert "local, " in shown and " duty" in shown
        assert shown.rstrip().endswith("played by a person")
        assert "(police-id)" in shown
        assert "…" in shown and LONG not in shown  # the name gave way
        assert cell_len(shown.rstrip()) <= width


async def test_a_name_that_fits_is_not_shortened():
    app = make_app(["police-id"])
    async with app.run_test(size=(160, 24)) as pilot:
        screen = await role_view(pilot, app, "police-id")
        shown = bar(screen)
        assert LONG in shown and "…" not in shown
        assert shown.rstrip().endswith("played by a person")


async def test_the_bar_follows_a_resize():
    app = make_app(["police-id"])
    async with app.run_test(size=(160, 24)) as pilot:
        screen = await role_view(pilot, app, "police-id")
        assert LONG in bar(screen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        app.redraw()
        await pilot.pause()
        shown = bar(screen)
        assert shown.rstrip().endswith("played by a person") and LONG not in shown


# --- n: notify ANSAC ------------------------------------------------------------------


async def test_ansac_pressing_n_does_not_message_itself():
    app = make_app(["ansac"])
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        app.session.fire_inject("1")
        app.session.advance_to(300)  # word of the botnet has reached ANSAC
        assert app.state.inbox["ansac"]
        screen = await role_view(pilot, app, "ansac")
        before = len(app.session.engine.log)
        app.clear_notifications()
        await pilot.press("n")
        await pilot.pause()
        sent = [e for e in app.session.engine.log[before:] if e.type in ("message_sent", "escalated")]
        assert sent == []
        said = [n.message for n in app._notifications]
        assert said and not any("notified" in m for m in said)
        assert any("no one" in m.lower() or "nobody" in m.lower() for m in said)
        assert isinstance(app.screen, ParticipantScreen) and screen.role == "ansac"


async def test_another_team_pressing_n_still_notifies_ansac():
    app = make_app(["certph"])
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        app.session.fire_inject("1")
        await role_view(pilot, app, "certph")
        before = len(app.session.engine.log)
        await pilot.press("n")
        await pilot.pause()
        sent = [e for e in app.session.engine.log[before:] if e.type == "escalated"]
        assert [e.details.get("targets") for e in sent] == [["ansac"]]
