"""A team's to-do list tells it no more of its messages than its Sent list does.

An expectation that a message meets counts it when the message is delivered, and not at
all when it vanishes without a word (a stale contact that takes mail nobody reads, an
outage, the channel's own losses). A team learns that a message of its own arrived only
from the recipient's acknowledgement coming back, or from a phone call that connected:
until then its to-do list says it sent the message, whether it was delivered or lost,
as its Sent list does. Exercise control sees the truth throughout.

The hand-computed drill: inject 1 reaches CERT-SG at T+01:00; its policy e-mails
CERT-TH a notification at T+01:45 (delivered T+01:50, acknowledged T+02:00, the receipt
back at T+02:05) and the council an escalation at T+01:50 (delivered T+01:55, unless the
council's address is out of date, then lost; acknowledged T+02:05, the receipt back at
T+02:10).
"""

from __future__ import annotations

import asyncio
from typing import Any

from net_helpers import serving, until

from sim.engine import Engine
from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.net.visibility import for_role, role_expectations, with_outcomes
from sim.runs.view import DrillState, call_channels, player_sees_anchor

ROLE = "cert-a"


def drill(data: dict[str, Any], stale_council: bool = False) -> dict[str, Any]:
    """CERT-SG's expectations: notify (E1) and escalate (E2) within 4h of inject 1,
    escalate within 40 minutes (E3: its escalation leaves too late), and request a
    takedown within 30 minutes (E4: it never does)."""
    if stale_council:
        data["actors"]["council"]["contacts"]["email"].update(stale=True, bounces=False)
    data["expectations"] = [
        {"id": "E1", "description": "Notify CERT-TH", "actors": [ROLE], "action": "notify",
         "incident": "x", "after": "1", "within": "4h"},
        {"id": "E2", "description": "Escalate", "actors": [ROLE], "action": "escalate",
         "incident": "x", "after": "1", "within": "4h"},
        {"id": "E3", "description": "Escalate at once", "actors": [ROLE],
         "action": "escalate", "incident": "x", "after": "1", "within": "40m"},
        {"id": "E4", "description": "Request a takedown", "actors": [ROLE],
         "action": "request_takedown", "incident": "x", "after": "1", "within": "30m"},
    ]
    return data


def views(loaded: Any, until_t: float) -> tuple[DrillState, DrillState]:
    """The drill up to ``until_t``: the hot-seat state (exercise control's whole log,
    which the role view also reads) and the state of CERT-SG's terminal over the
    network, fed what the server sends it."""
    scenario = loaded.scenario
    log = Engine(loaded, seed=0).run()
    local, remote = DrillState(scenario), DrillState(scenario)
    mine = role_expectations(scenario, ROLE)
    received: set[str] = set()
    for e in log:
        if e.time > until_t:
            break
        local.apply(e)
        if e.type == "inject_delivered" and e.actor == ROLE:
            received.add(str(e.details["inject"]))
        anchored = {x for x in mine if player_sees_anchor(local.expectations[x].after, received)}
        seen = for_role(e, ROLE, mine, anchored=anchored, calls=call_channels(scenario))
        for one in with_outcomes(seen) if seen is not None else ():
            remote.apply(Event.from_dict(one))
    return local, remote


def todo(state: DrillState) -> dict[str, tuple[str, float | None]]:
    """CERT-SG's to-do list: each expectation's status and the time it shows."""
    return {x.id: (x.status, x.done_at) for x in state.todo(ROLE)}


def control(state: DrillState) -> dict[str, str]:
    """Exercise control's expectations tab."""
    return {x.id: state.shown(x).status for x in state.expectations.values()}


def test_a_lost_and_a_delivered_email_look_alike_on_the_teams_todo(scenario_data, load):
    working = load(drill(scenario_data))
    dead = load(drill(scenario_data, stale_council=True))
    # T+01:58: both e-mails have left; the notification and (with a working address)
    # the escalation have arrived, but nothing has come back to CERT-SG yet
    truth_w, seen_w = views(working, 118)
    truth_d, seen_d = views(dead, 118)
    assert control(truth_w) == {"E1": "met", "E2": "met", "E3": "late", "E4": "missed"}
    assert control(truth_d) == {"E1": "met", "E2": "due", "E3": "missed", "E4": "missed"}
    expected = {"E1": ("sent", 105.0), "E2": ("sent", 110.0),
                # sent only after its deadline, and a takedown never requested: missed
                "E3": ("missed", None), "E4": ("missed", None)}
    for state in (truth_w, seen_w, truth_d, seen_d):
        assert todo(state) == expected
    # T+02:12: the receipts have come back; the council's never comes from a dead address
    truth_w, seen_w = views(working, 132)
    truth_d, seen_d = views(dead, 132)
    assert control(truth_w) == {"E1": "met", "E2": "met", "E3": "late", "E4": "missed"}
    for state in (truth_w, seen_w):
        assert todo(state) == {"E1": ("met", 110.0), "E2": ("met", 115.0),
                               "E3": ("late", 115.0), "E4": ("missed", None)}
    for state in (truth_d, seen_d):
        assert todo(state) == {"E1": ("met", 110.0), "E2": ("sent", 110.0),
                               "E3": ("missed", None), "E4": ("missed", None)}
    # T+05:10: past E2's deadline, exercise control sees it missed; CERT-SG knows only
    # that it sent the escalation in time
    truth_d, seen_d = views(dead, 310)
    assert control(truth_d) == {"E1": "met", "E2": "missed", "E3": "missed", "E4": "missed"}
    for state in (truth_d, seen_d):
        assert todo(state)["E2"] == ("sent", 110.0)
        [row] = [x for x in state.todo(ROLE) if x.id == "E2"]
        assert row.deadline_at == 300.0


def test_a_call_that_connected_meets_the_expectation_at_once(scenario_data, load):
    """A phone call connects only when someone answers: the caller knows it got through."""
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["channel"] = "phone"
    truth, seen = views(load(drill(scenario_data)), 108)
    assert control(truth)["E1"] == "met"
    for state in (truth, seen):
        assert todo(state)["E1"][0] == "met"


async def test_a_served_teams_todo_keeps_a_lost_escalation_as_sent(
        scenario_data, load, tmp_path):
    """Over the network: the player's terminal and the facilitator's console."""
    loaded = load(drill(scenario_data, stale_council=True))
    async with serving(loaded, tmp_path, human=()) as (server, urls):
        team = DrillClient(server.invite("player", ROLE)[0])
        console = DrillClient(urls["facilitator"])
        await team.connect()
        await console.connect()
        server.session.advance_to(310)
        await team.wait_for_seq(server.streams[ROLE].last)
        await until(lambda: console.state is not None and any(
            e.type == "expectation_missed" and e.details.get("expectation") == "E2"
            for e in console.state.recent))
        assert team.state is not None and console.state is not None
        team.state.use_anchors(team.anchors)
        assert todo(team.state) == {"E1": ("met", 110.0), "E2": ("sent", 110.0),
                                    "E3": ("missed", None), "E4": ("missed", None)}
        assert control(console.state) == {
            "E1": "met", "E2": "missed", "E3": "missed", "E4": "missed"}
        for client in (team, console):
            await client.close()
        await asyncio.sleep(0)
