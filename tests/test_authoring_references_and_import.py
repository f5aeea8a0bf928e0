"""Authoring checks: an incident named by an inject's timing or condition, or by a task,
must be one an inject opens; an on-call channel needs a point of contact; an MSEL import
replaces injects that no longer validate; the schema command's modeline fits a scenario
beside the schema."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"
TEXT = TUTORIAL.read_text(encoding="utf-8")

#: the tutorial's second inject, timed at a drill time
SECOND = '  - id: "2"\n    at: T+03:00\n'


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line holding ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def place(text: str, needle: str) -> str:
    """``line:col`` of the first ``needle`` in ``text``, as problems give it."""
    line = line_of(text, needle)
    return f"{line}:{text.splitlines()[line - 1].index(needle) + 1}"


def validate(path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, [line for line in out.splitlines() if line]


# --- 1. an incident no inject opens -----------------------------------------------


@pytest.mark.parametrize(("timing", "where"), [
    ("    after_action: {action: request_takedown, by: [mycert], incident: phsh}\n"
     "    delay: 10m\n", "injects[1].after_action.incident"),
    ("    at: T+03:00\n"
     "    when: {done: [{action: request_takedown, by: [singcert], incident: phsh}]}\n",
     "injects[1].when.done[0].incident"),
    ("    at: T+03:00\n"
     "    when: {not_done: [{action: takedown, incident: phsh}]}\n",
     "injects[1].when.not_done[0].incident"),
])
def test_a_misspelt_incident_in_an_injects_timing_or_condition_is_refused(
        tmp_path, capsys, timing, where):
    text = TEXT.replace(SECOND, '  - id: "2"\n' + timing)
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_INVALID, [
        f"{path}:{place(text, 'phsh')}: {where}: no inject opens incident 'phsh'; did you "
        "mean 'phish'?",
        "1 problem found",
    ])


def test_a_misspelt_incident_of_a_task_is_refused(tmp_path, capsys):
    text = TEXT + ("tasks:\n"
                   "  - {id: Q1, question: Which IP address?, to: [singcert], at: T+01:00,\n"
                   "     incident: phsh}\n")
    path = write(tmp_path, text)
    code, out = validate(path, capsys)
    assert code == EXIT_INVALID
    assert out == [f"{path}:{place(text, 'phsh')}: tasks[0].incident: no inject opens "
                   "incident 'phsh'; did you mean 'phish'?", "1 problem found"]


def test_an_incident_a_later_inject_opens_may_be_named_earlier(tmp_path, capsys):
    # the after_action inject comes first in the list; the incident it names is opened
    # by the inject listed after it
    second = TEXT.index(SECOND)
    contingency = TEXT.index("  # A contingency inject has no `at`")
    block = TEXT[second:contingency].replace(
        "    at: T+03:00\n",
        "    after_action: {action: request_takedown, by: [mycert], incident: phish}\n"
        "    delay: 10m\n")
    first = TEXT.index('  - id: "1"')
    text = TEXT[:first] + block + TEXT[first:second] + TEXT[contingency:]
    text += ("tasks:\n  - {id: Q1, question: Which IP address?, to: [singcert], at: T+01:00,"
             " incident: phish}\n")
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_OK, [f"{path}: ok (4 actors, 2 channels, 3 rules, "
                                                "3 injects, 3 expectations)"])


# --- 3. an on-call channel without a point of contact -------------------------------


ON_CALL = ('    working_hours: "09:00-18:00"   # assumption: the abuse desk keeps office hours\n')


def test_an_on_call_channel_on_which_the_actor_has_no_contact_is_refused(tmp_path, capsys):
    text = TEXT.replace(ON_CALL,
                        ON_CALL + "    on_call: {channels: [phone], min_severity: medium}\n")
    assert text != TEXT
    path = write(tmp_path, text)
    code, out = validate(path, capsys)
    assert code == EXIT_INVALID
    assert out == [
        f"{path}:{place(text, 'phone], min_severity')}: actors.isp-my.on_call.channels[0]: "
        "actor 'isp-my' has no point of contact on channel 'phone' (it has: email), so its "
        "duty officer cannot be reached there; add a phone contact, or leave the channel out of on_call",
        "1 problem found",
    ]
    # with a point of contact on the phone, the duty officer is reachable
    text = text.replace("      email: {address: abuse@kv-hosting.drill.example}\n",
                        "      email: {address: abuse@kv-hosting.drill.example}\n"
                        "      phone: {address: \"+MY-000-0009\"}\n")
    path = write(tmp_path, text)
    assert validate(path, capsys)[0] == EXIT_OK


def test_every_bundled_scenario_template_and_tutorial_step_still_validates(tmp_path):
    from importlib import resources

    root = Path(__file__).resolve().parents[1]
    paths = sorted(bundled_dir().glob("*.yaml")) + sorted((root / "docs" / "tutorial").glob(
        "step*.yaml"))
    for path in paths:
        load_scenario(path)
    for template in ("cert-takedown", "regional-ddos", "law-enforcement"):
        text = (resources.files("scenarios.templates") / f"{template}.yaml").read_text(
            encoding="utf-8")
        text = text.replace("__ID__", "t").replace("__TITLE__", "T")
        folder = tmp_path / template
        folder.mkdir()
        load_scenario(write(folder, text, "t.yaml"))


# --- 2. msel import replaces injects that no longer validate -----------------------


def sheet_of(scenario: Path, sheet: Path) -> Path:
    sheet.write_text(msel_io.csv_text(load_scenario(scenario)), encoding="utf-8")
    return sheet


def errors(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line]


def injects_block(text: str) -> tuple[str, str, str]:
    """The text before the injects: block, the block, and the text after it."""
    start = text.index("injects:\n")
    end = text.index("# --- 6. Expectations")
    return text[:start], text[start:end], text[end:]


def test_import_renaming_an_actor_the_old_injects_still_name(tmp_path, capsys):
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = sheet_of(path, tmp_path / "msel.csv")
    # the organiser renames singcert in the actors and expectations, and in the sheet
    head, block, tail = injects_block(TEXT)
    path.write_text(head.replace("  singcert:\n", "  sgcert:\n") + block
                    + tail.replace("actors: [singcert]", "actors: [sgcert]"), encoding="utf-8")
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("singcert", "sgcert"),
                     encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_OK
    assert errors(capsys) == [f"wrote {path} (3 injects)"]
    loaded = load_scenario(path)
    assert [inj.to for inj in loaded.scenario.injects] == [
        ["sgcert"], ["sgcert", "mycert"], ["sgcert"]]


def test_import_into_a_scenario_without_injects_yet(tmp_path, capsys):
    # a spreadsheet-first MSEL: the scenario has its expectations, the sheet its injects
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = sheet_of(path, tmp_path / "msel.csv")
    head, _, tail = injects_block(TEXT)
    path.write_text(head + tail, encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_OK
    assert errors(capsys) == [f"wrote {path} (3 injects)"]
    loaded = load_scenario(path)
    assert [inj.id for inj in loaded.scenario.injects] == ["1", "2", "C1"]
    assert [e.contingency for e in loaded.scenario.expectations] == ["C1", None, None]


def test_a_problem_outside_the_injects_is_still_reported(tmp_path, capsys):
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = sheet_of(path, tmp_path / "msel.csv")
    head, _, tail = injects_block(TEXT)
    text = head + tail.replace("actors: [mycert]", "actors: [mycrt]")
    path.write_text(text, encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    assert errors(capsys) == [
        f"{path}:{place(text, 'mycrt')}: expectations[1].actors[0]: unknown actor or team 'mycrt'; did "
        "you mean 'mycert'?",
        f"1 problem found; {path} was not changed",
    ]
    assert path.read_text(encoding="utf-8") == text


def test_what_the_new_injects_leave_undone_is_reported_after_the_replacement(tmp_path, capsys):
    # the expectations name contingency C1, which the sheet no longer has
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = sheet_of(path, tmp_path / "msel.csv")
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out).writerows([r for r in rows if r[0] != "C1"])
    sheet.write_text(out.getvalue(), encoding="utf-8")
    head, _, tail = injects_block(TEXT)
    text = head + tail
    path.write_text(text, encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    err = errors(capsys)
    assert err[0].startswith(f"{path}:{place(text, 'C1')}: expectations[0].contingency: "
                             "no inject 'C1'")
    assert err[-1] == f"1 problem found; {path} was not changed"
    assert path.read_text(encoding="utf-8") == text


def test_a_scenario_that_does_not_parse_is_not_changed(tmp_path, capsys):
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = sheet_of(path, tmp_path / "msel.csv")
    text = TEXT.replace("drill:\n", "drill: [\n", 1)
    path.write_text(text, encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    err = errors(capsys)
    assert err[0].startswith(f"{path}:")
    assert err[-1] == f"1 problem found; {path} was not changed"
    assert path.read_text(encoding="utf-8") == text


# --- 4. the schema's modeline ------------------------------------------------------


def test_the_schema_modeline_is_the_one_drill_new_writes_beside_it(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "drills/my-drill"]) == EXIT_OK
    suggested = re.search(r"drill schema -o (\S+)", capsys.readouterr().err)
    assert suggested is not None
    assert main(["schema", "-o", suggested.group(1)]) == EXIT_OK
    err = errors(capsys)
    assert err[0] == f"wrote {suggested.group(1)}"
    modeline = err[1].split(" with: ", 1)[1]
    first = (tmp_path / "drills" / "my-drill.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert modeline == first == "# yaml-language-server: $schema=scenario.schema.json"
    assert "drills" in err[1].split(" with: ", 1)[0]  # says which folder it is for


def test_import_still_refuses_to_write_over_an_artefact_file_of_the_old_injects(
        tmp_path, monkeypatch, capsys):
    import shutil

    ransomware = bundled_dir() / "apcert-ransomware.yaml"
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ransomware.parent / "evidence", tmp_path / "evidence")
    path = write(tmp_path, ransomware.read_text(encoding="utf-8"), "ransom.yaml")
    sheet_of(path, tmp_path / "msel.csv")
    # the old injects no longer validate: one names a sender that does not exist
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("injects:\n", 1)
    path.write_text(head + "injects:\n" + re.sub(r"sender: \S+", "sender: nobody", rest, count=1),
                    encoding="utf-8")
    before = (tmp_path / "evidence" / "ransom-note.txt").read_bytes()
    code = main(["msel", "import", "msel.csv", "--into", "ransom.yaml",
                 "-o", "evidence/ransom-note.txt"])
    assert code == EXIT_INVALID
    assert errors(capsys) == [
        "drill msel import: -o evidence/ransom-note.txt would overwrite an artefact file of "
        "the scenario (evidence/ransom-note.txt); choose another -o"]
    assert (tmp_path / "evidence" / "ransom-note.txt").read_bytes() == before
    # to another file, the same sheet imports, its artefact files read as before
    assert main(["msel", "import", "msel.csv", "--into", "ransom.yaml", "-o", "new.yaml"]) \
        == EXIT_OK
    capsys.readouterr()
    assert len(load_scenario(tmp_path / "new.yaml").scenario.injects) == len(
        load_scenario(ransomware).scenario.injects)
