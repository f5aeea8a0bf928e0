"""Public holidays, looked up in the ``holidays`` package once and kept on disk.

Importing the ``holidays`` package and building a country's calendar costs about a
tenth of a second, several times a whole drill. The holidays of a country (and
subdivision) in a given year never change for one version of the package, so once
computed they are kept in a small cache file, named after the package's version:
``$ACID_DRILL_HOME/cache`` when that is set, else ``$XDG_CACHE_HOME/acid-drill``
(``~/.cache/acid-drill``). ``ACID_DRILL_NO_CACHE=1`` turns the cache off.

A lookup gives exactly what the package's calendar gives: a year that is not in the
cache is computed by the package itself, and a year the package cannot compute is
left to the package (and never cached). The cache is only ever a copy: a missing,
unreadable or damaged file is ignored, and a file that cannot be written is not
written; neither is an error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from scenarios.model import holiday_calendar

#: the cache file is refused beyond this size (it grows by a few kB per country-year)
MAX_CACHE_BYTES = 8 * 1024 * 1024
_FORMAT = 1
_DIST_INFO = re.compile(r"^holidays-([0-9][0-9A-Za-z.+\-_]{0,39})\.dist-info$")


def cache_dir() -> Path:
    """Where cached holidays are kept."""
    home = os.environ.get("ACID_DRILL_HOME")
    if home:
        return Path(home) / "cache"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
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


class _Store:
    """The cache file of one package version: {calendar key: {year: [[date, name]]}}."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.data: dict[str, dict[str, list[list[str]]]] = {}
        if os.environ.get("ACID_DRILL_NO_CACHE", "") not in ("", "0"):
            return
        version = package_version()
        if version is None:
            return
        self.path = cache_dir() / f"holidays-{version}.json"
        self.data = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> dict[str, dict[str, list[list[str]]]]:
        from sim.safe.files import Unreadable, read_bounded

        try:
            doc = json.loads(read_bounded(path, MAX_CACHE_BYTES, what="holiday cache"))
        except (Unreadable, ValueError, RecursionError):
            return {}
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            return {}
        calendars = doc.get("calendars")
        return calendars if isinstance(calendars, dict) else {}

    def lookup(self, key: str, year: int) -> dict[date, str] | None:
        years = self.data.get(key)
        entries = years.get(str(year)) if isinstance(years, dict) else None
        if not isinstance(entries, list):
            return None
        try:
            return {date.fromisoformat(d): n for d, n in entries
                    if isinstance(d, str) and isinstance(n, str)}
        except (TypeError, ValueError):
            return None  # damaged: computed again and rewritten

    def save(self, key: str, year: int, names: dict[date, str]) -> None:
        if self.path is None:
            return
        from sim.safe.files import FileProblem, write_private

        years = self.data.get(key)
        if not isinstance(years, dict):
            years = self.data[key] = {}
        years[str(year)] = [[d.isoformat(), n] for d, n in sorted(names.items())]
        doc = {"format": _FORMAT, "calendars": self.data}
        with contextlib.suppress(FileProblem, OSError):
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
    """``get(day)``: the public holiday's name on ``day``, or None, as the package says."""

    def __init__(self, country: str, subdivision: str | None) -> None:
        self.country = country
        self.subdivision = subdivision
        self.key = f"{country}|{subdivision or ''}"
        self._live: Any = None
        self._years: dict[int, dict[date, str]] = {}
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
            store = _store()
            names = store.lookup(self.key, year)
            if names is None:
                live = self._package()
                try:
                    live.get(day)  # the package fills in the whole year
                except BaseException:
                    self._left_to_package.add(year)
                    raise
                # a year's holidays all fall in that year (the package adds no others)
                names = {d: n for d, n in live.items() if d.year == year}
                store.save(self.key, year, names)
            self._years[year] = names
        return names.get(day)


def public_calendar(country: str, subdivision: str | None) -> PublicCalendar:
    """The public holidays of a country (and subdivision), cached on disk."""
    return PublicCalendar(country, subdivision)
