"""A mistake in an override of a library entry is reported in the including file, at
the override, never at a line of the library the organiser did not write."""

from __future__ import annotations

import pytest

from scenarios.loader import ScenarioError, library_dir, load_scenario
from sim.cli import EXIT_INVALID, main

SCENARIO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: located
  title: Overrides located
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
{override}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certph]
    via: email
    incident: {{id: x, type: phishing, severity: medium, affected: [PH], hosted_in: [TH]}}
"""
#: the line of the override's first line (its section) in SCENARIO
FIRST = 7


def problems(tmp_path, override: str) -> tuple[str, list]:
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO.format(override=override), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return str(path), err.value.problems


def test_a_subdivision_in_the_public_holidays_of_a_library_actor(tmp_path, capsys):
    override = """\
actors:
  mycert:
    public_holidays: {subdivision: KL}"""
    path, [problem] = problems(tmp_path, override)
    assert problem.mark is not None
    assert (problem.mark.file, problem.mark.line) == (path, FIRST + 1)
    assert problem.path == "actors.mycert"
    assert "'KL' is not a subdivision of MY" in problem.message
    # as drill validate shows it: no line names the library file
    assert main(["validate", path]) == EXIT_INVALID
    shown = capsys.readouterr()
    said = shown.out + shown.err
    assert f"{path}:{FIRST + 1}:" in said
    assert str(library_dir()) not in said and "asean/actors.yaml" not in said


def test_overlapping_special_hours_of_a_library_actor(tmp_path):
    override = """\
actors:
  mycert:
    special_hours:
      - {start: 2026-09-14, end: 2026-09-16, hours: ["08:00-14:00"]}
      - {start: 2026-09-16, end: 2026-09-18, hours: ["08:00-15:00"]}"""
    path, [problem] = problems(tmp_path, override)
    assert problem.mark is not None
    assert (problem.mark.file, problem.mark.line) == (path, FIRST + 1)
    assert problem.message == "special_hours overlap: 2026-09-16 is already covered"


def test_a_library_rule_left_without_a_trigger(tmp_path):
    override = """\
frameworks:
  cert-cooperation:
    rules:
      request-foreign-takedown: {on: []}"""
    path, [problem] = problems(tmp_path, override)
    assert problem.mark is not None
    assert (problem.mark.file, problem.mark.line) == (path, FIRST + 3)
    assert problem.path == "frameworks.cert-cooperation.rules.request-foreign-takedown"
    assert "needs 'on'" in problem.message


def test_some_figures_of_a_library_distribution(tmp_path):
    # the library's uniform e-mail latency is 1m to 10m: a low of 20m is above its high
    override = """\
channels:
  email:
    latency: {low: 20m}"""
    path, found = problems(tmp_path, override)
    assert found
    for problem in found:
        assert problem.mark is not None
        assert (problem.mark.file, problem.mark.line) == (path, FIRST + 2)
        assert problem.path.startswith("channels.email.latency")


def test_the_same_mistake_in_a_library_file_of_ones_own_stays_there(tmp_path):
    # a file the organiser wrote and includes keeps its own lines for its own mistakes
    (tmp_path / "teams.yaml").write_text("""\
actors:
  desk:
    name: Desk
    kind: national_cert
    country: MY
    timezone: Asia/Kuala_Lumpur
    public_holidays: {subdivision: KL}
""", encoding="utf-8")
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO.format(override="").replace(
        "asean/frameworks]", "asean/frameworks, ./teams.yaml]"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert problem.mark is not None
    assert (problem.mark.file, problem.mark.line) == (str(tmp_path / "teams.yaml"), 3)
