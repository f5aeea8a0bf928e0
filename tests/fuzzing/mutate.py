"""Hostile scenario files, made by mutating the bundled scenarios and templates.

A :class:`Case` is the bytes of one scenario file plus what the commands are given
as the scenario (the file itself, or a special file such as ``/dev/zero``).
:func:`cases` is the hypothesis strategy. Most mutations work on the data (the
file read as YAML, changed, written back); some work on the bytes of the file as
written, comments and all.

Files that a case may point at (secrets outside the scenario's folder, a FIFO, a
symlink) are laid out by :func:`materialize`. Paths in the scenario text that
must be absolute are written ``@ROOT@/...`` and filled in there.
"""

from __future__ import annotations

import copy
import math
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

import scenarios

# --- sources ----------------------------------------------------------------------

PACKAGE_DIR = Path(scenarios.__file__).parent


def _source_files() -> dict[str, str]:
    out: dict[str, str] = {}
    for folder in ("bundled", "templates"):
        for path in sorted((PACKAGE_DIR / folder).glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if folder == "templates":
                text = text.replace("__ID__", f"fuzz-{path.stem}").replace(
                    "__TITLE__", f"Fuzzed {path.stem}")
            out[f"{folder}/{path.stem}"] = text
    return out


class CoreLoader(yaml.SafeLoader):
    """Reads plain scalars as the product does (YAML 1.2 core schema): ``on``, ``no``,
    ``09:30`` and dates stay text, so that writing the data back keeps its meaning."""


CoreLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
     r"|\.(?:nan|NaN|NAN))$", list("-+.0123456789")),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    CoreLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def load_data(text: str | bytes) -> Any:
    return yaml.load(text, Loader=CoreLoader)


def dump_data(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)


SOURCES: dict[str, str] = _source_files()
SOURCE_DATA: dict[str, Any] = {name: load_data(text) for name, text in SOURCES.items()}
SOURCE_NAMES: list[str] = sorted(SOURCES)

# --- the files a case may point at -------------------------------------------------

#: Appears in the files outside the scenario's folder; never in any command's output.
CANARY = "FUZZCANARY"
SECRETS = {
    "secret.yaml": f"{CANARY}_key: {CANARY}_value\n{CANARY}_list: [{CANARY}_item]\n",
    "secret-bad.yaml": f"{CANARY}_a: 1\n  {CANARY}_b: [unclosed\n{CANARY}_c: \"x\n",
    "secret-sections.yaml": (
        "actors:\n"
        f"  {CANARY.lower()}-actor:\n"
        f"    name: {CANARY}_name\n"
        f"    kind: {CANARY}_kind\n"
        f"    timezone: {CANARY}/Zone\n"
        f"    {CANARY}_field: {CANARY}_value\n"
        "channels:\n"
        f"  {CANARY.lower()}-channel: {{kind: {CANARY}_kind, latency: {CANARY}_latency}}\n"
    ),
}
SCENARIO_DIR = "scenario"
SCENARIO_NAME = "s.yaml"
SPECIAL_TARGETS = ("dev-zero", "fifo", "directory", "directory-yaml", "missing", "empty", "dev-null")


@dataclass
class Case:
    """One hostile scenario: the bytes of ``scenario/s.yaml`` and what the commands get."""

    source: str
    raw: bytes
    target: str = "scenario"
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.source} [{self.target}] " + "; ".join(self.steps)

    def __repr__(self) -> str:  # the bytes can be megabytes: name the mutations instead
        return f"Case({self.describe()!r}, {len(self.raw)} bytes)"


