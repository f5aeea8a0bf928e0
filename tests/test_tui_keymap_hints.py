"""Hints, toasts and dialogs name the keys where the keymap file put them, never the
defaults it moved: the break's toast and form, the role view's hints, the review's
hints, the yes/no question's buttons and the PIN prompt."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytest.importorskip("textual")

from test_tui import until

import tui.app as app_module
import tui.keymap as km
from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import BreakForm, Confirm, PinPrompt
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)
#: every binding a hint or a dialog names, moved
KEYMAP = km.load_text("""
"clock.toggle" = "p"
"role.sent" = "x"
"role.answer_task" = "w"
"rating.p" = "1"
"rating.note" = "N"
"notes.observe" = "O"
"confirm.yes" = "Y"
"confirm.no" = "c, escape"
"pin.cancel" = "ctrl+b"
""")
PIN = "4711"


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


def make_app(scenario: str | None = None, human: str = "certph", pin: str | None = None,
             wall=None) -> DrillApp:
    session = DrillSession.start(load_scenario(resolve_scenario_arg(scenario)), seed=0,
                                 human=[human], record=False)
    return DrillApp(session, speed=60, roles=(), keymap=KEYMAP, pin=pin, wall=wall)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def console(pilot, app: DrillApp) -> None:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)


async def test_a_break_names_the_clock_key_of_the_keymap():
    now = [datetime(2026, 8, 19, 10, 0).astimezone()]
    app = make_app(wall=lambda: now[0])
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await console(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BreakForm))
        await pilot.pause()
        assert "During a break, p ends it early." in screen_text(app)
        await pilot.press("escape")
        await console(pilot, app)
        app.plan_break("now", "5")
        await pilot.pause()
        assert any("(p ends the break early)" in t for t in toasts(app)), toasts(app)
        assert not any("space" in t for t in toasts(app))
        now[0] += timedelta(minutes=1)
        await pilot.press("p")  # the key the toast names ends the break
        await pilot.pause()
        assert app.breaks.current is None and app.clock.running


async def test_the_yes_no_question_names_its_keys_and_they_answer_it():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await console(pilot, app)
        await pilot.press("s")  # skip inject 1, under the Overview's cursor: asked first
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.pause()
        shown = screen_text(app)
        assert "Yes (Y)" in shown and "No (c)" in shown
        assert "Yes (y)" not in shown and "No (n)" not in shown
        await pilot.press("c")
        await console(pilot, app)
        assert app.state.msel["1"].status == "pending"


async def test_the_role_view_names_the_keys_of_the_keymap():
    app = make_app("apcert-ransomware", human="mycert")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await console(pilot, app)
        app.jump_to(31)  # task Q1 has been asked
        app.open_role("mycert")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        await pilot.pause()
        assert "Task Q1 (w answers)" in screen_text(app)
        await pilot.press("x")  # the Sent list
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert "Acknowledge works on the Inbox (press x)." in toasts(app)


async def test_the_review_names_the_rating_and_note_keys_of_the_keymap():
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await console(pilot, app)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        assert "1 s m u: rate the selected expectation (HSEEP); N: add a note." \
            in screen_text(app)
        screen.query_one("#review-tabs").active = "tab-notes"
        await pilot.pause(0.2)
        assert "No note was taken during play (O in the console)." in screen_text(app)


async def test_the_pin_prompt_names_the_key_that_stays_in_the_role():
    app = make_app(pin=PIN)
    async with app.run_test(size=(120, 36)) as pilot:
        await console(pilot, app)
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        await pilot.press("p")  # the clock is the facilitator's: the PIN first
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.pause()
        shown = screen_text(app)
        assert "enter to go on, ctrl+b to stay in this role" in shown
        assert "escape" not in shown
        await pilot.press("ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
