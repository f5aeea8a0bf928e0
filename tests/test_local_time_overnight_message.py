"""A rule's `when.local_time` that runs past midnight is refused with advice that fits a
window of the day (give the part before midnight), not the advice for a team's
overnight shifts (24/7), which is kept for working hours."""

from __future__ import annotations

import pytest
from conftest import base_scenario, write

from scenarios import ScenarioError, load_scenario


def _problem(tmp_path, data) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    [problem] = info.value.problems
    return problem.message


def test_an_overnight_window_of_a_rule_gets_advice_for_a_window(tmp_path):
    data = base_scenario()
    data["frameworks"]["fw"]["rules"]["notify"]["when"] = {"local_time": "22:00-06:00"}
    message = _problem(tmp_path, data)
    assert "ends before it starts" in message
    assert "24/7" not in message and "'22:00-24:00'" in message


def test_overnight_working_hours_still_point_at_24_7(tmp_path):
    data = base_scenario()
    data["actors"]["cert-a"]["working_hours"] = "22:00-06:00"
    assert "overnight shifts are written as 24/7" in _problem(tmp_path, data)
