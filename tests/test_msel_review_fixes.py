"""MSEL export and import: text longer than a workbook cell holds, long CSV cells,
shared strings, string formulas without a saved result, outputs in the bundled folder,
times given only on the drill clock, serial dates in a CSV, whitespace-only text, CRLF
scenario files, and the time on handout cards."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import handouts, msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
KEYS = [k for k, _ in msel_io.COLUMNS]


def col(key: str) -> str:
    return msel_io._letter(KEYS.index(key) + 1)


def problems(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line]


@pytest.fixture
def drill(tmp_path) -> Path:
    path = tmp_path / "drill" / "my-drill.yaml"
    path.parent.mkdir()
    path.write_bytes(TUTORIAL.read_bytes())
    return path


def with_first_inject(path: Path, **fields: str) -> Path:
    """The scenario at ``path`` with the first inject's ``at``, ``title`` or ``text``
    changed (the rest of the file as it is)."""
    source = path.read_text()
    given = {"at": r"    at: T\+00:30\n",
             "title": r"    title: \"Bank reports a phishing site: [^\n]*\n",
             "text": r"    text: >-\n(?:      [^\n]*\n)+"}
    for key, value in fields.items():
        line = f"    {key}: {json.dumps(value)}\n"
        source, n = re.subn(given[key], line.replace("\\", "\\\\"), source, count=1)
        assert n == 1, key
    path.write_text(source)
    return path


def edited_csv(scenario: Path, sheet: Path, edits: dict[tuple[int, str], str]) -> Path:
    """The scenario's MSEL as CSV with the cells {(row, field): text} changed."""
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(scenario)), newline="")))
    for (r, key), text in edits.items():
        rows[r - 1][KEYS.index(key)] = text
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet.write_text(out.getvalue(), newline="")
    return sheet


def rewritten_xlsx(data: bytes, change) -> bytes:
    """The workbook ``data`` with ``change(name, xml) -> xml`` applied to its XML parts
    (and new parts from ``change(None, "")``, a dict {name: xml})."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, change(item.filename, zin.read(item.filename).decode()))
        for name, xml in change(None, "").items():
            zout.writestr(name, xml)
    return out.getvalue()


def as_shared_strings(data: bytes) -> bytes:
    """The workbook with the text of its MSEL sheet as shared strings, the way Excel and
    LibreOffice save text (openpyxl writes inline strings)."""
    strings: list[str] = []

    def shared(m: re.Match[str]) -> str:
        strings.append(m.group(3))
        return f'<c {m.group(1)}t="s"{m.group(2)}><v>{len(strings) - 1}</v></c>'

    def change(name: str | None, xml: str):
        if name is None:
            sis = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
            return {"xl/sharedStrings.xml":
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                    '"http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    f'count="{len(strings)}" uniqueCount="{len(strings)}">{sis}</sst>'}
        if name == "xl/worksheets/sheet1.xml":
            xml, n = re.subn(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>',
                             shared, xml)
            assert n > 20
        elif name == "[Content_Types].xml":
            xml = xml.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                              'ContentType="application/vnd.openxmlformats-officedocument.'
                              'spreadsheetml.sharedStrings+xml"/></Types>')
        elif name == "xl/_rels/workbook.xml.rels":
            xml = xml.replace("</Relationships>", '<Relationship Id="rIdStrings" Type="http://'
                              'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                              'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        return xml

    return rewritten_xlsx(data, change)


def with_cell(data: bytes, ref: str, cell: str) -> bytes:
    """The workbook with the MSEL sheet's cell ``ref`` replaced by raw XML."""
    def change(name: str | None, xml: str):
        if name is None:
            return {}
        if name == "xl/worksheets/sheet1.xml":
            xml, n = re.subn(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', cell, xml, count=1)
            assert n == 1
        return xml

    return rewritten_xlsx(data, change)


# --- 1. text longer than a workbook cell holds, and long CSV cells ------------------------


def test_xlsx_export_refuses_text_an_excel_cell_cannot_hold(drill, tmp_path, capsys):
    # 32,200 characters, under the limit, but 33,400 as the workbook stores them
    with_first_inject(drill, text="a" * 32000 + "\v" * 200)
    sheet = tmp_path / "m.xlsx"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{drill}: inject '1': Text is 33,400 characters as a workbook stores it, more than "
        "the 32,767 an Excel cell holds; export as .csv, or shorten it",
        f"1 problem found; {sheet} was not written"]
    assert not sheet.exists()


