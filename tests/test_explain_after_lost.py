"""`drill explain` shows a rule that follows another (``after``) only where a run sets it
off: once every message the other rule sent has been acknowledged, its receipts read
(core.py, ``_receipt_read``). A message no recipient can acknowledge (a stale point of
contact and no fallback that works, or no point of contact at all) never sets it off,
nor does a rule that sends no message: explain says NEVER, and why, instead of walking
on. Each case is checked against a run.

The base scenario (tests/conftest.py): cert-a (CERT-SG) hears of incident x at T+01:00
and notifies cert-b (CERT-TH) by e-mail; here a ``summary`` rule has it report to the
council once the notification is acknowledged.
"""

from __future__ import annotations

from typing import Any

from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine

REPORTS = "      CERT-SG --report via email within 1h, TLP:GREEN--> Council   [summary]"
NEVER = "      CERT-SG --report via email within 1h, TLP:GREEN--> NEVER after {rule}: {why}   " \
        "[summary]"


def _summary(data: dict[str, Any], fallback: bool = False, after: str = "notify",
             **notify: Any) -> dict[str, Any]:
    """cert-a reports to the council once ``after`` has run and its messages are all
    acknowledged; cert-b's e-mail address is out of date (the notification's fallback,
    the phone, works)."""
    rules = data["frameworks"]["fw"]["rules"]
    rules["notify"].update(notify)
    if not fallback:
        rules["notify"]["fallback"] = []
    rules["escalate"]["enabled"] = False
    rules["summary"] = {"by": ["national_cert"], "after": [after], "action": "report",
                        "to": ["regional_council"], "channel": "email", "deadline": "1h",
                        "tlp": "GREEN"}
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    return data


def _summary_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text[text.index("Escalation paths"):].splitlines()
            if line.endswith("[summary]")]


def _reported(log) -> list[str]:
    """The recipients of cert-a's messages under the summary rule in a run."""
    return [e.details["to"] for e in events_of(log, "message_sent", "cert-a")
            if e.details["rule"] == "summary"]


def test_a_rule_following_a_message_lost_for_good_is_shown_never(scenario_data, load):
    loaded = load(_summary(scenario_data))
    text = explain(loaded.scenario)
    assert "CERT-TH (STALE email contact: lost, and no fallback)" in text
    assert _summary_lines(text) == [NEVER.format(
        rule="notify", why="CERT-TH never acknowledges its message (STALE email contact)")]
    log = Engine(loaded, seed=0).run()
    assert [e.details["reason"] for e in events_of(log, "message_lost", "cert-b")] == \
        ["stale_contact"]
    assert not events_of(log, "acknowledgement_received", "cert-a")
    assert _reported(log) == []


def test_a_rule_following_a_message_chased_on_a_working_fallback_is_shown(
        scenario_data, load):
    loaded = load(_summary(scenario_data, fallback=True))
    text = explain(loaded.scenario)
    assert "CERT-TH (STALE email contact: lost until chased)" in text
    assert _summary_lines(text) == [REPORTS]
    log = Engine(loaded, seed=0).run()
    assert [e.details["channel"] for e in events_of(log, "message_chased", "cert-a")] == \
        ["email"]
    assert _reported(log) == ["council"]


def test_every_recipient_must_acknowledge(scenario_data, load):
    # the council acknowledges the notification; CERT-TH never gets it
    loaded = load(_summary(scenario_data, to=["affected_certs", "regional_council"]))
    text = explain(loaded.scenario)
    assert _summary_lines(text) == [NEVER.format(
        rule="notify", why="CERT-TH never acknowledges its message (STALE email contact)")]
    log = Engine(loaded, seed=0).run()
    assert [e.details["to"] for e in events_of(log, "acknowledgement_received", "cert-a")] \
        == ["council"]
    assert _reported(log) == []


def test_a_recipient_with_no_contact_on_the_rules_channel_never_acknowledges(
        scenario_data, load):
    # by phone: CERT-TH answers; the council has no phone, so it is never reached
    data = _summary(scenario_data, to=["affected_certs", "regional_council"],
                    channel="phone")
    loaded = load(data)
    text = explain(loaded.scenario)
    assert "Council (no contact on phone: never reached)" in text
    assert _summary_lines(text) == [NEVER.format(
        rule="notify", why="Council never acknowledges its message (no contact on phone)")]
    log = Engine(loaded, seed=0).run()
    assert [e.details["to"] for e in events_of(log, "acknowledgement_received", "cert-a")] \
        == ["cert-b"]
    assert _reported(log) == []


def test_a_rule_following_one_that_sends_no_message_is_shown_never(scenario_data, load):
    data = _summary(scenario_data, after="advisory")
    data["frameworks"]["fw"]["rules"]["advisory"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "publish", "deadline": "4h"}
    data["injects"][0]["tlp"] = "CLEAR"
    loaded = load(data)
    text = explain(loaded.scenario)
    assert "    CERT-SG publishes an advisory within 4h   [advisory]" in text
    assert _summary_lines(text) == [NEVER.format(
        rule="advisory", why="advisory sends no message to acknowledge")]
    log = Engine(loaded, seed=0).run()
    assert [e.actor for e in events_of(log, "published")] == ["cert-a"]
    assert _reported(log) == []
