"""A rule waiting for an action done by anyone (``when.done: [{action, by: anyone}]``)
looks again when a message of that verb reaches the team, even one that tells it no
new fact: the message itself says the action was done."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _asked_to_take_down(data: dict) -> dict:
    """cert-a and cert-b both hear of the incident at T+01:00. cert-b asks cert-a for a
    takedown (sent at T+01:45, by e-mail, 5m), with nothing cert-a does not know; cert-a
    tells the council once anyone has asked for a takedown."""
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    data["frameworks"]["fw"]["rules"] = {
        "ask": {"by": ["cert-b"], "on": ["inject"], "action": "request_takedown",
                "to": ["cert-a"], "channel": "email", "deadline": "4h", "tlp": "GREEN"},
        "tell-council": {
            "by": ["cert-a"], "on": ["inject"],
            "when": {"done": [{"action": "request_takedown", "by": "anyone"}]},
            "action": "escalate", "to": ["regional_council"], "channel": "email",
            "deadline": "4h", "tlp": "GREEN"},
    }
    return data


def test_a_message_adding_no_fact_wakes_a_rule_waiting_for_its_verb(scenario_data, load):
    log = Engine(load(_asked_to_take_down(scenario_data)), seed=0).run()
    [request] = [e for e in events_of(log, "message_delivered", "cert-a")
                 if e.details["verb"] == "request_takedown"]
    assert request.time == 110
    # acknowledged at T+02:00 (120), drafted for 5 minutes; the deadline runs from the
    # request's arrival
    [escalated] = events_of(log, "escalated", "cert-a")
    assert (escalated.time, escalated.details["rule"], escalated.details["trigger_at"]) == (
        125, "tell-council", 110)


def test_a_rule_waiting_for_its_own_team_is_not_woken_by_a_message(scenario_data, load):
    data = _asked_to_take_down(scenario_data)
    data["frameworks"]["fw"]["rules"]["tell-council"]["when"]["done"][0]["by"] = "self"
    log = Engine(load(data), seed=0).run()
    assert events_of(log, "escalated", "cert-a") == []
