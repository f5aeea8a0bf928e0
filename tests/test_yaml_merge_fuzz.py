"""Anchors, aliases and merge keys, generated: the data is what YAML's merge rules make
of the text, and every value is placed where the text that gives it is written.

Each generated document defines mappings one after the other, each with its own
anchor; a mapping holds values, nested mappings and, somewhere among its keys, a merge
(``<<``) of earlier anchors (one, or a list), of an inline mapping, or nothing. Every
scalar is written once (``v1``, ``v2``, ...), so the place a value is said to come from
can be checked against the text.
"""

from __future__ import annotations

import copy
import itertools

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import yamlsrc

KEYS = ["ka", "kb", "kc", "kd"]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict]:
    """A document's text, and the data the YAML merge rules make of it: a mapping's
    own keys win over merged ones, and in a merged list the earlier mappings win."""
    counter = itertools.count(1)
    anchors: dict[str, dict] = {}

    def mapping(depth: int) -> tuple[str, dict]:
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))
        entries = []
        own: dict = {}
        for key in keys:
            if depth < 2 and draw(st.booleans()):
                text, value = mapping(depth + 1)
                entries.append(f"{key}: {text}")
                own[key] = value
            elif anchors and draw(st.integers(0, 4)) == 0:
                name = draw(st.sampled_from(sorted(anchors)))
                entries.append(f"{key}: *{name}")
                own[key] = copy.deepcopy(anchors[name])
            else:
                n = next(counter)
                entries.append(f"{key}: v{n}")
                own[key] = f"v{n}"
        merge = draw(st.sampled_from(["none", "one", "list", "inline"]))
        merged: list[dict] = []
        at = draw(st.integers(0, len(entries)))
        if merge == "one" and anchors:
            name = draw(st.sampled_from(sorted(anchors)))
            entries.insert(at, f"<<: *{name}")
            merged = [anchors[name]]
        elif merge == "list" and anchors:
            chosen = draw(st.lists(st.sampled_from(sorted(anchors)), min_size=1, max_size=3,
                                   unique=True))
            entries.insert(at, "<<: [" + ", ".join(f"*{a}" for a in chosen) + "]")
            merged = [anchors[a] for a in chosen]
        elif merge == "inline" and depth < 2:
            text, value = mapping(depth + 1)
            entries.insert(at, f"<<: {text}")
            merged = [value]
        data = dict(own)
        for m in merged:
            for k, v in m.items():
                data.setdefault(k, copy.deepcopy(v))
        return "{" + ", ".join(entries) + "}", data

    lines = []
    expected = {}
    for i in range(draw(st.integers(1, 5))):
        text, value = mapping(0)
        lines.append(f"d{i}: &a{i} {text}")
        anchors[f"a{i}"] = value
        expected[f"d{i}"] = value
    return "\n".join(lines) + "\n", expected


def _leaves(data: object, path: tuple = ()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    else:
        yield path, data


@pytest.mark.parametrize("parser", ["C", "pure"])
@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(document=documents())
def test_merges_read_as_yaml_defines_them_and_place_each_value(parser, document):
    text, expected = document
    if parser == "C" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    old = yamlsrc._PARSER
    yamlsrc._PARSER = yaml.CSafeLoader if parser == "C" else yaml.SafeLoader
    try:
        loc = yamlsrc.read_yaml_text(text, "f")
    finally:
        yamlsrc._PARSER = old
    assert loc.data == expected
    lines = text.splitlines()
    for path, value in _leaves(loc.data):
        mark = loc.mark_for(path)
        assert mark is not None, path
        # the value is written where its mark says
        written = lines[mark.line - 1][mark.col - 1:]
        assert written.startswith(str(value)) and not written[len(str(value))].isalnum(), (
            path, value, mark, text)


def _naive(loc: yamlsrc.Located, prefix: tuple) -> tuple[list, list]:
    """What ``under``/``under_pair`` must give: every value and key at or below
    ``prefix``, in the order of the document's tables."""
    n = len(prefix)
    return ([(p, m) for p, m in loc.values.items() if len(p) >= n and p[:n] == prefix],
            [(p, m) for p, m in loc.keys.items() if len(p) >= n and p[:n] == prefix])


@settings(max_examples=100, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(document=documents())
def test_the_index_of_marks_by_head_and_pair_holds_what_a_scan_finds(document):
    """Merging includes copies marks through the index by a path's first one or two
    parts, built from runs of paths: it must hold just what a scan of the whole
    document finds, in the same order, whatever merges moved."""
    text, _ = document
    loc = yamlsrc.read_yaml_text(text, "f")
    heads = {p[0] for table in (loc.values, loc.keys) for p in table if p}
    for head in [*heads, "absent"]:
        values, keys = loc.under(head)
        assert (list(values.items()), list(keys.items())) == _naive(loc, (head,))
        seconds = {p[1] for table in (loc.values, loc.keys) for p in table
                   if len(p) > 1 and p[0] == head}
        for second in [*seconds, "absent"]:
            values, keys = loc.under_pair(head, second)
            assert (list(values.items()), list(keys.items())) == _naive(loc, (head, second))


def test_the_index_gathers_a_head_whose_paths_are_not_together():
    """A table whose paths of one head are split by another's (as marks placed when a
    mapping ends may be): each head's index holds all of them, in the table's order."""
    m = [yamlsrc.Mark("f", line, 1) for line in range(1, 9)]
    loc = yamlsrc.Located({}, values={
        (): m[0], ("a",): m[1], ("a", "x"): m[2], ("b",): m[3], ("a", "y"): m[4],
        ("a", "x", 0): m[5], ("b", "x"): m[6],
    }, keys={("a",): m[7], ("b",): m[7], ("a", "x"): m[2]})
    values, keys = loc.under("a")
    assert list(values.items()) == [(("a",), m[1]), (("a", "x"), m[2]), (("a", "y"), m[4]),
                                    (("a", "x", 0), m[5])]
    assert list(keys.items()) == [(("a",), m[7]), (("a", "x"), m[2])]
    values, keys = loc.under_pair("a", "x")
    assert list(values.items()) == [(("a", "x"), m[2]), (("a", "x", 0), m[5])]
    assert list(keys.items()) == [(("a", "x"), m[2])]
    assert loc.under_pair("b", "x") == ({("b", "x"): m[6]}, {})
    assert loc.under("c") == ({}, {})
