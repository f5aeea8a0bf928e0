"""After the host resumes an earlier copy of its journal, every terminal shows the drill
time of the server, those that stayed open too: one whose team had nothing new since the
copy (so its events are the server's, and it is not started again) goes back to the
server's drill time instead of keeping the later time it showed before."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from net_helpers import net_scenario, until

from scenarios.durations import format_drill_time
from sim.net.client import DrillClient
from sim.net.invites import TokenStore
from sim.net.server import DrillServer
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


class Host:
    """``drill host`` in this process, which can be stopped and resumed from a copy of
    its journal taken early in the drill."""

    def __init__(self, loaded, tmp_path: Path):
        self.tmp = tmp_path
        self.journal = tmp_path / "d.journal.sqlite"
        self.session = DrillSession.start(loaded, human=["cert-a", "cert-b"],
                                          journal_path=self.journal)
        self.server = DrillServer(self.session, TokenStore.for_journal(self.journal))

    async def start(self) -> None:
        await self.server.start()

    def copy_journal(self) -> None:
        assert self.session.journal is not None
        self.session.journal.commit()
        for suffix in ("", ".tokens"):
            shutil.copy(f"{self.journal}{suffix}", f"{self.tmp}/backup{suffix}")

    async def resume_from_copy(self) -> None:
        """The laptop's journal is lost: the drill carries on from the copy."""
        port = self.server.port
        await self.server.stop()
        self.session.close()
        for suffix in ("", ".tokens"):
            shutil.copy(f"{self.tmp}/backup{suffix}", f"{self.journal}{suffix}")
        self.session = DrillSession.resume(self.journal)
        self.server = DrillServer(self.session, TokenStore.for_journal(self.journal).load(),
                                  port=port)
        await self.server.start()

    async def close(self) -> None:
        await self.server.stop()
        self.session.close()


@contextlib.asynccontextmanager
async def resumed_under_an_open_terminal(loaded, tmp_path) -> AsyncIterator[
        tuple[Host, DrillClient, list[str], list[int]]]:
    """cert-b's terminal joins at T+00:05 (when the journal is copied) and stays open; the
    facilitator moves the drill on to T+01:00 (inject 1, to cert-a only: nothing new for
    cert-b) and pauses; the host dies and resumes the copy. Yields the host, cert-b's
    client, what it said, and the resets it was told of."""
    host = Host(loaded, tmp_path)
    await host.start()
    url = host.server.invite("player", "cert-b")[0]
    host.server.clock_op("jump", None, 5)
    host.copy_journal()
    said: list[str] = []
    team = DrillClient(url, on_status=said.append)
    resets: list[int] = []
    team.on_reset(lambda: resets.append(team.seq))
    await team.connect()
    try:
        host.server.clock_op("jump", None, 60)
        await until(lambda: team.now >= 60)
        await host.resume_from_copy()
        await until(lambda: team.connected and "reconnected" in said, timeout=15)
        yield host, team, said, resets
    finally:
        await team.close()
        await host.close()


async def test_a_terminal_left_open_goes_back_to_the_servers_drill_time(loaded, tmp_path):
    async with resumed_under_an_open_terminal(loaded, tmp_path) as (host, team, _, resets):
        assert resets == []  # its events are the server's: it was not started again
        server_time = host.server.clock_state().drill_time
        assert server_time < 60 and not host.server.clock.running
        assert team.now == server_time  # the welcome's drill time, not T+01:00 as before
        host.server.clock_op("jump", None, 40)  # the facilitator moves the drill on again
        await until(lambda: team.clock.base == pytest.approx(40))
        assert team.now == pytest.approx(40)
        assert team.state is not None and team.state.now == pytest.approx(40)
        fresh = DrillClient(host.server.invite("player", "cert-b")[0])
        await fresh.connect()
        try:
            assert fresh.now == team.now == pytest.approx(40)  # as a terminal joining now
        finally:
            await fresh.close()
        assert not team.clock.running


async def test_the_clock_never_goes_back_between_two_clock_frames_of_one_connection(
        loaded, tmp_path):
    """Within one connection the terminal's drill time never goes back (a clock frame may
    lag behind the time it has shown): only a welcome sets it back."""
    async with resumed_under_an_open_terminal(loaded, tmp_path) as (host, team, _, _r):
        host.server.clock_op("jump", None, 40)
        await until(lambda: team.now == pytest.approx(40))
        assert team.state is not None
        team.state.now = 40.5  # shown meanwhile, as the terminal moves its clock on
        frames: list[object] = []
        team.on_clock(frames.append)
        host.server.broadcast_clock()  # a later frame that still says T+00:40
        await until(lambda: bool(frames))
        assert team.now == 40.5


async def test_the_role_view_left_open_shows_the_servers_drill_time(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_tui import until as until_drawn

    from sim.net.remote import RemoteSession
    from tui.app import DrillApp
    from tui.screens.live import clock_line

    async with resumed_under_an_open_terminal(loaded, tmp_path) as (host, team, _, _r):
        app = DrillApp(RemoteSession(team), tick=0.05)
        async with app.run_test(size=(110, 32)) as pilot:
            await until_drawn(pilot, lambda: getattr(app.screen, "ready", False))
            host.server.clock_op("jump", None, 40)
            await until_drawn(pilot, lambda: format_drill_time(40) in clock_line(app).plain)
            for _ in range(5):  # a few of the app's ticks: it stays there
                await pilot.pause(0.06)
            assert format_drill_time(40) in clock_line(app).plain
            assert format_drill_time(60) not in clock_line(app).plain
