"""The engine's outside interface on the hand-computable drill of tests/conftest.py: step
by step to the end, who is on duty, the channel a person's message takes by default, the
checks before a run and a whole run (the cases mutation testing of sim/engine/core.py
found untested).

The drill starts on a Wednesday at 09:00 Singapore time and lasts two days (2880
minutes). Inject 1 reaches cert-a (Singapore) by e-mail at T+60.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Action, Engine, preflight, run_scenario

# --- stepping ----------------------------------------------------------------------------


def test_stepping_ends_the_drill_before_what_is_due_at_its_last_instant(scenario_data, load):
    # inject 2 is due at T+2d00:00, the very end: a run never delivers it, nor does stepping
    scenario_data["injects"].append(
        {"id": "2", "at": "T+2d00:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "title": "Too late", "incident": {"id": "x"}})
    batch = Engine(load(scenario_data), seed=0).run()
    stepped = Engine(load(scenario_data), seed=0)
    steps = 0
    while stepped.step():
        # a step that returns True leaves the drill running
        assert not stepped.finished
        steps += 1
    assert stepped.finished and steps > 0
    assert [e.details["inject"] for e in events_of(stepped.log, "inject_delivered")] == ["1"]
    assert [e.to_json() for e in stepped.log] == [e.to_json() for e in batch]
    # once ended, a step does nothing and says so
    assert stepped.step() is False
    assert len(stepped.log) == len(batch)
    assert stepped.log[-1].type == "drill_ended" and stepped.log[-1].time == 2880


# --- who is on duty ----------------------------------------------------------------------


@pytest.mark.parametrize(("at", "on"), [
    # (minutes, {actor: on duty}): Singapore 09:00-17:00 is T+0 to T+480; Bangkok, an
    # hour behind, T+60 to T+540; exercise control never closes
    (0, {"cert-a": True, "cert-b": False, "ctl": True}),
    (60, {"cert-a": True, "cert-b": True, "ctl": True}),
    (500, {"cert-a": False, "cert-b": True, "ctl": True}),
    (600, {"cert-a": False, "cert-b": False, "ctl": True}),
    (1440 + 30, {"cert-a": True, "cert-b": False, "ctl": True}),
])
def test_a_team_is_on_duty_in_its_own_working_hours(scenario_data, load, at, on):
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(at)
    assert {aid: engine.on_duty(aid) for aid in on} == on


# --- a person's message without a channel ------------------------------------------------


def _with_police(scenario_data):
    """Thailand's police, reachable by phone only."""
    scenario_data["actors"]["police-th"] = {
        "name": "Police TH", "kind": "national_police", "country": "TH",
        "timezone": "Asia/Bangkok", "staffing": "24/7",
        "contacts": {"phone": {"address": "+TH-191"}}}
    return scenario_data


@pytest.mark.parametrize(("targets", "channel"), [
    (("cert-b",), "email"),
    (("police-th",), "phone"),  # the first channel the recipient can be reached on
    (("cert-b", "police-th"), "phone"),  # the first one every recipient has
    # no channel reaches both: the scenario's first channel, lost to the police
    (("council", "police-th"), "email"),
])
def test_a_message_sent_without_a_channel_takes_one_the_recipients_can_be_reached_on(
        scenario_data, load, targets, channel):
    engine = Engine(load(_with_police(scenario_data)), seed=0, human=["cert-a"])
    engine.run_until(61)
    produced = engine.act(Action("cert-a", "notify", "x", targets=targets, tlp="GREEN"))
    sent = [(e.details["to"], e.details["channel"]) for e in events_of(produced, "message_sent")]
    assert sent == [(t, channel) for t in targets]
    lost = [(e.actor, e.details["reason"]) for e in events_of(produced, "message_lost")]
    assert lost == ([("police-th", "no_contact")] if channel == "email"
                    and "police-th" in targets else [])


# --- checks before a run -----------------------------------------------------------------


def test_a_drill_with_an_inject_in_time_can_run(scenario_data, load):
    assert preflight(load(scenario_data)) == []


def test_a_drill_whose_msel_schedules_nothing_cannot_run(scenario_data, load, tmp_path):
    scenario_data["injects"] = []
    loaded = load(scenario_data)
    [problem] = preflight(loaded)
    assert (problem.path, problem.message) == (
        "injects", "the MSEL schedules no inject, so nothing would happen")
    # the position of the empty list, 'injects: []'
    lines = (tmp_path / "s.yaml").read_text().splitlines()
    line = lines.index("injects: []") + 1
    assert (problem.mark.file, problem.mark.line, problem.mark.col) == (
        str(tmp_path / "s.yaml"), line, 10)


def test_a_drill_whose_injects_only_wait_for_actions_cannot_run(scenario_data, load):
    inject = scenario_data["injects"][0]
    del inject["at"]
    inject["after_action"] = {"action": "escalate"}
    [problem] = preflight(load(scenario_data))
    assert (problem.path, problem.message) == (
        "injects", "the MSEL schedules no inject, so nothing would happen")


def test_a_drill_whose_injects_all_come_at_or_after_its_end_cannot_run(scenario_data, load,
                                                                        tmp_path):
    # a 90-minute drill from 09:00: inject 1 at T+02:00, inject 2 at 10:30, its very end
    scenario_data["drill"]["duration"] = "90m"
    scenario_data["injects"][0]["at"] = "T+02:00"
    scenario_data["injects"].append(
        {"id": "2", "at": "2026-08-19T10:30:00+08:00", "sender": "ctl", "to": ["cert-b"],
         "via": "email", "incident": {"id": "x"}})
    [problem] = preflight(load(scenario_data))
    # the earliest of them, the second in the list
    assert (problem.path, problem.message) == (
        "injects[1].at", "every inject is timed after the drill ends (the drill lasts 1.5 h)")
    lines = (tmp_path / "s.yaml").read_text().splitlines()
    line = lines.index("  at: '2026-08-19T10:30:00+08:00'") + 1
    assert (problem.mark.line, problem.mark.col) == (line, 7)
    assert str(problem) == (
        f"{tmp_path / 's.yaml'}:{line}:7: injects[1].at: every inject is timed after the "
        "drill ends (the drill lasts 1.5 h)")
    # one minute earlier it comes in time
    scenario_data["injects"][1]["at"] = "T+01:29"
    assert preflight(load(scenario_data)) == []


# --- a whole run -------------------------------------------------------------------------


def test_a_whole_run_is_seed_0_unless_told_and_the_same_as_the_engine_s(scenario_data, load):
    loaded = load(scenario_data)
    log = run_scenario(loaded)
    assert log[0].details["seed"] == 0 and log[-1].type == "drill_ended"
    assert [e.to_json() for e in log] == [e.to_json() for e in Engine(loaded, seed=0).run()]
    seeded = run_scenario(loaded.scenario, seed=7)
    assert seeded[0].details["seed"] == 7
    assert [e.to_json() for e in seeded] == [e.to_json()
                                             for e in Engine(loaded, seed=7).run()]
