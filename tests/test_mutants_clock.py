"""Working periods of one team, minute by minute: split days, standby windows, holidays,
special hours, midnight and the shared shifts (the cases mutation testing found untested).

Every shift below starts on Wednesday 19 August 2026, 09:00 Singapore time (drill
minute 0); Thursday 09:00 is minute 1440.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

from scenarios.model import Actor
from sim.engine import clock
from sim.engine.clock import Shift, scenario_shift, shift_for, standby_windows

SGT = timezone(timedelta(hours=8))
START = datetime(2026, 8, 19, 9, 0, tzinfo=SGT)  # a Wednesday
DAY = 1440


def team(**extra) -> Actor:
    fields = {"name": "CERT", "kind": "national_cert", "country": "SG",
              "timezone": "Asia/Singapore", **extra}
    return Actor(**fields)


def test_when_names_the_local_time_or_never():
    shift = Shift(team(), START)
    assert shift.when(0) == "Wed 09:00"
    assert shift.when(DAY + 90, "%d %H:%M") == "20 10:30"
    assert shift.when(math.inf) == "never"
    assert shift.local(-60).strftime("%H:%M") == "08:00"


def test_a_lunch_closure_splits_the_day():
    shift = Shift(team(working_pattern={"mon-fri": ["09:00-12:00", "13:00-17:00"]}), START)
    assert shift.windows(date(2026, 8, 19)) == ((0, 180), (240, 480))
    assert shift.window(date(2026, 8, 19)) == (0, 480)  # first opening, last closing
    assert shift.window(date(2026, 8, 22)) is None  # Saturday
    assert [shift.on_duty(t) for t in (179, 180, 239, 240)] == [True, False, False, True]
    assert shift.shift_end(100) == 180 and shift.shift_end(240) == 480
    assert shift.next_on(180) == 240 and shift.next_on(200) == 240
    assert shift.next_on(480) == DAY


def test_a_day_working_until_midnight_closes_at_the_next_day_s_start():
    shift = Shift(team(working_hours="18:00-24:00"), START)
    # 18:00 is 9 hours after the start; 24:00 is Thursday 00:00 (15 hours after)
    assert shift.windows(date(2026, 8, 19)) == ((540, 900),)
    assert shift.on_duty(899) and not shift.on_duty(900)
    assert shift.next_on(900) == DAY + 540


def test_special_hours_apply_on_their_dates_only():
    shift = Shift(team(special_hours=[{"start": "2026-08-20", "end": "2026-08-20",
                                      "hours": ["09:00-12:00"]}]), START)
    assert shift.ranges(date(2026, 8, 19)) == ((540, 1020),)
    assert shift.ranges(date(2026, 8, 20)) == ((540, 720),)
    assert shift.ranges(date(2026, 8, 21)) == ((540, 1020),)
    assert shift.shift_end(DAY) == DAY + 180
    assert shift.shift_end(2 * DAY) == 2 * DAY + 480


def test_listed_and_public_holidays_are_named_and_kept_off():
    shift = Shift(team(holidays=["2026-08-20"]), START, calendar=("SG", None))
    assert shift.holiday(date(2026, 8, 20)) == "a holiday listed for the team"
    assert shift.holiday(date(2026, 8, 9)) == "National Day"  # a Sunday, still named
    assert shift.holiday(date(2026, 8, 19)) is None
    assert shift.windows(date(2026, 8, 20)) == ()
    assert shift.next_on(480) == 2 * DAY  # Thursday off: Friday 09:00
    plain = Shift(team(), START)
    assert plain.holiday(date(2026, 8, 9)) is None  # no calendar: no public holidays


def test_a_team_with_no_working_day_within_the_horizon_is_never_on_duty(monkeypatch):
    monkeypatch.setattr(clock, "_HORIZON_DAYS", 14)  # periods are listed 14 days ahead
    sundays_off = [date(2026, 8, 23), date(2026, 8, 30)]
    shift = Shift(team(working_pattern={"sun": ["09:00-10:00"]}, holidays=sundays_off), START)
    assert not shift.on_duty(0)
    assert shift.next_on(0) == math.inf
    assert shift.when(shift.next_on(0)) == "never"
    # with one Sunday off only, the next is found: Sunday 30 August 09:00 (11 days on)
    one_off = Shift(team(working_pattern={"sun": ["09:00-10:00"]}, holidays=sundays_off[:1]),
                    START)
    assert one_off.next_on(0) == 11 * DAY
    assert one_off.shift_end(11 * DAY) == 11 * DAY + 60


def test_standby_puts_a_team_on_duty_out_of_hours():
    # standing by from 20:00 Wednesday to 02:00 Thursday (drill minutes 660-1020)
    shift = Shift(team(), START, standby=((660.0, 1020.0), (5.0, 5.0)))
    assert shift.standby == ((660.0, 1020.0),)  # an empty window is dropped
    assert [shift.on_duty(t) for t in (480, 659, 660, 1019, 1020)] == [
        False, False, True, True, False]
    assert shift.standing_by(660) and not shift.standing_by(1020)
    assert shift.next_on(480) == 660 and shift.next_on(700) == 700
    assert shift.next_on(1020) == DAY
    assert shift.shift_end(700) == 1020
    assert shift.shift_end(100) == 480  # office hours, not touching the window


def test_standby_running_on_from_closing_time_extends_the_shift():
    shift = Shift(team(), START, standby=((480.0, 600.0), (600.0, 700.0)))
    assert shift.shift_end(100) == 700  # office to 480, then two windows back to back
    assert shift.on_duty(480) and shift.on_duty(650)
    before = Shift(team(), START, standby=((-60.0, 30.0),))
    assert before.shift_end(-30) == 480  # standby before opening runs into the office day


def test_round_the_clock_teams_never_stop():
    shift = Shift(team(staffing="24/7"), START)
    assert shift.on_duty(-1000) and shift.next_on(123.5) == 123.5
    assert shift.shift_end(0) == math.inf


def test_shifts_are_shared_between_teams_with_the_same_hours():
    a, b = team(name="A"), team(name="B", country="MY")
    assert shift_for(a, START) is shift_for(b, START)
    assert shift_for(a, START) is not shift_for(team(working_hours="08:00-16:00"), START)
    assert shift_for(a, START) is not shift_for(a, START, standby=((0.0, 60.0),))
    assert shift_for(a, START) is not shift_for(a, START + timedelta(hours=1))


def test_the_shared_shifts_are_bounded(monkeypatch):
    monkeypatch.setattr(clock, "_SHIFTS", {})
    first = shift_for(team(), START)
    for k in range(4096):
        shift_for(team(), START + timedelta(minutes=k + 1))
    assert len(clock._SHIFTS) == 4097 and shift_for(team(), START) is first
    shift_for(team(), START - timedelta(days=1))  # one more: the cache starts again
    assert len(clock._SHIFTS) == 1
    assert shift_for(team(), START) is not first


def test_a_scenario_s_standby_and_calendar_reach_the_team(scenario_data, load):
    scenario_data["drill"]["standby"] = [
        {"actors": ["cert-a"], "start": "T+10:00", "end": "T+12:00"}]
    scenario_data["drill"]["public_holidays"] = True
    sc = load(scenario_data).scenario
    assert standby_windows(sc, "cert-a") == ((600.0, 720.0),)
    assert standby_windows(sc, "cert-b") == ()
    shift = scenario_shift(sc, "cert-a")
    assert shift.standby == ((600.0, 720.0),) and shift.on_duty(650)
    assert shift.calendar == ("SG", None)
    assert not scenario_shift(sc, "cert-b").on_duty(650)


def test_ranges_on_the_half_hour_and_three_periods_a_day():
    shift = Shift(team(working_pattern={"wed": ["08:30-12:15", "13:45-15:00", "15:30-17:10"]}),
                  START)
    # minutes from 09:00: -30 to 195, 285 to 360, 390 to 490
    assert shift.windows(date(2026, 8, 19)) == ((-30, 195), (285, 360), (390, 490))
    assert shift.window(date(2026, 8, 19)) == (-30, 490)
    assert shift.shift_end(0) == 195 and shift.next_on(195) == 285
    assert shift.next_on(360) == 390 and shift.shift_end(400) == 490
    assert shift.next_on(490) == 7 * DAY - 30  # next Wednesday 08:30
