"""A message the duty desk sent is chased on the duty desk's clock.

A duty officer who sends a request at night and hears nothing chases it after the
follow-up time, at night too; it used to wait for the office to open, long after the
request's deadline. A message drafted at the office is still chased in office hours.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _night_request(d):
    d["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                        "answer_after": "30m"}
    d["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    # the request is lost without a bounce: only a chase finds out
    d["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    d["actors"]["cert-b"]["staffing"] = "24/7"
    d["frameworks"]["fw"]["rules"] = {
        "takedown": {"by": ["cert-a"], "on": ["inject"], "when": {"hosted_abroad": True},
                     "action": "request_takedown", "to": ["hosting_certs"],
                     "channel": "email", "fallback": ["phone"], "deadline": "4h",
                     "tlp": "GREEN"}}
    # 20:00 in Singapore, after office hours: the duty officer answers the call
    d["injects"] = [{"id": "1", "at": "T+11:00", "sender": "ctl", "to": ["cert-a"],
                     "via": "phone", "tlp": "GREEN", "title": "Night call",
                     "incident": {"id": "x", "type": "botnet", "severity": "critical",
                                  "hosted_in": ["TH"]}}]
    return d


def test_the_duty_officer_chases_a_night_request_at_night(scenario_data, load):
    log = Engine(load(_night_request(scenario_data)), seed=0).run()
    sent = events_of(log, "requested", "cert-a")
    assert sent and events_of(log, "on_call_answered", "cert-a")
    chased = events_of(log, "message_chased", "cert-a")
    # an hour (followup_after) after the request, at night, not the next morning
    assert [e.time for e in chased] == [sent[0].time + 60.0]


def test_a_request_from_the_office_is_chased_in_office_hours(scenario_data, load):
    d = _night_request(scenario_data)
    d["injects"][0]["at"] = "T+06:50"  # 15:50: the office handles it
    d["injects"][0]["via"] = "email"
    log = Engine(load(d), seed=0).run()
    sent = events_of(log, "requested", "cert-a")
    chased = events_of(log, "message_chased", "cert-a")
    assert sent and sent[0].time < 8 * 60  # sent before 17:00
    # half an hour of follow-up time before 17:00, the other half from 09:00 next day
    worked_today = 8 * 60 - sent[0].time
    assert [e.time for e in chased] == [24 * 60 + (60.0 - worked_today)]
