"""A terminal that reconnects to a drill resumed from an earlier copy of its journal
starts again from the server's record, never splicing two timelines together."""

from __future__ import annotations

import json
import shutil

import pytest
from net_helpers import SECRET_A, Raw, net_scenario, raw_join, serving, until
from websockets.asyncio.client import connect

from sim.net import protocol as P
from sim.net.client import DrillClient
from sim.net.invites import TokenStore
from sim.net.server import DrillServer
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def inbox(client: DrillClient) -> list[tuple[str, str]]:
    assert client.state is not None
    return [(i.ref, i.text) for i in client.state.inbox["cert-a"]]


async def test_a_team_reconnecting_to_an_earlier_copy_of_the_journal_starts_again(
        loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    first = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    server = DrillServer(first, TokenStore.for_journal(journal))
    await server.start()
    url = server.invite("player", "cert-a")[0]
    first.advance_to(30)
    # the copy the host will resume: taken before inject 1 (T+01:00)
    assert first.journal is not None
    first.journal.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(journal, tmp_path / "copy.sqlite")
    first.advance_to(150)  # inject 2 (TLP:RED, SECRET_A) reaches cert-a at T+02:00
    team = DrillClient(url)
    resets: list[int] = []
    team.on_reset(lambda: resets.append(team.seq))
    await team.connect()
    await until(lambda: team.seq == server.streams["cert-a"].last)
    assert any(SECRET_A in text for _, text in inbox(team))
    held = team.seq
    port = server.port
    await server.stop()
    first.close()
    # the host comes back on the earlier copy; this time inject 2 is skipped, and the
    # drill runs on past where the team's terminal was
    for f in tmp_path.glob("d.journal.sqlite*"):
        if not f.name.endswith(".tokens"):
            f.unlink()
    shutil.copy(tmp_path / "copy.sqlite", journal)
    second = DrillSession.resume(journal)
    second.skip_inject("2")
    second.advance_to(2880)
    again = DrillServer(second, TokenStore.for_journal(journal).load(), port=port)
    assert again.streams["cert-a"].last >= held  # the old rule would not have reset it
    await again.start()
    try:
        # the team's terminal reconnects on its own
        await until(lambda: team.connected and team.seq == again.streams["cert-a"].last,
                    timeout=20)
        fresh = DrillClient(url)
        await fresh.connect()
        await until(lambda: fresh.seq == again.streams["cert-a"].last)
        assert resets == [0]  # it was told to start again, and did
        assert inbox(team) == inbox(fresh)
        assert not any(SECRET_A in text for _, text in inbox(team))
        assert team.state is not None and team.state.item("cert-a", "inject:2") is None
        await fresh.close()
    finally:
        await team.close()
        await again.stop()
        second.close()


async def test_a_team_reconnecting_to_the_same_drill_resumed_carries_on(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    first = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    server = DrillServer(first, TokenStore.for_journal(journal))
    await server.start()
    url = server.invite("player", "cert-a")[0]
    first.advance_to(400)
    team = DrillClient(url)
    resets: list[int] = []
    team.on_reset(lambda: resets.append(team.seq))
    await team.connect()
    await until(lambda: team.seq == server.streams["cert-a"].last)
    held, before = team.seq, inbox(team)
    port = server.port
    await server.stop()
    first.close()
    # the host is killed and resumes the same journal: the team's events are its own
    second = DrillSession.resume(journal)
    again = DrillServer(second, TokenStore.for_journal(journal).load(), port=port)
    await again.start()
    try:
        second.advance_to(2880)
        await until(lambda: team.connected and team.seq == again.streams["cert-a"].last,
                    timeout=20)
        assert resets == [] and team.seq > held
        assert inbox(team)[:len(before)] == before
    finally:
        await team.close()
        await again.stop()
        second.close()


async def hello(url: str, since: int, mark: str | None, version: int = P.PROTOCOL_VERSION
                ) -> Raw:
    base, token = url.split("?token=")
    ws = await connect(base, max_size=P.MAX_SERVER_FRAME)
    fields = {"type": "hello", "version": version, "token": token, "since": since}
    if mark is not None:
        fields["mark"] = mark
    await ws.send(json.dumps(fields))
    return Raw(ws)


async def test_the_server_resumes_a_stream_only_for_the_events_it_holds(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(400)
        first = await raw_join(urls["cert-a"])
        stream = server.streams["cert-a"]
        await first.until(lambda r: len(r.of("event")) == stream.last)
        events = [m["event"] for m in first.of("event")]
        held = len(events) - 2
        mark = P.NO_MARK
        for ev in events[:held]:
            mark = P.stream_mark(mark, ev)
        other = P.stream_mark(P.NO_MARK, {**events[0], "time": 1.0})
        for ev in events[1:held]:
            other = P.stream_mark(other, ev)
        cases = [(mark, False), (other, True), (None, True)]
        for sent, reset in cases:
            c = await hello(urls["cert-a"], held, sent)
            sends = stream.last - (0 if reset else held)
            await c.until(lambda r, sends=sends: len(r.of("event")) == sends)
            assert c.of("welcome")[0]["reset"] is reset, sent
            assert c.of("event")[0]["seq"] == (1 if reset else held + 1)
            await c.close()
        # a terminal of version 6 says nothing of its events: it is served as before
        old = await hello(urls["cert-a"], held, None, version=6)
        await old.until(lambda r: r.of("welcome"))
        assert old.of("welcome")[0]["reset"] is False
        await old.close()
        await first.close()
