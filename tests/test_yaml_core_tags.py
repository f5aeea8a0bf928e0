"""Explicit YAML core tags (``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!str``,
``!!map``, ``!!seq``) give a value their type, with either YAML parser; a value that
does not fit its tag is a one-line problem at its line and column."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from scenarios.yamlsrc import Mark, YamlProblem, read_yaml_text
from sim.cli import EXIT_INVALID, EXIT_OK, main

TEXT = (bundled_dir() / "tutorial.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def validate(path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, [line for line in out.splitlines() if line]


def value(text: str):
    return read_yaml_text(f"a: {text}\n", "t.yaml").data["a"]


# --- a tag gives its type -----------------------------------------------------------


def test_a_tagged_score_and_loss_load_as_numbers(parser, tmp_path, capsys):
    text = (TEXT.replace("score: 5\n", "score: !!int 5\n")
            .replace("loss: 0.0", "loss: !!float 0.1"))
    assert "!!int 5" in text and "!!float 0.1" in text
    path = write(tmp_path, text)
    assert validate(path, capsys) == (EXIT_OK, [
        f"{path}: ok (4 actors, 2 channels, 3 rules, 3 injects, 3 expectations)"])
    sc = load_scenario(path).scenario
    assert sc.expectations[1].score == 5
    assert sc.channels["email"].loss == 0.1


@pytest.mark.parametrize(("written", "expected"), [
    ("!!int 5", 5), ("!!int '5'", 5), ('!!int "-7"', -7), ("!!int 0x1F", 31),
    ("!!int 0o17", 15), ("!!int 002", 2), ("!<tag:yaml.org,2002:int> 7", 7),
    ("!!float 0.1", 0.1), ("!!float 5", 5.0), ("!!float '1e3'", 1000.0),
    ("!!float .inf", math.inf), ("!!float -.Inf", -math.inf),
    ("!!bool true", True), ("!!bool 'FALSE'", False),
    ("!!null ~", None), ("!!null", None), ("!!null ''", None), ("!!null null", None),
    ("!!str 5", "5"), ("!!str true", "true"), ("!!str ~", "~"), ("! 5", "5"),
    ("!!str |\n  5\n", "5\n"),
    ("!!map {b: 1}", {"b": 1}), ("!!seq [1, x]", [1, "x"]),
])
def test_a_core_tag_gives_the_value_its_type(parser, written, expected):
    got = value(written)
    assert type(got) is type(expected) and got == expected


def test_a_tag_handle_naming_the_core_schema_gives_the_type(parser):
    text = "%TAG !core! tag:yaml.org,2002:\n---\na: !core!int 5\nb: !core!float 2\n"
    assert read_yaml_text(text, "t.yaml").data == {"a": 5, "b": 2.0}


def test_a_nan_under_float_is_a_float(parser):
    got = value("!!float .nan")
    assert isinstance(got, float) and math.isnan(got)


def test_a_tagged_key_stays_text(parser):
    assert read_yaml_text("!!int 5: x\n!!str y: z\n", "t.yaml").data == {"5": "x", "y": "z"}


def test_a_tagged_value_is_placed_at_its_tag(parser):
    loc = read_yaml_text("a:\n  b:   !!int 5\n  c: &n !!float 1\n  d: *n\n", "t.yaml")
    assert loc.data == {"a": {"b": 5, "c": 1.0, "d": 1.0}}
    assert loc.values[("a", "b")] == Mark("t.yaml", 2, 8)
    assert loc.values[("a", "c")] == Mark("t.yaml", 3, 6)
    assert loc.values[("a", "d")] == Mark("t.yaml", 4, 6)


# --- a value that does not fit its tag ----------------------------------------------


@pytest.mark.parametrize(("written", "message"), [
    ("!!int abc", "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got 'abc'"),
    ("!!int 1.5", "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got '1.5'"),
    ("!!int true", "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got 'true'"),
    ("!!int |\n  5\n", "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got '5\\n'"),
    ("!!float abc", "tag !!float needs a number (such as 0.1, 5 or .inf), got 'abc'"),
    ("!!float 0x1F", "tag !!float needs a number (such as 0.1, 5 or .inf), got '0x1F'"),
    ("!!bool yes", "tag !!bool needs true or false, got 'yes'"),
    ("!!bool 1", "tag !!bool needs true or false, got '1'"),
    ("!!null x", "tag !!null needs no value, ~ or null, got 'x'"),
    ("!!map x", "tag !!map needs a mapping, got 'x'"),
    ("!!seq x", "tag !!seq needs a list, got 'x'"),
    ("!!map [1]", "tag !!map needs a mapping, got a list"),
    ("!!seq {b: 1}", "tag !!seq needs a list, got a mapping"),
    ("!!int {b: 1}", "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got a mapping"),
    ("!!str [1]", "tag !!str needs text, got a list"),
    ("!!bool [1]", "tag !!bool needs true or false, got a list"),
    pytest.param("!!int " + "9" * 401, "a number with more than 400 digits",
                 id="401 digits"),
    pytest.param("!!int " + "x" * 60, "tag !!int needs a whole number (such as 5, 0o17 or "
                 f"0x1F), got '{'x' * 40}...'", id="long text"),
])
def test_a_value_that_does_not_fit_its_tag_is_a_problem_at_the_tag(parser, written, message):
    with pytest.raises(YamlProblem) as info:
        read_yaml_text(f"b: 1\na:   {written}\n", "t.yaml")
    assert info.value.message == message
    assert "\n" not in info.value.message
    assert info.value.mark == Mark("t.yaml", 2, 6)
    assert info.value.path == ("a",)


def test_a_tagged_key_that_does_not_fit_its_tag_is_a_problem(parser):
    with pytest.raises(YamlProblem) as info:
        read_yaml_text("a:\n  !!int x: 1\n", "t.yaml")
    assert info.value.message == (
        "tag !!int needs a whole number (such as 5, 0o17 or 0x1F), got 'x'")
    assert info.value.mark == Mark("t.yaml", 2, 3)


def test_a_tagged_value_that_does_not_fit_is_reported_at_its_line_and_column(
        parser, tmp_path, capsys):
    text = TEXT.replace("score: 5\n", "score: !!int five\n")
    path = write(tmp_path, text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "!!int five" in row)
    col = text.splitlines()[line - 1].index("!!int") + 1
    assert validate(path, capsys) == (EXIT_INVALID, [
        f"{path}:{line}:{col}: expectations[1].score: tag !!int needs a whole number (such "
        "as 5, 0o17 or 0x1F), got 'five'",
        "1 problem found",
    ])


# --- a tag that types text as something else ---------------------------------------


@pytest.mark.parametrize(("tagged", "got"), [
    ('  - id: !!int 2\n', "number"), ('  - id: !!float 2\n', "number"),
    ('  - id: !!int "2"\n', "number"), ('  - id: !!bool true\n', "boolean")])
def test_a_tagged_id_is_told_to_drop_its_tag(parser, tmp_path, capsys, tagged, got):
    # quoting would not help: a tagged value keeps its tag's type, quoted or not
    text = TEXT.replace('  - id: "2"\n', tagged, 1)
    assert tagged in text
    path = write(tmp_path, text)
    code, lines = validate(path, capsys)
    tag = tagged.split()[2]
    assert code == EXIT_INVALID
    assert lines[0].endswith(f"injects[1].id: expected text, got a {got} (its {tag} tag "
                             "makes it one); remove the tag, or write !!str")


def test_a_tagged_title_is_told_to_drop_its_tag(parser, tmp_path, capsys):
    text, n = re.subn(r"(?m)^  title: .*$", "  title: !!int 2026", TEXT, count=1)
    assert n == 1
    path = write(tmp_path, text)
    code, lines = validate(path, capsys)
    assert code == EXIT_INVALID
    assert lines[0].endswith("drill.title: expected text, got a number (its !!int tag "
                             "makes it one); remove the tag, or write !!str")
