"""Multi-site drills over a slow link: a terminal behind a link that brings the drill
server's frames slowly still receives a large one (an inject with a large attached
file, or the facilitator's welcome that holds it), however long that takes, as long as
its bytes keep coming. The keepalive's answer, and the answer to a
request sent meanwhile, wait behind that frame: the connection is not taken for dead
while the frame is arriving, only when nothing at all comes from the server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from net_helpers import SlowLink, net_scenario, serving, until, with_large_attachment

from sim.engine import Action
from sim.net.client import DrillClient

#: the attached file, and the rate the link brings the server's bytes at: the frame that
#: carries the file takes about 3 seconds, several times the timeouts below
FILE_BYTES = 360_000
RATE = 120_000
#: the terminal's timeouts in these tests (seconds), made small so that each test is quick
TIMEOUTS: dict[str, Any] = {"ping_interval": 0.3, "ping_timeout": 0.8, "answer_timeout": 0.8}
WELCOME_TIMEOUT = 0.8

ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")


@pytest.fixture
def loaded(scenario_data, load, tmp_path):
    """The two-team drill, with a large log attached to inject L (cert-a, T+01:30)."""
    return load(with_large_attachment(net_scenario(scenario_data), tmp_path, FILE_BYTES))


@contextlib.asynccontextmanager
async def behind_slow_link(loaded, tmp_path) -> AsyncIterator[tuple[Any, dict[str, str],
                                                                    SlowLink]]:
    """The drill served at T+01:10 (inject 1 has reached cert-a), and a slow link to it."""
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        server.clock.jump_to(server.session.now)
        link = await SlowLink(server.port, RATE).start()
        try:
            yield server, urls, link
        finally:
            await link.stop()


def log_text(client: DrillClient) -> str | None:
    """The text of the log attached to inject L, as cert-a's inbox shows it."""
    assert client.state is not None
    item = client.state.item("cert-a", "inject:L")
    return item.files[0]["content"] if item is not None and item.files else None


async def test_the_facilitator_joins_over_a_slow_link_however_long_the_welcome_takes(
        loaded, tmp_path):
    async with behind_slow_link(loaded, tmp_path) as (_, urls, link):
        client = DrillClient(link.url(urls["facilitator"]), reconnect=False, **TIMEOUTS)
        started = time.monotonic()
        try:
            await client.connect(timeout=WELCOME_TIMEOUT)  # no error: it joined
            took = time.monotonic() - started
            assert client.scenario is not None and client.access == "facilitator"
            inject = next(i for i in client.scenario.injects if i.id == "L")
            assert inject.artefact_files[0].content == (tmp_path / "log.txt").read_text()
            assert took > 2 * WELCOME_TIMEOUT  # the welcome took longer than the timeout
        finally:
            await client.close()


async def test_a_team_receives_a_large_inject_over_a_slow_link_without_dropping(
        loaded, tmp_path):
    async with behind_slow_link(loaded, tmp_path) as (server, urls, link):
        said: list[str] = []
        team = DrillClient(link.url(urls["cert-a"]), on_status=said.append, **TIMEOUTS)
        await team.connect(timeout=WELCOME_TIMEOUT)
        try:
            await asyncio.sleep(1.0)  # a few keepalive pings, answered at once
            server.session.advance_to(91)  # inject L, with its log, goes to cert-a
            server.clock.jump_to(server.session.now)
            await asyncio.sleep(0.2)
            # the team escalates while the inject is arriving: the answer waits behind it
            await asyncio.wait_for(team.act(ESCALATE), 10)
            await until(lambda: log_text(team) is not None, timeout=10)
            assert log_text(team) == (tmp_path / "log.txt").read_text()
            assert not [line for line in said if line.startswith("connection lost")]
            assert team.connected
            escalations = [e for e in server.session.engine.log if e.type == "message_sent"
                           and e.actor == "cert-a" and e.details.get("by") == "human"]
            assert len(escalations) == 1
        finally:
            await team.close()


async def test_a_link_that_goes_silent_in_the_middle_of_a_large_frame_is_taken_for_dead(
        loaded, tmp_path):
    async with behind_slow_link(loaded, tmp_path) as (server, urls, link):
        said: list[tuple[float, str]] = []
        team = DrillClient(link.url(urls["cert-a"]),
                           on_status=lambda line: said.append((time.monotonic(), line)),
                           **TIMEOUTS)
        await team.connect(timeout=WELCOME_TIMEOUT)
        try:
            server.session.advance_to(91)
            server.clock.jump_to(server.session.now)
            await asyncio.sleep(1.0)  # a third of the frame has come
            link.flowing.clear()
            silent = time.monotonic()
            await until(lambda: any(line.startswith("connection lost") for _, line in said),
                        timeout=5)
            lost = next(at for at, line in said if line.startswith("connection lost"))
            # noticed within a ping's interval and timeout (and some slack)
            assert lost - silent < TIMEOUTS["ping_interval"] + TIMEOUTS["ping_timeout"] + 1.0
            link.flowing.set()
            # once the link is back the terminal reconnects, and the inject comes whole
            await until(lambda: log_text(team) is not None, timeout=15)
            assert log_text(team) == (tmp_path / "log.txt").read_text()
        finally:
            await team.close()


async def test_a_server_that_never_answers_the_hello_is_still_given_up_on():
    from websockets.asyncio.server import serve

    from sim.net.client import DrillConnectionError

    async def silent(ws) -> None:
        await ws.recv()
        await asyncio.sleep(30)

    server = await serve(silent, "127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(DrillConnectionError, match="did not answer the hello"):
            await DrillClient(f"ws://127.0.0.1:{port}/?token=abc", reconnect=False).connect(
                timeout=WELCOME_TIMEOUT)
    finally:
        server.close()
    assert time.monotonic() - started < WELCOME_TIMEOUT + 2
