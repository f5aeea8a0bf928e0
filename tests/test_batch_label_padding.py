"""A paired difference's label never runs into the figures after it."""

from __future__ import annotations

import re

import pytest

from sim.runs.batch import BASELINE, Aggregate, render_summary


def _summary(metric: str, incident: str = "") -> str:
    agg = Aggregate([BASELINE, "v"])
    for rep in range(30):
        # reached in 29 of 30 baseline runs, in every run of the variant, and later
        agg.add(BASELINE, rep, incident, metric, None if rep == 0 else 60.0)
        agg.add("v", rep, incident, metric, 90.0 + rep)
    agg.finish()
    return render_summary(agg.summary())


def _lines(text: str, metric: str) -> list[str]:
    return [ln for ln in text.split("== paired differences")[1].splitlines() if metric in ln]


@pytest.mark.parametrize("metric", ["all_certs_reached_incl_control", "x" * 38, "y" * 45])
def test_a_long_label_is_followed_by_a_space(metric):
    lines = _lines(_summary(metric), metric)
    assert len(lines) == 2  # how often it happened, and the paired difference
    for line in lines:
        assert re.search(re.escape(metric) + r" +(happened|[+-]\d)", line), line


def test_a_short_label_keeps_its_column():
    metric = "first_ack"
    happened, value = _lines(_summary(metric, "phish"), metric)
    assert happened.startswith(f"  {'v':<18}{'phish first_ack':<38}happened 97% -> 100%")
    assert value.startswith(f"  {'v':<18}{'phish first_ack':<38}   +0.")
