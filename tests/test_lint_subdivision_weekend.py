"""Lint flags a team given the public holidays of a Malaysian state with a
Friday-Saturday weekend (Kedah, Kelantan, Terengganu) that keeps a Monday-Friday week:
the `holidays` package gives those states' holidays, not their weekend, so the engine
would have the team at work on Friday and off on Sunday."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine.clock import scenario_shift

# Thursday 10 September 2026 to Sunday 13 September: the team's Friday and Sunday
SCENARIO = """\
drill:
  id: weekend
  title: a state's weekend
  start: "2026-09-10T09:00:00+08:00"
  duration: 4d
  public_holidays: {drill_holidays}
actors:
  hicon: {{name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {{email: {{address: h@x}}}}}}
  cert:
    name: State CERT
    kind: national_cert
    country: MY
    timezone: Asia/Kuala_Lumpur
{calendar}
    contacts: {{email: {{address: c@x}}}}
channels:
  email: {{kind: email, name: E-mail, latency: 1m, source: assumption}}
injects:
  - {{id: "1", at: T+00:30, type: event, sender: hicon, to: [cert], via: email, tlp: GREEN,
     title: a, incident: {{id: x, type: botnet, affected: [MY]}}}}
"""

SUNDAY_TO_THURSDAY = "    working_days: [sun, mon, tue, wed, thu]"


def _load(tmp_path: Path, calendar: str, drill_holidays: bool = False):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(calendar=calendar,
                                    drill_holidays=str(drill_holidays).lower()),
                    encoding="utf-8")
    return load_scenario(path)


def _weekend(loaded):
    return [f for f in lint(loaded) if f.code == "weekend-of-subdivision"]


@pytest.mark.parametrize("subdivision", ["02", "03", "11", "KTN", "Terengganu"])
def test_a_state_with_a_friday_saturday_weekend_and_a_monday_friday_week(tmp_path,
                                                                        subdivision):
    calendar = f'    public_holidays: {{subdivision: "{subdivision}"}}'
    loaded = _load(tmp_path, calendar)
    # as written, the engine has the team at work on Friday and off on Sunday
    shift = scenario_shift(loaded.scenario, "cert")
    assert shift.ranges(shift.local(24 * 60).date())  # Friday 11 September
    assert not shift.ranges(shift.local(3 * 24 * 60).date())  # Sunday 13 September
    [finding] = _weekend(loaded)
    assert finding.path == "actors.cert.public_holidays.subdivision"
    assert finding.mark is not None and finding.mark.line == 15
    assert "Friday-Saturday weekend" in finding.message
    assert "works on Friday" in finding.message and "off on Sunday" in finding.message
    assert "working_days: [sun, mon, tue, wed, thu]" in finding.message


def test_a_sunday_to_thursday_week_is_not_flagged(tmp_path):
    loaded = _load(tmp_path, '    public_holidays: {subdivision: "03"}\n' + SUNDAY_TO_THURSDAY)
    assert _weekend(loaded) == []
    shift = scenario_shift(loaded.scenario, "cert")
    assert not shift.ranges(shift.local(24 * 60).date())  # Friday: off
    assert shift.ranges(shift.local(3 * 24 * 60).date())  # Sunday: at work


def test_the_team_s_own_subdivision_under_the_drill_s_public_holidays(tmp_path):
    [finding] = _weekend(_load(tmp_path, '    subdivision: "02"', drill_holidays=True))
    assert finding.path == "actors.cert.subdivision"
    assert "Kedah" in finding.message


def test_a_team_placed_in_the_state_without_its_holidays(tmp_path):
    calendar = '    subdivision: "03"\n    public_holidays: false'
    [finding] = _weekend(_load(tmp_path, calendar, drill_holidays=True))
    assert finding.path == "actors.cert.subdivision"
    assert "works in Kelantan" in finding.message


def test_a_timetable_is_told_to_run_sunday_to_thursday(tmp_path):
    calendar = ('    public_holidays: {subdivision: "11"}\n'
                '    working_pattern: {mon-thu: ["08:00-17:00"], fri: ["08:00-12:00"]}')
    [finding] = _weekend(_load(tmp_path, calendar))
    assert "works on Friday" in finding.message and "off on Sunday" in finding.message
    assert "working_pattern" in finding.message and "sun-thu" in finding.message


def test_a_week_off_on_friday_but_not_at_work_on_sunday_is_flagged(tmp_path):
    calendar = ('    public_holidays: {subdivision: "03"}\n'
                '    working_days: [mon, tue, wed, thu]')
    [finding] = _weekend(_load(tmp_path, calendar))
    assert "off on Sunday" in finding.message and "works on Friday" not in finding.message


@pytest.mark.parametrize("calendar", [
    '    public_holidays: {subdivision: "10"}',  # Selangor: a Saturday-Sunday weekend
    '    public_holidays: {subdivision: "14"}',  # Kuala Lumpur
    '    public_holidays: {subdivision: "03"}\n    staffing: 24/7',  # never off duty
    '    public_holidays: {subdivision: "01"}',  # Johor: Saturday-Sunday again since 2025
])
def test_other_calendars_and_teams_are_not_flagged(tmp_path, calendar):
    assert _weekend(_load(tmp_path, calendar)) == []
