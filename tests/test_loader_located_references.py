"""Roles, hold_until and country sets of rules are checked with the other references:
every mistake at once, each at its line, with a suggestion."""

from __future__ import annotations

import pytest

from scenarios.loader import ScenarioError, load_scenario

SCENARIO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: loc
  title: located references
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
roles: {regional_coordinator: ansacc}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [thaicert, laocert]
    via: email
    tlp: GREEN
    incident: {id: x, type: ransomware, severity: high, affected: [TH, LA], hosted_in: [KH]}
expectations:
  - {id: E1, actors: [laocert], action: escalate, target: regional_council, incident: x, within: 3h}
frameworks:
  cert-cooperation:
    rules:
      isp-takedown-evidence: {hold_until: [isp-presrve]}
      request-foreign-takedown: {when: {hosted_abroad_in: aseann}}
"""


def problems(tmp_path, text: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return [(p.mark.line, p.path, p.message) for p in err.value.problems]


def test_every_broken_reference_is_reported_at_its_line(tmp_path):
    rules = "frameworks.cert-cooperation.rules"
    assert problems(tmp_path, SCENARIO) == [
        (7, "roles.regional_coordinator", "unknown actor 'ansacc'; did you mean 'ansac'?"),
        (21, f"{rules}.isp-takedown-evidence.hold_until[0]",
         "unknown rule 'isp-presrve'; did you mean 'isp-preserve'?"),
        (22, f"{rules}.request-foreign-takedown.when.hosted_abroad_in",
         "unknown membership or group 'aseann'; did you mean 'asean'?"),
    ]


def test_member_of_to_members_of_and_a_rule_held_until_itself(tmp_path):
    text = SCENARIO.replace("ansacc", "ansac").replace(
        "{hold_until: [isp-presrve]}", "{hold_until: [isp-takedown-evidence]}").replace(
        "{when: {hosted_abroad_in: aseann}}", "{when: {member_of: budapst}, to_members_of: asaen}")
    rules = "frameworks.cert-cooperation.rules"
    assert problems(tmp_path, text) == [
        (21, f"{rules}.isp-takedown-evidence.hold_until[0]",
         "rule 'isp-takedown-evidence' cannot be held until itself"),
        (22, f"{rules}.request-foreign-takedown.when.member_of",
         "unknown membership or group 'budapst'; did you mean 'budapest'?"),
        (22, f"{rules}.request-foreign-takedown.to_members_of",
         "unknown membership or group 'asaen'; did you mean 'asean'?"),
    ]
