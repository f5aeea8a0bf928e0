"""Messages on hand-computable drills: bounces from stale contacts and passing on
restricted information (the cases mutation testing of sim/engine/messaging.py found
untested).

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) by e-mail at T+60
and opens incident x. cert-a acknowledges at T+70, analyses until T+100, notifies
cert-b at T+105 (rule notify: e-mail, then the phone) and escalates to the council at
T+110; e-mail takes 5m, the phone 1m.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine

# --- bounces: Messaging._bounced -------------------------------------------------------


def _stale_email(scenario_data):
    """cert-b's e-mail address is out of date; e-mail bounces after 15 minutes."""
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["channels"]["email"]["bounce"] = "15m"
    return scenario_data


def _to_b(log, type_):
    return [e for e in events_of(log, type_) if e.details.get("to") == "cert-b"]


def test_a_bounced_notification_is_sent_again_on_the_fallback_channel(scenario_data, load):
    # sent by e-mail at T+105, bounced at T+120, sent again by phone (delivered T+121)
    log = Engine(load(_stale_email(scenario_data)), seed=0).run()
    [bounced] = events_of(log, "message_bounced")
    assert (bounced.time, bounced.actor, bounced.incident) == (120, "cert-a", "x")
    assert (bounced.details["reason"], bounced.details["after"]) == ("stale_contact", 15)
    assert (bounced.details["msg"], bounced.details["channel"]) == ("m1", "email")
    assert [(e.time, e.details["channel"], e.details.get("retry")) for e in
            _to_b(log, "message_sent")] == [(105, "email", None), (120, "phone", "bounced")]
    assert [(e.time, e.details["channel"]) for e in _to_b(log, "message_delivered")] == [
        (121, "phone")]


def test_a_bounce_after_the_role_changed_hands_is_left_to_the_person(scenario_data, load):
    # a person takes cert-a at T+107, after the policy's e-mail went: the bounce at T+120
    # is reported, and the message is not sent again on its own
    engine = Engine(load(_stale_email(scenario_data)), seed=0)
    engine.run_until(107)
    engine.set_human("cert-a", True)
    log = engine.run()
    assert [(e.time, e.details["reason"]) for e in events_of(log, "message_bounced")] == [
        (120, "stale_contact")]
    assert [(e.time, e.details["channel"]) for e in _to_b(log, "message_sent")] == [
        (105, "email")]
    assert _to_b(log, "message_delivered") == []


# --- passing on restricted information: Messaging._breach ------------------------------


def _red_report(scenario_data, breach):
    """The report cert-a receives is TLP:RED (for cert-a only, its facts too); cert-a's
    policy breaches a label with probability ``breach``."""
    scenario_data["injects"][0]["tlp"] = "RED"
    scenario_data["actors"]["cert-a"]["policy"]["tlp_breach"] = breach
    return scenario_data


def test_a_policy_that_never_breaches_withholds_restricted_facts(scenario_data, load):
    log = Engine(load(_red_report(scenario_data, 0.0)), seed=0).run()
    assert events_of(log, "tlp_violation") == []
    [withheld] = [e for e in events_of(log, "withheld") if e.details["to"] == "cert-b"]
    assert withheld.details["reason"] == "no message without restricted facts"
    assert _to_b(log, "message_sent") == []


def test_a_policy_that_always_breaches_passes_restricted_facts_on(scenario_data, load):
    log = Engine(load(_red_report(scenario_data, 1.0)), seed=0).run()
    assert [(e.time, e.details["to"], e.details["tlp"]) for e in events_of(log, "tlp_violation")
            ] == [(105, "cert-b", "RED"), (110, "council", "RED")]
    assert [(e.time, e.details["tlp"]) for e in _to_b(log, "message_sent")] == [(105, "RED")]


def test_a_rare_breach_is_drawn_not_certain(scenario_data, load):
    # one chance in a million per message: in ten runs no label is breached
    loaded = load(_red_report(scenario_data, 1e-6))
    for seed in range(10):
        log = Engine(loaded, seed=seed).run()
        assert events_of(log, "tlp_violation") == []
        assert _to_b(log, "message_sent") == []
