"""Strict, located, bounded YAML reading.

PyYAML speaks YAML 1.1, where unquoted ``9:30`` is the integer 570, ``NO`` (Norway)
is ``False``, ``010`` is 8 and ``2026-08-19`` is a ``date``. A scenario file must
not silently change meaning, so this module resolves plain scalars with the YAML 1.2
core schema instead: only ``true``/``false`` are booleans, only decimal, ``0o`` and
``0x`` numbers are numbers, and everything else stays a string for the models to
parse.

Nothing is ever constructed from tags (there is no object construction at all). The
core tags give a value their type (``!!int 5`` is a number, ``!!str 5`` text), and a
value that does not fit its tag is a problem; every other tag is refused.
The parser's event stream is turned into plain data by one loop with an explicit
stack, so no document can exhaust Python's recursion limit, and each value's source
position is kept in a :class:`Located` document so that validation errors can name
``file:line:col``. libyaml's C parser is used where PyYAML was built with it (it is
several times faster and keeps the same marks); the pure-Python parser is the
fallback.

Documents are refused, with a positioned problem, when they are too large, nest
too deeply, or expand (through aliases) into too many values, which is how
"billion laughs" alias bombs work. Files are read with :func:`read_bounded`:
only regular files, never more than :data:`MAX_BYTES`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

MAX_BYTES = 2_000_000
MAX_VALUES = 600_000
#: values that aliases may add by repeating anchored ones: plenty for reuse, none for bombs
MAX_ALIAS_VALUES = 100_000
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_PARSER: type = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class Mark(NamedTuple):
    """A position in a source file, 1-based (a tuple: there are hundreds of thousands)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


#: a :class:`Mark` from a tuple of its fields, without the keyword handling of ``Mark(...)``
#: (the parser makes one for each of hundreds of thousands of values)
_new_mark = functools.partial(tuple.__new__, Mark)


@dataclass
class Located:
    """Plain data plus the source position of every value and mapping key."""

    data: Any
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)
    #: how numbers were written, by mark: every float, and each whole number whose value
    #: does not give its text back (``002``, ``+2``, ``0x1F``); hints quote them as written.
    #: A value a core tag typed is written with its tag (``!!int 2``)
    written: dict[Mark, str] = field(default_factory=dict)
    _heads: dict[str | int, Marks] | None = field(default=None, repr=False, compare=False)
    _pairs: dict[str | int, dict[str | int, Marks]] = field(
        default_factory=dict, repr=False, compare=False
    )

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

    def under(self, head: str | int) -> Marks:
        """The marks of every value and key whose path starts with ``head``, the path
        ``(head,)`` itself included, in the order of :attr:`values` and :attr:`keys`.

        Indexed on first use: call it only once the document is complete. The dicts
        returned are the index's own: read them, never change them.
        """
        if self._heads is None:
            self._heads = {}
            for i, table in enumerate((self.values, self.keys)):
                firsts = [path[0] if path else _NONE for path in table]
                for first, marks in _runs(table, firsts):
                    if first is not _NONE:
                        _entry(self._heads, first)[i].update(marks)
        return self._heads.get(head, _NO_MARKS)

    def under_pair(self, head: str | int, second: str | int) -> Marks:
        """The marks of every value and key whose path starts with ``(head, second)``.

        Indexed on first use, like :meth:`under`, from the marks under ``head`` alone:
        merging a section's entries one by one reads only each entry's own paths, not
        the whole section's each time.
        """
        seconds_of = self._pairs.get(head)
        if seconds_of is None:
            seconds_of = self._pairs[head] = {}
            for i, table in enumerate(self.under(head)):
                seconds = [path[1] if len(path) > 1 else _NONE for path in table]
                for second_, marks in _runs(table, seconds):
                    if second_ is not _NONE:
                        _entry(seconds_of, second_)[i].update(marks)
        return seconds_of.get(second, _NO_MARKS)


