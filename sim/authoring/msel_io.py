"""The MSEL as a spreadsheet: export a scenario's injects, import them back.

``export_rows`` turns a scenario's injects into rows with the HSEEP MSEL columns
(number, drill time, drill clock, each recipient's local time, sender, recipients,
mode, type, TLP, title, text, artefacts, expected player actions, objective,
contingency trigger), followed by the columns the scenario needs to rebuild each
inject exactly (incident, delay, facts TLP, controller notes). ``write_xlsx`` and
``write_csv`` write them; ``read_table`` reads an XLSX or CSV file back, from this
export or from another tool (``--columns`` maps its headers), and ``import_msel``
checks every row against the scenario and rewrites only the ``injects:`` block of
the scenario file, so the rest of the file, comments included, stays as it was.

The workbook carries the drill's TLP label (:func:`msel_tlp`, as ``drill report`` gives
it) in every page's header and footer and in its properties; the CSV carries none.

Every problem is reported at its cell, ``msel.xlsx:MSEL!F12: unknown actor
'thaicertt'; did you mean 'thaicert'?``, all in one go.

XLSX is read and written with openpyxl (pure Python, reads and writes, keeps merged
cells and the saved results of formulas) and CSV with the standard library; both are
imported only when a command needs them.
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from scenarios.durations import (
    MAX_MINUTES,
    format_drill_time,
    format_duration,
    parse_drill_time,
)
from scenarios.loader import LoadedScenario
from scenarios.model import Inject, Scenario

if TYPE_CHECKING:
    from scenarios.yamlsrc import Located
    from sim.authoring.lint import Reach

#: Files over this size are refused before they are parsed.
MAX_BYTES = 10 * 1024 * 1024
#: An XLSX is a zip: its parts unpacked may not exceed this (a zip bomb guard).
MAX_UNPACKED = 200 * 1024 * 1024
#: The most injects a sheet may hold: rows with content below the header row (empty
#: rows, and rows only formatted, are not counted).
MAX_ROWS = 5000
#: Rows with content a sheet may hold in all: the injects, and the rows above the header
#: and notes beside the table.
MAX_CONTENT_ROWS = MAX_ROWS + 50
#: Rows a sheet may run to, empty ones included (a CSV's records, a workbook's last row
#: holding a cell): a bound on the work a hostile file asks for.
MAX_RAW_ROWS = 100_000
MAX_COLUMNS = 200

SHEET = "MSEL"

#: (field key, header) in the order of the MSEL sheet. ``local`` and ``trigger`` are
#: worked out from the scenario and are not read back.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "No."),
    ("at", "Drill time"),
    ("clock", "Drill clock"),
    ("local", "Local time of recipients"),
    ("sender", "Sender"),
    ("to", "Recipients"),
    ("via", "Mode"),
    ("type", "Type"),
    ("tlp", "TLP"),
    ("title", "Title"),
    ("text", "Text"),
    ("artefacts", "Artefacts"),
    ("expected_actions", "Expected player actions"),
    ("objective", "Objective"),
    ("trigger", "Contingency trigger"),
    ("delay", "Delay"),
    ("after_action", "After action"),
    ("when", "Condition"),
    ("incident", "Incident"),
    ("incident_type", "Incident type"),
    ("incident_title", "Incident title"),
    ("severity", "Severity"),
    ("affected", "Affected"),
    ("hosted_in", "Hosted in"),
    ("crime_suspected", "Crime suspected"),
    ("facts_tlp", "Facts TLP"),
    ("controller", "Controller"),
    ("notes", "Controller notes"),
)
HEADERS = dict(COLUMNS)
DERIVED = ("local", "trigger")
#: fields read back from a sheet
FIELDS = tuple(k for k, _ in COLUMNS if k not in DERIVED)
INCIDENT_FIELDS = {"incident": "id", "incident_type": "type", "incident_title": "title",
                   "severity": "severity", "affected": "affected", "hosted_in": "hosted_in",
                   "crime_suspected": "crime_suspected"}
REQUIRED = ("id", "sender", "to", "via", "incident")
#: fields whose text is kept exactly as typed (the others are trimmed)
FREE_TEXT = ("title", "text", "incident_title", "controller", "notes")
LISTS = ("to", "affected", "hosted_in")
LINES = ("artefacts", "expected_actions")
#: fields written as compact YAML flow text in one cell (``{missed: [E2]}``)
FLOW = ("after_action", "when")

#: Other names for the columns, as other MSEL templates and tools write them.
ALIASES: dict[str, str] = {
    "#": "id", "no": "id", "number": "id", "inject": "id", "inject no": "id",
    "inject number": "id", "msel no": "id", "msel #": "id", "event no": "id", "id": "id",
    "time": "at", "scenario time": "at", "exercise time": "at", "t+": "at", "at": "at",
    "clock": "clock", "clock time": "clock", "delivery time": "clock", "date/time": "clock",
    "from": "sender", "sender": "sender", "originator": "sender",
    "to": "to", "recipient": "to", "recipients": "to", "player": "to", "players": "to",
    "mode": "via", "method": "via", "delivery method": "via", "channel": "via", "via": "via",
    "inject mode": "via",
    "inject type": "type", "type": "type", "tlp": "tlp",
    "title": "title", "subject": "title", "event": "title",
    "text": "text", "message": "text", "description": "text", "body": "text",
    "inject text": "text",
    "artefacts": "artefacts", "artifacts": "artefacts", "attachments": "artefacts",
    "expected action": "expected_actions", "expected actions": "expected_actions",
    "expected player action": "expected_actions", "expected outcome": "expected_actions",
    "expected_actions": "expected_actions",
    "objective": "objective", "objectives": "objective",
    "local time": "local", "local times": "local", "trigger": "trigger",
    "notes": "notes",
    "after action": "after_action", "after_action": "after_action",
    "condition": "when", "when": "when", "only if": "when",
}

TLP_FILL = {"RED": "FF2B2B", "AMBER": "FFC000", "AMBER+STRICT": "FFC000", "GREEN": "33FF00",
            "CLEAR": "FFFFFF"}
TLP_TINT = {"RED": "FFE0E0", "AMBER": "FFF1CC", "AMBER+STRICT": "FFF1CC", "GREEN": "E6FFDD"}
WIDTHS = {"id": 6, "at": 11, "clock": 17, "local": 40, "sender": 12, "to": 18, "via": 10,
          "type": 12, "tlp": 9, "title": 36, "text": 60, "artefacts": 28,
          "expected_actions": 40, "objective": 10, "trigger": 30, "notes": 30}


class MselError(Exception):
    """A spreadsheet could not be used; ``problems`` holds one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- export ----------------------------------------------------------------------


def _minute(sc: Scenario, inj: Inject) -> float | None:
    return None if inj.at is None else parse_drill_time(inj.at, sc.drill.start)


def duty_line(sc: Scenario, aid: str, t: float, inj: Inject | None = None,
              reach: Reach | None = None) -> str:
    """One recipient's local time at drill minute ``t`` and whether it is on duty (the
    MSEL's "local" column and the controller's handout), as ``drill explain`` words it:
    off duty, the holiday that keeps it off, and who takes inject ``inj`` out of hours
    (the duty desk on a channel answered around the clock, or the on-call officer).
    ``reach`` is the scenario's, made once for many lines."""
    from sim.authoring.lint import Reach
    from sim.engine.clock import scenario_shift

    local = scenario_shift(sc, aid).local(t)
    reach = reach if reach is not None else Reach(sc)
    return f"{aid}: {local:%a %d %b %H:%M} {local:%Z}, {reach.duty(aid, t, inj)}"


def _at_text(sc: Scenario, inj: Inject) -> str:
    minute = _minute(sc, inj)
    if minute is None or inj.at is None:
        return ""
    # the scenario's own wording when it is already the T+ form or not a whole minute
    return format_drill_time(minute) if minute == round(minute) else inj.at


def _clock(sc: Scenario, minute: float | None) -> datetime | None:
    """The moment on the drill clock as a facilitator reads it: its wall-clock date and
    time, without a UTC offset. In the hour that comes twice when the clock's zone
    leaves summer time, the import tells the two apart by the drill time."""
    if minute is None:
        return None
    zone = ZoneInfo(sc.drill.clock_timezone)
    return (sc.drill.start + timedelta(minutes=minute)).astimezone(zone).replace(tzinfo=None)


def _clock_format(moment: datetime) -> str:
    """How a drill clock is written: to the minute, or to the second when it has any."""
    return "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"


#: what fires a contingency inject, in words, by the expectation field naming it
_FIRED = {"missed": "{e} is missed", "met": "{e} is met", "late": "{e} is met late",
          "lost": "a message for {e} is lost"}


