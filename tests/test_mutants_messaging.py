"""Messages on hand-computable drills: bounces from stale contacts, chasing unanswered
messages, passing on restricted information and what a forwarded item reads like (the
cases mutation testing of sim/engine/messaging.py found
untested).

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) by e-mail at T+60
and opens incident x. cert-a acknowledges at T+70, analyses until T+100, notifies
cert-b at T+105 (rule notify: e-mail, then the phone) and escalates to the council at
T+110; e-mail takes 5m, the phone 1m.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Action, Engine

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


# --- what a message passes on: allowed ------------------------------------------------


def _people(scenario_data, load, tlp, to=("cert-a",)):
    """Both CERTs played by people; the report (TLP ``tlp``) reaches ``to`` at T+60."""
    scenario_data["injects"][0]["tlp"] = tlp
    scenario_data["injects"][0]["to"] = list(to)
    engine = Engine(load(scenario_data), seed=0, human=["cert-a", "cert-b"])
    engine.run_until(90)
    return engine


def _violations(events):
    return [(e.details["to"], e.details["tlp"]) for e in events_of(events, "tlp_violation")]


def test_publishing_a_clear_report_is_no_violation(scenario_data, load):
    engine = _people(scenario_data, load, "CLEAR")
    produced = engine.act(Action("cert-a", "publish", "x", refs=("inject:1",)))
    assert [e.type for e in produced] == ["published"]


def test_publishing_a_green_report_is_a_violation(scenario_data, load):
    # TLP:GREEN is for the community, not the public
    engine = _people(scenario_data, load, "GREEN")
    produced = engine.act(Action("cert-a", "publish", "x", refs=("inject:1",)))
    assert _violations(produced) == [("public", "GREEN")]


def test_a_red_report_may_go_to_those_it_was_addressed_to_only(scenario_data, load):
    engine = _people(scenario_data, load, "RED", to=("cert-a", "cert-b"))
    produced = engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN",
                                 refs=("inject:1",)))
    assert _violations(produced) == []
    assert [(e.details["to"], e.details["tlp"]) for e in events_of(produced, "message_sent")] \
        == [("cert-b", "RED")]  # labelled as strictly as what it passes on
    produced = engine.act(Action("cert-a", "escalate", "x", targets=("council",), tlp="GREEN",
                                 refs=("inject:1",)))
    assert _violations(produced) == [("council", "RED")]


# --- what a message passes on, written out: Messaging._forward ----------------------------


@pytest.mark.parametrize(("artefacts", "block", "attached"), [
    (["bots.csv", "beacon.pcap"],
     "Forwarded: Report\nBots beacon to 203.0.113.7.\nArtefacts: bots.csv, beacon.pcap",
     "Report (bots.csv, beacon.pcap)"),
    ([], "Forwarded: Report\nBots beacon to 203.0.113.7.\n\n", "Report"),
])
def test_a_forwarded_report_is_written_out_with_its_text_and_artefacts(scenario_data, load,
                                                                       artefacts, block,
                                                                       attached):
    scenario_data["injects"][0]["text"] = "Bots beacon to 203.0.113.7."
    scenario_data["injects"][0]["artefacts"] = artefacts
    engine = _people(scenario_data, load, "GREEN")
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN",
                      refs=("inject:1",)))
    engine.run_until(100)
    [delivered] = events_of(engine.log, "message_delivered")
    assert delivered.time == 95
    assert block in delivered.details["text"]
    assert delivered.details["attached"] == [attached]


def test_a_forwarded_message_names_its_subject_and_sender(scenario_data, load):
    # cert-a's notification (subject written from the template) reaches cert-b at T+95;
    # cert-b passes it back on at T+100 with a line of its own
    engine = _people(scenario_data, load, "GREEN")
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    engine.run_until(100)
    [item] = engine.inbox("cert-b")
    assert item.title == "[TLP:GREEN] Incident notification: Report"
    engine.act(Action("cert-b", "notify", "x", targets=("cert-a",), tlp="GREEN",
                      refs=(item.ref,), text="See below."))
    engine.run_until(110)
    [back] = events_of(engine.log, "message_delivered", "cert-a")
    assert back.details["text"] == ("See below.\n\nForwarded: [TLP:GREEN] Incident "
                                    "notification: Report (from CERT-SG)")
    assert back.details["attached"] == ["[TLP:GREEN] Incident notification: Report"]


# --- chasing an unanswered message: Messaging._follow_up ---------------------------------


def test_an_unacknowledged_notification_is_chased_on_the_next_channel(scenario_data, load):
    # cert-b is played by a person who does not answer: cert-a's policy e-mails it at
    # T+105 (delivered T+110), waits its follow-up hour, and at T+165 chases by phone
    engine = Engine(load(scenario_data), seed=0, human=["cert-b"])
    log = engine.run()
    [chased] = events_of(log, "message_chased")
    assert (chased.time, chased.actor, chased.incident) == (165, "cert-a", "x")
    assert dict(chased.details) == {"dispatch": "d1", "to": "cert-b", "verb": "notify",
                                    "channel": "email", "waited": 60, "delivered": True}
    assert [(e.time, e.details["channel"], e.details.get("retry")) for e in
            _to_b(log, "message_sent")] == [(105, "email", None), (165, "phone", "unacknowledged")]
    assert [(e.time, e.details["channel"]) for e in _to_b(log, "message_delivered")] == [
        (110, "email"), (166, "phone")]


def test_an_acknowledged_notification_is_not_chased(scenario_data, load):
    # cert-b's policy acknowledges at T+120, before the follow-up hour is up
    log = Engine(load(scenario_data), seed=0).run()
    assert events_of(log, "message_chased") == []
    assert [e.details["channel"] for e in _to_b(log, "message_sent")] == ["email"]
