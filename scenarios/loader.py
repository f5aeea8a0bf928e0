"""Loading scenario files: includes, validation, cross-references, readable errors.

Every problem is reported as ``file:line:col: path.to.field: message`` and every
problem in a file is reported in one go, through :class:`ScenarioError`.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from . import DEFAULT_SCENARIO, collector
from .durations import format_drill_time, parse_drill_time, parse_duration
from .model import (
    _ID,
    ACTOR_KINDS,
    INCIDENT_SELECTORS,
    MAPPING_SECTIONS,
    MAX_ARTEFACT_BYTES,
    ONE_LINE_PATTERN,
    SELECTORS,
    SHA256_PATTERN,
    STATIC_SELECTORS,
    WEEKDAYS,
    Condition,
    DayRanges,
    Id,
    Policy,
    Scenario,
    StageNames,
    Week,
    check_calendar,
    parse_timetable,
)
from .model import quoted as _quoted
from .yamlsrc import (
    MAX_BYTES,
    Located,
    Mark,
    Unreadable,
    YamlProblem,
    read_bounded,
    read_yaml_file,
)

LIBRARY_PACKAGE = "scenarios.library"
BUNDLED_PACKAGE = "scenarios.bundled"
#: what the models accept as an id (scenarios.model.Id: that pattern, 1 to 64 characters)
_VALID_ID = re.compile(_ID)
_MAX_ID = 64


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file."""

    mark: Mark | None
    path: str
    message: str
    #: more problems of the same kind past this one, counted but not listed
    unlisted: int = 0

    def __str__(self) -> str:
        where = str(self.mark) if self.mark else "?"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# --- bundled files ---------------------------------------------------------------


def bundled_dir() -> Path:
    return Path(str(resources.files(BUNDLED_PACKAGE)))


def library_dir() -> Path:
    return Path(str(resources.files(LIBRARY_PACKAGE)))


def bundled_scenarios() -> list[Path]:
    return sorted(bundled_dir().glob("*.yaml"))




def resolve_scenario_arg(arg: str | None) -> Path:
    """A path, or the id (file stem) of a bundled scenario."""
    if arg is None:
        arg = DEFAULT_SCENARIO
    p = Path(arg)
    if os.path.exists(p) or p.suffix in (".yaml", ".yml") or "/" in arg or "\\" in arg:
        return p
    candidate = bundled_dir() / f"{arg}.yaml"
    if os.path.exists(candidate):
        return candidate
    return p


# --- includes --------------------------------------------------------------------


def _folder_of(path: Path) -> Path:
    """The folder that a file's relative names start from: the real file's, once
    symbolic links are resolved, so that a linked scenario reads the files next to the
    one it links to; named as the user named it when that is the same folder, so that
    problems name the files as the user does."""
    real = path.resolve().parent
    return path.parent if path.parent.resolve() == real else real


def _resolve_include(name: str, base: Path) -> Path:
    if name.endswith((".yaml", ".yml")) or name.startswith((".", "/")):
        return _folder_of(base) / name if not Path(name).is_absolute() else Path(name)
    return library_dir() / f"{name}.yaml"


@dataclass(frozen=True)
class IncludeRoots:
    """The folders a scenario's includes may read from.

    A scenario may include files from its own folder tree (that of the real file,
    when the scenario is a symbolic link) and from the bundled library, plus any
    folder the user names with ``--allow-include``. Paths are compared after
    resolving symbolic links and ``..``, so neither can lead out.
    """

    folders: tuple[Path, ...]

    @classmethod
    def for_scenario(cls, path: Path, extra: tuple[str | Path, ...] = ()) -> IncludeRoots:
        roots = [path.resolve().parent, library_dir().resolve()]
        roots += [Path(p).resolve() for p in extra]
        return cls(tuple(roots))

    def allows(self, target: Path) -> bool:
        try:
            real = target.resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
            return False
        return any(real.is_relative_to(root) for root in self.folders)


def _rebase(loc: Located, prefix: tuple, into: Located) -> None:
    """Copy where everything at and under ``prefix`` was written in ``loc`` into
    ``into``, replacing what ``into`` had for those paths."""
    n = len(prefix)
    values, keys = loc.under_pair(prefix[0], prefix[1]) if n >= 2 else loc.under(prefix[0])
    if n > 2:
        values = {path: mark for path, mark in values.items() if path[:n] == prefix}
        keys = {path: mark for path, mark in keys.items() if path[:n] == prefix}
    into.values.update(values)
    into.keys.update(keys)


def _clear(loc: Located, prefix: tuple) -> None:
    for table in (loc.values, loc.keys):
        for path in [p for p in table if p[: len(prefix)] == prefix and len(p) > len(prefix)]:
            del table[path]


#: fields of an entry written as a mapping that are one value, not separate settings:
#: an override gives them whole (a weekly timetable is not merged day by day)
_WHOLE = frozenset({("actors", "working_pattern")})
#: a team's hours given as working_days or working_hours replace its included timetable
#: (see :func:`_replace_timetable`)
_TIMETABLE_GIVERS = ("working_days", "working_hours")


def _drop(loc: Located, path: tuple) -> None:
    """Forget where ``path`` and everything under it was written."""
    _clear(loc, path)
    loc.keys.pop(path, None)
    loc.values.pop(path, None)


def _week_of(table: Any) -> Week | None:
    """The week an included timetable gives, or None when it is not a sound one (the
    override replaces it all the same)."""
    if not isinstance(table, dict):
        return None
    try:
        week = parse_timetable({k: [v] if isinstance(v, str) else v for k, v in table.items()})
    except (ValueError, TypeError, AttributeError):
        return None
    return week if any(week) else None


def _hhmm(ranges: DayRanges) -> list[str]:
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges]


def _day_runs(days: list[str]) -> str:
    """Days as a timetable key, in runs: ``mon-thu,sat``."""
    ordered = [d for d in WEEKDAYS if d in days]
    runs: list[list[str]] = []
    for d in ordered:
        if runs and WEEKDAYS.index(runs[-1][-1]) == WEEKDAYS.index(d) - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _place(loc: Located, path: tuple, value: Mark | None, key: Mark | None) -> None:
    """Say that ``path`` was written at ``value`` (its key at ``key``)."""
    for table, mark in ((loc.values, value), (loc.keys, key)):
        if mark is not None:
            table[path] = mark


def _replace_timetable(base: dict, over: dict, path: tuple, merged: Located,
                       over_loc: Located, problems: list[Problem] | None) -> None:
    """The included timetable of the entry ``base`` at ``path`` replaced by the
    working_days or working_hours that the override ``over`` gives, keeping what the
    override leaves out: working_hours alone keep the timetable's days, and
    working_days alone its hours when every working day has the same ones. When they
    differ by day, the hours to keep are not known: a problem at the override, added
    to ``problems``."""
    field = "working_pattern"
    where = (*path, field)
    week = _week_of(base[field])
    mark, key_mark = merged.values.get(where), merged.keys.get(where)
    del base[field]
    _drop(merged, where)
    if week is None or ("working_days" in over) == ("working_hours" in over):
        return  # both given, or nothing sound to keep: as the override says
    if "working_hours" in over:
        # the timetable's days, where the timetable names them
        base["working_days"] = [d for d, ranges in zip(WEEKDAYS, week, strict=True) if ranges]
        _drop(merged, (*path, "working_days"))
        _place(merged, (*path, "working_days"), mark, key_mark)
        return
    hours = {ranges for ranges in week if ranges}
    days = over["working_days"]
    given = (*path, "working_days")
    if len(hours) > 1:
        if problems is not None:
            shown = "; ".join(
                f"{_day_runs([d for d, r in zip(WEEKDAYS, week, strict=True) if r == ranges])}: "
                f"{', '.join(_hhmm(ranges))}" for ranges in dict.fromkeys(r for r in week if r))
            problems.append(Problem(
                over_loc.key_mark(given), format_path(given),
                "working_days alone replace the included working_pattern, whose hours "
                f"differ by day ({shown}), so the hours of the days given are not known: "
                "give working_hours too, or a whole working_pattern instead"))
        return
    [ranges] = hours
    if len(ranges) == 1:
        # one range a day: the team's working_hours
        base["working_hours"] = _hhmm(ranges)[0]
        _drop(merged, (*path, "working_hours"))
        _place(merged, (*path, "working_hours"), mark, key_mark)
    elif isinstance(days, list) and days and all(isinstance(d, str) and d in WEEKDAYS
                                                 for d in days):
        # several ranges a day (a lunch closure): a timetable of the days given, which
        # says where the days were given
        base[field] = {_day_runs(days): _hhmm(ranges)}
        _place(merged, where, over_loc.values.get(given), over_loc.keys.get(given))


def _deep_merge(
    base: dict, over: dict, path: tuple, merged: Located, over_loc: Located,
    problems: list[Problem] | None = None,
) -> None:
    """Merge the override ``over`` into the included ``base``, at ``path``, field by
    field, and where each field was written into ``merged``. What an override leaves
    unclear (working_days alone for a timetable whose hours differ by day) is added
    to ``problems``."""
    if len(path) == 2 and path[0] == "actors" and "working_pattern" in base \
            and "working_pattern" not in over and any(g in over for g in _TIMETABLE_GIVERS):
        _replace_timetable(base, over, path, merged, over_loc, problems)
    for key, value in over.items():
        sub = (*path, key)
        whole = len(path) == 2 and (path[0], key) in _WHOLE
        # a distribution given in full ("dist: ...") replaces the library's, whatever its type
        if isinstance(value, dict) and isinstance(base.get(key), dict) and "dist" not in value \
                and not whole:
            _deep_merge(base[key], value, sub, merged, over_loc, problems)
            merged.keys[sub] = over_loc.keys.get(sub, merged.keys.get(sub))
        else:
            if key in base:
                _clear(merged, sub)
            base[key] = value
            _rebase(over_loc, sub, merged)


#: the keys an included file may hold (beside ``x-`` keys of the author's own)
_INCLUDED_KEYS = (*MAPPING_SECTIONS, "include", "library")
#: a key that reads as the name of a section (a misspelt one, say): a problem may name it.
#: Any other key, a line of some other kind of file, is never written out in a problem
_SECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
#: a line of YAML that starts one of the sections an included file may hold
_SECTION_LINE = re.compile(
    r"^[\"']?(?:" + "|".join(map(re.escape, _INCLUDED_KEYS)) + r"|x-[^\s:\"']*)[\"']?[ \t]*:(?:[ \t]|$)",
    re.MULTILINE)
#: what is said of an included file that is no scenario or library file, whatever it holds
_NOT_INCLUDABLE = ("not a scenario or library file: an included file is a YAML mapping of "
                   f"{', '.join(MAPPING_SECTIONS)} (or include), and this one")


def _own_key(key: Any, known: tuple[str, ...]) -> bool:
    return key in known or (isinstance(key, str) and key.startswith("x-"))