def trigger_text(sc: Scenario, inj: Inject) -> str:
    """What fires a contingency inject, one line per expectation that names it ("" for
    any other inject)."""
    if inj.type != "contingency":
        return ""
    lines = [f"{format_duration(inj.delay)} after " + _FIRED[how].format(e=e.id)
             + (f": {e.description}" if e.description else "")
             for e in sc.expectations for how, iid in e.contingencies().items()
             if iid == inj.id]
    return "\n".join(lines) or "no expectation names it"


def flow_text(value: Any) -> str:
    """``value`` as one line of YAML flow text: ``{missed: [E2]}``."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False,
                          allow_unicode=True, width=10**6)
    return str(text).strip().removesuffix("...").strip()


def _after_action_text(inj: Inject) -> str:
    if inj.after_action is None:
        return ""
    given = inj.after_action.model_dump(exclude_unset=True)
    # the common case, only the action, reads as the bare verb
    return str(given["action"]) if list(given) == ["action"] else flow_text(given)


def _artefacts(inj: Inject, raw: Any) -> list[str]:
    """One line per artefact: a bare name, or a file as YAML flow text as written."""
    given = raw.get("artefacts") if isinstance(raw, dict) else None
    out = []
    for j, art in enumerate(inj.artefacts):
        if isinstance(art, str):
            # a name starting with a brace would read back as a file in flow text
            out.append(_line_item(art, flow=True))
            continue
        src = given[j] if isinstance(given, list) and j < len(given) else None
        out.append(flow_text(src if isinstance(src, dict) else art.model_dump(
            exclude_unset=True, exclude={"size", "content"})))
    return out


def _recipients(inj: Inject, raw: Any) -> list[str]:
    """The recipients as the scenario writes them: team names stay names."""
    to = raw.get("to") if isinstance(raw, dict) else None
    if isinstance(to, str):
        return [to]
    if isinstance(to, list) and to and all(isinstance(t, str) for t in to):
        return to
    return inj.to


#: a list given as empty (``hosted_in: []``), which differs from one not given
EMPTY_LIST = "[]"


def _list_text(values: list[str] | None) -> str:
    """A list the inject gives: comma-separated, or :data:`EMPTY_LIST` when empty."""
    if values is None:
        return ""
    return ", ".join(values) if values else EMPTY_LIST


#: the characters ``str.splitlines`` breaks a cell's text at
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _line_item(item: str, flow: bool = False) -> str:
    """One item of a one-per-line list (Expected player actions, Artefacts) as its line
    in the cell: as it is, or, when the line would not read back as the same item (an
    empty item, spaces at either end, a line break inside, text starting with a double
    quote, or, with ``flow``, with a brace, which reads as YAML flow text), as a JSON
    string in double quotes, ``"Escalate, then notify:\\n- LaoCERT"``, which
    :func:`_line_value` reads back."""
    if item and item == item.strip() and not item.startswith('"') \
            and not (flow and item.startswith("{")) and not any(c in _BREAKS for c in item):
        return item
    text = json.dumps(item, ensure_ascii=False)  # escapes \n, \r, \v, \f, \x1c-\x1e
    return text.translate({ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"})


def _line_value(line: str) -> str:
    """A line of a one-per-line list cell as its item: a JSON string in double quotes
    (as :func:`_line_item` writes it) is read as that string, any other line as typed."""
    if len(line) >= 2 and line.startswith('"') and line.endswith('"'):
        try:
            value = json.loads(line)
        except ValueError:
            return line
        if isinstance(value, str):
            return value
    return line


def export_rows(loaded: LoadedScenario) -> list[dict[str, Any]]:
    """One dict per inject, keyed by the fields of :data:`COLUMNS`."""
    from sim.authoring.lint import Reach

    sc = loaded.scenario
    raw = loaded.source.data.get("injects") if isinstance(loaded.source.data, dict) else None
    reach = Reach(sc)
    rows = []
    for i, inj in enumerate(sc.injects):
        given = inj.model_fields_set
        inc = inj.incident
        inc_given = inc.model_fields_set
        minute = _minute(sc, inj)
        src_inj = raw[i] if isinstance(raw, list) and i < len(raw) else None
        delay = ""
        if "delay" in given:
            src = src_inj.get("delay") if isinstance(src_inj, dict) else None
            delay = src if isinstance(src, str) else format_duration(inj.delay)
        row: dict[str, Any] = {
            "id": inj.id,
            "at": _at_text(sc, inj),
            "clock": _clock(sc, minute),
            "local": "\n".join(duty_line(sc, to, minute, inj, reach) for to in inj.to)
            if minute is not None else "",
            "sender": inj.sender,
            "to": ", ".join(_recipients(inj, src_inj)),
            "via": inj.via,
            "type": inj.type,
            "tlp": inj.tlp,
            "title": inj.title,
            "text": inj.text,
            "artefacts": "\n".join(_artefacts(inj, src_inj)),
            "expected_actions": "\n".join(_line_item(a) for a in inj.expected_actions),
            "objective": inj.objective or "",
            "trigger": trigger_text(sc, inj),
            "delay": delay,
            "after_action": _after_action_text(inj),
            "when": flow_text(inj.when.model_dump(exclude_unset=True)) if inj.when else "",
            "incident": inc.id,
            "incident_type": inc.type if "type" in inc_given and inc.type else "",
            "incident_title": inc.title if "title" in inc_given and inc.title else "",
            "severity": inc.severity if "severity" in inc_given and inc.severity else "",
            "affected": _list_text(inc.affected) if "affected" in inc_given else "",
            "hosted_in": _list_text(inc.hosted_in) if "hosted_in" in inc_given else "",
            "crime_suspected": ("yes" if inc.crime_suspected else "no")
            if "crime_suspected" in inc_given and inc.crime_suspected is not None else "",
            "facts_tlp": inj.facts_tlp or "",
            "controller": inj.controller,
            "notes": inj.notes,
        }
        rows.append(row)
    return rows


def _clock_header(sc: Scenario) -> str:
    return f"{HEADERS['clock']} ({sc.drill.clock_timezone})"


#: a cell starting with one of these would be taken for a formula by a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet program runs as a formula.

    Each control character is written as a workbook writes it, ``_x0000_`` (see
    :func:`xlsx_escape`), so that the file is text that :func:`read_table` reads back
    exactly. Text starting with ``= + - @``, a tab or a carriage return (and, so that
    the escape can be undone, a quote mark) gets a leading ``'``, which
    :func:`read_table` removes again.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(_clock_format(value))
    text = xlsx_escape(str(value))
    if text.startswith((*FORMULA_START, "'")):
        return "'" + text
    return text


def csv_text(loaded: LoadedScenario) -> str:
    sc = loaded.scenario
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_clock_header(sc) if k == "clock" else h for k, h in COLUMNS])
    for row in export_rows(loaded):
        writer.writerow([csv_cell(row[k]) for k, _ in COLUMNS])
    return out.getvalue()


#: characters an XLSX file cannot hold as they are: those XML does not allow (control
#: characters but tab and line feed, lone surrogates, U+FFFE and U+FFFF), and the carriage
#: return, as Excel writes it
_UNSTORABLE = "[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]"
#: how a workbook writes such a character: ``_x000B_`` (the OOXML escape)
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")
#: what :func:`xlsx_escape` replaces: an unstorable character, or the ``_`` of text that
#: would read as an escape (followed by ``x`` and four hex digits, then ``_`` or a
#: character whose escape begins with ``_``)
_TO_ESCAPE = re.compile(f"{_UNSTORABLE}|_(?=x[0-9A-Fa-f]{{4}}(?:_|{_UNSTORABLE}))")


def xlsx_escape(text: str) -> str:
    """``text`` as a workbook stores it: each control character as ``_x000B_``, and the
    ``_`` of text that would read as such an escape as ``_x005F_``, as Excel writes them.
    :func:`xlsx_unescape` gives back exactly ``text``."""
    return _TO_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def xlsx_unescape(text: str) -> str:
    """The text a workbook's cell holds, its ``_x000B_`` escapes read as Excel reads them."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


#: the most characters an Excel cell holds (openpyxl cuts longer text short)
CELL_LIMIT = 32767


def stored_length(text: str) -> int:
    """How many characters a workbook cell holding ``text`` stores, as Excel counts them:
    each ``_x000B_`` escape in full, and a character beyond U+FFFF as two."""
    return len(xlsx_escape(text).encode("utf-16-le")) // 2


def _text_cell(cell: Any, value: Any) -> None:
    """Store ``value`` as text, never as a formula, whatever it starts with."""
    if isinstance(value, str):
        cell.value = xlsx_escape(value)
        cell.data_type = "s"
    else:
        cell.value = value


