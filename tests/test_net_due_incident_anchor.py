"""A player's terminal counts down to the very deadline the host's console shows, for an
expectation counted from the opening of an incident as for one counted from an inject.

The ``due`` frame gives a player the engine's own anchor of each of its expectations
whose countdown it may know the start of: one counted from an inject it received, and
one counted from the opening of an incident it was told of as it began. An incident
opened at a moment that is not a whole number of drill minutes (here 20 seconds past
the hour) shows whether the terminal counts from the engine's anchor, as the console
does, or from the time its events carry, rounded to the microminute.
"""

from __future__ import annotations

from typing import Any

import pytest
from net_helpers import control_state, raw_join, serving, todo_rows
from net_helpers import until as until_true

from sim.net import protocol as P
from sim.net.client import DrillClient

#: inject 1 opens incident x at 10:00:20 (T+01:00:20), to cert-a only
OPENED_X = 60 + 20 / 60
#: cert-b first hears of incident x at T+03:00
NOW = 240.0


def opened_between_minutes(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computable drill, its first inject sent 20 seconds past the hour, and
    cert-b told of the incident later."""
    data["injects"][0]["at"] = "2026-08-19T10:00:20+08:00"
    data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Seen in Bangkok too", "incident": {"id": "x"}})
    ack = {"action": "acknowledge", "incident": "x"}
    data["expectations"] = [
        # counted from the opening of x: cert-a was told of it as it began
        {"id": "E1", "actors": ["cert-a"], **ack, "within": "8h"},
        # the same for cert-b, which heard of x only later: not its to know
        {"id": "E2", "actors": ["cert-b"], **ack, "within": "8h"},
        # counted from the inject cert-b received
        {"id": "E3", "actors": ["cert-b"], **ack, "within": "2h", "after": "2"},
        # counted from an inject cert-b is never sent
        {"id": "E4", "actors": ["cert-b"], **ack, "within": "8h", "after": "1"},
    ]
    return data


@pytest.fixture
def loaded(scenario_data, load):
    return load(opened_between_minutes(scenario_data))


async def test_a_player_is_sent_the_engines_anchor_of_an_incident_it_saw_open(
        loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        session = server.session
        session.advance_to(NOW)
        server.clock.jump_to(session.now)
        anchors = session.anchors
        # the engine's anchor is not the time the events carry (rounded)
        opened = next(e.time for e in session.engine.log if e.type == "incident_opened")
        assert anchors["E1"] == pytest.approx(OPENED_X) and anchors["E1"] != opened
        a = await raw_join(urls["cert-a"])
        b = await raw_join(urls["cert-b"])
        old = await raw_join(urls["cert-a"], version=P.OLDEST_VERSION)
        try:
            await until_true(lambda: a.of("due") and b.of("due") and old.of("due"))
            assert a.of("due")[-1]["anchors"] == {"E1": anchors["E1"]}
            # an older terminal reads the same frame, of the same shape
            assert old.of("due")[-1] == a.of("due")[-1]
            # cert-b: the inject it received, not the opening it was not told of, nor
            # the inject it never received
            assert b.of("due")[-1]["anchors"] == {"E3": anchors["E3"]}
            assert {"E2", "E4"} <= set(anchors)
        finally:
            for raw in (a, b, old):
                await raw.close()


async def test_an_incident_anchor_comes_once_the_role_is_told_of_the_opening(
        loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a = await raw_join(urls["cert-a"])
        try:
            await until_true(lambda: a.of("due"))
            assert a.of("due")[-1]["anchors"] == {}
            session = server.session
            session.advance_to(OPENED_X + 1)  # opened; the e-mail still on its way
            server.clock.jump_to(session.now)
            assert "E1" in session.anchors
            session.advance_to(OPENED_X + 10)  # delivered
            server.clock.jump_to(session.now)
            await until_true(lambda: a.of("due")[-1]["anchors"])
            assert a.of("due")[-1]["anchors"] == {"E1": session.anchors["E1"]}
            # never before the inject that tells the role reached it
            delivered = [m["seq"] for m in a.of("event")
                         if m["event"]["type"] == "inject_delivered"]
            assert delivered
            frames = a.messages()
            first = next(i for i, m in enumerate(frames)
                         if m["type"] == "due" and m["anchors"])
            assert any(m["type"] == "event" and m["event"]["type"] == "inject_delivered"
                       for m in frames[:first])
        finally:
            await a.close()


async def test_a_players_to_do_list_shows_the_consoles_deadlines(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        session = server.session
        session.advance_to(NOW)
        server.clock.jump_to(session.now)
        host = control_state(session)
        assert todo_rows(host, "cert-a") == [("E1", "due", session.anchors["E1"] + 480)]
        assert todo_rows(host, "cert-b") == [("E3", "due", session.anchors["E3"] + 120),
                                             ("E2", "waiting", None), ("E4", "waiting", None)]
        for role in ("cert-a", "cert-b"):
            client = DrillClient(urls[role])
            await client.connect()
            try:
                await client.wait_for_seq(server.streams[role].last)
                await until_true(lambda c=client, r=role: c.anchors == server.anchors_for(r))
                assert client.state is not None
                client.state.use_anchors(client.anchors)
                assert todo_rows(client.state, role) == todo_rows(host, role), role
            finally:
                await client.close()
