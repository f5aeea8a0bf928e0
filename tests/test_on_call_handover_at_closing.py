"""At closing, the duty officer takes over the on-call work the office leaves unfinished.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00, so the office closes at T+08:00 (480) and opens
again at T+24:00 (1440). Here cert-a has an on-call tier on the phone for incidents at
least high, answering after 30m; it acknowledges in 10m, analyses for 2h and drafts in
5m. Its one rule notifies the other affected CERT (cert-b) by e-mail.
"""

from __future__ import annotations

import copy

from conftest import events_of

from sim.engine import Engine

CLOSING = 480
OPENING = 1440


def _drill(data, *reports, capacity: int = 2):
    """cert-a with an on-call tier; each report is (id, at, via, incident, severity)."""
    a = data["actors"]["cert-a"]
    a["policy"]["analysis_time"] = "2h"
    a["capacity"] = capacity
    a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["frameworks"]["fw"]["rules"] = {
        "notify": {"by": ["national_cert"], "on": ["inject"], "action": "notify",
                   "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                   "tlp": "GREEN"}}
    data["injects"] = [
        {"id": rid, "at": at, "sender": "ctl", "to": ["cert-a"], "via": via, "tlp": "GREEN",
         "title": f"Report {rid}",
         "incident": {"id": inc, "type": "ransomware", "severity": severity,
                      "affected": ["SG", "TH"]}}
        for rid, at, via, inc, severity in reports
    ]
    return data


def _notified(log, incident):
    return [e.time for e in events_of(log, "notified", "cert-a") if e.incident == incident]


def _analysed(log, incident):
    return [e for e in events_of(log, "analysed", "cert-a") if e.incident == incident]


def test_severe_call_just_before_closing_is_handled_that_night(scenario_data, load):
    # the call at T+07:30 (16:30) is acknowledged at 16:40: 20 minutes of analysis are
    # done when the office closes. The duty officer carries out the other 100 at once
    # (T+09:40, 580) and notifies cert-b at 585, that night, as it does for the same
    # call after closing, not in the morning.
    before = Engine(load(_drill(copy.deepcopy(scenario_data),
                                ("1", "T+07:30", "phone", "x", "critical"))), seed=0).run()
    after = Engine(load(_drill(scenario_data,
                               ("1", "T+08:05", "phone", "x", "critical"))), seed=0).run()
    [analysed] = _analysed(before, "x")
    assert analysed.time == CLOSING + 100
    assert analysed.details["worked"] == 100
    assert _notified(before, "x") == [CLOSING + 105]
    # the call before closing is not handled later than the same call after it
    assert _notified(before, "x")[0] < _notified(after, "x")[0] < OPENING
    [taken] = events_of(before, "on_call_answered", "cert-a")
    assert taken.time == CLOSING
    assert taken.details["ref"] == "inject:1"
    # the office does not analyse again in the morning, nor notify twice
    assert len(events_of(before, "analysed", "cert-a")) == 1


def test_severe_call_queued_at_closing_moves_to_the_duty_desk(scenario_data, load):
    # one place at the office: an e-mailed low report (y) at T+07:00 is acknowledged at
    # 16:15 and analysed from then. The severe call (x) at T+07:30 waits behind it; at
    # closing it moves to the duty desk: acknowledged at 490, analysed at 610, cert-b
    # notified at 615. The e-mailed analysis goes on in the morning.
    data = _drill(scenario_data, ("1", "T+07:00", "email", "y", "low"),
                  ("2", "T+07:30", "phone", "x", "high"), capacity=1)
    log = Engine(load(data), seed=0).run()
    assert [e.time for e in _analysed(log, "x")] == [CLOSING + 10 + 120]
    assert _notified(log, "x") == [CLOSING + 135]
    [taken] = events_of(log, "on_call_answered", "cert-a")
    assert (taken.time, taken.incident) == (CLOSING, "x")
    [low] = _analysed(log, "y")
    assert low.time > OPENING


def test_queued_calls_move_in_priority_order(scenario_data, load):
    # two severe calls wait behind the e-mailed report at closing: the duty desk takes
    # the critical one first, though the high one came in first
    data = _drill(scenario_data, ("1", "T+07:00", "email", "y", "low"),
                  ("2", "T+07:30", "phone", "x", "high"),
                  ("3", "T+07:40", "phone", "z", "critical"), capacity=1)
    log = Engine(load(data), seed=0).run()
    assert _notified(log, "z") == [CLOSING + 135]
    assert _notified(log, "x") == [CLOSING + 135 + 135]


def test_less_severe_or_emailed_work_waits_for_the_morning(scenario_data, load):
    # below the duty officer's threshold, or not on the on-call channel: the office
    # finishes it in the morning, as before, and no duty officer picks it up
    for via, severity in (("phone", "medium"), ("email", "critical")):
        under_way = _drill(copy.deepcopy(scenario_data), ("1", "T+07:30", via, "x", severity))
        queued = _drill(copy.deepcopy(scenario_data), ("1", "T+07:00", "email", "y", "low"),
                        ("2", "T+07:30", via, "x", severity), capacity=1)
        for data in (under_way, queued):
            log = Engine(load(data), seed=0).run()
            assert _notified(log, "x")[0] > OPENING
            assert not events_of(log, "on_call_answered", "cert-a")


def test_analyses_under_way_pass_to_the_duty_officer_most_severe_first(scenario_data, load):
    # two places at the office: the high call (x) at T+07:20 and the critical one (z)
    # at T+07:30 are both being analysed at closing. The one duty officer finishes the
    # critical one first (100 minutes left: T+09:40), then the high one (90 left)
    data = _drill(scenario_data, ("1", "T+07:20", "phone", "x", "high"),
                  ("2", "T+07:30", "phone", "z", "critical"))
    log = Engine(load(data), seed=0).run()
    [z] = _analysed(log, "z")
    [x] = _analysed(log, "x")
    assert (z.time, z.details["worked"]) == (CLOSING + 100, 100)
    assert (x.time, x.details["worked"]) == (CLOSING + 105 + 90, 90)
    assert _notified(log, "z") == [CLOSING + 105]
    assert _notified(log, "x") == [CLOSING + 200]
