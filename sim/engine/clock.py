"""Local time and working hours.

The engine's clock counts minutes after the drill start. Each actor sees that
instant in its own IANA time zone (daylight saving included, through zoneinfo)
and works only within its weekly timetable (one range a day, or several, with a
lunch closure or a Friday-prayer break), with its special hours on the dates they
cover, outside holidays listed by hand and public holidays of its calendar (from
the ``holidays`` package), unless it is staffed 24/7. A make-up working day of its
calendar (a rest day worked in exchange for a day off) opens with its usual weekday
hours. A scenario's standby windows put teams on duty whatever their hours.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scenarios.durations import MAX_MINUTES
from scenarios.model import Actor, DayRanges, Scenario, Week

from .calendars import public_calendar

_MINUTE = timedelta(minutes=1)
# working periods are listed lazily up to this many days after the start: an inject
# and a latency may each be as long as the longest duration a scenario may give
_HORIZON_DAYS = 2 * int(MAX_MINUTES // 1440) + 31


class Shift:
    """When one actor is on duty, in drill minutes."""

    def __init__(self, actor: Actor, start: datetime, *,
                 calendar: tuple[str, str | None] | None = None,
                 standby: tuple[tuple[float, float], ...] = ()):
        self.tz = ZoneInfo(actor.timezone)
        self.always = actor.always_on
        self.week = actor.week
        self.special = [(s.start, s.end, s.week(self.week)) for s in actor.special_hours]
        #: the hours of a make-up working day, for the usual week and each special one
        self._usual = {w: usual_day(w) for w in (self.week, *(s[2] for s in self.special))}
        self.holidays = frozenset(actor.holidays)
        self.calendar = calendar
        self._public: Any = None
        #: windows of the drill, in drill minutes, when the team stands by
        self.standby = tuple(sorted(w for w in standby if w[1] > w[0]))
        self.start = start
        self._windows: dict[date, tuple[tuple[float, float], ...]] = {}
        # working periods in drill minutes, listed lazily from the day before the start
        self._first_day = start.astimezone(self.tz).date() - timedelta(days=1)
        self._days_listed = 0
        self._horizon = -math.inf
        self._opens: list[float] = []
        self._closes: list[float] = []
        self._extending = threading.Lock()

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

    def holiday(self, day: date) -> str | None:
        """The name of the holiday on local ``day`` that keeps the team off, or None."""
        if day in self.holidays:
            return "a holiday listed for the team"
        if self.calendar is not None:
            try:
                name = self._calendar().get(day)
            except (ValueError, OverflowError, NotImplementedError):
                return None  # a year the calendar cannot compute: no public holidays
            if name:
                return name
        return None

    def _calendar(self) -> Any:
        if self._public is None:
            assert self.calendar is not None
            self._public = public_calendar(*self.calendar)
        return self._public

    def makeup_day(self, day: date) -> bool:
        """Whether local ``day`` is a make-up working day of the team's calendar."""
        if self.calendar is None:
            return False
        try:
            return bool(self._calendar().workday(day))
        except (ValueError, OverflowError, NotImplementedError):
            return False  # a year the calendar cannot compute: no make-up days

    def ranges(self, day: date) -> DayRanges:
        """The working ranges (minutes of the day) on local ``day``, holidays aside: a
        rest day the team's calendar makes a working day has its usual weekday hours."""
        week = self.week
        for first, last, special in self.special:
            if first <= day <= last:
                week = special
                break
        ranges = week[day.weekday()]
        if not ranges and self.makeup_day(day):
            return self._usual[week]
        return ranges

    def windows(self, day: date) -> tuple[tuple[float, float], ...]:
        """The working periods (open, close) of local ``day`` in drill minutes."""
        w = self._windows.get(day)
        if w is not None:
            return w
        w = ()
        ranges = self.ranges(day)
        if ranges and self.holiday(day) is None:
            w = tuple((self._at(day, a), self._at(day, b)) for a, b in ranges)
        self._windows[day] = w
        return w

    def window(self, day: date) -> tuple[float, float] | None:
        """(open, close) of the day's first working period, or None."""
        w = self.windows(day)
        return (w[0][0], w[-1][1]) if w else None

    def _periods_until(self, t: float) -> None:
        """Extend the sorted list of working periods to cover minute ``t``.

        Shifts are shared by every run of a scenario, and runs may go on in several
        threads at once (a Dask worker's): one thread extends the list at a time, and
        the horizon moves only once a day's periods are all in, so a reader that sees
        it past ``t`` sees every period up to it.
        """
        with self._extending:
            while self._horizon <= t and self._days_listed < _HORIZON_DAYS:
                day = self._first_day + timedelta(days=self._days_listed)
                for opening, closing in self.windows(day):
                    if closing > opening:
                        self._opens.append(opening)
                        self._closes.append(closing)
                self._days_listed += 1
                self._horizon = self._at(day + timedelta(days=1), 0)

    def _period(self, t: float) -> int:
        """Index of the first working period that closes after ``t`` (or len)."""
        if self._horizon <= t + 1:
            self._periods_until(t + 1)
        return bisect_right(self._closes, t)

    def _office_on(self, t: float) -> bool:
        i = self._period(t)
        return i < len(self._opens) and self._opens[i] <= t

    def _office_next(self, t: float) -> float:
        i = self._period(t)
        while i >= len(self._opens) and self._days_listed < _HORIZON_DAYS:
            self._periods_until(self._horizon + 1)
        if i >= len(self._opens):
            return math.inf
        return max(self._opens[i], t)

    def _office_end(self, t: float) -> float:
        i = self._period(t)
        if i < len(self._opens) and self._opens[i] <= t:
            return self._closes[i]
        return t

    def standing_by(self, t: float) -> bool:
        """True when ``t`` falls in one of the team's standby windows."""
        return any(a <= t < b for a, b in self.standby)

    def on_duty(self, t: float) -> bool:
        if self.always:
            return True
        return self._office_on(t) or (bool(self.standby) and self.standing_by(t))

    def next_on(self, t: float) -> float:
        """The first instant at or after ``t`` when the actor is on duty."""
        if self.always:
            return t
        on = self._office_next(t)
        for a, b in self.standby:
            if b > t:
                on = min(on, max(a, t))
        return on

    def shift_end(self, t: float) -> float:
        """When the working period containing ``t`` ends (inf for 24/7)."""
        if self.always:
            return math.inf
        if not self.standby:
            return self._office_end(t)
        end = t
        while math.isfinite(end):
            later = self._office_end(end) if self._office_on(end) else end
            for a, b in self.standby:
                if a <= end < b:
                    later = max(later, b)
            if later == end:
                break
            end = later
        return end


