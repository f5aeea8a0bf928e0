"""A sweep's chart of times (or counts) never runs its axis below zero.

Every figure a sweep plots is a time or a count, none below zero, and so is each
bound of its confidence band; the axis is padded above and below its values, but
never below zero: an axis labelled "-0.65" hours would show times nothing can take.
Values that do go below zero are still padded below.
"""

from __future__ import annotations

import re

from scenarios import resolve_scenario_arg
from sim.analysis.plot import ascii_plot, svg_plot
from sim.cli import main

TUTORIAL = resolve_scenario_arg("tutorial")


def _svg_axis(svg: str) -> list[float]:
    """The y axis' labels of an SVG chart (the lower panel's: numbers, not shares)."""
    return [float(v) for v in re.findall(r'text-anchor="end">(-?\d+\.\d+)</text>', svg)]


def _ascii_axis(chart: str) -> list[float]:
    """The y axis' labels of a terminal chart (the lower panel's: numbers, not shares)."""
    return [float(v) for v in re.findall(r"^ *(-?\d+\.\d\d) \|", chart, re.M)]


def test_times_from_near_zero_start_their_axis_at_zero():
    xs = [0.0, 0.2, 0.4]
    series = {"mean": [0.1, 2.0, 6.0], "median": [0.05, 1.5, 5.0]}
    bands = {"mean": [(0.0, 0.4), (1.0, 3.0), (4.0, 8.0)]}
    svg = _svg_axis(svg_plot(xs, series, bands))
    chart = _ascii_axis(ascii_plot(xs, series))
    assert min(svg) == 0.0 and max(svg) > 8.0  # still padded above
    assert min(chart) == 0.0 and max(chart) > 6.0


def test_one_value_everywhere_starts_its_axis_at_zero_too():
    xs = [0.0, 0.5]
    series = {"mean": [0.3, 0.3]}
    for labels in (_svg_axis(svg_plot(xs, series)), _ascii_axis(ascii_plot(xs, series))):
        assert min(labels) == 0.0 and max(labels) > 0.3, labels


def test_values_far_from_zero_keep_their_padding():
    xs = [0.0, 1.0]
    series = {"mean": [10.0, 20.0]}
    svg = _svg_axis(svg_plot(xs, series))
    assert (min(svg), max(svg)) == (9.5, 20.5)


def test_values_below_zero_are_still_padded_below():
    xs = [0.0, 1.0]
    series = {"mean": [-1.0, 1.0]}
    assert min(_svg_axis(svg_plot(xs, series))) < -1.0
    assert min(_ascii_axis(ascii_plot(xs, series))) < -1.0


def test_a_sweep_of_containment_times_has_no_axis_below_zero(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["batch", str(TUTORIAL), "-n", "12", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0:0.6:0.2",
                 "--metric", "phish:contained"]) == 0
    text = capsys.readouterr().out
    chart = _ascii_axis(text[text.index("sweep of channels.email.loss"):])
    svg = _svg_axis((out / "sweep.svg").read_text(encoding="utf-8"))
    assert chart and svg
    assert min(chart) >= 0 and min(svg) >= 0, (chart, svg)
