"""The terminal UI after a reset from the drill server (the host resumed from an earlier
copy of its journal, or the terminal reconnected into another drill): nothing it kept
from the timeline it was following stays in the way of the one it follows now.

- the review opens again when the drill, as it now stands, ends;
- people's actions are announced again, even those numbered as ones of the lost timeline;
- a review or form open at the reset (built from the old timeline) is closed, and the
  facilitator is told the drill started again."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario
from net_helpers import until as until_true
from test_tui import until

import tui.app
from sim.engine import Action
from sim.net.client import DrillClient
from sim.net.invites import TokenStore
from sim.net.remote import RemoteSession
from sim.net.server import DrillServer
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen
from tui.forms import ObservationForm
from tui.screens.review import ReviewScreen

RESET_WORDS = "started again"


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    """The review's comparison with the model is not what is tested: no runs."""
    monkeypatch.setattr(tui.app, "MODEL_RUNS", 0)


class Host:
    """``drill host`` in this process: a drill served on a fixed port, which can be
    stopped and resumed from the organisers' early copy of its journal."""

    def __init__(self, loaded, tmp_path: Path):
        self.tmp = tmp_path
        self.journal = tmp_path / "d.journal.sqlite"
        self.session = DrillSession.start(loaded, human=["cert-a", "cert-b"],
                                          journal_path=self.journal)
        self.server = DrillServer(self.session, TokenStore.for_journal(self.journal))
        self.port = 0

    async def start(self) -> str:
        await self.server.start()
        self.port = self.server.port
        url = self.server.invite("facilitator")[0]
        assert self.session.journal is not None
        self.session.journal.commit()
        for suffix in ("", ".tokens"):  # the organisers' copy, early in the drill
            shutil.copy(f"{self.journal}{suffix}", f"{self.tmp}/backup{suffix}")
        return url

    async def run_to(self, t: float) -> None:
        self.session.advance_to(t)
        self.server.clock.jump_to(self.session.now)

    async def resume_from_copy(self) -> None:
        """The laptop's journal is lost: the drill carries on from the early copy."""
        await self.server.stop()
        self.session.close()
        for suffix in ("", ".tokens"):
            shutil.copy(f"{self.tmp}/backup{suffix}", f"{self.journal}{suffix}")
        self.session = DrillSession.resume(self.journal)
        self.server = DrillServer(self.session, TokenStore.for_journal(self.journal).load(),
                                  port=self.port)
        await self.server.start()

    async def close(self) -> None:
        await self.server.stop()
        self.session.close()


@contextlib.asynccontextmanager
async def console(loaded, tmp_path) -> AsyncIterator[tuple[Host, DrillApp, Any, DrillClient]]:
    """The facilitator's console joined to a drill served in this process."""
    host = Host(loaded, tmp_path)
    url = await host.start()
    client = DrillClient(url)
    try:
        await client.connect()
        app = DrillApp(RemoteSession(client), tick=0.05)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            yield host, app, pilot, client
    finally:
        await client.close()
        await host.close()


def messages(app: DrillApp) -> list[str]:
    return [n.message for n in app._notifications]


async def reset(host: Host, client: DrillClient, pilot) -> None:
    """Resume the host from its early copy; wait for the console to follow it again."""
    await host.resume_from_copy()
    await until_true(lambda: client.connected and client.seq == host.server.streams["*"].last
                     and not client.finished, timeout=15)
    for _ in range(5):  # a few of the app's ticks: it redraws from the new read model
        await pilot.pause(0.06)


async def test_the_review_opens_again_when_the_resumed_drill_ends(loaded, tmp_path):
    async with console(loaded, tmp_path) as (host, app, pilot, client):
        await host.run_to(3 * 24 * 60)  # the drill ends: the review opens (the hot wash)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                    and messages(app).count("The drill has ended.") == 1)
        await reset(host, client, pilot)
        # the review of the lost timeline is closed, and the facilitator is told why
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and any(RESET_WORDS in m for m in messages(app)))
        assert not any(isinstance(s, ReviewScreen) for s in app.screen_stack)
        # the drill, as it now stands, ends: the review opens again
        await host.run_to(3 * 24 * 60)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                    and messages(app).count("The drill has ended.") == 2)
        assert app.screen.review.events == list(app.session.events)


async def test_the_review_opens_again_after_the_first_one_was_closed(loaded, tmp_path):
    async with console(loaded, tmp_path) as (host, app, pilot, client):
        await host.run_to(3 * 24 * 60)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("q")  # the facilitator closes the review of the first ending
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        await reset(host, client, pilot)
        await until(pilot, lambda: any(RESET_WORDS in m for m in messages(app)))
        assert isinstance(app.screen, FacilitatorScreen)
        await host.run_to(3 * 24 * 60)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))


async def test_a_form_open_at_the_reset_is_closed_and_nothing_of_it_is_sent(
        loaded, tmp_path):
    async with console(loaded, tmp_path) as (host, app, pilot, client):
        await host.run_to(90)
        await pilot.press("o")  # an evaluator's note, about the drill as it was
        await until(pilot, lambda: isinstance(app.screen, ObservationForm))
        await reset(host, client, pilot)
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and any(RESET_WORDS in m for m in messages(app)))
        assert host.session.notes == []


async def test_peoples_actions_are_announced_again_after_a_reset(loaded, tmp_path):
    acknowledge = Action(actor="cert-a", verb="acknowledge", incident="x",
                         refs=["inject:1"])

    def toasts(app: DrillApp) -> list[str]:
        return [m for m in messages(app) if "(person)" in m]

    async with console(loaded, tmp_path) as (host, app, pilot, client):
        await host.run_to(90)  # inject 1 has reached cert-a
        await pilot.pause(0.1)
        host.session.act(acknowledge)  # a person at cert-a acknowledges it
        await until(pilot, lambda: len(toasts(app)) == 1)
        await reset(host, client, pilot)
        # the same drill, from the copy made before: the same action, numbered as before
        await host.run_to(90)
        await pilot.pause(0.2)
        host.session.act(acknowledge)
        await until(pilot, lambda: len(toasts(app)) == 2)
