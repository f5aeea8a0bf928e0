"""Multi-site drills: a link that goes silent (packets vanish, no reset) while a team's
command is on its way. The terminal takes the silent connection for dead, says it is
reconnecting, and once the link is back sends the command again with its key: the drill
carries it out exactly once, and the player is told it was done."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest
from net_helpers import net_scenario, serving, until

from sim.engine import Action
from sim.net.client import DrillClient, Unanswered


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")

#: how long the link stays silent in these tests, seconds
SILENCE = 2.5


class SilentLink:
    """A TCP relay standing for the network between a terminal and the drill server.

    It can go silent one way (``"down"``: server to terminal) or both ways, for every
    connection, old and new, without a reset: what is sent meanwhile is held, as a
    network that keeps losing the packets of a connection until it is back, and
    delivered once the link is back, to whichever end is still there."""

    def __init__(self, server_port: int):
        self.server_port = server_port
        self.flowing = {"up": asyncio.Event(), "down": asyncio.Event()}
        for way in self.flowing.values():
            way.set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> SilentLink:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, invitation: str, server_port: int) -> str:
        return invitation.replace(f":{server_port}/", f":{self.port}/")

    def silence(self, *ways: str) -> None:
        for way in ways:
            self.flowing[way].clear()

    def restore(self) -> None:
        for way in self.flowing.values():
            way.set()

    async def _handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        sr, sw = await asyncio.open_connection("127.0.0.1", self.server_port)

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, way: str) -> None:
            try:
                while data := await r.read(65536):
                    await self.flowing[way].wait()  # silent: held until the link is back
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                await self.flowing[way].wait()
                with contextlib.suppress(Exception):
                    w.close()

        await asyncio.gather(pipe(cr, sw, "up"), pipe(sr, cw, "down"))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


def escalations(server: Any) -> list[Any]:
    """The escalations cert-a's people sent, as the server's drill recorded them."""
    return [e for e in server.session.engine.log if e.type == "message_sent"
            and e.actor == "cert-a" and e.details.get("by") == "human"]


@contextlib.asynccontextmanager
async def player_behind(link_ways: tuple[str, ...], loaded, tmp_path):
    """cert-a's terminal, joined through a link that goes silent (``link_ways``) the
    moment the test says; yields the server, the link, the client and its status lines
    (with the time each was said)."""
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)  # inject 1 has reached cert-a
        server.clock.jump_to(server.session.now)
        link = await SilentLink(server.port).start()
        said: list[tuple[float, str]] = []
        client = DrillClient(link.url(urls["cert-a"], server.port),
                             on_status=lambda line: said.append((time.monotonic(), line)),
                             answer_timeout=1.0, ping_interval=0.5, ping_timeout=1.0)
        await client.connect()
        try:
            yield server, link, client, said
        finally:
            link.restore()
            await client.close()
            await link.stop()


async def act_while_silent(link: SilentLink, client: DrillClient, ways: tuple[str, ...],
                           said: list[tuple[float, str]]) -> float:
    """The link goes silent as the player sends the escalation; it is back after
    :data:`SILENCE` seconds. Returns when the terminal said it was reconnecting, in seconds
    after sending (the escalation must have been reported done)."""
    link.silence(*ways)
    sent = time.monotonic()
    acting = asyncio.create_task(client.act(ESCALATE))
    await asyncio.sleep(SILENCE)
    lost = [at for at, line in said if line.startswith("connection lost")]
    link.restore()
    await asyncio.wait_for(acting, 6)  # told it was done: no Unanswered
    assert lost, "the terminal never said it was reconnecting while the link was silent"
    return lost[0] - sent


@pytest.mark.parametrize("ways", [("up", "down"), ("down",)], ids=["both-ways", "answers-only"])
async def test_an_action_sent_into_a_silent_link_is_done_exactly_once(ways, loaded, tmp_path):
    async with player_behind(ways, loaded, tmp_path) as (server, link, client, said):
        reconnecting = await act_while_silent(link, client, ways, said)
        assert reconnecting < SILENCE  # said promptly, not once the link is back
        await asyncio.sleep(0.5)  # anything still held by the network has arrived by now
        assert len(escalations(server)) == 1
        commands = [c for c in server.session.journal.commands() if c.kind == "act"]
        assert len(commands) == 1  # journaled once
        # the player's own Sent list shows the escalation, once
        await until(lambda: client.seq >= server.streams["cert-a"].last)
        assert client.state is not None
        assert [item.verb for item in client.state.outbox["cert-a"]] == ["escalate"]
        assert client.connected


async def test_an_action_unconfirmed_because_the_host_restarted_says_so(loaded, tmp_path):
    async with player_behind(("up", "down"), loaded, tmp_path) as (server, link, client, said):
        link.silence("up", "down")
        acting = asyncio.create_task(client.act(ESCALATE))
        await until(lambda: any(line.startswith("connection lost") for _, line in said))
        server.instance = "another-run-of-the-host"  # it was restarted meanwhile
        link.restore()
        with pytest.raises(Unanswered) as told:
            await asyncio.wait_for(acting, 6)
        why = str(told.value)
        assert "restarted" in why and "may have been carried out" in why
        await until(lambda: client.connected)


async def test_a_healthy_link_keeps_its_connection(loaded, tmp_path):
    """Tight keepalive pings drop nothing on a link that answers."""
    async with player_behind((), loaded, tmp_path) as (server, _link, client, said):
        await asyncio.sleep(2.0)
        await client.act(ESCALATE)
        assert len(escalations(server)) == 1
        assert said == [] and client.connected