def usual_day(week: Week) -> DayRanges:
    """The hours most working days of ``week`` have (of equal counts, the first in the
    week's): those of a make-up working day."""
    days = [d for d in week if d]
    return max(days, key=days.count) if days else ()


_SHIFTS: dict[tuple, Shift] = {}


def shift_for(actor: Actor, start: datetime, *,
              calendar: tuple[str, str | None] | None = None,
              standby: tuple[tuple[float, float], ...] = ()) -> Shift:
    """A shared :class:`Shift` for actors with the same hours (they are read-only)."""
    key = (actor.timezone, actor.staffing, repr(actor.week), repr(actor.special_hours),
           tuple(actor.holidays), calendar, standby, start)
    shift = _SHIFTS.get(key)
    if shift is None:
        if len(_SHIFTS) > 4096:
            _SHIFTS.clear()
        shift = _SHIFTS[key] = Shift(actor, start, calendar=calendar, standby=standby)
    return shift


def standby_windows(sc: Scenario, aid: str) -> tuple[tuple[float, float], ...]:
    """The drill's standby windows of one actor, in drill minutes."""
    return tuple(sc.drill.standby_window(w) for w in sc.drill.standby if aid in w.actors)


def scenario_shift(sc: Scenario, aid: str) -> Shift:
    """When actor ``aid`` of scenario ``sc`` is on duty: its own hours and calendar, the
    drill's default public holidays and its standby windows."""
    actor = sc.actors[aid]
    return shift_for(actor, sc.drill.start, calendar=actor.calendar(sc.drill.public_holidays),
                     standby=standby_windows(sc, aid))


_SCENARIO_SHIFTS: dict[int, tuple[Scenario, dict[str, Shift]]] = {}


def scenario_shifts(sc: Scenario) -> dict[str, Shift]:
    """Every actor's :func:`scenario_shift`, worked out once per scenario (scenarios are
    frozen, and shifts are shared read-only)."""
    hit = _SCENARIO_SHIFTS.get(id(sc))
    if hit is not None and hit[0] is sc:
        return hit[1]
    if len(_SCENARIO_SHIFTS) >= 16:
        _SCENARIO_SHIFTS.clear()
    shifts = {aid: scenario_shift(sc, aid) for aid in sc.actors}
    _SCENARIO_SHIFTS[id(sc)] = (sc, shifts)
    return shifts
