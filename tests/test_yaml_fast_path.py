"""The reader's shortcut for common values gives what its general path gives.

``_Builder.scalar``, ``start`` and ``end`` take most events (an untagged value without
an anchor, in a mapping or a list that no ``<<`` gathers) in a few lines, and hand
every other one to the general path. Random documents full of what the shortcut must
leave to the general path (anchors, aliases, ``<<`` merges, a quoted ``'<<'``, core
and unknown tags, duplicate keys, numbers written oddly, deep nesting) are read twice:
as the reader reads them, and with every event sent down the general path. Data,
positions, the way numbers were written and problems must be the same, in the same
order.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from scenarios import yamlsrc

SCALARS = ["a", "b", "'<<'", "1", "0x1F", "002", "+2", "1.5", ".inf", "null", "~", "true",
           "No", "9:30", "''", '"x"', "!!int 5", "!!str 5", "!!float 2", "!foo 1", "! 3",
           "!!bool yes", "-1", "1e3"]
KEYS = ["a", "b", "c", "<<", "'<<'", "d", "!!str e", "!!int 7"]


def _value(rng: random.Random, depth: int, anchors: list[str], indent: int) -> str:
    """A value at ``indent``: a scalar, an alias, a flow or a block collection, maybe
    with an anchor (``anchors`` collects the names given so far)."""
    anchor = ""
    if rng.random() < 0.15:
        name = f"n{rng.randrange(4)}"
        anchor = f"&{name} "
        anchors.append(name)
    pick = rng.random()
    if depth > 3 or (depth and pick < 0.4):  # a document is a collection
        if anchors and rng.random() < 0.2:
            return f"*{rng.choice(anchors)}"
        return anchor + rng.choice(SCALARS)
    if pick < 0.55:
        items = []
        for _ in range(rng.randrange(4)):
            alias = anchors and rng.random() < 0.3
            items.append(f"{rng.choice(KEYS)}: "
                         + (f"*{rng.choice(anchors)}" if alias else rng.choice(SCALARS)))
        if rng.random() < 0.5:
            return anchor + "[" + ", ".join(rng.choice(SCALARS) for _ in items) + "]"
        return anchor + "{" + ", ".join(items) + "}"
    pad = " " * indent
    lines = []
    block_list = pick < 0.75
    for _ in range(rng.randrange(1, 5)):
        inner = _value(rng, depth + 1, anchors, indent + 2)
        head = f"{pad}- " if block_list else f"{pad}{rng.choice(KEYS)}: "
        if inner.startswith("\n") or (inner.startswith("&") and "\n" in inner):
            name, _, body = inner.partition("\n") if inner.startswith("&") else ("", "", inner[1:])
            lines.append(head + name.strip() + "\n" + body)
        else:
            lines.append(head + inner)
    body = "\n".join(lines)
    return f"{anchor.strip()}\n{body}" if anchor else "\n" + body


def _document(seed: int) -> str:
    rng = random.Random(seed)
    return _value(rng, 0, [], 0).lstrip("\n").removeprefix("&") + "\n"


def _read(text: str) -> tuple[Any, ...]:
    try:
        out = yamlsrc.read_yaml_text(text, "drill.yaml")
    except yamlsrc.YamlProblem as problem:
        return ("problem", str(problem), problem.path)
    return ("read", repr(out.data), list(out.values.items()), list(out.keys.items()),
            list(out.written.items()))


def _general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every event down the general path, as the reader did before its shortcut."""
    builder = yamlsrc._Builder
    monkeypatch.setattr(builder, "scalar", lambda self, e: self._scalar(e, self.mark(e)))
    monkeypatch.setattr(builder, "start",
                        lambda self, e, container: self._start(e, container, self.mark(e)))
    monkeypatch.setattr(builder, "end", lambda self: self._end(self.stack.pop()))


@pytest.mark.parametrize("limits", ["as shipped", "shallow", "small"])
@pytest.mark.parametrize("parser", ["libyaml", "pure"])
def test_the_shortcut_reads_every_document_as_the_general_path_does(
        parser: str, limits: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if parser == "pure":
        monkeypatch.setattr(yamlsrc, "_PARSER", yaml.SafeLoader)
    elif not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML was built without libyaml")
    # limits small enough for these documents to meet them, refused alike on both paths
    if limits == "shallow":
        monkeypatch.setattr(yamlsrc, "MAX_DEPTH", 3)
    elif limits == "small":
        monkeypatch.setattr(yamlsrc, "MAX_VALUES", 6)
    documents = [_document(seed) for seed in range(1500)]
    fast = [_read(text) for text in documents]
    with monkeypatch.context() as m:
        _general_path(m)
        general = [_read(text) for text in documents]
    for text, got, want in zip(documents, fast, general, strict=True):
        assert got == want, text
    # the documents exercise both outcomes, merges and aliases among them
    kinds = {got[0] for got in fast}
    assert kinds == {"read", "problem"}
    assert sum("<<:" in text for text in documents) > 100
    assert sum("*n" in text for text in documents) > 100
    if limits == "as shipped":
        assert sum(got[0] == "read" and "<<" in text
                   for text, got in zip(documents, fast, strict=True)) > 20
    else:
        problems = [got[1] for got in fast if got[0] == "problem"]
        refused = ("nesting deeper than 3 levels" if limits == "shallow"
                   else "document holds more than 6 values")
        assert sum(refused in p for p in problems) > 50


def test_the_general_path_is_what_the_shortcut_is_checked_against(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above would pass with both sides on the shortcut: with the
    general path patched in, the shortcut's methods are not called at all."""
    calls = []
    original = yamlsrc._Builder._scalar

    def counting(self: Any, event: Any, mark: Any) -> None:
        calls.append(event.value)
        original(self, event, mark)

    monkeypatch.setattr(yamlsrc._Builder, "_scalar", counting)
    yamlsrc.read_yaml_text("a: 1\nb: [x, y]\n", "drill.yaml")
    assert calls == []  # plain values take the shortcut
    _general_path(monkeypatch)
    yamlsrc.read_yaml_text("a: 1\nb: [x, y]\n", "drill.yaml")
    assert calls == ["a", "1", "b", "x", "y"]
