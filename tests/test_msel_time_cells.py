"""MSEL import: what a number in a time column means depends on how the cell is
formatted. A cell formatted as a time or duration holds a time (Excel stores it as a
fraction of a day); a plain number (a General cell) says no unit, whatever its size,
and is refused at its cell with how to write the time."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scenarios import load_scenario
from scenarios.durations import parse_drill_time
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
KEYS = [k for k, _ in msel_io.COLUMNS]
# the tutorial's export: row 3 is inject 2, at T+03:00 (2026-09-14 12:00 on the clock,
# the drill starting at 09:00)
ROW = 3
AT = f"{msel_io._letter(KEYS.index('at') + 1)}{ROW}"
CLOCK = f"{msel_io._letter(KEYS.index('clock') + 1)}{ROW}"


@pytest.fixture
def drill(tmp_path) -> Path:
    path = tmp_path / "my-drill.yaml"
    path.write_bytes(TUTORIAL.read_bytes())
    return path


def workbook(drill: Path, cells: dict[str, tuple[object, str]]) -> Path:
    """The drill's exported MSEL with cells set to {ref: (value, number format)}, saved
    as a spreadsheet program saves them."""
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(drill))))
    ws = wb[msel_io.SHEET]
    for ref, (value, number_format) in cells.items():
        ws[ref].value = value
        ws[ref].number_format = number_format
    sheet = drill.parent / "msel.xlsx"
    wb.save(sheet)
    return sheet


def import_at(drill: Path, sheet: Path, capsys) -> str | list[str]:
    """The drill time inject 2 gets, or the lines of error when the import fails."""
    out = drill.parent / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != EXIT_OK:
        assert code == EXIT_INVALID
        assert not out.exists()
        return [line for line in err.splitlines() if line]
    return next(str(i.at) for i in load_scenario(out).scenario.injects if i.id == "2")


# --- Drill time -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "number_format", "at"), [
    (0.5, "hh:mm", "T+12:00"),  # a time of day
    (0.5, "h:mm AM/PM", "T+12:00"),
    (0.5, "[h]:mm", "T+12:00"),  # a duration
    (0.0625, "[mm]:ss", "T+01:30"),  # a duration in minutes: 90:00
    (1.5, "[h]:mm:ss", "T+1d12:00"),  # a duration past a day (36:00:00)
])
def test_a_number_in_a_time_or_duration_cell_is_that_time(drill, capsys, value,
                                                          number_format, at):
    sheet = workbook(drill, {AT: (value, number_format), CLOCK: (None, "General")})
    assert import_at(drill, sheet, capsys) == at


@pytest.mark.parametrize("number_format", ["General", "0.00"])
@pytest.mark.parametrize(("value", "typed", "fraction"), [
    (0.5, "0.5", "T+12:00"), (0.125, "0.125", "T+03:00"), (0.0625, "0.0625", "T+01:30")])
def test_a_plain_number_below_1_in_the_drill_time_is_refused_at_its_cell(
        drill, capsys, number_format, value, typed, fraction):
    # half a day? half an hour? The cell's format does not say: it is not read as T+12:00
    sheet = workbook(drill, {AT: (value, number_format)})
    assert import_at(drill, sheet, capsys) == [
        f"{sheet}:MSEL!{AT}: {typed} is a bare number; write a drill time such as T+01:30 "
        f"or a date and time, or format the cell as a time ([h]:mm) to read it as a "
        f"fraction of a day ({fraction})",
        f"1 problem found; {drill} was not changed",
    ]


@pytest.mark.parametrize(("value", "typed", "example"), [
    (1.5, "1.5", "T+01:30"), (2, "2", "T+02:00"), (0, "0", "T+01:30"),
    (-0.5, "-0.5", "T+01:30")])
def test_any_other_plain_number_in_the_drill_time_is_refused_alike(drill, capsys, value,
                                                                   typed, example):
    sheet = workbook(drill, {AT: (value, "General"), CLOCK: (None, "General")})
    assert import_at(drill, sheet, capsys) == [
        f"{sheet}:MSEL!{AT}: {typed} is a bare number; write a drill time such as {example} "
        "or a date and time",
        f"1 problem found; {drill} was not changed",
    ]


# --- Drill clock ----------------------------------------------------------------------


def test_a_time_cell_on_the_drill_clock_is_that_time_on_the_first_day(drill, capsys):
    sheet = workbook(drill, {AT: (None, "General"), CLOCK: (0.5, "hh:mm")})
    assert import_at(drill, sheet, capsys) == "T+03:00"  # 12:00, the drill starting at 09:00


def test_a_serial_date_on_the_drill_clock_is_still_that_date(drill, capsys):
    # 2026-09-14 12:00 as Excel counts days, in a cell that lost its date format
    sheet = workbook(drill, {AT: (None, "General"), CLOCK: (46279.5, "General")})
    assert import_at(drill, sheet, capsys) == "T+03:00"


@pytest.mark.parametrize("drill_time", ["kept", "cleared"])
def test_a_plain_number_below_1_on_the_drill_clock_is_refused_at_its_cell(
        drill, capsys, drill_time):
    cells: dict[str, tuple[object, str]] = {CLOCK: (0.5, "General")}
    if drill_time == "cleared":
        cells[AT] = (None, "General")
    sheet = workbook(drill, cells)
    assert import_at(drill, sheet, capsys) == [
        f"{sheet}:MSEL!{CLOCK}: 0.5 is a bare number; write a date and time such as "
        "2026-09-14 09:30 or a time of day such as 9:30, or format the cell as a time "
        "(hh:mm)",
        f"1 problem found; {drill} was not changed",
    ]


def test_a_csv_number_below_1_on_the_drill_clock_is_refused_alike(drill, capsys):
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(drill)), newline="")))
    rows[ROW - 1][KEYS.index("clock")] = "0.5"
    rows[ROW - 1][KEYS.index("at")] = ""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet = drill.parent / "msel.csv"
    sheet.write_text(out.getvalue())
    assert import_at(drill, sheet, capsys) == [
        f"{sheet}:{CLOCK}: 0.5 is a bare number; write a date and time such as "
        "2026-09-14 09:30 or a time of day such as 9:30",
        f"1 problem found; {drill} was not changed",
    ]


# --- the export reads back ------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["tutorial", "apcert-outage"])
def test_the_exported_times_read_back_as_they_were(scenario, tmp_path, capsys):
    source = bundled_dir() / f"{scenario}.yaml"
    sheet = tmp_path / "msel.xlsx"
    assert main(["msel", "export", str(source), "-o", str(sheet)]) == EXIT_OK
    # the export writes the drill time as text and the drill clock as a date-time cell
    ws = load_workbook(sheet)[msel_io.SHEET]
    for row in ws.iter_rows(min_row=2):
        at, clock = row[KEYS.index("at")], row[KEYS.index("clock")]
        assert at.value is None or isinstance(at.value, str)
        assert clock.value is None or clock.is_date
    sc = load_scenario(source).scenario
    injects, _ = msel_io.injects_from_table(load_scenario(source), msel_io.read_table(sheet))

    def minutes(ats: list[object]) -> list[float | None]:
        return [None if at is None else parse_drill_time(str(at), sc.drill.start)
                for at in ats]

    assert minutes([i.get("at") for i in injects]) == minutes([i.at for i in sc.injects])


def test_an_import_that_would_pass_the_scenario_size_cap_says_so(drill, capsys):
    """An MSEL whose injects would make the scenario larger than a scenario file may be
    is refused with that reason, not as a file written in an unusual way."""
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(drill))))
    ws = wb[msel_io.SHEET]
    text = f"{msel_io._letter(KEYS.index('text') + 1)}{ROW}"
    ws[text].value = "a long description of the incident. " * 900
    template = [c.value for c in ws[ROW]]
    for n in range(80):
        ws.append([f"x{n}" if KEYS[i] == "id" else v for i, v in enumerate(template)])
    sheet = drill.parent / "msel.xlsx"
    wb.save(sheet)
    err = import_at(drill, sheet, capsys)
    assert isinstance(err, list)
    assert any("larger than 2 MB" in line for line in err), err
    assert not any("unusual way" in line for line in err)