#: how a cell looks: (bold, font colour, fill colour, number format); every cell's text
#: is wrapped and set at the top
_Look = tuple[bool, str | None, str | None, str]
_HEAD: _Look = (True, None, "D9D9D9", "General")
_BODY: _Look = (False, None, None, "General")


class _Looks:
    """The looks of a workbook's cells, each made once: the first cell given a look gets
    its font, fill, alignment and number format one by one, and every later cell with
    that look is made with a copy of that cell's style. (Styling each of the many
    thousand cells of a large MSEL afresh takes seconds.)"""

    def __init__(self) -> None:
        from openpyxl.cell import Cell

        self._new = Cell
        self._made: dict[_Look, Any] = {}

    def cell(self, ws: Any, value: Any, look: _Look) -> Any:
        """A new cell for ``ws`` holding ``value`` (text as text, see :func:`_text_cell`;
        empty for ``None`` and ``""``) with ``look``, for ``ws.append``."""
        made = self._made.get(look)
        cell = self._new(ws, style_array=made)
        if value is not None and value != "":
            _text_cell(cell, value)  # before the look: a date's value sets its format
        if made is None:
            from openpyxl.styles import Alignment, Font, PatternFill

            bold, color, fill, number_format = look
            if bold:
                cell.font = Font(bold=True, color=color)
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if number_format != "General":
                cell.number_format = number_format
            self._made[look] = copy.copy(cell._style)
        return cell


def _msel_looks() -> Callable[[list[Any]], list[_Look]]:
    """The look of each cell of an MSEL row, by its values: tinted by its TLP label, the
    TLP cell in its colour on black, the drill clock to the minute or to the second."""
    keys = [k for k, _ in COLUMNS]
    clock, tlp = keys.index("clock"), keys.index("tlp")
    made: dict[tuple[Any, bool], list[_Look]] = {}

    def looks(values: list[Any]) -> list[_Look]:
        label = values[tlp]
        moment = values[clock]
        to_second = isinstance(moment, datetime) and ":%S" in _clock_format(moment)
        row = made.get((label, to_second))
        if row is None:
            tint = TLP_TINT.get(label)
            row = [(False, None, tint, "General")] * len(keys)
            row[clock] = (False, None, tint,
                          "yyyy-mm-dd hh:mm:ss" if to_second else "yyyy-mm-dd hh:mm")
            row[tlp] = (True, TLP_FILL.get(label, "FFFFFF"), "000000", "General")
            made[(label, to_second)] = row
        return row

    return looks


def msel_tlp(sc: Scenario) -> str:
    """The label the exported MSEL carries, as ``drill report`` labels the drill: the
    scenario's ``drill.tlp`` raised to the most restrictive label of any inject
    (``TLP:RED`` when one inject is RED), since the MSEL holds every inject whole."""
    from sim.analysis.report import drill_tlp

    return drill_tlp(sc)


def _mark(wb: Any, label: str) -> None:
    """The workbook's own properties name its label: its keywords, and a custom "TLP"
    property that document-classification tools read."""
    from openpyxl.packaging.custom import StringProperty

    wb.properties.keywords = label
    wb.custom_doc_props.append(StringProperty(name="TLP", value=label))


def xlsx_bytes(loaded: LoadedScenario) -> bytes:
    """The MSEL workbook: the MSEL sheet, the actors' directory and the expectations.

    Raises :class:`MselError`, one line per cell, when text is longer than an Excel
    cell holds (:data:`CELL_LIMIT` characters, its escapes counted): a workbook would
    keep only its beginning."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sc = loaded.scenario
    label = f"TLP:{msel_tlp(sc)}"
    wb = Workbook()
    wb.properties.creator = "acid-drill"
    wb.properties.title = xlsx_escape(f"MSEL: {sc.drill.title}")
    _mark(wb, label)
    # a fixed date keeps the same scenario's export the same file
    stamp = sc.drill.start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = stamp
    looks = _Looks()

    #: cells Excel could not hold whole, one line each
    too_long: list[str] = []

    def sheet(ws: Any, headers: list[str], rows: Iterable[list[Any]], widths: list[int],
              what: str, row_looks: Callable[[list[Any]], list[_Look]] | None = None
              ) -> None:
        ws.append([looks.cell(ws, h, _HEAD) for h in headers])
        for values in rows:
            row_look = row_looks(values) if row_looks else None
            cells: list[Any] = []
            for c, v in enumerate(values, 1):
                # a character is at most seven escaped: only longer text can be too long
                if isinstance(v, str) and len(v) > CELL_LIMIT // 7 \
                        and (n := stored_length(v)) > CELL_LIMIT:
                    too_long.append(
                        f"{loaded.path}: {what} {values[0]!r}: {headers[c - 1]} is {n:,} "
                        f"characters as a workbook stores it, more than the {CELL_LIMIT:,} an "
                        "Excel cell holds; export as .csv, or shorten it")
                    cells.append(None)
                    continue
                cells.append(looks.cell(ws, v, row_look[c - 1] if row_look else _BODY))
            ws.append(cells)
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w
        # every printed page, of every sheet, carries the label at its top and bottom
        for part in (ws.oddHeader, ws.oddFooter):
            part.center.text = label
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions

    ws = wb.active
    ws.title = SHEET
    sheet(ws, [_clock_header(sc) if k == "clock" else h for k, h in COLUMNS],
          ([row[k] for k, _ in COLUMNS] for row in export_rows(loaded)),
          [WIDTHS.get(k, 14) for k, _ in COLUMNS], "inject", _msel_looks())
    actors = wb.create_sheet("Actors")
    sheet(actors, ["Id", "Name", "Kind", "Country", "Time zone", "Hours", "Points of contact"],
          (_actor_row(sc, aid) for aid in sc.actors), [14, 34, 18, 8, 20, 22, 60], "actor")
    exp = wb.create_sheet("Expectations")
    sheet(exp, ["Id", "Description", "Actors", "Action", "Target", "Incident", "After",
                "Within", "Score", "Objective", "Contingency"],
          ([e.id, e.description, ", ".join(e.actors) + (" (all)" if e.require == "all" else ""),
            e.action, e.target or "", e.incident, e.after, format_duration(e.within),
            e.score, e.objective or "", e.contingency or ""] for e in sc.expectations),
          [6, 60, 24, 18, 14, 14, 10, 10, 7, 10, 12], "expectation")
    if too_long:
        raise MselError(too_long)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _actor_row(sc: Scenario, aid: str) -> list[Any]:
    from sim.authoring.explain import hours_in_words

    a = sc.actors[aid]
    hours = hours_in_words(a, sep=",")
    contacts = "\n".join(
        f"{ch}: {c.address}{' (STALE)' if c.stale else ''}{f' ({c.note})' if c.note else ''}"
        for ch, c in a.contacts.items())
    return [aid, a.name, a.kind, a.country or "", a.timezone, hours, contacts]


# --- reading a sheet -------------------------------------------------------------


def _letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Table:
    """The cells of one sheet: rows of {column number: value}, 1-based."""

    name: str  # the file name as the user gave it
    sheet: str | None  # None for CSV
    rows: dict[int, dict[int, Any]] = field(default_factory=dict)
    #: cells holding a formula without a saved result
    blank_formulas: set[tuple[int, int]] = field(default_factory=set)
    #: cells holding an error value, the saved result of a failed formula: {cell: error}
    errors: dict[tuple[int, int], str] = field(default_factory=dict)

    def ref(self, row: int, col: int | None = None) -> str:
        cell = f"{_letter(col)}{row}" if col else f"{row}"
        if self.sheet is None:
            return f"{self.name}:{cell}"
        return f"{self.name}:{self.sheet}!{cell}"


def read_table(path: str | Path, encoding: str | None = None) -> Table:
    """Read an XLSX or CSV file; raises :class:`MselError` for a file it cannot use."""
    from sim.safe.files import Unreadable, read_bounded

    path = Path(path)
    try:
        data = read_bounded(path, MAX_BYTES, what="spreadsheet")
    except Unreadable as exc:
        raise MselError([str(exc)]) from None
    name = str(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise MselError([f"{name}: is encrypted (password-protected) or an old .xls workbook; "
                         "save it without a password as .xlsx or .csv"])
    if data.startswith(b"PK"):
        return _read_xlsx(data, name)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise MselError([f"{name}: is not an XLSX workbook"])
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise MselError([f"{name}: is not a spreadsheet (neither XLSX nor CSV text)"])
    return _read_csv(data, name, encoding)


def _read_xlsx(data: bytes, name: str) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise MselError([f"{name}: is not an XLSX workbook (a damaged zip file)"]) from None
    if unpacked > MAX_UNPACKED:
        raise MselError([f"{name}: unpacks to {unpacked:,} bytes; a workbook over "
                         f"{MAX_UNPACKED:,} bytes unpacked is refused"])
    if "EncryptedPackage" in names or "xl/workbook.xml" not in names:
        raise MselError([f"{name}: is not an XLSX workbook (no xl/workbook.xml)"])
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            values, parts = _load_workbook(data)
            sheets = values.worksheets
            if not sheets:
                raise MselError([f"{name}: has no worksheet"])
            ws = next((s for s in sheets if s.title.strip().lower() == SHEET.lower()),
                      sheets[0])
            unsaved = _unsaved_formulas(data, parts.get(ws.title))
    except MselError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged part
        raise MselError([f"{name}: cannot be read as an XLSX workbook (damaged or not a "
                         "spreadsheet)"]) from None
    table = Table(name, ws.title)
    if ws.max_row > MAX_RAW_ROWS or ws.max_column > MAX_COLUMNS:
        raise MselError([f"{table.ref(1)}: the sheet runs to row {ws.max_row:,} and column "
                         f"{ws.max_column}; a sheet of at most {MAX_RAW_ROWS:,} rows and "
                         f"{MAX_COLUMNS} columns is read"])
    # the cells the sheet holds (openpyxl keeps them in _cells), not every cell of the
    # rectangle they span, which iter_rows would make; a cell only formatted holds no value
    for (r, c), cell in sorted(ws._cells.items()):
        if cell.data_type == "e":
            table.errors[(r, c)] = _error_value(cell.value)
        if cell.value is not None and cell.value != "":
            table.rows.setdefault(r, {})[c] = xlsx_unescape(cell.value) \
                if isinstance(cell.value, str) else cell.value
    # a merged range holds its value in the top-left cell: give it to every cell
    for rng in ws.merged_cells.ranges:
        top = table.rows.get(rng.min_row, {}).get(rng.min_col)
        if top is None:
            continue
        error = table.errors.get((rng.min_row, rng.min_col))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                table.rows.setdefault(r, {})[c] = top
                if error is not None:
                    table.errors[(r, c)] = error
    # a formula without a saved result, unless a merged cell above gives it a value
    table.blank_formulas = {(r, c) for r, c in unsaved if table.rows.get(r, {}).get(c) is None}
    _check_content_rows(table, sum(map(_has_content, table.rows.values())))
    return table


def _has_content(cells: dict[int, Any]) -> bool:
    """Whether a row holds a value other than spaces."""
    return any(not isinstance(v, str) or v.strip() for v in cells.values())


def _check_content_rows(table: Table, count: int) -> None:
    """Refuse a sheet with more than :data:`MAX_CONTENT_ROWS` rows holding a value."""
    if count > MAX_CONTENT_ROWS:
        raise MselError([f"{table.ref(1)}: the sheet has more than {MAX_CONTENT_ROWS:,} rows "
                         f"with content; an MSEL of at most {MAX_ROWS:,} injects is read"])


def _load_workbook(data: bytes) -> tuple[Any, dict[str, str]]:
    """The workbook with the saved results of its formulas, and {sheet title: the part
    of the zip holding it}.

    Its text is as the cells store it, escapes and all, shared strings (the way Excel
    and LibreOffice save text) as much as inline ones: openpyxl would take ``x005F_``
    out of a shared string, so that :func:`xlsx_unescape` read ``_x005F_x0041_``,
    stored for the text ``_x0041_``, as ``A``."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    class Reader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            tag = f"{{{SHEET_MAIN_NS}}}si"
            with self.archive.open(part.PartName[1:]) as src:
                for _, node in iterparse(src):
                    if node.tag == tag:
                        self.shared_strings.append(Text.from_tree(node).content)
                        node.clear()

    reader = Reader(io.BytesIO(data), data_only=True)
    reader.read()
    parts = {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()}
    return reader.wb, parts