#: marks under some path of a document: (values, keys), each a dict of path to mark
Marks = tuple[dict[Path_, Mark], dict[Path_, Mark]]
_NO_MARKS: Marks = ({}, {})
_NONE = object()  # no path element there


def _runs(table: dict[Path_, Mark], keys: list[Any]) -> Iterator[tuple[Any, dict[Path_, Mark]]]:
    """``(key, marks)`` for each run of consecutive entries of ``table`` whose ``keys``
    (one for each entry, in order) are alike. A document's tables hold paths in the
    order of its file, so a section or an entry is one run, or a few: the marks are
    copied a run at a time (dict slices), not one by one into lists of tuples."""
    items = list(table.items())
    start = 0
    for key, run in itertools.groupby(keys):
        stop = start + len(list(run))
        yield key, dict(items[start:stop])
        start = stop


def _entry(index: dict[Any, Marks], key: Any) -> Marks:
    entry = index.get(key)
    if entry is None:
        entry = index[key] = ({}, {})
    return entry


class YamlProblem(Exception):
    """A problem reading YAML, already positioned; ``others`` are more problems of the
    same kind further on in the file (each misplaced line break), reported with it."""

    def __init__(self, mark: Mark | None, message: str, path: Path_ = (),
                 others: tuple[YamlProblem, ...] = (), unlisted: int = 0):
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.path = path
        self.others = others
        #: more problems of this kind past this one, counted but not listed
        self.unlisted = unlisted

    def every(self) -> list[YamlProblem]:
        """This problem and the others found with it, in the order of the file."""
        return [self, *self.others]


class Unreadable(Exception):
    """A file could not be read; the message is one line naming only its path."""


# --- bounded reading of untrusted files ------------------------------------------


def open_regular(path: str | Path, *, what: str = "file") -> int:
    """Open a regular file for reading and return its descriptor.

    A FIFO, a device, a socket or a folder is refused without blocking (the open
    does not wait for a writer), with :class:`Unreadable`. Its bytes are read as they are
    (on Windows too, which would otherwise read CR LF as LF and stop at a Ctrl-Z).
    """
    path = Path(path)
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise Unreadable(f"{path}: is a folder, not a {what}") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a usable path"
        raise Unreadable(f"{path}: cannot read: {reason}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise Unreadable(f"{path}: cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise Unreadable(f"{path}: is a folder, not a {what}")
        raise Unreadable(f"{path}: is not a regular file (a device, pipe or socket); refused")
    return fd


def read_bounded(path: str | Path, limit: int, *, what: str = "file") -> bytes:
    """Read a regular file of at most ``limit`` bytes.

    What is not a regular file is refused without blocking (see :func:`open_regular`),
    and a file that grows past ``limit`` while being read is refused too. Raises
    :class:`Unreadable`.
    """
    fd = open_regular(path, what=what)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise Unreadable(f"{path}: is {size:,} bytes; a {what} over {limit:,} bytes is refused")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Unreadable(f"{path}: grew past {limit:,} bytes while being read; refused")
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


# --- YAML 1.2 core-schema resolution --------------------------------------------

# ``\Z``, not ``$``: a value ending in a line break is text, not a number or a null
_NULL = re.compile(r"^(?:~|null|Null|NULL|)\Z")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)\Z")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)\Z")
_INT10 = re.compile(r"^[-+]?[0-9]+\Z")
_INT8 = re.compile(r"^0o[0-7]+\Z")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)\Z")

# a number written with more digits than this is a mistake (or an attack on int())
_MAX_DIGITS = 400

_CORE = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = f"{_CORE}str", f"{_CORE}map", f"{_CORE}seq"
_INT, _FLOAT_TAG, _BOOL, _NULL_TAG = (f"{_CORE}int", f"{_CORE}float", f"{_CORE}bool",
                                      f"{_CORE}null")

_ALLOWED_TAGS = frozenset({None, "!", _STR, _MAP, _SEQ, _INT, _FLOAT_TAG, _BOOL, _NULL_TAG})

