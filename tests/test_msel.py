"""MSEL spreadsheets in and out, handout packets and the Word after-action report."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest

from scenarios import bundled_scenarios, load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import handouts, msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main
from sim.engine import Engine
from sim.engine.events import log_to_jsonl

FIXTURES = Path(__file__).parent / "fixtures"
TUTORIAL = bundled_dir() / "tutorial.yaml"


def run_log(path: Path) -> str:
    return log_to_jsonl(Engine(load_scenario(path), seed=0).run())


def problems(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line]


def with_evidence(scenario: Path, folder: Path) -> None:
    """Artefact files are read next to the scenario: a new file needs them beside it."""
    import shutil

    if (scenario.parent / "evidence").is_dir():
        shutil.copytree(scenario.parent / "evidence", folder / "evidence")


@pytest.fixture
def tutorial(tmp_path) -> Path:
    copy = tmp_path / "tutorial.yaml"
    copy.write_bytes(TUTORIAL.read_bytes())
    return copy


# --- round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", bundled_scenarios(), ids=lambda p: p.stem)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_gives_a_byte_identical_run_log(scenario, suffix, tmp_path, capsys):
    sheet = tmp_path / f"msel{suffix}"
    out = tmp_path / "new.yaml"
    with_evidence(scenario, tmp_path)
    assert main(["msel", "export", str(scenario), "-o", str(sheet)]) == EXIT_OK
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    assert main(["msel", "import", str(sheet), "--into", str(scenario), "-o", str(out)]) == EXIT_OK
    assert run_log(out) == run_log(scenario)
    # only the injects block changed: everything before it is byte for byte the same
    before, after = scenario.read_text(), out.read_text()
    head = before[: before.index("\ninjects:")]
    assert after.startswith(head)
    tail = before[before.index("\nexpectations:"):]
    assert after.endswith(tail)


def test_the_import_keeps_comments_outside_the_injects(tutorial, tmp_path):
    sheet = tmp_path / "m.csv"
    sheet.write_text(msel_io.csv_text(load_scenario(tutorial)))
    assert main(["msel", "import", str(sheet), "--into", str(tutorial)]) == EXIT_OK
    text = tutorial.read_text()
    assert "# --- 6. Expectations: what evaluators score" in text
    assert "# quote ids so that YAML keeps them as text" not in text  # inside the block


def test_a_bundled_scenario_is_not_rewritten_in_place(tmp_path, capsys):
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", "tutorial", "-o", str(sheet)]) == EXIT_OK
    before = TUTORIAL.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", "tutorial"]) == EXIT_INVALID
    assert "write the result elsewhere with -o" in capsys.readouterr().err
    assert TUTORIAL.read_bytes() == before


RANSOMWARE = bundled_dir() / "apcert-ransomware.yaml"


def test_branches_after_action_timing_and_teams_are_columns():
    rows = {r["id"]: r for r in msel_io.export_rows(load_scenario(RANSOMWARE))}
    # team names are kept as written, not expanded into their members
    assert rows["1"]["to"] == "everyone"
    assert rows["2"]["to"] == "member_teams"
    assert rows["C1"]["to"] == "partners"
    # an inject timed after an action has no drill time, an After action and a delay
    assert (rows["2"]["at"], rows["2"]["after_action"], rows["2"]["delay"]) == \
        ("", "request_takedown", "30m")
    assert rows["3"]["when"] == "{missed: [E2]}"
    assert rows["1"]["when"] == rows["1"]["after_action"] == ""
    # contingencies fired when an expectation is met, or when a message is lost
    assert rows["C1"]["trigger"].startswith("15m after E2 is met")
    assert rows["C2"]["trigger"].startswith("0m after a message for E3 is lost")


def _ransomware_csv(tmp_path, edit) -> Path:
    import csv

    text = msel_io.csv_text(load_scenario(RANSOMWARE))
    table = list(csv.reader(io.StringIO(text, newline="")))
    edit(table, {k: i for i, (k, _) in enumerate(msel_io.COLUMNS)})
    path = tmp_path / "m.csv"
    out = io.StringIO()
    csv.writer(out).writerows(table)
    path.write_text(out.getvalue())
    return path


def test_a_condition_and_an_after_action_written_by_hand(tmp_path, capsys):
    def edit(table, col):
        table[2][col["after_action"]] = "{action: request_takedown, by: [singcert]}"
        table[3][col["when"]] = "{met: [E2], phase: [response]}"

    out = tmp_path / "new.yaml"
    with_evidence(RANSOMWARE, tmp_path)
    code = main(["msel", "import", str(_ransomware_csv(tmp_path, edit)), "--into",
                 str(RANSOMWARE), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    sc = load_scenario(out).scenario
    two, three = sc.injects[1], sc.injects[2]
    assert (two.after_action.action, two.after_action.by) == ("request_takedown", ["singcert"])
    assert (three.when.met, three.when.phase, three.when.missed) == (["E2"], ["response"], None)


def test_bad_conditions_and_after_actions_are_reported_at_their_cells(tmp_path, capsys):
    def edit(table, col):
        table[2][col["after_action"]] = "request_takedwn"
        table[3][col["when"]] = "{missed: [E2"
        table[4][col["when"]] = "[E2]"
        table[5][col["when"]] = "{missed: [E9]}"

    sheet = _ransomware_csv(tmp_path, edit)
    col = {k: msel_io._letter(i + 1) for i, (k, _) in enumerate(msel_io.COLUMNS)}
    assert main(["msel", "import", str(sheet), "--into", str(RANSOMWARE), "-o",
                 str(tmp_path / "o.yaml")]) == EXIT_INVALID
    err = problems(capsys)
    assert any(line.startswith(f"{sheet}:{col['after_action']}3: ") and "request_takedwn" in line
               for line in err), err
    assert any(line.startswith(f"{sheet}:{col['when']}4: is not YAML flow text") for line in err)
    assert f"{sheet}:{col['when']}5: Condition takes a mapping; write it like " \
        "{missed: [E2]}" in err
    assert any(line.startswith(f"{sheet}:{col['when']}6: ") and "E9" in line for line in err), err
    assert not (tmp_path / "o.yaml").exists()


# --- the XLSX itself ----------------------------------------------------------------


def test_the_workbook_has_the_msel_actors_and_expectations(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(TUTORIAL))))
    assert wb.sheetnames == ["MSEL", "Actors", "Expectations"]
    ws = wb["MSEL"]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    for h in ("No.", "Drill time", "Local time of recipients", "Sender", "Recipients", "Mode",
              "Type", "TLP", "Title", "Text", "Artefacts", "Expected player actions",
              "Objective", "Contingency trigger"):
        assert h in headers
    row = {h: c for h, c in zip(headers, ws[2], strict=True)}
    assert row["Drill time"].value == "T+00:30"
    assert "singcert: Mon 14 Sep 09:30" in row["Local time of recipients"].value
    assert "on duty" in row["Local time of recipients"].value
    assert row["TLP"].font.color.rgb.endswith("33FF00")  # TLP:GREEN
    assert row["Text"].alignment.wrap_text
    trigger = {c.value: t.value for c, t in zip(ws["A"], ws[f"{_col('trigger')}"], strict=True)}
    assert trigger["C1"].startswith("0m after E1 is missed")
    assert [c.value for c in wb["Actors"]["A"]][1:] == list(load_scenario(TUTORIAL).scenario.actors)


def _col(key: str) -> str:
    return msel_io._letter([k for k, _ in msel_io.COLUMNS].index(key) + 1)


def _with_title(tmp_path, title: str) -> Path:
    path = tmp_path / "f.yaml"
    path.write_text(TUTORIAL.read_text().replace(
        "title: A second phishing domain on the same server", f"title: {json.dumps(title)}"))
    return path


@pytest.mark.parametrize("start", ["=HYPERLINK(\"http://x.example\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path, start):
    path = _with_title(tmp_path, start.replace('"', "'"))
    title = start.replace('"', "'")
    loaded = load_scenario(path)
    data = msel_io.xlsx_bytes(loaded)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    text = msel_io.csv_text(loaded)
    assert f",'{title}," in text or f",\"'{title}\"," in text  # escaped for spreadsheets
    # and both read back as the text it was
    for name, content in (("m.xlsx", data), ("m.csv", text.encode())):
        (tmp_path / name).write_bytes(content)
        injects, _ = msel_io.injects_from_table(loaded, msel_io.read_table(tmp_path / name))
        assert injects[1]["title"] == title


# --- hand-edited sheets -------------------------------------------------------------


def test_a_hand_edited_sheet_imports_and_runs_the_same(tutorial, tmp_path, capsys):
    # the fixture: rows moved, 9:30 typed on the drill clock, an Excel serial date,
    # merged Mode cells, an empty row, a note beside the table and an extra sheet
    out = tmp_path / "edited.yaml"
    code = main(["msel", "import", str(FIXTURES / "msel-edited.xlsx"), "--into", str(tutorial),
                 "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    sc = load_scenario(out).scenario
    assert [(i.id, i.at, i.via) for i in sc.injects] == [
        ("C1", None, "phone"), ("1", "T+00:30", "email"), ("2", "T+03:00", "email")]
    assert run_log(out) == run_log(TUTORIAL)


def test_a_typo_in_a_recipient_is_reported_at_its_cell(tutorial, capsys):
    before = tutorial.read_bytes()
    sheet = FIXTURES / "msel-typo.xlsx"
    assert main(["msel", "import", str(sheet), "--into", str(tutorial)]) == EXIT_INVALID
    err = problems(capsys)
    assert f"{sheet}:MSEL!F3: unknown actor 'mycertt'; did you mean 'mycert'?" in err
    assert tutorial.read_bytes() == before


def _csv(tmp_path, edit) -> Path:
    text = msel_io.csv_text(load_scenario(TUTORIAL))
    rows = [line for line in text.split("\r\n") if line]
    import csv

    table = list(csv.reader(rows))
    edit(table, {k: i for i, (k, _) in enumerate(msel_io.COLUMNS)})
    path = tmp_path / "m.csv"
    out = io.StringIO()
    csv.writer(out).writerows(table)
    path.write_text(out.getvalue())
    return path


def test_every_problem_is_reported_at_once_at_its_cell(tutorial, tmp_path, capsys):
    def edit(table, col):
        table[1][col["to"]] = "singcertt"
        table[2][col["at"]] = "half past nine"
        table[2][col["tlp"]] = "PURPLE"
        table[3][col["sender"]] = "nobody"

    sheet = _csv(tmp_path, edit)
    assert main(["msel", "import", str(sheet), "--into", str(tutorial)]) == EXIT_INVALID
    err = problems(capsys)
    assert f"{sheet}:F2: unknown actor 'singcertt'; did you mean 'singcert'?" in err
    assert any(line.startswith(f"{sheet}:B3: 'half past nine' is not a drill time") for line in err)
    assert any(line.startswith(f"{sheet}:I3: ") and "PURPLE" in line for line in err)
    assert any(line.startswith(f"{sheet}:E4: unknown actor 'nobody'") for line in err)
    assert err[-1] == f"4 problems found; {tutorial} was not changed"


def test_a_drill_time_and_a_drill_clock_that_disagree(tutorial, tmp_path, capsys):
    def edit(table, col):
        table[1][col["clock"]] = "2026-09-14 11:00"

    sheet = _csv(tmp_path, edit)
    assert main(["msel", "import", str(sheet), "--into", str(tutorial)]) == EXIT_INVALID
    assert any(line.startswith(f"{sheet}:C2: the drill clock says T+02:00 but the drill time")
               for line in problems(capsys))


def test_9_30_in_the_drill_time_column_is_elapsed_time(tutorial, tmp_path):
    def edit(table, col):
        table[1][col["at"]] = "9:30"
        table[1][col["clock"]] = ""
        # the first inject now comes after the others: the earliest of them gives the
        # incident's type, as the first inject about an incident must
        kind = table[1][col["incident_type"]]
        for row in table[2:]:
            row[col["incident_type"]] = row[col["incident_type"]] or kind

    injects, _ = msel_io.injects_from_table(load_scenario(tutorial),
                                            msel_io.read_table(_csv(tmp_path, edit)))
    assert injects[0]["at"] == "T+09:30"


def test_another_tools_columns_are_mapped(tutorial, tmp_path, capsys):
    sheet = tmp_path / "other.csv"
    sheet.write_text(
        "Serial;Time;From;To;Method;Message;Case\n"
        "1;T+00:30;hicon;singcert;email;A phishing site;phish\n"
        "2;T+01:00;hicon;mycert;email;Same site;phish\n")
    out = tmp_path / "o.yaml"
    # "Case" is the incident; without the map the import names the missing columns
    assert main(["msel", "import", str(sheet), "--into", str(tutorial), "-o", str(out)]) \
        == EXIT_INVALID
    assert "no column for 'incident'" in capsys.readouterr().err
    code = main(["msel", "import", str(sheet), "--into", str(tutorial), "-o", str(out),
                 "--columns", "Serial=id,Case=incident"])
    assert code == EXIT_INVALID
    err = problems(capsys)
    # no column holds the incident's type: the problem is placed at the row's number
    assert f"{sheet}:A2: incident.type: the first inject about incident 'phish' must give " \
        "its type" in err
    # and an expectation of the scenario names an inject the sheet no longer has
    assert any(re.search(r"tutorial.yaml:\d+:\d+: expectations\[0\].contingency: no inject "
                         r"'C1'", line) for line in err)
    sheet.write_text(
        "Serial;Time;From;To;Method;Message;Case;Kind;Category\n"
        "1;T+00:30;hicon;singcert;email;A phishing site;phish;phishing;event\n"
        "2;T+01:00;hicon;mycert;email;Same site;phish;;event\n"
        "C1;;hicon;singcert;phone;Has MyCERT been asked?;phish;;contingency\n")
    code = main(["msel", "import", str(sheet), "--into", str(tutorial), "-o", str(out),
                 "--columns", "Serial=id,Case=incident,Kind=incident_type,Category=type"])
    assert code == EXIT_OK, capsys.readouterr().err
    sc = load_scenario(out).scenario
    assert [(i.id, i.text, i.incident.type) for i in sc.injects] == [
        ("1", "A phishing site", "phishing"), ("2", "Same site", None),
        ("C1", "Has MyCERT been asked?", None)]


def test_an_unknown_field_in_the_column_map(tutorial, tmp_path, capsys):
    assert main(["msel", "import", str(tmp_path / "x.csv"), "--into", str(tutorial),
                 "--columns", "Time=att"]) == EXIT_INVALID
    assert "--columns: unknown field 'att'; did you mean 'at'?" in capsys.readouterr().err


# --- bad input ------------------------------------------------------------------------


def _bad(tmp_path, name: str, content: bytes, tutorial: Path, capsys, *extra: str) -> str:
    sheet = tmp_path / name
    sheet.write_bytes(content)
    before = tutorial.read_bytes()
    assert main(["msel", "import", str(sheet), "--into", str(tutorial), *extra]) == EXIT_INVALID
    assert tutorial.read_bytes() == before
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_an_encrypted_workbook(tmp_path, tutorial, capsys):
    # a password-protected .xlsx is an OLE2 compound file, not a zip
    err = _bad(tmp_path, "locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
               tutorial, capsys)
    assert "is encrypted (password-protected) or an old .xls workbook" in err


def test_a_file_that_is_not_a_spreadsheet(tmp_path, tutorial, capsys):
    err = _bad(tmp_path, "m.xlsx", b"%PDF-1.7 secret words inside", tutorial, capsys)
    assert "is not an XLSX workbook" in err
    assert "secret words" not in err
    err = _bad(tmp_path, "m.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR secret", tutorial, capsys)
    assert "is not a spreadsheet" in err and "secret" not in err
    err = _bad(tmp_path, "z.xlsx", b"PK\x03\x04 damaged secret", tutorial, capsys)
    assert "is not an XLSX workbook" in err and "secret" not in err


def test_a_file_over_10_mb(tmp_path, tutorial, capsys):
    err = _bad(tmp_path, "big.csv", b"a," * (5 * 1024 * 1024 + 1), tutorial, capsys)
    assert "over 10,485,760 bytes is refused" in err


def test_a_formula_without_a_saved_result(tmp_path, tutorial, capsys):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(load_scenario(tutorial))))
    wb["MSEL"]["E2"] = '=LOWER("HICON")'
    buf = io.BytesIO()
    wb.save(buf)
    err = _bad(tmp_path, "f.xlsx", buf.getvalue(), tutorial, capsys)
    assert "f.xlsx:MSEL!E2: holds a formula with no saved result" in err


def test_csv_encodings(tmp_path, tutorial, capsys):
    text = msel_io.csv_text(load_scenario(tutorial)).replace("Bank reports", "Banque signalée")
    out = tmp_path / "o.yaml"
    # Excel's "CSV UTF-8" starts with a byte-order mark; "Unicode text" is UTF-16
    for name, data in (("bom.csv", b"\xef\xbb\xbf" + text.encode()),
                       ("u16.csv", text.encode("utf-16"))):
        (tmp_path / name).write_bytes(data)
        assert main(["msel", "import", str(tmp_path / name), "--into", str(tutorial),
                     "-o", str(out)]) == EXIT_OK
        assert load_scenario(out).scenario.injects[0].title.startswith("Banque signalée")
    # a Windows code page is refused with a way out, then read when named
    err = _bad(tmp_path, "w.csv", text.encode("cp1252"), tutorial, capsys)
    assert "is not UTF-8 text; save it as 'CSV UTF-8', or name its encoding with --encoding" in err
    assert main(["msel", "import", str(tmp_path / "w.csv"), "--into", str(tutorial),
                 "-o", str(out), "--encoding", "cp1252"]) == EXIT_OK
    assert load_scenario(out).scenario.injects[0].title.startswith("Banque signalée")


def test_a_semicolon_csv_as_european_excel_writes_it(tmp_path, tutorial):
    text = msel_io.csv_text(load_scenario(tutorial))
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    (tmp_path / "s.csv").write_text(out.getvalue())
    injects, _ = msel_io.injects_from_table(load_scenario(tutorial),
                                            msel_io.read_table(tmp_path / "s.csv"))
    assert [i["id"] for i in injects] == ["1", "2", "C1"]


# --- handouts -------------------------------------------------------------------------

SECRET = "Zebra-Nine takedown authorised by the minister"


@pytest.fixture
def red_scenario(tmp_path) -> Path:
    """The tutorial with a TLP:RED inject addressed to MyCERT alone."""
    path = tmp_path / "red.yaml"
    text = TUTORIAL.read_text().replace(
        "  # A contingency inject has no `at`",
        "  - id: R1\n    at: T+04:00\n    sender: hicon\n    to: [mycert]\n    via: email\n"
        f"    tlp: RED\n    title: Eyes only <b>MyCERT</b>\n    text: {SECRET}\n"
        "    artefacts: [zebra-nine.pdf]\n    incident: {id: phish}\n"
        "  # A contingency inject has no `at`")
    path.write_text(text)
    return path


def test_a_role_packet_holds_none_of_the_red_text_addressed_to_others(red_scenario, tmp_path,
                                                                      capsys):
    out = tmp_path / "packets"
    assert main(["handout", str(red_scenario), "--all", "-o", str(out)]) == EXIT_OK
    for aid in ("singcert", "isp-my", "hicon"):
        data = (out / f"role-{aid}.html").read_bytes()
        assert SECRET.encode() not in data
        assert b"zebra-nine" not in data and b"Eyes only" not in data
        assert stat.S_IMODE((out / f"role-{aid}.html").stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    mine = (out / "role-mycert.html").read_text()
    assert SECRET in mine and "TLP:RED" in mine
    assert "Eyes only &lt;b&gt;MyCERT&lt;/b&gt;" in mine  # escaped, never markup
    assert "<b>MyCERT</b>" not in mine
    # the controller's packet has everything, stale contacts included
    controller = (out / "controller.html").read_text()
    assert SECRET in controller and "Expectations" in controller
    assert "Ask MyCERT to have the site taken down." in controller
    # players' material carries no expected actions or controller notes
    assert "Ask MyCERT to have the site taken down." not in (out / "cards.html").read_text()
    assert "Ask MyCERT to have the site taken down." not in (out / "role-singcert.html").read_text()


def test_every_role_has_a_packet(tmp_path):
    loaded = load_scenario(bundled_dir() / "acid-botnet.yaml")
    pages = handouts.packets(loaded.scenario)
    assert {f"role-{a}.html" for a in loaded.scenario.actors} | {"controller.html", "cards.html"} \
        == set(pages)
    assert pages["cards.html"].count('<div class="card">') == len(loaded.scenario.injects)


def test_handout_needs_a_role_and_knows_the_actors(tmp_path, capsys):
    assert main(["handout", "tutorial", "-o", str(tmp_path)]) == EXIT_INVALID
    assert main(["handout", "tutorial", "--role", "singcertt", "-o", str(tmp_path)]) \
        == EXIT_INVALID
    assert "--role: unknown actor 'singcertt'; did you mean 'singcert'?" in capsys.readouterr().err
    assert main(["handout", "tutorial", "--role", "singcert", "-o", str(tmp_path)]) == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["role-singcert.html"]


# --- the Word report ------------------------------------------------------------------


def test_the_word_report_has_headings_tables_timelines_ratings_and_notes(tmp_path, capsys):
    import docx

    from sim.runs.session import DrillSession, Journal

    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(load_scenario(TUTORIAL), seed=0, journal_path=journal)
    session.advance_to(120)
    session.add_note("SingCERT waited for the <duty> officer", team="singcert")
    session.advance_to(480)
    session.close()
    j = Journal.open(journal)
    j.set_rating("E1", "M", "Request went to the wrong queue")
    j.close()
    out = tmp_path / "aar.docx"
    assert main(["report", str(journal), "--runs", "0", "-o", str(out)]) == EXIT_OK
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in doc.paragraphs
                if p.style.name.startswith("Heading") or p.style.name == "Title"]
    names = [text for _, text in headings]
    for h in ("Overview", "Objectives", "Participants", "Analysis of objectives",
              "Expectations", "Timing", "Evaluator notes", "Improvement plan"):
        assert h in names
    assert ("Heading 1", "Improvement plan") in headings
    assert ("Heading 2", "Team SingCERT") in headings
    assert any(re.match(r"Incident phish: ", t) for t in names)
    tables = doc.tables
    expectations = next(t for t in tables if t.rows[0].cells[0].text == "Id")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in expectations.rows[1:]}
    assert rows["E1"][4] == "M" and rows["E1"][5] == "Request went to the wrong queue"
    assert any(t.rows[0].cells[1].text == "Corrective action" for t in tables)
    assert len(doc.inline_shapes) == 1  # the incident's timeline picture
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "SingCERT waited for the <duty> officer" in body


def test_a_word_report_needs_a_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "x.sqlite"), "--format", "docx"]) == EXIT_INVALID
    assert "give -o REPORT.docx" in capsys.readouterr().err