def test_text_exactly_as_long_as_an_excel_cell_holds_round_trips(drill, tmp_path, capsys):
    text = "a" * (32767 - 7) + "\v"  # the escape _x000B_ takes the last seven
    with_first_inject(drill, text=text)
    sheet, out = tmp_path / "m.xlsx", tmp_path / "drill" / "new.yaml"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[0].text == text


def test_text_longer_than_the_csv_modules_limit_round_trips_through_csv(drill, tmp_path,
                                                                          capsys):
    text = ("A long log excerpt, line after line.\n" * 6000).rstrip("\n")
    assert len(text) > 131072
    with_first_inject(drill, text=text)
    sheet, out = tmp_path / "m.csv", tmp_path / "drill" / "new.yaml"
    limit = csv.field_size_limit()
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[0].text == text
    assert csv.field_size_limit() == limit  # the module's limit is left as it was


# --- 2. shared strings -------------------------------------------------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["inline", "shared"])
def test_text_reads_back_exactly_as_typed_from_inline_and_shared_strings(
        drill, tmp_path, capsys, shared):
    title = "_x0041_ stays, _x005F_ too, ax005F_b, vt\v and _x0041\v end"
    with_first_inject(drill, title=title)
    data = msel_io.xlsx_bytes(load_scenario(drill))
    if shared:
        data = as_shared_strings(data)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert "_x005F_x0041_ stays" in zf.read("xl/sharedStrings.xml").decode()
    sheet, out = tmp_path / "m.xlsx", tmp_path / "drill" / "new.yaml"
    sheet.write_bytes(data)
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[0].title == title


# --- 4. a string formula without a saved result ---------------------------------------------


def test_a_string_formula_without_a_saved_result_is_reported_at_its_cell(drill, tmp_path,
                                                                          capsys):
    ref = f"{col('title')}2"
    sheet = tmp_path / "m.xlsx"
    sheet.write_bytes(with_cell(msel_io.xlsx_bytes(load_scenario(drill)), ref,
                                f'<c r="{ref}" t="str"><f>UPPER({col("text")}2)</f></c>'))
    before = drill.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:MSEL!{ref}: holds a formula with no saved result; type the value, or open "
        "and save the file in a spreadsheet program",
        f"1 problem found; {drill} was not changed"]
    assert drill.read_bytes() == before


@pytest.mark.parametrize("value", ["<v></v>", "<v/>"])
def test_a_string_formula_whose_saved_result_is_empty_text_is_an_empty_cell(
        drill, tmp_path, capsys, value):
    ref = f"{col('title')}2"
    sheet, out = tmp_path / "m.xlsx", tmp_path / "drill" / "new.yaml"
    sheet.write_bytes(with_cell(msel_io.xlsx_bytes(load_scenario(drill)), ref,
                                f'<c r="{ref}" t="str"><f>UPPER(ZZ2)</f>{value}</c>'))
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[0].title == ""


# --- 3. outputs in the bundled folder ------------------------------------------------------


@pytest.fixture
def in_bundled():
    """A file name in the bundled folder that no scenario has; removed afterwards."""
    path = bundled_dir() / "zz-not-a-bundled-scenario.yaml"
    assert not path.exists()
    yield path
    path.unlink(missing_ok=True)
    path.with_suffix(".csv").unlink(missing_ok=True)


def test_import_never_writes_into_the_bundled_folder(drill, tmp_path, capsys, in_bundled):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    capsys.readouterr()
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(in_bundled)]) \
        == EXIT_INVALID
    assert problems(capsys) == [
        f"drill msel import: -o {in_bundled} is in the folder of the bundled scenarios, "
        "which is never written; choose another -o"]
    assert not in_bundled.exists()


def test_import_never_writes_into_the_bundled_folder_through_a_link(drill, tmp_path, capsys,
                                                                      in_bundled):
    link = tmp_path / "library"
    link.symlink_to(bundled_dir(), target_is_directory=True)
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    capsys.readouterr()
    out = link / in_bundled.name
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_INVALID
    assert problems(capsys) == [
        f"drill msel import: -o {out} is in the folder of the bundled scenarios, which is "
        "never written; choose another -o"]
    assert not in_bundled.exists()


