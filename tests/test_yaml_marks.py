"""Where a problem is placed, and what a file may hold, with either YAML parser.

Merge keys (``<<``) place a merged value's problems at the merged text, except under
a key the mapping gives itself; characters YAML refuses and bytes that are not UTF-8
are placed by line and character, whatever ends the lines; and no file makes the
command stop with an internal error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import yamlsrc
from sim.cli import EXIT_INVALID, EXIT_OK, main

# a scenario made of the regional library, with one actor of its own
HEAD = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: d1
  title: T
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
"""


def validate(capsys, path: Path) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out.splitlines()


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_a_list_of_mappings_merged_can_be_followed_by_keys_of_its_own(parser, tmp_path,
                                                                      capsys):
    path = write(tmp_path, HEAD.replace("drill:", "x-where: &where {country: TH, timezone: "
                                        "Asia/Bangkok}\nx-isp: &isp {kind: isp}\ndrill:") + """\
actors:
  isp-th:
    <<: [*where, *isp]
    name: N
    contacts:
      email: {address: a@b.example}
""")
    code, out = validate(capsys, path)
    assert code == EXIT_OK, out
    assert yamlsrc.read_yaml_file(path).data["actors"]["isp-th"] == {
        "country": "TH", "timezone": "Asia/Bangkok", "kind": "isp", "name": "N",
        "contacts": {"email": {"address": "a@b.example"}}}


def test_a_key_given_before_a_merge_keeps_its_own_place(parser, tmp_path, capsys):
    path = write(tmp_path, HEAD + """\
actors:
  isp-th:
    name: N
    kind: isp
    country: THA
    timezone: Asia/Bangkok
    contacts:
      email: {address: a@b.example}
    <<: {country: TH, kind: isp}
""")
    code, out = validate(capsys, path)
    # the mapping's own 'THA' is the value, at line 11, not the merged 'TH' of line 15
    assert code == EXIT_INVALID
    assert out[0].startswith(f"{path}:11:14: actors.isp-th.country: 'THA'")


@pytest.mark.parametrize("merge_first", [True, False], ids=["merge-first", "merge-last"])
def test_a_problem_under_a_key_that_overrides_a_merge_is_placed_at_that_key(
        parser, tmp_path, capsys, merge_first):
    # the merged 'contacts' is dropped whole: its 'address' is no longer in the scenario
    own = """\
    name: N
    kind: isp
    country: TH
    timezone: Asia/Bangkok
    contacts:
      email: {stale: true}
"""
    merge = "    <<: *b\n"
    text = HEAD.replace("drill:", "x-base: &b\n  contacts:\n    email: {address: a@b.example}"
                        "\ndrill:") + "actors:\n  isp-th:\n" + (
        merge + own if merge_first else own + merge)
    path = write(tmp_path, text)
    code, out = validate(capsys, path)
    line = text.splitlines().index("      email: {stale: true}") + 1
    assert code == EXIT_INVALID
    assert out[0] == (f"{path}:{line}:14: actors.isp-th.contacts.email.address: "
                      "required field is missing")


def test_a_problem_in_a_merged_value_is_placed_at_the_merged_text(parser, tmp_path, capsys):
    text = HEAD.replace("drill:", "x-c: &c {country: THA, timezone: Asia/Bangkok}\ndrill:") + """\
actors:
  isp-th:
    <<: *c
    name: N
    kind: isp
    contacts:
      email: {address: a@b.example}
"""
    path = write(tmp_path, text)
    code, out = validate(capsys, path)
    assert code == EXIT_INVALID
    assert out[0].startswith(f"{path}:2:19: actors.isp-th.country: 'THA'")  # in x-c


@pytest.mark.parametrize("number", ["0x" + "f" * 4000, "0o" + "7" * 4000],
                         ids=["hex", "octal"])
def test_a_number_of_thousands_of_digits_in_any_base_is_a_problem(parser, tmp_path, capsys,
                                                                  number):
    path = write(tmp_path, HEAD.replace("  duration: 8h\n", f"  duration: 8h\n  tlp: {number}\n")
                 + "actors: {}\n")
    code, out = validate(capsys, path)
    assert code == EXIT_INVALID
    assert out[0] == f"{path}:7:8: drill.tlp: a number with more than 400 digits"


@pytest.mark.parametrize("char", ["\x07", "\x7f", "\x9b", "\ufffe"],
                         ids=["bell", "delete", "c1-control", "non-character"])
def test_a_character_yaml_refuses_is_placed_by_line_and_character(parser, tmp_path, capsys,
                                                                  char):
    # multi-byte text before it on its line: libyaml counts bytes, the place counts
    # characters
    path = write(tmp_path, f'drill:\n  title: "ééééé"\n  id: x{char}y\n')
    code, out = validate(capsys, path)
    assert code == EXIT_INVALID
    assert out[0].startswith(f"{path}:3:8: invalid YAML: ")
    assert out[0].endswith(f"(character U+{ord(char):04X})")


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_bytes_that_are_not_utf8_are_placed_by_line_and_character(parser, tmp_path, capsys,
                                                                   ending):
    lines = ["drill:", '  title: "ééé\xff"', "  id: x"]
    raw = ending.join(lines).encode("utf-8").replace(b"\xc3\xbf", b"\xff") + ending.encode()
    path = write(tmp_path, raw)
    code, out = validate(capsys, path)
    # line 2, the 14th character (each "é" is two bytes but one character)
    assert code == EXIT_INVALID
    assert out[0] == f"{path}:2:14: file is not UTF-8 text"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_refused_character_is_placed_whatever_ends_the_lines(parser, tmp_path, capsys,
                                                               ending):
    path = write(tmp_path, ending.join(["drill:", "  title: T", "  id: x\x07y"]) + ending)
    code, out = validate(capsys, path)
    assert code == EXIT_INVALID
    assert out[0].startswith(f"{path}:3:8: invalid YAML: ")


