"""A make-up working day of a team's public calendar opens the office.

Viet Nam moved the working day of Monday 31 August 2026 to Saturday 22 August (the
``holidays`` package: "Day off (substituted from 08/22/2026)"), and Myanmar works on
Saturday 3 January 2026. A team that takes its country's public holidays is off on
the day off and at work on the Saturday, with its usual weekday hours.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from conftest import cert, events_of

from sim.engine import Engine, calendars, clock
from sim.engine.clock import scenario_shift

SATURDAY_22 = "2026-08-22T09:00:00+07:00"


@pytest.fixture(autouse=True)
def _fresh_store():
    calendars.forget_store()  # each test reads the cache of its own $ACID_DRILL_HOME
    yield
    calendars.forget_store()


def _drill(scenario_data, start: str = SATURDAY_22, country: str = "VN",
           tz: str = "Asia/Ho_Chi_Minh", public_holidays: bool = True, **team):
    """cert-a is the team of ``country``; exercise control reports to it at the start."""
    scenario_data["drill"].update(start=start, duration="10d",
                                  public_holidays=public_holidays)
    scenario_data["groups"] = {}
    scenario_data["actors"]["cert-a"] = cert(country, tz, **team)
    scenario_data["frameworks"]["fw"]["rules"] = {}
    scenario_data["injects"][0].update(at="T+00:00")
    scenario_data["injects"][0]["incident"]["affected"] = [country]
    return scenario_data


def _local(shift, day: date, hhmm: str) -> float:
    """Drill minute of local ``day`` at ``hhmm`` on the team's clock."""
    hour, minute = map(int, hhmm.split(":"))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=shift.tz)
    return (local - shift.start) / timedelta(minutes=1)


def _hours(shift, day: date) -> list[tuple[str, str]]:
    """The day's working periods as local times."""
    return [(shift.when(a, "%H:%M"), shift.when(b, "%H:%M")) for a, b in shift.windows(day)]


def test_the_office_opens_on_a_make_up_saturday(scenario_data, load):
    sc = load(_drill(scenario_data)).scenario
    shift = scenario_shift(sc, "cert-a")
    assert _hours(shift, date(2026, 8, 22)) == [("09:00", "17:00")]  # the make-up day
    assert _hours(shift, date(2026, 8, 23)) == []  # Sunday
    assert _hours(shift, date(2026, 8, 29)) == []  # an ordinary Saturday
    assert _hours(shift, date(2026, 8, 31)) == []  # the day off it makes up for
    assert shift.on_duty(_local(shift, date(2026, 8, 22), "10:00"))
    assert shift.next_on(_local(shift, date(2026, 8, 22), "18:00")) == _local(
        shift, date(2026, 8, 24), "09:00")


def test_a_report_on_the_make_up_saturday_is_handled_that_day(scenario_data, load):
    log = Engine(load(_drill(scenario_data)), seed=0).run()
    [ack] = events_of(log, "acknowledged", "cert-a")
    assert ack.time == 10  # at work: acknowledged in its 10 minutes, on Saturday
    # without the public calendar the Saturday is a rest day: Monday 09:00 (+10m)
    data = _drill(scenario_data, public_holidays=False)
    log = Engine(load(data), seed=0).run()
    [ack] = events_of(log, "acknowledged", "cert-a")
    assert ack.time == 48 * 60 + 10


def test_a_make_up_day_takes_the_usual_weekday_hours(scenario_data, load):
    pattern = {"mon-thu": ["08:00-12:00", "13:00-17:00"], "fri": ["08:00-11:30"]}
    sc = load(_drill(scenario_data, working_pattern=pattern)).scenario
    shift = scenario_shift(sc, "cert-a")
    assert _hours(shift, date(2026, 8, 22)) == [("08:00", "12:00"), ("13:00", "17:00")]


def test_special_hours_over_a_make_up_day_apply_to_it(scenario_data, load):
    special = [{"start": "2026-08-20", "end": "2026-08-25", "hours": ["10:00-14:00"]}]
    sc = load(_drill(scenario_data, special_hours=special)).scenario
    shift = scenario_shift(sc, "cert-a")
    assert _hours(shift, date(2026, 8, 22)) == [("10:00", "14:00")]


def test_a_team_listing_the_make_up_day_off_keeps_it_off(scenario_data, load):
    sc = load(_drill(scenario_data, holidays=["2026-08-22"])).scenario
    assert scenario_shift(sc, "cert-a").windows(date(2026, 8, 22)) == ()


def test_a_team_that_works_saturdays_keeps_its_saturday_hours(scenario_data, load):
    pattern = {"mon-fri": ["08:00-17:00"], "sat": ["08:00-12:00"]}
    sc = load(_drill(scenario_data, working_pattern=pattern)).scenario
    shift = scenario_shift(sc, "cert-a")
    assert _hours(shift, date(2026, 8, 22)) == [("08:00", "12:00")]
    assert _hours(shift, date(2026, 8, 29)) == [("08:00", "12:00")]


def test_myanmar_works_on_its_make_up_saturday(scenario_data, load):
    sc = load(_drill(scenario_data, start="2026-01-02T09:00:00+06:30", country="MM",
                     tz="Asia/Yangon")).scenario
    shift = scenario_shift(sc, "cert-a")
    assert _hours(shift, date(2026, 1, 3)) == [("09:00", "17:00")]
    assert _hours(shift, date(2026, 1, 10)) == []


def test_another_countrys_calendar_does_not_open_the_office(scenario_data, load):
    # Singapore has no make-up day that Saturday: the team's calendar decides
    sc = load(_drill(scenario_data, country="SG", tz="Asia/Singapore",
                     start="2026-08-22T09:00:00+08:00")).scenario
    assert scenario_shift(sc, "cert-a").windows(date(2026, 8, 22)) == ()


def test_make_up_days_come_from_the_cache_without_the_package(scenario_data, load,
                                                              monkeypatch):
    loaded = load(_drill(scenario_data))

    def fresh_run() -> list:
        clock._SHIFTS.clear()
        clock._SCENARIO_SHIFTS.clear()
        return [e.to_json() for e in Engine(loaded, seed=0).run()]

    computed = fresh_run()
    path = calendars.cache_file()
    assert path is not None
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["workdays"]["VN|"]["2026"] == ["2026-08-22"]
    calendars.forget_store()

    def no_package(*args):
        raise AssertionError("the package was asked again")

    monkeypatch.setattr(calendars, "holiday_calendar", no_package)
    assert fresh_run() == computed
    cal = calendars.public_calendar("VN", None)
    assert cal.workday(date(2026, 8, 22)) and not cal.workday(date(2026, 8, 29))


@pytest.mark.parametrize("workdays", [
    ["2026-08-22", "2026-08-22"],  # twice
    ["2025-08-22"],  # a day of another year
    ["22/08/2026"],
    [20260822],
    "2026-08-22",
])
def test_make_up_days_not_exactly_as_written_are_computed_again(workdays):
    path = calendars.cache_file()
    assert path is not None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    days_off = {"VN|": {"2026": [["2026-08-31", "Day off"]]}}
    made_up = {"VN|": {"2026": workdays}}
    doc = {"format": calendars._FORMAT, "calendars": days_off, "workdays": made_up,
           "sha256": calendars._checksum(days_off, made_up)}
    path.write_text(json.dumps(doc), encoding="utf-8")
    path.chmod(0o600)
    assert calendars._store().lookup_workdays("VN|", 2026) is None
    cal = calendars.public_calendar("VN", None)
    assert cal.workday(date(2026, 8, 22)) and not cal.workday(date(2026, 8, 29))
