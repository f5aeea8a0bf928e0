"""A deadline is inclusive: what is done at the very minute an expectation falls due
meets it, whoever does it (the automated policy or a person), wherever it falls among
that minute's events. A miss is decided once everything else due at that moment has
happened; a branch inject timed then is decided after the miss."""

from __future__ import annotations

from scenarios import bundled_scenarios, load_scenario
from sim.engine import Engine
from sim.engine.core import Action

C1 = {"id": "C1", "type": "contingency", "sender": "ctl", "to": ["cert-a"], "via": "email",
      "tlp": "GREEN", "title": "HiCON: have you told Thailand?", "incident": {"id": "x"}}


def _drill(scenario_data):
    # the incident opens at T+01:00; the policy notifies Thailand at T+01:45, and the
    # e-mail arrives at T+01:50
    scenario_data["injects"].append(dict(C1))
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
         "incident": "x", "within": "50m", "contingency": "C1"},  # delivered at 110
        {"id": "E2", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
         "incident": "x", "within": "45m", "reach": "sent", "contingency": "C1"},  # 105
    ]
    return scenario_data


def _outcomes(engine):
    return [(e.time, e.type, e.details["expectation"]) for e in engine.log
            if e.type.startswith("expectation_")]


def test_the_policy_acting_at_the_deadline_meets_it(scenario_data, load):
    engine = Engine(load(_drill(scenario_data)), seed=0)
    engine.run()
    assert _outcomes(engine) == [(105.0, "expectation_met", "E2"),
                                 (110.0, "expectation_met", "E1")]
    # nothing missed: the contingency never fires
    assert not [e for e in engine.log
                if e.type == "inject_delivered" and e.details["inject"] == "C1"]


def test_a_person_and_the_policy_score_alike(scenario_data, load):
    engine = Engine(load(_drill(scenario_data)), seed=0, human=["cert-a"])
    engine.run_until(105)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                      tlp="GREEN"))
    engine.run()
    assert _outcomes(engine) == [(105.0, "expectation_met", "E2"),
                                 (110.0, "expectation_met", "E1")]


def test_a_minute_late_is_still_late(scenario_data, load):
    data = _drill(scenario_data)
    data["expectations"][1]["within"] = "44m"  # due at T+01:44, sent at T+01:45
    engine = Engine(load(data), seed=0)
    engine.run()
    assert _outcomes(engine)[:2] == [(104.0, "expectation_missed", "E2"),
                                     (105.0, "expectation_late", "E2")]
    [late] = [e for e in engine.log
              if e.type == "expectation_late" and e.details["expectation"] == "E2"]
    assert late.details["late_by"] == 1.0


def _branch_drill(scenario_data, when):
    # a branch timed at E2's deadline, T+01:45, scheduled long before E2 is anchored
    data = _drill(scenario_data)
    data["injects"].append(
        {"id": "B", "at": "T+01:45", "when": when, "sender": "ctl", "to": ["cert-a"],
         "via": "email", "tlp": "GREEN", "title": "HiCON branch", "incident": {"id": "x"}})
    return data


def test_a_branch_at_the_deadline_reads_a_miss(scenario_data, load):
    data = _branch_drill(scenario_data, {"missed": ["E2"]})
    data["expectations"][1]["action"] = "close"  # never done by the policy
    data["expectations"][1].pop("target")
    engine = Engine(load(data), seed=0)
    engine.run()
    at_105 = [(e.type, e.details.get("expectation") or e.details.get("inject"))
              for e in engine.log if e.time == 105.0]
    assert ("inject_delivered", "B") in at_105
    assert at_105.index(("expectation_missed", "E2")) < at_105.index(("inject_delivered", "B"))


def test_a_branch_at_the_deadline_reads_a_met_at_that_moment(scenario_data, load):
    engine = Engine(load(_branch_drill(scenario_data, {"met": ["E2"]})), seed=0)
    engine.run()
    assert [e.time for e in engine.log
            if e.type == "inject_delivered" and e.details["inject"] == "B"] == [105.0]


def test_the_bundled_hicon_call_follows_a_missed_takedown():
    # apcert-ransomware: HiCON calls SingCERT at T+06:30 when E2, due then, was missed
    path = next(p for p in bundled_scenarios() if p.stem == "apcert-ransomware")
    loaded = load_scenario(path)
    seen = set()
    for seed in range(12):
        engine = Engine(loaded, seed=seed, words=False)
        engine.run()
        missed = any(e.type == "expectation_missed" and e.details["expectation"] == "E2"
                     for e in engine.log)
        call = [e.time for e in engine.log
                if e.type == "inject_delivered" and e.details["inject"] == "3"]
        skipped = [e for e in engine.log
                   if e.type == "inject_skipped" and e.details["inject"] == "3"]
        assert (call == [390.0]) if missed else (not call and len(skipped) == 1)
        seen.add(missed)
    assert seen == {True, False}  # both outcomes occur in these seeds
