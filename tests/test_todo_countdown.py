"""A role's to-do list counts down to each deadline the role can know, in a hot-seat role
view and on a player's terminal alike.

An expectation counted from the opening of an incident (``after: incident``, the
default) counts down once the role has received the inject that opened the incident,
or one sent at that very moment: it was told of the incident as it began. A role that
first hears of the incident later does not know when it began, and its to-do list shows
no deadline. A player's scenario names no inject the role is not sent; and the bundled
scenarios' expectations tell each role what to do without naming the other teams that
share them or a report the role never sees.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual")

from net_helpers import control_state, raw_join, serving, todo_rows
from net_helpers import until as until_true
from test_tui import until

from scenarios import Scenario, load_scenario, resolve_scenario_arg
from scenarios.bundled import __file__ as bundled_init
from scenarios.durations import format_drill_time
from sim.engine import Action, Engine
from sim.net.client import DrillClient
from sim.net.visibility import for_role, role_expectations, scenario_for_role
from sim.runs.session import DrillSession
from sim.runs.view import DrillState
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.screens.live import time_left

#: inject 1 opens incident x at T+01:00 (to cert-a); y opens at T+05:00, told to both
OPENED_X, OPENED_Y = 60.0, 300.0


def countdowns(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computable drill: cert-a is told of incident x as it opens (inject 1),
    cert-b only later (inject 2); both are told of incident y as it opens (y1 and y2,
    sent at the same moment)."""
    data["injects"] += [
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Seen in Bangkok too", "incident": {"id": "x"}},
        {"id": "y1", "at": "T+05:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Phishing",
         "incident": {"id": "y", "type": "phishing", "affected": ["SG"]}},
        {"id": "y2", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Phishing, Bangkok", "incident": {"id": "y"}},
    ]
    ack = {"action": "acknowledge"}
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], **ack, "incident": "x", "within": "8h"},
        {"id": "E2", "actors": ["cert-b"], **ack, "incident": "x", "within": "8h"},
        # counted from an inject cert-b is never sent
        {"id": "E3", "actors": ["cert-b"], **ack, "incident": "x", "within": "8h",
         "after": "1"},
        {"id": "E4", "actors": ["cert-b"], **ack, "incident": "y", "within": "2h"},
        {"id": "E5", "actors": ["cert-a"], **ack, "incident": "x", "within": "6h",
         "after": "1"},
    ]
    return data


#: what each role's to-do list shows at T+05:30: (id, status, deadline)
EXPECTED = {
    "cert-a": [("E5", "due", OPENED_X + 360), ("E1", "due", OPENED_X + 480)],
    "cert-b": [("E4", "due", OPENED_Y + 120), ("E2", "waiting", None), ("E3", "waiting", None)],
}
NOW = 330.0


@pytest.fixture
def loaded(scenario_data, load):
    return load(countdowns(scenario_data))


def cell(screen, row: str, column: int) -> str:
    table = screen.query_one("#todo")
    return str(table.get_cell(row, table.ordered_columns[column].key).plain)


def test_the_hot_seat_to_do_list_counts_down_from_an_incident_the_role_saw_open(loaded):
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], record=False)
    session.advance_to(OPENED_X - 1)
    assert todo_rows(control_state(session), "cert-a") == [("E1", "waiting", None),
                                                           ("E5", "waiting", None)]
    session.advance_to(NOW)
    state = control_state(session)
    for role, expected in EXPECTED.items():
        assert todo_rows(state, role) == expected, role
    # exercise control counts every one of them down, E2 from the opening too
    assert state.shown(state.expectations["E2"]).deadline_at == OPENED_X + 480


async def test_the_role_view_shows_due_and_left_for_an_incident_deadline(loaded):
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        app.jump_to(OPENED_X + 30)
        await pilot.pause()
        app.open_role("cert-a")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        await pilot.pause()
        assert cell(app.screen, "E1", 0) == "due"
        assert cell(app.screen, "E1", 1) == format_drill_time(OPENED_X + 480)
        assert cell(app.screen, "E1", 2) == time_left(OPENED_X + 480, app.state.now, "due")
        assert cell(app.screen, "E1", 2) not in ("", "overdue")


