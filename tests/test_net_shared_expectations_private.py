"""What a player learns of exercise control's surprises and of other teams before it
should: the wording of the scenario it is given at T+00:00, who else shares one of its
expectations, and when another team's message met a shared one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from net_helpers import raw_join, serving

from scenarios import Scenario, load_scenario, resolve_scenario_arg
from scenarios.bundled import __file__ as bundled_init
from sim.engine import Action, Engine
from sim.net.server import DrillServer
from sim.net.visibility import for_role, role_expectations, scenario_for_role, with_outcomes
from sim.runs.view import DrillState

BUNDLED = sorted(p.stem for p in Path(bundled_init).parent.glob("*.yaml"))

#: how a text gives away each kind of surprise the player's scenario keeps from it
GIVEAWAYS = {
    "outage": re.compile(r"\boutages?\b|\bout of service\b", re.I),
    "stale contact": re.compile(
        r"\bstale\b|\bout[- ]of[- ]date\b|\boutdated\b|\b(old|new)[- ]address", re.I),
}


def _hidden(sc: Any, role: str) -> set[str]:
    """The kinds of surprise the scenario holds and the role's copy of it leaves out."""
    mine = scenario_for_role(sc, role)
    hidden = set()
    if sc.outages and not mine["outages"]:
        hidden.add("outage")
    stale = any(c.stale for a in sc.actors.values() for c in a.contacts.values())
    told = any(c["stale"] for a in mine["actors"].values() for c in a["contacts"].values())
    if (stale or sc.contact_changes) and not (told or mine["contact_changes"]):
        hidden.add("stale contact")
    return hidden


def _visible_texts(scenario: dict[str, Any], started: dict[str, Any]) -> list[str]:
    """The words a player has from T+00:00: its scenario (title, objectives, directory,
    expectations) and its copy of ``drill_started``."""
    texts = [scenario["drill"]["title"], started["details"].get("title", "")]
    texts += [o["text"] for o in scenario["drill"].get("objectives", ())]
    texts += [c["address"] for a in scenario["actors"].values() for c in a["contacts"].values()]
    texts += [x["description"] for x in scenario["expectations"]]
    texts += [x["description"] for x in started["details"]["expectations"]]
    return texts


def _giveaways(texts: list[str], kinds: set[str]) -> list[str]:
    return [f"{kind}: {text!r}" for kind in sorted(kinds) for text in texts
            if GIVEAWAYS[kind].search(text)]


# --- 1. the wording of what a player is given ---------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_scenario_tells_a_player_of_the_surprises_it_hides(name):
    sc = load_scenario(resolve_scenario_arg(name)).scenario
    started = Engine(sc, seed=0).log[0]
    assert started.type == "drill_started"
    for role in sc.actors:
        kinds = _hidden(sc, role)
        if not kinds:
            continue
        mine = role_expectations(sc, role)
        seen = for_role(started, role, mine)
        assert seen is not None
        leaks = _giveaways(_visible_texts(scenario_for_role(sc, role), seen), kinds)
        assert not leaks, f"{name}, {role}: {leaks}"


def test_the_checks_see_the_surprises_of_apcert_outage():
    """The drill with both kinds of surprise hides both from its players, and the check
    would catch the words that give them away."""
    sc = load_scenario(resolve_scenario_arg("apcert-outage")).scenario
    assert _hidden(sc, "jpcert") == {"outage", "stale contact"}
    assert _giveaways(["within 4 hours, mail outage or not", "despite the stale address"],
                      {"outage", "stale contact"})


async def test_jpcert_is_not_told_of_the_outage_or_the_stale_address(tmp_path):
    loaded = load_scenario(resolve_scenario_arg("apcert-outage"))
    async with serving(loaded, tmp_path, human=("jpcert",)) as (_server, urls):
        raw = await raw_join(urls["jpcert"])
        await raw.until(lambda r: r.of("welcome") and r.of("event"))
        scenario = raw.of("welcome")[0]["scenario"]
        started = raw.of("event")[0]["event"]
        assert started["type"] == "drill_started"
        assert scenario["outages"] == [] and scenario["contact_changes"] == []
        assert [x["id"] for x in scenario["expectations"]] == ["E1", "E2", "E3"]
        leaks = _giveaways(_visible_texts(scenario, started), {"outage", "stale contact"})
        assert not leaks, leaks
        # exercise control is still told what the drill holds
        fac = await raw_join(urls["facilitator"])
        await fac.until(lambda r: r.of("welcome"))
        control = fac.of("welcome")[0]["scenario"]
        assert control["outages"] and control["contact_changes"]
        await fac.close()
        await raw.close()


# --- 2. who else shares an expectation ----------------------------------------------


