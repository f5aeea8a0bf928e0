"""Scheduled breaks: the drill clock pauses at a wall-clock time, for a while.

A break is a plan in the facilitator's own local time ("pause at 12:30 for 60
minutes"), not a drill command: it changes when the drill clock runs, never what
happens at a drill time, so it plays no part in replaying a journal. The plans are
kept in the journal's header (``breaks``: ``[{"at_wall_iso": ..., "minutes": ...}]``)
so a resumed drill keeps the breaks still to come.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from scenarios.durations import parse_duration

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: the longest break one can plan (a night, not a week)
MAX_BREAK = 24 * 60.0


@dataclass(frozen=True)
class Break:
    at: datetime  # aware: when the clock pauses
    minutes: float
    #: when the clock runs again
    end: datetime = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # OverflowError when the break would end after the last date there is
        object.__setattr__(self, "end", self.at + timedelta(minutes=self.minutes))

    def to_json(self) -> dict[str, Any]:
        return {"at_wall_iso": self.at.isoformat(timespec="seconds"), "minutes": self.minutes}

    @classmethod
    def from_json(cls, data: Any) -> Break | None:
        """A break from the journal, or None when the entry is not one."""
        if not isinstance(data, dict):
            return None
        minutes = data.get("minutes")
        if (not isinstance(minutes, (int, float)) or isinstance(minutes, bool)
                or not math.isfinite(minutes) or not 0 < minutes <= MAX_BREAK):
            return None
        try:
            at = datetime.fromisoformat(str(data.get("at_wall_iso", ""))[:64])
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        try:
            return cls(at, float(minutes))
        except (OverflowError, ValueError):  # its end is not a date
            return None


def parse_break(at_text: str, minutes_text: str, now: datetime) -> Break:
    """A break at ``HH:MM`` local time (today, or tomorrow once passed; or ``now``) for a
    number of minutes (``45``, ``45m``, ``1h``). ValueError says what to write."""
    s = str(at_text).strip()
    if s.lower() == "now":
        at = now.replace(microsecond=0)
    else:
        m = _CLOCK.match(s)
        if m is None:
            raise ValueError(f"{s[:20]!r} is not a time of day; write it like 12:30, or now")
        hour, minute = int(m.group(1)), int(m.group(2))
        at = local_time(now.date(), hour, minute, now)
        if at < now.replace(second=0, microsecond=0):
            at = local_time(now.date() + timedelta(days=1), hour, minute, now)
    d = str(minutes_text).strip()
    try:
        minutes = float(d) if re.fullmatch(r"\d{1,4}(\.\d+)?", d) else parse_duration(d)
    except ValueError:
        raise ValueError(f"{d[:20]!r} is not a length of time; write minutes, like 45, "
                         "or 1h30m") from None
    if not 0 < minutes <= MAX_BREAK:
        raise ValueError("a break lasts more than 0 minutes and at most 24 hours")
    return Break(at, minutes)


def _system_local(now: datetime) -> bool:
    """Whether ``now`` is in the computer's local time, as ``datetime.now().astimezone()``
    gives it: a fixed offset, the one in force at that moment (not on another date)."""
    return isinstance(now.tzinfo, timezone) and now.astimezone().utcoffset() == now.utcoffset()


def local_time(day: date, hour: int, minute: int, now: datetime) -> datetime:
    """``hour:minute`` on ``day`` in the local time ``now`` is in, with the offset in
    force on that day: across a daylight-saving change, 09:00 tomorrow is 09:00 on the
    wall clock then, not in today's offset. (A ``now`` in a fixed offset of its own, or
    in a named zone, keeps it.)"""
    wall = datetime.combine(day, time(hour, minute))
    if _system_local(now):
        return wall.astimezone()
    return wall.replace(tzinfo=now.tzinfo)


def wall_clock(t: datetime, now: datetime) -> str:
    """``t`` as ``HH:MM`` on the local wall clock at that moment (``now`` says which local
    time: see :func:`local_time`), whatever offset ``t`` was written in."""
    if _system_local(now):
        return f"{t.astimezone():%H:%M}"
    return f"{t.astimezone(now.tzinfo):%H:%M}"


class BreakPlan:
    """The planned breaks and the one under way, moved on by the wall clock."""

    def __init__(self, breaks: list[Break] | None = None):
        self.planned: list[Break] = sorted(breaks or [], key=lambda b: b.at)
        #: the break under way, if any
        self.current: Break | None = None

    def add(self, b: Break) -> None:
        for other in self.planned:
            if b.at < other.end and other.at < b.end:
                raise ValueError(f"it overlaps the break at {wall_clock(other.at, b.at)}")
        self.planned = sorted([*self.planned, b], key=lambda x: x.at)

    def update(self, now: datetime) -> str | None:
        """What the wall clock ``now`` does: ``"start"`` (a break begins), ``"end"`` (the
        break under way is over), or None. Breaks that are wholly past are dropped."""
        if self.current is not None:
            if now >= self.current.end:
                self.current = None
                return "end"
            return None
        self.planned = [b for b in self.planned if b.end > now]
        if self.planned and self.planned[0].at <= now:
            self.current = self.planned.pop(0)
            return "start"
        return None

    def end_now(self) -> None:
        """The facilitator ends the break under way early."""
        self.current = None

    def next(self) -> Break | None:
        return self.planned[0] if self.planned else None

    def to_json(self) -> list[dict[str, Any]]:
        """What the journal keeps: the break under way (for what is left of it) and
        those to come."""
        kept = ([self.current] if self.current is not None else []) + self.planned
        return [b.to_json() for b in kept]

    @classmethod
    def from_json(cls, data: Any) -> BreakPlan:
        items = data if isinstance(data, list) else []
        return cls([b for b in (Break.from_json(x) for x in items[:100]) if b is not None])
