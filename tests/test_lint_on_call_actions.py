"""Lint counts only the actions an on-call duty officer carries out (``on_call.actions``).

Out of hours the duty officer acknowledges and analyses what it is called out for, but
an action it does not name waits for the office to open: an expectation of that action
due before the morning is flagged, as it is for a team with no on-call tier. Each case
is checked against what the engine does with the same scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import base_scenario, write

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine import Engine

LATE = {"off-duty-deadline", "deadline-too-short"}


def night_escalation(actions: list[str] | None, at: str = "T+10:00") -> dict[str, Any]:
    """cert-a hears of incident x at 19:00 in Singapore, its office closed, and is
    expected to escalate it to the council within 2h; its duty officer answers e-mail
    and phone out of hours and carries out ``actions``."""
    data = base_scenario()
    on_call: dict[str, Any] = {"channels": ["email", "phone"], "min_severity": "low",
                               "answer_after": "15m"}
    if actions is not None:
        on_call["actions"] = actions
    data["actors"]["cert-a"]["on_call"] = on_call
    data["injects"][0]["at"] = at
    data["expectations"] = [{"id": "E1", "description": "cert-a escalates within 2h",
                             "actors": ["cert-a"], "action": "escalate", "incident": "x",
                             "within": "2h", "score": 5}]
    return data


def outcome(tmp_path: Path, data: dict[str, Any]) -> tuple[list, str]:
    """Lint's late-deadline findings for the scenario, and how a run met E1."""
    path = write(tmp_path, data)
    loaded = load_scenario(path)
    findings = [f for f in lint(loaded) if f.code in LATE]
    log = Engine(loaded, seed=0).run()
    met = [e.type for e in log if e.type.startswith("expectation_")]
    return findings, met[0]


def test_action_the_duty_officer_does_not_carry_out_waits_for_the_office(tmp_path):
    findings, met = outcome(tmp_path, night_escalation(["notify"]))
    assert met == "expectation_missed"  # the escalation waits for the morning
    assert {f.code for f in findings} == LATE
    short = next(f for f in findings if f.code == "deadline-too-short")
    # the duty officer analyses it at night: the office escalates it at opening, and the
    # e-mail reaches the council at 09:10, as in the run
    assert "Thu 09:10 local" in short.message


def test_action_the_duty_officer_carries_out_is_done_at_night(tmp_path):
    for actions in (["notify", "escalate"], None):
        findings, met = outcome(tmp_path, night_escalation(actions))
        assert met == "expectation_met"
        assert findings == []


def test_acknowledging_is_always_the_duty_officers(tmp_path):
    data = night_escalation(["notify"])
    data["expectations"][0].update(action="acknowledge", within="1h")
    findings, met = outcome(tmp_path, data)
    assert met == "expectation_met"
    assert findings == []


def test_action_allowed_only_by_a_night_inject_waits_for_the_office(tmp_path):
    # at 16:00 only Singapore is affected: no rule has cert-a escalate until inject 2
    # tells it at 19:00 that Thailand is too
    for actions, late in ((["notify"], True), (["notify", "escalate"], False)):
        data = night_escalation(actions, at="T+07:00")
        data["injects"][0]["incident"]["affected"] = ["SG"]
        data["injects"].append(
            {"id": "2", "at": "T+10:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
             "tlp": "GREEN", "title": "Spread",
             "incident": {"id": "x", "affected": ["SG", "TH"]}})
        data["expectations"][0]["within"] = "5h"
        findings, met = outcome(tmp_path, data)
        assert met == ("expectation_missed" if late else "expectation_met")
        assert [f.code for f in findings] == (["deadline-too-short"] if late else [])
        if late:
            assert "no rule has CERT-SG escalate until inject 2" in findings[0].message