async def test_a_shared_expectation_names_only_the_role_itself(tmp_path):
    loaded = load_scenario(resolve_scenario_arg("acid-botnet"))
    sc = loaded.scenario
    shared = {x.id: x for x in sc.expectations if x.require in ("any", "all")
              and len(x.actors) > 1}
    assert {x.require for x in shared.values()} == {"any", "all"}
    async with serving(loaded, tmp_path, human=("thaicert", "isp-my")) as (_server, urls):
        for role in ("thaicert", "isp-my"):
            raw = await raw_join(urls[role])
            await raw.until(lambda r: r.of("welcome") and r.of("event"))
            welcome = raw.of("welcome")[0]["scenario"]["expectations"]
            started = raw.of("event")[0]["event"]
            assert started["type"] == "drill_started"
            said = started["details"]["expectations"]
            mine = [x for x in welcome if x["id"] in shared]
            assert mine, role
            for x in [*mine, *(x for x in said if x["id"] in shared)]:
                assert x["actors"] == [role], (role, x)
                # the kind of expectation stays: 'any' one of the teams it covers will do
                assert x["require"] == shared[x["id"]].require
            others = {a for x in mine for a in shared[x["id"]].actors} - {role}
            frames = json.dumps([welcome, said])
            assert others and not any(f'"{a}"' in frames for a in others), role
            await raw.close()
        fac = await raw_join(urls["facilitator"])
        await fac.until(lambda r: r.of("welcome") and r.of("event"))
        whole = {x["id"]: x["actors"] for x in fac.of("welcome")[0]["scenario"]["expectations"]}
        assert all(whole[xid] == list(x.actors) for xid, x in shared.items())
        await fac.close()


def test_every_role_of_a_bundled_scenario_is_named_alone(tmp_path):
    for name in BUNDLED:
        sc = load_scenario(resolve_scenario_arg(name)).scenario
        started = Engine(sc, seed=0).log[0]
        for role in sc.actors:
            mine = role_expectations(sc, role)
            given = scenario_for_role(sc, role)["expectations"]
            seen = for_role(started, role, mine)
            assert seen is not None
            for x in [*given, *seen["details"]["expectations"]]:
                assert x["actors"] == [role], (name, role, x["id"])
            # the role's terminal builds its to-do list from them: every row it is scored on
            state = DrillState(Scenario.model_validate(scenario_for_role(sc, role)))
            assert {x.id for x in state.todo(role)} == set(mine), (name, role)


# --- 3. when a co-owner learns another team's message met a shared one ------------


def _shared(data: dict[str, Any], silent: bool = False) -> dict[str, Any]:
    """cert-a and cert-b share E1 (either escalates to the council within 4 hours of the
    report to cert-a at T+01:00, which reaches cert-b too); e-mail takes 5 minutes.
    ``silent``: the council's address takes mail nobody reads."""
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a", "cert-b"], "require": "any", "action": "escalate",
         "target": "council", "incident": "x", "within": "4h"}]
    if silent:
        data["actors"]["council"]["contacts"]["email"].update(stale=True, bounces=False)
    return data


def _told(frames: list[str], xid: str) -> list[str]:
    """The outcomes of ``xid`` a stream's frames tell, in order."""
    out = []
    for frame in frames:
        msg = json.loads(frame)
        if msg["type"] == "event":
            out += [e["type"].removeprefix("expectation_") for e in with_outcomes(msg["event"])
                    if e["type"].startswith("expectation_")
                    and e["details"].get("expectation") == xid]
    return out


class Watch:
    """When each player's stream tells it an outcome of E1 (the drill time of the event
    being routed when the frame was sent), and what a hot-seat to-do list shows."""

    def __init__(self, server: DrillServer, roles: tuple[str, ...]):
        self.server, self.roles = server, roles
        self.told: dict[tuple[str, str], float] = {}
        self.hot = DrillState(server.session.scenario)
        self.todo: dict[str, list[tuple[float, str]]] = {r: [] for r in roles}
        server.session.listen(self)

    def __call__(self, ev: Any) -> None:
        self.hot.apply(ev)
        for role in self.roles:
            for outcome in _told(self.server.streams[role].frames, "E1"):
                self.told.setdefault((role, outcome), ev.time)
            row = next(x for x in self.hot.todo(role) if x.id == "E1")
            self.todo[role].append((ev.time, row.status))

    def hot_seat(self, role: str, outcome: str) -> float | None:
        """When the hot-seat to-do list of ``role`` first shows ``outcome``."""
        return next((t for t, s in self.todo[role] if s == outcome), None)


async def test_a_co_owner_is_told_of_another_teams_met_no_sooner_than_it(
        scenario_data, load, tmp_path):
    async with serving(load(_shared(scenario_data)), tmp_path) as (server, _urls):
        watch, session = Watch(server, ("cert-a", "cert-b")), server.session
        session.advance_to(70)
        session.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                           tlp="GREEN", text="to the council"))
        session.advance_to(600)
        log = session.engine.log
        met = next(e for e in log if e.type == "expectation_met")
        receipt = next(e for e in log if e.type == "acknowledgement_received"
                       and e.actor == "cert-a")
        assert met.time < receipt.time  # the e-mail arrived before cert-a heard of it
        assert watch.told[("cert-a", "met")] == receipt.time
        assert watch.told[("cert-b", "met")] == receipt.time
        assert _told(server.streams["cert-b"].frames, "E1") == ["met"]
        # a hot seat's to-do list for cert-b says the same, at the same moment
        assert watch.hot_seat("cert-b", "met") == receipt.time


