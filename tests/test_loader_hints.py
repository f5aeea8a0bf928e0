"""The hints of scenario problems lead to the scenario the organiser meant: an id that
YAML reads as a number is quoted as it is written, and a misspelt contingency is
matched only against contingency injects."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, EXIT_OK, main

TEXT = (bundled_dir() / "tutorial.yaml").read_text(encoding="utf-8")

#: the tutorial's second inject, and the first expectation's contingency
SECOND = 'id: "2"'
CONTINGENCY = "    contingency: C1\n"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def place(text: str, needle: str, skip: str = "") -> str:
    """``line:col`` of the first ``needle`` in ``text`` (past its ``skip`` prefix), as
    problems give it."""
    line = next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)
    return f"{line}:{text.splitlines()[line - 1].index(needle) + len(skip) + 1}"


def validate(path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, [line for line in out.splitlines() if line]


# --- an id that reads as a number ---------------------------------------------------


@pytest.mark.parametrize("written", ["002", "0x1F", "1.50", "1e3", "2"])
def test_the_hint_quotes_a_number_like_id_as_written_and_following_it_keeps_the_id(
        tmp_path, capsys, written):
    text = TEXT.replace(SECOND, f"id: {written}")
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_INVALID, [
        f"{path}:{place(text, f'id: {written}', 'id: ')}: injects[1].id: expected text, "
        f'got a number; quote an id that looks like a number: "{written}"',
        "1 problem found",
    ])
    # following the hint gives the inject the id the organiser wrote
    path = write(tmp_path, TEXT.replace(SECOND, f'id: "{written}"'))
    assert validate(path, capsys)[0] == EXIT_OK
    assert [inj.id for inj in load_scenario(path).scenario.injects] == ["1", written, "C1"]


@pytest.mark.parametrize("written", ["+2", "-2", ".5", ".inf"])
def test_no_quoted_form_is_offered_that_is_not_a_valid_id(tmp_path, capsys, written):
    path = write(tmp_path, TEXT.replace(SECOND, f"id: {written}"))
    code, out = validate(path, capsys)
    assert code == EXIT_INVALID
    assert out[0].endswith("injects[1].id: expected text, got a number; quote an id "
                           "that looks like a number"), out


def test_an_aliased_number_like_id_is_quoted_as_written(tmp_path, capsys):
    text = "x-numbering: &second 002\n" + TEXT.replace(SECOND, "id: *second")
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_INVALID, [
        f"{path}:{place(text, '*second')}: injects[1].id: expected text, got a number; "
        'quote an id that looks like a number: "002"',
        "1 problem found",
    ])


def test_a_number_like_id_in_an_included_file_is_quoted_as_written(tmp_path, capsys):
    # a role, given in an included file, names its actor by a number
    write(tmp_path, "roles:\n  regional_coordinator: 007\n", "desk.yaml")
    text = TEXT.replace("drill:\n", "include: [desk.yaml]\ndrill:\n", 1)
    path = write(tmp_path, text)
    code, out = validate(path, capsys)
    assert code == EXIT_INVALID
    assert out[0] == (f"{tmp_path / 'desk.yaml'}:2:25: roles.regional_coordinator: expected "
                      'text, got a number; quote an id that looks like a number: "007"')


# --- a misspelt contingency ---------------------------------------------------------


@pytest.mark.parametrize("key", ["contingency", "on_met", "on_late", "on_lost"])
def test_a_misspelt_contingency_is_not_matched_to_an_inject_of_another_type(
        tmp_path, capsys, key):
    text = TEXT.replace(CONTINGENCY, f"    {key}: C2\n")
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_INVALID, [
        f"{path}:{place(text, f'{key}: C2', f'{key}: ')}: expectations[0].{key}: "
        "no inject 'C2'",
        "1 problem found",
    ])


@pytest.mark.parametrize("key", ["contingency", "on_met", "on_late", "on_lost"])
def test_a_misspelt_contingency_gets_the_contingency_it_is_close_to(tmp_path, capsys, key):
    # the scheduled inject 'C-call2' is closer to the typo than the contingency is
    text = (TEXT.replace("C1", "C-call").replace(SECOND, "id: C-call2")
            .replace("    contingency: C-call\n", f"    {key}: C-cal2\n"))
    path = write(tmp_path, text)
    code, out = validate(path, capsys)
    assert code == EXIT_INVALID
    assert out[0].endswith(f"expectations[0].{key}: no inject 'C-cal2'; did you mean "
                           "'C-call'?"), out
    # following the hint gives a scenario that loads
    path = write(tmp_path, text.replace(f"{key}: C-cal2", f"{key}: C-call"))
    assert validate(path, capsys)[0] == EXIT_OK


def test_a_misspelt_contingency_on_msel_import_is_not_matched_to_another_type(
        tmp_path, capsys):
    path = write(tmp_path, TEXT, "my-drill.yaml")
    sheet = tmp_path / "msel.csv"
    sheet.write_text(msel_io.csv_text(load_scenario(path)), encoding="utf-8")
    text = TEXT.replace(CONTINGENCY, "    contingency: C2\n")
    path.write_text(text, encoding="utf-8")
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert "Traceback" not in "\n".join(err)
    assert err[0].endswith("expectations[0].contingency: no inject 'C2'"), err
    assert path.read_text(encoding="utf-8") == text
