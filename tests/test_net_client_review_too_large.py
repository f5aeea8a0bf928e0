"""A frame too large for the client (an event or a welcome over its limit, closed with
code 1009) stops the client with one clear line instead of reconnecting forever: the same
frame would come again on every reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from net_helpers import net_scenario, serving, until

from sim.engine import ActionError
from sim.net import protocol as P
from sim.net.client import DrillClient, DrillConnectionError

#: the client's limit in these tests (the server's frames are not limited by it)
LIMIT = 256 * 1024


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(P, "MAX_SERVER_FRAME", LIMIT)


@pytest.fixture
def loaded(scenario_data, load, tmp_path):
    """cert-a is sent a log file larger than the client's limit at T+10:00."""
    (tmp_path / "log.txt").write_text(
        ("203.0.113.5 - - GET /beacon HTTP/1.1 200\n" * 10_000)[:LIMIT + 50_000])
    data = net_scenario(scenario_data)
    data["injects"].append({"id": "L", "at": "T+10:00", "sender": "ctl", "to": ["cert-a"],
                            "via": "email", "tlp": "AMBER", "title": "a week of logs",
                            "artefacts": [{"file": "log.txt"}], "incident": {"id": "x"}})
    return load(data)


def said_too_large(text: str) -> bool:
    return ("larger than this client accepts" in text and "facilitator" in text
            and "smaller" in text and "\n" not in text)


async def test_an_event_too_large_stops_the_player_and_says_so(small_limit, loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        statuses: list[str] = []
        client = DrillClient(urls["cert-a"], on_status=statuses.append)
        try:
            await client.connect()
            server.session.advance_to(700)
            server.clock.jump_to(server.session.now)
            await until(lambda: client.failure is not None, timeout=5)
            assert isinstance(client.failure, DrillConnectionError)
            assert said_too_large(str(client.failure))
            assert statuses == [str(client.failure)]
            await asyncio.sleep(1.0)  # longer than the first back-off: no reconnection
            assert not client.connected
            assert statuses == [str(client.failure)]
            assert client.seq < server.streams["cert-a"].last
        finally:
            await client.close()


async def test_a_welcome_too_large_is_said_so_at_once(small_limit, loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_, urls):
        for who in ("facilitator", "observer"):
            client = DrillClient(urls[who])
            try:
                with pytest.raises(DrillConnectionError) as refused:
                    await client.connect()
                assert said_too_large(str(refused.value))
                assert "did not answer" not in str(refused.value)
            finally:
                await client.close()
        # the player's welcome holds no MSEL: cert-a joins
        player = DrillClient(urls["cert-a"])
        try:
            await player.connect()
            assert player.connected
        finally:
            await player.close()


@contextlib.asynccontextmanager
async def stand_in(loaded, *, then: str) -> AsyncIterator[tuple[str, list[dict]]]:
    """A stand-in server whose first connection is a small welcome followed by ``then``:
    ``close1009`` (the server closes for a message too big) or ``close1001`` (it goes
    away; the next welcome is too large). Yields its invitation and the hellos it got."""
    from websockets.asyncio.server import serve

    scenario = {**loaded.scenario.model_dump(mode="json"), "injects": []}  # a player's
    hellos: list[dict] = []

    def welcome(padding: str = "") -> str:
        return json.dumps({
            "type": "welcome", "version": P.PROTOCOL_VERSION, "access": "player",
            "role": "cert-a", "token_id": "cert-a-1", "drill": "d1" + padding,
            "scenario": scenario, "human": ["cert-a"], "last": 0, "notes": [],
            "clock": {"type": "clock", "drill_time": 0.0, "running": False, "speed": 60.0,
                      "finished": False}})

    async def handle(ws):
        hellos.append(json.loads(await ws.recv()))
        if len(hellos) > 1:
            await ws.send(welcome(" " * (LIMIT + 10)))
        else:
            await ws.send(welcome())
            await asyncio.sleep(0.2)
            await ws.close(1009 if then == "close1009" else P.CLOSE_GOING_AWAY)
            return
        await asyncio.sleep(30)

    server = await serve(handle, "127.0.0.1", 0, max_size=None)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/?token=abc", hellos
    finally:
        server.close()


@pytest.mark.parametrize("then", ["close1009", "close1001"])
async def test_a_close_for_a_message_too_big_is_no_reason_to_reconnect(small_limit, loaded,
                                                                        then):
    async with stand_in(loaded, then=then) as (url, hellos):
        statuses: list[str] = []
        client = DrillClient(url, on_status=statuses.append)
        try:
            await client.connect()
            await until(lambda: client.failure is not None, timeout=5)
            assert said_too_large(str(client.failure))
            assert statuses[-1] == str(client.failure)
            connections = len(hellos)
            await asyncio.sleep(1.0)
            assert len(hellos) == connections == (1 if then == "close1009" else 2)
            assert not client.connected
        finally:
            await client.close()


async def test_a_request_too_large_to_send_is_refused_here(loaded, tmp_path):
    """The client never sends what the server would close the connection for (over its
    hard limit): the request is refused, the connection stays up, nothing is reported
    as the drill's events being too large."""
    async with serving(loaded, tmp_path) as (_, urls):
        client = DrillClient(urls["facilitator"])
        try:
            await client.connect()
            for size in (P.MAX_CLIENT_FRAME + 1, P.HARD_CLIENT_FRAME + 10):
                with pytest.raises(ActionError, match="too large"):
                    await client.request("note", timeout=3, text="y" * size)
            await asyncio.sleep(0.3)
            assert client.failure is None and client.connected
            await client.add_note("an ordinary note")
            assert [n.text for n in client.notes] == ["an ordinary note"]
        finally:
            await client.close()
