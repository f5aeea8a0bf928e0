"""After a ``reset`` (the host resumed from an earlier copy of its journal, or the
terminal reconnected into another drill) the console's events start again from nothing,
as the read model does: the review never counts an event twice, nor one of a lost timeline."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import shutil
from collections.abc import AsyncIterator

import pytest
from net_helpers import net_scenario, until

from sim.net import protocol as P
from sim.net.client import DrillClient
from sim.net.invites import TokenStore
from sim.net.remote import RemoteSession
from sim.net.server import DrillServer
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def test_a_reset_from_the_server_starts_the_consoles_events_again(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    server = DrillServer(session, TokenStore.for_journal(journal))
    await server.start()
    port = server.port
    url = server.invite("observer")[0]
    session.journal.commit()
    # the organisers' copy of the journal (and its tokens), early in the drill
    for suffix in ("", ".tokens"):
        shutil.copy(f"{journal}{suffix}", f"{tmp_path}/backup{suffix}")
    client = DrillClient(url)
    session2 = server2 = None
    try:
        await client.connect()
        remote = RemoteSession(client)
        session.advance_to(400)
        server.clock.jump_to(session.now)
        await until(lambda: client.seq == server.streams["*"].last)
        before = len(remote.events)
        assert before > 2
        await server.stop()
        session.close()
        # the laptop's journal is lost: the drill carries on from the copy
        for suffix in ("", ".tokens"):
            shutil.copy(f"{tmp_path}/backup{suffix}", f"{journal}{suffix}")
        session2 = DrillSession.resume(journal)
        server2 = DrillServer(session2, TokenStore.for_journal(journal).load(), port=port)
        await server2.start()
        await until(lambda: client.connected and client.seq < before
                    and client.seq == server2.streams["*"].last, timeout=15)
        want = [json.loads(f)["event"]["seq"] for f in server2.streams["*"].frames]
        got = [e.seq for e in remote.events]
        assert got == want
        assert not [s for s, n in collections.Counter(got).items() if n > 1]
        assert len(remote.events) < before
        # the drill goes on from there, and the console follows it once
        session2.advance_to(200)
        server2.clock.jump_to(session2.now)
        await until(lambda: client.seq == server2.streams["*"].last)
        assert [e.seq for e in remote.events] == [
            json.loads(f)["event"]["seq"] for f in server2.streams["*"].frames]
    finally:
        await client.close()
        if server2 is not None:
            await server2.stop()
        if session2 is not None:
            session2.close()
        else:
            await server.stop()
            session.close()


def _frames(loaded):
    scenario = loaded.scenario.model_dump(mode="json")

    def welcome(drill: str, last: int) -> str:
        return json.dumps({
            "type": "welcome", "version": P.PROTOCOL_VERSION, "access": "observer",
            "role": None, "token_id": "obs-1", "drill": drill, "scenario": scenario,
            "human": [], "last": last, "notes": [],
            "clock": {"type": "clock", "drill_time": 0.0, "running": False, "speed": 60.0,
                      "finished": False}})

    def event(seq: int, engine_seq: int) -> str:
        return json.dumps({"type": "event", "seq": seq, "event": {
            "seq": engine_seq, "time": float(seq), "type": "something_new", "actor": None,
            "incident": None, "details": {}}})

    return welcome, event


@contextlib.asynccontextmanager
async def two_drills(loaded) -> AsyncIterator[tuple[str, list[dict]]]:
    """A stand-in server: the first connection is drill d1 (three events), then it goes
    away; every later one is drill d2 (one event). Yields its invitation and the hellos."""
    from websockets.asyncio.server import serve

    welcome, event = _frames(loaded)
    hellos: list[dict] = []

    async def handle(ws):
        hellos.append(json.loads(await ws.recv()))
        if len(hellos) == 1:
            for frame in (welcome("d1", 3), event(1, 10), event(2, 11), event(3, 12)):
                await ws.send(frame)
            await asyncio.sleep(0.3)
            await ws.close(P.CLOSE_GOING_AWAY)
            return
        for frame in (welcome("d2", 1), event(1, 50)):
            await ws.send(frame)
        await asyncio.sleep(30)

    server = await serve(handle, "127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/?token=abc", hellos
    finally:
        server.close()


async def test_reconnecting_into_another_drill_forgets_the_first_ones_events(loaded):
    async with two_drills(loaded) as (url, hellos):
        client = DrillClient(url)
        try:
            await client.connect()
            remote = RemoteSession(client)
            await until(lambda: len(hellos) == 2 and client.connected and client.drill == "d2"
                        and client.seq == 1)
            assert hellos[1]["drill"] == "d1" and hellos[1]["since"] == 3
            assert client.state.events == 1
            assert [e.seq for e in client.state.recent] == [50]
            assert [e.seq for e in remote.events] == [50]
            assert remote.seed == 0
        finally:
            await client.close()


async def test_listeners_hear_of_the_reset_before_the_events_sent_again(loaded):
    async with two_drills(loaded) as (url, _):
        client = DrillClient(url)
        heard: list[tuple[str, object, int]] = []
        client.on_reset(lambda: heard.append(("reset", client.drill, client.seq)))
        client.listen(lambda ev: heard.append(("event", client.drill, ev.seq)))
        try:
            await client.connect()
            assert heard == []  # the first welcome is no reset
            await until(lambda: client.drill == "d2" and client.seq == 1)
            assert heard == [("event", "d1", 10), ("event", "d1", 11), ("event", "d1", 12),
                             ("reset", "d2", 0), ("event", "d2", 50)]
        finally:
            await client.close()
