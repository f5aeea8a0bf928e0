"""Artefact names survive a spreadsheet round trip exactly: a name that would not read
back as written (one starting with a brace, which reads as a file in YAML flow text, or
with spaces at either end, a quote mark first, a line break, or nothing at all) is
written as a JSON string in double quotes and read back as that name."""

from __future__ import annotations

import json

import pytest
import yaml

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
OLD = "    artefacts: [pdns-203.0.113.45.csv]\n"

NAMES = [
    "pdns-203.0.113.45.csv",
    "{B5A1-77}.evtx",
    " padded.pcap ",
    '"quoted".txt',
    '"all quoted"',
    "two\nlines.txt",
    "=cmd.xlsx",
    "-dash.log",
    "ไทย.txt",
]


def _scenario(tmp_path, names: list[str]):
    text = TUTORIAL.read_text(encoding="utf-8")
    assert OLD in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(OLD, "    artefacts: " + json.dumps(names, ensure_ascii=False)
                                 + "\n"), encoding="utf-8")
    return path


def _artefacts(path) -> list:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [inj.get("artefacts", []) for inj in data["injects"]]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_artefact_names_round_trip_exactly(tmp_path, suffix):
    path = _scenario(tmp_path, NAMES)
    sheet = tmp_path / f"m.{suffix}"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    out = tmp_path / "rt.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)]) == EXIT_OK
    assert NAMES in _artefacts(out)
    assert _artefacts(out) == _artefacts(path)
    assert load_scenario(out).scenario.injects == load_scenario(path).scenario.injects


def test_only_names_that_need_it_are_quoted(tmp_path):
    loaded = load_scenario(_scenario(tmp_path, NAMES))
    [row] = [r for r in msel_io.export_rows(loaded) if "ไทย.txt" in r["artefacts"]]
    assert row["artefacts"].split("\n") == [
        "pdns-203.0.113.45.csv",
        '"{B5A1-77}.evtx"',
        '" padded.pcap "',
        '"\\"quoted\\".txt"',
        '"\\"all quoted\\""',
        '"two\\nlines.txt"',
        "=cmd.xlsx",
        "-dash.log",
        "ไทย.txt",
    ]


def test_a_file_artefact_is_still_flow_text(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "note.txt").write_text("a note\n", encoding="utf-8")
    path = _scenario(tmp_path, ["{B5A1-77}.evtx"])
    path.write_text(path.read_text(encoding="utf-8").replace(
        '    artefacts: ["{B5A1-77}.evtx"]\n',
        '    artefacts: ["{B5A1-77}.evtx", {file: evidence/note.txt}]\n'), encoding="utf-8")
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    out = tmp_path / "rt.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)]) == EXIT_OK
    assert ["{B5A1-77}.evtx", {"file": "evidence/note.txt"}] in _artefacts(out)


def test_an_inject_header_with_a_number_sign_is_the_id_column(tmp_path, capsys):
    # docs/msel.md: '#' and 'inject no' name the id column; 'Inject #' is the same
    loaded = load_scenario(TUTORIAL)
    text = msel_io.csv_text(loaded)
    for header in ("Inject #", "Inject No.", "inject number", "#", "MSEL No", "No"):
        sheet = tmp_path / "m.csv"
        sheet.write_text(text.replace("No.,", f"{header},", 1), encoding="utf-8")
        table = msel_io.read_table(sheet)
        injects, _ = msel_io.injects_from_table(loaded, table)
        assert [i["id"] for i in injects] == ["1", "2", "C1"], header
