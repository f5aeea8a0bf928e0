"""A rule for some hours of the team's day (``when.local_time``) that applies while its
window is closed looks again when the window next opens on the team's clock.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time
and lasts two days. cert-a (Singapore) works 09:00-17:00; it acknowledges in 10m,
analyses in 30m and drafts in 5m; e-mail takes 5m. Inject 1 tells cert-a of incident
x (affected: SG, TH): cert-a notifies cert-b, then escalates to the council.
"""

from __future__ import annotations

from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine

THURSDAY_0900 = 24 * 60.0


def _late_report(data, duration: str = "2d"):
    """The report reaches cert-a at 15:40; it is done analysing at 16:20, after the
    escalation's window (09:00-16:00) has closed."""
    data["drill"]["duration"] = duration
    data["frameworks"]["fw"]["rules"]["escalate"]["when"]["local_time"] = "09:00-16:00"
    data["injects"][0]["at"] = "T+06:40"
    return data


def test_a_rule_whose_window_closed_acts_when_it_opens_next_morning(scenario_data, load):
    log = Engine(load(_late_report(scenario_data)), seed=0).run()
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == 7 * 60 + 25  # 16:25: the notification knows no hours
    [escalated] = events_of(log, "escalated", "cert-a")
    # the window opens at 09:00 on Thursday: drafted first thing, due from then
    assert escalated.time == THURSDAY_0900 + 5
    assert escalated.details["trigger_at"] == THURSDAY_0900
    assert escalated.details["late_by"] == 0
    assert escalated.details["trigger"] == "local_time:09:00-16:00"
    [got] = [e for e in events_of(log, "acknowledged", "council")
             if e.details["refs"] == ["m2"]]
    assert got.time > escalated.time


def test_a_window_opening_later_that_day_is_waited_for(scenario_data, load):
    # cert-a reads its rules at T+100 (10:40): the notification waits for 10:50, and
    # the escalation goes first
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["when"] = {
        "local_time": "10:50-12:00"}
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == 105
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == 115
    assert notified.details["trigger_at"] == 110
    # only the window's opening wakes the rule: it is sent once
    assert len(events_of(log, "message_sent", "cert-a")) == 2


def test_a_window_that_opens_only_after_the_drill_ends_is_not_waited_for(scenario_data,
                                                                          load):
    # a one-day drill ends at 09:00 on Thursday, as the window opens
    log = Engine(load(_late_report(scenario_data, "1d")), seed=0).run()
    assert events_of(log, "escalated", "cert-a") == []
    assert log[-1].time <= THURSDAY_0900


def test_explain_and_the_run_agree_on_the_escalation(scenario_data, load):
    loaded = load(_late_report(scenario_data))
    text = explain(loaded.scenario)
    [path] = [line for line in text.splitlines() if "[escalate]" in line]
    assert "CERT-SG --escalate" in path and "Council" in path
    log = Engine(loaded, seed=0).run()
    assert [e.details["targets"] for e in events_of(log, "escalated", "cert-a")] == [
        ["council"]]
