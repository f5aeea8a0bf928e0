"""A rule the office takes up later without a new item (a drill phase that begins, a
rule that follows the receipts of another) counts its wait for the office to open as
the draft's time off duty: "where the time went" shows the night as waiting for
working hours, not as queued behind other work.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time.
cert-a (Singapore) works 09:00-17:00; it acknowledges in 10m, analyses in 30m and
drafts in 5m; e-mail takes 5m. Inject 1 tells cert-a of incident x (affected: SG, TH).
"""

from __future__ import annotations

from conftest import events_of

from sim.analysis.review import hop_breakdown
from sim.engine import Engine

THURSDAY_0900 = 24 * 60.0


def _escalation_hop(log):
    [hop] = [h for h in hop_breakdown(log) if h.verb == "escalate"]
    return hop


def test_a_phase_beginning_at_night_is_waited_for_off_duty(scenario_data, load):
    # the escalation is only for the response phase, which begins at T+10:00 (19:00 in
    # Singapore): cert-a drafts it when its office opens on Thursday
    scenario_data["drill"]["phases"] = {"detection": {"start": "T+00:00", "end": "T+10:00"},
                                        "response": {"start": "T+10:00"}}
    scenario_data["frameworks"]["fw"]["rules"]["escalate"]["when"]["phase"] = ["response"]
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == THURSDAY_0900 + 5
    assert escalated.details["trigger_at"] == 600
    night = THURSDAY_0900 - 600
    assert escalated.details["off_duty"] == night
    assert escalated.details["spans"] == [[600.0, THURSDAY_0900, "off_duty"],
                                          [THURSDAY_0900, THURSDAY_0900 + 5, "worked"]]
    hop = _escalation_hop(log)
    assert hop.parts["waiting for working hours"] == night
    assert hop.parts["queued behind other work"] == 0


def test_a_follow_on_read_at_night_is_waited_for_off_duty(scenario_data, load):
    # cert-a notifies cert-b at 16:45 and escalates once cert-b has acknowledged; the
    # receipt comes back at 17:05 by e-mail, read at once (handled around the clock),
    # but only the office drafts the escalation, on Thursday morning
    scenario_data["drill"]["duration"] = "3d"
    scenario_data["channels"]["email"]["handled_around_the_clock"] = True
    scenario_data["frameworks"]["fw"]["rules"] = {
        "tell-b": {"by": ["cert-a"], "on": ["inject"], "action": "notify",
                   "to": ["cert-b"], "channel": "email", "deadline": "4h", "tlp": "GREEN"},
        "then-council": {"by": ["cert-a"], "after": ["tell-b"], "action": "escalate",
                         "to": ["regional_council"], "channel": "email", "deadline": "1h",
                         "tlp": "GREEN"},
    }
    scenario_data["injects"][0]["at"] = "T+07:00"
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    receipt = 8 * 60 + 5.0
    assert (escalated.time, escalated.details["trigger_at"]) == (THURSDAY_0900 + 5, receipt)
    assert escalated.details["off_duty"] == THURSDAY_0900 - receipt
    hop = _escalation_hop(log)
    assert hop.parts["waiting for working hours"] == THURSDAY_0900 - receipt
    assert hop.parts["queued behind other work"] == 0


def test_a_phase_beginning_in_office_hours_waits_nothing_off_duty(scenario_data, load):
    # the response phase begins at 10:50 (T+01:50), after cert-a escalated it: its
    # notification, for that phase, is drafted at once
    scenario_data["drill"]["phases"] = {"response": {"start": "T+01:50"}}
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["when"] = {"phase": ["response"]}
    log = Engine(load(scenario_data), seed=0).run()
    [notified] = events_of(log, "notified", "cert-a")
    assert (notified.time, notified.details["off_duty"]) == (115, 0)
    assert "spans" not in notified.details
