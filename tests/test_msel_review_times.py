"""An MSEL export imports back unchanged whatever its times: an inject in the hour
that repeats when the drill clock's zone leaves summer time, and an inject timed to
the second."""

from __future__ import annotations

import csv
import io

import pytest

from scenarios import load_scenario
from scenarios.durations import parse_drill_time
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
START = 'start: "2026-09-14T09:00:00+08:00"'
SECOND_AT = "at: T+03:00"
COL = {k: i for i, (k, _) in enumerate(msel_io.COLUMNS)}


def _scenario(tmp_path, *, start: str | None = None, second_at: str | None = None):
    text = TUTORIAL.read_text()
    assert START in text and text.count(SECOND_AT) == 1
    if start is not None:
        text = text.replace(START, start)
    if second_at is not None:
        text = text.replace(SECOND_AT, second_at)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def london(tmp_path):
    """The drill clock on London time from midnight on the day summer time ends
    (2026-10-25: 02:00 BST becomes 01:00 GMT); the second inject at T+02:30 is at
    01:30 GMT, the second time the clock shows 01:30 that night."""
    return _scenario(tmp_path, start='start: "2026-10-25T00:00:00+01:00"\n'
                     "  clock_timezone: Europe/London", second_at="at: T+02:30")


def _csv_rows(sheet):
    return list(csv.reader(io.StringIO(sheet.read_text(), newline="")))


def _write_csv(sheet, rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    sheet.write_text(out.getvalue())


def _round_trip(path, tmp_path, suffix, capsys):
    sheet = tmp_path / f"m.{suffix}"
    out = tmp_path / f"out-{suffix}.yaml"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    code = main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    return sheet, out


# --- the hour that repeats when summer time ends ------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_inject_in_the_repeated_hour_imports_back(london, tmp_path, suffix, capsys):
    sheet, out = _round_trip(london, tmp_path, suffix, capsys)
    assert load_scenario(out).scenario.injects == load_scenario(london).scenario.injects
    if suffix == "csv":  # the clock stays as a facilitator reads it: no offset
        assert _csv_rows(sheet)[2][COL["clock"]] == "2026-10-25 01:30"


def test_the_first_01_30_matches_its_drill_time_too(london, tmp_path, capsys):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(london), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = "T+01:30"  # 01:30 BST, the first of the two
    _write_csv(sheet, rows)
    out = tmp_path / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(london), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert load_scenario(out).scenario.injects[1].at == "T+01:30"


def test_a_repeated_clock_time_that_matches_neither_drill_time(london, tmp_path, capsys):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(london), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = "T+04:00"
    _write_csv(sheet, rows)
    assert main(["msel", "import", str(sheet), "--into", str(london)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{sheet}:C3: the drill clock says T+01:30 or T+02:30" in err
    assert "(column B) says T+04:00" in err


def test_a_repeated_clock_time_alone_is_the_first_and_says_so(london, tmp_path, capsys):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(london), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = ""
    _write_csv(sheet, rows)
    out = tmp_path / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(london), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_OK, err
    assert load_scenario(out).scenario.injects[1].at == "T+01:30"
    assert f"{sheet}:C3: 2026-10-25 01:30 comes twice on the Europe/London clock" in err


# --- an inject timed to the second ---------------------------------------------------


SECONDS = 'at: "2026-09-14T11:45:30+08:00"'


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_inject_timed_to_the_second_keeps_its_seconds(tmp_path, suffix, capsys):
    path = _scenario(tmp_path, second_at=SECONDS)
    _, out = _round_trip(path, tmp_path, suffix, capsys)
    injects = load_scenario(out).scenario.injects
    assert injects == load_scenario(path).scenario.injects
    assert injects[1].at == "2026-09-14T11:45:30+08:00"
    # and the new file goes round again unchanged
    (tmp_path / "again").mkdir()
    _, again = _round_trip(out, tmp_path / "again", suffix, capsys)
    assert load_scenario(again).scenario.injects == injects


def test_the_drill_clock_shows_the_seconds(tmp_path, capsys):
    path = _scenario(tmp_path, second_at=SECONDS)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    row = _csv_rows(sheet)[2]
    assert row[COL["at"]] == "2026-09-14T11:45:30+08:00"
    assert row[COL["clock"]] == "2026-09-14 11:45:30"
    # whole minutes are written as before
    assert _csv_rows(sheet)[1][COL["clock"]] == "2026-09-14 09:30"


def test_a_drill_clock_with_seconds_alone_gives_the_time_to_the_second(tmp_path, capsys):
    path = _scenario(tmp_path, second_at=SECONDS)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = ""
    _write_csv(sheet, rows)
    out = tmp_path / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    sc = load_scenario(out).scenario
    assert parse_drill_time(sc.injects[1].at, sc.drill.start) == 165.5


def test_seconds_that_disagree_are_reported(tmp_path, capsys):
    path = _scenario(tmp_path, second_at=SECONDS)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["clock"]] = "2026-09-14 11:45:40"
    _write_csv(sheet, rows)
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert (f"{sheet}:C3: the drill clock says T+02:45:40 but the drill time (column B) "
            "says T+02:45:30") in err


def test_a_fraction_of_a_second_is_refused(tmp_path, capsys):
    path = _scenario(tmp_path)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = ""
    rows[2][COL["clock"]] = "2026-09-14 11:45:30.5"
    _write_csv(sheet, rows)
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    assert f"{sheet}:C3: is not a whole second" in capsys.readouterr().err


def test_a_file_exported_before_with_the_clock_to_the_minute_still_imports(tmp_path, capsys):
    # earlier exports wrote the drill clock of an inject timed to the second to the minute
    path = _scenario(tmp_path, second_at=SECONDS)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["clock"]] = "2026-09-14 11:45"
    _write_csv(sheet, rows)
    out = tmp_path / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert load_scenario(out).scenario.injects[1].at == "2026-09-14T11:45:30+08:00"


def test_a_time_of_day_with_seconds(tmp_path, capsys):
    path = _scenario(tmp_path)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    rows = _csv_rows(sheet)
    rows[2][COL["at"]] = "2:45:30"
    rows[2][COL["clock"]] = "11:45:30"
    _write_csv(sheet, rows)
    out = tmp_path / "out.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert load_scenario(out).scenario.injects[1].at == "2026-09-14T11:45:30+08:00"
