"""A break planned across a daylight-saving change starts at the local time asked for on
its own date, and the header and toasts say when it ends in the local time then."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from sim.runs.breaks import Break, BreakPlan, parse_break, wall_clock

pytestmark = pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")


@pytest.fixture
def london(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _local(*args) -> datetime:
    """A local wall time as the app's wall clock reads it: datetime.now().astimezone()."""
    return datetime(*args).astimezone()


BST, GMT = timezone(timedelta(hours=1)), timezone(timedelta(0))


def test_a_break_tomorrow_across_the_clocks_going_back(london):
    # Saturday 24 October 2026, 23:00 BST; the clocks go back at 02:00 on Sunday
    now = _local(2026, 10, 24, 23, 0)
    assert now.utcoffset() == timedelta(hours=1)
    b = parse_break("09:00", "60", now)
    assert b.at == datetime(2026, 10, 25, 9, 0, tzinfo=GMT)  # 09:00 on the day, GMT
    assert b.end == datetime(2026, 10, 25, 10, 0, tzinfo=GMT)
    # it does not start at 08:00 local time (09:00 in the summer's offset)
    plan = BreakPlan([b])
    assert plan.update(_local(2026, 10, 25, 8, 0)) is None
    assert plan.update(_local(2026, 10, 25, 9, 0)) == "start"
    assert wall_clock(b.end, _local(2026, 10, 25, 9, 0)) == "10:00"
    # said the evening before, in summer time: still the local 09:00 and 10:00
    assert wall_clock(b.at, now) == "09:00" and wall_clock(b.end, now) == "10:00"


def test_a_break_tomorrow_across_the_clocks_going_forward(london):
    # Saturday 28 March 2026, 22:00 GMT; the clocks go forward at 01:00 on Sunday
    now = _local(2026, 3, 28, 22, 0)
    b = parse_break("09:00", "30", now)
    assert b.at == datetime(2026, 3, 29, 9, 0, tzinfo=BST)
    assert wall_clock(b.at, now) == "09:00"


def test_a_break_planned_in_a_fixed_offset_stays_in_it():
    sgt = timezone(timedelta(hours=8))
    now = datetime(2026, 8, 19, 11, 0, 20, tzinfo=sgt)
    b = parse_break("10:00", "1h", now)
    assert b.at == datetime(2026, 8, 20, 10, 0, tzinfo=sgt)
    assert wall_clock(b.at, now) == "10:00"


pytest.importorskip("textual")


async def test_the_header_shows_the_breaks_end_in_local_time(london):
    from scenarios import load_scenario, resolve_scenario_arg
    from sim.runs.session import DrillSession
    from tui.app import DrillApp
    from tui.screens.live import clock_line

    wall = [_local(2026, 10, 24, 23, 0)]
    session = DrillSession.start(load_scenario(resolve_scenario_arg(None)), seed=0,
                                 human=[], record=False)
    app = DrillApp(session, speed=60, wall=lambda: wall[0])
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.plan_break("09:00", "60")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("tomorrow at 09:00" in m for m in said), said
        assert "next break 09:00" in clock_line(app).plain
        wall[0] = _local(2026, 10, 25, 8, 0)  # GMT now: the break is an hour away
        app.tick()
        await pilot.pause()
        assert app.breaks.current is None
        wall[0] = _local(2026, 10, 25, 9, 0)
        app.tick()
        await pilot.pause()
        assert app.breaks.current is not None
        assert "BREAK until 10:00" in clock_line(app).plain
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Break until 10:00") for m in said), said


def test_the_header_of_a_planned_break_is_not_affected_by_tz_of_the_plan_entry(london):
    # a break kept in the journal in summer time, read back after the change
    b = Break(datetime(2026, 10, 25, 10, 0, tzinfo=BST), 30)  # 09:00 GMT
    assert wall_clock(b.at, _local(2026, 10, 25, 8, 0)) == "09:00"
    assert os.environ["TZ"] == "Europe/London"
