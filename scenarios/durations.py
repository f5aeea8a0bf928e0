"""Human-written durations and drill times.

All durations inside the product are floats in **minutes**. Scenario authors write
them for people: ``30m``, ``4h``, ``2d``, ``1h30m``, ``1w``, ``9mo``.

Drill times are either offsets from the drill start (``T+01:30``, ``T+1d02:00``)
or absolute ISO 8601 date-times with an offset (``2026-09-09T10:00:00+08:00``), given
to the second.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

UNITS: dict[str, float] = {
    "s": 1 / 60,
    "m": 1.0,
    "h": 60.0,
    "d": 1440.0,
    "w": 10080.0,
    "mo": 43200.0,  # a 30-day month: good enough for MLA-scale delays
}

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(mo|s|m|h|d|w)")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:mo|s|m|h|d|w)\s*)+$")
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*(mo|s|m|h|d|w)\s*)+$"

_OFFSET = re.compile(r"^T\+(?:(\d{1,9})d)?(\d{1,3}):([0-5]\d)$")
OFFSET_PATTERN = r"^T\+(\d+d)?\d{1,3}:[0-5]\d$"

#: The longest duration or drill-clock offset a scenario may give: ten years. Mutual
#: legal assistance takes months; nothing in a drill takes longer than this, and a
#: bound keeps every local time a calendar can show.
MAX_MINUTES = 10 * 365 * 1440.0
_MAX_TEXT = "10 years"


def parse_duration(text: str) -> float:
    """Parse ``'1h30m'`` into minutes. Raises ValueError with a readable message."""
    if not isinstance(text, str):
        raise ValueError(
            f"a duration is written with a unit, like '30m', '4h' or '2d' (got {text!r})"
        )
    if not _WHOLE.match(text):
        raise ValueError(
            f"{_clip(text)!r} is not a duration; write a number and a unit, "
            "like '30m', '4h', '1h30m', '2d' or '9mo' (units: s m h d w mo)"
        )
    minutes = sum(float(n) * UNITS[u] for n, u in _PART.findall(text))
    if not minutes <= MAX_MINUTES:
        raise ValueError(f"{_clip(text)!r} is longer than {_MAX_TEXT}; no drill timing is this long")
    return minutes


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_duration(minutes: float) -> str:
    """Render minutes for people: ``95 -> '1h35m'``, ``2880 -> '2d'``."""
    if not math.isfinite(minutes):
        return "never" if minutes > 0 else "-"
    if minutes < 0:
        return "-" + format_duration(-minutes)
    total = round(minutes)
    if total == 0 and minutes > 0:
        return f"{round(minutes * 60)}s"
    days, rem = divmod(total, 1440)
    hours, mins = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days}d")
    if hours:
        parts.append(f"{hours}h")
    if mins or not parts:
        parts.append(f"{mins}m")
    return "".join(parts)


def format_drill_time(minutes: float) -> str:
    """Render a drill-clock offset: ``90 -> 'T+01:30'``, ``1590 -> 'T+1d02:30'``.

    A fraction of a minute rounds to the nearest one; a moment in a drill is shown with
    :func:`clock_minute` instead, as the clock reads it."""
    if not math.isfinite(minutes):
        return "never" if minutes > 0 else "-"
    sign = "-" if minutes < 0 else "+"
    total = round(abs(minutes))
    days, rem = divmod(total, 1440)
    hours, mins = divmod(rem, 60)
    day = f"{days}d" if days else ""
    return f"T{sign}{day}{hours:02d}:{mins:02d}"


def clock_floor(t: float) -> int:
    """The clock's minute of drill time ``t``: rounded down, once taken to the event
    log's precision (a millionth of a minute)."""
    return math.floor(round(t, 6))


def clock_minute(t: float) -> str:
    """A drill moment as the clock's minute, rounded down as the drill clock shows the
    time: what happened at 213.8 reads T+03:33, not T+03:34. Every drill moment shown to
    people (console, review, reports, handouts) is written so; the machine formats keep
    the exact minutes."""
    if not math.isfinite(t):
        return format_drill_time(t)
    return format_drill_time(clock_floor(t))


