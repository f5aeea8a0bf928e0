"""Public holidays, looked up in the ``holidays`` package once and kept on disk.

Importing the ``holidays`` package and building a country's calendar costs about a
tenth of a second, several times a whole drill. The holidays of a country (and
subdivision) in a given year never change for one version of the package, so once
computed they are kept in a small cache file, named after the package's version:
``$ACID_DRILL_HOME/cache`` when that is set, else ``$XDG_CACHE_HOME/acid-drill``
(``~/.cache/acid-drill``). ``ACID_DRILL_NO_CACHE=1`` turns the cache off.

The file's name holds everything that changes an answer besides the calendar and the
year: the package's version and a fingerprint of the code that asks the package
(:func:`scenarios.model.holiday_calendar`, which picks the names' language, and the
lookups below), so a release that asks differently never reads an older answer. Inside,
answers are kept per calendar (country and subdivision) and year: the days off with
their names, and the make-up working days (a rest day worked in exchange for a day
off, as in Viet Nam or Myanmar). A file of the earlier format, with days off alone, is
still read; the make-up days of its years are then looked up again.

A lookup gives exactly what the package's calendar gives: a year that is not in the
cache is computed by the package itself, and a year the package cannot compute is
left to the package (and never cached). The cache is only ever a copy, and it is
trusted only as far as it is checked: a file that is not the user's own (owned by
another user, writable by others, a link, or in a folder others can write to), that
fails its checksum, or whose entries are not exactly what this module writes (a date
of that year, once, with a name; a make-up day, a date of that year, once) is ignored,
and the year is computed again. A file or folder that cannot be read or written (a
read-only or missing home) is no error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import stat
import types
from datetime import date
from pathlib import Path
from typing import Any

from scenarios import model as _model
from scenarios.model import holiday_calendar

#: the cache file is refused beyond this size (it grows by a few kB per country-year)
MAX_CACHE_BYTES = 8 * 1024 * 1024
#: a holiday's name longer than this is no name the package gives
MAX_NAME = 1000
_FORMAT = 3
#: the earlier format, days off alone, still read
_DAYS_OFF_ONLY = 2
_DIST_INFO = re.compile(r"^holidays-([0-9][0-9A-Za-z.+\-_]{0,39})\.dist-info$")


def cache_dir() -> Path | None:
    """Where cached holidays are kept (None when there is no home to keep them in)."""
    home = os.environ.get("ACID_DRILL_HOME")
    if home:
        return Path(home) / "cache"
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache:
        try:
            cache = str(Path.home() / ".cache")
        except (RuntimeError, KeyError, OSError):  # no $HOME and no password entry
            return None
    return Path(cache) / "acid-drill"


def package_version() -> str | None:
    """The installed ``holidays`` version, from its ``.dist-info`` folder, without
    importing the package (or ``importlib.metadata``); None when it cannot be told."""
    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        names = os.listdir(Path(spec.origin).parent.parent)
    except OSError:
        return None
    found = {m.group(1) for m in map(_DIST_INFO.match, names) if m}
    return found.pop() if len(found) == 1 else None


def _code_text(code: types.CodeType) -> list[str]:
    """What a function does, without where it is (file name, line numbers)."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        parts.extend(_code_text(const) if isinstance(const, types.CodeType) else [repr(const)])
    return parts


def recipe() -> str:
    """A fingerprint of the code whose answers are cached: how the package is asked
    (the calendar's language) and how a year is taken from it."""
    parts = [str(_FORMAT)]
    for fn in (_model.holiday_calendar, PublicCalendar.get, PublicCalendar.workday,
               PublicCalendar._compute):
        parts.extend(_code_text(fn.__code__))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cache_file() -> Path | None:
    """The cache file for the installed package and this code, or None (no cache)."""
    if os.environ.get("ACID_DRILL_NO_CACHE", "") not in ("", "0"):
        return None
    version = package_version()
    folder = cache_dir()
    if version is None or folder is None:
        return None
    return folder / f"holidays-{version}-{recipe()}.json"


