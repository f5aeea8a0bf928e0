"""Text from scenarios as typed, wherever it goes: stage names with markup characters,
artefact files with Windows line endings, control characters through a CSV MSEL,
U+FFFE in a screenshot, and errors that do not repeat a huge value in full."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import police, write
from test_artefact_files import detail, scenario

from scenarios import ScenarioError, load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main
from sim.runs.session import DrillSession

TUTORIAL = bundled_dir() / "tutorial.yaml"


def tutorial(tmp_path: Path, old: str, new: str, name: str = "drill.yaml") -> Path:
    """The tutorial in ``tmp_path`` with ``old`` (found once) replaced by ``new``."""
    text = TUTORIAL.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def validated(path: Path, capsys) -> tuple[int, list[str]]:
    """``drill validate``'s exit code and the lines it printed."""
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


# --- stage names are text ---------------------------------------------------------------

#: a coordinator's name as an APCERT drill may write it, and a stage with markup characters
COORDINATOR = "APCERT_Secretariat"
REFERRAL = "CERT | <b>[SPF]</b> *now* `x` \\ police"


def test_a_stage_name_with_markup_characters_is_valid(tmp_path, capsys):
    path = tutorial(tmp_path, "  duration: 8h ",
                    f"  names: {{regional_coordinator: {COORDINATOR}}}\n  duration: 8h ")
    code, lines = validated(path, capsys)
    assert code == EXIT_OK, lines
    assert load_scenario(path).scenario.drill.names.regional_coordinator == COORDINATOR


def test_reports_show_stage_names_with_markup_characters_as_text(tmp_path, scenario_data,
                                                                 load):
    scenario_data["actors"]["police-sg"] = police()  # the referral is a stage of this drill
    scenario_data["drill"]["names"] = {"police_referral": REFERRAL,
                                       "regional_coordinator": COORDINATOR}
    journal = tmp_path / "n.journal.sqlite"
    session = DrillSession.start(load(scenario_data), journal_path=journal)
    session.advance_to(2880)
    session.close()
    written = {}
    for fmt in ("text", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", str(journal), "--runs", "0", "--format", fmt,
                     "-o", str(out)]) == EXIT_OK
        written[fmt] = out.read_text(encoding="utf-8")
    assert f"{REFERRAL}" in written["text"] and f"{COORDINATOR} reached" in written["text"]
    # Markdown: each character shown as typed, the table keeps its columns
    [row] = [ln for ln in written["md"].splitlines() if "SPF" in ln]
    assert row.startswith("| Law enforcement: CERT \\| &lt;b&gt;\\[SPF\\]&lt;/b&gt; \\*now\\* "
                          "\\`x\\` \\\\ police |")
    assert row.replace("\\|", "").count("|") == 4
    assert f"| {COORDINATOR} reached |" in written["md"]
    # HTML: no element from the name
    assert "<b>[SPF]</b>" not in written["html"]
    assert "Law enforcement: CERT | &lt;b&gt;[SPF]&lt;/b&gt; *now* `x` \\ police" \
        in written["html"]


@pytest.mark.parametrize(("typed", "said"), [
    ('"APCERT\\nSecretariat"', "'APCERT\\nSecretariat' holds a line break: a name is one "
                               "line of text"),
    ('"APCERT\\x1b[31m"', "'APCERT\\x1b[31m' holds a control character (\\x1b): a name is "
                          "one line of text"),
], ids=["line-break", "escape"])
def test_a_stage_name_on_two_lines_is_refused_saying_why(tmp_path, capsys, typed, said):
    path = tutorial(tmp_path, "  duration: 8h ",
                    f"  names: {{regional_coordinator: {typed}}}\n  duration: 8h ")
    code, lines = validated(path, capsys)
    assert code == EXIT_INVALID
    assert lines[0].endswith(f": drill.names.regional_coordinator: {said}")
    assert "valid id" not in "\n".join(lines)


def test_a_hash_that_is_not_one_is_not_called_an_id(tmp_path, capsys):
    path = scenario(tmp_path, {"file": "evidence/note.txt", "sha256": "ABC"})
    code, lines = validated(path, capsys)
    assert code == EXIT_INVALID
    assert lines[0].endswith(": injects[0].artefacts[0].sha256: 'ABC' is not a SHA-256 "
                             "hash: 64 hex digits in lower case")


# --- artefact files with Windows line endings --------------------------------------------

CRLF = b"YOUR FILES ARE ENCRYPTED\r\nPay 5 BTC.\r\nOld Mac line\rContact: x@example.invalid\r\n"


def test_an_artefact_with_windows_line_endings_reads_as_lines(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/note.txt"},
                    files={"evidence/note.txt": CRLF})
    [art] = load_scenario(path).scenario.injects[0].artefact_files
    assert art.content == ("YOUR FILES ARE ENCRYPTED\nPay 5 BTC.\nOld Mac line\n"
                           "Contact: x@example.invalid\n")
    # the hash and size are the file's own
    assert (art.sha256, art.size) == (hashlib.sha256(CRLF).hexdigest(), len(CRLF))


async def test_the_role_view_shows_no_carriage_returns(tmp_path):
    from tui.app import DrillApp

    path = scenario(tmp_path, {"file": "evidence/note.txt"},
                    files={"evidence/note.txt": CRLF})
    session = DrillSession.start(load_scenario(path), seed=0, human=["singcert"],
                                 record=False)
    session.advance_to(31)
    app = DrillApp(session)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        app.open_role("singcert")
        for _ in range(100):
            if getattr(app.screen, "ready", False):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        shown = detail(app)
    assert "YOUR FILES ARE ENCRYPTED\nPay 5 BTC.\nOld Mac line\nContact:" in shown
    assert "\\x0d" not in shown and "\r" not in shown