def materialize(case: Case, root: Path) -> Path:
    """Lay the case out under ``root``; returns the path to give the commands."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in SECRETS.items():
        (root / name).write_text(text, encoding="utf-8")
    folder = root / SCENARIO_DIR
    (folder / "sub" / "dir.yaml").mkdir(parents=True, exist_ok=True)
    (folder / "sub" / "inner.yaml").write_text(
        "channels:\n  inner-mail: {kind: email, latency: 5m}\n", encoding="utf-8")
    (folder / "empty.yaml").write_bytes(b"")
    link = folder / "link.yaml"
    if not link.is_symlink():
        link.symlink_to(root / "secret.yaml")
    if hasattr(os, "mkfifo") and not (folder / "fifo.yaml").exists():
        os.mkfifo(folder / "fifo.yaml")
    # the bundled scenarios' artefact files, read next to the scenario
    evidence = PACKAGE_DIR / "bundled" / "evidence"
    if evidence.is_dir() and not (folder / "evidence").exists():
        shutil.copytree(evidence, folder / "evidence")
    scenario = folder / SCENARIO_NAME
    scenario.write_bytes(case.raw.replace(b"@ROOT@", os.fsencode(root)))
    return {
        "scenario": scenario,
        "dev-zero": Path("/dev/zero"),
        "dev-null": Path("/dev/null"),
        "fifo": folder / "fifo.yaml",
        "directory": folder / "sub",
        "directory-yaml": folder / "sub" / "dir.yaml",
        "missing": folder / "missing.yaml",
        "empty": folder / "empty.yaml",
    }[case.target]


# --- value pools --------------------------------------------------------------------

NUMBERS: list[Any] = [
    0, -1, 1, -0.0, 0.5, 1.5, 2, -(10**9), 10**9, 2**31, 2**63, 2**64 + 1, 10**30, 10**400,
    1e308, -1e308, 1e-320, math.inf, -math.inf, math.nan,
]
DURATIONS = [
    "9" * 400 + "m", "1" + "0" * 308 + "d", "999999999999999999999m", "99999999d", "99999999w",
    "9999999999mo", "0m", "0s", "0.0000001s", "10s", "1s", "59s", "1.5h", "1h30m",
    "1e400m", "-5m", "inf", "nanm", "", "m", "5", " 5m ", "5 m", "1h1h1h1h", "\u0661h",
    "1.m", "00000000000000000001m", "1mo1w1d1h1m1s",
]
DRILL_TIMES = [
    "T+99999d00:00", "T+9999999999d00:00", "T+999:59", "T+00:00", "T+0d00:00", "T-01:00",
    "T+24:00", "T+00:60", "T+1d", "09:30", "T+", "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+14:00", "2026-08-19T10:00:00", "T+00:01",
]
DATES = [
    "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00-23:59", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-23:59", "9999-12-31T00:00:00+00:00",
    "2026-02-30T09:00:00+08:00", "2026-08-19T09:00:00", "2026-08-19", "9999-12-31",
    "0001-01-01", "2026-13-01", "1970-01-01T00:00:00Z", "2038-01-19T03:14:08+00:00",
    "2026-03-29T02:30:00+01:00",
]
TIMEZONES = [
    "Asia", "America", "Etc", "Asia/", "Asia//Singapore", "Nowhere/Atlantis", "A" * 300,
    "Asia/" + "x" * 300, "../../../../etc/passwd", "/etc/localtime", "", ".", "..",
    "right/UTC", "posixrules", "Factory", "UTC", "EST5EDT", "Etc/GMT+14", "Etc/GMT-14",
    "zone.tab", "tzdata.zi", "leapseconds", "__init__.py", "Asia/Singapore\x00",
    " Asia/Singapore", "asia/singapore", "GMT+8",
]
WORKING_DAYS: list[Any] = [
    [], ["sun"], ["funday"], ["mon"] * 50, "mon", ["MON"], [None], [[]], {"mon": 1},
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
]
WORKING_HOURS: list[Any] = [
    "00:00-00:00", "23:59-00:00", "09:00-09:00", "09:00-09:01", "25:00-26:00", "17:00-09:00",
    "00:00-24:00", "9-5", "", "09:00-17:00,18:00-19:00", ["09:00-17:00"], 0,
]
HOSTILE_TEXT = [
    "\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\x1b[31mred\x1b[0m", "\x9b31m", "\x07\x08\x7f",
    "Phish [/x] report", "[@click=app.quit]click[/]", "TLP [RED]", "[bold red]x[/bold red]",
    "[/]", "[", "\u202egnp.exe", "\u2066x\u2069", "\u2028", "\x00", "\r", "\t",
    "<script>alert(1)</script>", "| a | b |", "`code`", "%s%n", "{0}", "\\", "'\"",
    "x" * 100_000, "\ufeff", "\ud7ff",
]
ID_SHAPES: list[Any] = [
    [[]], {}, [{}], [], [None], {"a": 1}, {"id": {}}, None, True, 0, 1.5, "", " ", "x" * 1000,
    "no-such-id", "a b", "-lead", "ÿ", [["cert"]], [{"a": [{}]}],
]
INCLUDES = [
    "/dev/zero", "/dev/urandom", "/dev/null", "@ROOT@/secret.yaml", "@ROOT@/secret-sections.yaml",
    "@ROOT@/secret-bad.yaml", "../secret.yaml", "../secret-sections.yaml", "../secret-bad.yaml",
    "sub/../../secret-sections.yaml", "./../secret.yaml", "link.yaml", "fifo.yaml", "@ROOT@",
    "sub", "sub/dir.yaml", "s.yaml", "./s.yaml", "sub/inner.yaml", "empty.yaml", "asean",
    "asean/actors", "asean/../asean/actors", "asean/../../bundled/tutorial", "../" * 12 + "dev/zero",
    "nonexistent", "x" * 300 + ".yaml", "", ".", "missing.yaml",
]
KEY_NAMES = [
    "include", "drill", "actors", "<<", "", "x" * 300, "unknown_field", "id", "\x1b[2J",
    "[bold]k", "__proto__", "0", "true",
]

#: Keys whose values are durations.
DURATION_KEYS = {
    "duration", "latency", "within", "deadline", "delay", "median", "p90", "low", "high", "mean",
    "max", "mode", "value", "ack_delay", "analysis_time", "drafting_time", "followup_after",
    "bounce", "values",
}
#: Keys whose values are ids or lists of ids.
ID_KEYS = {
    "id", "to", "sender", "via", "incident", "objective", "actors", "target", "contingency",
    "after", "channel", "fallback", "by", "on", "affected", "hosted_in", "include",
    "affected_group", "action", "kind", "types", "tlp", "facts_tlp", "country", "objectives",
}
NUMBER_KEYS = {
    "loss", "capacity", "score", "weights", "follow_rules", "tlp_breach", "silent_when_stale",
    "mu", "sigma", "min_affected", "rule_probability",
}
_DURATION_TEXT = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:mo|s|m|h|d|w)\b")


# --- data helpers --------------------------------------------------------------------

Path_ = tuple[Any, ...]


def all_paths(data: Any) -> list[Path_]:
    """Every value's path, parents before children (the root is ``()``)."""
    out: list[Path_] = []
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack:
        path, node = stack.pop(0)
        out.append(path)
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
    return out