@pytest.mark.parametrize(("text", "problem"), [
    ("m: {<<: {x: 1, x: 2}}\n", "f:1:16: duplicate key 'x' (first given at line 1)"),
    ("m: {<<: [{x: 1}, {y: 1, y: 2}]}\n", "f:1:25: duplicate key 'y' (first given at line 1)"),
    ("m: {<<: {n: {a: 1, a: 2}}}\n", "f:1:20: duplicate key 'a' (first given at line 1)"),
    ("m:\n  <<:\n    x: 1\n    x: 2\n", "f:4:5: duplicate key 'x' (first given at line 3)"),
], ids=["inline", "list", "nested", "block"])
def test_a_duplicate_key_inside_merged_content_is_a_problem(parser, text, problem):
    with pytest.raises(yamlsrc.YamlProblem) as info:
        yamlsrc.read_yaml_text(text, "f")
    assert f"{info.value.mark}: {info.value}" == problem


@pytest.mark.parametrize("text", [
    "c: &c {x: {p: 1, q: 2}}\nb: &b {x: {p: 3}, <<: *c}\nu: *b\n",
    "c: &c {x: {p: 1, q: 2}}\nb: &b {<<: *c, x: {p: 3}}\nu: {<<: *b}\n",
], ids=["merge-last", "merge-first"])
def test_an_anchor_on_a_mapping_that_overrides_a_merge_keeps_its_own_marks(parser, text):
    loc = yamlsrc.read_yaml_text(text, "f")
    assert loc.data["u"] == {"x": {"p": 3}}
    # the copy is placed at b's own x (line 2), and nothing is placed under the
    # overridden x of c (its q)
    assert loc.mark_for(("u", "x")).line == 2 and loc.mark_for(("u", "x", "p")).line == 2
    assert ("u", "x", "q") not in loc.values and ("u", "x", "q") not in loc.keys


def test_an_anchored_merge_list_repeats_its_mappings(parser):
    loc = yamlsrc.read_yaml_text("m: {<<: &l [{x: 1}, {y: 2}]}\nn: *l\n", "f")
    assert loc.data == {"m": {"x": 1, "y": 2}, "n": [{"x": 1}, {"y": 2}]}


def test_of_the_mappings_merged_the_first_to_give_a_key_gives_its_marks(parser):
    # the merged list's first mapping gives 'ka' (and 'k'): the later one's text under
    # that key is not the value's, here nor in a copy of the anchored result
    text = ("d0: &a0 {ka: v1, k: {x: 1}}\nd1: &a1 {ka: *a0, k: {y: 2}}\n"
            "d2: &a2 {<<: [*a0, *a1]}\nd3: {ka: *a2}\n")
    loc = yamlsrc.read_yaml_text(text, "f")
    assert loc.data["d2"] == {"ka": "v1", "k": {"x": 1}}
    assert loc.mark_for(("d2", "ka")).line == 1
    assert loc.mark_for(("d3", "ka", "ka")).line == 1
    assert loc.mark_for(("d3", "ka", "k", "x")).line == 1
    for table in (loc.values, loc.keys):
        assert ("d2", "k", "y") not in table and ("d3", "ka", "k", "y") not in table


def _exists(data: object, path: tuple) -> bool:
    for part in path:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_dict or in_list):
            return False
        data = data[part]  # type: ignore[index]
    return True


def test_a_copy_of_an_anchored_merge_list_marks_only_what_it_holds(parser):
    loc = yamlsrc.read_yaml_text("m: {<<: &l [{x: 1}, {y: 2}]}\nn: *l\n", "f")
    assert loc.data["n"] == [{"x": 1}, {"y": 2}]
    for table in (loc.values, loc.keys):
        assert all(_exists(loc.data, path) for path in table), sorted(table)
    assert loc.mark_for(("n", 0, "x")).line == 2  # the alias's own place


@pytest.mark.parametrize(("text", "problem"), [
    ("m: {<<: [{x: 1}, [{y: 1}]], z: 2}\n", "f:1:18: '<<' must merge a mapping"),
    ("m: {<<: [[{x: 1}]]}\n", "f:1:10: '<<' must merge a mapping"),
    ("m:\n  <<: {x: 1}\n  y: 2\n  <<: {x: 3, z: 4}\n",
     "f:4:3: duplicate key '<<': merge every mapping in one list instead ('<<: [*a, *b]')"),
], ids=["list-in-list", "only-a-list", "twice"])
def test_what_a_merge_cannot_take_is_a_problem(parser, text, problem):
    # a list in a merged list was merged as nothing; a second '<<' was read otherwise
    # than PyYAML reads it: both are refused, as any other repeated key is
    with pytest.raises(yamlsrc.YamlProblem) as info:
        yamlsrc.read_yaml_text(text, "f")
    assert f"{info.value.mark}: {info.value}" == problem
