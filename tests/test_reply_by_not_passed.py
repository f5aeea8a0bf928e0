"""A message asks for a reply by a time only while that time is still ahead.

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) at T+01:00, and
cert-a's notification of cert-b is due from then; cert-a acknowledges in 10 minutes,
analyses for 30 and drafts in 5, and sends it at T+01:45 by e-mail (5 minutes). The
drill starts on Wednesday 19 August at 09:00 Singapore time (+08).
"""

from __future__ import annotations

import math

import pytest
from conftest import events_of

from sim.engine import Engine
from sim.engine.wording import deadline_in_words, reply_by


def _notification(log):
    [to_b] = [e for e in events_of(log, "message_delivered", "cert-b")
              if e.details["verb"] == "notify"]
    return to_b.details["text"]


def _deadline(scenario_data, deadline):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["deadline"] = deadline
    return scenario_data


def test_a_message_written_after_its_deadline_asks_for_a_reply_as_soon_as_it_can(
        scenario_data, load):
    # due by T+01:30 (30 minutes from T+01:00), written at T+01:45
    log = Engine(load(_deadline(scenario_data, "30m")), seed=0).run()
    text = _notification(log)
    assert "Please reply as soon as you can." in text
    assert "T+01:30" not in text
    # the deadline itself is kept in the log: the message is late by 15 minutes
    [notified] = events_of(log, "notified", "cert-a")
    assert (notified.details["deadline_at"], notified.details["late_by"]) == (90, 15)


@pytest.mark.parametrize(("deadline", "words"), [
    ("45m", "by T+01:45 (Wed 19 Aug 10:45 +08)"),  # due the very minute it is written
    ("1h", "by T+02:00 (Wed 19 Aug 11:00 +08)"),
])
def test_a_deadline_not_yet_past_is_given(scenario_data, load, deadline, words):
    log = Engine(load(_deadline(scenario_data, deadline)), seed=0).run()
    assert f"Please reply {words}." in _notification(log)


def test_a_message_sent_again_on_another_channel_keeps_what_it_was_written_with(
        scenario_data, load):
    # written at T+01:45, when its deadline (T+01:50) was ahead; the e-mail bounces at
    # T+02:00 and the call that follows says the same
    scenario_data = _deadline(scenario_data, "50m")
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["channels"]["email"]["bounce"] = "15m"
    log = Engine(load(scenario_data), seed=0).run()
    assert "Please reply by T+01:50 (Wed 19 Aug 10:50 +08)." in _notification(log)


def test_reply_by_in_words(load, scenario_data):
    scenario = load(scenario_data).scenario
    assert reply_by(scenario, 90.0, 105.0) == "as soon as you can"
    assert reply_by(scenario, 105.0, 105.0) == deadline_in_words(scenario, 105.0)
    assert reply_by(scenario, 120.0, 105.0) == "by T+02:00 (Wed 19 Aug 11:00 +08)"
    assert reply_by(scenario, math.inf, 105.0) == "as soon as you can"