#: what each core tag needs, as a problem says it
_NEEDS = {
    _STR: "text",
    _MAP: "a mapping",
    _SEQ: "a list",
    _INT: "a whole number (such as 5, 0o17 or 0x1F)",
    _FLOAT_TAG: "a number (such as 0.1, 5 or .inf)",
    _BOOL: "true or false",
    _NULL_TAG: "no value, ~ or null",
}

#: of a value that does not fit its tag, how many characters a problem shows
_SHOWN = 40


def _plain(event: Any) -> bool:
    # the pure parser says None for a plain scalar, libyaml says ""
    return not event.style and event.tag is None


def _misfit(tag: str, got: str, mark: Mark, path: Path_) -> YamlProblem:
    """The problem of a value that does not fit its core tag; ``got`` says what it is."""
    return YamlProblem(mark, f"tag !!{tag.removeprefix(_CORE)} needs {_NEEDS[tag]}, got {got}",
                       path)


def _tagged(value: str, tag: str, mark: Mark, path: Path_) -> Any:
    """A scalar with an explicit tag, resolved to the tag's type: text for ``!`` and
    ``!!str``, whatever its style; a problem when the text does not fit the tag."""
    if tag == "!" or tag == _STR:
        return value
    resolved = _resolve(value, mark, path)
    if tag == _INT:
        fits = type(resolved) is int
    elif tag == _FLOAT_TAG:
        # a whole number is a float too under the core schema (not one in base 8 or 16)
        if type(resolved) is int and _INT10.match(value):
            resolved = float(value)
        fits = type(resolved) is float
    elif tag == _BOOL:
        fits = type(resolved) is bool
    elif tag == _NULL_TAG:
        fits = resolved is None
    else:  # !!map or !!seq on a scalar
        fits = False
    if not fits:
        shown = value if len(value) <= _SHOWN else f"{value[:_SHOWN]}..."
        raise _misfit(tag, repr(shown), mark, path)
    return resolved


#: the first characters of every plain scalar that is not a string (null, bool, number)
_NOT_TEXT_START = frozenset("~nNtTfF-+.0123456789")


def _scalar(event: Any, mark: Mark, path: Path_) -> Any:
    value = event.value
    if event.tag is not None:
        return _tagged(value, event.tag, mark, path)
    if event.style:  # quoted, or a block of text
        return value
    if value and value[0] not in _NOT_TEXT_START:
        return value  # most values: none of the patterns below can match
    return _resolve(value, mark, path)


def _resolve(value: str, mark: Mark, path: Path_) -> Any:
    """The text of a plain scalar resolved with the YAML 1.2 core schema."""
    if _NULL.match(value):
        return None
    if _BOOL_TRUE.match(value):
        return True
    if _BOOL_FALSE.match(value):
        return False
    if len(value) > _MAX_DIGITS and (_INT10.match(value) or _FLOAT.match(value)
                                     or _INT8.match(value) or _INT16.match(value)):
        raise YamlProblem(mark, f"a number with more than {_MAX_DIGITS} digits", path)
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


# --- the event loop ---------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    """An open mapping or sequence."""

    container: dict | list
    path: Path_
    mark: Mark
    anchor: str | None
    log_start: int
    count_start: int
    merge: bool = False  # this frame is the value of '<<' (its items merge into the parent)
    key: str | None = None  # a mapping's pending key
    key_is_merge: bool = False
    has_merge: bool = False  # '<<' was given (once, as for any key)
    merged: dict = field(default_factory=dict)
    #: marks of what '<<' merges into this mapping, placed when it ends: only under the
    #: keys it did not give itself, whichever comes first in the file
    merged_marks: list[tuple[bool, Path_, Mark]] | None = None
    #: where each merged mapping's marks end in ``merged_marks``, in the order merged
    merge_ends: list[int] | None = None
    #: inside what '<<' merges: marks go to that mapping's ``merged_marks``
    defer_to: list[tuple[bool, Path_, Mark]] | None = None


