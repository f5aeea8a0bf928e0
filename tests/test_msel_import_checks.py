"""MSEL import and export: artefact files checked as the loader checks them, recipients by
name, formula results, lists given as empty and characters a workbook cannot hold."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main
from sim.engine import Engine
from sim.engine.events import log_to_jsonl

TUTORIAL = bundled_dir() / "tutorial.yaml"
KEYS = [k for k, _ in msel_io.COLUMNS]


def run_log(path: Path) -> str:
    return log_to_jsonl(Engine(load_scenario(path), seed=0).run())


def col(key: str) -> str:
    return msel_io._letter(KEYS.index(key) + 1)


def problems(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line]


@pytest.fixture
def drill(tmp_path) -> Path:
    """The tutorial in a folder of its own, with an evidence file beside it."""
    folder = tmp_path / "drill"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "note.txt").write_text("a ransom note\n")
    path = folder / "my-drill.yaml"
    path.write_bytes(TUTORIAL.read_bytes())
    return path


def edited_csv(scenario: Path, sheet: Path, edits: dict[tuple[int, str], str]) -> Path:
    """The scenario's MSEL as CSV with the cells {(row, field): text} changed (row 1 is
    the header, row 2 the first inject)."""
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(scenario)), newline="")))
    for (r, key), text in edits.items():
        rows[r - 1][KEYS.index(key)] = text
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet.write_text(out.getvalue())
    return sheet


# --- artefact files ---------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "says"), [
    ("{file: evidence/nope.txt}", "no artefact file 'evidence/nope.txt' next to the scenario"),
    ("{file: ../outside.txt}", "'../outside.txt' is outside the scenario's folder"),
    ("{file: evidence/note.txt, sha256: " + "ab" * 32 + "}",
     "the file's SHA-256 is " + hashlib.sha256(b"a ransom note\n").hexdigest()),
])
def test_an_artefact_file_the_scenario_could_not_load_is_reported_at_its_cell(
        drill, tmp_path, capsys, cell, says):
    (tmp_path / "outside.txt").write_text("not the drill's\n")
    sheet = edited_csv(drill, tmp_path / "m.csv", {(3, "artefacts"): cell})
    before = drill.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    err = problems(capsys)
    assert any(line.startswith(f"{sheet}:{col('artefacts')}3: {says}") for line in err), err
    assert err[-1] == f"1 problem found; {drill} was not changed"
    assert drill.read_bytes() == before
    load_scenario(drill)  # still loads


def test_an_artefact_file_next_to_the_scenario_is_imported(drill, tmp_path, capsys):
    digest = hashlib.sha256(b"a ransom note\n").hexdigest()
    sheet = edited_csv(drill, tmp_path / "m.csv", {
        (3, "artefacts"): f"pdns.csv\n{{file: evidence/note.txt, sha256: {digest}}}"})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_OK, \
        problems(capsys)
    arts = load_scenario(drill).scenario.injects[1].artefacts
    assert arts[0] == "pdns.csv"
    assert (arts[1].file, arts[1].sha256, arts[1].content) == \
        ("evidence/note.txt", digest, "a ransom note\n")


def test_artefact_files_are_looked_for_next_to_the_file_written(drill, tmp_path):
    sheet = edited_csv(drill, tmp_path / "m.csv", {(3, "artefacts"): "{file: evidence/note.txt}"})
    loaded = load_scenario(drill)
    table = msel_io.read_table(sheet)
    text = drill.read_text()
    elsewhere = tmp_path / "elsewhere" / "new.yaml"
    with pytest.raises(msel_io.MselError) as exc:
        msel_io.import_msel(loaded, text, table, output=elsewhere)
    assert exc.value.problems == [
        f"{sheet}:{col('artefacts')}3: no artefact file 'evidence/note.txt' next to the "
        f"scenario (looked for {elsewhere.parent / 'evidence' / 'note.txt'})"]
    # beside the scenario itself, it is found
    result = msel_io.import_msel(loaded, text, table, output=drill.parent / "new.yaml")
    assert result.injects[1]["artefacts"] == [{"file": "evidence/note.txt"}]


def test_drill_msel_import_checks_artefacts_next_to_the_o_file(drill, tmp_path, capsys):
    sheet = edited_csv(drill, tmp_path / "m.csv", {(3, "artefacts"): "{file: evidence/note.txt}"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = elsewhere / "new.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_INVALID
    assert f"{sheet}:{col('artefacts')}3: no artefact file 'evidence/note.txt' next to the " \
        "scenario" in problems(capsys)[0]
    assert not out.exists()
    out = drill.parent / "new.yaml"  # beside the scenario, the file is found
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) == EXIT_OK
    assert load_scenario(out).scenario.injects[1].artefacts[0].file == "evidence/note.txt"


# --- recipients by name ----------------------------------------------------------------


def test_recipients_are_given_by_name_even_a_name_with_spaces(drill, tmp_path, capsys):
    sheet = edited_csv(drill, tmp_path / "m.csv", {
        (2, "sender"): "Exercise control (HiCON)",
        (2, "to"): "Klang Valley Hosting Sdn Bhd; singcert\nMyCERT",
        (3, "to"): "singcert mycert",  # ids may still be separated by spaces
    })
    out = drill.parent / "new.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    injects = load_scenario(out).scenario.injects
    assert injects[0].sender == "hicon"
    assert injects[0].to == ["isp-my", "singcert", "mycert"]
    assert injects[1].to == ["singcert", "mycert"]


def test_an_unknown_name_is_reported_as_it_was_typed(drill, tmp_path, capsys):
    sheet = edited_csv(drill, tmp_path / "m.csv",
                       {(2, "to"): "Klang Valley Hosting Sdn Bhdd, singcert"})
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    err = problems(capsys)
    assert f"{sheet}:F2: unknown actor 'Klang Valley Hosting Sdn Bhdd'" in err
    assert not [line for line in err if "'Klang'" in line or "'Valley'" in line]


# --- formula results -------------------------------------------------------------------


def patched_xlsx(scenario: Path, sheet: Path, cells: dict[str, str]) -> Path:
    """The scenario's MSEL workbook with cells of the MSEL sheet replaced by raw XML, as
    a spreadsheet program saves them."""
    data = msel_io.xlsx_bytes(load_scenario(scenario))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            part = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = part.decode()
                for ref, cell in cells.items():
                    xml, n = re.subn(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', cell, xml,
                                     count=1)
                    assert n == 1, ref
                part = xml.encode()
            zout.writestr(item, part)
    sheet.write_bytes(out.getvalue())
    return sheet


@pytest.mark.parametrize(("value", "says"), [
    ("#N/A", "holds #N/A, the result of a formula that failed"),
    ("#REF!", "holds #REF!, the result of a formula that failed"),
    ("secret words", "holds an error value, the result of a formula that failed"),
])
def test_a_formula_whose_saved_result_is_an_error_is_reported_at_its_cell(
        drill, tmp_path, capsys, value, says):
    ref = f"{col('title')}2"
    sheet = patched_xlsx(drill, tmp_path / "m.xlsx", {
        ref: f'<c r="{ref}" t="e"><f>VLOOKUP(A2,Titles!A:B,2,FALSE)</f><v>{value}</v></c>'})
    before = drill.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", str(drill)]) == EXIT_INVALID
    err = problems(capsys)
    assert f"{sheet}:MSEL!{ref}: {says}; correct the formula, or type the value" in err
    assert not [line for line in err if "secret" in line]
    assert drill.read_bytes() == before


def test_a_formula_whose_saved_result_is_empty_text_is_an_empty_cell(drill, tmp_path, capsys):
    # the drill clock of contingency C1, which has none: =IF(B4="","",B4) saved as ""
    ref = f"{col('clock')}4"
    sheet = patched_xlsx(drill, tmp_path / "m.xlsx", {
        ref: f'<c r="{ref}" t="str"><f>IF(B4="","",B4)</f><v></v></c>'})
    out = drill.parent / "new.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[2].at is None
    assert run_log(out) == run_log(drill)


# --- lists given as empty --------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_list_given_as_empty_survives_export_and_import(drill, tmp_path, capsys, suffix):
    text = drill.read_text()
    given = "    incident: {id: phish}          # later injects give only what changes"
    assert given in text
    drill.write_text(text.replace(given, "    incident: {id: phish, hosted_in: [], affected: []}"))
    sheet = tmp_path / f"m{suffix}"
    out = drill.parent / "new.yaml"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    incident = load_scenario(out).scenario.injects[1].incident
    assert (incident.hosted_in, incident.affected) == ([], [])
    assert {"hosted_in", "affected"} <= incident.model_fields_set
    assert run_log(out) == run_log(drill)
    # while an empty cell still gives nothing
    row = msel_io.export_rows(load_scenario(TUTORIAL))[1]
    assert (row["hosted_in"], row["affected"]) == ("", "")


# --- characters a workbook cannot hold --------------------------------------------------


def test_control_characters_survive_the_workbook(drill, tmp_path, capsys):
    title = "vt\x0b bel\x07 nul\x00 cr\r _x0041_ _x005F_ _x0041\x0b \ufffe end\x1f"
    text = drill.read_text()
    drill.write_text(text.replace("title: A second phishing domain on the same server",
                                  f'title: "{title.encode("unicode_escape").decode()}"'))
    assert load_scenario(drill).scenario.injects[1].title == title
    sheet = tmp_path / "m.xlsx"
    out = drill.parent / "new.yaml"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK, problems(capsys)
    with zipfile.ZipFile(sheet) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "vt_x000B_ bel_x0007_" in xml  # as Excel writes them
    assert main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)]) \
        == EXIT_OK, problems(capsys)
    assert load_scenario(out).scenario.injects[1].title == title
    assert run_log(out) == run_log(drill)


def test_the_workbook_escape_gives_back_exactly_the_text():
    rng = random.Random(7)
    alphabet = "_x0041F5a \x0b\x00\x1f\r\n\t\ufffe\ud800"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        stored = msel_io.xlsx_escape(text)
        assert msel_io.xlsx_unescape(stored) == text, repr(text)
        assert not re.search(msel_io._UNSTORABLE, stored), repr(text)
    # a cell Excel wrote: an escaped underscore, then an escaped character
    assert msel_io.xlsx_unescape("_x005F_x0041_ and _x000B_") == "_x0041_ and \x0b"
