"""An expectation's ``target`` is whom its action is towards.

For a message action it is the recipient. For ``acknowledge`` it is whoever sent what
is acknowledged: "cert-b acknowledges cert-a's notification". Such an expectation was
never met, whoever sent what. An action addressed to nobody (``analyse``,
``takedown``, ``preserve``, ``publish``, ``close``) has no target that could ever
match: ``drill validate`` refuses one at its line, and ``drill lint`` reports it too.

Also here: injects from exercise control reach their recipients at their drill time,
whatever the channel's latency, as the run report's documentation now says.

In the hand-computed drill (tests/conftest.py) control's inject reaches cert-a at
T+01:00 and cert-a acknowledges it at T+01:10; cert-a notifies cert-b (arriving at
T+01:50) and escalates to the council (arriving at T+01:55); cert-b acknowledges at
T+02:00 and the council at T+02:05.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios import ScenarioError, load_scenario
from sim.authoring.lint import lint
from sim.cli import EXIT_INVALID, main

DOCS = Path(__file__).resolve().parent.parent / "docs"


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None),
                    encoding="utf-8")
    return path


def expect(actors: str, action: str, target: str | None, eid: str = "E1",
           **extra: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"id": eid, "actors": [actors], "action": action, "incident": "x",
                         "within": "4h", **extra}
    if target is not None:
        e["target"] = target
    return e


def run_json(path: Path, capsys) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["run", str(path), "--seed", "0", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def outcomes(tmp_path: Path, scenario_data: dict[str, Any], capsys,
             *expectations: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    scenario_data["expectations"] = list(expectations)
    report = run_json(write(tmp_path, scenario_data), capsys)
    return {e["id"]: (e["status"], e["at"]) for e in report["expectations"]}


# --- acknowledge with a target -------------------------------------------------------


def test_an_acknowledgement_of_the_target_s_message_meets_the_expectation(
        tmp_path, scenario_data, capsys):
    got = outcomes(tmp_path, scenario_data, capsys,
                   expect("cert-b", "acknowledge", "cert-a", "E1"),
                   expect("cert-b", "acknowledge", None, "E2"))
    # with the target as without: cert-b acknowledged cert-a's notification at T+02:00
    assert got == {"E1": ("met", 120.0), "E2": ("met", 120.0)}


def test_an_acknowledgement_of_someone_else_s_message_does_not(
        tmp_path, scenario_data, capsys):
    # cert-b only ever acknowledges cert-a's notification, never anything from the council
    got = outcomes(tmp_path, scenario_data, capsys,
                   expect("cert-b", "acknowledge", "council"))
    assert got["E1"][0] == "missed"


@pytest.mark.parametrize("target", ["exercise_control", "ctl"])
def test_the_target_may_be_exercise_control_whose_inject_is_acknowledged(
        tmp_path, scenario_data, capsys, target):
    got = outcomes(tmp_path, scenario_data, capsys,
                   expect("cert-a", "acknowledge", target))
    assert got["E1"] == ("met", 70.0)


def test_a_selector_target_is_read_relative_to_the_acknowledging_actor(
        tmp_path, scenario_data, capsys):
    # the council acknowledges cert-a's escalation: cert-a is one of the affected CERTs
    got = outcomes(tmp_path, scenario_data, capsys,
                   expect("council", "acknowledge", "affected_certs", "E1"),
                   expect("council", "acknowledge", "regional_council", "E2"))
    assert got["E1"] == ("met", 125.0)
    assert got["E2"][0] == "missed"


# --- a target on an action addressed to nobody ----------------------------------------


@pytest.mark.parametrize("action", ["analyse", "takedown", "preserve", "publish", "close"])
def test_a_target_on_an_action_addressed_to_nobody_is_refused_at_its_line(
        tmp_path, scenario_data, action):
    scenario_data["expectations"] = [expect("cert-a", action, "cert-b")]
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert problem.path == "expectations[0].target"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.mark is not None and "target:" in lines[problem.mark.line - 1]
    assert f"{action!r}" in problem.message and "target" in problem.message


def test_drill_validate_and_lint_say_so(tmp_path, scenario_data, capsys):
    scenario_data["expectations"] = [expect("cert-a", "analyse", "cert-b")]
    path = write(tmp_path, scenario_data)
    for command in ("validate", "lint"):
        capsys.readouterr()
        assert main([command, str(path)]) == EXIT_INVALID
        out, err = capsys.readouterr()
        assert "expectations[0].target" in out + err
        assert "internal error" not in out + err


@pytest.mark.parametrize("action", ["acknowledge", "notify"])
def test_a_target_is_accepted_where_it_can_be_met(tmp_path, scenario_data, action):
    scenario_data["expectations"] = [expect("cert-b", action, "cert-a")]
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.expectations[0].target == "cert-a"


def test_lint_is_quiet_about_an_acknowledgement_whose_target_can_send(
        tmp_path, scenario_data):
    scenario_data["expectations"] = [expect("cert-b", "acknowledge", "cert-a")]
    found = lint(load_scenario(write(tmp_path, scenario_data)))
    assert "expectation-never-met" not in {f.code for f in found}


def test_lint_names_the_missing_sender_of_an_acknowledgement(tmp_path, scenario_data):
    # nobody in cert-b's country is police: nobody it could acknowledge is one
    scenario_data["expectations"] = [expect("cert-b", "acknowledge", "national_police")]
    found = [f for f in lint(load_scenario(write(tmp_path, scenario_data)))
             if f.code == "expectation-never-met"]
    assert len(found) == 1 and found[0].path == "expectations[0].target"
    assert "finds no sender for CERT-TH" in found[0].message


# --- injects and channel latency -------------------------------------------------------


def test_an_inject_reaches_its_recipient_at_its_drill_time_whatever_the_latency(
        tmp_path, scenario_data, capsys):
    scenario_data["channels"]["email"]["latency"] = "3h"
    report = run_json(write(tmp_path, scenario_data), capsys)
    [inc] = report["incidents"]
    assert inc["opened_at"] == 60.0
    assert inc["first_heard"]["cert-a"]["at"] == 60.0


def test_the_run_report_s_documentation_says_so():
    text = (DOCS / "json-output.md").read_text(encoding="utf-8")
    row = re.search(r"^\| `opened_at` \|(.*)$", text, re.M)
    assert row is not None
    # it said delivery "may come later: a channel's latency", which never happens
    assert "a channel's latency," not in row.group(1)
    assert "whatever its channel's latency" in row.group(1)
