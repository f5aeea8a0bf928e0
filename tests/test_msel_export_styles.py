"""MSEL export: the workbook a facilitator opens, as it looks: every cell's value and
kind, font, fill, alignment, border and number format, and each sheet's column widths,
frozen header row, filter and validation, and the TLP label of its printed pages, for a
small scenario with injects of every TLP label."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io

TUTORIAL = bundled_dir() / "tutorial.yaml"


#: injects of every TLP label, one timed to the second, one whose title starts like a
#: formula, and a contingency inject (no drill time)
INJECTS = """\
injects:
  - {id: "1", at: "T+00:30", type: event, sender: hicon, to: [singcert], via: email,
     tlp: GREEN, title: A phishing site, text: "Lion Bank reports a phishing site.",
     artefacts: [sms-samples.txt, phishing-page.html], objective: O2,
     incident: {id: phish, type: phishing, title: Bank phishing, severity: medium,
                affected: [SG], hosted_in: [MY], crime_suspected: false},
     expected_actions: [Acknowledge the report., Ask MyCERT for a takedown.]}
  - {id: "2", at: "T+03:00", type: information, sender: hicon, to: [singcert, mycert],
     via: email, tlp: GREEN, title: A second domain, text: Passive DNS shows more.,
     incident: {id: phish}}
  - {id: "3", at: "2026-09-14T11:45:30+08:00", sender: hicon, to: [singcert], via: email,
     tlp: RED, title: Seen to the second, text: "Line one\\nline two", incident: {id: phish}}
  - {id: "4", at: "T+04:00", sender: hicon, to: [mycert], via: email, tlp: AMBER+STRICT,
     facts_tlp: GREEN, title: Strict, text: Only for MyCERT., notes: for the controller,
     incident: {id: phish}}
  - {id: "5", at: "T+05:00", sender: hicon, to: [singcert], via: email, tlp: CLEAR,
     title: "=SUM(A1:A2)", text: Clear for all., incident: {id: phish}}
  - {id: "6", at: "T+06:00", sender: hicon, to: [isp-my], via: email, tlp: AMBER,
     title: Amber, text: For the provider., incident: {id: phish}}
  - {id: C1, type: contingency, delay: 0m, sender: hicon, to: [singcert], via: phone,
     tlp: GREEN, title: "HiCON call", text: Has MyCERT been asked?, incident: {id: phish},
     objective: O1}

