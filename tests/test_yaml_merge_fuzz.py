"""Anchors, aliases and merge keys, generated: the data is what PyYAML makes of the
same text, and every value is placed where the text that gives it is written.

Each generated document defines mappings one after the other, each with its own
anchor; a mapping holds values, nested mappings and, somewhere among its keys, a merge
(``<<``) of earlier anchors (one, or a list), of an inline mapping, or nothing. Every
scalar is written once (``v1``, ``v2``, ...), so the place a value is said to come from
can be checked against the text.
"""

from __future__ import annotations

import itertools

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import yamlsrc

KEYS = ["ka", "kb", "kc", "kd"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    counter = itertools.count(1)
    anchors: list[str] = []

    def mapping(depth: int) -> str:
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))
        entries = []
        for key in keys:
            if depth < 2 and draw(st.booleans()):
                entries.append(f"{key}: {mapping(depth + 1)}")
            elif anchors and draw(st.integers(0, 4)) == 0:
                entries.append(f"{key}: *{draw(st.sampled_from(anchors))}")
            else:
                entries.append(f"{key}: v{next(counter)}")
        merge = draw(st.sampled_from(["none", "one", "list", "inline"]))
        if merge == "one" and anchors:
            entries.insert(draw(st.integers(0, len(entries))),
                           f"<<: *{draw(st.sampled_from(anchors))}")
        elif merge == "list" and anchors:
            chosen = draw(st.lists(st.sampled_from(anchors), min_size=1, max_size=3,
                                   unique=True))
            entries.insert(draw(st.integers(0, len(entries))),
                           "<<: [" + ", ".join(f"*{a}" for a in chosen) + "]")
        elif merge == "inline" and depth < 2:
            entries.insert(draw(st.integers(0, len(entries))), f"<<: {mapping(depth + 1)}")
        return "{" + ", ".join(entries) + "}"

    lines = []
    for i in range(draw(st.integers(1, 5))):
        body = mapping(0)
        lines.append(f"d{i}: &a{i} {body}")
        anchors.append(f"a{i}")
    return "\n".join(lines) + "\n"


def _leaves(data: object, path: tuple = ()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    else:
        yield path, data


@pytest.mark.parametrize("parser", ["C", "pure"])
@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=documents())
def test_merges_read_as_pyyaml_reads_them_and_place_each_value(parser, text):
    if parser == "C" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    old = yamlsrc._PARSER
    yamlsrc._PARSER = yaml.CSafeLoader if parser == "C" else yaml.SafeLoader
    try:
        loc = yamlsrc.read_yaml_text(text, "f")
    finally:
        yamlsrc._PARSER = old
    assert loc.data == yaml.safe_load(text)
    lines = text.splitlines()
    for path, value in _leaves(loc.data):
        mark = loc.mark_for(path)
        assert mark is not None, path
        # the value is written where its mark says
        written = lines[mark.line - 1][mark.col - 1:]
        assert written.startswith(str(value)) and not written[len(str(value))].isalnum(), (
            path, value, mark, text)
