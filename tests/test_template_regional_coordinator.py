"""The regional-ddos template follows the regional coordinator a scenario binds, and
`drill lint` warns about an expectation its actors can never meet: actors that nothing
ever tells of the incident, or an action no framework rule takes towards its target."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import police_referral

from scenarios import load_scenario
from scenarios.loader import bundled_scenarios
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine.core import Engine

TEMPLATES = ["cert-takedown", "regional-ddos", "law-enforcement"]
#: today's coordinator, as the tutorial and the library's actors file offer it
BIND = "\nroles: {regional_coordinator: asean-regional-cert}\n"


def new_drill(tmp_path: Path, monkeypatch, template: str, bind: bool) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "arc", "--template", template]) == 0
    path = tmp_path / "arc.yaml"
    if bind:
        with path.open("a", encoding="utf-8") as f:
            f.write(BIND)
    return path


def done_by(path: Path, seeds: int) -> dict[str, list[str]]:
    """Who met each expectation (in time or late), run after run."""
    out: dict[str, list[str]] = {}
    loaded = load_scenario(path)
    for seed in range(seeds):
        for ev in Engine(loaded, seed=seed).run():
            if ev.type in ("expectation_met", "expectation_late"):
                out.setdefault(ev.details["expectation"], []).append(ev.actor)
    return out


def never_met(path: Path) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in lint(load_scenario(path))
            if f.code == "expectation-never-met"]


def test_the_template_bound_to_the_regional_cert_escalates_to_it(tmp_path, monkeypatch):
    path = new_drill(tmp_path, monkeypatch, "regional-ddos", bind=True)
    done = done_by(path, seeds=6)
    # E1: a first-hit CERT escalates to the coordinator; E2: the coordinator broadcasts
    assert set(done.get("E1", [])) <= {"singcert", "mycert", "certph"} and done.get("E1")
    assert done.get("E2") and set(done["E2"]) == {"asean-regional-cert"}
    assert never_met(path) == []


def test_the_template_unbound_still_counts_ansac(tmp_path, monkeypatch):
    path = new_drill(tmp_path, monkeypatch, "regional-ddos", bind=False)
    done = done_by(path, seeds=6)
    assert done.get("E1")
    assert done.get("E2") and set(done["E2"]) == {"ansac"}


@pytest.mark.parametrize("bind", [False, True], ids=["as-written", "regional-cert"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_template_has_an_expectation_never_met(tmp_path, monkeypatch, template, bind):
    assert never_met(new_drill(tmp_path, monkeypatch, template, bind)) == []


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_no_bundled_scenario_has_an_expectation_never_met(path):
    assert never_met(path) == []


# A drill that binds the ASEAN Regional CERT but names ANSAC in its expectations, as
# the regional-ddos template once did.
HARD_CODED = """\
include: [asean/actors, asean/channels, asean/frameworks]
roles: {regional_coordinator: asean-regional-cert}
drill:
  id: hard-coded
  title: an expectation names a coordinator the drill does not use
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [singcert, mycert]
    via: email
    title: Government portals flooded
    incident: {id: ddos, type: ddos, severity: high, affected: [SG, MY]}
expectations:
  - id: E1
    actors: [singcert, mycert]
    action: escalate
    target: COORDINATOR
    incident: ddos
    within: 4h
  - id: E2
    actors: [COORDINATOR]
    action: broadcast
    target: member_certs
    incident: ddos
    within: 6h
"""


def hard_coded(tmp_path: Path, coordinator: str) -> Path:
    path = tmp_path / "hard-coded.yaml"
    path.write_text(HARD_CODED.replace("COORDINATOR", coordinator), encoding="utf-8")
    return path


def test_lint_warns_about_expectations_on_a_coordinator_not_bound(tmp_path, capsys):
    path = hard_coded(tmp_path, "ansac")
    found = never_met(path)
    assert [p for p, _ in found] == ["expectations[0].target", "expectations[1].actors"]
    assert "expectation E1" in found[0][1] and "escalate to 'ansac'" in found[0][1]
    assert "expectation E2 can never be met" in found[1][1]
    assert "ANSAC" in found[1][1]
    capsys.readouterr()
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("[expectation-never-met]") == 2
    # what lint warns about, the simulated teams never do
    assert done_by(path, seeds=3) == {}


def test_lint_lets_pass_the_coordinator_the_drill_binds(tmp_path, capsys):
    for coordinator in ("regional_council", "asean-regional-cert"):
        path = hard_coded(tmp_path, coordinator)
        assert never_met(path) == []
    done = done_by(path, seeds=3)
    assert done.get("E1") and done.get("E2")


def test_lint_warns_about_an_expectation_actor_nothing_reaches(tmp_path):
    # JPCERT/CC, a library actor, hears nothing of an incident of two ASEAN states
    text = HARD_CODED.replace("COORDINATOR", "regional_council").replace(
        "  - id: E2\n    actors: [regional_council]", "  - id: E2\n    actors: [jpcert]")
    path = tmp_path / "partner.yaml"
    path.write_text(text, encoding="utf-8")
    found = never_met(path)
    assert [p for p, _ in found] == ["expectations[1].actors"]
    assert "JPCERT/CC" in found[0][1] and "'ddos'" in found[0][1]


def test_each_actor_of_require_each_is_checked(tmp_path):
    # one unit per actor: JPCERT/CC's can never be met, whoever else can
    text = HARD_CODED.replace("COORDINATOR", "regional_council").replace(
        "  - id: E2\n    actors: [regional_council]",
        "  - id: E2\n    require: each\n    actors: [regional_council, jpcert]")
    path = tmp_path / "each.yaml"
    path.write_text(text, encoding="utf-8")
    found = never_met(path)
    assert [p for p, _ in found] == ["expectations[1].actors"]
    assert "JPCERT/CC" in found[0][1] and "ASEAN Regional CERT" not in found[0][1]


def test_require_each_with_a_target_that_finds_nobody_for_one_actor(scenario_data, load):
    # Singapore has police, Thailand none: cert-b's unit can never be met
    police_referral(scenario_data)
    scenario_data["expectations"] = [{
        "id": "E1", "actors": ["cert-a", "cert-b"], "require": "each",
        "action": "refer_police", "target": "national_police", "incident": "x",
        "within": "4h"}]
    found = [(f.path, f.message) for f in lint(load(scenario_data))
             if f.code == "expectation-never-met"]
    assert [p for p, _ in found] == ["expectations[0].target"]
    assert "'national_police' finds no recipient for CERT-TH (no such actor in its " \
        "country)" in found[0][1]
