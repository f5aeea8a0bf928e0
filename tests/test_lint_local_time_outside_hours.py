"""A rule for some hours of a team's day (`when.local_time`) that never fall in the
working hours of any team carrying it out is never taken up: a team takes its rules up
at work (a run finds the window open only at night and looks again each day in vain).
`drill lint` warns `rule-never-fires` at the window; a team with a duty officer who may
be called out, or staffed around the clock, may take it up at night, and is not warned of.

The base scenario (tests/conftest.py): the CERTs work 09:00-17:00 local time."""

from __future__ import annotations

from conftest import events_of

from sim.authoring.lint import lint
from sim.engine import Engine


def _evening_escalation(data, window: str = "18:00-20:00"):
    data["frameworks"]["fw"]["rules"]["escalate"]["when"]["local_time"] = window
    return data


def test_a_window_outside_working_hours_is_warned_of_and_never_fires(scenario_data, load):
    loaded = load(_evening_escalation(scenario_data))
    [warning] = [f for f in lint(loaded) if f.code == "rule-never-fires"]
    assert warning.path == "frameworks.fw.rules.escalate.when.local_time"
    assert "18:00-20:00" in warning.message
    assert not events_of(Engine(loaded, seed=0).run(), "escalated")


def test_a_window_within_working_hours_is_not_warned_of(scenario_data, load):
    loaded = load(_evening_escalation(scenario_data, "15:00-20:00"))
    assert [f for f in lint(loaded) if f.code == "rule-never-fires"] == []
    assert events_of(Engine(loaded, seed=0).run(), "escalated")


def test_a_team_with_a_duty_officer_is_not_warned_of(scenario_data, load):
    for aid in ("cert-a", "cert-b"):
        scenario_data["actors"][aid]["on_call"] = {"channels": ["phone"]}
    # severe enough for the duty officer (min_severity high), which may be called out
    scenario_data["injects"][0]["incident"]["severity"] = "high"
    loaded = load(_evening_escalation(scenario_data))
    assert [f for f in lint(loaded) if f.code == "rule-never-fires"] == []
