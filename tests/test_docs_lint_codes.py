"""The docs name what the tools do: every code `drill lint` can emit is in the
tutorial's table of checks, and the format reference gives every field a type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.authoring import lint as lint_module

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")


def lint_codes() -> list[str]:
    """Every code a check passes to ``warn`` (the first argument, a string literal)."""
    source = Path(lint_module.__file__).read_text(encoding="utf-8")
    return sorted(set(re.findall(r'\bwarn\(\s*"([a-z][a-z0-9-]*)"', source)))


def _table_of_checks() -> str:
    start = TUTORIAL.index("| Code | Warns about |")
    return TUTORIAL[start:TUTORIAL.index("\n\n", start)]


def test_the_codes_are_found():
    codes = lint_codes()
    assert len(codes) >= 30
    assert {"deadline-too-short", "task-never-asked", "off-duty-deadline"} <= set(codes)


@pytest.mark.parametrize("code", lint_codes())
def test_every_lint_code_is_in_the_tutorials_table(code):
    assert f"`{code}`" in _table_of_checks()


def test_the_table_names_no_code_lint_does_not_emit():
    first = [row.split(" | ")[0] for row in _table_of_checks().splitlines()[2:]]
    named = {code for cell in first for code in re.findall(r"`([a-z][a-z0-9-]*)`", cell)}
    assert named <= set(lint_codes())


def test_every_field_of_the_reference_has_a_type():
    rows = [line for line in REFERENCE.splitlines() if line.startswith("| `")]
    assert rows
    untyped = [row for row in rows if row.split(" | ")[1].strip() in ("", "None")]
    assert untyped == []


def test_drill_times_are_called_drill_times():
    rows = {line.split(" | ")[0]: line.split(" | ")[1]
            for line in REFERENCE[REFERENCE.index("### Phase"):].splitlines()
            if line.startswith("| `")}
    assert rows["| `start`"] == "drill time"
    assert rows["| `end`"] == "drill time"
