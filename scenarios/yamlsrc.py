"""Strict, located YAML reading.

PyYAML speaks YAML 1.1, where unquoted ``9:30`` is the integer 570, ``NO`` (Norway)
is ``False``, ``010`` is 8 and ``2026-08-19`` is a ``date``. A scenario file must
not silently change meaning, so this module resolves plain scalars with the YAML 1.2
core schema instead: only ``true``/``false`` are booleans, only decimal, ``0o`` and
``0x`` numbers are numbers, and everything else stays a string for the models to
parse.

Nothing is ever constructed from tags (there is no object construction at all):
the document is composed into nodes and converted by hand. Each value's source
position is kept in a :class:`Located` document so that validation errors can
name ``file:line:col``.

Documents are refused when they are too large, nest too deeply, or expand (through
aliases) into too many nodes, which is how "billion laughs" alias bombs work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A position in a source file, 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class Located:
    """Plain data plus the source position of every value and mapping key."""

    data: Any
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)

    def mark_for(self, path: Path_) -> Mark | None:
        """Best position for ``path``: the value, its key, or the nearest parent."""
        p = tuple(path)
        while True:
            if p in self.keys and p not in self.values:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = p[:-1]

    def key_mark(self, path: Path_) -> Mark | None:
        return self.keys.get(tuple(path)) or self.mark_for(path)


class YamlProblem(Exception):
    """A problem reading YAML, already positioned."""

    def __init__(self, mark: Mark | None, message: str, path: Path_ = ()):
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.path = path


# --- YAML 1.2 core-schema resolution --------------------------------------------

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader whose resolver never guesses: every plain scalar stays a string.

    We do the YAML 1.2 core-schema resolution ourselves in :func:`_scalar`.
    """


_Loader.yaml_implicit_resolvers = {}
# keep merge keys (<<) so that anchors can be reused the usual way
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style is None:
        if _NULL.match(value):
            return None
        if _BOOL_TRUE.match(value):
            return True
        if _BOOL_FALSE.match(value):
            return False
        if _INT10.match(value):
            return int(value, 10)
        if _INT8.match(value):
            return int(value[2:], 8)
        if _INT16.match(value):
            return int(value[2:], 16)
        if _FLOAT.match(value):
            return float(value)
        if _INF.match(value):
            return float("-inf") if value.startswith("-") else float("inf")
        if _NAN.match(value):
            return float("nan")
    return value


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _check_tag(file: str, node: yaml.Node, path: Path_) -> None:
    tag = node.tag or ""
    allowed = {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:merge",
    }
    if tag.startswith("tag:yaml.org,2002:") and tag in allowed:
        return
    if tag in ("!", "?") or tag == "":
        return
    raise YamlProblem(_mark(file, node), f"tag {tag!r} is not allowed in a scenario file", path)


def read_yaml_text(text: str, file: str) -> Located:
    """Compose ``text`` and convert it to located plain data."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(
            Mark(file, 1, 1),
            f"file is larger than {MAX_BYTES // 1_000_000} MB; a scenario is never this big",
        )
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        msg = exc.problem or str(exc)
        if exc.context:
            msg = f"{msg} ({exc.context})"
        raise YamlProblem(where, f"invalid YAML: {msg}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML always marks its errors
        raise YamlProblem(Mark(file, 1, 1), f"invalid YAML: {exc}") from None
    located = Located(None)
    if node is None:
        return located
    budget = [MAX_NODES]
    located.data = _convert(node, file, (), located, budget, 0)
    return located


def _convert(
    node: yaml.Node, file: str, path: Path_, out: Located, budget: list[int], depth: int
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem(
            _mark(file, node),
            f"document expands to more than {MAX_NODES} values; "
            "aliases that multiply like this are refused",
            path,
        )
    if depth > MAX_DEPTH:
        raise YamlProblem(_mark(file, node), f"nesting deeper than {MAX_DEPTH} levels", path)
    _check_tag(file, node, path)
    out.values[path] = _mark(file, node)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, file, (*path, i), out, budget, depth + 1)
            for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value
                    if isinstance(value_node, yaml.SequenceNode)
                    else [value_node]
                )
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        raise YamlProblem(
                            _mark(file, src), "'<<' must merge a mapping", path
                        )
                    value = _convert(src, file, path, out, budget, depth + 1)
                    for k, v in value.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(_mark(file, key_node), "mapping keys must be plain text", path)
            key = str(key_node.value)
            if key in result:
                raise YamlProblem(
                    _mark(file, key_node),
                    f"duplicate key {key!r} (first given at line {out.keys[(*path, key)].line})",
                    (*path, key),
                )
            out.keys[(*path, key)] = _mark(file, key_node)
            result[key] = _convert(value_node, file, (*path, key), out, budget, depth + 1)
        for k, v in merged.items():
            result.setdefault(k, v)
        out.values[path] = _mark(file, node)
        return result
    raise YamlProblem(_mark(file, node), "unsupported YAML node", path)  # pragma: no cover


def read_yaml_file(path: Path) -> Located:
    """Read a scenario-like YAML file, refusing what is not a readable text file."""
    name = str(path)
    if not path.exists():
        raise YamlProblem(Mark(name, 0, 0), "no such file")
    if path.is_dir():
        raise YamlProblem(Mark(name, 0, 0), "is a directory, not a scenario file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlProblem(Mark(name, 0, 0), f"cannot read: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise YamlProblem(
            Mark(name, 0, 0),
            f"file is {size:,} bytes; a scenario over {MAX_BYTES // 1_000_000} MB is refused",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(Mark(name, 0, 0), f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(Mark(name, line, col), "file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return read_yaml_text(text, name)
