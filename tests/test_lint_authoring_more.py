"""Lint on what a new organiser gets wrong: a task put to a team at an inject that
reaches only some of its members, an inject whose phase condition can never hold at
its time, and a contingency whose delay puts it past the drill's end."""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring.lint import lint
from sim.engine import Engine

TUTORIAL = bundled_dir() / "tutorial.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-drill.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path, code: str) -> list:
    return [f for f in lint(load_scenario(path)) if f.code == code]


def _line(path: Path, finding) -> str:
    return path.read_text(encoding="utf-8").splitlines()[finding.mark.line - 1].strip()


# --- a task asked at an inject that reaches only some of those it asks ------------------

TASK = TUTORIAL.read_text(encoding="utf-8") + """
teams:
  takedown_path: [singcert, mycert]

tasks:
  - id: Q1
    question: Which URLs will you ask to have taken down?
    to: [takedown_path]
    inject: "INJECT"
    incident: phish
"""


def test_a_task_at_an_inject_that_reaches_only_some_members_names_the_others(tmp_path):
    # inject 1 goes to SingCERT only: MyCERT is never asked
    path = write(tmp_path, TASK.replace("INJECT", "1"))
    [f] = findings(path, "task-never-asked")
    assert f.path == "tasks[0].to"
    assert _line(path, f) == "to: [takedown_path]"
    assert f.message == ("task Q1 is asked when inject 1 arrives, but the inject does not "
                         "go to MyCERT, so it is never asked of it")
    # the engine agrees
    log = Engine(load_scenario(path), seed=0).run()
    assert {e.actor for e in log if e.type == "task_set"} == {"singcert"}


def test_a_task_at_an_inject_that_reaches_everyone_it_asks_is_clean(tmp_path):
    # inject 2 goes to both
    path = write(tmp_path, TASK.replace("INJECT", "2"))
    assert findings(path, "task-never-asked") == []


def test_a_task_at_an_inject_that_reaches_none_it_asks_says_so(tmp_path):
    text = TASK.replace("INJECT", "1").replace("to: [takedown_path]\n    inject", "to: [mycert]\n"
                                           "    inject")
    [f] = findings(write(tmp_path, text), "task-never-asked")
    assert f.message == ("task Q1 is asked when inject 1 arrives, but the inject goes to "
                         "none of the actors it asks")


# --- a phase condition that can never hold at the inject's time -------------------------

PHASES = TUTORIAL.read_text(encoding="utf-8").replace(
    "  duration: 8h                     # one working day of play\n",
    "  duration: 8h                     # one working day of play\n"
    "  phases:\n"
    "    triage: {start: \"T+00:00\", end: \"T+03:00\"}\n"
    "    response: {start: \"T+03:00\"}\n")


def _inject2_when(cond: str) -> str:
    old = "    tlp: GREEN\n    title: A second phishing domain on the same server\n"
    assert old in PHASES
    return PHASES.replace(old, f"    when: {cond}\n" + old)


def test_a_phase_condition_that_never_holds_at_the_inject_time_is_reported(tmp_path):
    # inject 2 is due at T+03:00, when triage has just ended (its end is not included)
    path = write(tmp_path, _inject2_when("{phase: [triage]}"))
    [f] = findings(path, "condition-never-holds")
    assert f.path == "injects[1].when.phase"
    assert _line(path, f) == "when: {phase: [triage]}"
    assert f.message == ("inject 2 at T+03:00 asks for phase triage, but the drill is then in "
                         "phase response, so it is always skipped")
    # the engine agrees
    log = Engine(load_scenario(path), seed=0).run()
    assert [e.details["inject"] for e in log if e.type == "inject_skipped"] == ["2"]


def test_a_phase_condition_outside_every_phase_names_none(tmp_path):
    text = _inject2_when("{phase: [triage]}").replace(
        '    response: {start: "T+03:00"}\n', '    response: {start: "T+04:00"}\n')
    [f] = findings(write(tmp_path, text), "condition-never-holds")
    assert f.message == ("inject 2 at T+03:00 asks for phase triage, but the drill is then in "
                         "no phase, so it is always skipped")


def test_a_phase_condition_that_holds_at_the_inject_time_is_clean(tmp_path):
    path = write(tmp_path, _inject2_when("{phase: [triage, response]}"))
    assert findings(path, "condition-never-holds") == []
    path = write(tmp_path, _inject2_when("{phase: [response]}"))
    assert findings(path, "condition-never-holds") == []


# --- a contingency whose delay puts it after the drill's end ----------------------------


def _c1_delay(delay: str) -> str:
    text = TUTORIAL.read_text(encoding="utf-8")
    old = "    type: contingency\n    delay: 0m\n"
    assert old in text
    return text.replace(old, f"    type: contingency\n    delay: {delay}\n")


def test_a_contingency_delayed_past_the_end_never_triggers(tmp_path):
    # E1 falls due at T+02:00; six hours later the drill (8h) has ended
    path = write(tmp_path, _c1_delay("6h"))
    [f] = findings(path, "contingency-never-triggers")
    assert f.path == "injects[2].delay"
    assert _line(path, f) == "delay: 6h"
    assert f.message == ("contingency inject C1 fires 6h after what fires it: at T+08:00 at "
                         "the earliest, when the drill has ended (8h)")


def test_a_contingency_delayed_to_just_before_the_end_is_clean(tmp_path):
    assert findings(write(tmp_path, _c1_delay("5h59m")), "contingency-never-triggers") == []


def test_a_contingency_on_met_delayed_past_the_end_never_triggers(tmp_path):
    # fired when E1 is met: at the earliest at E1's anchor, T+00:30
    text = _c1_delay("7h30m").replace("    contingency: C1\n", "    on_met: C1\n")
    [f] = findings(write(tmp_path, text), "contingency-never-triggers")
    assert "at T+08:00 at the earliest" in f.message
    text = _c1_delay("7h29m").replace("    contingency: C1\n", "    on_met: C1\n")
    assert findings(write(tmp_path, text), "contingency-never-triggers") == []
