"""Batch statistics on small samples worked out by hand, and against published values of
Student's t (the cases mutation testing found untested)."""

from __future__ import annotations

import math

import pytest

from sim.analysis import stats
from sim.analysis.stats import (
    Proportion,
    Running,
    Sample,
    t_value,
    wilson,
    z_value,
)

# Student's t, two-sided 95 % (the 97.5th percentile), from published tables
T95 = {3: 3.182446305, 4: 2.776445105, 5: 2.570581836, 7: 2.364624252, 10: 2.228138852,
       30: 2.042272456, 100: 1.983971519}
# how close the series comes at each number of degrees of freedom
T95_ACCURACY = {3: 1.3e-3, 4: 3.2e-4, 5: 1.1e-4, 7: 2.5e-5, 10: 4e-6, 30: 2e-8, 100: 3e-10}


def test_the_normal_quantile():
    assert z_value() == pytest.approx(1.959963985, abs=1e-9)
    assert z_value(0.90) == pytest.approx(1.644853627, abs=1e-9)


@pytest.mark.parametrize("df", sorted(T95))
def test_student_t_follows_the_published_table(df):
    assert t_value(df) == pytest.approx(T95[df], rel=T95_ACCURACY[df])


def test_student_t_for_one_and_two_degrees_of_freedom_is_exact():
    assert t_value(1) == pytest.approx(12.70620474, abs=1e-8)
    assert t_value(2) == pytest.approx(4.30265273, abs=1e-8)
    assert t_value(1, 0.90) == pytest.approx(6.313751515, abs=1e-8)
    assert t_value(2, 0.90) == pytest.approx(2.919985580, abs=1e-8)
    assert t_value(30, 0.90) == pytest.approx(1.697260887, rel=1e-7)
    assert t_value(0) == math.inf and t_value(-1) == math.inf


def test_wilson_intervals():
    # 3 of 10 at 95 % and at 90 %; every one of 10; nothing seen
    assert wilson(3, 10) == pytest.approx((0.107790, 0.603222), abs=2e-5)
    assert wilson(3, 10, 0.90) == pytest.approx((0.126874, 0.558300), abs=2e-5)
    assert wilson(10, 10) == pytest.approx((0.722467, 1.0), abs=2e-5)
    assert wilson(0, 0) == (0.0, 1.0)


def test_running_mean_and_spread():
    r = Running()
    for x in (2, 4, 4, 4, 5, 5, 7, 9):
        r.add(x)
    # mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32 over 7
    assert (r.n, r.mean, r.m2, r.min, r.max) == (8, 5, 32, 2, 9)
    assert r.sd == pytest.approx(math.sqrt(32 / 7))
    half = T95[7] * math.sqrt(32 / 7) / math.sqrt(8)
    assert r.mean_ci() == pytest.approx((5 - half, 5 + half), rel=T95_ACCURACY[7])


def test_running_with_one_value_or_none():
    r = Running()
    assert (r.n, r.min, r.max) == (0, math.inf, -math.inf)
    assert r.mean_ci() == (None, None)
    r.add(3)
    # one value bounds nothing: no interval, rather than one of no width
    assert r.sd == 0.0 and r.mean_ci() == (None, None)
    r.add(5)
    assert r.mean_ci() == pytest.approx((4 - 12.706205, 4 + 12.706205), abs=1e-5)


