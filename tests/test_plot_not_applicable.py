"""A sweep's chart shows a value where the figure applied in no run as not applicable,
as its table says "n/a": no share of runs, no "never reached" mark, and a legend that
says n/a, in the terminal chart and in sweep.svg alike.

The hand-computed drill with its incident affecting Malaysia only: swept over cert-b's
country, "every affected CERT reached" applies in no run at TH (no Malaysian CERT in
the drill) and in every run at MY.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from conftest import write

from sim.analysis.plot import ascii_plot, svg_plot
from sim.cli import main

SVG = "{http://www.w3.org/2000/svg}"
N = 3


def _no_cert_affected(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"][0]["incident"]["affected"] = ["MY"]
    return data


def _chart(text: str) -> list[str]:
    """The terminal chart of a sweep: the lines after its table."""
    lines = text[text.index("sweep of "):].splitlines()
    return lines[lines.index(""):]


def _panel(chart: list[str]) -> list[str]:
    """The rows of the terminal chart's share panel (100 % to 0 %)."""
    [caption] = [k for k, ln in enumerate(chart) if "that reached it" in ln and "#" in ln]
    return chart[caption + 1:caption + 6]


def _svg(text: str) -> tuple[list[str], list[str]]:
    """The tooltips and the texts of an SVG chart."""
    svg = ET.fromstring(text)
    return ([t.text or "" for t in svg.iter(f"{SVG}title")],
            ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")])


def test_the_sweep_chart_shows_a_value_where_it_applied_in_no_run_as_n_a(
        scenario_data, tmp_path, capsys):
    path = write(tmp_path, _no_cert_affected(scenario_data), "no-cert.yaml")
    out = tmp_path / "s"
    assert main(["batch", str(path), "-n", str(N), "--jobs", "1", "--out", str(out),
                 "--sweep", "actors.cert-b.country=TH,MY", "--metric",
                 "all_certs_reached_incl_control"]) == 0
    chart = _chart(capsys.readouterr().out)
    [axis] = [k for k, ln in enumerate(chart) if ln.lstrip().startswith("+-")]
    ticks = chart[axis + 1]
    # each label centred on its column: its second character is in it
    th, my = ticks.index("TH") + 1, ticks.index("MY") + 1
    panel = _panel(chart)
    # MY: reached in every run, a share at 100 %; TH: no share drawn at all
    assert panel[0][my] == "#"
    assert all(row[th] != "#" for row in panel), "\n".join(panel)
    # nor marked as never reached
    assert "x" not in chart[axis - 1] and "never reached" not in "\n".join(chart)
    legend = chart[axis + 2:]
    assert any("n/a at TH" in ln for ln in legend), "\n".join(legend)

    titles, texts = _svg((out / "sweep.svg").read_text(encoding="utf-8"))
    assert "TH: never reached" not in titles and "never reached" not in texts
    assert not any(t.startswith("TH: 0 of") for t in titles)  # no share point
    assert f"MY: {N} of {N} runs reached it" in titles
    assert any("n/a at TH" in t for t in texts), texts


def test_a_chart_beside_a_value_never_reached_keeps_its_mark():
    # 2 applied in no run, 3 in 4 runs that never reached it, 1 in 4 that all did
    xs, series = [1.0, 2.0, 3.0], {"mean": [1.5, None, None]}
    reached = [(4, 4), (0, 0), (0, 4)]
    chart = ascii_plot(xs, series, reached=reached).splitlines()
    [axis] = [k for k, ln in enumerate(chart) if ln.lstrip().startswith("+-")]
    assert chart[axis - 1].count("x") == 1  # at 3 only
    assert "x never reached" in chart[-1] and "n/a at 2" in chart[-1]
    # one share drawn at 100 % (1) and one at 0 % (3): none at 2
    panel = _panel(chart)
    assert "".join(panel).count("#") == 2
    titles, texts = _svg(svg_plot(xs, series, reached=reached))
    assert "3: never reached" in titles and "2: never reached" not in titles
    assert "3: 0 of 4 runs reached it" in titles
    assert not any(t.startswith("2: 0 of") for t in titles)
    assert any("n/a at 2" in t for t in texts)


def test_a_metric_no_value_applied_to_says_so_rather_than_plotting_nothing(tmp_path, capsys):
    # the tutorial drill has no central authorities: the MLA request applies nowhere
    out = tmp_path / "s"
    assert main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0,0.5", "--metric", "le.mla"]) == 0
    text = capsys.readouterr().out
    table = (out / "sweep.txt").read_text(encoding="utf-8").splitlines()
    assert [ln.split()[1:] for ln in table[2:]] == [["n/a"], ["n/a"]]
    chart = _chart(text)
    assert "#" not in "\n".join(chart) and "never reached" not in "\n".join(chart)
    assert any("n/a at every value" in ln for ln in chart), "\n".join(chart)
    titles, texts = _svg((out / "sweep.svg").read_text(encoding="utf-8"))
    assert not any("never reached" in t for t in titles + texts)
    assert any("n/a at every value" in t for t in texts), texts


def test_a_sweep_of_a_drill_without_a_council_charts_the_cert_reach_by_default(tmp_path, capsys):
    """The default metric of a sweep is when the regional council is reached; a drill
    without one charts when every affected CERT is reached instead of a chart of n/a."""
    out = tmp_path / "sweep"
    assert main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0,0.5"]) == 0
    table = (out / "sweep.txt").read_text(encoding="utf-8")
    assert "all_certs_reached" in table and "ansac_reached" not in table
    assert "nothing to plot" not in capsys.readouterr().out
