"""An inject that gets its time during the drill (a contingency set off by an
expectation, an inject timed after an action) says so in the log, so that a console
built from the events alone (a hosted drill's) shows when it is due."""

from __future__ import annotations

from conftest import events_of

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine
from sim.runs.view import DrillState


def _state(engine: Engine) -> DrillState:
    st = DrillState(engine.scenario)
    for ev in engine.log:
        st.apply(ev)
    return st


def test_a_triggered_contingency_logs_its_time_and_the_read_model_shows_it():
    engine = Engine(load_scenario(resolve_scenario_arg("acid-hacktivism")), seed=0)
    missed = None
    t = 0.0
    while missed is None:
        t += 5
        engine.run_until(t)
        missed = next((e for e in engine.log if e.type == "expectation_missed"
                       and e.details.get("contingency") == "C2"), None)
    sched = engine.msel.injects["C2"]
    assert sched.state == "pending" and sched.at is not None
    timed = [e for e in events_of(engine.log, "inject_timed") if e.details["inject"] == "C2"]
    assert len(timed) == 1
    ev = timed[0]
    assert ev.time == missed.time and ev.seq > missed.seq
    assert ev.details["at"] == round(sched.at, 6) and ev.details["reason"] == "contingency"
    assert ev.incident == sched.inject.incident.id
    row = _state(engine).msel["C2"]
    assert row.status == "pending" and row.at == round(sched.at, 6)


def test_an_inject_timed_after_an_action_logs_its_time():
    engine = Engine(load_scenario(resolve_scenario_arg("apcert-ransomware")), seed=0)
    engine.run()
    timed = [e for e in events_of(engine.log, "inject_timed") if e.details["inject"] == "2"]
    assert len(timed) == 1
    ev = timed[0]
    asked = [e for e in engine.log if e.seq < ev.seq and e.time == ev.time
             and (e.details.get("action") == "request_takedown" or e.type == "requested")]
    assert asked, "timed by the first takedown request"
    assert set(ev.details) == {"inject", "at", "reason"}
    assert ev.details["reason"] == "after_action"
    assert abs(ev.details["at"] - (ev.time + 30.0)) < 1e-5
    delivered = [e.time for e in events_of(engine.log, "inject_delivered")
                 if e.details["inject"] == "2"]
    assert delivered and delivered[0] == ev.details["at"]


def test_a_contingency_timed_twice_logs_only_the_first_time(scenario_data, load):
    # the second trigger does not time it again, so nothing more is logged
    scenario_data["injects"].append(
        {"id": "C1", "type": "contingency", "delay": "30m", "sender": "ctl",
         "to": ["cert-a"], "via": "email", "tlp": "GREEN", "title": "HiCON: report?",
         "incident": {"id": "x"}})
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "close", "incident": "x",
         "within": "1h", "contingency": "C1"},
        {"id": "E2", "actors": ["cert-a"], "action": "publish", "incident": "x",
         "within": "1h20m", "contingency": "C1"},
    ]
    engine = Engine(load(scenario_data), seed=0)
    engine.run()
    timed = events_of(engine.log, "inject_timed")
    assert [(e.time, dict(e.details)) for e in timed] == [
        (120.0, {"inject": "C1", "at": 150.0, "reason": "contingency"})]


def test_the_new_event_is_described_for_the_facilitator():
    engine = Engine(load_scenario(resolve_scenario_arg("acid-hacktivism")), seed=0)
    engine.run()
    st = _state(engine)
    ev = events_of(engine.log, "inject_timed")[0]
    text = st.describe(ev)
    assert text.startswith(f"Inject {ev.details['inject']} ") and "T+" in text
