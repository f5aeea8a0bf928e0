"""`delay` applies to a contingency inject (after what fires it) and to an inject timed
by after_action (after that action). On an inject delivered at its time (`at`) it would
do nothing, so validation refuses one other than zero there, at its line, and says
where it applies."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import ScenarioError, bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
INJECT_1 = '  - id: "1"                        # quote ids so that YAML keeps them as text\n' \
           "    at: T+00:30\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-drill.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _timed_with_delay(delay: str) -> str:
    text = TUTORIAL.read_text(encoding="utf-8")
    assert INJECT_1 in text
    return text.replace(INJECT_1, INJECT_1 + f"    delay: {delay}\n")


MESSAGE = ("'delay' does nothing on an inject delivered at its time ('at'): it applies only "
           "to a contingency inject (after what fires it) and to an inject timed by "
           "after_action (after that action); remove it")


@pytest.mark.parametrize("delay", ["2h", "30s"])
def test_delay_on_a_timed_inject_is_refused_at_its_line(tmp_path, delay):
    path = write(tmp_path, _timed_with_delay(delay))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [p] = info.value.problems
    assert (p.path, p.message) == ("injects[0].delay", MESSAGE)
    assert path.read_text().splitlines()[p.mark.line - 1].strip() == f"delay: {delay}"


def test_a_zero_delay_on_a_timed_inject_is_no_delay(tmp_path):
    # it changes nothing, and a scenario's own dump (a batch variant's) gives every
    # inject one
    loaded = load_scenario(write(tmp_path, _timed_with_delay("0m")))
    assert loaded.scenario.injects[0].delay == 0.0


def test_drill_validate_reports_it(tmp_path, capsys):
    path = write(tmp_path, _timed_with_delay("2h"))
    assert main(["validate", str(path)]) == EXIT_INVALID
    assert "injects[0].delay: 'delay' does nothing on an inject delivered at its time" \
        in capsys.readouterr().out


def test_delay_on_a_contingency_and_after_an_action_is_accepted(tmp_path):
    head, sep, tail = TUTORIAL.read_text(encoding="utf-8").partition("\n# --- 6. Expectations")
    after_action = """
  - id: "3"
    after_action: {action: request_takedown, by: [singcert]}
    delay: 30m
    sender: hicon
    to: [mycert]
    via: email
    title: Has the request arrived?
    incident: {id: phish}
"""
    loaded = load_scenario(write(tmp_path, head + after_action + sep + tail))
    delays = {inj.id: inj.delay for inj in loaded.scenario.injects}
    assert delays == {"1": 0.0, "2": 0.0, "C1": 0.0, "3": 30.0}


def test_an_msel_row_with_a_time_and_a_delay_is_refused_at_the_delay_cell(tmp_path, capsys):
    loaded = load_scenario(TUTORIAL)
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(loaded))))
    col = rows[0].index("Delay")
    rows[1][col] = "2h"  # inject 1, delivered at T+00:30
    sheet = tmp_path / "msel.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    into = write(tmp_path, TUTORIAL.read_text(encoding="utf-8"))
    assert main(["msel", "import", str(sheet), "--into", str(into)]) == EXIT_INVALID
    out, err = capsys.readouterr()
    letter = chr(ord("A") + col)
    assert f"msel.csv:{letter}2: {MESSAGE}" in out + err