async def test_a_co_owner_cannot_tell_a_silent_loss_from_an_arrival(
        scenario_data, load, tmp_path):
    """cert-a's e-mail vanishes at the council's stale address: cert-a is never told how
    E1 turned out (it may have got through), and neither is cert-b, which sent nothing."""
    async with serving(load(_shared(scenario_data, silent=True)), tmp_path) as (server, _u):
        watch, session = Watch(server, ("cert-a", "cert-b")), server.session
        session.advance_to(70)
        session.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                           tlp="GREEN", text="to the council"))
        session.advance_to(600)
        log = session.engine.log
        assert any(e.type == "message_lost" and e.actor == "council" for e in log)
        assert [e.type for e in log if e.type.startswith("expectation_")] == \
            ["expectation_missed"]
        assert _told(server.streams["cert-a"].frames, "E1") == []
        assert _told(server.streams["cert-b"].frames, "E1") == []
        assert watch.hot_seat("cert-b", "missed") is None
        assert watch.hot_seat("cert-a", "missed") is None


async def test_a_co_owner_is_told_of_another_teams_late_with_it(scenario_data, load, tmp_path):
    """Both miss E1 (T+05:00); cert-a's e-mail at T+06:00 meets it late: cert-b is told
    that when cert-a is, at cert-a's receipt, not at the e-mail's arrival."""
    async with serving(load(_shared(scenario_data)), tmp_path) as (server, _urls):
        watch, session = Watch(server, ("cert-a", "cert-b")), server.session
        session.advance_to(360)
        session.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                           tlp="GREEN", text="to the council"))
        session.advance_to(900)
        log = session.engine.log
        missed = next(e for e in log if e.type == "expectation_missed")
        late = next(e for e in log if e.type == "expectation_late")
        receipt = next(e for e in log if e.type == "acknowledgement_received"
                       and e.actor == "cert-a")
        assert missed.time < late.time < receipt.time
        for role in ("cert-a", "cert-b"):
            assert watch.told[(role, "missed")] == missed.time, role
            assert watch.told[(role, "late")] == receipt.time, role
            assert _told(server.streams[role].frames, "E1") == ["missed", "late"]
        assert watch.hot_seat("cert-b", "late") == receipt.time


async def test_a_team_sharing_an_all_expectation_learns_it_met_with_the_last_sender(
        scenario_data, load, tmp_path):
    """E1 needs both: cert-a hears its e-mail arrived at T+01:30; cert-b's, sent at
    T+01:40, completes E1 on arrival. cert-a is told E1 met when cert-b is, at cert-b's
    receipt, not at the arrival of cert-b's e-mail."""
    data = _shared(scenario_data)
    data["expectations"][0]["require"] = "all"
    async with serving(load(data), tmp_path) as (server, _urls):
        watch, session = Watch(server, ("cert-a", "cert-b")), server.session
        for t, role in ((70, "cert-a"), (100, "cert-b")):
            session.advance_to(t)
            session.act(Action(role, "escalate", "x", targets=("council",), channel="email",
                               tlp="GREEN", text="to the council"))
        session.advance_to(600)
        log = session.engine.log
        met = next(e for e in log if e.type == "expectation_met")
        receipts = {e.actor: e.time for e in log if e.type == "acknowledgement_received"}
        assert receipts["cert-a"] < met.time < receipts["cert-b"]
        for role in ("cert-a", "cert-b"):
            assert watch.told[(role, "met")] == receipts["cert-b"], role
            assert watch.hot_seat(role, "met") == receipts["cert-b"], role


async def test_a_late_call_tells_no_team_that_an_email_sent_in_time_vanished(
        scenario_data, load, tmp_path):
    """cert-a's e-mail in time vanishes at the council's stale address; cert-b phones the
    council after the deadline and the call connects. Were cert-b told that it met E1
    late, it would know that cert-a's e-mail never arrived, which cert-a cannot know."""
    data = _shared(scenario_data, silent=True)
    data["actors"]["council"]["contacts"]["phone"] = {"address": "+SG-2"}
    async with serving(load(data), tmp_path) as (server, _urls):
        watch, session = Watch(server, ("cert-a", "cert-b")), server.session
        for t, role, channel in ((70, "cert-a", "email"), (360, "cert-b", "phone")):
            session.advance_to(t)
            session.act(Action(role, "escalate", "x", targets=("council",), channel=channel,
                               tlp="GREEN", text="to the council"))
        session.advance_to(600)
        assert [e.type for e in session.engine.log if e.type.startswith("expectation_")] == \
            ["expectation_missed", "expectation_late"]
        for role in ("cert-a", "cert-b"):
            assert _told(server.streams[role].frames, "E1") == [], role
            assert watch.hot_seat(role, "missed") is None and watch.hot_seat(role, "late") is None