def _unsaved_formulas(data: bytes, part: str | None) -> set[tuple[int, int]]:
    """The cells (row, column) of a worksheet part that hold a formula without a saved
    result: no value at all, or an empty one that is not text. (openpyxl reads a
    formula's missing result and its saved empty text alike, as no value.)"""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    out: set[tuple[int, int]] = set()
    if part is None:
        return out
    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
    formula_tag, value_tag = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
    row = col = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        with zf.open(part) as src:
            if not _may_hold_formulas(src):
                return out  # as an export is: the cells need not be read again
        with zf.open(part) as src:
            # rows and cells without their r="" are numbered on from the one before, as
            # openpyxl numbers them
            for event, node in iterparse(src, events=("start", "end")):
                if event == "start":
                    if node.tag == row_tag:
                        row = int(node.get("r") or row + 1)
                        col = 0
                    continue
                if node.tag == row_tag:
                    node.clear()
                elif node.tag == cell_tag:
                    at = node.get("r")
                    row_at, col = coordinate_to_tuple(at) if at else (row, col + 1)
                    if node.find(formula_tag) is None:
                        continue
                    value = node.find(value_tag)
                    if value is None or (not value.text and node.get("t") != "str"):
                        out.add((row_at, col))
    return out


#: an element named ``f`` (a formula), whatever its namespace prefix, in a part's bytes
_FORMULA_TAG = re.compile(rb"[<:]f[\s/>]")


def _may_hold_formulas(src: Any) -> bool:
    """Whether a UTF-8 worksheet part read from ``src`` may hold a formula (a part in
    another encoding always may): a quick look through its bytes."""
    tail = b""
    first = True
    while chunk := src.read(1 << 20):
        if first and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in chunk[:64]):
            return True
        first = False
        if _FORMULA_TAG.search(tail + chunk):
            return True
        tail = chunk[-2:]
    return False


#: the error values a spreadsheet saves as a formula's result
_ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
           "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
           "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!")


def _error_value(value: Any) -> str:
    """An error cell's value, named only when it is one of the known error values."""
    text = str(value).strip().upper()
    return text if text in _ERRORS else "an error value"


def _read_csv(data: bytes, name: str, encoding: str | None) -> Table:
    text = None
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise MselError([f"--encoding: unknown encoding {encoding!r}"]) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise MselError([f"{name}:{line}: is not {encoding} text"]) from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise MselError([f"{name}: is not UTF-16 text, though it starts like it"]) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise MselError([
                f"{name}:{line}: is not UTF-8 text; save it as 'CSV UTF-8', or name its "
                "encoding with --encoding (e.g. cp1252, cp874 for Thai, utf-16)"]) from None
    text = text.lstrip("\ufeff")
    table = Table(name, None)
    # a cell may be as long as the file: the csv module's own limit (131,072
    # characters) would refuse a long inject text that the export wrote
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        delimiter = _csv_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for r, row in enumerate(reader, 1):
            if r > MAX_RAW_ROWS or len(row) > MAX_COLUMNS:
                raise MselError([f"{table.ref(r)}: too large; a CSV of at most "
                                 f"{MAX_RAW_ROWS:,} rows and {MAX_COLUMNS} columns is read"])
            cells = _csv_cells(row)
            if _has_content(cells):
                table.rows[r] = cells
                _check_content_rows(table, len(table.rows))
    except csv.Error as exc:
        raise MselError([f"{name}: not CSV: {exc}"]) from None
    finally:
        csv.field_size_limit(limit)
    return table


def _csv_cells(row: list[str]) -> dict[int, str]:
    """A CSV record's cells, {column: value}: the ``'`` the export puts before text a
    spreadsheet would take for a formula removed, ``_x0000_`` escapes read, empty cells
    left out (a cell of spaces is kept: a Title or Text may be only spaces)."""
    cells = {}
    for c, v in enumerate(row, 1):
        if v.startswith("'") and v[1:].startswith((*FORMULA_START, "'")):
            v = v[1:]
        v = xlsx_unescape(v)  # the export's _x0000_, as in a workbook
        if v:
            cells[c] = v
    return cells


#: the separators a CSV's cells may be separated by, the first preferred
_DELIMITERS = (",", ";", "\t")


def _csv_delimiter(text: str) -> str:
    """The separator of a CSV's cells: the one with which a record among the first ten
    that are not empty (those that may be the header row, see :func:`_find_header`)
    names the most known columns; when none names two (headers mapped with
    ``--columns``), the one that splits such a record into the most cells. A line
    above the header (a title, a TLP marking, a blank line) does not decide it."""
    known = _known_headers()

    def score(delimiter: str) -> tuple[int, int]:
        named = cells = 0
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        seen = 0
        try:
            for n, row in enumerate(reader, 1):
                if n > MAX_RAW_ROWS:
                    break
                values = [v for v in _csv_cells(row).values() if v.strip()]
                if not values:
                    continue
                named = max(named, sum(_norm(v) in known for v in values))
                cells = max(cells, len(values))
                seen += 1
                if seen == 10:
                    break
        except csv.Error:
            return (-1, -1)
        return (named if named >= 2 else 0, cells)

    return max(_DELIMITERS, key=score)


