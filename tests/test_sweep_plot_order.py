"""A sweep's values in any order: the chart's axis is labelled with the smallest and
largest value, and its line goes from left to right."""

from __future__ import annotations

import re

from scenarios import resolve_scenario_arg
from sim.analysis.plot import ascii_plot, svg_plot
from sim.cli import main

TUTORIAL = resolve_scenario_arg("tutorial")


def _axis(chart: str) -> list[str]:
    """The x-axis labels: the line under the axis' '+----' line."""
    lines = chart.splitlines()
    [i] = [k for k, ln in enumerate(lines) if ln.lstrip().startswith("+-")]
    return lines[i + 1].split()


def _polyline(svg: str) -> list[tuple[float, float]]:
    [points] = re.findall(r'<polyline points="([^"]*)"', svg)
    return [tuple(float(c) for c in p.split(",")) for p in points.split()]


def test_the_terminal_chart_is_labelled_with_the_smallest_and_largest_value():
    unordered = ascii_plot([0.3, 0.0, 0.1], {"mean": [3.0, 1.0, 2.0]})
    ordered = ascii_plot([0.0, 0.1, 0.3], {"mean": [1.0, 2.0, 3.0]})
    assert _axis(unordered) == ["0", "0.3"]
    assert unordered == ordered  # the same points in the same places


def test_the_svg_line_goes_left_to_right_whatever_the_order_of_the_values():
    xs = [0.3, 0.0, 0.1]
    series = {"mean": [3.0, 1.0, None]}
    bands = {"mean": [(2.5, 3.5), (0.5, 1.5), None]}
    svg = svg_plot(xs, series, bands)
    points = _polyline(svg)
    assert len(points) == 2 and points == sorted(points)
    assert svg == svg_plot([0.0, 0.1, 0.3], {"mean": [1.0, None, 3.0]},
                           {"mean": [(0.5, 1.5), None, (2.5, 3.5)]})
    [polygon] = re.findall(r'<polygon points="([^"]*)"', svg)
    xs_drawn = [float(p.split(",")[0]) for p in polygon.split()]
    half = len(xs_drawn) // 2
    assert xs_drawn[:half] == sorted(xs_drawn[:half])  # upper edge left to right
    assert xs_drawn[half:] == sorted(xs_drawn[half:], reverse=True)  # lower edge back


def test_a_sweep_given_out_of_order_is_drawn_in_order(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["batch", str(TUTORIAL), "-n", "6", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0.3,0,0.1", "--metric", "contained"])
    assert code == 0
    text = capsys.readouterr().out
    chart = text[text.index("sweep of channels.email.loss"):]
    assert _axis(chart) == ["0", "0.3"]
    svg = (out / "sweep.svg").read_text(encoding="utf-8")
    for series in re.findall(r'<polyline points="([^"]*)"', svg):
        xs = [float(p.split(",")[0]) for p in series.split()]
        assert xs == sorted(xs)
    # the table keeps the order the values were given in
    table = (out / "sweep.txt").read_text(encoding="utf-8").splitlines()
    assert [ln.split()[0] for ln in table[2:]] == ["0.3", "0", "0.1"]
