"""The engine's outside interface on the hand-computable drill of tests/conftest.py: step
by step to the end, who is on duty, the channel a person's message takes by default, the
checks before a run and a whole run (the cases mutation testing of sim/engine/core.py
found untested).

The drill starts on a Wednesday at 09:00 Singapore time and lasts two days (2880
minutes). Inject 1 reaches cert-a (Singapore) by e-mail at T+60.

Also a person acting in a role,
takedowns and containment, handing roles over and subscribing to events (the cases
mutation testing of sim/engine/core.py found untested).

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) by e-mail at T+60
and opens incident x (affected: SG, TH). Played by the policy, cert-a acknowledges at
T+70 (10m), analyses until T+100 (30m), notifies cert-b at T+105 and escalates to the
council at T+110 (5m drafting each, 5m by e-mail).
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Action, ActionError, Engine, preflight, run_scenario

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
         "via": "email",
         "incident": {"id": "x", "type": scenario_data["injects"][0]["incident"]["type"]}})
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


# --- acting as a person: Engine.act --------------------------------------------------


def _human_a(scenario_data, load, *, at=90):
    """cert-a played by a person, the drill run to ``at``."""
    engine = Engine(load(scenario_data), seed=0, human=["cert-a"])
    engine.run_until(at)
    return engine


def _second_report(scenario_data, at="T+02:00"):
    """A second report on incident x reaches cert-a at ``at`` (nothing new in it)."""
    scenario_data["injects"].append(
        {"id": "2", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"}})
    return scenario_data


def _policy_steps(log, actor="cert-a"):
    """(time, event type, by) of what the policy did for ``actor``."""
    return [(e.time, e.type, e.details.get("action")) for e in log
            if e.actor == actor and e.details.get("by") == "policy"
            and e.type != "message_sent"]


def test_a_person_marks_an_incident_analysed(scenario_data, load):
    engine = _human_a(scenario_data, load)
    engine.act(Action("cert-a", "acknowledge", "x"))
    produced = engine.act(Action("cert-a", "analyse", "x"))
    assert [(e.type, e.actor, e.incident, e.time) for e in produced] == [
        ("analysed", "cert-a", "x", 90)]
    assert dict(produced[0].details) == {"by": "human"}


def test_the_policy_does_not_analyse_again_what_a_person_analysed(scenario_data, load):
    # the person analyses at T+90 and hands the role back at T+95: the policy takes the
    # incident up again and carries out its rules without a second 30-minute analysis
    # (notification at T+100, escalation at T+105); the second report (T+120),
    # acknowledged at T+130, has nothing new to pass on
    engine = _human_a(_second_report(scenario_data), load)
    engine.act(Action("cert-a", "acknowledge", "x"))
    engine.act(Action("cert-a", "analyse", "x"))
    engine.run_until(95)
    engine.set_human("cert-a", False)
    log = engine.run()
    assert _policy_steps(log) == [(100, "notified", "notify"), (105, "escalated", "escalate"),
                                  (130, "acknowledged", None)]


def test_a_person_may_mark_analysed_what_the_policy_analysed_already(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(120)  # the policy analysed at T+100
    engine.set_human("cert-a", True)
    produced = engine.act(Action("cert-a", "analyse", "x"))
    assert [(e.type, e.time, e.details["by"]) for e in produced] == [("analysed", 120, "human")]
    assert [(e.time, e.details["by"]) for e in events_of(engine.run(), "analysed", "cert-a")] == [
        (100, "policy"), (120, "human")]


def test_a_person_acknowledges_everything_waiting_at_once(scenario_data, load):
    # two reports wait (T+60 and T+80); acknowledging without naming one takes both
    engine = _human_a(_second_report(scenario_data, at="T+01:20"), load)
    produced = engine.act(Action("cert-a", "acknowledge", "x"))
    assert [(e.type, e.time, dict(e.details)) for e in produced] == [
        ("acknowledged", 90, {"by": "human", "refs": ["inject:1", "inject:2"],
                              "senders": ["ctl", "ctl"], "dispatches": [],
                              "received_at": 60})]
    assert engine.act(Action("cert-a", "acknowledge", "x")) == []  # nothing left


def test_an_unknown_action_is_refused_with_the_actions_there_are(scenario_data, load):
    engine = _human_a(scenario_data, load)
    with pytest.raises(ActionError) as err:
        engine.act(Action("cert-a", "frobnicate", "x"))
    assert str(err.value).startswith(
        "unknown action 'frobnicate'; one of: acknowledge, analyse, report, notify, ")
    assert str(err.value).endswith(", close")


def test_passing_on_something_not_received_is_refused_by_name(scenario_data, load):
    engine = _human_a(scenario_data, load)
    with pytest.raises(ActionError, match=r"^cert-a has not received 'm99' about x$"):
        engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), refs=("m99",)))


@pytest.mark.parametrize(("fields", "message"), [
    ({"channel": "pigeon"}, "unknown channel 'pigeon'"),
    ({"tlp": "PURPLE"}, "unknown TLP label 'PURPLE'"),
])
def test_a_message_on_an_unknown_channel_or_label_is_refused(scenario_data, load, fields,
                                                             message):
    engine = _human_a(scenario_data, load)
    with pytest.raises(ActionError) as err:
        engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), **fields))
    assert str(err.value) == message
    assert engine.log[-1].type == "inject_delivered"  # nothing was sent


@pytest.mark.parametrize(("tlp", "label"), [("tlp:green", "GREEN"), ("TLP:RED", "RED"),
                                            ("Amber+Strict", "AMBER+STRICT"), (None, "AMBER")])
def test_a_person_s_label_may_be_written_as_tlp_colon_and_in_any_case(scenario_data, load,
                                                                      tlp, label):
    engine = _human_a(scenario_data, load)
    produced = engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp=tlp))
    [sent] = events_of(produced, "message_sent")
    [notified] = events_of(produced, "notified")
    assert (sent.details["tlp"], notified.details["tlp"]) == (label, label)


def test_a_person_s_message_carries_the_person_s_own_words(scenario_data, load):
    engine = _human_a(scenario_data, load)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                      tlp="GREEN", text="Please block 203.0.113.7 at your border."))
    engine.run_until(100)
    [delivered] = events_of(engine.log, "message_delivered", "cert-b")
    assert delivered.time == 95
    assert delivered.details["text"] == "Please block 203.0.113.7 at your border."
    [item] = engine.inbox("cert-b")
    assert item.text == "Please block 203.0.113.7 at your border."


def test_a_person_closes_an_incident_with_a_note(scenario_data, load):
    engine = _human_a(scenario_data, load)
    produced = engine.act(Action("cert-a", "close", "x", text="No further activity seen."))
    assert [(e.type, e.actor, e.incident, e.time) for e in produced] == [
        ("closed", "cert-a", "x", 90)]
    assert dict(produced[0].details) == {"action": "close", "by": "human", "trigger_at": 90,
                                         "text": "No further activity seen."}


def test_a_person_publishing_a_red_report_is_a_violation_towards_the_public(scenario_data,
                                                                          load):
    scenario_data["injects"][0]["tlp"] = "RED"
    engine = _human_a(scenario_data, load)
    produced = engine.act(Action("cert-a", "publish", "x", refs=("inject:1",),
                                 text="Advisory"))
    assert [(e.type, e.actor, e.incident) for e in produced] == [
        ("tlp_violation", "cert-a", "x"), ("published", "cert-a", "x")]
    assert dict(produced[0].details) == {"ref": "inject:1", "tlp": "RED", "to": "public",
                                         "action": "publish", "by": "human", "named": ["cert-a"]}
    assert dict(produced[1].details) == {"action": "publish", "by": "human",
                                         "trigger_at": 90, "text": "Advisory"}
    # an advisory written afresh passes nothing on
    produced = engine.act(Action("cert-a", "publish", "x", text="Advisory 2"))
    assert [e.type for e in produced] == ["published"]


# --- takedowns and containment: Engine.takedown ----------------------------------------


def _hosted(scenario_data, load, hosted, at=90):
    """Both CERTs played by people and told of incident x, hosted in ``hosted``."""
    scenario_data["injects"][0]["to"] = ["cert-a", "cert-b"]
    scenario_data["injects"][0]["incident"]["hosted_in"] = hosted
    engine = Engine(load(scenario_data), seed=0, human=["cert-a", "cert-b"])
    engine.run_until(at)
    return engine


def _takedown(engine, actor):
    return engine.act(Action(actor, "takedown", "x"))


def _shape(events):
    return [(e.type, e.actor, e.incident, e.time, dict(e.details)) for e in events]


def test_the_incident_is_contained_once_every_hosting_country_took_it_down(scenario_data,
                                                                           load):
    engine = _hosted(scenario_data, load, ["SG", "TH"])
    base = {"action": "takedown", "by": "human", "trigger_at": 90}
    assert _shape(_takedown(engine, "cert-a")) == [
        ("takedown_completed", "cert-a", "x", 90, {"country": "SG", **base})]
    assert engine.incidents["x"].contained_at is None
    engine.run_until(100)
    base["trigger_at"] = 100
    assert _shape(_takedown(engine, "cert-b")) == [
        ("takedown_completed", "cert-b", "x", 100, {"country": "TH", **base}),
        ("contained", None, "x", 100, {"countries": ["SG", "TH"], "by_actor": "cert-b"})]
    assert engine.incidents["x"].contained_at == 100


def test_a_takedown_where_nothing_is_hosted_says_so(scenario_data, load):
    engine = _hosted(scenario_data, load, ["SG"])
    assert _shape(_takedown(engine, "cert-b")) == [
        ("takedown_completed", "cert-b", "x", 90,
         {"country": "TH", "nothing_hosted": True, "action": "takedown", "by": "human",
          "trigger_at": 90})]
    assert engine.incidents["x"].taken_down == []


def test_a_second_takedown_in_the_same_country_takes_nothing_more_down(scenario_data, load):
    engine = _hosted(scenario_data, load, ["SG"])
    assert [e.type for e in _takedown(engine, "cert-a")] == ["takedown_completed", "contained"]
    again = _takedown(engine, "cert-a")
    assert [(e.type, e.details.get("nothing_hosted")) for e in again] == [
        ("takedown_completed", True)]
    assert engine.incidents["x"].taken_down == ["SG"]


def test_an_incident_is_contained_only_once_even_when_new_hosting_turns_up(scenario_data,
                                                                           load):
    # contained at T+90 (hosted in SG only); at T+120 a report adds hosting in TH, which
    # cert-b takes down at T+130: taken down, but the incident was contained at T+90
    scenario_data["injects"].append(
        {"id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "incident": {"id": "x", "hosted_in": ["SG", "TH"]}})
    engine = _hosted(scenario_data, load, ["SG"])
    _takedown(engine, "cert-a")
    engine.run_until(130)
    assert [(e.type, e.details.get("country")) for e in _takedown(engine, "cert-b")] == [
        ("takedown_completed", "TH")]
    assert [e.time for e in events_of(engine.run(), "contained")] == [90]
    assert engine.incidents["x"].contained_at == 90


# --- roles changing hands: Engine.set_human ------------------------------------------


def test_a_role_given_to_a_person_is_no_longer_played_by_the_policy(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)
    engine.set_human("cert-a", True)
    log = engine.run()
    assert [(e.type, e.details) for e in events_of(log, "role_changed")] == [
        ("role_changed", {"played_by": "human"})]
    # the inject reached cert-a at T+60, and nobody answered it
    assert [e.type for e in log if e.actor == "cert-a"] == ["role_changed",
                                                           "inject_delivered"]
    assert engine.inbox("cert-a")[0].acknowledged is False


# --- listening to the drill: Engine.subscribe ----------------------------------------


def test_a_listener_that_unsubscribed_hears_nothing_more(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)
    heard, also = [], []
    stop = engine.subscribe(heard.append)
    engine.subscribe(also.append)
    engine.run_until(80)
    stop()
    log = engine.run()
    assert [(e.type, e.time) for e in heard] == [
        ("incident_opened", 60), ("inject_delivered", 60), ("acknowledged", 70)]
    assert also == log[1:]  # the other listener still hears everything


# --- the first event of a run: Engine.__init__ ---------------------------------------------

ACTORS = {
    "ctl": {"name": "HiCON", "kind": "exercise_control", "country": None,
            "timezone": "Asia/Singapore"},
    "cert-a": {"name": "CERT-SG", "kind": "national_cert", "country": "SG",
               "timezone": "Asia/Singapore"},
    "cert-b": {"name": "CERT-TH", "kind": "national_cert", "country": "TH",
               "timezone": "Asia/Bangkok"},
    "council": {"name": "Council", "kind": "regional_council", "country": None,
                "timezone": "Asia/Singapore"},
}


def test_drill_started_records_the_drill_its_actors_and_its_expectations(scenario_data, load):
    # the first event is what the review, the reports and a resumed journal read the
    # drill's set-up from
    scenario_data["drill"]["objectives"] = [{"id": "tell", "text": "Tell the neighbours"}]
    scenario_data["drill"]["names"] = {"regional_coordinator": "APCERT secretariat"}
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
         "incident": "x", "within": "1h", "objective": "tell", "score": 2,
         "description": "cert-a tells cert-b"}]
    engine = Engine(load(scenario_data), seed=3, human=["cert-b"])
    [first] = engine.log
    assert (first.type, first.actor, first.incident, first.time) == (
        "drill_started", None, None, 0.0)
    assert dict(first.details) == {
        "scenario": "hand", "title": "Hand-computable drill",
        "start": "2026-08-19T09:00:00+08:00", "duration": 2880.0,
        "clock_timezone": "Asia/Singapore", "control_counts_as_reach": False,
        "names": {"regional_coordinator": "APCERT secretariat",
                  "police_referral": "CERT -> national police",
                  "preservation": "preservation request",
                  "international_channel": "police -> international channel",
                  "foreign_police": "police -> foreign police", "mla": "formal MLA request"},
        "seed": 3, "human": ["cert-b"], "actors": ACTORS,
        "expectations": [
            {"id": "E1", "actors": ["cert-a"], "require": "any", "reach": "delivered",
             "action": "notify", "target": "cert-b", "incident": "x", "after": "incident",
             "within": 60.0, "score": 2.0, "objective": "tell",
             "description": "cert-a tells cert-b"}]}


def test_a_drill_with_the_usual_stage_names_does_not_list_them(scenario_data, load):
    [first] = Engine(load(scenario_data), seed=0).log
    assert "names" not in first.details
    assert first.details["expectations"] == [] and first.details["human"] == []
