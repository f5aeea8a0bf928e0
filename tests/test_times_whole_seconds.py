"""Drill times are given to the second, as the MSEL import reads them: `drill validate`
refuses a drill start or a drill time with a fraction of a second, in one line at the
value, and a time to the second that it accepts exports and imports back."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.durations import parse_drill_time
from sim.cli import EXIT_INVALID, EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial" / "step3.yaml"
START = 'start: "2026-09-15T09:00:00+08:00"'
SECOND_INJECT = "at: T+03:00"


def _refused(capsys) -> str:
    """The one problem drill validate reported."""
    out, err = capsys.readouterr()
    assert err == ""
    problem, count = out.strip().splitlines()
    assert count == "1 problem found"
    return problem


def _drill(tmp_path: Path, old: str, new: str) -> tuple[Path, int, int]:
    """The tutorial drill with ``old`` written ``new``, and the line and column of the
    value written."""
    text = TUTORIAL.read_text(encoding="utf-8")
    assert text.count(old) == 1
    before = text[: text.index(old)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + len(old.split(":")[0]) + 3
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line, column


@pytest.mark.parametrize("written", [
    "2026-09-15T12:00:00.5+08:00", "2026-09-15 12:00:00,25+08:00",
    "2026-09-15T12:00:00.000001+08:00", "2026-09-15T12:00:00+08:00:00.5",
    "  2026-09-15T12:00:00.5+08:00 "])
def test_an_inject_timed_with_a_fraction_of_a_second_is_refused(tmp_path, capsys, written):
    path, line, column = _drill(tmp_path, SECOND_INJECT, f'at: "{written}"')
    assert main(["validate", str(path)]) == EXIT_INVALID
    assert _refused(capsys) == (
        f"{path}:{line}:{column}: injects[1].at: {written!r} is not a whole second; "
        "drill times are given to the second, e.g. '2026-09-09T10:00:30+08:00'")


def test_a_drill_start_with_a_fraction_of_a_second_is_refused(tmp_path, capsys):
    path, line, column = _drill(tmp_path, START, 'start: "2026-09-15T09:00:00.25+08:00"')
    assert main(["validate", str(path)]) == EXIT_INVALID
    assert _refused(capsys) == (
        f"{path}:{line}:{column}: drill.start: '2026-09-15T09:00:00.25+08:00' is not a whole "
        "second; a drill starts on a whole second, e.g. '2026-09-09T09:00:00+08:00'")


@pytest.mark.parametrize("section", ["outages", "contact_changes", "tasks", "phases"])
def test_every_other_drill_time_is_given_to_the_second_too(tmp_path, capsys, section):
    when = "2026-09-15T10:00:00.5+08:00"
    extra = {
        "outages": f"outages: [{{channel: email, start: '{when}', end: T+02:00}}]",
        "contact_changes": f"contact_changes: [{{at: '{when}', actor: thaicert, "
                           "channel: email, stale: false}]",
        "tasks": f"tasks: [{{id: Q1, question: Which site?, to: [certph], at: '{when}'}}]",
        "phases": "",
    }[section]
    text = TUTORIAL.read_text(encoding="utf-8") + extra + "\n"
    if section == "phases":
        text = text.replace(START, START + f"\n  phases: {{p: {{start: '{when}'}}}}")
    path = tmp_path / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == EXIT_INVALID
    assert f"'{when}' is not a whole second" in _refused(capsys)


@pytest.mark.parametrize("written", ["2026-09-15T12:00:30+08:00", "2026-09-15T12:00:30.000+08:00",
                                     "2026-09-15T04:00:30Z"])
@pytest.mark.parametrize("sheet", ["msel.csv", "msel.xlsx"])
def test_a_time_to_the_second_validates_exports_and_imports_back(tmp_path, capsys, written,
                                                                 sheet):
    if sheet.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    path, _, _ = _drill(tmp_path, SECOND_INJECT, f'at: "{written}"')
    assert main(["validate", str(path)]) == EXIT_OK
    assert main(["msel", "export", str(path), "-o", str(tmp_path / sheet)]) == EXIT_OK
    back = tmp_path / "back.yaml"
    assert main(["msel", "import", str(tmp_path / sheet), "--into", str(path), "-o",
                 str(back)]) == EXIT_OK, capsys.readouterr().err
    inject = load_scenario(back).scenario.injects[1]
    assert inject.id == "2" and inject.at is not None
    start = load_scenario(path).scenario.drill.start
    assert parse_drill_time(inject.at, start) == 180.5


def test_a_journal_recorded_with_a_fraction_of_a_second_still_opens(tmp_path):
    # a drill recorded before times had to be whole seconds: its journal keeps the
    # scenario as it was written, and reading it back refuses nothing
    from scenarios.model import Scenario
    from sim.runs.session import scenario_from_meta, scenario_source

    data = scenario_source(load_scenario(TUTORIAL))  # as a journal stores it
    data["drill"]["start"] = "2026-09-15T09:00:00.25+08:00"
    data["injects"][0]["at"] = "2026-09-15T12:00:00.5+08:00"
    with pytest.raises(ValueError, match="not a whole second"):
        Scenario.model_validate(data)
    scenario = scenario_from_meta(tmp_path / "old.journal.sqlite", {"scenario": data})
    assert scenario.drill.start.microsecond == 250000
    assert scenario.injects[0].at.strip() == "2026-09-15T12:00:00.5+08:00"
