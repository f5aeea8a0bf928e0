"""A sweep of values that are not numbers is charted with the values as tick labels,
never with their places 0, 1, ...; in the SVG the labels are escaped text."""

from __future__ import annotations

import re

from scenarios import resolve_scenario_arg
from sim.analysis.plot import ascii_plot, svg_plot
from sim.cli import main
from sim.runs.batch import Variant, sweep_table

BOTNET = resolve_scenario_arg("acid-botnet")


def _axis_line(chart: str) -> str:
    lines = chart.splitlines()
    [i] = [k for k, ln in enumerate(lines) if ln.lstrip().startswith("+-")]
    return lines[i + 1]


def _ticks(svg: str) -> list[str]:
    return re.findall(r'<text x="[0-9.]+" y="378" text-anchor="middle">([^<]*)</text>', svg)


def _summary(names: list[str]) -> dict:
    metric = {"incident": "phish", "metric": "contained", "n": 2, "mean": 60.0,
              "mean_ci": [30.0, 90.0], "median": 60.0, "p90": 80.0,
              "reached": {"n": 2, "rate": 1.0, "rate_ci": [0.3, 1.0]}}
    return {"variants": {n: {"metrics": [metric]} for n in names}}


def test_the_terminal_chart_labels_text_values():
    chart = ascii_plot([0.0, 1.0], {"mean": [1.0, 2.0]}, labels=["office-hours", "24/7"])
    axis = _axis_line(chart)
    assert axis.split() == ["office-hours", "24/7"]
    assert axis.index("office-hours") < axis.index("24/7")


def test_the_terminal_chart_shows_labels_as_plain_text():
    chart = ascii_plot([0.0, 1.0], {"mean": [1.0, 2.0]}, labels=["a\x1b[31m", "b"])
    assert "\x1b" not in chart and "a\\x1b[31m" in chart


def test_many_labels_never_overlap():
    labels = [f"value-{i}" for i in range(30)]
    chart = ascii_plot([float(i) for i in range(30)], {"mean": [float(i) for i in range(30)]},
                       labels=labels)
    shown = _axis_line(chart).split()
    assert shown[0] == "value-0" and set(shown) <= set(labels)
    assert shown == sorted(shown, key=labels.index)  # in order, none cut into another


def test_the_svg_labels_text_values_escaped():
    svg = svg_plot([0.0, 1.0], {"mean": [1.0, 2.0]}, labels=["office-hours", "<b>&'\"</b>"])
    assert _ticks(svg) == ["office-hours", "&lt;b&gt;&amp;&#x27;&quot;&lt;/b&gt;"]
    assert "<b>" not in svg


def test_numbers_keep_their_numeric_axis():
    svg = svg_plot([0.0, 0.5], {"mean": [1.0, 2.0]})
    assert _ticks(svg) == ["0", "0.5"]
    assert _axis_line(ascii_plot([0.0, 0.5], {"mean": [1.0, 2.0]})).split() == ["0", "0.5"]


def test_sweep_table_gives_the_labels_of_text_values():
    sweep = [Variant("staffing=office-hours", (("actors.x.staffing", "office-hours"),)),
             Variant("staffing=24/7", (("actors.x.staffing", "24/7"),))]
    _, xs, series, _ = sweep_table(_summary([v.name for v in sweep]), sweep, "contained")
    assert xs == [0.0, 1.0]
    chart = ascii_plot(xs, series)
    assert _axis_line(chart).split() == ["office-hours", "24/7"]
    assert _ticks(svg_plot(xs, series)) == ["office-hours", "24/7"]


def test_sweep_table_of_numbers_has_no_labels():
    sweep = [Variant("loss=0.5", (("channels.email.loss", 0.5),)),
             Variant("loss=0", (("channels.email.loss", 0),))]
    _, xs, series, _ = sweep_table(_summary([v.name for v in sweep]), sweep, "contained")
    assert xs == [0.5, 0.0]
    assert _axis_line(ascii_plot(xs, series)).split() == ["0", "0.5"]


def test_cli_sweep_of_text_values(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["batch", str(BOTNET), "-n", "2", "--jobs", "1", "--out", str(out),
                 "--sweep", "actors.isp-vn.staffing=office-hours,24/7", "--metric", "contained"])
    assert code == 0
    text = capsys.readouterr().out
    chart = text[text.index("sweep of actors.isp-vn.staffing"):]
    assert _axis_line(chart).split() == ["office-hours", "24/7"]
    assert _ticks((out / "sweep.svg").read_text(encoding="utf-8")) == ["office-hours", "24/7"]
