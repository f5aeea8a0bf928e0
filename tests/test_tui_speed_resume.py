"""The speed chosen with + and - is kept in the journal: a resumed drill runs at it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("textual")

from test_tui import until

import tui.app
from scenarios import load_scenario, resolve_scenario_arg
from sim import cli
from sim.runs.session import DrillSession, Journal
from tui.app import DrillApp

DEFAULT = resolve_scenario_arg(None)


def journal_speed(path: Path) -> float:
    journal = Journal.open(path, readonly=True)
    try:
        return float(journal.meta()["speed"])
    finally:
        journal.close()


async def test_the_speed_is_in_the_journal_once_changed_and_after_quitting(tmp_path):
    path = tmp_path / "speed.sqlite"
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=path)
    app = DrillApp(session, speed=session.speed)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.press("plus")
        await pilot.press("plus")
        await pilot.pause()
        assert app.clock.speed == 600
        assert session.speed == 600  # kept as soon as it is chosen
        await pilot.press("minus")
        await pilot.pause()
        assert session.speed == 300
    # the app has closed the session (and its journal)
    assert session.journal is None
    assert journal_speed(path) == 300
    resumed = DrillSession.resume(path)
    try:
        assert resumed.speed == 300
    finally:
        resumed.close()


def test_drill_play_resume_carries_on_at_the_speed_chosen_with_plus(tmp_path, monkeypatch):
    """As `drill play` then `drill play --resume` do it, with the app driven headless."""
    path = tmp_path / "play.sqlite"
    seen: list[float] = []

    def run(keys: tuple[str, ...]):
        def headless(self: DrillApp, *args, **kwargs) -> None:
            async def go() -> None:
                async with self.run_test(size=(120, 36)) as pilot:
                    await until(pilot, lambda: getattr(self.screen, "ready", False))
                    for key in keys:
                        await pilot.press(key)
                    await pilot.pause()
                    seen.append(self.clock.speed)
                    self.exit()

            asyncio.run(go())

        return headless

    monkeypatch.setattr(tui.app.DrillApp, "run", run(("plus", "plus")))
    assert cli.main(["play", str(DEFAULT), "--journal", str(path)]) == cli.EXIT_OK
    assert journal_speed(path) == 600
    monkeypatch.setattr(tui.app.DrillApp, "run", run(()))
    assert cli.main(["play", "--resume", str(path)]) == cli.EXIT_OK
    assert seen == [600, 600]