def test_export_never_writes_into_the_bundled_folder(drill, capsys, in_bundled):
    out = in_bundled.with_suffix(".csv")
    assert main(["msel", "export", str(drill), "-o", str(out)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"drill msel export: -o {out} is in the folder of the bundled scenarios, which is "
        "never written; choose another -o"]
    assert not out.exists()


def test_new_never_writes_into_the_bundled_folder(capsys, in_bundled):
    assert main(["new", str(in_bundled)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"drill new: NAME {in_bundled} is in the folder of the bundled scenarios, which is "
        "never written; choose another NAME"]
    assert not in_bundled.exists()


@pytest.fixture
def bundled_folder():
    """A folder name in the bundled folder that nothing has; removed afterwards."""
    folder = bundled_dir() / "zz-handouts"
    assert not folder.exists()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_handouts_never_go_into_the_bundled_folder(drill, capsys, bundled_folder):
    folder = bundled_folder
    assert main(["handout", str(drill), "--all", "-o", str(folder)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"drill handout: -o {folder} is in the folder of the bundled scenarios, which is "
        "never written; choose another -o"]
    assert not folder.exists()


# --- 5. a time given only on the drill clock ---------------------------------------------


@pytest.mark.parametrize("clock", ["2026-09-14 08:00", "8:00"])
def test_a_clock_before_the_start_is_reported_at_the_clock_cell_as_typed(
        drill, tmp_path, capsys, clock):
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "at"): "", (2, "clock"): clock})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:{col('clock')}2: {clock!r} is before the drill starts (2026-09-14 09:00 on "
        "the Asia/Singapore clock)",
        f"1 problem found; {drill} was not changed"]


def test_a_drill_time_before_the_start_is_reported_at_its_cell_alone(drill, tmp_path, capsys):
    at = "2026-09-14T08:00:00+08:00"
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "at"): at, (2, "clock"): ""})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:{col('at')}2: {at!r} is before the drill starts (2026-09-14 09:00 on the "
        "Asia/Singapore clock)",
        f"1 problem found; {drill} was not changed"]


def test_a_time_that_cannot_be_read_is_reported_once(drill, tmp_path, capsys):
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "at"): "", (2, "clock"): "soon"})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    assert problems(capsys) == [
        f"{sheet}:{col('clock')}2: 'soon' is not a date and time; write '2026-03-10 09:30' or "
        "'9:30'",
        f"1 problem found; {drill} was not changed"]


# --- 6. a serial date in a CSV -----------------------------------------------------------


@pytest.mark.parametrize(("clock", "at"), [("46279.5", "T+03:00"), ("46279.40625", "T+00:45")])
def test_a_csv_drill_clock_may_be_an_excel_serial_date(drill, tmp_path, capsys, clock, at):
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "at"): "", (2, "clock"): clock})
    out = tmp_path / "drill" / "new.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[0].at == at


# --- (a) handout cards --------------------------------------------------------------------


def test_a_card_gives_the_drill_time_and_clock_of_the_same_minute(drill):
    with_first_inject(drill, at="2026-09-14T09:30:40+08:00")
    sc = load_scenario(drill).scenario
    card = handouts.card(sc, sc.injects[0])
    assert "T+00:30, Mon 14 Sep 09:30 (Asia/Singapore)" in card
    assert "T+00:31" not in card


# --- (b) whitespace-only text --------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_title_and_text_of_spaces_survive_the_spreadsheet(drill, tmp_path, capsys, suffix):
    with_first_inject(drill, title="   ", text=" \n ")
    sheet, out = tmp_path / f"m{suffix}", tmp_path / "drill" / "new.yaml"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    inject = load_scenario(out).scenario.injects[0]
    assert (inject.title, inject.text) == ("   ", " \n ")


def test_a_csv_row_of_spaces_is_an_empty_row(drill, tmp_path, capsys):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    with sheet.open("a", newline="") as fh:
        csv.writer(fh).writerow(["  "] * len(KEYS))
    out = tmp_path / "drill" / "new.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert len(load_scenario(out).scenario.injects) == 3


# --- (c) CRLF scenario files ----------------------------------------------------------------


def test_a_crlf_scenario_keeps_its_line_endings(drill, tmp_path, capsys):
    drill.write_bytes(drill.read_bytes().replace(b"\n", b"\r\n"))
    sheet = edited_csv(drill, tmp_path / "m.csv", {(2, "title"): "A new title"})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_OK, \
        problems(capsys)
    data = drill.read_bytes()
    assert b"A new title" in data
    assert data.count(b"\n") == data.count(b"\r\n")
