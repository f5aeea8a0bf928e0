"""Multi-site drills in-process: a drill server and several clients over the loopback."""

from __future__ import annotations

import asyncio
import json

import pytest
from net_helpers import NOTE_A, SECRET_A, SECRET_B, Raw, net_scenario, raw_join, serving, until

from sim.engine import Action, ActionError
from sim.engine.events import Event
from sim.net import protocol as P
from sim.net.client import DrillClient, JoinRefused
from sim.net.invites import TokenStore, parse_invite
from sim.net.server import DrillServer, is_local
from sim.net.visibility import for_role, role_expectations


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def run_to(server: DrillServer, t: float) -> None:
    """Move the drill on to drill time ``t`` (as the clock would) and let frames go out."""
    server.session.advance_to(t)
    server.clock.jump_to(server.session.now)
    await asyncio.sleep(0.05)


# --- TLP and need-to-know, on the server --------------------------------------------------


async def test_each_role_receives_only_its_own_items(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a, b = await raw_join(urls["cert-a"]), await raw_join(urls["cert-b"])
        fac = await raw_join(urls["facilitator"])
        await run_to(server, 150)  # inject 1 (GREEN) and 2 (RED, secret) reach cert-a
        # cert-a sends a RED note of its own to the council
        client_a = DrillClient(urls["cert-a"])
        await client_a.connect()
        await client_a.act(Action("cert-a", "escalate", "x", targets=("council",),
                                  channel="email", tlp="RED", text=NOTE_A))
        await run_to(server, 240)  # inject 3 (AMBER, secret) reaches cert-b
        await run_to(server, 2880)
        await until(lambda: fac.of("event") and fac.of("event")[-1]["event"]["type"] == "drill_ended")
        await until(lambda: b.of("event") and b.of("event")[-1]["event"]["type"] == "drill_ended")
        await until(lambda: a.of("event") and a.of("event")[-1]["event"]["type"] == "drill_ended")
        got_a, got_b, got_fac = ("".join(c.frames) for c in (a, b, fac))
        # the raw bytes, welcome included: nothing addressed to the other team, anywhere
        assert SECRET_A in got_a and NOTE_A in got_a
        assert SECRET_A not in got_b and NOTE_A not in got_b
        assert SECRET_B in got_b and SECRET_B not in got_a
        assert SECRET_A in got_fac and SECRET_B in got_fac and NOTE_A in got_fac
        # a player holds no MSEL and no exercise-control ground truth
        welcome_b = b.of("welcome")[0]
        assert welcome_b["scenario"]["injects"] == []
        assert [x["id"] for x in welcome_b["scenario"]["expectations"]] == ["E2"]
        types_b = {m["event"]["type"] for m in b.of("event")}
        assert "incident_opened" not in types_b and "inject_delivered" in types_b
        assert all(m["event"]["actor"] in ("cert-b", None) or m["event"]["type"] in
                   ("role_changed", "message_delivered") for m in b.of("event"))
        for c in (a, b, fac):
            await c.close()
        await client_a.close()


def test_a_new_kind_of_event_is_kept_from_players():
    ev = Event.make(1, 5.0, "something_new", "cert-a", "x", {"text": "new"})
    assert for_role(ev, "cert-a", frozenset()) is None
    lost_inject = Event.make(2, 5.0, "message_lost", "cert-b", "x",
                             {"verb": "inject", "sender": "cert-a", "inject": "9"})
    assert for_role(lost_inject, "cert-a", frozenset()) is None
    # a message that could not be sent at all is known to its sender, to it only
    lost_msg = Event.make(3, 5.0, "message_lost", "cert-b", "x",
                          {"verb": "notify", "sender": "cert-a", "reason": "no_contact"})
    assert for_role(lost_msg, "cert-a", frozenset()) is not None
    assert for_role(lost_msg, "cert-b", frozenset()) is None
    # one lost without a word (a stale contact) is not
    silent = Event.make(4, 5.0, "message_lost", "cert-b", "x",
                        {"verb": "notify", "sender": "cert-a", "reason": "stale_contact"})
    assert for_role(silent, "cert-a", frozenset()) is None


def test_players_are_not_told_exercise_controls_fields(loaded):
    ev = Event.make(1, 60.0, "inject_delivered", "cert-a", "x",
                    {"ref": "inject:1", "expected_actions": ["E1"], "text": "t"})
    seen = for_role(ev, "cert-a", role_expectations(loaded.scenario, "cert-a"))
    assert seen is not None and "expected_actions" not in seen["details"]
    assert seen["details"]["text"] == "t"


def test_new_kinds_of_event_reach_only_whom_they_concern():
    def seen(type_: str, actor: str | None, role: str, **details):
        return for_role(Event.make(1, 5.0, type_, actor, "x", details), role, frozenset())

    # the MSEL as edited, outages and contact changes are exercise control's
    for type_, actor in (("inject_added", None), ("inject_edited", None),
                         ("inject_unskipped", None), ("outage_started", "cert-a"),
                         ("outage_ended", "cert-a"), ("contact_changed", "cert-a")):
        assert seen(type_, actor, "cert-a") is None, type_
    # a held message is known to its sender, without when the outage ends
    held = seen("message_held", "cert-a", "cert-a", reason="outage", until=300.0, to="council")
    assert held is not None and "until" not in held["details"]
    assert seen("message_held", "cert-a", "cert-b", reason="outage", until=300.0) is None
    # a task and its answer are the addressed role's
    for type_ in ("task_set", "task_answered"):
        assert seen(type_, "cert-a", "cert-a", task="Q1") is not None
        assert seen(type_, "cert-a", "cert-b", task="Q1") is None


def test_a_password_reaches_its_recipient_and_a_lost_one_stays_with_control():
    def seen(type_: str, role: str):
        details = {"inject": "1", "artefact": "note.txt", "channel": "phone", "password": "pw"}
        return for_role(Event.make(1, 5.0, type_, "cert-a", "x", details), role, frozenset())

    delivered = seen("password_delivered", "cert-a")
    assert delivered is not None and delivered["details"]["password"] == "pw"
    assert seen("password_delivered", "cert-b") is None
    assert seen("password_lost", "cert-a") is None  # it never comes, as in a real drill


def test_the_end_of_a_drill_names_only_the_roles_own_open_expectations():
    ev = Event.make(9, 480.0, "drill_ended", None, None, {"open_expectations": ["E1", "E2"]})
    assert for_role(ev, "cert-b", frozenset({"E2"}))["details"]["open_expectations"] == ["E2"]
    assert for_role(ev, "cert-c", frozenset())["details"]["open_expectations"] == []


def test_a_player_gets_none_of_the_organisers_notes_in_its_scenario():
    from scenarios import Scenario, load_scenario, resolve_scenario_arg
    from sim.net.visibility import scenario_for_role

    scenario = load_scenario(resolve_scenario_arg("acid-hacktivism")).scenario
    assert scenario.drill.description and any(a.description for a in scenario.actors.values())
    assert any(x.contingencies() for x in scenario.expectations if "thaicert" in x.actors)
    data = scenario_for_role(scenario, "thaicert")
    Scenario.model_validate(data)  # still a scenario the client can read
    assert data["drill"]["description"] == ""
    assert all(a["description"] == "" for a in data["actors"].values())
    # a contact that always bounces is a stale one: the surprise, given away
    assert any(c.bounces is not None for a in scenario.actors.values()
               for c in a.contacts.values())
    assert all(not c["stale"] and c["note"] == "" and c["bounces"] is None
               for a in data["actors"].values() for c in a["contacts"].values())
    assert data["expectations"] and all(
        x[k] is None for x in data["expectations"]
        for k in ("contingency", "on_met", "on_late", "on_lost"))
    outage = load_scenario(resolve_scenario_arg("apcert-outage")).scenario
    assert outage.drill.description and "out of date" in outage.drill.description
    assert "out of date" not in json.dumps(scenario_for_role(outage, "krcert"))


QUESTION_A = "QUESTION-FOR-A which sinkhole will you use"
QUESTION_B = "QUESTION-FOR-B which victims will you call"
KEY_A = "ANSWER-KEY-A 203.0.113.77"
ANSWER_A = "ANSWER-FROM-A we block 203.0.113.0/24"


async def test_a_player_answers_its_own_task_over_the_wire(scenario_data, load, tmp_path):
    data = net_scenario(scenario_data)
    data["tasks"] = [
        {"id": "Q1", "question": QUESTION_A, "to": ["cert-a"], "at": "T+01:00",
         "answer_key": KEY_A},
        {"id": "Q2", "question": QUESTION_B, "to": ["cert-b"], "at": "T+01:00",
         "answer_key": "ANSWER-KEY-B"},
    ]
    loaded = load(data)
    async with serving(loaded, tmp_path) as (server, urls):
        a, b = await raw_join(urls["cert-a"]), await raw_join(urls["cert-b"])
        fac = await raw_join(urls["facilitator"])
        await run_to(server, 90)  # both tasks asked
        client_a = DrillClient(urls["cert-a"])
        await client_a.connect()
        await until(lambda: client_a.state.tasks_of("cert-a"))
        await client_a.answer_task("cert-a", "Q1", ANSWER_A)
        assert client_a.state.tasks_of("cert-a")[0].answer == ANSWER_A
        assert server.session.engine.msel.answers[("Q1", "cert-a")] == ANSWER_A
        assert server.session.journal.commands()[-1].who == "cert-a"
        # not for another role, nor a task it was not asked
        with pytest.raises(ActionError, match="own role"):
            await client_a.answer_task("cert-b", "Q2", "answered for b")
        with pytest.raises(ActionError, match="no task 'Q2' was asked of cert-a"):
            await client_a.answer_task("cert-a", "Q2", "answered for b")
        assert ("Q2", "cert-b") not in server.session.engine.msel.answers
        assert [c.kind for c in server.session.journal.commands()] == ["answer_task"]
        await until(lambda: any(m["event"]["type"] == "task_answered" for m in fac.of("event")))
        await until(lambda: any(m["event"]["type"] == "task_answered" for m in a.of("event")))
        await run_to(server, 240)  # inject 3 reaches cert-b after everything above
        await until(lambda: any(m["event"]["type"] == "inject_delivered" for m in b.of("event")))
        got_a, got_b, got_fac = ("".join(c.frames) for c in (a, b, fac))
        # each role gets its own question, never the other's, nor any answer key
        assert QUESTION_A in got_a and QUESTION_B not in got_a
        assert QUESTION_B in got_b and QUESTION_A not in got_b and ANSWER_A not in got_b
        assert KEY_A not in got_a + got_b and "ANSWER-KEY-B" not in got_a + got_b
        assert b.of("welcome")[0]["scenario"]["tasks"] == []
        # the facilitator sees both questions and the answer
        assert QUESTION_A in got_fac and QUESTION_B in got_fac and ANSWER_A in got_fac
        for c in (a, b, fac):
            await c.close()
        await client_a.close()


# --- tokens ------------------------------------------------------------------------


async def test_forged_foreign_and_revoked_tokens_are_refused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        base, _ = parse_invite(urls["cert-a"])
        forged = DrillClient(base + "?token=" + "A" * 43)
        with pytest.raises(JoinRefused, match="not valid"):
            await forged.connect()
        # a real token of another drill's server
        foreign_token, _ = TokenStore(tmp_path / "other.tokens").issue("facilitator")
        with pytest.raises(JoinRefused):
            await DrillClient(base + "?token=" + foreign_token).connect()
        # revoked by the facilitator: the connection is closed and cannot come back
        fac, b = DrillClient(urls["facilitator"]), DrillClient(urls["cert-b"])
        await fac.connect()
        await b.connect()
        ids = {t["role"]: t["id"] for t in await fac.tokens()}
        await fac.revoke(ids["cert-b"])
        await until(lambda: b.failure is not None, timeout=10)
        assert isinstance(b.failure, JoinRefused) and not b.connected
        with pytest.raises(JoinRefused):
            await DrillClient(urls["cert-b"]).connect()
        # the others carry on
        await run_to(server, 70)
        await until(lambda: any(e.type == "inject_delivered" for e in fac.state.recent))
        await fac.close()
        await b.close()


async def test_the_server_keeps_only_hashes_of_tokens(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        stored = server.tokens.path.read_text()
        assert oct(server.tokens.path.stat().st_mode & 0o777) == "0o600"
        for url in urls.values():
            token = parse_invite(url)[1]
            assert token not in stored
            assert server.tokens.check(token) is not None


async def test_a_player_cannot_send_facilitator_commands(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        attempts = [lambda c: c.fire_inject("1"), lambda c: c.skip_inject("1"),
                    lambda c: c.delay_inject("1", 30), lambda c: c.set_human("cert-b", False),
                    lambda c: c.pause(), lambda c: c.resume(), lambda c: c.set_speed(10),
                    lambda c: c.next_inject(), lambda c: c.invite("facilitator"),
                    lambda c: c.tokens(), lambda c: c.revoke("x")]
        for attempt in attempts:  # each on its own connection: repeated tries get it closed
            a = DrillClient(urls["cert-a"], reconnect=False)
            await a.connect()
            with pytest.raises(ActionError, match=r"may not|only the facilitator"):
                await attempt(a)
            await a.close()
        a = DrillClient(urls["cert-a"])
        await a.connect()
        # nor act for another team
        with pytest.raises(ActionError, match="own role"):
            await a.act(Action("cert-b", "acknowledge", "x"))
        assert server.session.engine.injects["1"].state == "pending"
        assert server.session.human_roles["cert-b"] is True
        assert not server.clock.running
        assert server.session.journal.commands() == []
        # an observer watches without acting
        obs = DrillClient(urls["observer"])
        await obs.connect()
        with pytest.raises(ActionError):
            await obs.act(Action("cert-a", "acknowledge", "x"))
        # while the facilitator's commands go through, in the session's vocabulary
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        await fac.fire_inject("1")
        assert server.session.engine.injects["1"].state == "fired"
        assert [c.kind for c in server.session.journal.commands()] == ["fire_inject"]
        assert any(i.ref == "inject:1" for i in fac.state.inbox["cert-a"])
        await until(lambda: a.state.item("cert-a", "inject:1") is not None)
        await a.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
        assert a.state.item("cert-a", "inject:1").acknowledged
        assert server.session.journal.commands()[-1].who == "cert-a"
        for c in (a, obs, fac):
            await c.close()


async def test_refused_actions_carry_the_engines_reason(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        a = DrillClient(urls["cert-a"])
        await a.connect()
        with pytest.raises(ActionError) as refused:
            await a.act(Action("cert-a", "fly", "x"))
        assert "fly" in str(refused.value) or "verb" in str(refused.value)
        await a.close()


async def test_the_facilitator_drives_the_clock_and_clients_follow_it(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac, a = DrillClient(urls["facilitator"]), DrillClient(urls["cert-a"])
        await fac.connect()
        await a.connect()
        assert not a.clock.running
        await fac.next_inject()
        assert server.session.now == pytest.approx(60, abs=0.01)
        await until(lambda: a.state.item("cert-a", "inject:1") is not None)
        await fac.set_speed(600)
        assert server.session.speed == 600
        await fac.resume()
        await until(lambda: a.clock.running and a.clock.speed == 600)
        await asyncio.sleep(0.3)
        assert server.session.now > 60.5  # the server advanced the engine on its own
        await fac.pause()
        await until(lambda: not a.clock.running)
        assert abs(a.now - server.session.now) < 0.5
        for c in (fac, a):
            await c.close()


# --- reliability ---------------------------------------------------------------------


async def test_since_resumes_with_no_gap_and_no_duplicate(loaded, tmp_path):
    from websockets.asyncio.client import connect

    async with serving(loaded, tmp_path) as (server, urls):
        first = await raw_join(urls["cert-a"])
        await run_to(server, 150)
        await until(lambda: len(first.of("event")) == server.streams["cert-a"].last)
        seqs = [m["seq"] for m in first.of("event")]
        assert seqs == list(range(1, len(seqs) + 1))
        await first.close()
        held = len(seqs) - 2  # as if the last two were lost with the connection
        mark = P.NO_MARK  # the fingerprint of the events held, as the hello says it
        for m in first.of("event")[:held]:
            mark = P.stream_mark(mark, m["event"])
        await run_to(server, 400)
        base, token = urls["cert-a"].split("?token=")
        again = Raw(await connect(base, max_size=P.MAX_SERVER_FRAME))
        await again.send({"type": "hello", "version": P.PROTOCOL_VERSION, "token": token,
                          "since": held, "mark": mark})
        await until(lambda: len(again.of("event")) == server.streams["cert-a"].last - held)
        resent = [m["seq"] for m in again.of("event")]
        assert resent == list(range(held + 1, server.streams["cert-a"].last + 1))
        assert again.of("welcome")[0]["last"] == server.streams["cert-a"].last
        await again.close()


async def test_a_dropped_client_reconnects_and_misses_nothing(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        client = DrillClient(urls["cert-a"])
        got: list[int] = []
        client.listen(lambda ev: got.append(ev.seq))
        await client.connect()
        await run_to(server, 70)
        await until(lambda: client.seq == server.streams["cert-a"].last)
        client._ws.transport.abort()  # the network goes away
        await run_to(server, 300)  # the drill goes on meanwhile
        await until(lambda: client.connected and client.seq == server.streams["cert-a"].last,
                    timeout=10)
        expected = [ev.seq for ev in server.session.engine.log
                    if for_role(ev, "cert-a", server.streams["cert-a"].expectations)]
        assert got == expected
        assert client.state.item("cert-a", "inject:2").text == SECRET_A
        await client.close()


async def test_the_server_survives_clients_vanishing(loaded, tmp_path):
    async with serving(loaded, tmp_path, running=True, speed=3000) as (server, urls):
        for _ in range(5):
            gone = await raw_join(urls["cert-b"])
            await asyncio.sleep(0.02)
            gone.ws.transport.abort()
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        before = server.session.now
        await asyncio.sleep(0.3)
        assert server.session.now > before
        assert all(c.grant.role != "cert-b" for c in server.conns)
        await fac.close()


# --- malformed input ----------------------------------------------------------------


async def test_malformed_frames_get_errors_and_the_drill_carries_on(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        bad = await raw_join(urls["cert-a"])
        await bad.until(lambda r: r.of("welcome"))
        await bad.send("this is not json {")
        await bad.send({"type": "teleport", "id": 3})
        await bad.send({"type": "command", "id": 4})  # no kind
        await bad.send("x" * (P.MAX_CLIENT_FRAME + 1))
        await bad.until(lambda r: len(r.of("error")) == 4)
        codes = [(m["code"], m["id"]) for m in bad.of("error")]
        assert codes == [("bad_frame", None), ("unknown_type", 3), ("bad_frame", 4),
                         ("too_large", None)]
        # the messages never echo what was sent
        assert all("teleport" not in m["message"] and "xxxx" not in m["message"]
                   for m in bad.of("error"))
        # still connected: a good request is answered
        await bad.send({"type": "command", "id": 5, "kind": "act",
                        "payload": {"actor": "cert-a", "verb": "acknowledge", "incident": "x"}})
        await bad.until(lambda r: any(m.get("id") == 5 for m in r.messages()
                                      if m["type"] in ("result", "error")))
        # one more bad frame is the fifth strike: the connection is closed
        await bad.send(b"\x00\x01binary")
        await bad.until(lambda r: r.task.done())
        assert bad.ws.close_code == P.CLOSE_POLICY
        assert bad.of("error")[-1]["code"] == "bad_frame"
        # a frame too big to read at all closes that connection, not the drill
        huge = await raw_join(urls["cert-b"])
        await huge.send("y" * (P.HARD_CLIENT_FRAME + 10))
        await huge.until(lambda r: r.task.done())
        assert huge.ws.close_code == 1009
        # the drill carries on for everyone else
        await fac.fire_inject("1")
        await run_to(server, 120)
        assert server.session.engine.injects["1"].state == "fired"
        assert fac.connected


@pytest.mark.parametrize(("hello", "code"), [
    ({"type": "command", "id": 1, "kind": "act", "payload": {}}, "not_ready"),
    ({"type": "hello", "version": P.PROTOCOL_VERSION + 1, "token": "t"}, "version"),
    ("[1, 2", "bad_frame"),
])
async def test_a_connection_starts_with_a_good_hello(loaded, tmp_path, hello, code):
    from websockets.asyncio.client import connect

    async with serving(loaded, tmp_path) as (_server, urls):
        base = urls["cert-a"].split("?")[0]
        async with connect(base) as ws:
            await ws.send(hello if isinstance(hello, str) else json.dumps(hello))
            answer = json.loads(await ws.recv())
            assert answer["type"] == "error" and answer["code"] == code
            await ws.wait_closed()
            assert ws.close_code == P.CLOSE_POLICY


def test_only_loopback_counts_as_local():
    assert is_local("127.0.0.1") and is_local("::1") and is_local("localhost")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5") and not is_local("example.org")


async def test_listening_beyond_this_machine_without_tls_is_flagged(loaded, tmp_path):
    from sim.runs.session import DrillSession

    session = DrillSession.start(loaded, journal_path=tmp_path / "j.journal.sqlite")
    try:
        assert DrillServer(session, TokenStore(), host="0.0.0.0").insecure
        assert not DrillServer(session, TokenStore(), host="127.0.0.1").insecure
    finally:
        session.close()
