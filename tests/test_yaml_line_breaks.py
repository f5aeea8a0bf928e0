"""Characters that YAML 1.1 reads as line breaks but editors do not show as one.

U+0085 NEXT LINE, U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, pasted into a
scenario, are each reported at their own line and column, with either YAML parser,
and every line number counts lines as an editor does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import ScenarioError, load_scenario
from scenarios.yamlsrc import MAX_HIDDEN_BREAKS, YamlProblem, read_yaml_text

NAMES = {"\x85": "U+0085 NEXT LINE", "\u2028": "U+2028 LINE SEPARATOR",
         "\u2029": "U+2029 PARAGRAPH SEPARATOR"}
CHARS = list(NAMES)
IDS = ["next-line", "line-separator", "paragraph-separator"]


def message(char: str) -> str:
    return (f"{NAMES[char]}: a line break in YAML; remove it, or write it as "
            f"\\u{ord(char):04x} in a double-quoted string")


def problems(path: Path) -> list[tuple[str, int, int, str]]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [(Path(p.mark.file).name, p.mark.line, p.mark.col, p.message)
            for p in info.value.problems]


# each place a pasted character can land; "@" stands for it
PLACES = {
    "quoted": ('drill:\n  id: d\n  title: "Takedown@request"\n  duration: 8h\n', 3, 19),
    "plain": ("drill:\n  id: d\n  title: Takedown@request\n  duration: 8h\n", 3, 18),
    "comment": ("# a drill@for CERTs\ndrill:\n  id: d\n  title: T\n", 1, 10),
    "block": ("drill:\n  id: d\n  description: >-\n    Hospitals are@hit\n  title: T\n", 4, 18),
    "flow": ("drill: {id: d,@title: T}\n", 1, 15),
}


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("char", CHARS, ids=IDS)
def test_the_character_is_reported_where_it_is(parser, tmp_path, char, place):
    text, line, col = PLACES[place]
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("@", char), encoding="utf-8", newline="")
    assert problems(path) == [("s.yaml", line, col, message(char))]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_each_character_is_reported_and_lines_count_as_an_editor_counts_them(
        parser, tmp_path, ending):
    lines = ["drill:", '  title: "a\u2028b\u2029c"', "  id: d\x85", "", "  x: \u2028"]
    path = tmp_path / "s.yaml"
    path.write_text(ending.join(lines) + ending, encoding="utf-8", newline="")
    assert problems(path) == [
        ("s.yaml", 2, 12, message("\u2028")),
        ("s.yaml", 2, 14, message("\u2029")),
        ("s.yaml", 3, 8, message("\x85")),
        ("s.yaml", 5, 6, message("\u2028")),
    ]


def test_the_character_in_an_included_file_is_reported_in_that_file(parser, tmp_path):
    (tmp_path / "more.yaml").write_text("actors:\n  x:\n    name: A\u2028B\n",
                                        encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("include: [more.yaml]\ndrill: {id: d}\n", encoding="utf-8")
    assert problems(path) == [("more.yaml", 3, 12, message("\u2028"))]


def test_bytes_that_are_not_utf8_after_the_character_are_placed_as_an_editor_counts(
        tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes('drill:\n  title: "a\u2028b"\n  id: x'.encode() + b"\xff\n")
    assert problems(path) == [("s.yaml", 3, 8, "file is not UTF-8 text")]


def test_the_character_written_as_an_escape_is_read(parser):
    data = read_yaml_text('title: "a\\u2028b\\x85c\\Pd"\n', "f").data
    assert data == {"title": "a\u2028b\x85c\u2029d"}


def test_the_problems_come_as_one_exception_listing_every_one():
    with pytest.raises(YamlProblem) as info:
        read_yaml_text("a: 1\u2028\nb: 2\u2029\n", "f")
    assert [(str(p.mark), p.message) for p in info.value.every()] == [
        ("f:1:5", message("\u2028")), ("f:2:5", message("\u2029"))]


def test_a_file_full_of_them_lists_the_first_and_counts_the_rest(parser, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("drill: {id: d}\n" + "\u2028" * 5000, encoding="utf-8")
    found = problems(path)
    assert len(found) == MAX_HIDDEN_BREAKS
    assert found[0] == ("s.yaml", 2, 1, message("\u2028"))
    assert found[-1] == ("s.yaml", 2, MAX_HIDDEN_BREAKS, message("\u2028") + (
        f" (and {5000 - MAX_HIDDEN_BREAKS} more such characters after this one)"))


def test_validate_counts_the_characters_it_does_not_list(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "s.yaml"
    path.write_text("drill: {id: d}\n" + "\u2028" * 25, encoding="utf-8")
    assert main(["validate", str(path)]) != 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "25 problems found (20 listed)"
    assert len(out) == MAX_HIDDEN_BREAKS + 1