@dataclass
class _Anchor:
    value: Any
    marks: list[tuple[bool, Path_, Mark]]  # (is_key, path relative to the anchor, mark)
    size: int
    written: str | None = None  # of a number, as it was written (see Located.written)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.out = Located(None)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchor] = {}
        self.log: list[tuple[bool, Path_, Mark]] = []
        self.open_anchors = 0
        self.count = 0
        self.expanded = 0
        self.done = False

    # marks and budget

    def mark(self, event: Any) -> Mark:
        m = event.start_mark
        return _new_mark((self.file, m.line + 1, m.column + 1))

    def _sink(self, merging: bool) -> list[tuple[bool, Path_, Mark]] | None:
        """Where the marks of the next value go until its mapping ends (None: placed now)."""
        if not self.stack:
            return None
        top = self.stack[-1]
        if merging:  # the value of '<<', or a mapping of its list
            target = self.stack[-2] if top.merge else top
            if target.merged_marks is None:
                target.merged_marks = []
            return target.merged_marks
        return top.defer_to

    def _note(self, is_key: bool, path: Path_, mark: Mark, keep: bool = False,
              sink: list[tuple[bool, Path_, Mark]] | None = None) -> None:
        if sink is not None:
            entry = (is_key, path, mark)
            sink.append(entry)
            if self.open_anchors:  # an anchor inside merged content keeps its marks
                self.log.append(entry)
            return
        table = self.out.keys if is_key else self.out.values
        if keep:
            table.setdefault(path, mark)
        else:
            table[path] = mark
        if self.open_anchors:
            self.log.append((is_key, path, mark))

    def _spend(self, n: int, mark: Mark, path: Path_) -> None:
        self.count += n
        if self.count > MAX_VALUES:
            if self.expanded:
                msg = (f"document expands through aliases to more than {MAX_VALUES:,} values; "
                       "aliases that multiply like this are refused")
            else:
                msg = f"document holds more than {MAX_VALUES:,} values; a scenario is never this big"
            raise YamlProblem(mark, msg, path)

    # where the next value goes

    def _child_path(self) -> tuple[Path_, bool]:
        """Path of the next value, and whether it merges into its parent (``<<``)."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if top.merge:
            return top.path, True
        if isinstance(top.container, list):
            return (*top.path, len(top.container)), False
        if top.key_is_merge:
            return top.path, True
        return (*top.path, top.key), False  # type: ignore[arg-type]

    def _expecting_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].container, dict) \
            and not self.stack[-1].merge and self.stack[-1].key is None \
            and not self.stack[-1].key_is_merge

    def _put(self, value: Any, mark: Mark) -> None:
        if not self.stack:
            self.out.data = value
            self.done = True
            return
        top = self.stack[-1]
        if top.merge or top.key_is_merge:
            target = self.stack[-2] if top.merge else top
            if not isinstance(value, dict):
                raise YamlProblem(mark, "'<<' must merge a mapping", target.path)
            for k, v in value.items():
                target.merged.setdefault(k, v)
            if target.merge_ends is None:
                target.merge_ends = []
            target.merge_ends.append(len(target.merged_marks or ()))
            if top.merge:  # the list holds its mappings too, for an anchor on it
                top.container.append(value)  # type: ignore[union-attr]
            if not top.merge:
                top.key_is_merge = False
            return
        if isinstance(top.container, list):
            top.container.append(value)
        else:
            top.container[top.key] = value  # type: ignore[index]
            top.key = None

    def _check_tag(self, event: Any, mark: Mark, path: Path_) -> None:
        if event.tag not in _ALLOWED_TAGS:
            raise YamlProblem(mark, f"tag {event.tag!r} is not allowed in a scenario file", path)

    @staticmethod
    def _check_collection_tag(event: Any, container: dict | list, mark: Mark,
                              path: Path_) -> None:
        """A tag on a mapping or a list is ``!``, or the core tag of its kind."""
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP if isinstance(container, dict)
                                                      else _SEQ):
            raise _misfit(tag, "a mapping" if isinstance(container, dict) else "a list",
                          mark, path)

    # events

    def scalar(self, event: Any) -> None:
        m = event.start_mark
        mark = _new_mark((self.file, m.line + 1, m.column + 1))
        stack = self.stack
        if stack and event.tag is None and event.anchor is None and not self.open_anchors:
            # the common case, in one place: an untagged value without an anchor, in a
            # mapping or a list that no '<<' or anchor is gathering marks for
            top = stack[-1]
            if top.defer_to is None and not top.merge and not top.key_is_merge:
                container = top.container
                text = event.value
                key = top.key
                if type(container) is dict and key is None:
                    path = (*top.path, text)
                    if text not in container and (text != "<<" or event.style):
                        top.key = text
                        container[text] = None  # holds the key's place (duplicates)
                        self.out.keys[path] = mark
                        return
                else:
                    count = self.count + 1
                    if count <= MAX_VALUES:
                        self.count = count
                        path = (*top.path, len(container) if key is None else key)
                        if event.style or (text and text[0] not in _NOT_TEXT_START):
                            value = text
                        else:
                            value = _resolve(text, mark, path)
                            kind = type(value)
                            if kind is float or (kind is int and text != str(value)):
                                self.out.written[mark] = text
                        self.out.values[path] = mark
                        if key is None:
                            container.append(value)  # type: ignore[union-attr]
                        else:
                            container[key] = value  # type: ignore[index]
                            top.key = None
                        return
        self._scalar(event, mark)

    def _scalar(self, event: Any, mark: Mark) -> None:
        """A scalar, whatever it is and wherever it goes (see :meth:`scalar`)."""
        if self._expecting_key():
            top = self.stack[-1]
            if event.value == "<<" and _plain(event):
                if top.has_merge:
                    raise YamlProblem(mark, "duplicate key '<<': merge every mapping in one "
                                      "list instead ('<<: [*a, *b]')", top.path)
                top.key_is_merge = top.has_merge = True
                return
            self._check_tag(event, mark, top.path)
            if event.tag is not None:
                _tagged(event.value, event.tag, mark, top.path)  # a key stays text, if it fits
            key = str(event.value)
            path = (*top.path, key)
            if key in top.container:
                # inside what '<<' merges, the first key's mark waits in its merge list
                first = self.out.keys.get(path) if top.defer_to is None else next(
                    (m for is_key, p, m in reversed(top.defer_to) if is_key and p == path), None)
                line = f" (first given at line {first.line})" if first is not None else ""
                raise YamlProblem(mark, f"duplicate key {key!r}{line}", path)
            top.key = key
            top.container[key] = None  # holds the key's place, so duplicates are caught
            if top.defer_to is None and not self.open_anchors:
                self.out.keys[path] = mark  # most keys: placed at once
            else:
                self._note(True, path, mark, sink=top.defer_to)
            return
        path, merging = self._child_path()
        self._check_tag(event, mark, path)
        self._spend(1, mark, path)
        value = _scalar(event, mark, path)
        written = None
        kind = type(value)
        if event.tag is not None and event.tag not in ("!", _STR):
            # a core tag made it a number, true/false or null: hints name the tag
            written = self.out.written[mark] = f"!!{event.tag.removeprefix(_CORE)} {event.value}"
        elif kind is float or (kind is int and event.value != str(value)):
            written = self.out.written[mark] = event.value
        if not merging:
            sink = self.stack[-1].defer_to if self.stack else None
            if sink is None and not self.open_anchors:
                self.out.values[path] = mark  # most values: placed at once
            else:
                self._note(False, path, mark, sink=sink)
        self._register(event.anchor, value, [], 1, written)
        self._put(value, mark)

    def alias(self, event: Any) -> None:
        mark = self.mark(event)
        if self._expecting_key():
            raise YamlProblem(mark, "mapping keys must be plain text", self.stack[-1].path)
        path, merging = self._child_path()
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise YamlProblem(mark, f"unknown alias *{event.anchor} (no anchor &{event.anchor} before it)",
                              path)
        self.expanded += anchor.size
        if self.expanded > MAX_ALIAS_VALUES:
            raise YamlProblem(
                mark, f"aliases repeat more than {MAX_ALIAS_VALUES:,} values; aliases that multiply "
                "like this are refused", path)
        self._spend(anchor.size, mark, path)
        sink = self._sink(merging)
        for is_key, rel, m in anchor.marks:
            self._note(is_key, (*path, *rel), m, sink=sink)
        if not merging:
            self._note(False, path, mark, sink=sink)
        if anchor.written is not None:
            self.out.written[mark] = anchor.written
        self._put(copy.deepcopy(anchor.value), mark)

    def start(self, event: Any, container: dict | list) -> None:
        m = event.start_mark
        mark = _new_mark((self.file, m.line + 1, m.column + 1))
        stack = self.stack
        if stack and event.tag is None and event.anchor is None and not self.open_anchors \
                and len(stack) < MAX_DEPTH and self.count < MAX_VALUES:
            # the common case (see :meth:`scalar`): a mapping or a list opened as a value
            top = stack[-1]
            key = top.key
            parent = top.container
            if top.defer_to is None and not top.merge and not top.key_is_merge \
                    and (key is not None or type(parent) is list):
                self.count += 1
                path = (*top.path, len(parent) if key is None else key)
                self.out.values[path] = mark
                stack.append(_Frame(container, path, mark, None, len(self.log), self.count))
                return
        self._start(event, container, mark)

    def _start(self, event: Any, container: dict | list, mark: Mark) -> None:
        """A mapping or a list opened, wherever it is (see :meth:`start`)."""
        if self._expecting_key():
            raise YamlProblem(mark, "mapping keys must be plain text", self.stack[-1].path)
        path, merging = self._child_path()
        if len(self.stack) >= MAX_DEPTH:
            raise YamlProblem(mark, f"nesting deeper than {MAX_DEPTH} levels", path)
        self._check_tag(event, mark, path)
        self._check_collection_tag(event, container, mark, path)
        self._spend(1, mark, path)
        if merging:
            sink = self._sink(True)
        else:
            sink = self.stack[-1].defer_to if self.stack else None
            if sink is None and not self.open_anchors:
                self.out.values[path] = mark
            else:
                self._note(False, path, mark, sink=sink)
        if event.anchor is not None:
            self.open_anchors += 1
        if merging and isinstance(container, list) and self.stack[-1].merge:
            raise YamlProblem(mark, "'<<' must merge a mapping", self.stack[-2].path)
        frame = _Frame(container, path, mark, event.anchor, len(self.log), self.count)
        # a sequence given to '<<' merges each of its mappings
        frame.merge = merging and isinstance(container, list)
        frame.defer_to = sink
        self.stack.append(frame)

    def end(self) -> None:
        stack = self.stack
        frame = stack.pop()
        value = frame.container
        if stack and frame.anchor is None and not frame.merge and not frame.merged \
                and not frame.merged_marks:
            # the common case (see :meth:`scalar`): nothing merged into it, no anchor on
            # it, placed in a mapping or a list that merges nothing
            top = stack[-1]
            if not top.merge and not top.key_is_merge:
                parent = top.container
                if type(parent) is list:
                    parent.append(value)
                else:
                    parent[top.key] = value  # type: ignore[index]
                    top.key = None
                return
        self._end(frame)

    def _end(self, frame: _Frame) -> None:
        """A mapping or a list closed, whatever it holds (see :meth:`end`)."""
        value = frame.container
        if isinstance(value, dict):
            if frame.merged_marks:
                if self.open_anchors:
                    # an anchor around this mapping keeps the marks placed below, not
                    # those of what the mapping overrode
                    deferred = {id(entry) for entry in frame.merged_marks}
                    self.log[frame.log_start:] = [
                        e for e in self.log[frame.log_start:] if id(e) not in deferred]
                # a key the mapping gives itself overrides what '<<' merged, marks and
                # all; of the mappings merged, the first to give a key gives its marks
                n = len(frame.path)
                taken = set(value)
                start = 0
                for stop in frame.merge_ends or (len(frame.merged_marks),):
                    entries = frame.merged_marks[start:stop]
                    start = stop
                    gives = {p[n] for is_key, p, _ in entries if is_key and len(p) == n + 1}
                    for is_key, p, m in entries:
                        if len(p) > n and p[n] in gives and p[n] not in taken:
                            self._note(is_key, p, m, keep=True, sink=frame.defer_to)
                    taken |= gives
            for k, v in frame.merged.items():
                if k not in value:
                    value[k] = v
        if frame.anchor is not None:
            self.open_anchors -= 1
            n = len(frame.path)
            # a list given to '<<' marks its mappings' contents as merged, without their
            # places in the list: a copy of it is placed where the alias is
            marks = [] if frame.merge else [(k, p[n:], m) for k, p, m in self.log[frame.log_start:]]
            if not self.open_anchors:
                self.log.clear()
            self._register(frame.anchor, value, marks, self.count - frame.count_start + 1)
        if frame.merge:
            self.stack[-1].key_is_merge = False  # the mapping's next key is its own
            return  # its mappings were merged one by one
        self._put(value, frame.mark)

    def _register(self, anchor: str | None, value: Any, marks: list, size: int,
                  written: str | None = None) -> None:
        if anchor is not None:
            self.anchors[anchor] = _Anchor(copy.deepcopy(value), marks, size, written)


#: line breaks as editors count them (and the parsers, once the others are refused)
_LINE_BREAK = re.compile("\r\n|[\r\n]")

#: characters that YAML 1.1, and so both parsers, read as line breaks, but that editors
#: do not show as one: pasted from a web page or a word processor, they would break a
#: line where the user sees none, and move every later line number
_HIDDEN_BREAKS = {
    "\x85": "U+0085 NEXT LINE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\u2029": "U+2029 PARAGRAPH SEPARATOR",
}
_HIDDEN_BREAK = re.compile("[" + "".join(_HIDDEN_BREAKS) + "]")
#: of those characters, how many are reported one by one
MAX_HIDDEN_BREAKS = 20


def _line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of character ``pos`` of ``text``."""
    lines = _LINE_BREAK.split(text[:pos])
    return len(lines), len(lines[-1]) + 1