def get_at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def set_at(data: Any, path: Path_, value: Any) -> Any:
    """Set the value at ``path``; returns the new root (for ``path == ()``)."""
    if not path:
        return value
    get_at(data, path[:-1])[path[-1]] = value
    return data


def delete_at(data: Any, path: Path_) -> None:
    parent = get_at(data, path[:-1])
    del parent[path[-1]]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def _pick_path(draw, data: Any, pred=None, with_root: bool = False) -> Path_ | None:
    paths = [p for p in all_paths(data) if (with_root or p) and (pred is None or pred(p, get_at(data, p)))]
    if not paths:
        return None
    return draw(st.sampled_from(paths))


def _pick_mapping(draw, data: Any, under: Path_) -> Path_ | None:
    """A mapping directly under ``under`` (e.g. one actor of ``actors``)."""
    try:
        parent = get_at(data, under)
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(parent, dict):
        return None
    keys = [k for k, v in parent.items() if isinstance(v, dict)]
    if not keys:
        return None
    return (*under, draw(st.sampled_from(keys)))


# --- data mutations: each takes (draw, data, ctx) and returns (data, description) ------------


@dataclass
class Ctx:
    """Text substituted after the data is written back (deep nesting cannot be dumped)."""

    tokens: dict[str, str] = field(default_factory=dict)
    tail: list[str] = field(default_factory=list)


def m_delete(draw, data, ctx):
    path = _pick_path(draw, data)
    if path is None:
        return data, "delete: nothing"
    delete_at(data, path)
    return data, f"delete {_where(path)}"


