"""A review opened during the drill (`R`) never moves the drill on: the clock pauses
while it is read (a notice says so) and stays paused back in the console until space
runs it again. A review still open when the drill ends showed the drill as it was: the
hot wash takes its place, with the ratings and notes given in it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytest.importorskip("textual")

from test_tui import until
from textual.widgets import Input

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen
from tui.screens.review import NoteForm, ReviewScreen

DEFAULT = resolve_scenario_arg(None)


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


def make_app(tmp_path=None, speed: float = 600, wall=None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=tmp_path / "d.sqlite" if tmp_path else None,
                                 record=tmp_path is not None)
    return DrillApp(session, speed=speed, wall=wall)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def rows(table) -> list[list[str]]:
    return [[getattr(c, "plain", str(c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


async def console(pilot, app: DrillApp) -> FacilitatorScreen:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    return app.screen


async def open_review(pilot, app: DrillApp) -> ReviewScreen:
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
    await pilot.pause(0.2)
    return app.screen


async def test_a_review_opened_while_the_clock_runs_pauses_it_until_space():
    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await console(pilot, app)
        app.jump_to(120)
        await pilot.press("space")
        await until(pilot, lambda: app.session.now > 121)
        await open_review(pilot, app)
        assert not app.clock.running
        assert any("paused while you review" in t and "space in the console" in t
                   for t in toasts(app)), toasts(app)
        now = app.session.now
        await pilot.pause(0.6)  # at 600x, six drill minutes if the clock ran
        assert app.session.now == now
        await pilot.press("space")  # the review's keys leave the clock alone
        await pilot.pause(0.3)
        assert not app.clock.running and app.session.now == now
        await pilot.press("q")
        await console(pilot, app)
        await pilot.pause(0.3)
        assert not app.clock.running and app.session.now == now
        assert "paused at 600x" in screen_text(app)
        await pilot.press("space")
        await until(pilot, lambda: app.session.now > now)


async def test_a_break_under_way_ends_with_the_clock_still_paused_after_a_review():
    wall = [datetime(2026, 8, 19, 10, 0).astimezone()]
    app = make_app(wall=lambda: wall[0])
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await console(pilot, app)
        await pilot.press("space")
        app.plan_break("now", "5")  # the clock would run again by itself after it
        await pilot.pause()
        assert app.breaks.current is not None and not app.clock.running
        await open_review(pilot, app)
        assert any("paused while you review" in t for t in toasts(app))
        wall[0] += timedelta(minutes=6)
        await until(pilot, lambda: app.breaks.current is None)
        await pilot.pause(0.3)
        assert not app.clock.running


async def test_the_review_open_as_the_drill_ends_becomes_the_hot_wash(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await console(pilot, app)
        app.jump_to(120)
        stale = await open_review(pilot, app)
        stale.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        stale.query_one("#exp").focus()
        await pilot.press("p")  # E1, rated in the review of the drill so far
        await pilot.pause(0.2)
        before = screen_text(app).splitlines()[0]
        # the drill runs to its end behind the review (as a served drill does, run on by
        # the server): the review showed it as it was
        app.jump_to(app.session.engine.end)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen is not stale)
        await pilot.pause(0.3)
        fresh = app.screen
        assert app.session.finished
        assert len(fresh.review.events) == len(app.session.engine.log)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "FacilitatorScreen", "ReviewScreen"]
        header = screen_text(app).splitlines()[0]
        m = fresh.review.metrics["score"]
        assert f"score {m['earned']:g} of {m['possible']:g}, {m['met']} of" in header
        assert header != before
        assert "The review now shows the drill as it ended." in toasts(app)
        fresh.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        e1 = next(r for r in rows(fresh.query_one("#exp")) if r[0] == "E1")
        assert e1[6] == "P"  # the rating given in the first review


async def test_a_note_being_written_as_the_drill_ends_is_kept_in_the_hot_wash(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await console(pilot, app)
        app.jump_to(120)
        stale = await open_review(pilot, app)
        stale.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        stale.query_one("#exp").focus()
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteForm))
        app.screen.query_one(Input).value = "slow to start"
        app.jump_to(app.session.engine.end)
        await pilot.pause(0.5)
        assert isinstance(app.screen, NoteForm)  # what is typed stays
        assert app.screen.query_one(Input).value == "slow to start"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen is not stale)
        fresh = app.screen
        assert len(fresh.review.events) == len(app.session.engine.log)
        fresh.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        e1 = next(r for r in rows(fresh.query_one("#exp")) if r[0] == "E1")
        assert e1[7] == "slow to start"
