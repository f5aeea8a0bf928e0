"""Mail that reaches a closed office tells the team nothing until it is read.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a works 09:00-17:00, acknowledging takes 10m, analysing 30m, drafting 5m. It
notifies the affected CERTs (cert-b for Thailand) and escalates to the council once
two ASEAN countries are affected. Here cert-a also has a duty officer on the phone
for high-severity incidents, who answers 30 minutes after a call.

At 19:00 (T+10:00), with the office closed, an e-mail about incident x reaches
cert-a; at 20:00 (T+11:00) exercise control phones cert-a about the same incident.
"""

from __future__ import annotations

import copy

from conftest import events_of

from sim.engine import Engine

THURSDAY_0900 = 24 * 60.0


def _evening(data, mail: dict, call: dict):
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                           "answer_after": "30m"}
    data["injects"] = [
        {"id": "1", "at": "T+10:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Mail", "incident": {"id": "x", **mail}},
        {"id": "2", "at": "T+11:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call", "incident": {"id": "x", **call}},
    ]
    return data


def _mail_read_at(log) -> float:
    [ack] = [e for e in events_of(log, "acknowledged", "cert-a")
             if "inject:1" in e.details["refs"]]
    return ack.time


def test_the_duty_officer_does_not_act_on_unread_mail(scenario_data, load):
    # the mail says the incident is severe and reaches Singapore and Thailand; the
    # call says nothing more than "incident x": nothing the duty officer knows makes
    # it severe, so the call waits for the office with the mail
    data = _evening(scenario_data, {"type": "botnet", "severity": "high",
                                    "affected": ["SG", "TH"]}, {})
    engine = Engine(load(data), seed=0)
    log = engine.run()
    assert events_of(log, "on_call_answered", "cert-a") == []
    read = _mail_read_at(log)
    assert read >= THURSDAY_0900
    acts = events_of(log, "notified", "cert-a") + events_of(log, "escalated", "cert-a")
    assert acts
    for act in acts:
        assert act.time > read
        assert engine.actors["cert-a"].shift.on_duty(act.time)
        # its deadline runs from when the mail was read, not from when it arrived
        assert act.details["trigger_at"] == read


def test_the_duty_officer_passes_on_only_what_reached_him(scenario_data, load):
    # the call says the incident is severe and reaches Thailand: the duty officer
    # tells cert-b that night, and only that; Singapore (a second ASEAN country, hence
    # the escalation) and the type are known only once the mail is read next morning
    data = _evening(scenario_data, {"type": "botnet", "affected": ["SG"]},
                    {"severity": "high", "affected": ["TH"]})
    log = Engine(load(data), seed=0).run()
    [answered] = events_of(log, "on_call_answered", "cert-a")
    night, *_chased = [e for e in events_of(log, "message_delivered", "cert-b")
                       if e.details["sender"] == "cert-a"]
    assert night.time < THURSDAY_0900
    assert sorted(night.details["facts"]) == ["affected:TH", "severity:high"]
    assert "inject:1" not in night.details["refs"]
    read = _mail_read_at(log)
    assert answered.time < read
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time > read
    assert "affected:SG" in escalated.details["relied"]
    assert escalated.details["trigger_at"] == read


def test_mail_read_in_office_hours_counts_from_its_arrival(scenario_data, load):
    # the same mail at 16:00 (T+07:00), with the office open: its facts count from
    # its arrival, as before, and the night call is taken as severe
    data = _evening(copy.deepcopy(scenario_data), {"type": "botnet", "severity": "high",
                                                   "affected": ["SG", "TH"]}, {})
    data["injects"][0]["at"] = "T+07:00"
    log = Engine(load(data), seed=0).run()
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.details["trigger_at"] == 7 * 60
    assert len(events_of(log, "on_call_answered", "cert-a")) == 1


def test_a_person_taking_over_at_night_can_read_the_mail(scenario_data, load):
    from sim.engine import Action

    data = _evening(scenario_data, {"type": "botnet", "severity": "high",
                                    "affected": ["SG", "TH"]}, {})
    engine = Engine(load(data), seed=0)
    engine.run_until(10 * 60 + 30)
    engine.set_human("cert-a", True)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                      tlp="GREEN", refs=("inject:1",)))
    log = engine.run()
    delivered, *_chased = [e for e in events_of(log, "message_delivered", "cert-b")
                           if e.details["sender"] == "cert-a"]
    assert "affected:TH" in delivered.details["facts"]


def test_a_rule_waiting_for_a_report_waits_until_it_is_read(scenario_data, load):
    # cert-a notifies only once report 1 (the mail) has reached it; the call at 20:00
    # is severe and names Thailand, but the mail still waits unread: nobody is told
    # until the office reads it next morning, and the notification is due from then
    data = _evening(scenario_data, {"type": "botnet"},
                    {"severity": "high", "affected": ["TH"]})
    data["frameworks"]["fw"]["rules"]["notify"]["when"] = {"received": ["1"]}
    log = Engine(load(data), seed=0).run()
    assert len(events_of(log, "on_call_answered", "cert-a")) == 1
    read = _mail_read_at(log)
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time > read >= THURSDAY_0900
    assert notified.details["trigger_at"] == read
