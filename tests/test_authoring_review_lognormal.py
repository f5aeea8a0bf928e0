"""A lognormal whose mu and sigma can draw a duration too long to compute (e to the power
of mu plus a dozen sigmas overflows) is refused by `drill validate`, at the field's line,
instead of failing `drill run` with a math range error; every pair it accepts samples."""

from __future__ import annotations

import math
from random import Random
from typing import Any

import pytest
from conftest import write
from pydantic import ValidationError

from scenarios import ScenarioError, load_scenario
from scenarios.model import LogNormal
from sim.cli import EXIT_INVALID, main
from sim.engine.distributions import sample


def _with_analysis(data: dict[str, Any], dist: dict[str, Any]) -> None:
    data["actors"]["cert-a"]["policy"]["analysis_time"] = dist


def _problem(tmp_path, data) -> tuple[Any, Any]:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    return problem, path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(("dist", "field"), [
    ({"dist": "lognormal", "mu": 800.0, "sigma": 1.0, "max": "8h"}, "mu"),
    ({"dist": "lognormal", "mu": 700.0, "sigma": 1.0}, "mu"),
    ({"dist": "lognormal", "mu": 3.0, "sigma": 60.0}, "sigma"),
    ({"dist": "lognormal", "mu": -1e300, "sigma": 1e299}, "sigma"),
    ({"dist": "lognormal", "median": "0.0000000000000000000000000000000000000001s",
      "p90": "1h"}, "median"),
])
def test_a_lognormal_that_can_overflow_is_refused_at_its_field(tmp_path, scenario_data,
                                                                dist, field):
    _with_analysis(scenario_data, dist)
    problem, lines = _problem(tmp_path, scenario_data)
    assert problem.path == f"actors.cert-a.policy.analysis_time.{field}"
    assert lines[problem.mark.line - 1].strip().startswith(f"{field}:")
    assert "too long to compute" in problem.message


def test_the_message_says_what_to_keep(tmp_path, scenario_data):
    _with_analysis(scenario_data, {"dist": "lognormal", "mu": 800.0, "sigma": 1.0})
    problem, _ = _problem(tmp_path, scenario_data)
    assert "mu + 12.2 times sigma" in problem.message and "at most 709" in problem.message
    assert "natural log of the median in minutes" in problem.message


def test_drill_run_reports_the_field_instead_of_a_math_range_error(tmp_path, scenario_data,
                                                                    capsys):
    _with_analysis(scenario_data, {"dist": "lognormal", "mu": 800.0, "sigma": 1.0,
                                   "max": "8h"})
    assert main(["run", str(write(tmp_path, scenario_data))]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "math range error" not in err
    assert "actors.cert-a.policy.analysis_time.mu:" in err


class _Extreme:
    """Draws the farthest normal deviate Python's normalvariate can give from 53-bit
    uniforms (about 12.01 standard deviations)."""

    def __init__(self) -> None:
        self._next = [0.5 + 7 * 2.0 ** -53, 1.0 - 2.0 ** -53]
        self._i = 0

    def random(self) -> float:
        self._i += 1
        return self._next[(self._i - 1) % 2]

    normalvariate = Random.normalvariate
    lognormvariate = Random.lognormvariate


def test_every_accepted_pair_samples_and_the_bound_is_not_far_from_overflow():
    mu = 3.0
    largest = LogNormal(dist="lognormal", mu=mu, sigma=(709.0 - mu) / 12.2)
    assert math.isfinite(sample(largest, _Extreme()))
    assert math.isfinite(sample(largest, Random(0)))
    with pytest.raises(ValidationError):
        LogNormal(dist="lognormal", mu=mu, sigma=(709.0 - mu) / 12.2 * 1.001)
    # a little more spread than the bound allows does overflow at that deviate
    with pytest.raises(OverflowError):
        _Extreme().lognormvariate(mu, (709.8 - mu) / 12.0)


def test_ordinary_lognormals_are_accepted_as_before():
    for d in ({"mu": 4.0, "sigma": 1.0}, {"mu": -50.0, "sigma": 3.0},
              {"median": "1h", "p90": "4h"}, {"median": "1s", "p90": "9mo"}):
        LogNormal(dist="lognormal", **d)
