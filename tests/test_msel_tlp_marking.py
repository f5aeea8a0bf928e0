"""The exported MSEL workbook carries the drill's TLP label, as ``drill report`` computes
it, on every printed page and in its properties, and still imports back; the CSV carries
none, and the documentation says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.analysis.report import drill_tlp
from sim.cli import EXIT_OK, main
from sim.engine import Engine
from sim.engine.events import log_to_jsonl

TUTORIAL = bundled_dir() / "tutorial.yaml"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def _tutorial(folder: Path, second_inject_tlp: str) -> Path:
    """The tutorial (drill.tlp CLEAR, injects GREEN) with its second inject relabelled."""
    text = TUTORIAL.read_text(encoding="utf-8")
    second = text.index('  - id: "2"')
    at = text.index("tlp: GREEN", second)
    path = folder / "drill.yaml"
    path.write_text(text[:at] + f"tlp: {second_inject_tlp}" + text[at + len("tlp: GREEN"):],
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("inject_tlp", ["RED", "AMBER+STRICT", "GREEN"])
def test_every_page_and_the_properties_carry_the_strictest_label(tmp_path, capsys,
                                                                   inject_tlp):
    scenario = _tutorial(tmp_path, inject_tlp)
    label = drill_tlp(load_scenario(scenario).scenario)
    assert label == inject_tlp  # the drill is CLEAR, the other injects GREEN
    sheet = tmp_path / "msel.xlsx"
    assert main(["msel", "export", str(scenario), "-o", str(sheet)]) == EXIT_OK
    wb = load_workbook(sheet)
    assert wb.sheetnames == ["MSEL", "Actors", "Expectations"]
    for ws in wb.worksheets:
        assert ws.oddHeader.center.text == f"TLP:{label}", ws.title
        assert ws.oddFooter.center.text == f"TLP:{label}", ws.title
    assert wb.properties.keywords == f"TLP:{label}"
    custom = {p.name: p.value for p in wb.custom_doc_props.props}
    assert custom == {"TLP": f"TLP:{label}"}


def test_the_marked_workbook_imports_back_to_the_same_drill(tmp_path, capsys):
    scenario = _tutorial(tmp_path, "RED")
    sheet = tmp_path / "msel.xlsx"
    out = tmp_path / "new.yaml"
    assert main(["msel", "export", str(scenario), "-o", str(sheet)]) == EXIT_OK
    assert main(["msel", "import", str(sheet), "--into", str(scenario), "-o", str(out)]) == EXIT_OK
    assert "not read" not in capsys.readouterr().err
    assert log_to_jsonl(Engine(load_scenario(out), seed=0).run()) == \
        log_to_jsonl(Engine(load_scenario(scenario), seed=0).run())


def test_the_csv_has_no_label_and_the_docs_say_the_workbook_has(tmp_path, capsys):
    scenario = _tutorial(tmp_path, "RED")
    sheet = tmp_path / "msel.csv"
    assert main(["msel", "export", str(scenario), "-o", str(sheet)]) == EXIT_OK
    # the first line is the header row, which other tools and the import read first
    first = sheet.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("No.,Drill time,") and "TLP:RED" not in first
    doc = " ".join((DOCS / "msel.md").read_text(encoding="utf-8").split())
    assert "The CSV carries no TLP label" in doc
    assert "page's header and footer" in doc and "`drill report`" in doc