def _hidden_breaks(text: str, file: str) -> YamlProblem | None:
    """Every line break of YAML 1.1 that an editor does not show as one, at its line
    and column (the first :data:`MAX_HIDDEN_BREAKS`, the last of them saying how many
    more follow), or None when there is none (the usual case, found by str's own
    search)."""
    if not any(ch in text for ch in _HIDDEN_BREAKS):
        return None
    found: list[YamlProblem] = []
    more = 0
    line, start, done = 1, 0, 0  # the line of text[done], and where that line starts
    for m in _HIDDEN_BREAK.finditer(text):
        if len(found) == MAX_HIDDEN_BREAKS:
            more += 1  # a file of pasted separators: one line each would bury the rest
            continue
        pos = m.start()
        for br in _LINE_BREAK.finditer(text, done, pos):
            line, start = line + 1, br.end()
        done = pos
        name = _HIDDEN_BREAKS[m.group()]
        escape = f"\\u{ord(m.group()):04x}"
        found.append(YamlProblem(
            Mark(file, line, pos - start + 1),
            f"{name}: a line break in YAML; remove it, or write it as {escape} in a "
            "double-quoted string"))
    if more:
        last = found[-1]
        found[-1] = YamlProblem(last.mark, f"{last.message} (and {more} more such "
                                f"character{'s' if more > 1 else ''} after this one)",
                                unlisted=more)
    return YamlProblem(found[0].mark, found[0].message, others=tuple(found[1:]))