def _checksum(calendars: Any, workdays: Any = None) -> str:
    """The checksum of a cache's answers (days off alone in the earlier format)."""
    doc = calendars if workdays is None else [calendars, workdays]
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _own(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    mine = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
    return mine and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted(path: Path) -> bool:
    """The file and its folder are the user's own: nobody else can have put it there."""
    try:
        folder = os.stat(path.parent)
        st = os.lstat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISDIR(folder.st_mode) and _own(folder) and stat.S_ISREG(st.st_mode) and _own(st)


def _year(entries: Any, year: int) -> dict[date, str] | None:
    """A cached year's holidays, or None unless every entry is exactly as written."""
    if not isinstance(entries, list):
        return None
    names: dict[date, str] = {}
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        day, name = entry
        if not (isinstance(day, str) and isinstance(name, str) and 0 < len(name) <= MAX_NAME):
            return None
        try:
            d = date.fromisoformat(day)
        except ValueError:
            return None
        if d.year != year or d.isoformat() != day or d in names:
            return None
        names[d] = name
    return names


def _workdays(entries: Any, year: int) -> frozenset[date] | None:
    """A cached year's make-up working days, or None unless every one is exactly as
    written (a date of that year, once)."""
    if not isinstance(entries, list):
        return None
    days: set[date] = set()
    for day in entries:
        if not isinstance(day, str):
            return None
        try:
            d = date.fromisoformat(day)
        except ValueError:
            return None
        if d.year != year or d.isoformat() != day or d in days:
            return None
        days.add(d)
    return frozenset(days)


_Years = dict[str, dict[str, Any]]


class _Store:
    """The cache file of one package version and recipe: the days off,
    {calendar: {year: [[date, name]]}}, and the make-up working days,
    {calendar: {year: [date]}}."""

    def __init__(self) -> None:
        self.path = cache_file()
        self.data: _Years = {}
        self.workdays: _Years = {}
        if self.path is not None:
            self.data, self.workdays = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> tuple[_Years, _Years]:
        from sim.safe.files import Unreadable, read_bounded

        if not _trusted(path):
            return {}, {}
        try:
            doc = json.loads(read_bounded(path, MAX_CACHE_BYTES, what="holiday cache"))
        except (Unreadable, ValueError, RecursionError):
            return {}, {}
        if not isinstance(doc, dict) or doc.get("format") not in (_FORMAT, _DAYS_OFF_ONLY):
            return {}, {}
        calendars = doc.get("calendars")
        workdays = doc.get("workdays") if doc["format"] == _FORMAT else {}
        if not (isinstance(calendars, dict) and isinstance(workdays, dict)):
            return {}, {}
        checksum = _checksum(calendars, workdays if doc["format"] == _FORMAT else None)
        if doc.get("sha256") != checksum:
            return {}, {}
        return ({k: v for k, v in calendars.items() if isinstance(v, dict)},
                {k: v for k, v in workdays.items() if isinstance(v, dict)})

    def lookup(self, key: str, year: int) -> dict[date, str] | None:
        years = self.data.get(key)
        return None if years is None else _year(years.get(str(year)), year)

    def lookup_workdays(self, key: str, year: int) -> frozenset[date] | None:
        years = self.workdays.get(key)
        return None if years is None else _workdays(years.get(str(year)), year)

    def save(self, key: str, year: int, names: dict[date, str],
             workdays: frozenset[date]) -> None:
        if self.path is None:
            return
        from sim.safe.files import FileProblem, write_private

        self.data.setdefault(key, {})[str(year)] = [
            [d.isoformat(), n] for d, n in sorted(names.items())]
        self.workdays.setdefault(key, {})[str(year)] = [d.isoformat() for d in sorted(workdays)]
        doc = {"format": _FORMAT, "calendars": self.data, "workdays": self.workdays,
               "sha256": _checksum(self.data, self.workdays)}
        with contextlib.suppress(FileProblem, OSError, ValueError):
            write_private(self.path, json.dumps(doc, sort_keys=True, ensure_ascii=False))


_STORE: _Store | None = None


def _store() -> _Store:
    global _STORE
    if _STORE is None:
        _STORE = _Store()
    return _STORE


def forget_store() -> None:
    """Read the cache file again on next use (after the environment changed)."""
    global _STORE
    _STORE = None


class PublicCalendar:
    """``get(day)``: the public holiday's name on ``day``, or None, as the package says;
    ``workday(day)``: whether ``day`` is a make-up working day of the calendar."""

    def __init__(self, country: str, subdivision: str | None) -> None:
        self.country = country
        self.subdivision = subdivision
        self.key = f"{country}|{subdivision or ''}"
        self._live: Any = None
        self._years: dict[int, dict[date, str]] = {}
        self._workdays: dict[int, frozenset[date]] = {}
        self._left_to_package: set[int] = set()

    def _package(self) -> Any:
        if self._live is None:
            self._live = holiday_calendar(self.country, self.subdivision)
        return self._live

    def get(self, day: date) -> str | None:
        year = day.year
        if year in self._left_to_package:
            return self._package().get(day)
        names = self._years.get(year)
        if names is None:
            names = _store().lookup(self.key, year)
            if names is None:
                names = self._compute(day)[0]
            self._years[year] = names
        return names.get(day)

    def workday(self, day: date) -> bool:
        """Whether ``day`` is a make-up working day: a rest day the calendar makes a
        working day in exchange for a day off (the package's ``weekend_workdays``)."""
        year = day.year
        if year in self._left_to_package:
            live = self._package()
            live.get(day)
            return day in getattr(live, "weekend_workdays", ())
        days = self._workdays.get(year)
        if days is None:
            days = _store().lookup_workdays(self.key, year)
            if days is None:
                days = self._compute(day)[1]
            self._workdays[year] = days
        return day in days

    def _compute(self, day: date) -> tuple[dict[date, str], frozenset[date]]:
        """The days off and make-up working days of ``day``'s year, from the package
        (and kept in the cache)."""
        year = day.year
        live = self._package()
        try:
            live.get(day)  # the package fills in the whole year
        except BaseException:
            self._left_to_package.add(year)
            raise
        # a year's holidays all fall in that year (the package adds no others); its
        # make-up days are known once the year is filled in (those that make up for a
        # day off of another year are known from the start)
        names = {d: n for d, n in live.items() if d.year == year}
        workdays = frozenset(d for d in getattr(live, "weekend_workdays", ())
                             if d.year == year)
        _store().save(self.key, year, names, workdays)
        return names, workdays


def public_calendar(country: str, subdivision: str | None) -> PublicCalendar:
    """The public holidays of a country (and subdivision), cached on disk."""
    return PublicCalendar(country, subdivision)