#: How a lateness within the minute it was due reads: both moments show the same minute.
UNDER_A_MINUTE = "under a minute"


def format_lateness(done: float, due: float) -> str:
    """How late ``done`` is after ``due``, for people reading it beside the two moments
    as :func:`clock_minute` shows them: the difference of the minutes shown, so that
    done at 207.96 (T+03:27) and due at 120 (T+02:00) reads ``'1h27m'``, not the
    ``'1h28m'`` of 87.96 minutes rounded. Late within the minute it was due reads
    ``'under a minute'`` (never ``'0m'``, which would read as on time). The machine
    formats keep the exact minutes."""
    if not (math.isfinite(done) and math.isfinite(due)):
        return format_duration(done - due)
    shown = clock_floor(done) - clock_floor(due)
    if shown == 0 and round(done, 6) > round(due, 6):
        return UNDER_A_MINUTE
    return format_duration(shown)


def parse_drill_time(text: str, start: datetime) -> float:
    """Parse an inject time into minutes after ``start``.

    Accepts ``T+hh:mm``, ``T+Nd hh:mm`` written ``T+1d02:00``, or an absolute
    ISO 8601 date-time that carries its own offset.
    """
    if not isinstance(text, str):
        raise ValueError(
            f"write drill times as 'T+01:30', 'T+1d02:00' or an ISO date-time (got {text!r})"
        )
    m = _OFFSET.match(text.strip())
    if m:
        days = int(m.group(1) or 0)
        offset: float = days * 1440 + int(m.group(2)) * 60 + int(m.group(3))
    else:
        offset = _absolute(text, start)
    if abs(offset) > MAX_MINUTES:
        raise ValueError(
            f"{_clip(text)!r} is more than {_MAX_TEXT} from the drill start; no drill is this long"
        )
    return offset


def _absolute(text: str, start: datetime) -> float:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{_clip(text)!r} is not a drill time; write 'T+01:30', 'T+1d02:00' "
            "or an absolute time like '2026-09-09T10:00:00+08:00'"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(
            f"{text!r} has no UTC offset; write it like '2026-09-09T10:00:00+08:00'"
        )
    return (moment - start) / timedelta(minutes=1)


def on_whole_second(moment: datetime) -> bool:
    """True when ``moment`` is given to the second: no fraction of a second in its time
    or in its UTC offset. Drill times are, as the MSEL reads and writes them."""
    offset = moment.utcoffset()
    return moment.microsecond == 0 and (offset is None or offset.microseconds == 0)


def check_whole_second(text: str) -> str:
    """``text``, a drill time, unless it is a date-time with a fraction of a second,
    which is refused. What is no drill time is left to :func:`parse_drill_time` to
    report."""
    if not isinstance(text, str) or _OFFSET.match(text.strip()):
        return text
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if not on_whole_second(moment):
        raise ValueError(f"{_clip(text)!r} is not a whole second; drill times are given to "
                         "the second, e.g. '2026-09-09T10:00:30+08:00'")
    return text


def check_ahead(t: float, now: float, end: float) -> str | None:
    """Why drill minute ``t`` cannot be chosen as a time ahead (None when it can): it
    has passed (the current minute counts as now), or the drill ends before anything
    due at that instant."""
    if t < clock_floor(now):
        return (f"{format_drill_time(t)} has already passed (the drill is at "
                f"{clock_minute(now)})")
    if t >= end:
        return (f"{format_drill_time(t)} is at or after the drill ends "
                f"({format_drill_time(end)})")
    return None


def on_clock(start: datetime | str, zone: str) -> str:
    """The drill's start as the drill clock reads it, in the clock's own zone (a start
    written at another offset is the same instant, shown as that clock shows it); as
    written when either cannot be read (a journal is untrusted)."""
    try:
        moment = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
        if moment.tzinfo is None:
            return str(start)
        return moment.astimezone(ZoneInfo(str(zone))).isoformat()
    except (ValueError, KeyError, OSError):  # an unknown zone is a KeyError
        return str(start)
