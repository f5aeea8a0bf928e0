"""A drill halted because the host cannot write its journal (a full disk): every
terminal is told so, and nothing of the host's files; the host's console says it whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from net_helpers import FullDisk, net_scenario, serving

from sim.engine import Action, ActionError
from sim.net.client import DrillClient, Unrecorded

ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")
ACK = Action("cert-b", "acknowledge", "x")
HALTED = "the drill is halted: the host cannot write its journal"


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def refusal(call) -> str:
    """What a terminal is told when ``call`` is refused."""
    with pytest.raises(ActionError) as told:
        await call
    return str(told.value)


def path_free(said: str, journal: Path) -> bool:
    return str(journal) not in said and str(journal.parent) not in said \
        and "sqlite" not in said


async def test_every_terminal_is_told_the_drill_is_halted_not_the_hosts_path(loaded, tmp_path):
    notices: list[str] = []
    async with serving(loaded, tmp_path, notice=notices.append) as (server, urls):
        journal = server.session.journal
        path = server.session.path
        assert journal is not None and path is not None
        server.session.advance_to(70)
        clients = {who: DrillClient(urls[who])
                   for who in ("facilitator", "observer", "cert-a", "cert-b")}
        for client in clients.values():
            await client.connect()
        real, journal.conn = journal.conn, FullDisk(journal.conn, "disk I/O error")  # type: ignore[assignment]
        try:
            # the facilitator's jump is carried out, but the journal cannot take its
            # events: the drill halts there
            with pytest.raises(Unrecorded) as kept:
                await clients["facilitator"].jump(200)
            said = {"facilitator": await refusal(clients["facilitator"].jump(300))}
            said["cert-a"] = await refusal(clients["cert-a"].act(ESCALATE))
            said["cert-b"] = await refusal(clients["cert-b"].act(ACK))
            said["resume"] = await refusal(clients["facilitator"].resume())
            rating = await refusal(clients["observer"].rate("E1", "S"))
        finally:
            journal.conn = real
        assert server.halted is not None
        assert path_free(str(kept.value), path)
        for who, words in said.items():
            assert words.startswith(HALTED), (who, words)
            assert path_free(words, path), (who, words)
        assert "disk I/O error" in said["cert-a"]
        assert "the rating is not kept" in rating and path_free(rating, path)
        # the host's own console says it whole, with the journal it cannot write
        assert any(str(path) in line and "disk I/O error" in line for line in notices)
        for client in clients.values():
            await client.close()
        await asyncio.sleep(0)


async def test_after_a_command_left_unrecorded_the_other_teams_are_told_no_path(loaded,
                                                                               tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        journal = server.session.journal
        path = server.session.path
        assert journal is not None and path is not None
        server.session.advance_to(70)
        team_a, team_b = DrillClient(urls["cert-a"]), DrillClient(urls["cert-b"])
        await team_a.connect()
        await team_b.connect()
        real, journal.conn = journal.conn, FullDisk(journal.conn, "disk I/O error")  # type: ignore[assignment]
        try:
            with pytest.raises(Unrecorded) as kept:
                await team_a.act(ESCALATE)
            said = await refusal(team_b.act(ACK))
        finally:
            journal.conn = real
        assert path_free(str(kept.value), path)
        assert said.startswith(HALTED) and path_free(said, path)
        for client in (team_a, team_b):
            await client.close()
        await asyncio.sleep(0)
