"""A call to a team that is never on duty again before the drill ends is lost.

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) at T+01:00; cert-a
acknowledges in 10 minutes, analyses for 30 and drafts in 5, then notifies cert-b
(Bangkok, 09:00-17:00 there: T+01:00 to T+09:00, and T+25:00 to T+33:00 the next day).
Here cert-a is staffed around the clock and notifies by phone (1 minute), a call that
rings only when someone is at cert-b's desk.
"""

from __future__ import annotations

import math

from conftest import events_of

from sim.analysis.metrics import compute
from sim.engine import Engine
from sim.engine.clock import Shift
from sim.engine.wording import REASONS
from sim.runs.batch import LOSS_REASONS, RUN_METRICS, replication_rows


def _by_phone(scenario_data, duration="2d", inject_at="T+01:00"):
    rule = scenario_data["frameworks"]["fw"]["rules"]["notify"]
    rule["channel"], rule["fallback"] = "phone", []
    scenario_data["actors"]["cert-a"]["staffing"] = "24/7"
    scenario_data["drill"]["duration"] = duration
    scenario_data["injects"][0]["at"] = inject_at
    return scenario_data


def _to_b(log, type_):
    return [e for e in events_of(log, type_) if e.details.get("to") == "cert-b"]


def test_a_call_after_hours_on_the_last_day_is_lost(scenario_data, load):
    # the report comes at T+08:30; cert-a calls at T+09:15, after cert-b's office closed
    # (T+09:00), and the drill ends at T+12:00, before it opens again
    log = Engine(load(_by_phone(scenario_data, "12h", "T+08:30")), seed=0).run()
    [sent] = _to_b(log, "message_sent")
    assert sent.time == 555
    [lost] = events_of(log, "message_lost")
    assert (lost.time, lost.actor, lost.incident) == (556, "cert-b", "x")
    assert (lost.details["reason"], lost.details["sender"], lost.details["latency"]) == (
        "never_on_duty", "cert-a", 1.0)
    assert (lost.details["msg"], lost.details["dispatch"]) == (
        sent.details["msg"], sent.details["dispatch"])
    assert _to_b(log, "message_delivered") == []
    m = compute(log)
    assert m["messages"]["lost"] == {"never_on_duty": 1}
    assert [x["reason"] for x in m["messages"]["lost_list"]] == ["never_on_duty"]


def test_a_call_after_hours_rings_in_the_morning_when_the_drill_lasts(scenario_data, load):
    # the same call in a two-day drill waits for the next morning (09:00 Bangkok)
    log = Engine(load(_by_phone(scenario_data, "2d", "T+08:30")), seed=0).run()
    assert [e.time for e in _to_b(log, "message_delivered")] == [1500]
    assert events_of(log, "message_lost") == []


def test_a_call_to_a_desk_that_never_opens_again_is_lost(scenario_data, load, monkeypatch):
    # no working period is ever ahead: the desk is never on duty again
    loaded = load(_by_phone(scenario_data, "2d", "T+08:30"))
    monkeypatch.setattr(Shift, "next_on",
                        lambda self, t: t if self.on_duty(t) else math.inf)
    log = Engine(loaded, seed=0).run()
    assert [(e.time, e.details["reason"]) for e in events_of(log, "message_lost")] == [
        (556, "never_on_duty")]
    assert _to_b(log, "message_delivered") == []


def test_the_reason_is_worded_and_counted_in_a_batch(scenario_data, load):
    assert REASONS["never_on_duty"]
    assert "never_on_duty" in LOSS_REASONS and "lost.never_on_duty" in RUN_METRICS
    loaded = load(_by_phone(scenario_data, "12h", "T+08:30"))
    rows = {metric: value for _, metric, value in replication_rows(loaded.scenario, 0)}
    assert (rows["lost.never_on_duty"], rows["messages_lost"]) == (1.0, 1.0)
