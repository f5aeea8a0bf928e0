"""Expected player actions survive a spreadsheet round trip exactly: an item with a
line break in it, an empty item, spaces at either end or a leading quote mark."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"

ITEMS = [
    "Escalate to ANSAC, then notify:\n- LaoCERT",
    "",
    "-1 the minus",
    "=HYPERLINK(\"http://x.example\")",
    "  two leading spaces",
    "trailing space ",
    '"Quoted" as typed',
    '"all quoted"',
    "line\u2028separator and\x85next line",
    "carriage\r\nreturn",
    "tab\tinside",
    "ไทย: แจ้ง ThaiCERT",
    "Plain item.",
]


def _scenario(tmp_path, items: list[str]):
    old = "expected_actions: [Add the new domain to the takedown request.]"
    text = TUTORIAL.read_text()
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, "expected_actions: " + json.dumps(items)))
    return path


def _actions(path) -> list[list[str]]:
    data = yaml.safe_load(path.read_text())
    return [inj.get("expected_actions", []) for inj in data["injects"]]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_expected_actions_round_trip_exactly(tmp_path, suffix, capsys):
    path = _scenario(tmp_path, ITEMS)
    before = _actions(path)
    assert ITEMS in before
    sheet = tmp_path / f"m.{suffix}"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == EXIT_OK
    out = tmp_path / "rt.yaml"
    assert main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)]) == EXIT_OK
    assert _actions(out) == before
    assert load_scenario(out).scenario.injects == load_scenario(path).scenario.injects


def test_only_items_that_need_it_are_quoted_and_no_cell_is_a_formula(tmp_path):
    loaded = load_scenario(_scenario(tmp_path, ITEMS))
    [row] = [r for r in msel_io.export_rows(loaded) if "Plain item." in r["expected_actions"]]
    lines = row["expected_actions"].split("\n")
    assert len(lines) == len(ITEMS)  # one line an item, whatever it holds
    assert lines[0] == '"Escalate to ANSAC, then notify:\\n- LaoCERT"'
    assert lines[1] == '""'
    assert lines[2] == "-1 the minus"
    assert lines[-2:] == ["ไทย: แจ้ง ThaiCERT", "Plain item."]
    # a cell starting with a quote mark or - is text: the CSV guard still applies
    text = msel_io.csv_text(loaded)
    cells = [c for r in csv.reader(io.StringIO(text)) for c in r]
    assert any(c.startswith('"Escalate to ANSAC') for c in cells)
    [cell] = [c for c in cells if "Plain item." in c]
    assert not cell.startswith(msel_io.FORMULA_START)


def test_a_cell_typed_by_hand_reads_as_before(tmp_path):
    loaded = load_scenario(TUTORIAL)
    table = msel_io.read_table(_sheet(tmp_path, loaded,
                                      '  First action.  \n\n"Call the vendor" now\n'
                                      '"unterminated\n"\\u0041"\n"not json \\q"'))
    injects, _ = msel_io.injects_from_table(loaded, table)
    assert injects[0]["expected_actions"] == [
        "First action.", '"Call the vendor" now', '"unterminated', "A", '"not json \\q"']


def _sheet(tmp_path, loaded, cell: str):
    text = msel_io.csv_text(loaded)
    rows = list(csv.reader(io.StringIO(text)))
    col = [k for k, _ in msel_io.COLUMNS].index("expected_actions")
    rows[1][col] = cell
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / "hand.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path
