"""The drill server's keepalive over a slow link: its ping waits behind a large frame it
is still sending (an inject with a large attached file), and so does the terminal's
answer. The server does not drop a terminal as dead while that frame is on its way, nor
one still sending it something; it still drops one that has gone silent."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from net_helpers import SlowLink, net_scenario, serving, until, with_large_attachment
from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State

import sim.net.server as server_module
from sim.net import protocol as P

#: the attached file, and the rate the link brings the server's bytes at (bytes a second):
#: the frame that carries the file takes about 3 seconds, several times the timeouts
FILE_BYTES = 360_000
RATE = 120_000
#: the server's keepalive, made short so that each test is quick (seconds)
PINGS: dict[str, Any] = {"ping_interval": 0.3, "ping_timeout": 0.8}


@pytest.fixture
def loaded(scenario_data, load, tmp_path):
    """The two-team drill, with a large log attached to inject L (cert-a, T+01:30)."""
    return load(with_large_attachment(net_scenario(scenario_data), tmp_path, FILE_BYTES))


class Terminal:
    """A bare terminal joined through the link, which never pings the server itself:
    whether it stays connected is the server's keepalive's doing alone."""

    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.frames.append(json.loads(raw))

    def log_text(self) -> str | None:
        for frame in self.frames:
            event = frame.get("event") or {}
            if event.get("type") == "inject_delivered" and event["details"]["inject"] == "L":
                return str(event["details"]["files"][0]["content"])
        return None

    @property
    def open(self) -> bool:
        return self.ws.state is State.OPEN

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 2)
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def join(url: str, port: int) -> Terminal:
    base, token = url.split("?token=")
    base = base.rsplit(":", 1)[0] + f":{port}/"
    ws = await connect(base, max_size=P.MAX_SERVER_FRAME, ping_interval=None,
                       compression=None)
    await ws.send(json.dumps({"type": "hello", "version": P.PROTOCOL_VERSION,
                              "token": token, "since": 0, "mark": ""}))
    return Terminal(ws)


@contextlib.asynccontextmanager
async def slow_team(loaded, tmp_path) -> AsyncIterator[tuple[Any, Terminal, SlowLink]]:
    """The drill at T+01:10 with the server's keepalive made short, and cert-a's
    terminal behind a slow link to it."""
    async with serving(loaded, tmp_path, **PINGS) as (server, urls):
        server.session.advance_to(70)
        server.clock.jump_to(server.session.now)
        link = await SlowLink(server.port, RATE, silent_both_ways=True).start()
        team = await join(urls["cert-a"], link.port)
        try:
            await until(lambda: any(f["type"] == "due" for f in team.frames))
            yield server, team, link
        finally:
            await team.close()
            await link.stop()


def deliver_the_log(server) -> None:
    server.session.advance_to(91)  # inject L, with its log, goes to cert-a
    server.clock.jump_to(server.session.now)


async def test_a_terminal_receiving_a_large_frame_over_a_slow_link_is_not_dropped(
        loaded, tmp_path):
    async with slow_team(loaded, tmp_path) as (server, team, _link):
        await asyncio.sleep(1.0)  # a few keepalive pings, answered at once
        assert team.open
        started = time.monotonic()
        deliver_the_log(server)
        await until(lambda: team.log_text() is not None or not team.open, timeout=15)
        took = time.monotonic() - started
        # the whole log came, though it took far longer than the keepalive's timeout
        assert team.log_text() == (tmp_path / "log.txt").read_text()
        assert took > 2 * (PINGS["ping_interval"] + PINGS["ping_timeout"])
        # and the terminal is still connected once it has, its keepalive answered again
        await asyncio.sleep(2 * (PINGS["ping_interval"] + PINGS["ping_timeout"]))
        assert team.open and len(server.conns) == 1


async def test_a_terminal_that_falls_silent_is_still_dropped(loaded, tmp_path):
    async with slow_team(loaded, tmp_path) as (server, _team, link):
        await asyncio.sleep(1.0)
        assert len(server.conns) == 1
        link.flowing.clear()  # nothing comes from it, and nothing reaches it
        silent = time.monotonic()
        await until(lambda: not server.conns, timeout=10)
        # noticed within a ping's interval and timeout (and some slack)
        assert time.monotonic() - silent < PINGS["ping_interval"] + PINGS["ping_timeout"] + 1.0


async def test_a_terminal_that_falls_silent_in_a_large_frame_is_dropped_once_it_would_have_come(
        loaded, tmp_path, monkeypatch):
    # the slowest link the server waits for, made fast so that the test is quick: the
    # frame would take about a second at that rate
    monkeypatch.setattr(server_module, "SLOWEST_LINK", 4 * RATE)
    async with slow_team(loaded, tmp_path) as (server, team, link):
        deliver_the_log(server)
        await asyncio.sleep(1.0)  # a third of the frame has come
        link.flowing.clear()
        silent = time.monotonic()
        await until(lambda: not server.conns, timeout=10)
        assert time.monotonic() - silent < (PINGS["ping_interval"] + PINGS["ping_timeout"]
                                            + FILE_BYTES / (4 * RATE) + 1.5)
        assert team.log_text() is None