"""


def write_scenario(folder: Path) -> Path:
    """The tutorial with the injects above."""
    text = TUTORIAL.read_text(encoding="utf-8")
    start, end = text.index("injects:\n"), text.index("# --- 6.")
    path = folder / "styles.yaml"
    path.write_text(text[:start] + INJECTS + text[end:], encoding="utf-8")
    return path


def _signature(cell: Any) -> tuple[Any, ...]:
    font, fill, align, border = cell.font, cell.fill, cell.alignment, cell.border
    color = (font.color.type, font.color.value) if font.color is not None else None
    return (
        ("font", font.name, font.sz, font.b, font.i, color),
        ("fill", fill.fill_type, fill.fgColor.rgb if fill.fill_type else None),
        ("align", align.horizontal, align.vertical, align.wrap_text),
        ("border", border.left.style, border.right.style, border.top.style,
         border.bottom.style),
        ("format", cell.number_format),
        ("locked", cell.protection.locked),
    )


def structure(wb: Any) -> tuple[dict[str, tuple[Any, ...]], dict[str, dict[str, Any]]]:
    """The look of a workbook: ({style letter: style}, {sheet: what it shows}). Each row
    of a sheet is written as one letter per cell for its style, and one per cell for the
    kind of its value (s text, n number or empty, d date)."""
    styles: dict[tuple[Any, ...], str] = {}
    sheets: dict[str, dict[str, Any]] = {}
    for ws in wb.worksheets:
        rows, kinds = [], []
        for row in ws.iter_rows():
            codes = ""
            for cell in row:
                sig = _signature(cell)
                codes += styles.setdefault(sig, chr(ord("a") + len(styles)))
            rows.append(codes)
            kinds.append("".join(cell.data_type for cell in row))
        sheets[ws.title] = {
            "dimensions": ws.dimensions,
            "styles": rows,
            "kinds": kinds,
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items())
                       if d.customWidth},
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "validations": len(ws.data_validations.dataValidation),
            "merged": [str(r) for r in ws.merged_cells.ranges],
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "printed": (ws.oddHeader.center.text, ws.oddFooter.center.text),
        }
    return {v: k for k, v in styles.items()}, sheets


#: the body text font (the workbook's default) and the bold of headers and TLP labels
_PLAIN = ("font", "Calibri", 11.0, False, False, ("theme", 1))
_WRAP = ("align", None, "top", True)


def _bold(color: str | None = None) -> tuple[Any, ...]:
    return ("font", None, None, True, False, ("rgb", color) if color else None)


def _style(font: tuple[Any, ...] = _PLAIN, fill: str | None = None,
           number_format: str = "General") -> tuple[Any, ...]:
    return (font, ("fill", "solid", fill) if fill else ("fill", None, None), _WRAP,
            ("border", None, None, None, None), ("format", number_format), ("locked", True))


#: the styles of the reference, by letter in the order they first appear
STYLES = {
    "a": _style(_bold(), "00D9D9D9"),  # a header
    "b": _style(fill="00E6FFDD"),  # a cell of a GREEN inject, tinted
    "c": _style(fill="00E6FFDD", number_format="yyyy-mm-dd hh:mm"),  # its drill clock
    "d": _style(_bold("0033FF00"), "00000000"),  # its TLP cell: GREEN on black
    "e": _style(fill="00FFE0E0"),  # RED
    "f": _style(fill="00FFE0E0", number_format="yyyy-mm-dd hh:mm:ss"),  # to the second
    "g": _style(_bold("00FF2B2B"), "00000000"),
    "h": _style(fill="00FFF1CC"),  # AMBER+STRICT and AMBER
    "i": _style(fill="00FFF1CC", number_format="yyyy-mm-dd hh:mm"),
    "j": _style(_bold("00FFC000"), "00000000"),
    "k": _style(),  # CLEAR is not tinted; nor are the other sheets
    "l": _style(number_format="yyyy-mm-dd hh:mm"),
    "m": _style(_bold("00FFFFFF"), "00000000"),
}

_GREEN = "bbcbbbbbdbbbbbbbbbbbbbbbbbbb"
_AMBER = "hhihhhhhjhhhhhhhhhhhhhhhhhhh"
_WIDTHS = {"A": 6.0, "B": 11.0, "C": 17.0, "D": 40.0, "E": 12.0, "F": 18.0, "G": 10.0,
           "H": 12.0, "I": 9.0, "J": 36.0, "K": 60.0, "L": 28.0, "M": 40.0, "N": 10.0,
           "O": 30.0, "AB": 30.0}
MSEL = {
    "dimensions": "A1:AB8",
    "styles": ["a" * 28, _GREEN, _GREEN, "eefeeeeegeeeeeeeeeeeeeeeeeee", _AMBER,
               "kklkkkkkmkkkkkkkkkkkkkkkkkkk", _AMBER, _GREEN],
    "kinds": ["s" * 28,
              "ssdsssssssssssnnnnsssssssnnn",
              "ssdssssssssnnnnnnnsnnnnnnnnn",
              "ssdssssssssnnnnnnnsnnnnnnnnn",
              "ssdssssssssnnnnnnnsnnnnnnsns",
              "ssdssssssssnnnnnnnsnnnnnnnnn",
              "ssdssssssssnnnnnnnsnnnnnnnnn",
              "snnnsssssssnnsssnnsnnnnnnnnn"],
    "widths": {msel_io._letter(c): _WIDTHS.get(msel_io._letter(c), 14.0)
               for c in range(1, 29)},
    "freeze": "A2",
    "filter": "A1:AB8",
    "validations": 0,
    "merged": [],
    "heights": {},
    "printed": ("TLP:RED", "TLP:RED"),  # the strictest inject's label, on every page
}
ACTORS = {
    "dimensions": "A1:G5",
    "styles": ["a" * 7] + ["k" * 7] * 4,
    "kinds": ["s" * 7] * 4 + ["sssnsss"],  # HiCON has no country
    "widths": {"A": 14.0, "B": 34.0, "C": 18.0, "D": 8.0, "E": 20.0, "F": 22.0, "G": 60.0},
    "freeze": "A2",
    "filter": "A1:G5",
    "validations": 0,
    "merged": [],
    "heights": {},
    "printed": ("TLP:RED", "TLP:RED"),  # the strictest inject's label, on every page
}
EXPECTATIONS = {
    "dimensions": "A1:K4",
    "styles": ["a" * 11] + ["k" * 11] * 3,
    "kinds": ["s" * 11, "ssssssssnss", "ssssssssnsn", "ssssnsssnsn"],  # Score is a number
    "widths": {"A": 6.0, "B": 60.0, "C": 24.0, "D": 18.0, "E": 14.0, "F": 14.0, "G": 10.0,
               "H": 10.0, "I": 7.0, "J": 10.0, "K": 12.0},
    "freeze": "A2",
    "filter": "A1:K4",
    "validations": 0,
    "merged": [],
    "heights": {},
    "printed": ("TLP:RED", "TLP:RED"),  # the strictest inject's label, on every page
}


def exported(tmp_path: Path) -> tuple[Any, Any]:
    loaded = load_scenario(write_scenario(tmp_path))
    return loaded, load_workbook(io.BytesIO(msel_io.xlsx_bytes(loaded)))


def test_every_cell_of_the_workbook_keeps_its_style(tmp_path):
    _, wb = exported(tmp_path)
    styles, sheets = structure(wb)
    assert wb.sheetnames == ["MSEL", "Actors", "Expectations"]
    assert styles == STYLES
    assert sheets == {"MSEL": MSEL, "Actors": ACTORS, "Expectations": EXPECTATIONS}


def test_every_cell_keeps_its_value(tmp_path):
    loaded, wb = exported(tmp_path)
    sc = loaded.scenario
    ws = wb["MSEL"]
    assert [c.value for c in ws[1]] == [
        msel_io._clock_header(sc) if k == "clock" else h for k, h in msel_io.COLUMNS]
    for r, row in enumerate(msel_io.export_rows(loaded), 2):
        assert [c.value for c in ws[r]] == [
            None if row[k] == "" else row[k] for k, _ in msel_io.COLUMNS], r
    # the one to the second keeps its seconds; the contingency inject has no time
    assert ws["C4"].value == datetime(2026, 9, 14, 11, 45, 30)
    assert ws["A8"].value == "C1" and ws["B8"].value is None and ws["C8"].value is None
    assert ws["J6"].value == "=SUM(A1:A2)" and ws["J6"].data_type == "s"
    actors = [[c.value for c in row] for row in wb["Actors"].iter_rows(min_row=2)]
    assert actors == [[None if v == "" else v for v in msel_io._actor_row(sc, aid)]
                      for aid in sc.actors]
    ids = [row[0].value for row in wb["Expectations"].iter_rows(min_row=2)]
    assert ids == [e.id for e in sc.expectations]
    assert wb.properties.creator == "acid-drill"
    assert wb.properties.title == f"MSEL: {sc.drill.title}"
    assert wb.properties.created == datetime(2026, 9, 14, 1, 0)
    assert wb.properties.keywords == "TLP:RED"
