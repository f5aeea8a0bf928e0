"""A sender chases a message only when no receipt has reached it within its follow-up
time: a receipt arriving at the very minute the time runs out is in time.

Base scenario (tests/conftest.py): cert-a notifies cert-b by e-mail at T+01:45; it
arrives at T+01:50, cert-b acknowledges it at T+02:00 and the receipt is back at
T+02:05 (e-mail takes 5m).
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _run(data, load, followup: str):
    data["actors"]["cert-a"]["policy"]["followup_after"] = followup
    data["frameworks"]["fw"]["rules"]["escalate"]["enabled"] = False
    return Engine(load(data), seed=0).run()


def test_a_receipt_due_as_the_follow_up_time_runs_out_stops_the_chase(scenario_data, load):
    log = _run(scenario_data, load, "20m")  # sent T+01:45, follow-up time out at T+02:05
    [received] = events_of(log, "acknowledgement_received", "cert-a")
    assert received.time == 2 * 60 + 5.0
    assert not events_of(log, "message_chased", "cert-a")
    assert len(events_of(log, "message_sent", "cert-a")) == 1
    assert len(events_of(log, "message_delivered", "cert-b")) == 1


def test_a_receipt_a_minute_late_is_chased(scenario_data, load):
    log = _run(scenario_data, load, "19m")  # follow-up time out at T+02:04
    [chased] = events_of(log, "message_chased", "cert-a")
    assert chased.time == 2 * 60 + 4.0
    _first, chase = events_of(log, "message_sent", "cert-a")
    assert (chase.time, chase.details["retry"]) == (2 * 60 + 4.0, "unacknowledged")
