"""MSEL import of sheets as organisers' spreadsheets give them: YAML flow cells read
within a scenario file's bounds, time cells stored a little off a whole second, incident
types in other letter case, empty or only formatted rows below the table, and a line
above the header of a semicolon- or tab-separated CSV."""

from __future__ import annotations

import csv
import io
from itertools import pairwise
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main
from sim.engine import Engine
from sim.engine.events import log_to_jsonl

TUTORIAL = bundled_dir() / "tutorial.yaml"
OCSEM = bundled_dir() / "ocsem-law-enforcement.yaml"
KEYS = [k for k, _ in msel_io.COLUMNS]


def col(key: str) -> str:
    return msel_io._letter(KEYS.index(key) + 1)


def run_log(path: Path) -> str:
    return log_to_jsonl(Engine(load_scenario(path), seed=0).run())


@pytest.fixture
def drill(tmp_path) -> Path:
    """The tutorial in a folder of its own."""
    path = tmp_path / "my-drill.yaml"
    path.write_bytes(TUTORIAL.read_bytes())
    return path


def rows_of(scenario: Path) -> list[list[str]]:
    """The scenario's MSEL as CSV records (the header first)."""
    return list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(scenario)),
                                       newline="")))


def write_csv(sheet: Path, rows: list[list[str]], delimiter: str = ",",
              before: str = "", after: str = "") -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    sheet.write_text(before + out.getvalue() + after, encoding="utf-8", newline="")
    return sheet


def edited_csv(scenario: Path, sheet: Path, edits: dict[tuple[int, str], str]) -> Path:
    """The scenario's MSEL as CSV with the cells {(row, field): text} changed (row 1 is
    the header, row 2 the first inject)."""
    rows = rows_of(scenario)
    for (r, key), text in edits.items():
        rows[r - 1][KEYS.index(key)] = text
    return write_csv(sheet, rows)


def run_import(sheet: Path, scenario: Path, capsys, *extra: str) -> tuple[int, list[str], Path]:
    """(exit code, lines on stderr, the new scenario file)."""
    out = scenario.parent / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(scenario), "-o", str(out),
                 *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != EXIT_OK:
        assert code == EXIT_INVALID
        assert not out.exists()
    return code, [line for line in err.splitlines() if line], out


# --- YAML flow cells: aliases that multiply -------------------------------------------


def alias_bomb(levels: int) -> str:
    """A flow mapping of a few hundred characters whose aliases, each level repeating
    the one before nine times, expand to 9**levels values."""
    names = "abcdefgh"[:levels]
    lists = ["&a [x,x,x,x,x,x,x,x,x]"] + [
        f"&{n} [{','.join([f'*{prev}'] * 9)}]" for prev, n in pairwise(names)]
    return "[" + ", ".join(lists) + "]"


@pytest.mark.parametrize(("key", "cell"), [
    ("when", "{missed: %s}"),
    ("after_action", "{action: request_takedown, by: %s}"),
    ("artefacts", "{file: %s}"),
])
def test_a_flow_cell_whose_aliases_multiply_is_refused_at_its_cell(drill, tmp_path, capsys,
                                                                   key, cell):
    # about 530,000 values from under 200 characters: more than aliases may repeat in a
    # scenario file
    text = cell % alias_bomb(6)
    assert len(text) < 300
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, key): text})
    before = drill.read_bytes()
    code, err, _ = run_import(sheet, drill, capsys)
    assert code == EXIT_INVALID
    assert err[0] == (f"{sheet}:{col(key)}2: aliases repeat more than 100,000 values; "
                      "aliases that multiply like this are refused"), err
    assert len(err) == 2  # that problem, and the summary line
    assert drill.read_bytes() == before


def test_a_flow_cell_reusing_an_anchor_a_little_is_read(drill, tmp_path, capsys):
    sheet = edited_csv(drill, tmp_path / "m.csv",
                       {(3, "when"): "{met: &e [E1], missed: *e}"})
    code, err, out = run_import(sheet, drill, capsys)
    assert code == EXIT_OK, err
    inj = next(i for i in load_scenario(out).scenario.injects if i.id == "2")
    assert inj.when is not None and inj.when.met == inj.when.missed == ["E1"]


