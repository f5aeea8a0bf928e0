"""`drill explain` reads teams' hours as the engine does: the duty officer's severity
test on what the team itself knows, channels answered around the clock, and the team's
own holidays during the drill."""

from __future__ import annotations

from pathlib import Path

from test_lint_calendar_review import AROUND_THE_CLOCK, CALENDAR, ON_CALL

from scenarios import load_scenario
from sim.authoring.explain import explain


def _explained(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return explain(load_scenario(path).scenario).splitlines()


def _recipient_line(lines: list[str], inject: str, name: str) -> str:
    """The MSEL line of ``name`` under inject ``inject``."""
    first = lines.index(next(line for line in lines if line.startswith(f"  {inject} ")))
    return next(line for line in lines[first + 1:] if line.strip().startswith(name))


def test_the_duty_officer_is_not_promised_for_a_severity_told_to_another_team(tmp_path):
    lines = _explained(tmp_path, ON_CALL.format(first_to="singcert", first_at="T+00:30",
                                                call_severity=""))
    line = _recipient_line(lines, "2", "CERT-PH")
    assert "OFF duty until Thu 08:00" in line and "on call" not in line


def test_the_duty_officer_acts_on_the_most_severe_word_the_team_heard(tmp_path):
    lines = _explained(tmp_path, ON_CALL.format(first_to="certph", first_at="T+00:30",
                                                call_severity=", severity: low"))
    line = _recipient_line(lines, "2", "CERT-PH")
    assert line.endswith("OFF duty until Thu 08:00; on call takes it after about 30m")


def test_a_channel_answered_around_the_clock_is_taken_at_once(tmp_path):
    lines = _explained(tmp_path, AROUND_THE_CLOCK.format(around="true", needs="false"))
    line = _recipient_line(lines, "1", "PNP")
    assert line.endswith("OFF duty until Mon 08:00; the duty desk takes it at once "
                         "(n247 is answered around the clock)")


def test_the_teams_own_holidays_during_the_drill_are_listed(tmp_path):
    lines = _explained(tmp_path, CALENDAR.format(
        standby="T+07:00", holiday="2026-09-16", special="2026-09-01",
        special_end="2026-09-16", kr_staffing="office-hours"))
    directory = lines[lines.index("Directory"):]
    assert "                holidays of its own: Wed 16 Sep" in directory
    # one outside the drill is not listed
    lines = _explained(tmp_path, CALENDAR.format(
        standby="T+07:00", holiday="2025-09-16", special="2026-09-01",
        special_end="2026-09-16", kr_staffing="office-hours"))
    assert not any("holidays of its own" in line for line in lines)
