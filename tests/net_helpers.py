"""Shared builders for the multi-site drill tests: a small drill served in-process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from sim.net import protocol as P
from sim.net.invites import TokenStore
from sim.net.server import DrillServer
from sim.runs.session import DrillSession
from sim.runs.view import DrillState

SECRET_A = "RED-FOR-CERT-A-ONLY sinkhole 203.0.113.77"
SECRET_B = "AMBER-FOR-CERT-B-ONLY victim list"
NOTE_A = "PRIVATE-NOTE-FROM-A to the council"


def net_scenario(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computable drill with two teams, each sent an item the other must not see."""
    data["injects"] += [
        {"id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "RED", "title": "Sinkhole data", "text": SECRET_A, "incident": {"id": "x"}},
        {"id": "3", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "AMBER", "title": "Victims", "text": SECRET_B, "incident": {"id": "x"}},
    ]
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "escalate", "target": "council",
         "incident": "x", "within": "2h"},
        {"id": "E2", "actors": ["cert-b"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "3"},
    ]
    return data


@contextlib.asynccontextmanager
async def serving(loaded, tmp_path: Path, human=("cert-a", "cert-b"), **kw: Any
                  ) -> AsyncIterator[tuple[DrillServer, dict[str, str]]]:
    """A drill server on a free local port, and one invitation per role, facilitator, observer."""
    session = DrillSession.start(loaded, human=list(human),
                                 journal_path=tmp_path / "d.journal.sqlite")
    server = DrillServer(session, TokenStore.for_journal(session.path), **kw)
    await server.start()
    urls = {role: server.invite("player", role)[0] for role in human}
    urls["facilitator"] = server.invite("facilitator")[0]
    urls["observer"] = server.invite("observer")[0]
    try:
        yield server, urls
    finally:
        await server.stop()
        session.close()


class Raw:
    """A bare WebSocket connection that keeps every frame it receives, as received."""

    def __init__(self, ws):
        self.ws = ws
        self.frames: list[str] = []
        #: the frames decoded so far, in order (each frame is decoded once)
        self._decoded: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.frames.append(raw)

    def messages(self) -> list[dict[str, Any]]:
        """Every frame received so far, decoded (each frame is decoded once: a long
        exchange would otherwise decode all its frames again at every wait)."""
        self._decoded.extend(json.loads(f) for f in self.frames[len(self._decoded):])
        return list(self._decoded)

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [m for m in self.messages() if m["type"] == type_]

    async def send(self, data: Any) -> None:
        await self.ws.send(data if isinstance(data, (str, bytes)) else json.dumps(data))

    async def until(self, pred, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not pred(self):
            if loop.time() > end:
                raise AssertionError("timed out waiting for frames")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(Exception):
            await self.task


async def raw_join(url: str, since: int = 0, version: int = P.PROTOCOL_VERSION,
                   token: str | None = None) -> Raw:
    base, tok = url.split("?token=")
    ws = await connect(base, max_size=P.MAX_SERVER_FRAME)
    await ws.send(json.dumps({"type": "hello", "version": version, "token": token or tok,
                              "since": since}))
    return Raw(ws)


async def until(pred, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


async def serving_frames(frames: list[str]):
    """A stand-in server that answers any hello with ``frames``; returns (server, url)."""
    from websockets.asyncio.server import serve

    async def handle(ws):
        await ws.recv()
        for frame in frames:
            await ws.send(frame)
        await asyncio.sleep(30)

    server = await serve(handle, "127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/?token=abc"


class SlowLink:
    """A TCP relay standing for a slow network between a terminal and the drill server:
    the server's bytes reach the terminal at ``rate`` bytes a second, the terminal's
    reach the server at once. Clearing ``flowing`` makes it go silent without a reset:
    from the server to the terminal, or both ways (``silent_both_ways``)."""

    def __init__(self, server_port: int, rate: int, silent_both_ways: bool = False):
        self.server_port = server_port
        self.rate = rate
        self.silent_both_ways = silent_both_ways
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._ends: list[asyncio.StreamWriter] = []
        self._relays: set[asyncio.Task[Any]] = set()

    async def start(self) -> SlowLink:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, invitation: str) -> str:
        """``invitation``, through the link."""
        return invitation.replace(f":{self.server_port}/", f":{self.port}/")

    async def _handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        sr, sw = await asyncio.open_connection("127.0.0.1", self.server_port)
        self._ends += [cw, sw]

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, slow: bool) -> None:
            try:
                while data := await r.read(4096 if slow else 65536):
                    if slow or self.silent_both_ways:
                        await self.flowing.wait()  # silent: held until the link is back
                    w.write(data)
                    await w.drain()
                    if slow:
                        await asyncio.sleep(len(data) / self.rate)
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    w.close()

        await asyncio.gather(pipe(cr, sw, False), pipe(sr, cw, True))
        self._relays.discard(task)

    async def stop(self) -> None:
        """Close every connection it relays, and wait for its relays to end."""
        self.flowing.set()
        if self._server is not None:
            self._server.close()
        for end in self._ends:
            end.close()
        if self._relays:
            await asyncio.wait(self._relays, timeout=2)


class FullDisk:
    """A journal's database connection on a full disk (or a failing one, with another
    ``error``): every write fails as SQLite's does, reads go on."""

    def __init__(self, conn: sqlite3.Connection, error: str = "database or disk is full"):
        self.conn = conn
        self.error = error

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            raise sqlite3.OperationalError(self.error)
        return self.conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        raise sqlite3.OperationalError(self.error)

    def commit(self) -> None:
        raise sqlite3.OperationalError(self.error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


#: a line of a web server's log, for a large attached file
_LOG_LINE = "203.0.113.5 - - GET /beacon HTTP/1.1 200 MARK-{i}\n"


def with_large_attachment(data: dict[str, Any], folder: Path, size: int) -> dict[str, Any]:
    """``data`` (a :func:`net_scenario`) with inject L (cert-a, T+01:30) carrying a log of
    ``size`` bytes written in ``folder``."""
    text = "".join(_LOG_LINE.format(i=i) for i in range(size // len(_LOG_LINE) + 1))
    (folder / "log.txt").write_text(text[:size], encoding="utf-8")
    data["injects"].append({
        "id": "L", "at": "T+01:30", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "AMBER", "title": "a day of logs", "artefacts": [{"file": "log.txt"}],
        "incident": {"id": "x"}})
    return data


def control_state(session: DrillSession) -> DrillState:
    """Exercise control's read model of a drill run here (the hot seat's, or the host's
    console): its whole log, and the engine's anchors."""
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    state.use_anchors(session.anchors)
    return state


def todo_rows(state: DrillState, role: str) -> list[tuple[str, str, float | None]]:
    """A role's to-do list as (expectation, status, deadline) rows."""
    return [(x.id, x.status, x.deadline_at) for x in state.todo(role)]
