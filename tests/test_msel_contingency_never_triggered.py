"""An inject that waits for a trigger (a contingency, or an ``after_action`` inject) and
is never triggered is skipped at the drill's end (``reason: not_triggered``): the
expectations counted from it never came into play, as those counted from a branch
whose condition failed, and are left out of the score."""

from __future__ import annotations

import json

from sim.analysis.metrics import compute
from sim.cli import main
from sim.engine import Engine

C1 = {"id": "C1", "type": "contingency", "sender": "ctl", "to": ["cert-a"], "via": "email",
      "tlp": "GREEN", "title": "HiCON: notify Thailand now", "incident": {"id": "x"}}
A1 = {"id": "A1", "after_action": {"action": "publish"}, "delay": "10m", "sender": "ctl",
      "to": ["cert-a"], "via": "email", "tlp": "GREEN", "title": "Media asks",
      "incident": {"id": "x"}}


def _drill(scenario_data):
    # E1 is met (the policy notifies Thailand at T+01:50), so C1 never fires; nobody
    # publishes, so A1 never fires
    scenario_data["injects"] += [dict(C1), dict(A1)]
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
         "incident": "x", "within": "4h", "contingency": "C1"},
        {"id": "E2", "actors": ["cert-a"], "action": "escalate", "incident": "x",
         "after": "C1", "within": "1h", "score": 3},
        {"id": "E3", "actors": ["cert-a"], "action": "escalate", "incident": "x",
         "after": "A1", "within": "1h", "score": 5},
    ]
    return scenario_data


def test_injects_never_triggered_are_skipped_at_the_end(scenario_data, load):
    engine = Engine(load(_drill(scenario_data)), seed=0)
    log = engine.run()
    skipped = [e for e in log if e.type == "inject_skipped"]
    assert [(e.time, e.details["inject"], e.details["reason"]) for e in skipped] == [
        (engine.end, "C1", "not_triggered"), (engine.end, "A1", "not_triggered")]
    # skipped before the drill ends: the end is the log's last event
    assert log[-1].type == "drill_ended"
    assert {engine.injects[i].state for i in ("C1", "A1")} == {"skipped"}


def test_their_expectations_are_not_in_play(scenario_data, load):
    m = compute(Engine(load(_drill(scenario_data)), seed=0).run())
    by_id = {x["id"]: x for x in m["expectations"]}
    assert by_id["E1"]["status"] == "met"
    assert (by_id["E2"]["status"], by_id["E2"]["skipped"]) == ("open", "C1")
    assert (by_id["E3"]["status"], by_id["E3"]["skipped"]) == ("open", "A1")
    assert m["score"] == {"earned": 1.0, "possible": 1.0, "met": 1, "of": 1}


def test_drill_run_scores_without_them(scenario_data, tmp_path, capsys):
    from conftest import write

    path = write(tmp_path, _drill(scenario_data))
    assert main(["run", str(path), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "Expectations: 1 of 1 met, score 1 of 1" in out
    assert main(["run", str(path), "--seed", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["score"] == {"earned": 1.0, "possible": 1.0, "met": 1, "of": 1}
    assert {x["id"]: x.get("skipped") for x in doc["expectations"]} == {
        "E1": None, "E2": "C1", "E3": "A1"}


def test_a_contingency_that_fired_is_not_skipped(scenario_data, load):
    # E1 cannot be met in ten minutes (the policy notifies at T+01:50): C1 fires
    data = _drill(scenario_data)
    data["expectations"][0]["within"] = "10m"
    engine = Engine(load(data), seed=0)
    log = engine.run()
    assert [e.details["inject"] for e in log if e.type == "inject_skipped"] == ["A1"]
    assert engine.injects["C1"].state == "fired"
    by_id = {x["id"]: x for x in compute(log)["expectations"]}
    assert "skipped" not in by_id["E2"]


def test_a_facilitator_can_still_skip_or_time_one_before_the_end(scenario_data, load):
    engine = Engine(load(_drill(scenario_data)), seed=0)
    engine.run_until(60 * 3)
    engine.skip_inject("C1")
    engine.reschedule_inject("A1", 60 * 4)
    log = engine.run()
    skipped = [(e.details["inject"], e.details.get("reason")) for e in log
               if e.type == "inject_skipped"]
    # C1 skipped once, by the facilitator; A1 was timed and delivered
    assert skipped == [("C1", None)]
    assert engine.injects["A1"].state == "fired"


def test_the_feed_says_nothing_set_it_off(scenario_data, load):
    """The facilitator's feed does not blame the facilitator for an inject nobody
    triggered."""
    from sim.runs.view import DrillState

    loaded = load(_drill(scenario_data))
    state = DrillState(loaded.scenario)
    log = Engine(loaded, seed=0).run()
    lines = [state.describe(e) for e in log if e.type == "inject_skipped"]
    assert lines == ["Inject C1 skipped (nothing set it off before the end)",
                     "Inject A1 skipped (nothing set it off before the end)"]


def test_a_contingency_due_after_the_end_is_skipped_too(scenario_data, load):
    """Set off, but due only after the drill's end: it never comes into play either."""
    data = _drill(scenario_data)
    # missed at T+01:10 in a two-day drill: C1 due two days later
    data["expectations"][0]["within"] = "10m"
    data["injects"][-2]["delay"] = "48h"
    engine = Engine(load(data), seed=0)
    log = engine.run()
    reasons = {e.details["inject"]: e.details["reason"] for e in log
               if e.type == "inject_skipped"}
    assert reasons == {"C1": "after_end", "A1": "not_triggered"}
    by_id = {x["id"]: x for x in compute(log)["expectations"]}
    assert by_id["E2"]["skipped"] == "C1"


def test_an_after_action_inject_keeps_the_time_control_gave_it(scenario_data, load):
    """Rescheduled by exercise control before its action is done, an ``after_action``
    inject goes out once, at control's time: the action does not time it again."""
    data = _drill(scenario_data)
    data["injects"][-1]["after_action"] = {"action": "escalate"}  # cert-a escalates at 110
    engine = Engine(load(data), seed=0)
    engine.run_until(60)
    engine.reschedule_inject("A1", 200)
    log = engine.run()
    sent = [e.time for e in log
            if e.type == "inject_delivered" and e.details.get("inject") == "A1"]
    assert sent == [200.0]
