"""A player's answer to a task: its payload is checked like an ``act``'s, and a refusal
tells a player nothing about other teams' tasks."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine import ActionError, Engine
from sim.net import protocol as P
from sim.net.client import DrillClient
from sim.runs.session import NOTE_LIMIT


def _tasks(data: dict) -> dict:
    data["tasks"] = [
        {"id": "Q1", "question": "Which sinkhole?", "to": ["cert-a"], "at": "T+01:00",
         "answer_key": "KEY-A"},
        {"id": "ransom-payment-decision", "question": "Will your government pay?",
         "to": ["cert-b"], "at": "T+01:00", "answer_key": "No."},
    ]
    return data


@pytest.fixture
def loaded(scenario_data, load):
    return load(_tasks(net_scenario(scenario_data)))


async def run_to(server, t: float) -> None:
    server.session.advance_to(t)
    server.clock.jump_to(server.session.now)
    await asyncio.sleep(0.05)


def _refusal(fn, *args) -> str:
    with pytest.raises(ActionError) as info:
        fn(*args)
    return str(info.value)


def test_another_teams_task_and_no_task_are_refused_alike(loaded):
    engine = Engine(loaded, human=["cert-a", "cert-b"])
    for t in (0, 90):  # before and after the tasks are asked
        engine.run_until(t)
        theirs = _refusal(engine.answer_task, "cert-a", "ransom-payment-decision", "probe")
        none = _refusal(engine.answer_task, "cert-a", "no-such-task", "probe")
        assert theirs.replace("ransom-payment-decision", "ID") == \
            none.replace("no-such-task", "ID") == "no task 'ID' was asked of cert-a"
    # its own task, once asked, is answered
    engine.answer_task("cert-a", "Q1", "we block it")
    assert engine.msel.answers[("Q1", "cert-a")] == "we block it"


async def test_over_the_wire_a_player_cannot_tell_other_teams_task_ids(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a = DrillClient(urls["cert-a"])
        await a.connect()
        try:
            for t in (0, 90):
                if t:
                    await run_to(server, t)
                said = []
                for tid in ("ransom-payment-decision", "no-such-task"):
                    with pytest.raises(ActionError) as info:
                        await a.answer_task("cert-a", tid, "probe")
                    said.append(str(info.value).replace(tid, "ID"))
                assert said[0] == said[1] == "no task 'ID' was asked of cert-a"
        finally:
            await a.close()


def _answer(**changes) -> dict:
    payload = {"actor": "cert-a", "task": "Q1", "text": "we block 203.0.113.0/24"}
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


BAD = [
    pytest.param({"task": {"a": 1}}, "task", id="task-dict"),
    pytest.param({"task": ["Q1"]}, "task", id="task-list"),
    pytest.param({"task": 1}, "task", id="task-int"),
    pytest.param({"task": ""}, "task", id="task-empty"),
    pytest.param({"task": "q" * 65}, "task", id="task-too-long"),
    pytest.param({"task": ...}, "task", id="task-missing"),
    pytest.param({"text": 5}, "text", id="text-int"),
    pytest.param({"text": ["x"]}, "text", id="text-list"),
    pytest.param({"text": None}, "text", id="text-null"),
    pytest.param({"text": "x" * (NOTE_LIMIT + 1)}, "text", id="text-too-long"),
    pytest.param({"text": ...}, "text", id="text-missing"),
    pytest.param({"extra": "smuggled into the journal"}, "extra", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
async def test_an_answer_of_the_wrong_shape_is_refused_and_changes_nothing(
        loaded, tmp_path, change, field):
    async with serving(loaded, tmp_path) as (server, urls):
        a = await raw_join(urls["cert-a"])
        await run_to(server, 90)  # Q1 asked of cert-a
        before = len(server.session.engine.log)
        await a.send({"type": "command", "id": 1, "kind": "answer_task",
                      "payload": _answer(**change)})
        await a.until(lambda r: r.of("error") or r.of("result"))
        [err] = a.of("error")
        assert err["code"] == "refused" and err["id"] == 1
        assert err["message"].startswith(f"answer_task: {field}")
        assert "{'a'" not in err["message"] and "smuggled" not in err["message"]
        assert len(server.session.engine.log) == before
        # a refusal is not a protocol error: the same connection answers
        await a.send({"type": "command", "id": 2, "kind": "answer_task", "payload": _answer()})
        await a.until(lambda r: r.of("result"))
        path = server.session.path
        await a.close()
    payloads = [json.loads(p) for (p,) in sqlite3.connect(path).execute(
        "select payload from commands where kind = 'answer_task'")]
    assert payloads == [_answer()]


def test_the_answer_limit_is_the_sessions():
    fields = P.AnswerTaskPayload.model_fields
    assert set(fields) == {"actor", "task", "text"}
    assert P.COMMAND_PAYLOADS["answer_task"] is P.AnswerTaskPayload
    assert P.MAX_ANSWER_TEXT == NOTE_LIMIT