def m_retype(draw, data, ctx):
    path = _pick_path(draw, data, with_root=True)
    value = get_at(data, path)
    shape = draw(st.sampled_from(["list", "mapping", "text", "null", "first", "number", "bool"]))
    if shape == "list":
        new = [value]
    elif shape == "mapping":
        new = {"x": value}
    elif shape == "text":
        new = str(value)[:200]
    elif shape == "null":
        new = None
    elif shape == "first":
        if isinstance(value, dict) and value:
            new = next(iter(value.values()))
        elif isinstance(value, list) and value:
            new = value[0]
        else:
            new = [[value]]
    elif shape == "number":
        new = draw(st.sampled_from(NUMBERS))
    else:
        new = draw(st.booleans())
    return set_at(data, path, new), f"retype {_where(path)} -> {shape}"


def m_number(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: (isinstance(v, (int, float)) and not isinstance(v, bool))
                      or (isinstance(p[-1], str) and p[-1] in NUMBER_KEYS))
    if path is None:
        path = _pick_path(draw, data)
    if path is None:
        return data, "number: nothing"
    value = draw(st.sampled_from(NUMBERS))
    return set_at(data, path, value), f"number {_where(path)} = {_show(value)}"


def m_duration(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: (isinstance(p[-1], str) and p[-1] in DURATION_KEYS
                                                and not isinstance(v, (dict, list)))
                      or (isinstance(v, str) and bool(_DURATION_TEXT.match(v))))
    if path is None:
        return data, "duration: nothing"
    value = draw(st.sampled_from(DURATIONS + NUMBERS[:6]))
    return set_at(data, path, value), f"duration {_where(path)} = {_show(value)}"


def m_drill_time(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: p[-1] == "at" or (isinstance(v, str) and v.startswith("T+")))
    value = draw(st.sampled_from(DRILL_TIMES))
    if path is None:
        injects = data.get("injects") if isinstance(data, dict) else None
        if not (isinstance(injects, list) and injects and isinstance(injects[0], dict)):
            return data, "drill time: nothing"
        path = ("injects", 0, "at")
    return set_at(data, path, value), f"drill time {_where(path)} = {_show(value)}"


def m_duplicate(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: isinstance(v, list) and bool(v), with_root=True)
    if path is None:
        return data, "duplicate: nothing"
    items = get_at(data, path)
    i = draw(st.integers(0, len(items) - 1))
    times = draw(st.sampled_from([1, 1, 2, 10, 100]))
    j = draw(st.integers(0, len(items)))
    items[j:j] = [copy.deepcopy(items[i]) for _ in range(times)]
    return data, f"duplicate {_where(path)}[{i}] x{times}"


def m_id_shape(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: isinstance(p[-1], str) and p[-1] in ID_KEYS)
    if path is None or draw(st.integers(0, 3)) == 0:
        path = _pick_path(draw, data, lambda p, v: isinstance(v, str) or isinstance(p[-1], int))
    if path is None:
        return data, "id shape: nothing"
    value = draw(st.sampled_from(ID_SHAPES))
    if isinstance(get_at(data, path), list) and draw(st.booleans()):
        value = [value]
    return set_at(data, path, copy.deepcopy(value)), f"id shape {_where(path)} = {_show(value)}"