def _root_keys() -> tuple[str, ...]:
    return tuple(f.alias or name for name, f in Scenario.model_fields.items())


class _Plain(YamlProblem):
    """A file that is no scenario file, said in one problem that writes out none of its
    text."""


def _not_a_scenario(loc: Located, path: Path, is_root: bool) -> YamlProblem | None:
    """The one problem of a file that is a YAML mapping but no scenario file, or None.

    An included file must hold at least one of the keys an included file may hold. A
    scenario file (the file the user named) at least one section of a scenario, or
    a name close to one (a misspelt section is named by the checks that follow)."""
    data = loc.data
    mark = loc.values.get((), Mark(str(path), 1, 1))
    if not is_root:
        if any(_own_key(k, _INCLUDED_KEYS) for k in data):
            return None
        return _Plain(mark, f"{_NOT_INCLUDABLE} holds none of them")
    known = _root_keys()
    if any(_own_key(k, known) for k in data) or any(
            isinstance(k, str) and _SECTION_NAME.fullmatch(k)
            and difflib.get_close_matches(k, known, n=1, cutoff=0.75) for k in data):
        return None
    return YamlProblem(mark, "not a scenario file: a scenario is a YAML mapping of sections "
                             f"({', '.join(known)}), and none of this file's keys is one")


def _included_yaml_problems(exc: YamlProblem, target: Path) -> list[Problem]:
    """The problems of the included file ``target`` that could not be read as a scenario
    file. Said as they are of a file that starts a section an included file may hold on
    a line of its own (a library file with a mistake in it), or that cannot be read at
    all; any other file gets one problem that writes out none of its text (a YAML
    parser's message may quote a key or a tag of it)."""
    if isinstance(exc, _Plain) or exc.mark is None or exc.mark.line == 0:
        return _yaml_problems(exc)
    try:
        text = read_bounded(target, MAX_BYTES, what="scenario file")
    except Unreadable:
        return _yaml_problems(exc)
    if _SECTION_LINE.search(text.decode("utf-8", "replace")):
        return _yaml_problems(exc)
    return [Problem(exc.mark, "", f"{_NOT_INCLUDABLE} does not read as one")]


#: a file that defines an id: as it was named, and resolved
_Definer = tuple[str, Path]


#: where a file was included: the include entry's mark and path in the including file,
#: the name it gives, and the including file (resolved)
_IncludedAt = tuple[Mark | None, str, str, Path]