# --- columns ---------------------------------------------------------------------


#: the ways a header says "number" at its end: "No.", "Nr", "Number", "#" ("Inject #")
_NUMBER = re.compile(r"(?:(?:^|\s)(?:no\.?|nr\.?|num\.?|number)|\s*#)$")


def _norm(header: Any) -> str:
    text = str(header).strip().lower()
    text = re.sub(r"\s*\(.*\)$", "", text)  # "Drill clock (Asia/Singapore)"
    text = re.sub(r"\s+", " ", text).rstrip(":*").strip()
    # "Inject #", "Inject No." and "inject number" are one header: "inject no"
    return _NUMBER.sub(" no", text).strip()


def parse_column_map(spec: str | None) -> dict[str, str]:
    """``'Time=at,Message=text'`` as {normalised header: field}."""
    out: dict[str, str] = {}
    if not spec:
        return out
    problems = []
    for part in spec.split(","):
        if not part.strip():
            continue
        header, sep, key = part.rpartition("=")
        key = key.strip()
        if not sep or not header.strip():
            problems.append(f"--columns: {part.strip()!r} is not HEADER=FIELD")
            continue
        if key not in FIELDS:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; fields: {', '.join(FIELDS)}"
            problems.append(f"--columns: unknown field {key!r}{hint}")
            continue
        out[_norm(header)] = key
    if problems:
        raise MselError(problems)
    return out


def _known_headers() -> dict[str, str]:
    known = {_norm(alias): key for alias, key in ALIASES.items()}
    for key, header in COLUMNS:
        known[_norm(header)] = key
        known[key] = key
    return known


def _find_header(table: Table, mapping: dict[str, str]) -> tuple[int, dict[int, str], list[str]]:
    """(header row, {column: field}, notes) for the first row that names known columns."""
    known = {**_known_headers(), **mapping}
    best: tuple[int, dict[int, str]] | None = None
    for r in sorted(table.rows)[:10]:
        cols = {c: known[_norm(v)] for c, v in table.rows[r].items()
                if isinstance(v, str) and _norm(v) in known}
        if len(cols) >= 2 and (best is None or len(cols) > len(best[1])):
            best = (r, cols)
            if len(cols) >= 4:
                break
    if best is None:
        raise MselError([f"{table.ref(1)}: found no header row naming the MSEL columns "
                         f"({', '.join(h for _, h in COLUMNS[:3])}, ...); name them with "
                         "--columns 'Header=field,...'"])
    row, cols = best
    problems = []
    seen: dict[str, int] = {}
    for c, key in sorted(cols.items()):
        if key in seen:
            problems.append(f"{table.ref(row, c)}: a second column for {key!r} "
                            f"(the first is {_letter(seen[key])}{row})")
        seen[key] = c
    missing = [k for k in REQUIRED if k not in seen]
    if "at" not in seen and "clock" not in seen:
        missing.insert(1, "at")
    for key in missing:
        problems.append(f"{table.ref(row)}: no column for {key!r} ({HEADERS[key]}); name it "
                        f"with --columns 'Header={key}'")
    unmapped = {_norm(h) for h in mapping} - {_norm(v) for v in table.rows[row].values()}
    for h in sorted(unmapped):
        problems.append(f"--columns: the header row {table.ref(row)} has no column {h!r}")
    if problems:
        raise MselError(problems)
    notes = [f"{table.ref(row, c)}: column {str(v).strip()!r} is not read"
             for c, v in sorted(table.rows[row].items()) if c not in cols and str(v).strip()]
    return row, cols, notes


# --- cell values -----------------------------------------------------------------


class _Bad(ValueError):
    pass


def _as_text(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time | timedelta):
        raise _Bad(f"is a date or time; {HEADERS[key]} takes text")
    text = str(value)
    return text if key in FREE_TEXT else text.strip()


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[,;\s]+", text) if p]


def _recipient_cell(text: str, actor_names: dict[str, str], ids: set[str]) -> list[str]:
    """A Recipients cell: actors by id or by name, teams by name, separated by commas,
    semicolons or line breaks. A name may hold spaces; ids may also be separated by
    spaces (``singcert mycert``)."""
    whole = text.strip().lower()
    if whole in actor_names:  # one name, even one with a comma in it
        return [actor_names[whole]]
    out: list[str] = []
    for item in re.split(r"[,;\r\n]+", text):
        item = item.strip()
        if not item:
            continue
        words = item.split()
        if item.lower() in actor_names:
            out.append(actor_names[item.lower()])
        elif len(words) > 1 and all(w in ids or w.lower() in actor_names for w in words):
            out.extend(actor_names.get(w.lower(), w) for w in words)
        else:
            out.append(item)  # unknown as a whole: reported as it was typed
    return out


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _flow(text: str, key: str) -> Any:
    """A cell of YAML flow text (``{missed: [E2]}``); a bare verb for After action.

    The cell is read as a scenario file is (:func:`scenarios.yamlsrc.read_yaml_text`):
    with the YAML 1.2 core schema, and within the same bounds, so that aliases that
    multiply (a "billion laughs" cell of a few hundred characters) are refused at once."""
    from scenarios.yamlsrc import YamlProblem, read_yaml_text

    example = {"after_action": "{action: request_takedown, by: [mycert]}",
               "artefacts": "{file: evidence/note.txt}"}.get(key, "{missed: [E2]}")
    try:
        value = read_yaml_text(text, HEADERS[key]).data
    except YamlProblem as exc:
        if exc.message.startswith("invalid YAML") or "one YAML document" in exc.message:
            mark = exc.mark
            where = f" at character {mark.col}" if mark is not None and mark.line == 1 else ""
            raise _Bad(f"is not YAML flow text{where}; write it like {example}") from None
        # aliases that multiply, nesting too deep, a tag: said as for a scenario file
        raise _Bad(exc.message) from None
    if key == "after_action" and isinstance(value, str):
        return {"action": value}
    if not isinstance(value, dict):
        raise _Bad(f"{HEADERS[key]} takes a mapping; write it like {example}")
    return value


_HHMM = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
_DAY_HHMM = re.compile(r"^(?:T\+)?(\d+)d\s*(\d{1,2}):([0-5]\d)$", re.I)
#: an Excel serial date written as text (``46279.5``)
_SERIAL = re.compile(r"\d+(?:\.\d+)?")


def _excel_date(serial: float) -> datetime:
    if not 1 <= serial < 2958466:
        raise _Bad(f"{serial} is not an Excel date")
    return datetime(1899, 12, 30) + timedelta(days=serial)


def _from_clock(sc: Scenario, moment: datetime) -> float:
    return _clock_choices(sc, moment)[0]


def _clock_choices(sc: Scenario, moment: datetime) -> tuple[float, ...]:
    """The drill minutes a moment on the drill clock can be: one, or, for a wall-clock
    time without a UTC offset that comes twice (the clock's zone leaving summer time),
    both, the first first."""
    if moment.tzinfo is not None:
        return ((moment - sc.drill.start) / timedelta(minutes=1),)
    zone = ZoneInfo(sc.drill.clock_timezone)
    utc = ZoneInfo("UTC")
    out: list[float] = []
    for fold in (0, 1):
        aware = moment.replace(tzinfo=zone, fold=fold)
        # a time that never shows on the clock (summer time starting) is read as before:
        # with the offset of the hour before the change
        if out and aware.astimezone(utc).astimezone(zone).replace(tzinfo=None) != moment:
            continue
        minute = (aware - sc.drill.start) / timedelta(minutes=1)
        if minute not in out:
            out.append(minute)
    return tuple(sorted(out))


def _first_day_choices(sc: Scenario, t: time) -> tuple[float, ...]:
    zone = ZoneInfo(sc.drill.clock_timezone)
    day = sc.drill.start.astimezone(zone).date()
    return _clock_choices(sc, datetime.combine(day, t))


def _bare_number(typed: str, in_cell: bool = False) -> _Bad:
    """The problem with a bare number in the Drill time column (``3``, ``0.5``): it says
    neither hours, nor days, nor a date, so the cell is refused with what to write
    instead. ``in_cell``: a workbook's number, which a time format would make a time
    (Excel keeps a time as a fraction of a day)."""
    hours = float(typed)
    example = format_drill_time(hours * 60) if hours.is_integer() and 1 <= hours < 24 \
        else "T+01:30"
    as_time = f", or format the cell as a time ([h]:mm) to read it as a fraction of a " \
        f"day ({_say(hours * 1440)})" if in_cell and 0 < hours < 1 else ""
    return _Bad(f"{typed} is a bare number; write a drill time such as {example} or a date "
                f"and time{as_time}")


