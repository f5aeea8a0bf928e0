"""Times the facilitator types during a live drill.

A drill time is written as an offset from the drill's start, ``T+02:30`` or
``T+1d03:00``, or as a time on the drill clock (the scenario's ``clock_timezone``),
``14:30``: that time today, or on the next day when it has already passed (the
minute the clock shows counts as today). ``now`` is accepted where a form says so.

Breaks are planned in the facilitator's own wall-clock time instead (see
:mod:`sim.runs.breaks`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scenarios.durations import check_ahead, clock_floor, clock_minute, parse_drill_time
from scenarios.model import Scenario

__all__ = ["check_ahead", "drill_moment", "parse_when", "when_in_words"]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

FORMATS = "T+02:30, T+1d03:00 or a drill-clock time such as 14:30"


def drill_moment(scenario: Scenario, t: float) -> datetime:
    """Drill minute ``t`` on the drill clock."""
    drill = scenario.drill
    return (drill.start + timedelta(minutes=t)).astimezone(ZoneInfo(drill.clock_timezone))


def parse_when(text: str, scenario: Scenario, now: float, *, allow_now: bool = False) -> float:
    """Drill minutes for ``text``; ValueError with a message that says what to write."""
    s = str(text).strip()
    if allow_now and s.lower() == "now":
        return now
    if s[:2].upper() == "T+":
        try:
            return parse_drill_time("T+" + s[2:].lower().replace(" ", ""), scenario.drill.start)
        except ValueError:
            raise ValueError(f"{s[:20]!r} is not a drill time; write {FORMATS}") from None
    m = _CLOCK.match(s)
    if m is None:
        extra = ", or now" if allow_now else ""
        raise ValueError(f"{s[:20]!r} is not a time; write {FORMATS}{extra}")
    current = drill_moment(scenario, clock_floor(now))
    moment = current.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0,
                             microsecond=0)
    if moment < current.replace(second=0, microsecond=0):
        moment = (moment.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=current.tzinfo)
    return (moment - scenario.drill.start) / timedelta(minutes=1)


def when_in_words(scenario: Scenario, t: float, now: float) -> str:
    """``T+05:30 (today 14:30 SGT)``: a drill time and the drill clock's date-time, both
    the clock's minute (rounded down, as the clock shows the time)."""
    moment = drill_moment(scenario, clock_floor(t))
    today = drill_moment(scenario, clock_floor(now)).date()
    days = (moment.date() - today).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"{moment:%a %d %b}")
    return f"{clock_minute(t)} ({day} {moment:%H:%M} {moment.tzname()})"
