"""People's actions and the facilitator's commands, through the engine's boundary."""

from __future__ import annotations

import pytest
from conftest import events_of

from scenarios.model import Inject
from sim.analysis.metrics import compute
from sim.engine import Action, ActionError, Engine


@pytest.fixture
def engine(scenario_data, load):
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "escalate", "target": "regional_council",
         "incident": "x", "within": "2h", "score": 4},
    ]
    return Engine(load(scenario_data), human=["cert-a"])


def test_a_person_plays_a_role_and_meets_an_expectation(engine):
    seen = []
    engine.subscribe(seen.append)
    engine.run_until(90)
    # nothing happens for a human role until the person acts
    assert not events_of(engine.log, "acknowledged", "cert-a")
    [item] = engine.inbox("cert-a")
    assert (item.ref, item.acknowledged) == ("inject:1", False)

    produced = engine.act(Action("cert-a", "acknowledge", "x"))
    assert [e.type for e in produced] == ["acknowledged"]
    assert produced[0].time == 90 and produced[0].details["by"] == "human"

    produced = engine.act(
        Action("cert-a", "escalate", "x", targets=("council",), channel="email", tlp="GREEN")
    )
    # the expectation asks for delivery, not sending: it is met when the mail lands
    assert [e.type for e in produced] == ["message_sent", "escalated"]
    engine.run_until(200)
    [met] = events_of(engine.log, "expectation_met")
    assert met.time == 95 and met.actor == "cert-a"
    # the automated council answers as play goes on
    assert events_of(engine.log, "acknowledged", "council")[0].time == 105
    assert seen == engine.log[1:]  # every event after drill_started, in order
    assert compute(engine.run())["score"]["earned"] == 4


def test_passing_on_red_information_is_a_violation(scenario_data, load):
    scenario_data["injects"][0]["tlp"] = "RED"
    engine = Engine(load(scenario_data), human=["cert-a"])
    engine.run_until(61)
    produced = engine.act(
        Action("cert-a", "share", "x", targets=("cert-b",), tlp="AMBER", refs=("inject:1",))
    )
    [violation] = [e for e in produced if e.type == "tlp_violation"]
    assert violation.details["to"] == "cert-b" and violation.details["tlp"] == "RED"
    # a message written afresh, passing nothing on, is fine
    produced = engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    assert not [e for e in produced if e.type == "tlp_violation"]


def test_bad_actions_are_refused_with_a_reason(engine):
    engine.run_until(61)
    with pytest.raises(ActionError, match="unknown action"):
        engine.act(Action("cert-a", "panic", "x"))
    with pytest.raises(ActionError, match="has received nothing about"):
        engine.act(Action("cert-b", "acknowledge", "x"))
    with pytest.raises(ActionError, match="unknown actor"):
        engine.act(Action("cert-a", "notify", "x", targets=("nobody",)))
    with pytest.raises(ActionError, match="needs at least one recipient"):
        engine.act(Action("cert-a", "notify", "x"))


def test_handing_a_role_back_to_the_policy(engine):
    engine.run_until(90)
    engine.set_human("cert-a", False)
    engine.run_until(400)
    # the policy picks the inject up at T+90: ack 10m, analysis 30m, notify 5m
    assert events_of(engine.log, "acknowledged", "cert-a")[0].time == 100
    assert events_of(engine.log, "notified", "cert-a")[0].time == 135
    assert [e.details["played_by"] for e in events_of(engine.log, "role_changed")] == ["policy"]


def test_facilitator_fires_skips_delays_and_adds_injects(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "incident": {"id": "y", "type": "ddos", "affected": ["TH"]}})
    scenario_data["injects"].append(
        {"id": "3", "at": "T+06:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "incident": {"id": "y"}})
    engine = Engine(load(scenario_data))
    engine.run_until(30)
    engine.fire_inject("1")  # early
    engine.skip_inject("2")
    engine.delay_inject("3", 60)
    engine.add_inject(Inject(id="adhoc", sender="ctl", to=["cert-b"], via="email",
                             incident={"id": "z", "type": "phishing", "affected": ["TH"]},
                             title="Ad-hoc"))
    log = engine.run()
    delivered = [(e.details["inject"], e.time) for e in events_of(log, "inject_delivered")]
    assert ("1", 30) in delivered and ("adhoc", 30) in delivered
    assert ("3", 420) in delivered
    assert not [d for d in delivered if d[0] == "2"]
    assert [e.details["inject"] for e in events_of(log, "inject_skipped")] == ["2"]
    # the scheduled time of inject 1 does not deliver it a second time
    assert [d for d in delivered if d[0] == "1"] == [("1", 30)]
    with pytest.raises(ActionError, match="already been delivered"):
        engine.fire_inject("1")


def test_stepping_matches_a_batch_run(scenario_data, load):
    batch = Engine(load(scenario_data)).run()
    stepped = Engine(load(scenario_data))
    t = 0.0
    while not stepped.finished:
        t += 7.5
        stepped.run_until(t)
    assert [e.to_json() for e in stepped.log] == [e.to_json() for e in batch]
    single = Engine(load(scenario_data))
    while single.step():
        pass
    assert [e.to_json() for e in single.log] == [e.to_json() for e in batch]
