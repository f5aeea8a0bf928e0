"""Rules waiting on the team's own action (``when.done``) or on a drill phase
(``when.phase``) look again when the action is done or the phase begins, whatever the
order the rules are written in."""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Engine


@pytest.mark.parametrize("order", ["notify-first", "escalate-first"])
def test_a_rule_waiting_on_the_team_s_own_action_follows_it(scenario_data, load, order):
    rules = scenario_data["frameworks"]["fw"]["rules"]
    escalate = {"by": ["cert-a"], "on": ["inject"], "when": {"done": [{"action": "notify"}]},
                "action": "escalate", "to": ["regional_council"], "channel": "email",
                "deadline": "1h", "tlp": "GREEN"}
    notify = rules["notify"]
    rules.clear()
    rules.update({"notify": notify, "escalate": escalate} if order == "notify-first"
                 else {"escalate": escalate, "notify": notify})
    log = Engine(load(scenario_data), seed=0).run()
    # cert-a notifies cert-b at T+105, then escalates (5 minutes' drafting), its
    # deadline running from the notification
    assert [(e.time, e.type, e.details["trigger_at"]) for e in log
            if e.type in ("notified", "escalated")] == [
        (105, "notified", 60), (110, "escalated", 105)]


def test_a_rule_for_a_later_phase_applies_when_the_phase_begins(scenario_data, load):
    # cert-a reads its rules at T+100, in the detection phase; the response phase
    # begins at T+180 (12:00 in Singapore, on duty)
    scenario_data["drill"]["phases"] = {"detection": {"start": "T+00:00", "end": "T+03:00"},
                                        "response": {"start": "T+03:00"}}
    scenario_data["frameworks"]["fw"]["rules"] = {"escalate": {
        "by": ["cert-a"], "on": ["inject"], "when": {"phase": ["response"]},
        "action": "escalate", "to": ["regional_council"], "channel": "email",
        "deadline": "1h", "tlp": "GREEN"}}
    log = Engine(load(scenario_data), seed=0).run()
    assert [(e.time, e.actor, e.details["trigger_at"], e.details["trigger"])
            for e in events_of(log, "escalated")] == [(185, "cert-a", 180, "phase:response")]


def test_a_phase_that_begins_before_the_analysis_is_done_is_read_by_the_handling(
        scenario_data, load):
    # the response phase begins at T+80, while cert-a analyses (T+70 to T+100): the
    # handling reads the rules after the analysis, once
    scenario_data["drill"]["phases"] = {"response": {"start": "T+01:20"}}
    scenario_data["frameworks"]["fw"]["rules"] = {"escalate": {
        "by": ["cert-a"], "on": ["inject"], "when": {"phase": ["response"]},
        "action": "escalate", "to": ["regional_council"], "channel": "email",
        "deadline": "1h", "tlp": "GREEN"}}
    log = Engine(load(scenario_data), seed=0).run()
    assert [(e.time, e.details["trigger"]) for e in events_of(log, "escalated")] == [
        (105, "inject:1")]