async def test_a_player_sees_exactly_what_the_hot_seat_to_do_list_shows(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        session = server.session
        session.advance_to(NOW)
        server.clock.jump_to(session.now)
        hot = control_state(session)
        for role, expected in EXPECTED.items():
            client = DrillClient(urls[role])
            await client.connect()
            try:
                await client.wait_for_seq(server.streams[role].last)
                assert client.state is not None
                client.state.use_anchors(client.anchors)
                assert todo_rows(client.state, role) == todo_rows(hot, role) == expected, role
            finally:
                await client.close()


async def test_a_met_expectation_keeps_the_deadline_the_player_knows(loaded, tmp_path):
    """cert-a acknowledges inject 1 in time: its to-do list shows E1 met, with the
    deadline it counted down to, over the network as in the hot seat."""
    async with serving(loaded, tmp_path) as (server, urls):
        session = server.session
        session.advance_to(OPENED_X + 30)
        session.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
        session.advance_to(NOW)
        server.clock.jump_to(session.now)
        met = [e for e in session.engine.log if e.type == "expectation_met"
               and e.details["expectation"] == "E1"]
        assert met
        raw = await raw_join(urls["cert-a"])
        try:
            await until_true(lambda: any(m["event"]["type"] == "expectation_met"
                                         for m in raw.of("event")))
            told = next(m["event"] for m in raw.of("event")
                        if m["event"]["type"] == "expectation_met")
            assert told["details"]["deadline_at"] == OPENED_X + 480
        finally:
            await raw.close()
        client = DrillClient(urls["cert-a"])
        await client.connect()
        try:
            await client.wait_for_seq(server.streams["cert-a"].last)
            assert client.state is not None
            client.state.use_anchors(client.anchors)
            e1 = next(x for x in client.state.todo("cert-a") if x.id == "E1")
            assert (e1.status, e1.deadline_at) == ("met", OPENED_X + 480)
            hot = next(x for x in control_state(session).todo("cert-a") if x.id == "E1")
            assert (hot.status, hot.deadline_at) == ("met", OPENED_X + 480)
        finally:
            await client.close()


def test_a_players_expectations_name_no_inject_it_is_not_sent(loaded):
    sc = loaded.scenario
    started = Engine(sc, seed=0).log[0]
    for role, named in (("cert-a", {"E1": "incident", "E5": "1"}),
                        ("cert-b", {"E2": "incident", "E3": "", "E4": "incident"})):
        given = {x["id"]: x["after"] for x in scenario_for_role(sc, role)["expectations"]}
        seen = for_role(started, role, role_expectations(sc, role))
        assert seen is not None
        said = {x["id"]: x["after"] for x in seen["details"]["expectations"]}
        assert given == said == named, role
    # the player's terminal, built from that scenario, shows E3 waiting as the hot seat does
    state = DrillState(Scenario.model_validate(scenario_for_role(sc, "cert-b")))
    assert [x.id for x in state.todo("cert-b") if x.status == "waiting"] == ["E2", "E3", "E4"]


async def test_the_welcome_names_no_inject_the_player_is_not_sent(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        raw = await raw_join(urls["cert-b"])
        try:
            await raw.until(lambda r: r.of("welcome") and r.of("event"))
            welcome = raw.of("welcome")[0]["scenario"]["expectations"]
            started = raw.of("event")[0]["event"]["details"]["expectations"]
            for x in [*welcome, *started]:
                assert x["after"] in ("incident", ""), x
            assert {x["id"]: x["after"] for x in welcome}["E3"] == ""
        finally:
            await raw.close()


# --- the bundled scenarios' wording -------------------------------------------------

BUNDLED = sorted(p.stem for p in Path(bundled_init).parent.glob("*.yaml"))


def _wording_problems(sc: Scenario) -> list[str]:
    """What a role's expectation says that the role may never see: an inject it is not
    sent, another team that shares it (other than the team it is addressed to), or the
    report of a place (``Cambodia's report``) when it counts from an inject the role is
    not sent."""
    sent = {inj.id: set(inj.to) for inj in sc.injects}
    found = []
    for x in sc.expectations:
        for role in x.actors:
            for iid in re.findall(r"\binjects? ([\w-]+)", x.description):
                if role not in sent.get(iid, set()):
                    found.append(f"{x.id} names inject {iid}, never sent to {role}")
            for other in set(x.actors) - {role, x.target}:
                name = sc.actors[other].name.split(" (")[0]
                if re.search(rf"\b{re.escape(name)}\b", x.description, re.I):
                    found.append(f"{x.id} names {name}, which shares it with {role}")
            if x.after != "incident" and role not in sent.get(x.after, set()) \
                    and re.search(r"\b\w+'s (report|call|alert)\b", x.description):
                found.append(f"{x.id} names a report {role} is never sent")
    return found


@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_expectation_names_what_its_roles_may_never_see(name):
    sc = load_scenario(resolve_scenario_arg(name)).scenario
    assert _wording_problems(sc) == []


def test_the_wording_check_catches_the_old_descriptions(scenario_data, load):
    data = countdowns(scenario_data)
    data["expectations"] = [
        {"id": "E12", "actors": ["cert-a", "cert-b"], "action": "escalate",
         "target": "council", "incident": "x", "after": "2", "within": "4h",
         "description": "CERT-SG or CERT-TH escalates within 4 hours of Thailand's report."},
        {"id": "E3", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "after": "1", "within": "3h", "description": "Acknowledge within 3h of inject 2."},
    ]
    for actor, name in (("cert-a", "CERT-SG (Singapore)"), ("cert-b", "CERT-TH (Thailand)")):
        data["actors"][actor]["name"] = name
    problems = _wording_problems(load(data).scenario)
    assert any("names CERT-TH" in p for p in problems)
    assert any("names a report cert-a" in p for p in problems)
    assert any("names inject 2" in p for p in problems)