def _bare_clock(sc: Scenario, typed: str, in_cell: bool = False) -> _Bad:
    """The problem with a number below 1 on the Drill clock (``0.5``): it is no date, and
    a time of day only in a cell formatted as a time."""
    moment = _clock(sc, 30)
    assert moment is not None
    as_time = ", or format the cell as a time (hh:mm)" if in_cell else ""
    return _Bad(f"{typed} is a bare number; write a date and time such as "
                f"{moment:%Y-%m-%d %H:%M} or a time of day such as "
                f"{moment.hour}:{moment.minute:02d}{as_time}")


def _elapsed(sc: Scenario, value: Any) -> float:
    """A ``Drill time`` cell: time since the start (``T+01:30``, ``1:30``, ``1d02:00``),
    a spreadsheet time or duration, or a moment (a date-time cell, an ISO date-time) on
    the drill clock. A workbook cell is a time, a duration or a date-time by its number
    format (openpyxl reads it so); a bare number (``3``, or ``0.5`` in a General cell)
    says no unit and is refused."""
    if isinstance(value, datetime):
        return _from_clock(sc, value)
    if isinstance(value, timedelta):
        return value / timedelta(minutes=1)
    if isinstance(value, time):
        # to the microsecond: a spreadsheet keeps a time as a fraction of a day, and 0:30
        # may come back as 00:29:59.997, which :func:`_whole_second` rounds to 0:30
        return (value.hour * 3600 + value.minute * 60 + value.second
                + value.microsecond / 1e6) / 60
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _bare_number(_typed(value), in_cell=True)
    text = str(value).strip()
    if _SERIAL.fullmatch(text):
        raise _bare_number(text)
    if m := _HHMM.match(text):
        return int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3) or 0) / 60
    if m := _DAY_HHMM.match(text):
        return int(m.group(1)) * 1440 + int(m.group(2)) * 60 + int(m.group(3))
    try:
        return parse_drill_time(text, sc.drill.start)
    except ValueError as exc:
        if "no UTC offset" in str(exc):
            return _moment(sc, text)
        raise _Bad(f"{text!r} is not a drill time; write 'T+01:30', '1:30' or 'T+1d02:00'") \
            from None


def _moment(sc: Scenario, value: Any) -> float:
    """A ``Drill clock`` cell: a date and time on the drill clock, or a time of day on
    the drill's first day (``9:30``)."""
    return _moments(sc, value)[0]


