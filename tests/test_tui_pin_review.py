"""Hot seat: the end of the drill does not open the review to a player (the PIN guards it)."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import PinPrompt
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)
END = 3 * 24 * 60  # after the default drill's end


def make_app(pin: str | None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"], record=False)
    # a tick far longer than the test: the test ticks the clock itself
    return DrillApp(session, speed=60, roles=["certph"], pin=pin, tick=3600)


async def open_the_role(pilot, app: DrillApp) -> None:
    """The app opens at the console; ``v`` hands the seat to CERT-PH's player."""
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)


async def end_the_drill(pilot, app: DrillApp) -> None:
    await open_the_role(pilot, app)
    app.clock.resume()
    app.clock.jump_to(END)
    app.tick()
    await until(pilot, lambda: app.session.finished)
    await pilot.pause(0.2)


def review_shown(app: DrillApp) -> bool:
    """The review is on screen, drawn (not only pushed)."""
    return isinstance(app.screen, ReviewScreen) and bool(app.screen.query("#exp"))


def reviews(app: DrillApp) -> list[ReviewScreen]:
    return [s for s in app.screen_stack if isinstance(s, ReviewScreen)]


async def test_a_locked_role_view_asks_for_the_pin_before_the_review_opens_at_the_end():
    app = make_app("1234")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await end_the_drill(pilot, app)
        assert app.locked
        assert not reviews(app)  # not every team's timeline, not the evaluators' notes
        assert any("drill has ended" in n.message for n in app._notifications)
        assert isinstance(app.screen, PinPrompt)
        await pilot.press("escape")  # the player stays in the role view
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        assert not reviews(app)
        # R asks for the PIN too: a wrong PIN opens nothing
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        for key in "9999":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert not reviews(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))


async def test_the_facilitators_pin_opens_the_review_at_the_end():
    app = make_app("1234")
    async with app.run_test(size=(100, 30)) as pilot:
        await end_the_drill(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        for key in "1234":
            await pilot.press(key)
        await pilot.press("enter")
        await until(pilot, lambda: review_shown(app))
        await pilot.pause(0.2)


async def test_without_a_pin_the_review_opens_by_itself_at_the_end():
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await end_the_drill(pilot, app)
        await until(pilot, lambda: review_shown(app))
        await pilot.pause(0.2)


async def test_at_the_console_the_review_opens_by_itself_at_the_end_even_with_a_pin():
    app = make_app("1234")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_the_role(pilot, app)
        await pilot.press("escape")  # back to the console: the facilitator's PIN
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        for key in "1234":
            await pilot.press(key)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert not app.locked
        app.clock.resume()
        app.clock.jump_to(END)
        app.tick()
        await until(pilot, lambda: review_shown(app))
        await pilot.pause(0.2)
