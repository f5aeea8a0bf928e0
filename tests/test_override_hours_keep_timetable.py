"""Changing only the hours, or only the days, of a library team with a weekly
timetable keeps what the override does not change: working_hours alone keep the
timetable's days, and working_days alone keep its hours when every working day has
the same ones (a timetable whose hours differ by day is one problem at the override)."""

from __future__ import annotations

import pytest

from scenarios.loader import ScenarioError, load_scenario
from sim.engine.clock import scenario_shift

# Friday 18 September 2026, 10:00 in Brunei, Kuala Lumpur and Manila (all UTC+08:00)
SCENARIO = """\
include: [{include}, asean/channels, asean/frameworks]
drill:
  id: hours
  title: Library hours changed in part
  start: "2026-09-18T10:00:00+08:00"
  duration: 2d
actors:
{override}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certph]
    via: email
    incident: {{id: x, type: phishing, severity: medium, affected: [PH], hosted_in: [TH]}}
"""

BRUNEI_WEEK = ["mon", "tue", "wed", "thu", "sat"]
LUNCH = ((465, 735), (810, 990))  # 07:45-12:15 and 13:30-16:30


def write(tmp_path, override: str, include: str = "asean/actors"):
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO.format(override=override, include=include), encoding="utf-8")
    return path


def on_duty_friday_and_saturday(loaded, aid: str) -> tuple[bool, bool]:
    """Whether the team is at work at 10:00 local on Friday, then on Saturday."""
    shift = scenario_shift(loaded.scenario, aid)
    return shift.on_duty(0), shift.on_duty(24 * 60)


def test_working_hours_alone_keep_the_timetable_s_days(tmp_path):
    path = write(tmp_path, """\
  brucert:
    working_hours: "08:00-17:00"
""")
    loaded = load_scenario(path)
    brucert = loaded.scenario.actors["brucert"]
    assert brucert.working_pattern is None
    assert brucert.working_days == BRUNEI_WEEK
    assert brucert.working_hours == "08:00-17:00"
    assert brucert.week == (((480, 1020),),) * 4 + ((), ((480, 1020),), ())
    # Friday is still Brunei's day off, and Saturday a working day
    assert on_duty_friday_and_saturday(loaded, "brucert") == (False, True)


def test_working_days_alone_keep_the_timetable_s_hours(tmp_path):
    path = write(tmp_path, """\
  brucert:
    working_days: [sun, mon, tue, wed, thu]
""")
    loaded = load_scenario(path)
    week = loaded.scenario.actors["brucert"].week
    # the lunch closure stays on the days given, not 09:00-17:00
    assert week == (LUNCH,) * 4 + ((), (), LUNCH)
    assert on_duty_friday_and_saturday(loaded, "brucert") == (False, False)


def test_working_days_alone_keep_a_timetable_s_single_range(tmp_path):
    # a directory of the organiser's own that gives BruCERT one range a day
    (tmp_path / "bn.yaml").write_text("""\
include: asean/actors
actors:
  brucert:
    working_pattern: {mon-thu: "07:30-15:30", sat: "07:30-15:30"}
""", encoding="utf-8")
    path = write(tmp_path, """\
  brucert:
    working_days: [mon, tue, wed, thu, fri, sat]
""", include="./bn.yaml")
    loaded = load_scenario(path)
    brucert = loaded.scenario.actors["brucert"]
    assert brucert.working_hours == "07:30-15:30"
    assert brucert.week == (((450, 930),),) * 6 + ((),)
    assert on_duty_friday_and_saturday(loaded, "brucert") == (True, True)


def test_working_days_alone_for_a_timetable_whose_hours_differ_by_day(tmp_path):
    # MyCERT's Friday has a longer prayer break than Monday to Thursday
    path = write(tmp_path, """\
  mycert:
    working_days: [sun, mon, tue, wed, thu]
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert problem.mark is not None and problem.mark.file == str(path)
    assert problem.mark.line == 9
    assert problem.path == "actors.mycert.working_days"
    assert "working_hours" in problem.message and "working_pattern" in problem.message


def test_both_given_still_replace_the_timetable(tmp_path):
    path = write(tmp_path, """\
  brucert:
    working_days: [mon, tue, wed, thu, fri]
    working_hours: "08:00-17:00"
""")
    loaded = load_scenario(path)
    assert loaded.scenario.actors["brucert"].week == (((480, 1020),),) * 5 + ((), ())
    assert on_duty_friday_and_saturday(loaded, "brucert") == (True, False)


def test_a_mistake_in_the_hours_given_alone_is_reported_in_the_including_file(tmp_path):
    path = write(tmp_path, """\
  brucert:
    working_hours: "17:00-08:00"
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert problem.mark is not None and problem.mark.file == str(path)
    assert problem.mark.line == 9
    assert problem.path == "actors.brucert.working_hours"


def test_the_unclear_override_is_reported_with_the_scenario_s_other_problems(tmp_path):
    path = write(tmp_path, """\
  brucert:
    working_hours: "17:00-08:00"
  mycert:
    working_days: [sun, mon, tue, wed, thu]
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    found = [(p.mark.line if p.mark else None, p.path) for p in err.value.problems]
    assert found == [(9, "actors.brucert.working_hours"), (11, "actors.mycert.working_days")]
