"""A player's commands count only while the drill runs and the role is the player's:
not after the end, not once the facilitator has handed the role to the automated
policy. A pause, as in ``drill play``, does not stop them."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine import Action, ActionError
from sim.net.client import DrillClient


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["tasks"] = [{"id": "Q1", "to": ["cert-a"], "at": "T+01:30",
                      "question": "Who hosts the C2?"}]
    return load(data)


async def run_to(server, t: float) -> None:
    server.session.advance_to(t)
    server.clock.jump_to(server.session.now)
    await asyncio.sleep(0.05)


ESCALATE = {"actor": "cert-a", "verb": "escalate", "incident": "x", "targets": ["council"],
            "channel": "email", "tlp": "AMBER", "refs": [], "text": "words"}
ANSWER = {"actor": "cert-a", "task": "Q1", "text": "an ISP in TH"}


def _commands(path) -> list[tuple]:
    return sqlite3.connect(path).execute("select who, kind from commands").fetchall()


async def test_a_player_cannot_act_after_the_drill_has_ended(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a = await raw_join(urls["cert-a"])
        await run_to(server, 150)
        await run_to(server, 5000)
        assert server.session.finished
        before = len(server.session.engine.log)
        for i, (kind, payload) in enumerate((("act", ESCALATE), ("answer_task", ANSWER))):
            await a.send({"type": "command", "id": i + 1, "kind": kind, "payload": payload})
        await a.until(lambda r: len(r.of("error")) == 2)
        for err in a.of("error"):
            assert err["code"] == "refused" and "the drill has ended" in err["message"]
        assert not a.of("result")
        assert len(server.session.engine.log) == before
        assert server.session.engine.log[-1].type == "drill_ended"
        path = server.session.path
        await a.close()
    assert _commands(path) == []


async def test_a_role_handed_to_the_policy_no_longer_takes_the_players_commands(
        loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        fac, a = await raw_join(urls["facilitator"]), await raw_join(urls["cert-a"])
        await fac.send({"type": "command", "id": 1, "kind": "set_human",
                        "payload": {"actor": "cert-a", "human": False}})
        await fac.until(lambda r: r.of("result"))
        before = len(server.session.engine.log)
        for i, (kind, payload) in enumerate((("act", ESCALATE), ("answer_task", ANSWER))):
            await a.send({"type": "command", "id": i + 1, "kind": kind, "payload": payload})
        await a.until(lambda r: len(r.of("error")) == 2)
        for err in a.of("error"):
            assert err["code"] == "refused"
            assert "automated policy" in err["message"]
        assert len(server.session.engine.log) == before
        # the facilitator may still act for the role, and give it back to the person
        await fac.send({"type": "command", "id": 2, "kind": "act", "payload": ESCALATE})
        await fac.until(lambda r: [m for m in r.of("result") if m["id"] == 2])
        await fac.send({"type": "command", "id": 3, "kind": "set_human",
                        "payload": {"actor": "cert-a", "human": True}})
        await fac.until(lambda r: [m for m in r.of("result") if m["id"] == 3])
        await a.send({"type": "command", "id": 3, "kind": "act", "payload": ESCALATE})
        await a.until(lambda r: r.of("result"))
        path = server.session.path
        await fac.close()
        await a.close()
    assert _commands(path) == [("facilitator", "set_human"), ("facilitator", "act"),
                               ("facilitator", "set_human"), ("cert-a", "act")]


async def test_the_client_reports_the_refusal(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 5000)
        client = DrillClient(urls["cert-a"])
        await client.connect()
        with pytest.raises(ActionError, match="the drill has ended"):
            await client.act(Action("cert-a", "analyse", "x"))
        await client.close()


async def test_a_player_may_act_while_the_clock_is_paused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        assert not server.clock.running
        client = DrillClient(urls["cert-a"])
        await client.connect()
        await client.act(Action("cert-a", "analyse", "x"))
        assert server.session.engine.log[-1].type == "analysed"
        await client.close()