def _tab_at(text: str, line: int, col: int) -> str | None:
    """The problem of a tab at 0-based ``line`` and ``col`` of ``text``, in words, or
    None when the character there is not a tab."""
    lines = _LINE_BREAK.split(text)
    if not 0 <= line < len(lines) or not 0 <= col < len(lines[line]) \
            or lines[line][col] != "\t":
        return None
    if not lines[line][:col].strip(" \t-"):
        return ("invalid YAML: a tab in the indentation; YAML indents with spaces only: "
                "replace the tab with spaces")
    return ("invalid YAML: a tab character where YAML reads only spaces (it indents with "
            "spaces only): replace the tab with a space")


def _yaml_error(exc: yaml.YAMLError, file: str, text: str, parser: type) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        tab = _tab_at(text, mark.line, mark.column) if mark else None
        if tab is not None:
            # the parsers say "cannot start any token" of a tab, or name it only sometimes
            return YamlProblem(where, tab)
        msg = exc.problem or "unreadable"
        if exc.context:
            msg = f"{msg} ({exc.context})"
        return YamlProblem(where, f"invalid YAML: {msg}")
    if isinstance(exc, yaml.reader.ReaderError):
        pos = exc.position
        if parser is not yaml.SafeLoader and pos > 0:
            # libyaml counts the bytes of the text's UTF-8 encoding, not its characters
            pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
        line, col = _line_col(text, pos)
        char = f" (character U+{ord(text[pos]):04X})" if 0 <= pos < len(text) else ""
        return YamlProblem(Mark(file, line, col), f"invalid YAML: {exc.reason}{char}")
    return YamlProblem(Mark(file, 1, 1), "invalid YAML")  # pragma: no cover


