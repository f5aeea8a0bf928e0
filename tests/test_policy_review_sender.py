"""The ``sender`` selector names whoever sent an item that set the rule off (one of the
rule's ``on`` triggers), never the sender of a later item that only grew the picture;
the answer's deadline runs from that sender's triggering item."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _reply_drill(data):
    """cert-a asks cert-b (hosting) for a takedown (delivered T+110); cert-b answers
    whoever asked. The council tells cert-b at T+240 that the incident is severe."""
    data["actors"]["ansac"] = data["actors"].pop("council")
    data["frameworks"]["fw"]["rules"] = {
        "ask-takedown": {"by": ["cert-a"], "on": ["inject"], "when": {"hosted_abroad": True},
                         "action": "request_takedown", "to": ["hosting_certs"],
                         "channel": "email", "deadline": "4h", "tlp": "GREEN"},
        "reply": {"by": ["cert-b"], "on": ["request_takedown"], "action": "report",
                  "to": ["sender"], "channel": "email", "deadline": "2h", "tlp": "GREEN"},
    }
    data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG"], "hosted_in": ["TH"]}},
        {"id": "2", "at": "T+04:00", "sender": "ansac", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Update from the council",
         "incident": {"id": "x", "severity": "high"}},
    ]
    return data


def test_an_item_that_only_grew_the_picture_gets_no_answer(scenario_data, load):
    log = Engine(load(_reply_drill(scenario_data)), seed=0).run()
    assert [(e.time, e.details["targets"], e.details["trigger_at"])
            for e in events_of(log, "notified", "cert-b")] == [(155, ["cert-a"], 110)]


def test_each_sender_is_answered_by_the_deadline_its_own_item_set(scenario_data, load):
    # cert-b answers every inject's sender; the council's inject comes three hours after
    # control's: its answer is due two hours after it arrived, not after control's
    scenario_data["frameworks"]["fw"]["rules"] = {
        "reply": {"by": ["cert-b"], "on": ["inject"], "action": "report", "to": ["sender"],
                  "channel": "email", "deadline": "2h", "tlp": "GREEN"}}
    scenario_data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Report", "incident": {"id": "x", "type": "botnet"}},
        {"id": "2", "at": "T+04:00", "sender": "council", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x", "severity": "high"}},
    ]
    log = Engine(load(scenario_data), seed=0).run()
    assert [(e.time, e.details["targets"], e.details["trigger_at"], e.details["late_by"])
            for e in events_of(log, "notified", "cert-b")] == [
        (105, ["ctl"], 60, 0), (255, ["council"], 240, 0)]
