"""An override of a library team's hours takes effect: a new weekly timetable replaces
the library's whole, and working_days or working_hours replace its timetable (keeping
the timetable's days, or its hours, that the override leaves out)."""

from __future__ import annotations

import pytest

from scenarios.loader import ScenarioError, load_scenario
from sim.cli import main

SCENARIO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: hours
  title: Library hours overridden
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
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


def write(tmp_path, override: str):
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO.format(override=override), encoding="utf-8")
    return path


def hours(path, capsys, aid: str) -> str:
    """The actor's hours, as the directory of ``drill explain`` shows them."""
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith(f"  {aid} "))
    return line.split("(UTC+08:00)")[1].strip()


def test_working_days_and_hours_replace_the_library_timetable(tmp_path, capsys):
    path = write(tmp_path, """\
  brucert:
    working_days: [mon, tue, wed, thu, fri]
    working_hours: "07:30-16:30"
""")
    assert hours(path, capsys, "brucert") == "07:30-16:30 mon,tue,wed,thu,fri"
    # the engine works by the same week: Friday on, Saturday off, no lunch break
    week = load_scenario(path).scenario.actors["brucert"].week
    assert week == (((450, 990),),) * 5 + ((), ())


def test_working_hours_alone_replace_the_library_timetable(tmp_path, capsys):
    path = write(tmp_path, """\
  brucert:
    working_hours: "08:00-16:00"
""")
    # the days are the timetable's (Friday and Sunday off), as the format says
    assert hours(path, capsys, "brucert") == "08:00-16:00 mon,tue,wed,thu,sat"


def test_working_days_alone_replace_the_library_timetable(tmp_path, capsys):
    path = write(tmp_path, """\
  brucert:
    working_days: [sun, mon, tue, wed, thu]
""")
    # the timetable's hours, the same every day, stay
    assert hours(path, capsys, "brucert") == \
        "mon-thu 07:45-12:15,13:30-16:30; sun 07:45-12:15,13:30-16:30"


def test_a_new_timetable_replaces_the_library_one_whole(tmp_path, capsys):
    path = write(tmp_path, """\
  mycert:
    subdivision: "02"
    working_pattern: {sun-thu: ["08:00-13:00", "14:00-17:00"]}
""")
    # not merged day by day into the library's (which gives mon-thu and fri)
    assert hours(path, capsys, "mycert") == \
        "mon-thu 08:00-13:00,14:00-17:00; sun 08:00-13:00,14:00-17:00"


def test_a_timetable_given_with_working_days_wins(tmp_path, capsys):
    path = write(tmp_path, """\
  mycert:
    working_days: [mon, tue, wed, thu, fri]
    working_pattern: {mon-fri: ["08:30-17:30"]}
""")
    assert hours(path, capsys, "mycert") == "mon-fri 08:30-17:30"


def test_a_mistake_in_the_new_timetable_is_reported_in_the_including_file(tmp_path):
    path = write(tmp_path, """\
  mycert:
    working_pattern: {sun-thu: ["08:00-13:00"], mon: ["14:00-17:00"]}
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert problem.mark is not None and problem.mark.file == str(path)
    assert problem.path == "actors.mycert.working_pattern"
    assert "mon is given twice" in problem.message


def test_other_fields_are_still_overridden_field_by_field(tmp_path):
    path = write(tmp_path, """\
  mycert:
    contacts:
      email: {address: new@mycert.drill.example}
""")
    mycert = load_scenario(path).scenario.actors["mycert"]
    # the library's timetable, phone contact and on-call officer stay
    assert mycert.working_pattern == {"mon-thu": ["08:00-13:00", "14:00-17:00"],
                                      "fri": ["08:00-12:15", "14:45-17:00"]}
    assert mycert.contacts["email"].address == "new@mycert.drill.example"
    assert "phone" in mycert.contacts and mycert.on_call is not None
