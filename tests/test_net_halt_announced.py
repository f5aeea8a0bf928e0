"""A drill halted while its clock runs (the host's disk is full) is announced to every
terminal, the facilitator's too, unasked: each is told why, not just shown a clock that
stopped, and a terminal that joins while the drill is halted is told as it joins."""

from __future__ import annotations

import pytest
from net_helpers import FullDisk, net_scenario, raw_join, serving, until

from sim.net.client import DrillClient

HALTED = "the drill is halted: the host cannot write its journal (database or disk is full)"


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


WHO = ("facilitator", "observer", "cert-a", "cert-b")


async def test_every_terminal_is_told_unasked_that_the_running_drill_halted(loaded, tmp_path):
    async with serving(loaded, tmp_path, speed=600.0) as (server, urls):
        journal, path = server.session.journal, server.session.path
        assert journal is not None and path is not None
        said: dict[str, list[str]] = {who: [] for who in WHO}
        clients = {who: DrillClient(urls[who], on_status=said[who].append) for who in WHO}
        for client in clients.values():
            await client.connect()
        # a terminal of an older protocol version is told too
        old = await raw_join(urls["cert-a"], version=5)
        await clients["facilitator"].resume()
        real, journal.conn = journal.conn, FullDisk(journal.conn)  # type: ignore[assignment]
        try:
            await until(lambda: server.halted is not None)
            # nobody sent anything: each terminal's user is told why the clock stopped
            await until(lambda: all(any(HALTED in line for line in lines)
                                    for lines in said.values()))
            for who, lines in said.items():
                told = [line for line in lines if "halted" in line]
                assert told == [f"server: {HALTED}"], who
                assert str(path) not in told[0] and str(path.parent) not in told[0]
                assert not clients[who].clock_state().running
            await old.until(lambda r: r.of("error"))
            assert old.of("error") == [
                {"type": "error", "id": None, "code": "refused", "message": HALTED}]
        finally:
            journal.conn = real
            await old.close()
            for client in clients.values():
                await client.close()


async def test_a_terminal_joining_a_halted_drill_is_told_as_it_joins(loaded, tmp_path):
    async with serving(loaded, tmp_path, speed=600.0) as (server, urls):
        journal = server.session.journal
        assert journal is not None
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        await fac.resume()
        real, journal.conn = journal.conn, FullDisk(journal.conn)  # type: ignore[assignment]
        try:
            await until(lambda: server.halted is not None)
            raw = await raw_join(urls["cert-b"])
            await raw.until(lambda r: r.of("error"))
            kinds = [m["type"] for m in raw.messages()]
            # right after the welcome and the countdowns: before any event
            assert kinds[:3] == ["welcome", "due", "error"]
            assert raw.of("error") == [
                {"type": "error", "id": None, "code": "refused", "message": HALTED}]
            assert raw.of("welcome")[0]["clock"]["running"] is False
            await raw.close()
            said: list[str] = []
            team = DrillClient(urls["cert-a"], on_status=said.append)
            await team.connect()
            await until(lambda: said == [f"server: {HALTED}"])
            await team.close()
        finally:
            journal.conn = real
            await fac.close()