def _moments(sc: Scenario, value: Any) -> tuple[float, ...]:
    """The drill minutes a ``Drill clock`` cell can be, the first first: two for a time
    in the hour that comes twice when the clock's zone leaves summer time. A bare number
    is an Excel serial date (a date cell that lost its format); one below 1 is no date
    and is refused: a workbook cell formatted as a time is read as a time of day."""
    if isinstance(value, datetime):
        return _clock_choices(sc, value)
    if isinstance(value, time):
        return _first_day_choices(sc, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 1:
            raise _bare_clock(sc, _typed(value), in_cell=True)
        return _clock_choices(sc, _excel_date(value))
    text = str(value).strip()
    if _SERIAL.fullmatch(text):  # an Excel serial date, as a CSV cell holds it
        if float(text) < 1:
            raise _bare_clock(sc, text)
        return _moments(sc, float(text))
    if m := _HHMM.match(text):
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hour > 23:
            raise _Bad(f"{text!r} is not a time of day")
        return _first_day_choices(sc, time(hour, minute, second))
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise _Bad(f"{text!r} is not a date and time; write '2026-03-10 09:30' or '9:30'") \
            from None
    return _clock_choices(sc, moment)


def _whole_second(minute: float) -> float:
    """A drill time read from a cell, to the second: a time given to the second (as the
    export writes an inject timed to the second) is kept; a fraction of a second, other
    than a spreadsheet's rounding, is refused."""
    if not math.isfinite(minute):
        raise _Bad("is not a time")
    seconds = minute * 60
    if abs(seconds - round(seconds)) > 0.01:
        raise _Bad("is not a whole second; inject times are given to the second")
    return round(seconds) / 60


def _say(minute: float) -> str:
    """A drill time for a message: ``T+02:30``, or ``T+02:30:15`` to the second."""
    seconds = round(minute * 60)
    if seconds % 60 == 0:
        return format_drill_time(minute)
    sign = "-" if seconds < 0 else "+"
    minutes, sec = divmod(abs(seconds), 60)
    return format_drill_time(minutes).replace("+", sign, 1) + f":{sec:02d}"


def _at_value(sc: Scenario, minute: float, typed: Any) -> str:
    """The ``at`` an imported inject is given: ``T+02:30``, or, for a time given to the
    second, a date-time with its UTC offset (``T+`` times are whole minutes): the drill
    time cell's own text when it is one, else the moment on the drill clock."""
    if minute == round(minute) and minute >= 0:
        return format_drill_time(minute)
    if isinstance(typed, str):
        text = typed.strip()
        try:
            if round(parse_drill_time(text, sc.drill.start) * 60) == round(minute * 60):
                return text
        except ValueError:
            pass
    zone = ZoneInfo(sc.drill.clock_timezone)
    moment = sc.drill.start + timedelta(seconds=round(minute * 60))
    return moment.astimezone(zone).isoformat()


# --- import ----------------------------------------------------------------------


@dataclass
class Imported:
    """What an import produced: the new scenario text and notes for the user."""

    text: str
    injects: list[dict[str, Any]]
    notes: list[str]


def _typed(value: Any) -> str:
    """A time cell's value as the user typed it, for a message."""
    if isinstance(value, datetime):
        return value.strftime(_clock_format(value))
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _IncidentTypes:
    """The incident types a scenario names: those its framework rules cover (``when:
    types:``), then those its injects give. An incident's type is free text, and a rule
    covers only a type written exactly as it names it: ``CSAM`` is not ``csam``. A cell
    naming a known type in other letter case is given the scenario's spelling."""

    def __init__(self, loaded: LoadedScenario):
        sc = loaded.scenario
        #: the types rules cover, as they write them
        self.ruled = list(dict.fromkeys(
            t for fw in sc.frameworks.values() for rule in fw.rules.values()
            for t in rule.when.types or ()))
        # the injects as the file gives them (they need not be valid: they are replaced)
        data = loaded.source.data
        injects = data.get("injects") if isinstance(data, dict) else None
        incidents = [inj.get("incident") for inj in injects
                     if isinstance(inj, dict)] if isinstance(injects, list) else []
        self.given = list(dict.fromkeys(
            inc["type"] for inc in incidents if isinstance(inc, dict)
            and isinstance(inc.get("type"), str) and inc["type"] not in self.ruled))

    def spelling(self, text: str) -> str:
        """The type a cell names, in the scenario's spelling when the scenario names it
        in other letter case. Raises :class:`_Bad` when it names it in several."""
        if text in self.ruled or text in self.given:
            return text
        folded = text.casefold()
        for known in (self.ruled, self.given):
            same = [t for t in known if t.casefold() == folded]
            if len(same) == 1:
                return same[0]
            if same:
                raise _Bad(f"incident type {text!r} is written in the scenario both as "
                           f"{' and as '.join(map(repr, same))}, which are different types; "
                           "write one of them exactly")
        return text

    def unknown(self, text: str) -> str | None:
        """A note for a type that no rule covers, when the scenario's rules name types
        (so that a misspelt type does not silently escape them); None otherwise."""
        if not self.ruled or text in self.ruled or text in self.given:
            return None
        close = difflib.get_close_matches(text, self.ruled, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (f"incident type {text!r} is none of those the scenario's rules cover "
                f"({', '.join(self.ruled)}): a rule limited to incident types does not "
                f"apply to it{hint}")


def _row_inject(
    sc: Scenario, table: Table, r: int, cols: dict[int, str], problems: list[str],
    actor_names: dict[str, str], notes: list[str] | None = None,
    types: _IncidentTypes | None = None,
) -> tuple[dict[str, Any], dict[str, int], bool]:
    """The inject a row describes, where each of its fields is, and whether a problem
    with its time has been reported (the checks of the whole scenario then say nothing
    more about it). ``types``: the incident types the scenario names, whose spelling an
    Incident type cell is given."""
    cells = table.rows[r]
    where = {key: c for c, key in cols.items()}
    raw: dict[str, Any] = {}
    for c, key in cols.items():
        if key in DERIVED:
            continue
        if (r, c) in table.blank_formulas:
            problems.append(f"{table.ref(r, c)}: holds a formula with no saved result; type "
                            "the value, or open and save the file in a spreadsheet program")
            continue
        if (r, c) in table.errors:
            problems.append(f"{table.ref(r, c)}: holds {table.errors[(r, c)]}, the result of a "
                            "formula that failed; correct the formula, or type the value")
            continue
        value = cells.get(c)
        # spaces are text only in a free-text field; elsewhere the cell is empty
        if value is not None and (key in FREE_TEXT or not isinstance(value, str)
                                  or value.strip()):
            raw[key] = value
    inj: dict[str, Any] = {}
    incident: dict[str, Any] = {}

    def bad(key: str, message: str) -> None:
        problems.append(f"{table.ref(r, where.get(key))}: {message}")

    minute_at: float | None = None
    clocks: tuple[float, ...] = ()
    time_reported = False
    for key, value in raw.items():
        try:
            if key == "at":
                minute_at = _whole_second(_elapsed(sc, value))
            elif key == "clock":
                clocks = tuple(dict.fromkeys(_whole_second(m) for m in _moments(sc, value)))
            else:
                text = _as_text(value, key)
                if key not in FREE_TEXT and not text:
                    continue
                if key == "to":
                    val: Any = _recipient_cell(text, actor_names, {*sc.actors, *sc.teams})
                elif key in LISTS:
                    val = [] if re.fullmatch(r"\[\s*\]", text) else _split(text)
                elif key in LINES:
                    val = _lines(text)
                    if key == "artefacts":  # a file artefact is a line of YAML flow text
                        val = [_flow(v, key) if v.startswith("{") else _line_value(v)
                               for v in val]
                    else:  # an item in double quotes is a JSON string (see _line_item)
                        val = [_line_value(v) for v in val]
                elif key in FLOW:
                    val = _flow(text, key)
                elif key == "crime_suspected":
                    low = text.lower()
                    if low not in ("yes", "no", "true", "false", "y", "n"):
                        raise _Bad(f"{text!r}: write yes or no")
                    val = low in ("yes", "true", "y")
                elif key in ("type", "tlp", "facts_tlp", "severity"):
                    val = text.upper() if key in ("tlp", "facts_tlp") else text.lower()
                    if key in ("tlp", "facts_tlp"):
                        val = val.removeprefix("TLP:").strip()
                elif key == "incident_type" and types is not None:
                    val = types.spelling(text)
                    note = types.unknown(val)
                    if note is not None and notes is not None:
                        notes.append(f"{table.ref(r, where[key])}: {note}")
                elif key == "sender":
                    val = actor_names.get(text.lower(), text)
                else:
                    val = text
                if key in INCIDENT_FIELDS:
                    incident[INCIDENT_FIELDS[key]] = val
                else:
                    inj[key] = val
        except _Bad as exc:
            bad(key, str(exc))
            time_reported = time_reported or key in ("at", "clock")
    # a clock time in the hour that comes twice is either; the drill time tells which. A
    # clock to the minute agrees with a drill time to the second in that minute (as
    # earlier exports wrote the clock of an inject timed to the second)
    minute = minute_at if minute_at is not None else clocks[0] if clocks else None
    # a drill time before the start is reported at its own cell (below), not blamed on
    # the drill clock beside it
    if minute_at is not None and minute_at >= 0 and clocks and minute_at not in clocks \
            and math.floor(minute_at) not in clocks:
        says = " or ".join(_say(m) for m in clocks)
        bad("clock", f"the drill clock says {says} but the drill "
            f"time (column {_letter(where['at'])}) says {_say(minute_at)}; "
            "correct one of them, or clear the drill clock")
    elif minute_at is None and len(clocks) > 1 and notes is not None:
        wall = _clock(sc, clocks[0])
        assert wall is not None
        notes.append(f"{table.ref(r, where['clock'])}: {wall.strftime(_clock_format(wall))} "
                     f"comes twice on the {sc.drill.clock_timezone} clock (the clocks go back); "
                     f"the first is taken, {_say(clocks[0])}; give the drill time to choose "
                     f"the second, {_say(clocks[1])}")
    if minute is not None and minute < 0:
        # said at the cell the user filled, as typed; the inject keeps its time, so that
        # no other inject is reported for coming first in its place
        key = "at" if minute_at is not None else "clock"
        start = _clock(sc, 0)
        assert start is not None
        bad(key, f"{_typed(raw[key])!r} is before the drill starts "
            f"({start.strftime(_clock_format(start))} on the {sc.drill.clock_timezone} clock)")
        time_reported = True
    if minute is not None:
        # a time reported as long before the start (a date in 1900) is checked as one just
        # inside the longest a drill may be, still before the start: the checks of the
        # whole scenario then say nothing more of it
        inj["at"] = _at_value(sc, max(minute, -MAX_MINUTES), raw.get("at"))
    if incident:
        inj["incident"] = incident
    return inj, where, time_reported


def _order(inj: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "at", "after_action", "type", "delay", "when", "sender", "to", "via", "tlp",
            "facts_tlp", "title", "text", "artefacts", "incident", "expected_actions",
            "objective", "controller", "notes")
    return {k: inj[k] for k in keys if k in inj and inj[k] not in ("", [], None)}


#: where each inject of a sheet came from: (row, {field: column})
_Places = list[tuple[int, dict[str, int]]]


def injects_from_table(
    loaded: LoadedScenario, table: Table, mapping: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The injects a sheet describes, checked against the scenario; (injects, notes).

    Raises :class:`MselError` with every problem, each at its cell."""
    injects, notes, _ = _read_injects(loaded, table, mapping)
    return injects, notes


def _read_injects(
    loaded: LoadedScenario, table: Table, mapping: dict[str, str] | None
) -> tuple[list[dict[str, Any]], list[str], _Places]:
    from pydantic import ValidationError

    from scenarios.loader import cross_references, format_path, located_errors, reword

    sc = loaded.scenario
    header, cols, notes = _find_header(table, mapping or {})
    actor_names = {a.name.lower(): aid for aid, a in sc.actors.items()}
    types = _IncidentTypes(loaded)
    problems: list[str] = []
    injects: list[dict[str, Any]] = []
    places: _Places = []
    #: the injects whose time has been reported at its cell
    reported: set[int] = set()
    # a note beside the table, only worked-out columns, or only spaces: no inject
    body = [r for r in sorted(table.rows) if r > header and not all(
        cols.get(c) in DERIVED or cols.get(c) is None
        or (isinstance(v, str) and not v.strip()) for c, v in table.rows[r].items())]
    if len(body) > MAX_ROWS:
        raise MselError([f"{table.ref(body[MAX_ROWS])}: more than {MAX_ROWS:,} injects; an "
                         f"MSEL of at most {MAX_ROWS:,} is read"])
    for r in body:
        inj, where, time_reported = _row_inject(sc, table, r, cols, problems, actor_names,
                                                notes, types)
        if time_reported:
            reported.add(len(injects))
        injects.append(_order(inj))
        places.append((r, where))
    if not injects and not problems:
        problems.append(f"{table.ref(header)}: no injects below the header row")

    # check the injects in the scenario they go into, as the loader would
    data = copy.deepcopy(loaded.source.data)
    data["injects"] = injects
    found: list[tuple[tuple[Any, ...], str]] = []
    checked = None
    try:
        checked = Scenario.model_validate(data)
    except ValidationError as exc:
        for err, path in located_errors(exc, data):
            found.append((path, reword(err, path, data)))
    # nothing more is said of a time reported at its cell: neither that the inject has
    # none, nor which inject about its incident comes first when it has none or one
    # before the start
    unknown = {str(inj["incident"].get("id")) for i, inj in enumerate(injects)
               if i in reported and ("at" not in inj or _before_start(sc, inj["at"]))
               and isinstance(inj.get("incident"), dict)}
    # with the scenario they make, a team's members are checked one by one, as the
    # loader checks them
    found.extend((path, message) for path, message in cross_references(data, checked)
                 if not _follows_on(path, message, injects, reported, unknown))
    seen = set()
    for path, message in found:
        line = _place(table, loaded, path, message, places, format_path)
        if line not in seen:
            seen.add(line)
            problems.append(line)
    if problems:
        raise MselError(problems)
    return injects, notes, places


def _before_start(sc: Scenario, at: Any) -> bool:
    """Whether an imported inject's ``at`` is before the drill starts."""
    try:
        return parse_drill_time(str(at), sc.drill.start) < 0
    except ValueError:
        return False


def _follows_on(path: tuple[Any, ...], message: str, injects: list[dict[str, Any]],
                reported: set[int], unknown: set[str]) -> bool:
    """Whether a problem the scenario's checks find follows from a time already reported
    at its cell: that the inject has no time, or one before the start, or which inject
    about its incident must give the incident's type, when its time is unknown."""
    if len(path) < 3 or path[0] != "injects" or not isinstance(path[1], int) \
            or path[1] >= len(injects):
        return False
    if path[2] == "at":
        return path[1] in reported and (
            "at" not in injects[path[1]] or message.endswith("is before the drill starts"))
    incident = injects[path[1]].get("incident")
    return path[2:] == ("incident", "type") and isinstance(incident, dict) \
        and str(incident.get("id")) in unknown


_FIELD_OF = {"id": "id", "at": "at", "type": "type", "delay": "delay", "sender": "sender",
             "to": "to", "via": "via", "tlp": "tlp", "facts_tlp": "facts_tlp", "title": "title",
             "text": "text", "artefacts": "artefacts", "expected_actions": "expected_actions",
             "objective": "objective", "controller": "controller", "notes": "notes",
             "after_action": "after_action", "when": "when"}


def _filled(table: Table, r: int, col: int | None) -> bool:
    value = table.rows.get(r, {}).get(col) if col is not None else None
    return value is not None and not (isinstance(value, str) and not value.strip())


def _place(table: Table, loaded: LoadedScenario, path: tuple[Any, ...], message: str,
           places: _Places, format_path: Any) -> str:
    if len(path) >= 2 and path[0] == "injects" and isinstance(path[1], int) \
            and path[1] < len(places):
        r, where = places[path[1]]
        key = None
        if len(path) >= 3:
            key = _FIELD_OF.get(str(path[2]))
            if path[2] == "incident":
                sub = str(path[3]) if len(path) >= 4 else "id"
                key = {v: k for k, v in INCIDENT_FIELDS.items()}.get(sub, "incident")
            if key == "at" and "clock" in where and not _filled(table, r, where.get("at")):
                key = "clock"  # the row gives its time on the drill clock only
        col = where.get(key) if key else None
        if col is None:
            col = where.get("id")
            message = f"{format_path(path[2:]) or 'inject'}: {message}" if len(path) > 2 \
                else message
        return f"{table.ref(r, col)}: {message}"
    mark = loaded.source.mark_for(path)
    return f"{mark or loaded.path}: {format_path(path)}: {message}"


# --- writing the scenario --------------------------------------------------------


def _dump(injects: list[dict[str, Any]], quote_all: bool = False) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = None
        if quote_all:
            style = '"'
        elif "\n" in value:
            style = "|"
        elif len(value) > 72:
            style = ">"
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def seq(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
        short = all(isinstance(v, str) and "\n" not in v for v in value) \
            and sum(len(v) + 2 for v in value) < 72
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)

    def mapping(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.Node:
        # {id: x} and one-key conditions such as {missed: [E2]} stay on one line
        flow = len(value) == 1 and all(
            (isinstance(v, str) and len(v) < 40)
            or (isinstance(v, list) and all(isinstance(x, str) for x in v)
                and sum(len(x) + 2 for x in v) < 40)
            for v in value.values())
        return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flow)

    Dumper.add_representer(str, text)
    Dumper.add_representer(list, seq)
    # the injects themselves are written as blocks; their incident may be {id: x}
    Dumper.add_representer(dict, mapping)
    out = yaml.dump(injects, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=88,
                    indent=2)
    return "".join("  " + line if line.strip() else line
                   for line in out.splitlines(keepends=True))




def splice(source: str, file: str, injects: list[dict[str, Any]]) -> str:
    """``source`` with its top-level ``injects:`` block replaced.

    Only the block's own lines change: comments and blank lines before the next section
    stay with it, and the new lines end as the file's first line does (CRLF or LF).
    Raises :class:`MselError` if the result would read back differently anywhere but
    the injects."""
    return _splice(source, file, injects, file)[0]


def _splice(source: str, file: str, injects: list[dict[str, Any]], output: str
            ) -> tuple[str, Located]:
    """:func:`splice`, and the new text as read back, located in ``output`` (the file
    it is written to), for the checks that follow."""
    from scenarios.yamlsrc import MAX_BYTES as SCENARIO_BYTES
    from scenarios.yamlsrc import YamlProblem, read_yaml_text

    try:
        before = read_yaml_text(source, file)
    except YamlProblem as exc:
        raise MselError([f"{exc.mark or file}: {exc.message}"]) from None
    if not isinstance(before.data, dict):
        raise MselError([f"{file}: is not a scenario (a YAML mapping)"])
    lines = source.splitlines(keepends=True)
    tops = sorted(m.line for p, m in before.keys.items() if len(p) == 1)
    start_mark = before.keys.get(("injects",))
    expected = dict(before.data)
    expected["injects"] = injects
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for quote_all in (False, True):
        block = ("injects:\n" + _dump(injects, quote_all)).replace("\n", newline)
        if start_mark is None:
            tail = "" if not lines or lines[-1].endswith("\n") else newline
            text = source + tail + newline + block
        else:
            first = start_mark.line - 1
            later = [n for n in tops if n > start_mark.line]
            end = later[0] - 1 if later else len(lines)
            while end > first + 1 and (not lines[end - 1].strip()
                                       or lines[end - 1].startswith("#")):
                end -= 1
            text = "".join(lines[:first]) + block + "".join(lines[end:])
        if len(text.encode("utf-8", "surrogatepass")) > SCENARIO_BYTES:
            raise MselError([f"{file}: with these injects the scenario would be larger than "
                             f"{SCENARIO_BYTES // 1_000_000} MB, the most a scenario file may be; "
                             "split the drill or shorten the injects' texts"])
        try:
            after = read_yaml_text(text, output)
        except YamlProblem:
            continue
        if after.data == expected:
            return text, after
    raise MselError([f"{file}: the injects cannot be replaced without changing the rest of the "
                     "file (is the injects: section written in an unusual way, with anchors "
                     "used elsewhere?)"])


def artefact_files(loaded: LoadedScenario) -> list[tuple[str, Path]]:
    """The files the artefacts of the scenario's injects name, read from the file as it
    is (its injects need not be valid: an import replaces them): each as the scenario
    names it, and where the loader looks for it."""
    from scenarios.loader import _folder_of

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    data = loaded.source.data
    folder = _folder_of(loaded.path)
    return [(art["file"], folder / art["file"])
            for inj in items(data.get("injects") if isinstance(data, dict) else None)
            for art in items(inj.get("artefacts") if isinstance(inj, dict) else None)
            if isinstance(art, dict) and isinstance(art.get("file"), str) and art["file"]]


def _check_loads(loaded: LoadedScenario, new: Located, table: Table, places: _Places,
                 output: Path, allow_include: tuple[str | Path, ...]) -> None:
    """Check the new scenario text, as read back located in ``output``, as the loader
    will check the file once written, its artefact files included: each is read next to
    ``output``, from the folders the loader allows. Raises :class:`MselError` with every
    problem, at its cell."""
    from scenarios.loader import (
        IncludeRoots,
        ScenarioError,
        _finish,
        format_path,
    )
    from scenarios.yamlsrc import Located

    old = loaded.source

    def marks(old_marks: dict[Any, Any], new_marks: dict[Any, Any]) -> dict[Any, Any]:
        # the injects are the new text's; everything else is where the loader found it
        out = {p: m for p, m in old_marks.items() if not p or p[0] != "injects"}
        out.update((p, m) for p, m in new_marks.items() if p and p[0] == "injects")
        return out

    data = dict(old.data)
    data["injects"] = new.data["injects"]
    located = Located(data, marks(old.values, new.values), marks(old.keys, new.keys),
                      {**old.written, **new.written})
    # the artefact files the scenario's injects read from the folders it may read from
    # (perhaps with --allow-include): their folders stay allowed
    before = IncludeRoots.for_scenario(loaded.path, allow_include)
    read = {target.resolve().parent for _, target in artefact_files(loaded)
            if before.allows(target)}
    roots = IncludeRoots.for_scenario(output, (*allow_include, *sorted(read)))
    try:
        _finish(located, output, [], roots)
    except ScenarioError as exc:
        paths = {format_path(p): p for p in (*new.values, *new.keys) if p and p[0] == "injects"}
        problems = []
        for problem in exc.problems:
            path = paths.get(problem.path)
            problems.append(str(problem) if path is None else
                            _place(table, loaded, path, problem.message, places, format_path))
        raise MselError(list(dict.fromkeys(problems))) from None


def import_msel(
    loaded: LoadedScenario, source_text: str, table: Table, mapping: dict[str, str] | None = None,
    *, output: str | Path | None = None, allow_include: tuple[str | Path, ...] = (),
) -> Imported:
    """The scenario with the sheet's injects, checked as the loader will check the file
    written to ``output`` (by default the scenario's own file)."""
    injects, notes, places = _read_injects(loaded, table, mapping)
    target = Path(output) if output else loaded.path
    text, new = _splice(source_text, str(loaded.path), injects, str(target))
    _check_loads(loaded, new, table, places, target, allow_include)
    return Imported(text, injects, notes)
