"""A contingency inject counts down from its first trigger: a second trigger while it
waits (another expectation naming it, or another unit of a ``require: each``
expectation) does not start it again, nor undo the facilitator's new time for it."""

from __future__ import annotations

from sim.engine import Engine

C1 = {"id": "C1", "type": "contingency", "delay": "30m", "sender": "ctl", "to": ["cert-a"],
      "via": "email", "tlp": "GREEN", "title": "HiCON: where is your report?",
      "incident": {"id": "x"}}


def _drill(scenario_data, second: dict):
    # the incident opens at T+01:00; the policy never closes nor publishes
    scenario_data["injects"].append(dict(C1))
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "close", "incident": "x",
         "within": "1h", "contingency": "C1"},  # missed T+02:00: C1 due T+02:30
        second,
    ]
    return scenario_data


def _delivered(engine, inject="C1"):
    return [e.time for e in engine.log
            if e.type == "inject_delivered" and e.details["inject"] == inject]


E2 = {"id": "E2", "actors": ["cert-a"], "action": "publish", "incident": "x",
      "within": "1h20m", "contingency": "C1"}  # missed T+02:20, while C1 waits


def test_a_second_miss_does_not_restart_the_countdown(scenario_data, load):
    engine = Engine(load(_drill(scenario_data, dict(E2))), seed=0)
    engine.run()
    missed = [(e.time, e.details["expectation"]) for e in engine.log
              if e.type == "expectation_missed"]
    assert missed == [(120.0, "E1"), (140.0, "E2")]
    assert _delivered(engine) == [150.0]


def test_each_unit_of_a_team_expectation_triggers_it_once(scenario_data, load):
    # both CERTs must publish; neither does: both units missed at T+02:00
    each = {"id": "E2", "actors": ["cert-a", "cert-b"], "require": "each",
            "action": "publish", "incident": "x", "within": "1h20m",
            "contingency": "C1"}
    engine = Engine(load(_drill(scenario_data, each)), seed=0)
    engine.run()
    assert _delivered(engine) == [150.0]


def test_a_trigger_keeps_the_facilitators_time(scenario_data, load):
    engine = Engine(load(_drill(scenario_data, dict(E2))), seed=0)
    engine.run_until(125)  # C1 counts down from E1's miss at T+02:00: due T+02:30
    engine.delay_inject("C1", 60)  # now due T+03:30
    engine.run()
    # E2's miss at T+02:20 leaves it there
    assert _delivered(engine) == [210.0]


def test_a_trigger_keeps_a_time_set_before_any_miss(scenario_data, load):
    engine = Engine(load(_drill(scenario_data, dict(E2))), seed=0)
    engine.run_until(90)
    engine.reschedule_inject("C1", 240)  # exercise control times it for T+04:00
    engine.run()
    assert _delivered(engine) == [240.0]
