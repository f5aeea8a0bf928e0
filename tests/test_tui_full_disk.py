"""A full disk during `drill play` halts the drill with one message and never crashes
it: a rating given in the review is refused with the reason, and quitting after the
halt ends `drill play` with the reason and how to carry on (`drill play --resume`),
exit code 3, not a traceback or an internal error."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("textual")

from test_tui import until

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim import cli
from sim.runs.session import DrillSession, Journal, JournalError
from tui.app import DrillApp, FacilitatorScreen
from tui.forms import ConfirmQuit
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)
ROOT = Path(__file__).resolve().parent.parent
FULL = "database or disk is full"


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


ROOM = Journal.commit


def disk_full(monkeypatch) -> None:
    """From now on nothing more can be written to a journal."""

    def commit(self: Journal) -> None:
        raise JournalError(f"{self.path}: cannot write to the journal: {FULL}")

    monkeypatch.setattr(Journal, "commit", commit)


def room_again(monkeypatch) -> None:
    monkeypatch.setattr(Journal, "commit", ROOM)


def toasts(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def rows(table) -> list[list[str]]:
    return [[getattr(c, "plain", str(c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


async def console(pilot, app: DrillApp) -> None:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)


async def test_a_rating_on_a_full_disk_is_refused_with_its_reason(tmp_path, monkeypatch):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=tmp_path / "d.sqlite")
    app = DrillApp(session, speed=60)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await console(pilot, app)
        app.jump_to(120)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause(0.2)
        screen.query_one("#exp").focus()
        disk_full(monkeypatch)
        await pilot.press("p")
        await pilot.pause(0.3)
        assert app.is_running and app.screen is screen
        said = [t for t in toasts(app) if "not saved" in t]
        assert said == [f"E1: rating not saved: {tmp_path / 'd.sqlite'}: cannot write to the "
                        f"journal: {FULL}"]
        e1 = next(r for r in rows(screen.query_one("#exp")) if r[0] == "E1")
        assert e1[6] != "P"  # the review shows what the journal keeps
        room_again(monkeypatch)  # the same key rates it now
        await pilot.press("p")
        await pilot.pause(0.3)
        e1 = next(r for r in rows(screen.query_one("#exp")) if r[0] == "E1")
        assert e1[6] == "P"


async def halt_and_quit(pilot, app: DrillApp, monkeypatch) -> None:
    """The disk fills up with the clock running: the drill halts; then q, y."""
    await console(pilot, app)
    app.jump_to(120)
    disk_full(monkeypatch)
    await pilot.press("space")
    await until(pilot, lambda: app.halted is not None)
    await pilot.press("q")
    await until(pilot, lambda: isinstance(app.screen, ConfirmQuit))
    await pilot.press("y")


async def test_quitting_after_the_halt_keeps_the_reason_instead_of_raising(tmp_path,
                                                                          monkeypatch):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=tmp_path / "d.sqlite")
    app = DrillApp(session, speed=60)
    async with app.run_test(size=(140, 40)) as pilot:
        await halt_and_quit(pilot, app, monkeypatch)
    assert app.close_problem is not None and FULL in app.close_problem
    assert session.journal is None  # closed, its lock let go


def test_drill_play_says_why_and_how_to_carry_on(tmp_path, monkeypatch, capsys):
    path = tmp_path / "d.sqlite"

    def headless(self: DrillApp, *args, **kwargs) -> None:
        async def go() -> None:
            async with self.run_test(size=(140, 40)) as pilot:
                await halt_and_quit(pilot, self, monkeypatch)

        asyncio.run(go())

    monkeypatch.setattr(app_module.DrillApp, "run", headless)
    assert cli.main(["play", str(DEFAULT), "--journal", str(path)]) == cli.EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert f"{path}: cannot write to the journal: {FULL}" in err
    assert f"carry on with: drill play --resume {path}" in err
    assert "internal error" not in err and "Traceback" not in err


def test_drill_play_on_a_disk_that_fills_up(tmp_path):
    """The real thing, in a process of its own: files may not grow any more once the
    drill has started (RLIMIT_FSIZE)."""
    script = textwrap.dedent(f"""
        import asyncio, resource, signal, sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_tui import until
        import tui.app as app_module
        from sim import cli
        from tui.forms import ConfirmQuit

        def headless(self, *args, **kwargs):
            async def go():
                async with self.run_test(size=(140, 40)) as pilot:
                    await pilot.pause(0.3)
                    self.jump_to(120)
                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))
                    await pilot.press("space")
                    await until(pilot, lambda: self.halted is not None)
                    await pilot.press("q")
                    await until(pilot, lambda: isinstance(self.screen, ConfirmQuit))
                    await pilot.press("y")
            asyncio.run(go())

        app_module.DrillApp.run = headless
        sys.exit(cli.main(["play", "--journal", {str(tmp_path / "d.sqlite")!r}]))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DRILL_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == cli.EXIT_CANNOT_RUN, done.stderr[-2000:]
    assert "cannot write to the journal" in done.stderr
    assert "carry on with: drill play --resume" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