def test_a_small_sample_summarised_exactly():
    s = Sample()
    for x in (4, 1, 3, 2, 5):
        s.add(x)
    assert s.exact and s.n == 5
    assert s.quantile(0.5) == 3 and s.quantile(0.9) == pytest.approx(4.6)  # 5 * 0.6 + 4 * 0.4
    assert s.quantile(0.0) == 1 and s.quantile(1.0) == 5
    # n q = 2.5, half = 1.96 * sqrt(1.25) = 2.19: ranks floor(0.31) - 1 = -1 and
    # ceil(4.69) = 5, both beyond the five values: neither bound can be given
    assert s.quantile_ci(0.5) == (None, None)
    summary = s.summary()
    assert summary["n"] == 5 and summary["mean"] == 3 and summary["max"] == 5
    assert summary["sd"] == pytest.approx(math.sqrt(2.5))
    assert summary["median"] == 3 and summary["median_ci"] == [None, None]
    assert summary["p90"] == pytest.approx(4.6) and summary["p95"] == pytest.approx(4.8)
    # n q = 4.5, half = 1.96 * sqrt(0.45) = 1.31: ranks floor(3.19) - 1 = 2 and
    # ceil(5.81) = 6, beyond the values (p95 likewise)
    assert summary["p90_ci"] == [3, None] and summary["p95_ci"] == [3, None]
    assert summary["exact_quantiles"] is True
    assert Sample().summary() == {"n": 0}
    assert math.isnan(Sample().quantile(0.5))
    assert Sample().quantile_ci(0.5) == (None, None)


def test_past_the_exact_limit_values_fall_in_one_percent_buckets(monkeypatch):
    monkeypatch.setattr(stats, "EXACT_LIMIT", 4)
    s = Sample()
    for x in (10, 20, 30, 40):
        s.add(x)
    assert s.exact  # four values: still exact
    s.add(50)
    assert not s.exact
    # each value comes back as the middle of its bucket: x falls in bucket
    # i = floor(ln(x / 0.001) / ln(1.01)), whose middle is 0.001 * 1.01 ** (i + 0.5):
    # 20 -> 995 -> 20.0413, 30 -> 1036 -> 30.1373, 40 -> 1064 -> 39.8201
    assert s.quantile(0.25) == pytest.approx(20.0413, abs=2e-4)
    assert s.quantile(0.5) == pytest.approx(30.1373, abs=2e-4)
    assert s.quantile(0.75) == pytest.approx(39.8201, abs=2e-4)
    # 10 -> 925 -> 9.9869 and 50 -> 1087 -> 50.0854 lie beyond the values seen: clamped
    assert s.quantile(0.0) == 10 and s.quantile(1.0) == 50
    # n q = 2.5, half = 2.19: ranks -1 and 5, beyond the five values
    assert s.quantile_ci(0.5) == (None, None)
    s.add(60)  # 60 -> 1105 -> 59.8795
    assert s.quantile(1.0) == pytest.approx(59.8795, abs=2e-4)
    assert s.summary()["exact_quantiles"] is False
    s.add(70)
    s.add(80)  # 80 -> 1110 -> 79.9095
    # n q = 4, half = 2.77: ranks floor(1.23) - 1 = 0 (clamped to the minimum) and 7
    lo, hi = s.quantile_ci(0.5)
    assert lo == 10 and hi == pytest.approx(79.9095, abs=2e-4)


def test_values_next_to_nothing_share_the_lowest_bucket(monkeypatch):
    monkeypatch.setattr(stats, "EXACT_LIMIT", 2)
    s = Sample()
    for x in (0.0, 0.001, 0.0005, 100):
        s.add(x)
    assert s.quantile(0.0) == 0.0 and s.quantile(0.5) == 0.0
    assert s.quantile(1.0) == 100


def test_a_proportion_and_its_interval():
    p = Proportion()
    for hit in (True, False, True, False, True):
        p.add(hit)
    assert (p.hits, p.n) == (3, 5)
    summary = p.summary()
    assert summary["n"] == 5 and summary["rate"] == 0.6
    assert summary["rate_ci"] == pytest.approx(list(wilson(3, 5)))
    assert summary["rate_ci"] == pytest.approx([0.230719, 0.882375], abs=2e-5)
    empty = Proportion().summary()
    assert empty["n"] == 0 and math.isnan(float(str(empty["rate"]))) and empty["rate_ci"] == [0.0, 1.0]
