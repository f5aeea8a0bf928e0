"""Batch results as a reader sees them: a sweep's chart says how many runs reached the
milestone at each value and marks the values never reached; an expectation's lateness is
compared over the same replications as its met rate; summary.txt lists expectations
and law-enforcement stages in the scenario's order; a count's interval never goes below
0; and ``drill new`` refuses a name too long for an id."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.plot import ascii_plot, svg_plot
from sim.cli import main
from sim.runs.batch import BASELINE, Aggregate, render_summary

TUTORIAL = resolve_scenario_arg("tutorial")
SVG = "{http://www.w3.org/2000/svg}"


def _chart(text: str) -> list[str]:
    """The lines of the terminal chart of a sweep (after its table)."""
    lines = text[text.index("sweep of "):].splitlines()
    return lines[lines.index(""):]


# --- 1. the sweep chart -----------------------------------------------------------------


def test_a_sweep_chart_shows_how_many_runs_reached_it_and_marks_values_never_reached(
        tmp_path, capsys):
    out = tmp_path / "sw"
    # every e-mail lost: the phishing site is never taken down
    assert main(["batch", str(TUTORIAL), "-n", "6", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0,1", "--metric", "contained"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    [never] = [m for m in summary["variants"]["loss=1"]["metrics"]
               if m["metric"] == "contained"]
    assert never["n"] == 0
    [some] = [m for m in summary["variants"]["loss=0"]["metrics"] if m["metric"] == "contained"]
    reached = some["n"]
    assert 0 < reached < 6

    chart = _chart(capsys.readouterr().out)
    text = "\n".join(chart)
    # the share of runs, for every value: a panel of its own, from 0 % to 100 %
    assert "share of the 6 runs that reached it" in text
    [caption] = [k for k, ln in enumerate(chart) if "share of the 6 runs" in ln]
    strip = chart[caption + 1:caption + 6]
    assert strip[0].startswith("     100% |") and strip[-1].startswith("       0% |")
    bottom = strip[-1]
    [axis] = [k for k, ln in enumerate(chart) if ln.lstrip().startswith("+-")]
    # loss=1: 0 % of runs, drawn at 0 %, right of loss=0's point
    [one] = [i for i, ch in enumerate(bottom) if ch == "#"]
    [zero] = [ln.index("#") for ln in strip[:-1] if "#" in ln]  # loss=0: above 0 %
    assert zero < one
    # the value never reached is marked at its place, and the legend says what the mark is
    assert chart[axis - 1][one] == "x"
    assert "x never reached" in chart[axis + 2]
    assert "contained (hours), over the runs that reached it" in text

    svg = ET.fromstring((out / "sweep.svg").read_bytes())
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert f"0: {reached} of 6 runs reached it" in titles
    assert "1: 0 of 6 runs reached it" in titles
    assert "1: never reached" in titles
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert "share of the 6 runs that reached it (%)" in texts
    assert any("over the runs that reached it" in "".join(t.itertext())
               for t in svg.iter(f"{SVG}text"))


def test_a_mark_on_another_is_drawn_as_both_and_the_legend_says_so():
    chart = ascii_plot([0.0, 1.0], {"mean": [2.0, 3.0], "median": [2.0, 1.0]})
    lines = chart.splitlines()
    assert "@" in "".join(lines[:-3]) and "*" in chart and "o" in chart
    assert "@ mean and median at one place" in lines[-1]
    # no legend entry when no marks meet
    apart = ascii_plot([0.0, 1.0], {"mean": [2.0, 3.0], "median": [1.0, 1.0]})
    assert "@" not in apart


def test_svg_markers_of_one_place_stay_visible():
    svg = ET.fromstring(svg_plot([0.0, 1.0], {"mean": [2.0, 3.0], "median": [2.0, 3.0]}))
    circles = list(svg.iter(f"{SVG}circle"))
    first = [c for c in circles if c.get("fill") not in (None, "none")]
    second = [c for c in circles if c.get("fill") == "none"]
    # the median's marker is a ring around the mean's dot: neither hides the other
    assert len(first) >= 2 and len(second) >= 2
    assert {(c.get("cx"), c.get("cy")) for c in first[:2]} == {
        (c.get("cx"), c.get("cy")) for c in second[:2]}
    assert all(float(c.get("r", "0")) > float(first[0].get("r", "0")) for c in second)


# --- 2. an expectation's lateness is compared where its met rate is -------------------


def test_lateness_is_compared_over_the_replications_where_the_expectation_was_in_play():
    agg = Aggregate([BASELINE, "long"])
    for rep in range(10):
        if rep < 6:  # its incident never opened: not in play on either side
            for side in (BASELINE, "long"):
                agg.add(side, rep, "phish2", "expectation.E5.not_in_play", 1.0)
            continue
        agg.add(BASELINE, rep, "phish2", "expectation.E5.met", 0.0)  # late
        agg.add(BASELINE, rep, "phish2", "expectation.E5.lateness", 30.0)
        agg.add("long", rep, "phish2", "expectation.E5.met", None)  # not yet due
        agg.add("long", rep, "phish2", "expectation.E5.lateness", None)
    agg.finish()
    diffs = {d["metric"]: d for d in agg.summary()["differences"]}
    met, late = diffs["expectation.E5.met"], diffs["expectation.E5.lateness"]
    # lateness: there in all 4 replications in play for the baseline, in none for the variant
    assert late["rate_baseline"] == 1.0 and late["rate_variant"] == 0.0
    assert late["rate_difference"] == -1.0
    assert late["rate_changed_in"] == 4
    # over the same replications as the met rate (4, not 10)
    assert met["rate_baseline"] == met["rate_variant"] == 0.0
    assert late["rate_difference_ci"][1] < 0


# --- 3. order and intervals in summary.txt ------------------------------------------------


def test_summary_lists_expectations_and_stages_in_the_scenario_order(tmp_path, capsys):
    out = tmp_path / "sc"
    assert main(["batch", "acid-supply-chain", "-n", "2", "--jobs", "1",
                 "--out", str(out)]) == 0
    text = (out / "summary.txt").read_text(encoding="utf-8")
    assert capsys.readouterr().out == text
    baseline = text[text.index("== baseline"):text.index("\n\n", text.index("== baseline"))]
    shown = re.findall(r"^    (E\d+) ", baseline, re.M)
    scenario = load_scenario(resolve_scenario_arg("acid-supply-chain")).scenario
    assert shown == [x.id for x in scenario.expectation_units()]
    assert shown[:3] == ["E1", "E2", "E3"] and shown[-1] == "E10"
    stages = re.findall(r"^  ransomware (le\.\S+)", baseline, re.M)
    assert stages == ["le.cert_to_police", "le.preservation", "le.police_to_channel",
                      "le.police_to_foreign_police", "le.police_to_central_authority",
                      "le.mla", "le.end_to_end"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [x["expectation"] for x in summary["variants"][BASELINE]["expectations"]] == shown


def test_paired_differences_come_in_the_order_of_the_variants_and_expectations():
    sweep = ["latency=30m", "latency=1h", "latency=3h"]
    agg = Aggregate([BASELINE, *sweep])
    for rep in range(4):
        for side in (BASELINE, *sweep):
            late = side != BASELINE and rep % 2 == 0
            for ident in ("E10", "E2"):
                agg.add(side, rep, "inc", f"expectation.{ident}.met", 0.0 if late else 1.0)
                agg.add(side, rep, "inc", f"expectation.{ident}.lateness",
                        30.0 if late else 0.0)
    agg.finish()
    text = render_summary(agg.summary())
    changes = re.findall(r"^  (latency=\S+)\s+inc (expectation\.E\d+)\.met", text, re.M)
    assert changes == [(v, f"expectation.{e}") for v in sweep for e in ("E2", "E10")]


def test_an_interval_of_a_count_never_goes_below_zero():
    agg = Aggregate([BASELINE])
    for rep, lost in enumerate([0.0, 0.0, 0.0, 1.0]):
        agg.add(BASELINE, rep, "", "lost.channel_failure", lost)
        agg.add(BASELINE, rep, "inc", "first_ack", [1.0, 2.0, 3.0, 240.0][rep])
    agg.finish()
    summary = agg.summary()
    metrics = {m["metric"]: m for m in summary["variants"][BASELINE]["metrics"]}
    lo, hi = metrics["lost.channel_failure"]["mean_ci"]
    assert lo == 0.0 and hi > 0.25
    assert metrics["first_ack"]["mean_ci"][0] == 0.0
    text = render_summary(summary)
    assert "lost.channel_failure     per drill: mean 0.25 [0.00, " in text
    assert "[-" not in text


# --- 4. drill new ----------------------------------------------------------------------------


def test_drill_new_refuses_a_name_too_long_for_an_id(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = "d" * 65
    assert main(["new", name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "65 characters" in err and "at most 64" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["new", f"drafts/{name}.yaml"]) == 2  # the id is the file's name
    assert list(tmp_path.iterdir()) == []
    fits = "d" * 64
    assert main(["new", fits]) == 0
    assert load_scenario(tmp_path / f"{fits}.yaml").scenario.drill.id == fits
