"""Local time and working hours.

The engine's clock counts minutes after the drill start. Each actor sees that
instant in its own IANA time zone (daylight saving included, through zoneinfo)
and works only on its working days, within its office hours, outside holidays,
unless it is staffed 24/7.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scenarios.durations import MAX_MINUTES
from scenarios.model import WEEKDAYS, Actor

_MINUTE = timedelta(minutes=1)
# working periods are listed lazily up to this many days after the start: an inject
# and a latency may each be as long as the longest duration a scenario may give
_HORIZON_DAYS = 2 * int(MAX_MINUTES // 1440) + 31


class Shift:
    """When one actor is on duty, in drill minutes."""

    def __init__(self, actor: Actor, start: datetime):
        self.tz = ZoneInfo(actor.timezone)
        self.always = actor.always_on
        self.days = frozenset(WEEKDAYS.index(d) for d in actor.working_days)
        _, self.open_min, self.close_min = actor.hours
        self.holidays = frozenset(actor.holidays)
        self.start = start
        self._windows: dict[date, tuple[float, float] | None] = {}
        # working periods in drill minutes, listed lazily from the day before the start
        self._first_day = start.astimezone(self.tz).date() - timedelta(days=1)
        self._days_listed = 0
        self._horizon = -math.inf
        self._opens: list[float] = []
        self._closes: list[float] = []

    def local(self, t: float) -> datetime:
        """The actor's local wall-clock time at drill minute ``t``."""
        return (self.start + t * _MINUTE).astimezone(self.tz)

    def when(self, t: float, fmt: str = "%a %H:%M") -> str:
        """``t`` as local time for people; "never" when the actor is never on duty again."""
        return self.local(t).strftime(fmt) if math.isfinite(t) else "never"

    def _at(self, day: date, minute_of_day: int) -> float:
        if minute_of_day >= 1440:
            day, minute_of_day = day + timedelta(days=1), minute_of_day - 1440
        local = datetime(day.year, day.month, day.day, tzinfo=self.tz) + minute_of_day * _MINUTE
        # rebuild from wall-clock fields so that a DST change inside the day is honoured
        local = datetime(
            local.year, local.month, local.day, local.hour, local.minute, tzinfo=self.tz
        )
        return (local - self.start) / _MINUTE

    def window(self, day: date) -> tuple[float, float] | None:
        """(open, close) of the working period on local ``day``, or None."""
        if day in self._windows:
            return self._windows[day]
        w = None
        if day.weekday() in self.days and day not in self.holidays:
            w = (self._at(day, self.open_min), self._at(day, self.close_min))
        self._windows[day] = w
        return w

    def _periods_until(self, t: float) -> None:
        """Extend the sorted list of working periods to cover minute ``t``."""
        while self._horizon <= t and self._days_listed < _HORIZON_DAYS:
            day = self._first_day + timedelta(days=self._days_listed)
            self._days_listed += 1
            w = self.window(day)
            if w is not None and w[1] > w[0]:
                self._opens.append(w[0])
                self._closes.append(w[1])
            self._horizon = self._at(day + timedelta(days=1), 0)

    def _period(self, t: float) -> int:
        """Index of the first working period that closes after ``t`` (or len)."""
        self._periods_until(t + 1)
        return bisect_right(self._closes, t)

    def on_duty(self, t: float) -> bool:
        if self.always:
            return True
        i = self._period(t)
        return i < len(self._opens) and self._opens[i] <= t

    def next_on(self, t: float) -> float:
        """The first instant at or after ``t`` when the actor is on duty."""
        if self.always:
            return t
        i = self._period(t)
        while i >= len(self._opens) and self._days_listed < _HORIZON_DAYS:
            self._periods_until(self._horizon + 1)
        if i >= len(self._opens):
            return math.inf
        return max(self._opens[i], t)

    def shift_end(self, t: float) -> float:
        """When the working period containing ``t`` ends (inf for 24/7)."""
        if self.always:
            return math.inf
        i = self._period(t)
        if i < len(self._opens) and self._opens[i] <= t:
            return self._closes[i]
        return t


_SHIFTS: dict[tuple, Shift] = {}


def shift_for(actor: Actor, start: datetime) -> Shift:
    """A shared :class:`Shift` for actors with the same hours (they are read-only)."""
    key = (actor.timezone, tuple(actor.working_days), actor.working_hours, actor.staffing,
           tuple(actor.holidays), start)
    shift = _SHIFTS.get(key)
    if shift is None:
        if len(_SHIFTS) > 4096:
            _SHIFTS.clear()
        shift = _SHIFTS[key] = Shift(actor, start)
    return shift