def test_a_flow_cell_reads_yaml_as_a_scenario_file_does(drill, tmp_path, capsys):
    # YAML 1.1 would read NO as false: a scenario file, and so the cell, keeps the text
    sheet = edited_csv(drill, tmp_path / "m.csv", {(3, "when"): "{missed: [NO]}"})
    code, err, _ = run_import(sheet, drill, capsys)
    assert code == EXIT_INVALID
    assert any(line.startswith(f"{sheet}:{col('when')}3: ") and "'NO'" in line
               for line in err), err


# --- time cells a workbook stores a little off the second -----------------------------

# the tutorial's export: row 3 is inject 2, at T+03:00
AT = f"{col('at')}3"
CLOCK = f"{col('clock')}3"
FORMATS = ["h:mm", "hh:mm:ss", "[h]:mm", "[h]:mm:ss"]


def workbook(drill: Path, value: float, number_format: str) -> Path:
    """The drill's MSEL with inject 2's drill time set to ``value`` (days) in a cell of
    ``number_format``, and its drill clock cleared."""
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(drill))))
    ws = wb[msel_io.SHEET]
    ws[AT].value = value
    ws[AT].number_format = number_format
    ws[CLOCK].value = None
    sheet = drill.parent / "msel.xlsx"
    wb.save(sheet)
    return sheet


@pytest.mark.parametrize("number_format", FORMATS)
@pytest.mark.parametrize("seconds", [3 * 3600 - 0.001, 3 * 3600 - 0.003, 3 * 3600 + 0.001])
def test_a_time_stored_a_little_off_the_second_is_that_second(drill, capsys, number_format,
                                                              seconds):
    # 3:00 typed in a spreadsheet, kept as a fraction of a day a few thousandths of a
    # second off (0.1249999 days is 02:59:59.991...)
    code, err, out = run_import(workbook(drill, seconds / 86400, number_format), drill, capsys)
    assert code == EXIT_OK, err
    inj = next(i for i in load_scenario(out).scenario.injects if i.id == "2")
    assert inj.at == "T+03:00"


@pytest.mark.parametrize("number_format", FORMATS)
@pytest.mark.parametrize("seconds", [3 * 3600 + 0.5, 3 * 3600 - 0.25])
def test_a_fraction_of_a_second_is_refused_whatever_the_cell_format(drill, capsys,
                                                                    number_format, seconds):
    code, err, _ = run_import(workbook(drill, seconds / 86400, number_format), drill, capsys)
    assert code == EXIT_INVALID
    sheet = drill.parent / "msel.xlsx"
    assert err[0] == (f"{sheet}:MSEL!{AT}: is not a whole second; inject times are given "
                      "to the second"), err


# --- incident types in other letter case ----------------------------------------------


@pytest.fixture
def ocsem(tmp_path) -> Path:
    """The law-enforcement drill, whose rules cover incidents of type csam."""
    path = tmp_path / "ocsem.yaml"
    path.write_bytes(OCSEM.read_bytes())
    return path


@pytest.mark.parametrize("typed", ["CSAM", "Csam", " csam "])
def test_an_incident_type_in_other_case_takes_the_scenarios_spelling(ocsem, tmp_path, capsys,
                                                                     typed):
    sheet = edited_csv(ocsem, tmp_path / "m.csv", {(2, "incident_type"): typed})
    code, err, out = run_import(sheet, ocsem, capsys)
    assert code == EXIT_OK, err
    assert load_scenario(out).scenario.injects[0].incident.type == "csam"
    # the rules covering csam apply as they did: the run is the same
    assert run_log(out) == run_log(ocsem)


def test_an_incident_type_in_the_case_its_injects_give_it(drill, tmp_path, capsys):
    # the tutorial's rules name no type: its injects' spelling is taken
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "incident_type"): "PHISHING"})
    code, err, out = run_import(sheet, drill, capsys)
    assert code == EXIT_OK, err
    assert load_scenario(out).scenario.injects[0].incident.type == "phishing"


def test_an_incident_type_no_rule_covers_is_kept_and_noted(ocsem, tmp_path, capsys):
    sheet = edited_csv(ocsem, tmp_path / "m.csv", {(2, "incident_type"): "csma"})
    code, err, out = run_import(sheet, ocsem, capsys)
    assert code == EXIT_OK, err
    assert load_scenario(out).scenario.injects[0].incident.type == "csma"
    assert any(line.startswith(f"{sheet}:{col('incident_type')}2: incident type 'csma' ")
               and "did you mean 'csam'?" in line for line in err), err