def m_deep(draw, data, ctx):
    path = _pick_path(draw, data, with_root=False)
    if path is None:
        return data, "deep: nothing"
    depth = draw(st.sampled_from([20, 63, 64, 65, 100, 300, 990, 1000, 3000, 20000]))
    style = draw(st.sampled_from(["list", "map", "mixed"]))
    if style == "list":
        text = "[" * depth + "]" * depth
    elif style == "map":
        text = "{a: " * depth + "1" + "}" * depth
    else:
        text = "[{a: " * (depth // 2) + "1" + "}]" * (depth // 2)
    token = f"DEEPTOKEN{len(ctx.tokens)}"
    ctx.tokens[token] = text
    return set_at(data, path, token), f"deep {style} x{depth} at {_where(path)}"


def m_deep_block(draw, data, ctx):
    depth = draw(st.sampled_from([65, 200, 500, 1200]))
    ctx.tail.append("deep:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(depth)))
    return data, f"deep block mapping x{depth} at the end"


def m_hostile_text(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: isinstance(v, str))
    if path is None:
        return data, "hostile text: nothing"
    bad = draw(st.sampled_from(HOSTILE_TEXT))
    how = draw(st.sampled_from(["replace", "prefix", "suffix"]))
    old = get_at(data, path)
    new = bad if how == "replace" else (bad + old if how == "prefix" else old + bad)
    return set_at(data, path, new), f"hostile text {_where(path)} {how} {_show(bad)}"


def m_rename_key(draw, data, ctx):
    path = _pick_path(draw, data, lambda p, v: isinstance(p[-1], str))
    if path is None:
        return data, "rename key: nothing"
    parent = get_at(data, path[:-1])
    siblings = [k for k in parent if k != path[-1]]
    pool = KEY_NAMES + HOSTILE_TEXT[:10] + siblings
    new = draw(st.sampled_from(pool))
    items = [(new if k == path[-1] else k, v) for k, v in parent.items()]
    parent.clear()
    for k, v in items:
        parent[k] = v
    return data, f"rename key {_where(path)} -> {_show(new)}"


def m_date(draw, data, ctx):
    value = draw(st.sampled_from(DATES))
    if draw(st.booleans()) and isinstance(data, dict) and isinstance(data.get("drill"), dict):
        data["drill"]["start"] = value
        return data, f"drill.start = {value}"
    actor = _pick_mapping(draw, data, ("actors",))
    if actor is None:
        return data, "date: nothing"
    days = [value, draw(st.sampled_from(DATES))]
    get_at(data, actor)["holidays"] = days
    return data, f"{_where(actor)}.holidays = {days}"


def m_actor_field(draw, data, ctx):
    key, pool = draw(st.sampled_from([
        ("timezone", TIMEZONES), ("working_days", WORKING_DAYS), ("working_hours", WORKING_HOURS),
        ("capacity", NUMBERS), ("staffing", ["24/7", "office-hours", "", [], "25/8"]),
    ]))
    value = copy.deepcopy(draw(st.sampled_from(pool)))
    if key == "timezone" and draw(st.integers(0, 3)) == 0 and isinstance(data, dict) \
            and isinstance(data.get("drill"), dict):
        data["drill"]["clock_timezone"] = value
        return data, f"drill.clock_timezone = {_show(value)}"
    actor = _pick_mapping(draw, data, ("actors",))
    if actor is None:
        return data, f"actor {key}: nothing"
    get_at(data, actor)[key] = value
    return data, f"{_where(actor)}.{key} = {_show(value)}"


def m_include(draw, data, ctx):
    if not isinstance(data, dict):
        return data, "include: not a mapping"
    names = draw(st.lists(st.sampled_from(INCLUDES), min_size=1, max_size=3))
    how = draw(st.sampled_from(["append", "replace", "text"]))
    current = data.get("include")
    if how == "append" and isinstance(current, list):
        data["include"] = [*current, *names]
    elif how == "text":
        data["include"] = names[0]
    else:
        data["include"] = names
    return data, f"include {how} {names}"


def m_aliases(draw, data, ctx):
    levels = draw(st.integers(1, 9))
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    ctx.tail.append("\n".join(lines) + "\n")
    return data, f"alias expansion 10^{levels}"


# Values that mean something come first: hypothesis draws the first entries more often,
# and a file broken by a structural change hides what a bad value would do.
DATA_MUTATIONS = [
    m_duration, m_actor_field, m_date, m_number, m_id_shape, m_drill_time, m_hostile_text,
    m_include, m_retype, m_delete, m_duplicate, m_deep, m_rename_key, m_deep_block, m_aliases,
]


def apply_data_mutations(draw, source: str, count: int) -> tuple[bytes, list[str]]:
    data = copy.deepcopy(SOURCE_DATA[source])
    ctx = Ctx()
    steps = []
    for _ in range(count):
        mutation = draw(st.sampled_from(DATA_MUTATIONS))
        data, step = mutation(draw, data, ctx)
        steps.append(step)
    text = dump_data(data)
    for token, replacement in ctx.tokens.items():
        text = text.replace(f"'{token}'", replacement).replace(token, replacement)
    if ctx.tail:
        text = text.rstrip("\n") + "\n" + "".join(ctx.tail)
    return text.encode("utf-8", "surrogatepass"), steps


# --- byte mutations --------------------------------------------------------------------------

HOSTILE_BYTES = [
    b"\x00", b"\xff", b"\xc3", b"\xe2\x80", b"\x1b[31m", b"\t", b"\r", b"\n", b":", b": ", b"- ",
    b"{", b"}", b"[", b"]", b'"', b"'", b"&a ", b"*a", b"*nope ", b"!!python/object/apply:os.system [true] ",
    b"!!binary ", b"!custom ", b"%YAML 1.1\n", b"---\n", b"...\n", b"? ", b"|", b">", b"<<: ",
    b"\xef\xbb\xbf", b"\\", b"#",
    b"@", b"`", b"%", b"\xe2\x80\xae", b"\x85", b"\xc2\x9b", b",", b"&", b"!", b"~",
]


def b_truncate(draw, raw):
    pos = draw(st.integers(0, max(len(raw) - 1, 0)))
    return raw[:pos], f"truncate at byte {pos}"


def b_flip(draw, raw):
    if not raw:
        return raw, "flip: empty"
    pos = draw(st.integers(0, len(raw) - 1))
    mask = draw(st.integers(1, 255))
    return raw[:pos] + bytes([raw[pos] ^ mask]) + raw[pos + 1:], f"flip byte {pos} ^ {mask:#04x}"


def b_insert(draw, raw):
    pos = draw(st.integers(0, len(raw)))
    chunk = draw(st.sampled_from(HOSTILE_BYTES))
    return raw[:pos] + chunk + raw[pos:], f"insert {chunk!r} at byte {pos}"


def b_delete(draw, raw):
    if not raw:
        return raw, "delete bytes: empty"
    pos = draw(st.integers(0, len(raw) - 1))
    n = draw(st.integers(1, 64))
    return raw[:pos] + raw[pos + n:], f"delete {n} bytes at {pos}"


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True) or [b""]


def b_line(draw, raw):
    lines = _lines(raw)
    i = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["duplicate", "delete", "swap", "indent", "dedent", "tab"]))
    line = lines[i]
    if how == "duplicate":
        lines.insert(i, line)
    elif how == "delete":
        del lines[i]
    elif how == "swap" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif how == "indent":
        lines[i] = b"  " + line
    elif how == "dedent":
        lines[i] = line[1:] if line.startswith(b" ") else line
    elif how == "tab":
        lines[i] = b"\t" + line.lstrip(b" ")
    return b"".join(lines), f"line {i + 1}: {how}"


