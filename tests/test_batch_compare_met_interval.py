"""The interval of a change in an expectation's met rate.

The paired differences of a ``.met`` metric are 0 or ±1, so a Student-t interval on
them is no interval at all: zero wide when every pair changed the same way, far past
[-1, 1] from two pairs. ``ci`` of a ``.met`` difference is the paired interval of the
change in rate, the same as its ``rate_difference_ci``: Tango's score interval for
paired proportions, which depends on the discordant pairs only (the variants share
their seeds, so most pairs agree).
"""

from __future__ import annotations

import random

import pytest

from sim.analysis.stats import paired_score_difference
from sim.runs.batch import Aggregate, render_summary


def _met(base: list[float | None], mine: list[float | None]) -> dict:
    agg = Aggregate(["baseline", "v"])
    for rep, (b, m) in enumerate(zip(base, mine, strict=True)):
        agg.add("baseline", rep, "x", "expectation.E3.met", b)
        agg.add("v", rep, "x", "expectation.E3.met", m)
    agg.finish()
    return agg.summary()


def _entry(s: dict) -> dict:
    [d] = [d for d in s["differences"] if d["metric"] == "expectation.E3.met"]
    return d


def test_tango_interval_on_a_published_example():
    # Fagerland, Lydersen and Laake's example (Cavo et al. 2012): 6 and 16 discordant
    # pairs of 161; Tango's asymptotic score interval is -0.1240 to -0.0054
    diff, (lo, hi) = paired_score_difference(6, 16, 161)
    assert diff == pytest.approx(-0.0621, abs=1e-4)
    assert (lo, hi) == pytest.approx((-0.1240, -0.0054), abs=1e-4)
    _, (lo90, hi90) = paired_score_difference(6, 16, 161, 0.90)
    assert lo < lo90 < diff < hi90 < hi


def test_tango_interval_edges():
    # nothing changed in 40 pairs: not degenerate, symmetric, z^2 / (n + z^2) wide
    diff, (lo, hi) = paired_score_difference(0, 0, 40)
    assert diff == 0 and hi == pytest.approx(-lo) and hi == pytest.approx(3.8415 / 43.8415,
                                                                           rel=1e-4)
    diff, (lo, hi) = paired_score_difference(0, 40, 40)
    assert diff == -1 and lo == -1 and -1 < hi < -0.8
    diff, (lo, hi) = paired_score_difference(1, 0, 1)
    assert diff == 1 and hi == 1 and -1 <= lo < 1
    diff, (lo, hi) = paired_score_difference(0, 0, 0)
    assert diff != diff and lo != lo and hi != hi  # nan: nothing to compare


def test_a_change_in_every_pair_has_an_interval_of_some_width():
    d = _entry(_met([1.0] * 40, [0.0] * 40))
    assert d["mean_difference"] == -1 and d["pairs"] == 40
    lo, hi = d["ci"]
    assert lo == -1 and -1 < hi < -0.8
    assert d["ci"] == d["rate_difference_ci"]


def test_two_pairs_give_an_interval_within_minus_one_and_one():
    d = _entry(_met([1.0, 1.0], [1.0, 0.0]))
    assert d["mean_difference"] == -0.5
    lo, hi = d["ci"]
    assert -1 <= lo < -0.5 < hi <= 1
    assert d["ci"] == d["rate_difference_ci"]


def test_the_text_shows_the_interval_of_the_change_in_rate():
    s = _met([1.0] * 40, [0.0] * 40)
    lo, hi = _entry(s)["rate_difference_ci"]
    text = render_summary(s)
    assert f"-1.000 [{lo:+.3f}, {hi:+.3f}]  (40 pairs)" in text
    assert "[-1.000, -1.000]" not in text


def test_an_expectation_met_alike_in_every_pair_is_identical_though_its_interval_is_not_zero():
    s = _met([1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0])
    d = _entry(s)
    assert d["rate_changed_in"] == 0 and d["ci"][0] < 0 < d["ci"][1]
    assert "1 other metrics identical in every replication" in render_summary(s)


def test_an_open_expectation_counts_as_not_met_in_the_change():
    d = _entry(_met([1.0, None, 1.0], [None, None, 1.0]))
    assert d["mean_difference"] == pytest.approx(-1 / 3) and d["rate_changed_in"] == 1
    assert d["ci"] == d["rate_difference_ci"]


def test_the_interval_covers_a_rare_change_as_often_as_it_says():
    # common random numbers: most pairs agree; the variant loses the expectation in 2 %
    # of replications and never gains it. The t-interval covers about 85 % of the time,
    # Newcombe's hybrid interval about 87 %; the score interval at least its 95 %.
    rng = random.Random(7)
    trials, covered = 1000, 0
    for _ in range(trials):
        lost = sum(rng.random() < 0.02 for _ in range(100))
        _, (lo, hi) = paired_score_difference(0, lost, 100)
        covered += lo <= -0.02 <= hi
    assert covered / trials >= 0.94
