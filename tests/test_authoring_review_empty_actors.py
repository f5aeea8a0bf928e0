"""An expectation whose actors stand for nobody (an empty team, or a selector that finds
no actor for its incident) can never be met: `drill validate` says so at its `actors`
line, and `drill lint` never fails on one."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from scenarios import ScenarioError, load_scenario
from scenarios.loader import LoadedScenario
from sim.authoring.lint import lint
from sim.cli import EXIT_INVALID, main


def write(tmp_path, data: dict[str, Any]):
    """The scenario with lists of names written inline: ``actors: [nobody]``."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None),
                    encoding="utf-8")
    return path


def _expect(data: dict[str, Any], actors: Any, **extra: Any) -> None:
    data["expectations"] = [{"id": "E1", "actors": actors, "action": "acknowledge",
                             "incident": "x", "within": "1h", **extra}]


def _line_of(path, text: str, after: str) -> int:
    """The 1-based line of the first line holding ``text`` after the one holding ``after``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line)
    return next(n for n, line in enumerate(lines) if n > start and text in line) + 1


def _problems(path) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_an_empty_team_as_the_actors_is_refused_at_the_actors_line(tmp_path, scenario_data):
    scenario_data["teams"] = {"nobody": []}
    _expect(scenario_data, ["nobody"])
    path = write(tmp_path, scenario_data)
    [problem] = _problems(path)
    assert problem.path == "expectations[0].actors"
    assert problem.mark.line == _line_of(path, "actors:", "expectations:")
    assert "nobody can meet expectation E1" in problem.message
    assert "team 'nobody' has no member" in problem.message


def test_one_empty_team_written_alone_is_refused_too(tmp_path, scenario_data):
    scenario_data["teams"] = {"nobody": {"kind": ["isp"]}}
    _expect(scenario_data, "nobody")
    [problem] = _problems(write(tmp_path, scenario_data))
    assert problem.path == "expectations[0].actors"
    assert "team 'nobody' has no member" in problem.message


def test_a_selector_that_finds_nobody_for_the_incident_is_refused(tmp_path, scenario_data):
    # the incident affects SG and TH, and no actor is a victim organisation
    _expect(scenario_data, ["victims"])
    path = write(tmp_path, scenario_data)
    [problem] = _problems(path)
    assert problem.path == "expectations[0].actors"
    assert problem.mark.line == _line_of(path, "actors:", "expectations:")
    assert "'victims'" in problem.message and "incident 'x'" in problem.message


def test_a_selector_reads_every_inject_about_the_incident(tmp_path, scenario_data):
    scenario_data["actors"]["bank"] = {"name": "Bank", "kind": "victim", "country": "MY",
                                       "timezone": "Asia/Kuala_Lumpur",
                                       "contacts": {"email": {"address": "soc@bank.example"}}}
    _expect(scenario_data, ["victims"])
    [problem] = _problems(write(tmp_path, scenario_data))  # MY is not affected
    assert problem.path == "expectations[0].actors"
    scenario_data["injects"].append({"id": "2", "at": "T+02:00", "sender": "ctl",
                                     "to": ["cert-a"], "via": "email", "title": "Spread",
                                     "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.expectations[0].actors == ["bank"]


def test_a_team_that_is_empty_beside_an_actor_is_no_problem(tmp_path, scenario_data):
    scenario_data["teams"] = {"nobody": []}
    _expect(scenario_data, ["nobody", "cert-a"])
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.expectations[0].actors == ["cert-a"]


def test_a_selector_on_an_incident_no_inject_opens_is_reported_once(tmp_path, scenario_data):
    _expect(scenario_data, ["affected_certs"], incident="typo")
    problems = _problems(write(tmp_path, scenario_data))
    assert [p.path for p in problems] == ["expectations[0].incident"]


def test_lint_does_not_fail_on_an_expectation_without_actors(tmp_path, scenario_data):
    _expect(scenario_data, ["cert-a"], require="all")
    loaded = load_scenario(write(tmp_path, scenario_data))
    sc = loaded.scenario
    # as an older scenario could hold it: nothing to bound, so no deadline check
    nobody = sc.model_copy(update={"expectations": [
        sc.expectations[0].model_copy(update={"actors": []})]})
    for require in ("any", "all"):
        nobody.expectations[0] = nobody.expectations[0].model_copy(update={"require": require})
        found = lint(LoadedScenario(nobody, loaded.source, loaded.path))
        assert "deadline-too-short" not in {f.code for f in found}


def test_drill_lint_reports_the_problem_instead_of_an_internal_error(tmp_path, scenario_data,
                                                                      capsys):
    scenario_data["teams"] = {"nobody": []}
    _expect(scenario_data, ["nobody"])
    path = write(tmp_path, scenario_data)
    assert main(["lint", str(path)]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert "internal error" not in out + err
    assert "expectations[0].actors: nobody can meet expectation E1" in out + err
