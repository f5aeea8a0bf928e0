"""A duty officer treats an incident whose severity nobody has stated as medium, as the
desk queue and exercise control do.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a works 09:00-17:00 and acknowledges in 10m. Here exercise control phones cert-a
at 22:00 (T+13:00), and cert-a's duty officer, on the phone, answers after 20 minutes.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import events_of

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine import Engine

CALL_AT = 13 * 60.0  # Wednesday 22:00
THURSDAY_0900 = 24 * 60.0


def _night_call(data, min_severity: str, severity: str | None):
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "answer_after": "20m",
                                           "min_severity": min_severity}
    inject = data["injects"][0]
    inject.update(at="T+13:00", via="phone")
    inject["incident"].pop("severity", None)
    if severity is not None:
        inject["incident"]["severity"] = severity
    return data


def _handling(log) -> list[tuple[str, float]]:
    """What cert-a did and when."""
    return [(e.type, e.time) for e in log if e.actor == "cert-a" and e.type in (
        "on_call_answered", "acknowledged", "analysed", "notified", "escalated")]


def _run(scenario_data, load, min_severity: str, severity: str | None):
    data = _night_call(copy.deepcopy(scenario_data), min_severity, severity)
    return Engine(load(data), seed=0).run()


@pytest.mark.parametrize("min_severity", ["low", "medium"])
def test_a_duty_officer_for_medium_incidents_takes_one_of_unstated_severity(
        scenario_data, load, min_severity):
    log = _run(scenario_data, load, min_severity, None)
    [call] = events_of(log, "inject_delivered", "cert-a")
    assert call.time == CALL_AT
    # picked up at night by the duty officer, not left for the office's morning
    assert [e.time for e in events_of(log, "on_call_answered", "cert-a")] == [CALL_AT + 20]
    [ack] = events_of(log, "acknowledged", "cert-a")
    assert ack.time == CALL_AT + 30
    # just as for an incident stated to be medium
    assert _handling(log) == _handling(_run(scenario_data, load, min_severity, "medium"))


def test_a_duty_officer_for_high_incidents_leaves_one_of_unstated_severity(
        scenario_data, load):
    log = _run(scenario_data, load, "high", None)
    assert events_of(log, "on_call_answered", "cert-a") == []
    [ack] = events_of(log, "acknowledged", "cert-a")
    assert ack.time == THURSDAY_0900 + 10
    assert _handling(log) == _handling(_run(scenario_data, load, "high", "medium"))


# the library's CamCERT, its duty officer on the phone from the given severity up
LIBRARY_DRILL = """\
include: [asean/actors, asean/channels, asean/frameworks]
actors:
  camcert:
    on_call: {{channels: [phone], min_severity: {min_severity}}}
drill:
  id: oncall
  title: on-call lint test
  start: "2026-09-15T09:00:00+08:00"
  duration: 1d
injects:
  - id: "1"
    at: T+12:00
    sender: hicon
    to: [camcert]
    via: phone
    tlp: GREEN
    incident: {{id: x, type: ransomware, affected: [KH, LA], hosted_in: [VN]}}
expectations:
  - {{id: E1, actors: [camcert], action: request_takedown, target: vncert, incident: x,
     within: 3h, reach: sent}}
"""


@pytest.mark.parametrize(("min_severity", "late"), [("medium", False), ("high", True)])
def test_lint_counts_an_unstated_severity_as_medium_too(tmp_path: Path, min_severity, late):
    path = tmp_path / "oncall.yaml"
    path.write_text(LIBRARY_DRILL.format(min_severity=min_severity), encoding="utf-8")
    codes = {f.code for f in lint(load_scenario(path))}
    assert ("off-duty-deadline" in codes) is late