def read_yaml_text(text: str, file: str) -> Located:
    """Parse ``text`` into located plain data; raises :class:`YamlProblem`."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlProblem(
            Mark(file, 1, 1),
            f"file is larger than {MAX_BYTES // 1_000_000} MB; a scenario is never this big",
        )
    hidden = _hidden_breaks(text, file)
    if hidden is not None:
        raise hidden
    builder = _Builder(file)
    parser = _PARSER
    try:  # the pure-Python parser checks every character as it starts
        loader = parser(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file, text, parser) from None

    def second_document(event: Any) -> None:
        if builder.done:
            raise YamlProblem(builder.mark(event), "a scenario file holds one YAML document, not several")

    handlers = {
        yaml.AliasEvent: builder.alias,
        yaml.DocumentStartEvent: second_document,
    }
    get_event = loader.get_event
    scalar, start, end = builder.scalar, builder.start, builder.end
    scalar_event, mapping_start, sequence_start = (yaml.ScalarEvent, yaml.MappingStartEvent,
                                                   yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    try:
        while True:
            event = get_event()
            kind = type(event)
            # by how often each comes: values, then the ends and starts of collections
            if kind is scalar_event:
                scalar(event)
            elif kind in ends:
                end()
            elif kind is mapping_start:
                start(event, {})
            elif kind is sequence_start:
                start(event, [])
            elif kind is yaml.StreamEndEvent:
                break
            else:
                handler = handlers.get(kind)
                if handler is not None:
                    handler(event)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file, text, parser) from None
    finally:
        loader.dispose()
    return builder.out


def read_yaml_file(path: Path) -> Located:
    """Read a scenario-like YAML file, refusing what is not a readable text file."""
    name = str(path)
    try:
        raw = read_bounded(path, MAX_BYTES, what="scenario file")
    except Unreadable as exc:
        raise YamlProblem(Mark(name, 0, 0), str(exc).removeprefix(f"{name}: ")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # the text up to the first byte that is not UTF-8 (a byte order mark is no column)
        before = raw[: exc.start].decode("utf-8").removeprefix("\ufeff")
        line, col = _line_col(before, len(before))
        raise YamlProblem(Mark(name, line, col), "file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return read_yaml_text(text, name)