BYTE_MUTATIONS = [b_truncate, b_flip, b_insert, b_delete, b_line]

#: Files that never end: read only where the harness can cap memory (Linux).
ENDLESS = ("/dev/zero", "/dev/urandom", "../" * 12 + "dev/zero", "dev-zero")
if not sys.platform.startswith("linux"):
    INCLUDES = [name for name in INCLUDES if name not in ENDLESS]
    SPECIAL_TARGETS = tuple(t for t in SPECIAL_TARGETS if t not in ENDLESS)

MODES = ["data", "special", "bytes", "data", "data+bytes", "data", "bytes", "data", "data+bytes", "data",
         "bytes", "data"]


@st.composite
def cases(draw) -> Case:
    source = draw(st.sampled_from(SOURCE_NAMES))
    mode = draw(st.sampled_from(MODES))
    steps: list[str] = []
    raw = SOURCES[source].encode("utf-8")
    target = "scenario"
    if mode.startswith("data"):
        raw, steps = apply_data_mutations(draw, source, draw(st.sampled_from([1, 2, 1, 3, 1, 4])))
    if mode.endswith("bytes"):
        for _ in range(draw(st.integers(1, 3))):
            raw, step = draw(st.sampled_from(BYTE_MUTATIONS))(draw, raw)
            steps.append(step)
    if mode == "special":
        target = draw(st.sampled_from(SPECIAL_TARGETS))
    return Case(source, raw, target, steps)