def _load_with_includes(
    path: Path, stack: tuple[Path, ...], problems: list[Problem], is_root: bool,
    roots: IncludeRoots, defined: dict[tuple, _Definer] | None = None,
    via: dict[Path, _IncludedAt] | None = None, included: set[tuple] | None = None,
    unbacked: set[tuple] | None = None, overrides: list[Problem] | None = None,
) -> Located:
    """The file with its includes merged in. ``defined`` receives, for each id of the
    shared sections, the file that defines it: this one, or the included file it
    comes from; ``via``, for each included file (resolved), where it was included
    first; ``included``, the path of each entry of the shared sections, and of each
    rule of a framework, that the included files define (see :func:`_included`);
    ``unbacked``, those that a file that includes others (this one or one it
    includes) writes and that none of its own includes define; ``overrides``, what an
    override leaves unclear, to report with what validation finds (see
    :func:`_replace_timetable`)."""
    loc = read_yaml_file(path)
    data = loc.data
    if data is None:
        raise _Plain(Mark(str(path), 1, 1), "file is empty; a scenario is a YAML mapping")
    if not isinstance(data, dict):
        raise _Plain(
            loc.values.get((), Mark(str(path), 1, 1)),
            f"a scenario file is a YAML mapping of sections, not a {_kind(data)}",
        )
    refused = _not_a_scenario(loc, path, is_root)
    if refused is not None:
        raise refused
    includes = data.get("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list):
        problems.append(Problem(loc.mark_for(("include",)), "include", "must be a list of names"))
        includes = []
    if not is_root:
        for key in data:
            if _own_key(key, _INCLUDED_KEYS):
                continue
            only = f"an included file may hold only {', '.join(MAPPING_SECTIONS)}"
            if isinstance(key, str) and _SECTION_NAME.fullmatch(key):
                problems.append(Problem(loc.keys.get((key,)), key, only))
            else:
                problems.append(Problem(loc.keys.get((key,)), "",
                                        f"a key that is no section name; {only}"))
    merged = Located({}, {}, {})
    owners: dict[tuple, _Definer] = {}
    listed = isinstance(data.get("include"), list)
    for i, name in enumerate(includes):
        where = loc.mark_for(("include", i))
        if not isinstance(name, str):
            problems.append(Problem(where, f"include[{i}]", "must be a name or a path"))
            continue
        target = _resolve_include(name, path)
        if not roots.allows(target):
            problems.append(Problem(
                where, f"include[{i}]",
                f"{name!r} is outside the scenario's folder and the bundled library; "
                "to include from another folder, pass --allow-include FOLDER",
            ))
            continue
        real = target.resolve()
        if real in stack:
            chain = " -> ".join(p.name for p in (*stack, target))
            problems.append(Problem(where, f"include[{i}]", f"include cycle: {chain}"))
            continue
        if not os.path.exists(target):  # False, not an error, for an over-long name
            hint = ""
            if not name.endswith((".yaml", ".yml")):
                known = sorted(
                    str(p.relative_to(library_dir()).with_suffix(""))
                    for p in library_dir().rglob("*.yaml")
                )
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; library files: {', '.join(known)}"
            problems.append(Problem(where, f"include[{i}]", f"cannot find {name!r}{hint}"))
            continue
        if via is not None:
            via.setdefault(real, (where, f"include[{i}]" if listed else "include", name,
                                  path.resolve()))
        sub_defined: dict[tuple, _Definer] = {}
        try:
            sub = _load_with_includes(target, (*stack, real), problems, False, roots,
                                      sub_defined, via, unbacked=unbacked,
                                      overrides=overrides)
        except YamlProblem as exc:
            problems.extend(_included_yaml_problems(exc, target))
            continue
        merged.written.update(sub.written)
        for section in MAPPING_SECTIONS:
            items = sub.data.get(section)
            if items is None:
                continue  # an empty section
            if not isinstance(items, dict):
                problems.append(Problem(
                    sub.mark_for((section,)), section,
                    f"{section!r} in an included file must be a mapping of ids, "
                    f"got a {_kind(items)}"))
                continue
            dest = merged.data.setdefault(section, {})
            merged.values.setdefault((section,), sub.values.get((section,)))
            for key, value in items.items():
                definer = sub_defined.get((section, key), (str(target), real))
                owner = owners.get((section, key))
                if owner is not None:
                    # one file reached by two routes defines it once
                    if owner[1] != definer[1]:
                        problems.append(
                            Problem(
                                sub.keys.get((section, key)),
                                f"{section}.{key}",
                                f"also defined in {owner[0]}; two included files may not "
                                "both define it (override it in the including file instead)",
                            )
                        )
                    continue
                owners[(section, key)] = definer
                dest[key] = value
                _rebase(sub, (section, key), merged)
    if included is not None:
        included.update(_included(merged.data))
    if unbacked is not None and includes:
        unbacked.update(set(_included(data)) - set(_included(merged.data)))
    # the including file overrides field by field
    if not merged.data:
        # nothing was included: the file stands as it was read
        merged.data, merged.values, merged.keys = data, loc.values, loc.keys
    for key, value in data.items() if merged.data is not data else ():
        if key in MAPPING_SECTIONS and isinstance(value, dict) and key in merged.data:
            _deep_merge(merged.data[key], value, (key,), merged, loc, overrides)
            merged.keys[(key,)] = loc.keys.get((key,))
            merged.values[(key,)] = loc.values.get((key,))
        else:
            if key in merged.data:
                _clear(merged, (key,))
            merged.data[key] = value
            _rebase(loc, (key,), merged)
    merged.values[()] = loc.values.get((), Mark(str(path), 1, 1))
    merged.written.update(loc.written)
    if defined is not None:
        defined.update(owners)
        # what this file gives itself, in full or in part, is its own definition
        this = (str(path), path.resolve())
        for section in MAPPING_SECTIONS:
            own = data.get(section)
            for key in own if isinstance(own, dict) else ():
                defined[(section, key)] = this
    return merged


def _included(data: dict) -> Iterator[tuple]:
    """The path of each entry of the shared sections of ``data``, and of each rule of
    its frameworks: ``("actors", "mycert")``, ``("frameworks", "fw", "rules", "r1")``."""
    for section in MAPPING_SECTIONS:
        items = data.get(section)
        if not isinstance(items, dict):
            continue
        for key, entry in items.items():
            yield section, key
            rules = entry.get("rules") if section == "frameworks" and isinstance(
                entry, dict) else None
            for rid in rules if isinstance(rules, dict) else ():
                yield section, key, "rules", rid


def _yaml_problems(exc: YamlProblem) -> list[Problem]:
    return [Problem(p.mark, format_path(p.path), p.message, p.unlisted) for p in exc.every()]


def _kind(value: Any) -> str:
    return {list: "list", dict: "mapping", str: "text value", int: "number", float: "number",
            bool: "boolean", type(None): "null value"}.get(
        type(value), type(value).__name__
    )


# --- validation errors -----------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _model_at(path: tuple, data: Any) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path``, for suggestions."""
    tp: Any = Scenario
    cur = data
    for part in path:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            tp = _pick(tp, cur)
            if tp is None:
                return None
            origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            if isinstance(field.annotation, typing.ForwardRef):  # a model defined further down
                tp = typing.get_type_hints(tp)[str(part)]
            else:
                tp = field.annotation
        elif origin in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            cur = None
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        tp = _pick(tp, cur)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _pick(tp: Any, value: Any) -> Any:
    options = [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    models = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
    if isinstance(value, dict) and "dist" in value:
        for m in models:
            f = m.model_fields.get("dist")
            if f is not None and value["dist"] in typing.get_args(f.annotation):
                return m
    if len(options) == 1:
        return options[0]
    return models[0] if len(models) == 1 else None


#: how pydantic names a union's scalar members in an error's loc
_SCALAR_TAGS = frozenset({"bool", "str", "int", "float", "date", "datetime"})


def _is_tag(part: Any, cur: dict) -> bool:
    """True when a loc part names a union member or a validator, not a field: a tagged
    distribution's ``dist``, a validator or generic type (``function-after[...]``,
    ``list[...]``), a model (field names are never capitalised) or a scalar type."""
    return isinstance(part, str) and (
        cur.get("dist") == part or "[" in part or part[:1].isupper() or part in _SCALAR_TAGS)


def _normalise(loc: tuple, data: Any) -> tuple[tuple, bool]:
    """The loc as a path in the file, and whether it went through a union member."""
    out: list = []
    cur = data
    member = False
    for part in loc:
        if part == "[key]":  # the key just named is what is wrong, not its value
            break
        if isinstance(cur, dict):
            if part in cur:
                out.append(part)
                cur = cur[part]
                continue
            if _is_tag(part, cur):
                member = True
                continue
            out.append(part)  # a missing field
            cur = None
        elif isinstance(cur, list) and isinstance(part, int):
            out.append(part)
            cur = cur[part] if 0 <= part < len(cur) else None
        elif isinstance(cur, list) and _is_tag(part, {}):
            member = True  # a list member of a union (a team given as a list of ids)
        elif cur is None:
            out.append(part)
        else:
            # a scalar given where the model expanded a shorthand (``latency: 5m``):
            # the rest of the loc names the expansion, not the file
            break
    return tuple(out), member


def normalise_loc(loc: tuple, data: Any) -> tuple:
    """Drop pydantic's internal loc parts (union tags, validator names)."""
    return _normalise(loc, data)[0]


def located_errors(exc: ValidationError, data: Any, *, injects_pending: bool = False
                   ) -> list[tuple[dict, tuple]]:
    """Each error of ``exc`` that says something about the file, with its path there.

    A value that fits no member of a union (``public_holidays: true`` or a mapping)
    gets an error from every member; when the value has the shape of one member (a
    mapping) and fails inside it, the others' "expected true or false" is dropped.
    A reference that is not a valid id (``to: [CERT PH]``, a display name written for
    an id) is one problem: the reference check's, which says what the field names and
    what was meant (see :func:`cross_references`, whose ``injects_pending`` is passed
    on), not also that it is not a valid id.
    """
    errors: list[tuple[dict, tuple, bool]] = [
        (dict(err), *_normalise(tuple(err["loc"]), data))
        for err in exc.errors(include_url=False)]
    inside = {path[:k] for _, path, member in errors if member for k in range(len(path))}
    out = [(err, path) for err, path, member in errors
           if not (member and path in inside)]
    refused = {path for err, path in out
               if err["loc"][-1:] != ("[key]",) and _id_path(data, path) == path}
    if refused and isinstance(data, dict):
        said = {_id_path(data, tuple(where)) for where, _ in (
            *cross_references(data, injects_pending=injects_pending), *_drift_problems(data))}
        out = [(err, path) for err, path in out if path not in refused or path not in said]
    return out


_COUNTRY = "^[A-Z]{2}$"  # the pattern of scenarios.model.Country
#: text fields that name actors, selectors or injects by id, though not typed as ids
_NAMES_BY_ID = {("Rule", "by"), ("Rule", "to"), ("Expectation", "target"),
                ("Expectation", "after")}


def _is_id(tp: Any) -> bool:
    """Whether a type is an id, or an id or nothing."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        return any(_is_id(a) for a in typing.get_args(tp) if a is not type(None))
    return tp is Id


def _names_an_id(err: dict, path: tuple, data: Any, typed: bool = False) -> bool:
    """Whether the value an error is about is an id: a field, a list item or a mapping
    key typed as one, or (unless ``typed``) text that names actors, selectors or
    injects."""
    key = err["loc"][-1:] == ("[key]",)
    for k in range(len(path) - 1, -1, -1):
        model = _model_at(path[:k], data) if isinstance(path[k], str) else None
        field = model.model_fields.get(str(path[k])) if model is not None else None
        if model is None or field is None:
            continue
        if (model.__name__, path[k]) in _NAMES_BY_ID and not typed:
            return True
        tail = path[k + 1:]
        tp: Any = field.annotation
        if isinstance(tp, typing.ForwardRef):
            tp = typing.get_type_hints(model)[str(path[k])]
        if not tail:  # an id field keeps its constraints apart from its type
            return _is_id(tp) or any(getattr(m, "pattern", None) == _ID for m in field.metadata)
        for n, part in enumerate(tail):
            tp = _unwrap(tp)
            as_key = key and n == len(tail) - 1
            if typing.get_origin(tp) in (Union, types.UnionType):
                wanted = list if isinstance(part, int) and not as_key else dict
                tp = next((o for o in map(_unwrap, typing.get_args(tp))
                           if typing.get_origin(o) is wanted), None)
            origin = typing.get_origin(tp)
            if origin is list:
                tp = typing.get_args(tp)[0]
            elif origin is dict:
                tp = typing.get_args(tp)[0 if as_key else 1]
            else:
                return False
        return _is_id(tp)
    return False


#: a character that one-line text may not hold (what ONE_LINE_PATTERN refuses)
_NOT_ONE_LINE = re.compile("[" + ONE_LINE_PATTERN.removeprefix("^[^").removesuffix("]+$") + "]")
#: those of them that end a line (the others are controls)
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"


def _refused_character(text: str) -> str:
    """What one-line text holds that it may not: ``a line break``, ``a tab`` or ``a
    control character (\\x1b)``, the first of them in ``text``."""
    found = _NOT_ONE_LINE.search(text)
    ch = found.group(0) if found else ""
    if ch and ch in _LINE_BREAKS:
        return "a line break"
    if ch == "\t":
        return "a tab"
    return f"a control character (\\x{ord(ch):02x})" if ch else "a control character"


def reword(err: dict, path: tuple, data: Any, written: str | None = None) -> str:
    """A validation error in the organiser's words. ``written`` is how the value was
    written in the file, where it reads as a number that does not give that text back,
    or with its tag where a core tag typed it (see :attr:`Located.written`)."""
    kind = err["type"]
    msg = err["msg"]
    value = err.get("input")
    if kind == "extra_forbidden":
        field = path[-1]
        model = _model_at(path[:-1], data)
        hint = ""
        if model is not None:
            names = list(model.model_fields)
            close = difflib.get_close_matches(str(field), names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(names)}"
        return f"unknown field {_quoted(field)}{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"must be one of {expected} (got {_quoted(value)})"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return (
            "a distribution needs 'dist': constant, uniform, exponential, triangular, "
            f"empirical or lognormal (got {_quoted(value.get('dist') if isinstance(value, dict) else value)})"
        )
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern")
        # a country code's pattern, in a 'country' field or in a list of countries
        if (path and path[-1] in ("country",)) or pattern == _COUNTRY:
            return f"{_quoted(value)} is not a two-letter country code"
        if pattern == _ID and isinstance(value, str) and not _VALID_ID.match(value[:1]):
            return f"{_quoted(value)} is not a valid id: an id starts with a letter or a digit"
        if pattern == _ID:
            return f"{_quoted(value)} is not a valid id (letters, digits, '-', '_' and '.')"
        if pattern == ONE_LINE_PATTERN and isinstance(value, str):
            return f"{_quoted(value)} holds {_refused_character(value)}: a name is one line of text"
        if pattern == SHA256_PATTERN:
            return f"{_quoted(value)} is not a SHA-256 hash: 64 hex digits in lower case"
        return f"{_quoted(value)} does not have the form this field takes (pattern {pattern})"
    if kind in ("string_too_long", "string_too_short") and isinstance(value, str):
        limit = err.get("ctx", {}).get("max_length" if kind == "string_too_long"
                                       else "min_length")
        if not value:
            return "an id cannot be empty" if _names_an_id(err, path, data) \
                else "cannot be empty"
        if kind == "string_too_short":
            return f"too short: it has {len(value)} characters, at least {limit}"
        if _names_an_id(err, path, data):
            return (f"{_quoted(value)} is too long for an id: it has {len(value)} characters, "
                    f"at most {limit}")
        return f"too long: it has {len(value)} characters, at most {limit}"
    if kind in ("value_error", "assertion_error"):
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, got a {_kind(value)}"
    if kind == "list_type":
        return f"expected a list, got a {_kind(value)}"
    if kind in ("string_type",):
        if written is not None and written.startswith("!!"):
            tag = written.partition(" ")[0]
            return (f"expected text, got a {_kind(value)} (its {tag} tag makes it one); "
                    f"remove the tag, or write !!str")
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and _names_an_id(err, path, data):
            # quoted as written ('002' stays 002, not 2), when that is an id
            text = written if written is not None else (
                str(value) if isinstance(value, int) else None)
            quoted = f': "{text}"' if text is not None and len(text) <= _MAX_ID \
                and _VALID_ID.match(text) else ""
            return f"expected text, got a number; quote an id that looks like a number{quoted}"
        return f"expected text, got a {_kind(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_quoted(value)}"
    if msg.startswith("Input should be"):
        msg = "must be" + msg.removeprefix("Input should be")
    if value is None or isinstance(value, dict | list):
        return msg
    return f"{msg} (got {_quoted(value)})"


#: the sections an including file may override entry by entry, and what an entry is
_ENTRY_OF = {"actors": "an actor", "channels": "a channel", "frameworks": "a framework",
             "memberships": "a membership"}


def _entry(path: tuple) -> tuple | None:
    """The entry of a shared section, or the rule of a framework, that ``path`` is a
    field of, or None."""
    if len(path) == 5 and path[0] == "frameworks" and path[2] == "rules":
        return path[:4]
    return path[:2] if len(path) == 3 and path[0] in _ENTRY_OF else None


def _problem_mark(loc: Located, path: tuple, key: bool = False) -> Mark | None:
    """Where to report a problem about ``path`` (about its key, with ``key``): where it
    is written, or its nearest parent. A mapping that an including file merges into an
    included file's (its override of a library actor, or of a channel's latency) is
    reported at the override, in the including file: what is wrong with the merged
    whole comes of what the override changes, not of the included file's lines."""
    p = tuple(path)
    if key and p in loc.keys:
        return loc.keys[p]
    while True:
        if p in loc.values:
            written, named = loc.values[p], loc.keys.get(p)
            return named if named is not None and named.file != written.file else written
        if p in loc.keys:
            return loc.keys[p]
        if not p:
            return None
        p = p[:-1]


def _stray_entries(errors: list[tuple[dict, tuple]], included: set[tuple],
                   unbacked: set[tuple]) -> dict[tuple, list[str]]:
    """The entries that no included file defines, or that an included file writes
    without its own includes defining them (``unbacked``), and that lack required
    fields (an override under a misspelt id, most likely), with the fields each lacks;
    the rules of such a framework are left to the framework's."""
    lacking: dict[tuple, list[str]] = {}
    for err, path in errors:
        entry = _entry(path)
        if err["type"] == "missing" and entry is not None and (
                entry not in included or entry in unbacked):
            lacking.setdefault(entry, []).append(str(path[-1]))
    return {entry: fields for entry, fields in lacking.items()
            if len(entry) == 2 or entry[:2] not in lacking}


def _stray_message(entry: tuple, lacks: list[str], included: set[tuple]) -> str:
    """What is wrong with an entry that no included file defines and that is not whole
    either: the entry the organiser most likely meant to override, where there is one."""
    ident = str(entry[-1])
    what = "a rule" if len(entry) == 4 else _ENTRY_OF[entry[0]]
    message = (f"not {what} of the included files, and not a whole one (it lacks "
               f"{', '.join(lacks)})")
    if len(entry) == 4:
        elsewhere = [p[1] for p in included if len(p) == 4 and p[3] == ident]
        if elsewhere:
            return (f"{message}; it is a rule of framework {_quoted(elsewhere[0])}: override "
                    "it there")
        known = [p[3] for p in included if len(p) == 4 and p[1] == entry[1] and p != entry]
        section = "rules"
    else:
        known = [p[1] for p in included if len(p) == 2 and p[0] == entry[0] and p != entry]
        section = str(entry[0])
    library = _library_definitions().get((section, ident))
    if library is not None:
        return f"{message}; {library} defines it: include that file"
    return message + _suggest(ident, sorted(known))


def _stray_rules(stray: dict[tuple, list[str]], data: Any) -> set[str]:
    """The ids of the stray rules (see :func:`_stray_entries`), and of the rules of the
    stray frameworks, of ``data``."""
    out = {str(entry[3]) for entry in stray if len(entry) == 4}
    frameworks = data.get("frameworks") if isinstance(data, dict) else None
    for entry in stray:
        if len(entry) == 2 and entry[0] == "frameworks" and isinstance(frameworks, dict):
            framework = frameworks.get(entry[1])
            rules = framework.get("rules") if isinstance(framework, dict) else None
            out.update(map(str, rules if isinstance(rules, dict) else ()))
    return out


def _validation_problems(exc: ValidationError, loc: Located,
                         included: set[tuple] | None = None,
                         stray: dict[tuple, list[str]] | None = None,
                         unbacked: set[tuple] | None = None, *,
                         injects_pending: bool = False) -> list[Problem]:
    """Each error of ``exc`` as a problem at its place in the file. With ``included``
    (what the included files define, when the file includes any), an entry that no
    included file defines, or that is ``unbacked`` (see :func:`_load_with_includes`),
    and that lacks required fields is one problem at its id, whatever else is wrong
    under it; ``stray`` receives those entries."""
    out = []
    errors = located_errors(exc, loc.data, injects_pending=injects_pending)
    if stray is None:
        stray = {}
    if included is not None:
        stray.update(_stray_entries(errors, included, unbacked or set()))
    for entry, lacks in stray.items():
        out.append(Problem(loc.key_mark(entry), format_path(entry),
                           _stray_message(entry, lacks, included or set())))
    for err, path in errors:
        if path[:2] in stray or path[:4] in stray:
            continue  # what is wrong under a stray entry, at any depth, is in its one problem
        # an unknown field, or an id that is not valid: the problem is the key itself
        about_key = err["type"] == "extra_forbidden" or err["loc"][-1:] == ("[key]",)
        mark = _problem_mark(loc, path, about_key)
        written = loc.written.get(mark) if mark is not None and not about_key else None
        message = reword(err, path, loc.data, written)
        out.append(Problem(mark, format_path(path), message))
    return out


# --- cross-references ------------------------------------------------------------


class KeyPath(tuple[str | int, ...]):
    """The path of a mapping key that is itself the problem (an actor id that is a
    selector's name, a contact on an unknown channel): reported where the key is
    written, not at its value."""

    __slots__ = ()


def _folded(text: str) -> str:
    """``text`` without case, spaces or punctuation: 'CERT PH' and 'CERT-PH' alike."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _words(text: str) -> list[str]:
    """The words of ``text``, without case, sorted: a name with its parts swapped
    ('HiCON (exercise control)', 'Exercise control (HiCON)') has the same words."""
    return sorted(re.findall(r"[^\W_]+", text.casefold()))


def _suggest(name: Any, known: Any, actors: dict | None = None) -> str:
    """A "did you mean" for ``name``: the closest of the ``known`` names that are valid
    ids (an id the file gets wrong is never offered). With ``actors`` (the actors by
    id), a known actor comes before them when ``name`` is its id but for case and
    punctuation (``'MyCERT'``, ``'_hicon'``), or its display name but for case,
    punctuation and the order of the words; with that name when ``name`` cannot be an
    id, or is no actor's id but for case: ``'CERT PH'`` was meant as
    ``'certph' (CERT-PH)``."""
    valid = [k for k in map(str, known) if len(k) <= _MAX_ID and _VALID_ID.match(k)]
    if actors and isinstance(name, str) and _folded(name):
        folded, words = _folded(name), _words(name)
        by_id = next((aid for aid in valid if aid in actors and _folded(aid) == folded), None)
        by_name = None
        for aid in valid:
            actor = actors.get(aid)
            label = actor.get("name") if isinstance(actor, dict) else None
            if isinstance(label, str) and (_folded(label) == folded or _words(label) == words):
                shown = label if label.isprintable() and len(label) <= 80 else _quoted(label)
                by_name = f"; did you mean {aid!r} ({shown})?"
                break
        id_like = len(name) <= _MAX_ID and _VALID_ID.match(name)
        if by_name is not None and (by_id is None or not id_like):
            return by_name
        if by_id is not None:
            return f"; did you mean {by_id!r}?"
    close = difflib.get_close_matches(str(name), valid, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _once(seen: dict[str, int], ident: Any, here: tuple, what: str,
          where: str) -> Iterator[tuple[tuple, str]]:
    """A problem at ``here``'s id when it is already used by an earlier entry of
    ``where`` (``seen`` maps each id to its first entry)."""
    if ident is None:
        return
    ident = str(ident)
    if ident in seen:
        yield (*here, "id"), f"{what} id {_quoted(ident)} is already used by {where}[{seen[ident]}]"
    seen.setdefault(ident, here[-1])


def _nonzero_duration(value: Any) -> bool:
    """Whether a raw duration reads as more than zero (one that does not read at all is
    the models' to report)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    try:
        return parse_duration(value) != 0
    except ValueError:
        return False


def _minutes(value: Any) -> float:
    """A raw duration in minutes; 0 when it does not read (the models report it)."""
    if isinstance(value, bool) or not isinstance(value, str):
        return 0.0  # a bare number is valid only as 0
    try:
        return parse_duration(value)
    except ValueError:
        return 0.0


def _id_path(data: Any, path: tuple) -> tuple | None:
    """The path of the value at ``path`` when the models refuse it as an id: text that
    is not a valid id where the format takes an id (not where it takes text that names
    one, as a rule's ``to`` does), empty text aside; None otherwise. An id written alone
    where a list of them may be is at its field's path, as the models place it."""
    value = data
    path = tuple(path)
    for n, part in enumerate(path):
        if (isinstance(value, dict) and part in value) or (
                isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)):
            value = value[part]
        elif isinstance(value, str) and part == 0 and n == len(path) - 1:
            path = path[:n]
        else:
            return None
    # an empty id is the models' to report ("an id cannot be empty"), not a reference's
    if not isinstance(value, str) or not value or (
            len(value) <= _MAX_ID and _VALID_ID.match(value)):
        return None
    typed = _names_an_id({"loc": ()}, path, data, typed=True) \
        or _names_an_id({"loc": ()}, (*path, 0), data, typed=True)
    return path if typed else None


def cross_references(data: dict, scenario: Scenario | None = None, *,
                      injects_pending: bool = False) -> Iterator[tuple[tuple, str]]:
    """Broken references in raw (possibly partly invalid) scenario data. With the
    ``scenario`` the data validated as, teams are checked member by member too. With
    ``injects_pending`` the data has no injects yet (an MSEL import is to give them): a
    reference to an inject, or to an incident that injects open, is left for the check
    of the scenario with its new injects."""

    def as_dict(v: Any) -> dict:
        return v if isinstance(v, dict) else {}

    def as_list(v: Any) -> list:
        return v if isinstance(v, list) else ([v] if isinstance(v, str) else [])

    def names(v: Any) -> Iterator[tuple[int, str]]:
        # ids given as lists or mappings are the models' to report; skip them here
        for i, item in enumerate(as_list(v)):
            if isinstance(item, str):
                yield i, item

    def name(v: Any) -> str | None:
        return v if isinstance(v, str) else None

    actors = as_dict(data.get("actors"))
    channels = as_dict(data.get("channels"))
    groups = as_dict(data.get("groups"))
    teams = as_dict(data.get("teams"))
    phases = as_dict(as_dict(data.get("drill")).get("phases"))
    country_sets = {*groups, *as_dict(data.get("memberships"))}
    frameworks = as_dict(data.get("frameworks"))
    injects = as_list(data.get("injects"))
    expectations = as_list(data.get("expectations"))
    drill = as_dict(data.get("drill"))
    objective_ids: dict[str, int] = {}
    for i, o in enumerate(as_list(drill.get("objectives"))):
        yield from _once(objective_ids, as_dict(o).get("id"), ("drill", "objectives", i),
                         "objective", "drill.objectives")
    objectives = {name(o.get("id")) for o in as_list(drill.get("objectives")) if isinstance(o, dict)}
    objectives.discard(None)

    def suggest(ident: Any, known: Any) -> str:
        return _suggest(ident, known, actors)

    yield from _team_problems(actors, teams, country_sets, suggest)

    def who(v: Any, here: tuple, selectors: tuple[str, ...] = ()) -> Iterator[tuple[tuple, str]]:
        """Actor ids or teams (or the given selectors), as listed in 'to' or 'actors'."""
        for j, aid in names(v):
            if aid not in actors and aid not in teams and aid not in selectors:
                path = (*here, j) if isinstance(v, list) else here
                yield path, f"unknown actor or team {_quoted(aid)}{suggest(aid, [*actors, *teams])}"

    for role, aid in as_dict(data.get("roles")).items():
        if isinstance(aid, str) and aid not in actors:
            yield ("roles", role), f"unknown actor {_quoted(aid)}{suggest(aid, actors)}"
    for aid, actor in actors.items():
        if aid in SELECTORS:
            yield (KeyPath(("actors", aid)),
                   f"{_quoted(aid)} is a recipient selector name; choose another actor id")
        for ch in as_dict(as_dict(actor).get("contacts")):
            if ch not in channels:
                yield (
                    KeyPath(("actors", aid, "contacts", ch)),
                    f"unknown channel {_quoted(ch)}{suggest(ch, channels)}",
                )
        on_call = as_dict(as_dict(actor).get("on_call"))
        contacts = as_dict(as_dict(actor).get("contacts"))
        for i, ch in names(on_call.get("channels")):
            if ch not in channels:
                yield (("actors", aid, "on_call", "channels", i),
                       f"unknown channel {_quoted(ch)}{suggest(ch, channels)}")
            elif ch not in contacts:
                # nothing reaches an actor on a channel without its point of contact
                # (contact_changes only make an existing one stale or repair it)
                yield (("actors", aid, "on_call", "channels", i),
                       f"actor {_quoted(aid)} has no point of contact on channel {_quoted(ch)} (it has: "
                       f"{', '.join(contacts) or 'none'}), so its duty officer cannot be "
                       f"reached there; add a {ch} contact, or leave the channel out of "
                       "on_call")
    for n, window in enumerate(as_list(drill.get("standby"))):
        for i, aid in names(as_dict(window).get("actors")):
            if aid not in actors:
                yield (("drill", "standby", n, "actors", i),
                       f"unknown actor {_quoted(aid)}{suggest(aid, actors)}")

    rules: dict[str, tuple] = {}
    for fid, fw in frameworks.items():
        for rid in as_dict(as_dict(fw).get("rules")):
            here = ("frameworks", fid, "rules", rid)
            if rid in rules:
                yield (KeyPath(here),
                       f"rule id {_quoted(rid)} is already used in framework {_quoted(rules[rid][1])}")
            rules[rid] = here
    # what every rule's selectors and conditions are read against, gathered once
    by_names = {*ACTOR_KINDS, *actors, *teams, *country_sets}
    known_injects = {str(x.get("id")) for x in injects if isinstance(x, dict)}
    for rid, here in rules.items():
        rule = as_dict(frameworks[here[1]]["rules"][rid])
        for key in ("channel",):
            ch = rule.get(key)
            if isinstance(ch, str) and ch not in channels:
                yield (*here, key), f"unknown channel {_quoted(ch)}{suggest(ch, channels)}"
        for i, ch in names(rule.get("fallback")):
            if ch not in channels:
                yield (*here, "fallback", i), f"unknown channel {_quoted(ch)}{suggest(ch, channels)}"
        ways = [c for c in (rule.get("channel"), *as_list(rule.get("fallback"))) if isinstance(c, str)]
        for i, by in names(rule.get("by")):
            if by not in by_names and not (len(by) == 2 and by.isalpha()):
                yield ((*here, "by", i),
                       f"{_quoted(by)} is neither a kind of actor, an actor, a country, a group nor "
                       f"a team{suggest(by, sorted(by_names))}")
        when = as_dict(rule.get("when"))
        for i, ph in names(when.get("phase")):
            if ph not in phases:
                yield (*here, "when", "phase", i), f"unknown phase {_quoted(ph)}{suggest(ph, phases)}"
        for i, iid in names([str(x) for x in as_list(when.get("received"))]):
            if iid not in known_injects and not injects_pending:
                yield ((*here, "when", "received", i),
                       f"no inject {_quoted(iid)}{suggest(iid, known_injects)}")
        for i, to in names(rule.get("to")):
            if to in teams:
                if scenario is not None and ways:
                    yield from _team_contacts(scenario, to, ways, (*here, "to", i),
                                              ", ".join(ways), as_list(rule.get("to")),
                                              name(rule.get("to_members_of")))
                continue
            if to not in SELECTORS and to not in actors:
                yield (
                    (*here, "to", i),
                    f"{_quoted(to)} is neither an actor, a team nor a selector "
                    f"({', '.join(SELECTORS)}){suggest(to, [*actors, *teams, *SELECTORS])}",
                )
            elif to in actors and ways:
                contacts = as_dict(as_dict(actors[to]).get("contacts"))
                if not any(c in contacts for c in ways):
                    yield (
                        (*here, "to", i),
                        f"actor {_quoted(to)} has no point of contact on {', '.join(ways)} "
                        f"(it has: {', '.join(contacts) or 'none'})",
                    )
        for i, after in names(rule.get("after")):
            if after not in rules:
                yield (*here, "after", i), f"unknown rule {_quoted(after)}{suggest(after, rules)}"
        for i, held in names(rule.get("hold_until")):
            if held == rid:
                yield (*here, "hold_until", i), f"rule {_quoted(rid)} cannot be held until itself"
            elif held not in rules:
                yield (*here, "hold_until", i), f"unknown rule {_quoted(held)}{suggest(held, rules)}"
        for where, set_name in (((*here, "when", "member_of"), when.get("member_of")),
                                ((*here, "when", "hosted_abroad_in"),
                                 when.get("hosted_abroad_in")),
                                ((*here, "to_members_of"), rule.get("to_members_of"))):
            if isinstance(set_name, str) and set_name not in country_sets:
                yield where, (f"unknown membership or group {_quoted(set_name)}"
                              f"{suggest(set_name, country_sets)}")
        group = name(as_dict(rule.get("when")).get("affected_group"))
        if group is not None and group not in groups:
            yield (*here, "when", "affected_group"), f"unknown group {_quoted(group)}{suggest(group, groups)}"

    for aid, actor in actors.items():
        probs = as_dict(as_dict(as_dict(actor).get("policy")).get("rule_probability"))
        for rid in probs:
            if rid not in rules:
                yield (
                    KeyPath(("actors", aid, "policy", "rule_probability", rid)),
                    f"unknown rule {_quoted(rid)}{suggest(rid, rules)}",
                )

    inject_ids: dict[str, int] = {}
    incidents: set[str] = set()
    scheduled: dict[str, float] = {}  # inject id -> drill minute, for scheduled injects
    opens: dict[str, float] = {}  # incident id -> drill minute of its first scheduled inject
    about: list[tuple[int, dict, float | None]] = []  # injects about an incident, with minutes
    start = drill.get("start")
    try:
        start_dt = datetime.fromisoformat(start) if isinstance(start, str) else None
        if start_dt is not None and start_dt.tzinfo is None:
            start_dt = None
    except ValueError:
        start_dt = None
    for i, inj in enumerate(injects):
        if not isinstance(inj, dict):
            continue
        here = ("injects", i)
        iid = None if inj.get("id") is None else str(inj.get("id"))
        yield from _once(inject_ids, iid, here, "inject", "injects")
        sender = inj.get("sender")
        if isinstance(sender, str) and sender not in actors:
            yield (*here, "sender"), f"unknown actor {_quoted(sender)}{suggest(sender, actors)}"
        via = inj.get("via")
        if isinstance(via, str) and via not in channels:
            yield (*here, "via"), f"unknown channel {_quoted(via)}{suggest(via, channels)}"
        for j, art in enumerate(as_list(inj.get("artefacts"))):
            pw = name(as_dict(as_dict(art).get("protected")).get("password_via"))
            if pw is not None and pw not in channels:
                yield ((*here, "artefacts", j, "protected", "password_via"),
                       f"unknown channel {_quoted(pw)}{suggest(pw, channels)}")
        for j, to in names(inj.get("to")):
            if to in teams:
                if scenario is not None and isinstance(via, str) and via in channels:
                    where = (*here, "to", j) if isinstance(inj.get("to"), list) else (*here, "to")
                    yield from _team_contacts(scenario, to, [via], where, f"channel {_quoted(via)}",
                                              as_list(inj.get("to")))
                continue
            if to not in actors:
                yield (*here, "to", j), f"unknown actor {_quoted(to)}{suggest(to, [*actors, *teams])}"
            elif isinstance(via, str) and via in channels:
                contacts = as_dict(as_dict(actors[to]).get("contacts"))
                if via not in contacts:
                    yield (
                        (*here, "to", j),
                        f"actor {_quoted(to)} has no point of contact on channel {_quoted(via)} "
                        f"(it has: {', '.join(contacts) or 'none'})",
                    )
        is_contingency = inj.get("type") == "contingency"
        at = inj.get("at")
        timed_after = isinstance(inj.get("after_action"), dict)
        if timed_after:
            if at is not None:
                yield (*here, "at"), "an inject timed by after_action has no 'at'; remove one"
            elif is_contingency:
                yield (*here, "after_action"), "a contingency inject is fired by an " \
                    "expectation, not by after_action"
            yield from who(as_dict(inj.get("after_action")).get("by"),
                           (*here, "after_action", "by"))
        cond = as_dict(inj.get("when"))
        for key in ("done", "not_done"):
            for k, seen in enumerate(as_list(cond.get(key))):
                yield from who(as_dict(seen).get("by"), (*here, "when", key, k, "by"))
        for k, ph in names(cond.get("phase")):
            if ph not in phases:
                yield (*here, "when", "phase", k), f"unknown phase {_quoted(ph)}{suggest(ph, phases)}"
        if at is None and not is_contingency and not timed_after:
            yield (*here, "at"), "a scheduled inject needs 'at' (only contingency injects omit it)"
        if at is not None and is_contingency:
            yield (*here, "at"), "a contingency inject fires when an expectation is missed; remove 'at'"
        elif at is not None and not timed_after and _nonzero_duration(inj.get("delay")):
            # the engine times only these two kinds by their delay (engine/msel.py); a
            # zero delay, as a scenario's own dump writes every inject's, changes nothing
            yield (*here, "delay"), (
                "'delay' does nothing on an inject delivered at its time ('at'): it applies "
                "only to a contingency inject (after what fires it) and to an inject timed by "
                "after_action (after that action); remove it")
        minute = None
        if at is not None and start_dt is not None:
            try:
                minute = parse_drill_time(at, start_dt)
                if minute < 0:
                    yield (*here, "at"), f"{_quoted(at)} is before the drill starts"
            except ValueError as exc:
                yield (*here, "at"), str(exc)
        incident = as_dict(inj.get("incident"))
        inc_id = incident.get("id")
        if minute is not None and iid is not None:
            scheduled[iid] = minute
            if isinstance(inc_id, str):
                opens[inc_id] = min(minute, opens.get(inc_id, minute))
        if isinstance(inc_id, str):
            about.append((i, inj, minute))
            incidents.add(inc_id)
        obj = name(inj.get("objective"))
        if obj is not None and obj not in objectives:
            yield (*here, "objective"), f"unknown objective {_quoted(obj)}{suggest(obj, objectives)}"

    yield from _opening_problems(about, scheduled, expectations, injects)

    exp_ids: dict[str, int] = {}
    #: the ids of expectations scored as they are, and those require: each makes
    plain: dict[str, int] = {}
    for i, exp in enumerate(expectations):
        if isinstance(exp, dict) and exp.get("require") != "each" and exp.get("id") is not None:
            plain.setdefault(str(exp.get("id")), i)
    split: dict[str, tuple[int, str]] = {}
    contingencies = {
        str(inj.get("id")): inj.get("type")
        for inj in injects
        if isinstance(inj, dict) and inj.get("id") is not None
    }
    #: what a misspelt contingency may have meant: an inject an expectation can fire
    fired = [iid for iid, kind in contingencies.items() if kind == "contingency"]
    for i, exp in enumerate(expectations):
        if not isinstance(exp, dict):
            continue
        here = ("expectations", i)
        yield from _once(exp_ids, exp.get("id"), here, "expectation", "expectations")
        for j, aid in names(exp.get("actors")):
            if aid not in actors and aid not in teams and aid not in STATIC_SELECTORS \
                    and aid not in INCIDENT_SELECTORS:
                path = (*here, "actors", j) if isinstance(exp.get("actors"), list) else (*here, "actors")
                hint = suggest(aid, [*actors, *teams])
                if aid in SELECTORS:
                    hint = (f"; {_quoted(aid)} depends on an acting actor, so it cannot list who "
                            "is expected to act")
                yield path, f"unknown actor or team {_quoted(aid)}{hint}"
        listed: dict[str, int] = {}
        for j, aid in names(exp.get("actors")):
            if aid in listed:
                yield ((*here, "actors", j),
                       f"{_quoted(aid)} is already listed in actors[{listed[aid]}]; list each actor once")
            listed.setdefault(aid, j)
        if exp.get("require") == "each" and exp.get("id") is not None:
            # as written, or as the teams and selectors it names stand for
            each = list(listed) if scenario is None else scenario.expectations[i].actors
            if scenario is not None or all(a in actors for a in each):
                yield from _split_ids(str(exp.get("id")), i, each, plain, split)
        inc = exp.get("incident")
        if isinstance(inc, str) and inc not in incidents and not injects_pending:
            yield (*here, "incident"), f"no inject opens incident {_quoted(inc)}{suggest(inc, incidents)}"
        after = exp.get("after", "incident")
        if after != "incident" and not injects_pending:
            if str(after) not in inject_ids:
                yield ((*here, "after"),
                       f"'after' is 'incident' or an inject id; no inject {_quoted(after)}")
            else:
                yield from _anchor_problems(exp, here, str(after), scheduled, opens,
                                            contingencies)
        target = name(exp.get("target"))
        if target is not None and target not in actors and target not in SELECTORS \
                and target not in teams:
            hint = suggest(target, [*actors, *SELECTORS])
            yield (*here, "target"), f"unknown actor or selector {_quoted(target)}{hint}"
        for key in ("contingency", "on_met", "on_late", "on_lost"):
            cont = exp.get(key)
            if cont is None or injects_pending:
                continue
            if str(cont) not in contingencies:
                yield (*here, key), f"no inject {_quoted(cont)}{suggest(cont, fired)}"
            elif contingencies[str(cont)] != "contingency":
                yield (*here, key), f"inject {_quoted(cont)} is not of type 'contingency'"
        obj = name(exp.get("objective"))
        if obj is not None and obj not in objectives:
            yield (*here, "objective"), f"unknown objective {_quoted(obj)}{suggest(obj, objectives)}"

    def opened(inc: Any, here: tuple) -> Iterator[tuple[tuple, str]]:
        """An incident an inject's timing or condition, or a task, names: one that some
        inject opens (any inject: the list is complete by now)."""
        if isinstance(inc, str) and inc not in incidents and not injects_pending:
            yield here, f"no inject opens incident {_quoted(inc)}{suggest(inc, incidents)}"

    for i, inj in enumerate(injects):
        cond = as_dict(as_dict(inj).get("when"))
        for key in ("met", "missed"):
            for k, eid in names([str(x) for x in as_list(cond.get(key))]):
                if eid not in exp_ids:
                    yield (("injects", i, "when", key, k),
                           f"no expectation {_quoted(eid)}{suggest(eid, exp_ids)}")
        after_action = as_dict(as_dict(inj).get("after_action"))
        yield from opened(after_action.get("incident"),
                          ("injects", i, "after_action", "incident"))
        for key in ("done", "not_done"):
            for k, seen in enumerate(as_list(cond.get(key))):
                yield from opened(as_dict(seen).get("incident"),
                                  ("injects", i, "when", key, k, "incident"))
    task_ids: dict[str, int] = {}
    for i, task in enumerate(as_list(data.get("tasks"))):
        if not isinstance(task, dict):
            continue
        here = ("tasks", i)
        yield from _once(task_ids, task.get("id"), here, "task", "tasks")
        yield from who(task.get("to"), (*here, "to"))
        iid = task.get("inject")
        if iid is not None and str(iid) not in inject_ids and not injects_pending:
            yield (*here, "inject"), f"no inject {_quoted(iid)}{suggest(iid, inject_ids)}"
        yield from opened(task.get("incident"), (*here, "incident"))
        at = task.get("at")
        if isinstance(at, str) and start_dt is not None:
            try:
                if parse_drill_time(at, start_dt) < 0:
                    yield (*here, "at"), f"{_quoted(at)} is before the drill starts"
            except ValueError as exc:
                yield (*here, "at"), str(exc)
        obj = name(task.get("objective"))
        if obj is not None and obj not in objectives:
            yield (*here, "objective"), f"unknown objective {_quoted(obj)}{suggest(obj, objectives)}"


def _team_contacts(scenario: Scenario, team: str, ways: list[str], where: tuple, on: str,
                   named: list, to_members_of: str | None = None
                   ) -> Iterator[tuple[tuple, str]]:
    """Members of a team, as recipients of an inject on its channel or of a rule's
    messages over ``ways`` (its channel and fallbacks, ``on`` in words), that have no
    point of contact on any of them, as for an actor named directly (a member
    ``named`` directly in the same list is reported there). A rule with
    ``to_members_of`` sends only to the members of that membership or group."""
    members = scenario.country_sets().get(to_members_of) if to_members_of else None
    for aid in scenario.team_members.get(team, ()):
        actor = scenario.actors[aid]
        if aid in named or (members is not None and actor.country not in members):
            continue
        if not any(c in actor.contacts for c in ways):
            yield where, (f"team {_quoted(team)}: actor {_quoted(aid)} has no point of contact on {on} "
                          f"(it has: {', '.join(actor.contacts) or 'none'})")


def _split_ids(eid: str, n: int, actors: list[str], plain: dict[str, int],
               split: dict[str, tuple[int, str]]) -> Iterator[tuple[tuple, str]]:
    """The ids ``require: each`` makes of expectation ``n`` (``eid.<actor>``) that are
    another expectation's id, or that another split expectation makes too (``split``
    collects them)."""
    for aid in dict.fromkeys(actors):
        uid = f"{eid}.{aid}"
        said = f"require: each scores expectation {_quoted(eid)} as {_quoted(uid)} for {aid}"
        if uid in plain:
            yield (("expectations", n, "id"),
                   f"{said}, the id of expectations[{plain[uid]}]; rename one of them")
        elif uid in split:
            m, other = split[uid]
            yield (("expectations", n, "id"),
                   f"{said}, as expectations[{m}] is for {other}; rename one of them")
        split.setdefault(uid, (n, aid))


def _opening_problems(about: list[tuple[int, dict, float | None]],
                      scheduled: dict[str, float], expectations: list,
                      injects: list) -> Iterator[tuple[tuple, str]]:
    """An incident opens with whichever of its injects fires first, so each inject
    that may be first must give the incident's type. An inject may leave the type out
    only when a scheduled, unconditional inject that gives it surely fires earlier:
    at an earlier time (or at the same time, listed before it). Injects without a
    fixed time fire no earlier than their anchor. A contingency: the anchors of the
    expectations that fire it, plus its delay (it is surely later when they are about
    its incident and anchored on it, or on an inject about it; one anchored on another
    incident, or on an inject about one, fires it no earlier than its anchor, and when
    missed or late no earlier than its deadline; one about an incident no inject opens
    is reported there; one that no expectation fires is left to the facilitator). An
    after_action inject: the first scheduled inject of the drill (an action answers
    what has arrived), and surely later when the action must be about its incident."""

    def inc_of(inj: Any) -> Any:
        return inj.get("incident", {}).get("id") \
            if isinstance(inj, dict) and isinstance(inj.get("incident"), dict) else None

    by_id = {str(inj.get("id")): inj for inj in injects
             if isinstance(inj, dict) and inj.get("id") is not None}
    first_typed: dict[str, tuple[float, int, str, str]] = {}
    for i, inj, minute in about:
        if minute is None or inj.get("when") is not None \
                or inj["incident"].get("type") is None:
            continue
        key = (minute, i, str(inj.get("at")), str(inj.get("id")))
        inc = inj["incident"]["id"]
        first_typed[inc] = min(key, first_typed.get(inc, key))

    known = {x["incident"]["id"] for _, x, _ in about}
    #: incident -> the drill minute it opens no earlier than (None: any time), as
    #: worked out; None too while it is being worked out, so that a loop bounds nothing
    openings: dict[str, float | None] = {}

    def untimed(inj: dict) -> bool:
        return inj.get("type") == "contingency" or isinstance(inj.get("after_action"), dict)

    def opening(inc: str) -> float | None:
        """No earlier than this drill minute does incident ``inc`` open (None: any
        time): its first scheduled inject, or an untimed one that may fire earlier."""
        if inc in openings:
            return openings[inc]
        openings[inc] = None
        lows: list[float] = []
        for _, inj, minute in about:
            if inj["incident"]["id"] != inc:
                continue
            if minute is not None:
                lows.append(minute)
            elif untimed(inj) and inj.get("at") is None:
                low = earliest(inj, inc)
                if low is None:
                    return None
                lows.append(low)
        openings[inc] = min(lows, default=None)
        return openings[inc]

    def earliest(inj: dict, inc: str) -> float | None:
        """No earlier than this drill minute (inf: surely after the incident opened;
        None: any time)."""
        if isinstance(inj.get("after_action"), dict):
            # an action answers what has arrived: no earlier than the first inject
            if inj["after_action"].get("incident") == inc:
                return math.inf
            return min(scheduled.values(), default=None)
        iid = str(inj.get("id"))
        delay = _minutes(inj.get("delay"))
        bounds: list[float] = []
        for exp in expectations:
            fires = {k for k in ("contingency", "on_met", "on_late", "on_lost")
                     if isinstance(exp, dict) and exp.get(k) is not None
                     and str(exp.get(k)) == iid}
            if not fires:
                continue
            # missed or late: no earlier than the deadline; met or lost: the anchor
            wait = _minutes(exp.get("within")) if fires <= {"contingency", "on_late"} else 0.0
            after = str(exp.get("after", "incident"))
            if after == "incident":
                other = exp.get("incident")
                if other == inc or not isinstance(other, str) or other not in known:
                    # an incident no inject opens is reported at the expectation
                    bounds.append(math.inf)
                    continue
                low = opening(other)
                if low is None:
                    return None
                bounds.append(low + wait + delay)
            elif after not in by_id:
                # an anchor that names no inject is reported at the expectation
                bounds.append(math.inf)
            elif inc_of(by_id.get(after)) == inc:
                bounds.append(math.inf)
            elif after in scheduled:
                bounds.append(scheduled[after] + wait + delay)
            else:
                return None
        # a contingency no expectation fires is the facilitator's to fire (lint warns
        # that it never triggers): it is left alone, as before
        return min(bounds) if bounds else math.inf

    for i, inj, minute in about:
        spec = inj["incident"]
        if spec.get("type") is not None:
            continue
        inc = spec["id"]
        typed = first_typed.get(inc)
        where = ("injects", i, "incident", "type")
        message = f"the first inject about incident {_quoted(inc)} must give its type"
        if untimed(inj):
            if inj.get("at") is not None:
                continue  # reported elsewhere
            lb = earliest(inj, inc)
            after_action = isinstance(inj.get("after_action"), dict)
            if lb == math.inf or (lb is not None and typed is not None and (
                    typed[0] <= lb if after_action else typed[0] < lb)):
                continue
        elif minute is None or (typed is not None and typed[:2] < (minute, i)):
            continue
        if typed is not None:
            given = f"inject {_quoted(typed[3])} gives it at {typed[2]}"
            if untimed(inj):
                kind = "contingency" if inj.get("type") == "contingency" else "after_action"
                message += (f": the incident opens with whichever of its injects fires first, "
                            f"and this {kind} inject may fire before {given}")
            else:
                message += (f": the incident opens with the earliest of its injects, and this "
                            f"one (at {inj.get('at')}) is due before {given}")
        yield where, message


def _team_problems(actors: dict, teams: dict, country_sets: set, suggest: Any
                   ) -> Iterator[tuple[tuple, str]]:
    """Teams whose names clash, or that name what does not exist."""
    known = [*actors, *teams]

    def items(v: Any) -> list:
        # a filter's field that is not a list is the model's to report
        return v if isinstance(v, list) else []

    for tid, spec in teams.items():
        here = ("teams", tid)
        if tid in actors:
            yield KeyPath(here), f"team {_quoted(tid)} has the name of an actor; choose another"
        elif tid in SELECTORS:
            yield KeyPath(here), f"{_quoted(tid)} is a recipient selector name; choose another team name"
        elif tid in country_sets or tid in ACTOR_KINDS:
            yield (KeyPath(here),
                   f"team {_quoted(tid)} has the name of a country group or kind; choose another")
        if isinstance(spec, dict):
            for key in ("include", "exclude"):
                for j, n in enumerate(items(spec.get(key))):
                    if isinstance(n, str) and n not in actors and n not in teams:
                        yield (*here, key, j), f"unknown actor or team {_quoted(n)}{suggest(n, known)}"
            for j, c in enumerate(items(spec.get("country_in"))):
                if isinstance(c, str) and c not in country_sets and not (
                        len(c) == 2 and c.isalpha()):
                    yield ((*here, "country_in", j),
                           f"{_quoted(c)} is neither a country code nor a group or membership"
                           f"{suggest(c, country_sets)}")
        elif isinstance(spec, list):
            for j, n in enumerate(spec):
                if isinstance(n, str) and n not in actors and n not in teams \
                        and n not in STATIC_SELECTORS:
                    yield (*here, j), f"unknown actor or team {_quoted(n)}{suggest(n, known)}"


def _drift_problems(data: dict) -> Iterator[tuple[tuple, str]]:
    """Broken references and times in outages, contact changes and pair latencies."""
    def section(name: str) -> dict:
        value = data.get(name)
        return value if isinstance(value, dict) else {}

    actors, channels, drill = section("actors"), section("channels"), section("drill")
    start: datetime | None
    try:
        start = datetime.fromisoformat(drill.get("start"))  # type: ignore[arg-type]
        if start.tzinfo is None:
            start = None
    except (TypeError, ValueError):
        start = None

    def suggest(ident: Any, known: Any) -> str:
        return _suggest(ident, known, actors)

    def when(here: tuple, value: Any) -> Iterator[tuple[tuple, str] | float]:
        # yields a problem (a tuple), or the drill minute
        if isinstance(value, str) and start is not None:
            try:
                minute = parse_drill_time(value, start)
            except ValueError as exc:
                yield here, str(exc)
                return
            if minute < 0:
                yield here, f"{_quoted(value)} is before the drill starts"
                return
            yield minute

    def contact(here: tuple, aid: Any, cid: Any) -> Iterator[tuple[tuple, str]]:
        if isinstance(cid, str) and cid not in channels:
            yield (*here, "channel"), f"unknown channel {_quoted(cid)}{suggest(cid, channels)}"
        if not isinstance(aid, str):
            return
        if aid not in actors:
            yield (*here, "actor"), f"unknown actor {_quoted(aid)}{suggest(aid, actors)}"
        elif isinstance(cid, str) and cid in channels:
            contacts = actors[aid].get("contacts") if isinstance(actors[aid], dict) else None
            contacts = contacts if isinstance(contacts, dict) else {}
            if cid not in contacts:
                yield ((*here, "actor"), f"actor {_quoted(aid)} has no point of contact on channel "
                       f"{_quoted(cid)} (it has: {', '.join(contacts) or 'none'})")

    outages = data.get("outages")
    for i, o in enumerate(outages if isinstance(outages, list) else []):
        if not isinstance(o, dict):
            continue
        here = ("outages", i)
        yield from contact(here, o.get("actor"), o.get("channel"))
        times = []
        for key in ("start", "end"):
            for got in when((*here, key), o.get(key)):
                if isinstance(got, tuple):
                    yield got
                else:
                    times.append(got)
        if len(times) == 2 and times[1] <= times[0]:
            yield (*here, "end"), f"the outage ends ({o.get('end')}) before it starts " \
                f"({o.get('start')})"
    changes = data.get("contact_changes")
    for i, c in enumerate(changes if isinstance(changes, list) else []):
        if not isinstance(c, dict):
            continue
        here = ("contact_changes", i)
        yield from contact(here, c.get("actor"), c.get("channel"))
        for got in when((*here, "at"), c.get("at")):
            if isinstance(got, tuple):
                yield got
    for cid, ch in channels.items():
        pairs = ch.get("pair_latency") if isinstance(ch, dict) else None
        for i, p in enumerate(pairs if isinstance(pairs, list) else []):
            for key in ("sender", "recipient"):
                aid = p.get(key) if isinstance(p, dict) else None
                if isinstance(aid, str) and aid not in actors:
                    yield (("channels", cid, "pair_latency", i, key),
                           f"unknown actor {_quoted(aid)}{suggest(aid, actors)}")


def _anchor_problems(
    exp: dict, here: tuple, after: str, scheduled: dict[str, float], opens: dict[str, float],
    contingencies: dict[str, Any],
) -> Iterator[tuple[tuple, str]]:
    """An expectation anchored on an inject whose deadline can never be met."""
    if str(exp.get("contingency")) == after:
        yield (
            (*here, "after"),
            f"anchored on inject {_quoted(after)}, its own contingency, which fires only once "
            "the expectation is missed",
        )
        return
    incident = exp.get("incident")
    try:
        within = parse_duration(exp.get("within"))
    except ValueError:
        return  # reported by the model
    if after in scheduled and isinstance(incident, str) and incident in opens:
        deadline = scheduled[after] + within
        if deadline < opens[incident]:
            yield (
                (*here, "after"),
                f"the deadline {format_drill_time(deadline)} ({exp.get('within')} after inject "
                f"{_quoted(after)}) falls before incident {_quoted(incident)} opens at "
                f"{format_drill_time(opens[incident])}",
            )


# --- entry points ----------------------------------------------------------------


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the source positions of its parts."""

    scenario: Scenario
    source: Located
    path: Path

    def mark(self, *path: str | int) -> Mark | None:
        return self.source.mark_for(tuple(path))


def _as_text(data: bytes) -> str | None:
    """A file's content as text, or None when it is not UTF-8 text. Its lines end in
    ``\\n`` whatever ended them in the file (Windows ``\\r\\n``, or an old Mac's
    ``\\r``); the file's hash is that of its bytes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\f")
    return None if "\x00" in text or controls > len(text) // 100 else text


def _read_artefacts(scenario: Scenario, loc: Located, path: Path, roots: IncludeRoots,
                    problems: list[Problem]) -> None:
    """Read each artefact file of the injects, confined like includes: its hash, its size
    and, when it is text to be shown, its text join the scenario."""
    import hashlib

    from .yamlsrc import Unreadable, read_bounded

    for i, inj in enumerate(scenario.injects):
        if not inj.artefact_files:
            continue
        arts: list[Any] = []
        for j, art in enumerate(inj.artefacts):
            if isinstance(art, str):
                arts.append(art)
                continue
            here: tuple = ("injects", i, "artefacts", j, "file")

            def bad(message: str, where: tuple = here) -> None:
                problems.append(Problem(loc.mark_for(where), format_path(where), message))

            target = _folder_of(path) / art.file
            # a file outside the allowed folders is refused before anything touches it
            if not roots.allows(target):
                bad(f"{art.file!r} is outside the scenario's folder and the bundled library; "
                    "to read artefacts from another folder, pass --allow-include FOLDER")
                continue
            if not os.path.exists(target):
                bad(f"no artefact file {art.file!r} next to the scenario (looked for {target})")
                continue
            try:
                data = read_bounded(target, MAX_ARTEFACT_BYTES, what="scenario artefact")
            except Unreadable as exc:
                bad(str(exc))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if art.sha256 is not None and art.sha256 != digest:
                bad(f"the file's SHA-256 is {digest}, not the one given: the file has changed "
                    "since the hash was written", (*here[:-1], "sha256"))
                continue
            content = _as_text(data) if art.show_text is not False else None
            arts.append(art.model_copy(update={"sha256": digest, "size": len(data),
                                               "content": content}))
        scenario.injects[i] = inj.model_copy(update={"artefacts": arts})


#: models that a default builds on its own (an actor without a policy gets ``Policy()``):
#: completed before the scenario's, whose validator then reuses their schemas instead of
#: generating them a second time
_BUILT_ALONE = (StageNames, Policy, Condition)


def build_models() -> None:
    """Build the scenario models' validators now; otherwise the first scenario loaded
    builds them (the models are defined with ``defer_build``, so that commands that
    read no scenario do not pay for them)."""
    if not Scenario.__pydantic_complete__:
        for model in _BUILT_ALONE:
            model.model_rebuild()
        Scenario.model_rebuild()


#: a cross-reference problem that names something the scenario does not define
_UNKNOWN = re.compile(r"^unknown (channel|actor|group|membership or group) ('[^']*'|\"[^\"]*\")")
#: where each kind of name is defined, and its plural
_DEFINED_IN = {"channel": ("channels",), "actor": ("actors",), "group": ("groups",),
               "membership or group": ("memberships", "groups")}
_PLURAL = {"channel": "channels", "actor": "actors", "group": "groups",
           "membership or group": "memberships or groups"}


@functools.lru_cache(maxsize=1)
def _library_definitions() -> dict[tuple[str, str], str]:
    """(section, id) -> the library file that defines it ('asean/channels'); a rule
    of a framework as ('rules', id)."""
    out: dict[tuple[str, str], str] = {}
    root = library_dir()
    for file in sorted(root.rglob("*.yaml")):
        try:
            data = read_yaml_file(file).data
        except YamlProblem:
            continue
        name = file.relative_to(root).with_suffix("").as_posix()
        for path in _included(data) if isinstance(data, dict) else ():
            # a rule by its id alone: rule ids are unique across frameworks
            key = ("rules", str(path[3])) if len(path) == 4 else (path[0], str(path[1]))
            out.setdefault(key, name)
    return out


def _library_references(problems: list[Problem],
                        via: dict[Path, _IncludedAt]) -> list[Problem]:
    """``problems`` with the references a library file makes to what the scenario does
    not define (the channels its actors use, when the file that defines them is not
    included) made one problem at the include entry that brought the library file in:
    they are the organiser's to fix there, not at a hundred lines of the library."""
    library = library_dir().resolve()
    real: dict[str, Path] = {}
    #: include entry -> (name, {kind: names}, references)
    found: dict[tuple, tuple[str, dict[str, set[str]], list[Problem]]] = {}
    out = []
    for p in problems:
        m = _UNKNOWN.match(p.message)
        entry = None
        if m is not None and p.mark is not None:
            file = real.get(p.mark.file) or real.setdefault(p.mark.file,
                                                            Path(p.mark.file).resolve())
            entry = via.get(file) if file.is_relative_to(library) else None
            # a library file included by another: the entry in the organiser's file
            while entry is not None and entry[3].is_relative_to(library) and entry[3] in via:
                entry = via[entry[3]]
        if entry is None or m is None:
            out.append(p)
            continue
        key = (entry[0], entry[1])
        name, names, refs = found.setdefault(key, (entry[2], {}, []))
        names.setdefault(m.group(1), set()).add(m.group(2))
        refs.append(p)
    defined = _library_definitions() if found else {}
    for (mark, path), (name, names, refs) in found.items():
        what = []
        files: dict[str, None] = {}
        for kind, ids in names.items():
            ids_text = sorted(ids)
            what.append(f"{_PLURAL[kind] if len(ids) > 1 else kind} "
                        + (ids_text[0] if len(ids) == 1
                           else ", ".join(ids_text[:-1]) + " and " + ids_text[-1]))
            for section in _DEFINED_IN[kind]:
                files.update(dict.fromkeys(
                    defined[(section, i[1:-1])] for i in ids_text
                    if (section, i[1:-1]) in defined))
        it = "it" if sum(len(ids) for ids in names.values()) == 1 else "them"
        sections = " and ".join(dict.fromkeys(_PLURAL[k] if len(_DEFINED_IN[k]) > 1
                                              else _DEFINED_IN[k][0] for k in names))
        fix = (f"include {' and '.join(files)}, or define {it} under {sections}" if files
               else f"define {it} under {sections}")
        n = len(refs)
        out.append(Problem(mark, path, f"{name} refers to {' and '.join(what)}, which this "
                           f"scenario does not define ({n} reference{'s' if n > 1 else ''} in "
                           f"the library file): {fix}"))
    return out


def _subdivision_problems(scenario: Scenario, loc: Located) -> list[Problem]:
    """A team's ``country`` or ``subdivision`` that the holidays package does not know,
    where its calendar is taken because the drill switches public holidays on (an
    actor that sets ``public_holidays`` itself is checked by its model). The library's
    own are known good (a test checks them): only a scenario's own are looked up,
    which loads the package."""
    if not scenario.drill.public_holidays:
        return []
    library = library_dir().resolve()
    in_library: dict[str, bool] = {}  # each file resolved once: a team per line of it

    def own(where: tuple) -> bool:
        mark = loc.mark_for(where)
        if mark is None:
            return True
        found = in_library.get(mark.file)
        if found is None:
            found = in_library[mark.file] = Path(mark.file).resolve().is_relative_to(library)
        return not found

    out = []
    for aid, actor in scenario.actors.items():
        if actor.public_holidays is not None or actor.country is None:
            continue
        country = ("actors", aid, "country")
        subdivision = ("actors", aid, "subdivision")
        if not own(country) and (actor.subdivision is None or not own(subdivision)):
            continue
        try:
            check_calendar(actor.country, None)
        except ValueError as exc:
            out.append(Problem(loc.mark_for(country), format_path(country),
                               f"{exc}, and drill.public_holidays gives this team its "
                               "country's; correct the country, or give the team "
                               "public_holidays: false"))
            continue
        if actor.subdivision is None:
            continue
        try:
            check_calendar(actor.country, actor.subdivision)
        except ValueError as exc:
            out.append(Problem(loc.mark_for(subdivision), format_path(subdivision), str(exc)))
    return out


def check_scenario(loc: Located, *, injects_pending: bool = False,
                   included: set[tuple] | None = None, unbacked: set[tuple] | None = None
                   ) -> tuple[Scenario | None, list[Problem]]:
    """The scenario ``loc`` holds (None when it is not valid) and every problem that
    validating and cross-checking it finds: the checks a scenario file passes, its
    artefact files aside. A batch variant's scenario passes the same checks. With
    ``injects_pending``, ``loc`` has no injects yet, and what refers to them is not
    checked (see :func:`cross_references`). ``included`` is what the file's includes
    define, when it includes any, and ``unbacked`` what its files write that their own
    includes do not define (see :func:`_load_with_includes`)."""
    scenario = None
    problems: list[Problem] = []
    stray: dict[tuple, list[str]] = {}
    build_models()
    try:
        scenario = Scenario.model_validate(loc.data)
    except ValidationError as exc:
        problems.extend(_validation_problems(exc, loc, included, stray, unbacked,
                                             injects_pending=injects_pending))
    stray_rules = _stray_rules(stray, loc.data)
    # one problem per place: what the models say of a value (an id left empty) is not
    # said again as a broken reference
    placed = {(p.mark, p.path) for p in problems}
    if isinstance(loc.data, dict):
        for where, message in (*cross_references(loc.data, scenario,
                                                  injects_pending=injects_pending),
                               *_drift_problems(loc.data)):
            if isinstance(where, KeyPath) and len(where) == 4 and where[2] == "rules" \
                    and where[3] in stray_rules:
                continue  # an override in the wrong framework repeats a rule's id
            mark = _problem_mark(loc, where, isinstance(where, KeyPath))
            if (mark, format_path(where)) not in placed:
                problems.append(Problem(mark, format_path(where), message))
    if scenario is not None:
        problems.extend(_subdivision_problems(scenario, loc))
    return scenario, problems


def _finish(loc: Located, path: Path, problems: list[Problem],
            roots: IncludeRoots | None = None,
            via: dict[Path, _IncludedAt] | None = None,
            included: set[tuple] | None = None,
            unbacked: set[tuple] | None = None) -> LoadedScenario:
    scenario, found = check_scenario(loc, included=included, unbacked=unbacked)
    problems.extend(found)
    if scenario is not None and not problems:
        _read_artefacts(scenario, loc, path, roots or IncludeRoots.for_scenario(path), problems)
    if problems or scenario is None:
        _refuse(problems, via)
    return LoadedScenario(scenario, loc, path)


def _refuse(problems: list[Problem], via: dict[Path, _IncludedAt] | None) -> typing.NoReturn:
    """Raise :class:`ScenarioError` with ``problems`` in file order, the references a
    library file makes gathered at the include that brought it in."""
    if via:
        problems = _library_references(problems, via)
    if any(p.path == "channels" and p.message == "required field is missing"
           for p in problems):
        # no channels at all is said once, not again at every use of a channel
        problems = [p for p in problems if not p.message.startswith("unknown channel ")]
    problems.sort(key=lambda p: (p.mark.file, p.mark.line, p.mark.col) if p.mark else ("", 0, 0))
    raise ScenarioError(problems)


def load_scenario(path: str | Path, allow_include: tuple[str | Path, ...] = ()) -> LoadedScenario:
    """Load, merge includes, validate and cross-check a scenario file.

    Includes are read only from the scenario's folder tree, the bundled library and
    the folders in ``allow_include``.
    """
    path = Path(path)
    with collector.paused(settle=True):  # see scenarios.collector
        loc, roots, via, included, unbacked, overrides = _read_scenario(path, allow_include)
        return _finish(loc, path, overrides, roots, via, included, unbacked)


def load_outside_injects(path: str | Path, allow_include: tuple[str | Path, ...] = ()
                         ) -> LoadedScenario:
    """A scenario file whose injects are about to be replaced (by an MSEL import), read
    as :func:`load_scenario` reads it and checked but for its ``injects:`` section: the
    file must parse and its includes resolve, and every other section must be sound, but
    the injects, and what refers to an inject or to an incident injects open, are left
    for the check of the scenario with its new injects.

    The scenario returned has no injects; its source is the file as read, injects
    included."""
    path = Path(path)
    with collector.paused(settle=True):
        return _outside_injects(path, allow_include)


def _outside_injects(path: Path, allow_include: tuple[str | Path, ...]) -> LoadedScenario:
    loc, _, via, included, unbacked, overrides = _read_scenario(path, allow_include)
    data = {k: v for k, v in loc.data.items() if k != "injects"}  # always a mapping
    scenario, problems = check_scenario(Located(data, loc.values, loc.keys, loc.written),
                                        injects_pending=True, included=included,
                                        unbacked=unbacked)
    problems = [*overrides, *problems]
    if problems or scenario is None:
        _refuse(problems, via)
    return LoadedScenario(scenario, loc, path)


def _read_scenario(path: Path, allow_include: tuple[str | Path, ...]
                   ) -> tuple[Located, IncludeRoots, dict[Path, _IncludedAt],
                              set[tuple] | None, set[tuple], list[Problem]]:
    """A scenario file with its includes merged, the folders it may read from, where
    each included file was included first, what the included files define (None
    when the file includes none), what its files write that their own includes
    do not define, and what its overrides leave unclear, to report with what validation
    finds (see :func:`_load_with_includes`). Raises :class:`ScenarioError` when the file
    cannot be read or an include is broken."""
    if not os.path.lexists(path) and not path.suffix and len(path.parts) == 1:
        # a bare name that is neither a file nor a bundled scenario: a misspelt id
        ids = [p.stem for p in bundled_scenarios()]
        close = difflib.get_close_matches(str(path), ids, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ScenarioError([Problem(Mark(str(path), 0, 0), "",
                                     f"no such scenario file or bundled scenario; {hint}"
                                     f"bundled scenarios: {', '.join(ids)}")])
    problems: list[Problem] = []
    roots = IncludeRoots.for_scenario(path, tuple(allow_include))
    via: dict[Path, _IncludedAt] = {}
    included: set[tuple] = set()
    unbacked: set[tuple] = set()
    overrides: list[Problem] = []
    try:
        loc = _load_with_includes(path, (path.resolve(),), problems, True, roots, via=via,
                                  included=included, unbacked=unbacked, overrides=overrides)
    except YamlProblem as exc:
        raise ScenarioError(_yaml_problems(exc)) from None
    if problems:
        # a broken include makes every later check misleading: report it alone
        raise ScenarioError(problems)
    return (loc, roots, via, included if loc.data.get("include") else None, unbacked,
            overrides)
