"""Every drill moment the terminal UI shows is the clock's minute, rounded down as the
header shows the time: what happened at T+00:20:36 reads T+00:20 in the console, the
role views, the observation form, the review (Due, Done, Asked, Answered, the timeline's
mark) and the log lines of the facilitator's changes to the MSEL, never T+00:21."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until
from textual.widgets import Input

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import Confirm, ObservationForm, TaskForm, TimeForm
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


def make_app(scenario: str | None = None, human: str = "certph") -> DrillApp:
    session = DrillSession.start(load_scenario(resolve_scenario_arg(scenario)), seed=0,
                                 human=[human], record=False)
    return DrillApp(session, speed=60)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rows(table) -> list[list[str]]:
    return [[getattr(c, "plain", str(c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


def toasts(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def console(pilot, app: DrillApp) -> FacilitatorScreen:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    return app.screen


async def role(pilot, app: DrillApp, name: str) -> ParticipantScreen:
    app.open_role(name)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
    await pilot.pause()
    return app.screen


async def review(pilot, app: DrillApp) -> ReviewScreen:
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
    await pilot.pause(0.2)
    return app.screen


async def test_an_expectation_met_mid_minute_reads_the_same_everywhere():
    """Inject 1 fired at T+00:14:42 (due within the hour: T+01:14:42), acknowledged at
    T+00:20:36: T+01:14 and T+00:20 in the console, the role view, the observation form
    and the review alike."""
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await console(pilot, app)
        app.jump_to(14.7)
        await pilot.press("f")  # inject 1, under the Overview's cursor
        await pilot.pause()
        app.jump_to(20.6)
        await role(pilot, app, "certph")
        await pilot.press("k")
        await pilot.pause()
        assert app.state.expectations["E1"].status == "met"
        assert screen_text(app).startswith(" T+00:20 ")
        assert any(r[:2] == ["met", "T+01:14"] for r in rows(app.screen.query_one("#todo")))
        await pilot.press("escape")
        screen = await console(pilot, app)
        await pilot.press("4")
        await pilot.pause()
        e1 = next(r for r in rows(screen.query_one("#expectations")) if r[0] == "E1")
        assert e1[2] == "T+01:14"
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ObservationForm))
        await pilot.pause()
        assert "Observation at T+00:20" in screen_text(app)
        await pilot.press("escape")
        await console(pilot, app)
        screen = await review(pilot, app)
        e1 = next(r for r in rows(screen.query_one("#exp")) if r[0] == "E1")
        assert e1[2:4] == ["T+01:14", "T+00:20"]  # Due, Done


async def test_the_timeline_mark_reads_the_clock_minute():
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await console(pilot, app)
        app.jump_to(14.7)
        await pilot.press("f")
        await pilot.pause()
        app.jump_to(20.6)
        await role(pilot, app, "certph")
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("escape")
        await console(pilot, app)
        screen = await review(pilot, app)
        lane = screen.query_one("#swimlane")
        seen = set()
        for _ in range(len(lane.marks)):
            e = lane.selected_event()
            head = f"{'T+00:14' if e.time < 20 else 'T+00:20'}  {e.type.replace('_', ' ')}"
            assert head in screen_text(app), (e.time, e.type)
            seen.add(e.time)
            await pilot.press("j")
            await pilot.pause()
        assert {14.7, 20.6} <= {round(t, 3) for t in seen}


async def test_a_task_asked_and_answered_mid_minute_reads_the_clock_minute():
    app = make_app("apcert-ransomware", human="mycert")
    async with app.run_test(size=(140, 40)) as pilot:
        await console(pilot, app)
        app.jump_to(14.7)
        await pilot.press("f")  # inject 1 now, and task Q1 with it
        await pilot.pause()
        app.jump_to(20.6)
        await role(pilot, app, "mycert")
        asked = next(r for r in rows(app.screen.query_one("#todo")) if "Task Q1" in r[3])
        assert asked[1] == "T+00:14"
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TaskForm))
        app.screen.query_one(Input).value = "the leak site"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        await pilot.press("escape")
        await console(pilot, app)
        screen = await review(pilot, app)
        mycert = app.state.name("mycert")
        q1 = next(r for r in rows(screen.query_one("#tasks")) if r[1] == mycert)
        assert q1[2:4] == ["T+00:14", "T+00:20"]  # Asked, Answered


async def test_the_log_says_the_minute_the_toast_says_for_a_changed_inject():
    """An inject rescheduled to a clock time already passed goes now, T+01:40:30; one
    put back now, at T+02:30:30: the log says T+01:40 and T+02:30, as the toasts do."""
    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        screen = await console(pilot, app)
        app.jump_to(100.5)
        await pilot.press("2")
        table = screen.query_one("#msel")
        table.move_cursor(row=table.get_row_index("4"))
        await pilot.pause()
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        app.screen.query_one("#when", Input).value = "10:40"  # T+01:40, under way
        await pilot.press("enter")
        await console(pilot, app)
        assert any("rescheduled to T+01:40" in t for t in toasts(app)), toasts(app)
        table.move_cursor(row=table.get_row_index("3"))
        await pilot.pause()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await console(pilot, app)
        app.jump_to(150.5)  # inject 3's time (T+02:30) has passed
        table.move_cursor(row=table.get_row_index("3"))
        await pilot.pause()
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        await pilot.press("enter")  # now
        await console(pilot, app)
        assert "inject 3 is back for T+02:30" in toasts(app)
        await pilot.press("5")
        await pilot.pause()
        log = [r[1] for r in rows(screen.query_one("#log")) if r[1].startswith("Facilitator")]
        assert "Facilitator rescheduled inject 4 to T+01:40" in log
        assert "Facilitator put back skipped inject 3 for T+02:30" in log
