"""A resumed drill keeps the hot seat's order: `h` goes through the roles given with
`--role`, as given, then those handed to a person with `r`, in the order they were
handed over; never in the scenario's order (the room was told which team comes next)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("textual")

from test_tui_next_role_order import console, hand_over, roles_in_turn

import tui.app
from scenarios import load_scenario, resolve_scenario_arg
from sim import cli
from sim.runs.session import DrillSession
from tui.app import DrillApp

DEFAULT = resolve_scenario_arg(None)


def test_a_resumed_drill_gives_the_roles_in_the_order_given_then_handed_over(tmp_path):
    path = tmp_path / "order.sqlite"
    # the scenario lists certph before thaicert, and mycert before vncert
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["thaicert", "certph"],
                                 journal_path=path)
    try:
        session.set_human("vncert", True)
        session.set_human("mycert", True)
        assert session.people_order() == ["thaicert", "certph", "vncert", "mycert"]
    finally:
        session.close()
    resumed = DrillSession.resume(path)
    try:
        assert resumed.people_order() == ["thaicert", "certph", "vncert", "mycert"]
        # handed back and over again: it comes last; a role handed back is left out
        resumed.set_human("vncert", False)
        resumed.set_human("vncert", True)
        resumed.set_human("certph", False)
        assert resumed.people_order() == ["thaicert", "mycert", "vncert"]
    finally:
        resumed.close()
    again = DrillSession.resume(path)
    try:
        assert again.people_order() == ["thaicert", "mycert", "vncert"]
    finally:
        again.close()


def test_drill_play_resume_keeps_the_hot_seat_order(tmp_path, monkeypatch):
    """As `drill play --role thaicert --role certph`, then `drill play --resume` do it,
    with the app driven headless: `v` and `h` go through the roles as they did before."""
    path = tmp_path / "play.sqlite"
    seen: list[tuple[list[str], list[str]]] = []

    def run(handed: tuple[str, ...]):
        def headless(self: DrillApp, *args, **kwargs) -> None:
            async def go() -> None:
                async with self.run_test(size=(120, 36)) as pilot:
                    await console(pilot, self)
                    for role in handed:
                        await hand_over(pilot, self, role)
                    people = self.people()
                    seen.append((people, await roles_in_turn(pilot, self, len(people) + 1)))
                    self.exit()

            asyncio.run(go())

        return headless

    monkeypatch.setattr(tui.app.DrillApp, "run", run(("vncert", "mycert")))
    assert cli.main(["play", str(DEFAULT), "--journal", str(path),
                     "--role", "thaicert", "--role", "certph"]) == cli.EXIT_OK
    monkeypatch.setattr(tui.app.DrillApp, "run", run(()))
    assert cli.main(["play", "--resume", str(path)]) == cli.EXIT_OK
    order = ["thaicert", "certph", "vncert", "mycert"]
    assert seen == [(order, [*order, "thaicert"])] * 2


def test_a_drill_without_people_resumes_without_any(tmp_path):
    path = Path(tmp_path / "none.sqlite")
    DrillSession.start(load_scenario(DEFAULT), seed=0, journal_path=path).close()
    resumed = DrillSession.resume(path)
    try:
        assert resumed.people_order() == []
    finally:
        resumed.close()