def test_an_incident_type_matching_two_spellings_is_reported_at_its_cell(ocsem, tmp_path,
                                                                         capsys):
    text = ocsem.read_text()
    assert "types: [csam]" in text
    ocsem.write_text(text.replace("types: [csam]", "types: [csam, CSAM]"))
    sheet = edited_csv(ocsem, tmp_path / "m.csv", {(2, "incident_type"): "Csam"})
    code, err, _ = run_import(sheet, ocsem, capsys)
    assert code == EXIT_INVALID
    assert err[0].startswith(f"{sheet}:{col('incident_type')}2: incident type 'Csam' is "
                             "written in the scenario both as 'csam' and as 'CSAM'"), err


# --- empty and only formatted rows ----------------------------------------------------


def test_rows_only_formatted_below_the_table_do_not_count(drill, capsys):
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(drill))))
    ws = wb[msel_io.SHEET]
    bold = Font(bold=True)
    for r in range(5, 6001):
        ws[f"J{r}"].font = bold
    sheet = drill.parent / "msel.xlsx"
    wb.save(sheet)
    code, err, out = run_import(sheet, drill, capsys)
    assert code == EXIT_OK, err
    assert [i.id for i in load_scenario(out).scenario.injects] == ["1", "2", "C1"]


def test_empty_csv_records_below_the_table_do_not_count(drill, tmp_path, capsys):
    sheet = write_csv(tmp_path / "m.csv", rows_of(drill), after=",,,\r\n" * 6000)
    code, err, out = run_import(sheet, drill, capsys)
    assert code == EXIT_OK, err
    assert [i.id for i in load_scenario(out).scenario.injects] == ["1", "2", "C1"]


def test_more_injects_than_an_msel_holds_are_refused(drill, tmp_path, capsys):
    rows = rows_of(drill)
    sheet = write_csv(tmp_path / "m.csv", [rows[0], *[rows[1]] * (msel_io.MAX_ROWS + 1)])
    code, err, _ = run_import(sheet, drill, capsys)
    assert code == EXIT_INVALID
    assert err[0] == f"{sheet}:{msel_io.MAX_ROWS + 2}: more than 5,000 injects; an MSEL of " \
        "at most 5,000 is read", err


def test_a_csv_of_too_many_records_is_refused_however_empty(drill, tmp_path, capsys):
    sheet = write_csv(tmp_path / "m.csv", rows_of(drill),
                      after="\r\n" * msel_io.MAX_RAW_ROWS)
    code, err, _ = run_import(sheet, drill, capsys)
    assert code == EXIT_INVALID
    assert err[0].startswith(f"{sheet}:{msel_io.MAX_RAW_ROWS + 1}: too large"), err


def test_a_workbook_running_past_its_last_row_is_refused(drill, capsys):
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(drill))))
    wb[msel_io.SHEET][f"J{msel_io.MAX_RAW_ROWS + 1}"].font = Font(bold=True)
    sheet = drill.parent / "msel.xlsx"
    wb.save(sheet)
    code, err, _ = run_import(sheet, drill, capsys)
    assert code == EXIT_INVALID
    assert err[0].startswith(f"{sheet}:MSEL!1: the sheet runs to row 100,001"), err


# --- the CSV separator ----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
@pytest.mark.parametrize("before", [
    "TLP:AMBER\r\n",
    "\r\n",
    "ACID 2026 MSEL, draft 2\r\n",  # a title with a comma
    "Drill MSEL; draft 2; TLP:AMBER\r\n\r\n",  # and one with semicolons
])
def test_a_line_above_the_header_does_not_decide_the_separator(drill, tmp_path, capsys,
                                                               delimiter, before):
    sheet = write_csv(tmp_path / "m.csv", rows_of(drill), delimiter=delimiter, before=before)
    code, err, out = run_import(sheet, drill, capsys)
    assert code == EXIT_OK, err
    assert run_log(out) == run_log(drill)


def test_mapped_headers_below_a_title_line_keep_their_separator(drill, tmp_path, capsys):
    # headers no MSEL names, mapped with --columns: the separator that splits the header
    # row into cells is taken
    rows = rows_of(drill)
    rows[0] = [f"Feld {k}" for k in KEYS]
    mapping = ",".join(f"Feld {k}={k}" for k in msel_io.FIELDS)
    sheet = write_csv(tmp_path / "m.csv", rows, delimiter=";", before="TLP:AMBER, intern\r\n")
    code, err, out = run_import(sheet, drill, capsys, "--columns", mapping)
    assert code == EXIT_OK, err
    assert run_log(out) == run_log(drill)
