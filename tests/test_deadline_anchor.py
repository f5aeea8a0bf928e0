"""An expectation anchored on an inject counts down from when the engine fired the inject,
in every view: the console, the role view, and both over the network.

The engine anchors ``after: <inject>`` when the inject fires
(``ExpectationState.anchor_at``) and scores against ``anchor_at + within``. Delivery
can come later: here a phone call reaches a team only once it is back at its desk.
The views must show the deadline the engine scores against, not one counted from the
delivery.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("textual")

from net_helpers import raw_join, serving
from net_helpers import until as until_true
from test_tui import until

from scenarios.durations import format_drill_time
from sim.net.client import DrillClient
from sim.net.remote import RemoteSession
from sim.runs.session import DrillSession
from sim.runs.view import DrillState
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.screens.live import time_left

#: the phoned inject fires at 18:00 Singapore time, when CERT-SG has gone home
FIRED = 9 * 60.0
#: it rings through at 09:00 the next morning
DELIVERED = 24 * 60.0
WITHIN = 20 * 60.0
#: what the engine scores against (T+29:00), and what counting from delivery gives (T+44:00)
DEADLINE = FIRED + WITHIN
FROM_DELIVERY = DELIVERED + WITHIN


def off_duty(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computable drill, plus an evening phone call to CERT-SG that waits for
    the morning, and expectations anchored on it (and one on the incident)."""
    data["injects"].append(
        {"id": "call", "at": "T+09:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Evening call", "incident": {"id": "x"}})
    data["expectations"] = [
        # CERT-SG is played by a person and acknowledges nothing on its own
        {"id": "E9", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "20h", "after": "call"},
        # CERT-TH's expectation anchored on an inject CERT-TH never receives
        {"id": "E8", "actors": ["cert-b"], "action": "acknowledge", "incident": "x",
         "within": "20h", "after": "call"},
        # anchored on the opening of the incident (the inject cert-a receives opens it)
        {"id": "E7", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "40h"},
    ]
    return data


@pytest.fixture
def loaded(scenario_data, load):
    return load(off_duty(scenario_data))


def cell(screen, table_id: str, row: str, column: int) -> str:
    table = screen.query_one(table_id)
    return str(table.get_cell(row, table.ordered_columns[column].key).plain)


def test_the_engine_anchors_on_firing_and_delivers_in_the_morning(loaded):
    """The premise of the other tests: firing and delivery are far apart."""
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], record=False)
    session.advance_to(DELIVERED + 30)
    exp = session.engine.expectations.states["E9"]
    assert exp.anchor_at == FIRED and exp.deadline_at == DEADLINE
    delivered = [e.time for e in session.engine.log
                 if e.type == "inject_delivered" and e.details["inject"] == "call"]
    assert delivered == [DELIVERED]


async def test_console_and_role_view_show_the_engines_deadline(loaded):
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], record=False)
    engine = session.engine
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        assert isinstance(app.screen, FacilitatorScreen)

        # fired, not yet delivered: the engine's clock is already running
        app.jump_to(FIRED + 60)
        await pilot.pause()
        assert engine.expectations.states["E9"].deadline_at == DEADLINE
        assert app.state.shown(app.state.expectations["E9"]).deadline_at == DEADLINE
        assert cell(app.screen, "#expectations", "E9", 1) == "due"
        assert cell(app.screen, "#expectations", "E9", 2) == format_drill_time(DEADLINE)

        # delivered the next morning: the deadline stays where the engine put it
        app.jump_to(DELIVERED + 60)
        await pilot.pause()
        assert app.state.shown(app.state.expectations["E9"]).deadline_at == DEADLINE \
            != FROM_DELIVERY
        assert cell(app.screen, "#expectations", "E9", 2) == format_drill_time(DEADLINE)
        assert cell(app.screen, "#expectations", "E9", 3) == "4h"  # T+25:00 to T+29:00
        assert cell(app.screen, "#expectations", "E8", 2) == format_drill_time(DEADLINE)

        app.open_role("cert-a")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        assert cell(app.screen, "#todo", "E9", 1) == format_drill_time(DEADLINE)
        assert cell(app.screen, "#todo", "E9", 2) == "4h"

        # the engine scores against the same deadline: missed at T+29:00
        app.jump_to(DEADLINE + 1)
        await pilot.pause()
        missed = [e for e in engine.log if e.type == "expectation_missed"
                  and e.details["expectation"] == "E9"]
        assert [e.details["deadline_at"] for e in missed] == [DEADLINE]
        assert cell(app.screen, "#todo", "E9", 0) == "missed"
        assert cell(app.screen, "#todo", "E9", 1) == format_drill_time(DEADLINE)


