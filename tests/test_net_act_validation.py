"""A player's ``act`` is checked before the drill sees it; a refused one changes nothing."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3

import pytest
from net_helpers import net_scenario, raw_join, serving, serving_frames

from sim.engine import Action, ActionError, Engine
from sim.net import protocol as P
from sim.net.client import DrillClient, DrillConnectionError
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def run_to(server, t: float) -> None:
    server.session.advance_to(t)
    server.clock.jump_to(server.session.now)
    await asyncio.sleep(0.05)


def _act(**changes) -> dict:
    payload = {"actor": "cert-a", "verb": "escalate", "incident": "x",
               "targets": ["council", "cert-b"], "channel": "email", "tlp": "AMBER",
               "refs": [], "text": "an ordinary escalation"}
    payload.update(changes)
    return payload


def _nested(depth: int) -> list:
    text: list | str = "x"
    for _ in range(depth):
        text = [text]
    assert isinstance(text, list)
    return text


BAD = [
    pytest.param({"text": 123}, "text", id="text-int"),
    pytest.param({"text": ["hostile"]}, "text", id="text-list"),
    pytest.param({"text": {"k": 1}}, "text", id="text-dict"),
    pytest.param({"text": _nested(250)}, "text", id="text-nested"),
    pytest.param({"text": math.nan}, "text", id="text-nan"),
    pytest.param({"text": None}, "text", id="text-null"),
    pytest.param({"text": "x" * 20_000}, "text", id="text-too-long"),  # fits in a frame
    pytest.param({"verb": 3}, "verb", id="verb-int"),
    pytest.param({"incident": ["x"]}, "incident", id="incident-list"),
    pytest.param({"targets": "council"}, "targets", id="targets-str"),
    pytest.param({"targets": [1]}, "targets", id="targets-int"),
    pytest.param({"targets": ["council", "council"]}, "targets", id="targets-twice"),
    pytest.param({"refs": [["inject:1"]]}, "refs", id="refs-nested"),
    pytest.param({"channel": 5}, "channel", id="channel-int"),
    pytest.param({"tlp": ["RED"]}, "tlp", id="tlp-list"),
    pytest.param({"extra": 1}, "extra", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
async def test_an_act_of_the_wrong_shape_is_refused_and_changes_nothing(
        loaded, tmp_path, change, field):
    async with serving(loaded, tmp_path) as (server, urls):
        a = await raw_join(urls["cert-a"])
        await run_to(server, 150)
        before = len(server.session.engine.log)
        await a.send({"type": "command", "id": 1, "kind": "act", "payload": _act(**change)})
        await a.until(lambda r: r.of("error") or r.of("result"))
        [err] = a.of("error")
        assert err["code"] == "refused" and err["id"] == 1
        assert field in err["message"]
        assert len(server.session.engine.log) == before
        # the refusal is not a protocol error: the same connection carries on
        await a.send({"type": "command", "id": 2, "kind": "act", "payload": _act()})
        await a.until(lambda r: r.of("result"))
        assert a.of("result")[0]["id"] == 2
        await run_to(server, 400)
        path = server.session.path
        await a.close()
    commands = sqlite3.connect(path).execute("select kind, payload from commands").fetchall()
    assert [k for k, _ in commands] == ["act"]
    assert json.loads(commands[0][1])["text"] == "an ordinary escalation"
    # the journal resumes: the refused command left no trace in the engine
    resumed = DrillSession.resume(path)
    try:
        assert resumed.now == 400
    finally:
        resumed.close()


async def test_a_refused_act_reaches_no_one_and_nobody_freezes(loaded, tmp_path):
    """A deeply nested text used to be delivered: no client could read the event, and
    every later one was dropped."""
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        fac, b = DrillClient(urls["facilitator"]), DrillClient(urls["cert-b"])
        await fac.connect()
        await b.connect()
        a = await raw_join(urls["cert-a"])
        await a.send({"type": "command", "id": 1, "kind": "act", "payload": _act(
            verb="notify", targets=["cert-b"], text=_nested(250))})
        await a.until(lambda r: r.of("error") or r.of("result"))
        assert a.of("error") and not a.of("result")
        await run_to(server, 600)
        await fac.wait_for_seq(server.streams["*"].last, 5)
        await b.wait_for_seq(server.streams["cert-b"].last, 5)
        assert fac.failure is None and b.failure is None
        assert "inject:3" in [i.ref for i in b.state.inbox["cert-b"]]
        for c in (fac, b):
            await c.close()
        await a.close()


async def test_the_facilitator_acting_for_a_role_is_checked_too(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = await raw_join(urls["facilitator"])
        await run_to(server, 150)
        before = len(server.session.engine.log)
        await fac.send({"type": "command", "id": 1, "kind": "act",
                        "payload": _act(text=["hostile"])})
        await fac.until(lambda r: r.of("error"))
        assert fac.of("error")[0]["code"] == "refused"
        assert len(server.session.engine.log) == before
        await fac.close()


async def test_a_well_formed_act_from_the_client_still_goes_through(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        client = DrillClient(urls["cert-a"])
        await client.connect()
        # the client sends every field, channel and TLP may be null
        await client.act(Action("cert-a", "analyse", "x"))
        await client.act(Action("cert-a", "escalate", "x", targets=("council",),
                                refs=("inject:1",), text="é ✓"))
        kinds = [e.type for e in server.session.engine.log if e.actor == "cert-a"]
        assert "analysed" in kinds and "escalated" in kinds
        await client.close()


@pytest.mark.parametrize("bad", [
    {"text": 123}, {"text": ["x"]}, {"text": {"k": 1}}, {"text": math.nan}, {"text": None},
    {"actor": ["cert-a"]}, {"verb": 1}, {"incident": None}, {"targets": "council"},
    {"targets": ("council", 2)}, {"refs": [None]}, {"channel": 3}, {"tlp": 1.0},
])
def test_the_engine_refuses_an_action_of_the_wrong_types_before_changing_anything(
        loaded, bad):
    fields = {"actor": "cert-a", "verb": "escalate", "incident": "x",
              "targets": ("council", "cert-b"), "channel": "email", "tlp": "AMBER",
              "refs": (), "text": "words"}
    engine = Engine(loaded, human=["cert-a", "cert-b"])
    control = Engine(loaded, human=["cert-a", "cert-b"])
    engine.run_until(150)
    control.run_until(150)
    told = {k: set(v) for k, v in engine.actors["cert-a"].told.items()}
    with pytest.raises(ActionError):
        engine.act(Action(**{**fields, **bad}))
    assert {k: set(v) for k, v in engine.actors["cert-a"].told.items()} == told
    # the next action gives exactly what it gives when nothing was refused before it
    good = Action(**fields)
    assert [e.to_json() for e in engine.act(good)] == [e.to_json() for e in control.act(good)]
    engine.run_until(600)
    control.run_until(600)
    assert [e.to_json() for e in engine.log] == [e.to_json() for e in control.log]


async def test_an_event_frame_the_client_cannot_read_stops_it_loudly(loaded):
    scenario = loaded.scenario.model_dump(mode="json")
    welcome = {
        "type": "welcome", "version": P.PROTOCOL_VERSION, "access": "player", "role": "cert-a",
        "token_id": "cert-a-1", "drill": "d1", "scenario": scenario, "human": ["cert-a"],
        "last": 2, "notes": [],
        "clock": {"type": "clock", "drill_time": 0.0, "running": False, "speed": 60.0,
                  "finished": False}}
    deep = {"seq": 1, "time": 1.0, "type": "message_delivered", "actor": "cert-a",
            "incident": "x", "details": {"text": _nested(250)}}
    ended = {"seq": 2, "time": 5.0, "type": "drill_ended", "actor": None, "incident": None,
             "details": {}}
    server, url = await serving_frames([
        json.dumps(welcome),
        json.dumps({"type": "event", "seq": 1, "event": deep}),
        json.dumps({"type": "event", "seq": 2, "event": ended})])
    statuses: list[str] = []
    client = DrillClient(url, reconnect=False, on_status=statuses.append)
    try:
        await client.connect()
        for _ in range(200):
            if client.failure is not None:
                break
            await asyncio.sleep(0.01)
        assert isinstance(client.failure, DrillConnectionError)
        assert "cannot read (event 1)" in str(client.failure)
        assert any("cannot read (event 1)" in s for s in statuses)
        assert client.seq == 0  # the event after it is not taken out of order either
    finally:
        await client.close()
        server.close()


def test_a_session_refuses_it_too_and_its_journal_still_resumes(loaded, tmp_path):
    """The engine's own check: a refused action taken no dispatch id and told no one."""
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"],
                                 journal_path=tmp_path / "s.journal.sqlite")
    session.advance_to(150)
    for bad in (123, math.nan, {"k": 1}):
        with pytest.raises(ActionError, match="text must be text"):
            session._command("cert-a", "act", _act(text=bad))
    session.act(Action("cert-a", "escalate", "x", targets=("council", "cert-b"),
                       channel="email", tlp="AMBER", text="an ordinary escalation"))
    session.advance_to(400)
    path = session.path
    session.close()
    resumed = DrillSession.resume(path)
    try:
        assert resumed.now == 400
    finally:
        resumed.close()


async def test_the_longest_ids_a_scenario_may_give_still_fit(scenario_data, load, tmp_path):
    long_id = "i" * 64  # an inject id as long as a scenario may make it
    data = net_scenario(scenario_data)
    data["injects"][0]["id"] = long_id
    async with serving(load(data), tmp_path) as (server, urls):
        await run_to(server, 150)
        client = DrillClient(urls["cert-a"])
        await client.connect()
        await client.act(Action("cert-a", "acknowledge", "x", refs=(f"inject:{long_id}",)))
        assert server.session.engine.log[-1].type == "acknowledged"
        await client.close()