# --- control characters through a CSV MSEL -----------------------------------------------

TITLE = "nul\x00 esc\x1b[31m vt\x0b cr\r typed _x0041_ and _x005F_ end"


def test_a_csv_msel_gives_back_control_characters_exactly(tmp_path, capsys):
    old = "title: A second phishing domain on the same server"
    drill = tutorial(tmp_path, old, f"title: {json.dumps(TITLE)}")
    assert load_scenario(drill).scenario.injects[1].title == TITLE
    sheet = tmp_path / "m.csv"
    assert main(["msel", "export", str(drill), "-o", str(sheet)]) == EXIT_OK
    data = sheet.read_bytes()
    assert b"\x00" not in data and b"\x1b" not in data
    # written as the workbook writes them
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert ("nul_x0000_ esc_x001B_[31m vt_x000B_ cr_x000D_ typed _x005F_x0041_ and "
            "_x005F_x005F_ end") in cells
    out = tmp_path / "back.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(drill), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr()
    assert load_scenario(out).scenario.injects[1].title == TITLE
    assert load_scenario(out).scenario.injects == load_scenario(drill).scenario.injects


def test_a_csv_cell_reads_its_escapes_as_the_characters(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("Title,Text\r\n'=vt_x000B_,_x005F_x0041_ stays _x0041_\r\n",
                    encoding="utf-8")
    table = msel_io.read_table(path)
    assert table.rows[2] == {1: "=vt\x0b", 2: "_x0041_ stays A"}


# --- U+FFFE and U+FFFF in XML ------------------------------------------------------------


async def test_a_screenshot_of_a_drill_titled_with_ufffe_is_xml(tmp_path):
    from tui.app import DrillApp

    path = tutorial(tmp_path, 'title: "Tutorial: take down a phishing site hosted abroad"',
                    'title: "Tutorial \\uFFFE take down \\uFFFF a phishing site"')
    app = DrillApp(DrillSession.start(load_scenario(path), record=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        saved = app.save_screenshot(path=str(tmp_path), filename="shot.svg")
    text = Path(saved).read_text(encoding="utf-8")
    ET.fromstring(text)  # raises when it is not well-formed
    assert "\\ufffe" in text and "\\uffff" in text
    assert "\ufffe" not in text and "\uffff" not in text


# --- errors that would repeat an oversized value ------------------------------------------

LONG = "Get a phishing site hosted abroad taken down within the working day. " * 2000


def test_an_error_shows_an_oversized_value_cut(tmp_path, capsys):
    path = tutorial(tmp_path, "    objective: O2\n  - id: \"2\"",
                    f"    objective: {json.dumps(LONG)}\n  - id: \"2\"")
    code, lines = validated(path, capsys)
    assert code == EXIT_INVALID
    cut = repr(LONG[:80]) + "..."
    # one problem at the place: the reference check says what the field names
    assert [ln.split(": ", 2)[-1] for ln in lines] == [
        f"unknown objective {cut}", "1 problem found"]


def test_a_long_id_a_long_label_and_a_long_hash_are_cut_too(tmp_path, capsys):
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data["drill"]["id"] = "a" * 5000
    data["drill"]["tlp"] = "B" * 5000
    (tmp_path / "note.txt").write_text("note\n", encoding="utf-8")
    data["injects"][0]["artefacts"] = [{"file": "note.txt", "sha256": "c" * 5000}]
    code, lines = validated(write(tmp_path, data), capsys)
    assert code == EXIT_INVALID
    said = [ln.split(": ", 1)[-1] for ln in lines]
    assert said[0] == (f"drill.id: {'a' * 80!r}... is too long for an id: it has 5000 "
                       "characters, at most 64")
    assert said[1].startswith("drill.tlp: must be one of") and said[1].endswith(
        f"(got {'B' * 80!r}...)")
    assert f"injects[0].artefacts[0].sha256: {'c' * 80!r}... is not a SHA-256 hash: 64 " \
           "hex digits in lower case" in said
    assert all(len(ln) < 400 for ln in lines)


def test_a_long_date_time_and_long_office_hours_are_cut(tmp_path, capsys):
    data = yaml.safe_load(TUTORIAL.read_text(encoding="utf-8"))
    data["drill"]["start"] = "2" * 5000
    data["actors"]["singcert"]["working_hours"] = "9" * 5000
    code, lines = validated(write(tmp_path, data), capsys)
    assert code == EXIT_INVALID
    said = [ln.split(": ", 1)[-1] for ln in lines]
    assert f"drill.start: {'2' * 80!r}... is not an ISO date-time; write " \
           "'2026-09-09T09:00:00+08:00'" in said
    assert f"actors.singcert.working_hours: {'9' * 80!r}... is not office hours; write " \
           "'HH:MM-HH:MM', e.g. '09:00-17:00'" in said
    assert all(len(ln) < 400 for ln in lines)


def test_a_short_value_is_shown_whole(tmp_path, capsys):
    path = tutorial(tmp_path, "    objective: O2\n  - id: \"2\"",
                    "    objective: O9\n  - id: \"2\"")
    code, lines = validated(path, capsys)
    assert code == EXIT_INVALID
    assert lines[0].endswith(": injects[0].objective: unknown objective 'O9'")


def test_a_scenario_error_lists_each_problem_on_a_short_line(tmp_path):
    path = tutorial(tmp_path, "    objective: O2\n  - id: \"2\"",
                    f"    objective: {json.dumps(LONG)}\n  - id: \"2\"")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert all(len(str(p)) < 400 for p in exc.value.problems)