async def joined_app(url: str) -> tuple[DrillApp, DrillClient]:
    client = DrillClient(url)
    await client.connect()
    return DrillApp(RemoteSession(client), tick=0.05), client


@pytest.mark.parametrize(("who", "screen_type", "table", "column"), [
    ("cert-a", ParticipantScreen, "#todo", 1),  # a player's role view: its to-do list
    ("facilitator", FacilitatorScreen, "#expectations", 2),
])
async def test_over_the_network_the_views_show_the_engines_deadline(
        loaded, tmp_path, who, screen_type, table, column):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(DELIVERED + 60)
        server.clock.jump_to(server.session.now)
        assert server.session.engine.expectations.states["E9"].deadline_at == DEADLINE
        app, client = await joined_app(urls[who])
        try:
            async with app.run_test(size=(160, 40)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, screen_type)
                            and app.screen.ready)
                await until(pilot, lambda: "inject:call" in [
                    i.ref for i in app.state.inbox["cert-a"]])
                await pilot.pause(0.2)  # a few ticks of the app's clock: redrawn
                assert cell(app.screen, table, "E9", column) == format_drill_time(DEADLINE)
                assert app.state.shown(app.state.expectations["E9"]).deadline_at == DEADLINE
        finally:
            await client.close()


async def test_a_player_learns_the_anchor_only_of_an_inject_it_received(loaded, tmp_path):
    """The deadline a player's to-do list learns is the engine's, and only for an inject
    the role received (not another team's inject), or for the opening of an incident the
    role was told of as it began (E7: the inject that opened it reached cert-a)."""
    async with serving(loaded, tmp_path) as (server, urls):
        a = await raw_join(urls["cert-a"])
        b = await raw_join(urls["cert-b"])
        fac = await raw_join(urls["facilitator"])
        try:
            await until_true(lambda: a.of("due") and b.of("due") and fac.of("due"))
            # after the welcome: the anchors so far (the incident is not open yet)
            assert [m["anchors"] for m in a.of("due") + b.of("due") + fac.of("due")] == [{}] * 3
            server.session.advance_to(FIRED + 60)  # fired, still ringing at an empty desk
            server.clock.jump_to(server.session.now)
            await until_true(lambda: fac.of("due") and "E9" in fac.of("due")[-1]["anchors"])
            assert fac.of("due")[-1]["anchors"] == {"E9": FIRED, "E8": FIRED, "E7": 60.0}
            assert all("E9" not in m["anchors"] for m in a.of("due"))  # not received yet

            server.session.advance_to(DELIVERED + 60)
            server.clock.jump_to(server.session.now)
            await until_true(lambda: a.of("due") and "E9" in a.of("due")[-1]["anchors"])
            assert a.of("due")[-1]["anchors"] == {"E9": FIRED, "E7": 60.0}
            await asyncio.sleep(0.3)  # a few more ticks of the server's clock
            assert b.of("due") and all(m["anchors"] == {} for m in b.of("due"))
        finally:
            for raw in (a, b, fac):
                await raw.close()


def test_an_inject_lost_on_the_way_still_starts_the_countdown_the_console_shows(
        scenario_data, load):
    """Nothing reaches CERT-TH (its e-mail address is out of date), yet the engine
    counts down from when the inject fired: the console says so, with the same deadline."""
    data = off_duty(scenario_data)
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    data["injects"].append(
        {"id": "mail", "at": "T+02:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Lost mail", "incident": {"id": "x"}})
    data["expectations"].append(
        {"id": "E6", "actors": ["cert-b"], "action": "acknowledge", "incident": "x",
         "within": "3h", "after": "mail"})
    session = DrillSession.start(load(data), human=["cert-a", "cert-b"], record=False)
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    session.listen(state.apply)
    session.advance_to(150)
    assert [e.details["reason"] for e in session.engine.log if e.type == "message_lost"] == [
        "stale_contact"]
    engine_deadline = session.engine.expectations.states["E6"].deadline_at
    assert engine_deadline == 120 + 180
    assert state.expectations["E6"].deadline_at is None  # the read model saw no delivery
    state.use_anchors(session.anchors)
    row = state.shown(state.expectations["E6"])
    assert (row.status, row.deadline_at) == ("due", engine_deadline)
    assert time_left(row.deadline_at, 150, row.status) == "2h30m"
    # CERT-TH's own to-do list does not count down on an inject that never reached it:
    # that is exercise control's knowledge, as a player over the network is told
    assert [(x.id, x.status, x.deadline_at) for x in state.todo("cert-b")
            if x.id == "E6"] == [("E6", "waiting", None)]
    session.advance_to(engine_deadline + 1)  # and the engine misses it then
    state.use_anchors(session.anchors)
    row = state.shown(state.expectations["E6"])
    assert (row.status, row.deadline_at) == ("missed", engine_deadline)
