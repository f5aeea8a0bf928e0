"""MSEL import: a bare number typed in the Drill time column (``3`` for three hours) is
one clear problem at its cell, not a date in 1900 with problems blamed on other cells;
real spreadsheet date, time and duration cells still import."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
KEYS = [k for k, _ in msel_io.COLUMNS]
# the tutorial's export: row 3 is inject 2, at T+03:00 (2026-09-14 12:00 on the clock)
ROW = 3
AT = f"{msel_io._letter(KEYS.index('at') + 1)}{ROW}"
CLOCK = f"{msel_io._letter(KEYS.index('clock') + 1)}{ROW}"


@pytest.fixture
def drill(tmp_path) -> Path:
    path = tmp_path / "my-drill.yaml"
    path.write_bytes(TUTORIAL.read_bytes())
    return path


def problems(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line]


def workbook(scenario: Path, sheet: Path, cells: dict[str, tuple[object, str | None]]) -> Path:
    """The scenario's MSEL workbook with cells of the MSEL sheet set to {ref: (value,
    number format or None for as it is)}, as a spreadsheet program saves them."""
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(scenario))))
    ws = wb[msel_io.SHEET]
    for ref, (value, number_format) in cells.items():
        ws[ref].value = value
        if number_format is not None:
            ws[ref].number_format = number_format
    wb.save(sheet)
    return sheet


def imported(drill: Path, sheet: Path, capsys) -> str | None:
    """The drill time inject 2 gets, or None when the import fails."""
    out = drill.parent / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)])
    if code != EXIT_OK:
        return None
    capsys.readouterr()
    return next(i.at for i in load_scenario(out).scenario.injects if i.id == "2")


@pytest.mark.parametrize("clock", ["kept", "cleared"])
@pytest.mark.parametrize("number", [3, 3.0])
def test_a_bare_number_in_a_workbook_drill_time_is_one_problem_at_its_cell(
        drill, tmp_path, capsys, clock, number):
    cells: dict[str, tuple[object, str | None]] = {AT: (number, "General")}
    if clock == "cleared":
        cells[CLOCK] = (None, None)
    sheet = workbook(drill, tmp_path / "msel.xlsx", cells)
    before = drill.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:MSEL!{AT}: 3 is a bare number; write a drill time such as T+03:00 or a "
        "date and time",
        f"1 problem found; {drill} was not changed",
    ]
    assert drill.read_bytes() == before


def test_a_bare_number_in_a_csv_drill_time_is_the_same_one_problem(drill, tmp_path, capsys):
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(drill)), newline="")))
    rows[ROW - 1][KEYS.index("at")] = "3"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet = tmp_path / "msel.csv"
    sheet.write_text(out.getvalue())
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:{AT}: 3 is a bare number; write a drill time such as T+03:00 or a date "
        "and time",
        f"1 problem found; {drill} was not changed",
    ]


@pytest.mark.parametrize(("value", "number_format"), [
    (datetime(2026, 9, 14, 12, 0), "yyyy-mm-dd hh:mm"),  # a date-time cell
    (time(3, 0), "hh:mm"),  # a time cell
    (timedelta(hours=3), "[h]:mm"),  # a duration cell
    (0.125, "[h]:mm"),  # a fraction of a day in a duration-formatted cell
])
def test_spreadsheet_date_and_time_cells_in_the_drill_time_still_import(
        drill, tmp_path, capsys, value, number_format):
    sheet = workbook(drill, tmp_path / "msel.xlsx",
                     {AT: (value, number_format), CLOCK: (None, None)})
    assert imported(drill, sheet, capsys) == "T+03:00", problems(capsys)


def test_a_drill_time_long_before_the_start_is_one_problem_at_its_cell(
        drill, tmp_path, capsys):
    # 27:00 typed into a cell formatted as a time of day: a date-time on 1900-01-01
    sheet = workbook(drill, tmp_path / "msel.xlsx", {AT: (1.125, "hh:mm")})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    err = problems(capsys)
    assert err == [
        f"{sheet}:MSEL!{AT}: '1900-01-01 03:00' is before the drill starts (2026-09-14 09:00 "
        "on the Asia/Singapore clock)",
        f"1 problem found; {drill} was not changed",
    ]


def test_a_bare_number_on_the_drill_clock_is_one_problem_at_its_cell(
        drill, tmp_path, capsys):
    # the Drill clock takes Excel serial dates: 3 is 1900-01-02, long before the start
    sheet = workbook(drill, tmp_path / "msel.xlsx", {AT: (None, None), CLOCK: (3, "General")})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:MSEL!{CLOCK}: '3' is before the drill starts (2026-09-14 09:00 on the "
        "Asia/Singapore clock)",
        f"1 problem found; {drill} was not changed",
    ]
