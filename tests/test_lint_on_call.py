"""Lint counts an on-call duty officer as the engine does (sim.engine.actors.on_call_takes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from sim.authoring.lint import lint

# the library gives CamCERT on_call: {channels: [phone], min_severity: high}
ONCALL = """\
include: [asean/actors, asean/channels, asean/frameworks]
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
    via: {via}
    tlp: GREEN
    incident: {{id: x, type: ransomware, severity: {severity}, affected: [KH, LA], hosted_in: [VN]}}
expectations:
  - {{id: E1, actors: [camcert], action: request_takedown, target: vncert, incident: x,
     within: 3h, reach: sent}}
"""

LATE = ["off-duty-deadline", "deadline-too-short"]


def codes(tmp_path: Path, **fields: str) -> list[str]:
    path = tmp_path / "oncall.yaml"
    path.write_text(ONCALL.format(**fields), encoding="utf-8")
    return [f.code for f in lint(load_scenario(path))
            if f.code in ("off-duty-deadline", "deadline-too-short")]


def test_the_library_gives_camcert_a_phone_duty_officer():
    from sim.authoring.assumptions import library
    on_call = library().actors["camcert"].on_call
    assert on_call is not None
    assert (on_call.channels, on_call.min_severity) == (["phone"], "high")


@pytest.mark.parametrize("severity", ["high", "critical"])
def test_a_severe_phone_call_at_night_reaches_the_duty_officer(tmp_path, severity):
    assert codes(tmp_path, via="phone", severity=severity) == []


@pytest.mark.parametrize(("via", "severity"), [("phone", "medium"), ("email", "critical")])
def test_no_duty_officer_off_its_channels_or_below_its_severity(tmp_path, via, severity):
    assert sorted(codes(tmp_path, via=via, severity=severity)) == sorted(LATE)
