"""Batch folders, sweeps, variant paths, summary.txt, sweep.svg and intervals:

* a batch's folder is never written over by another batch, even when its chunks were
  removed; ``--resume`` there runs them all again;
* a sweep names its values exactly (``0.1234561``, ``true``) and reads a value with two
  colons as a range only when all three parts are numbers;
* a variant path reaches an entry of a mapping whose id holds dots
  (``actors[sg.cert].staffing``);
* summary.txt never shows a change that is not 0 as 0;
* sweep.svg's numeric tick labels never overlap, and it stays valid XML;
* a Wilson interval always holds the observed rate.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.plot import ascii_plot, svg_plot
from sim.analysis.stats import Proportion, paired_score_difference, wilson
from sim.cli import main
from sim.runs.batch import (
    BASELINE,
    Aggregate,
    BatchError,
    parse_sweep,
    parse_variant,
    render_summary,
    sweep_table,
    variant_scenarios,
)

TUTORIAL = resolve_scenario_arg("tutorial")
OUTPUTS = ("manifest.json", "replications.csv", "summary.json", "summary.txt")


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("replications:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


# --- 1. a batch's folder without its chunks ---------------------------------------------


def _batch(out: Path, *extra: str) -> list[str]:
    return ["batch", str(TUTORIAL), "-n", "6", "--jobs", "1", "--chunk", "2", "--out", str(out),
            *extra]


def _remove_chunks(out: Path) -> None:
    for p in (out / "chunks").iterdir():
        p.unlink()
    (out / "chunks").rmdir()


def test_a_finished_batch_whose_chunks_were_removed_is_not_written_over(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(_batch(out)) == 0
    _remove_chunks(out)
    before = _files(out)
    capsys.readouterr()
    code = main(_batch(out, "--seed", "7", "--variant", "v: channels.email.loss=0.5"))
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2
    assert line == f"drill batch: {out}: already holds a batch; use --resume, or another --out"
    assert _files(out) == before and not (out / "chunks").exists()


def test_a_batch_killed_before_its_first_chunk_is_not_started_again_over_it(tmp_path, capsys):
    # only the manifest was written: the folder is a batch's all the same
    whole = tmp_path / "whole"
    assert main(_batch(whole)) == 0
    out = tmp_path / "b"
    out.mkdir()
    (out / "manifest.json").write_bytes((whole / "manifest.json").read_bytes())
    capsys.readouterr()
    assert main(_batch(out)) == 2
    assert "already holds a batch; use --resume" in _one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_resume_of_a_batch_whose_chunks_were_removed_runs_them_again(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(_batch(out)) == 0
    before = _files(out)
    _remove_chunks(out)
    assert main(_batch(out, "--resume")) == 0
    assert _files(out) == before
    assert len(list((out / "chunks").iterdir())) == 3
    # a different batch is refused there, as ever
    capsys.readouterr()
    _remove_chunks(out)
    assert main(_batch(out, "--seed", "7", "--resume")) == 2
    assert "the batch there differs from this one" in _one_error_line(capsys.readouterr().err)


# --- 2. sweep values -----------------------------------------------------------------------


def test_sweep_values_that_differ_past_six_digits_have_names_of_their_own():
    sweep = parse_sweep("channels.email.loss=0.1234561,0.1234562")
    assert [v.name for v in sweep] == ["loss=0.1234561", "loss=0.1234562"]
    assert [v.changes[0][1] for v in sweep] == [0.1234561, 0.1234562]
    loaded = load_scenario(TUTORIAL)
    assert len(variant_scenarios(loaded, sweep)) == 3  # no "variant names must be unique"


def test_sweep_values_are_named_as_yaml_writes_them():
    assert [v.name for v in parse_sweep("actors.mycert.contacts.email.stale=true,false")] == [
        "stale=true", "stale=false"]
    assert [v.name for v in parse_sweep("x.y=1e-7,2.5,3,0.0,null")] == [
        "y=1e-07", "y=2.5", "y=3", "y=0", "y=null"]
    # as before: a range's values, and integers
    assert [v.name for v in parse_sweep("x.y=0:0.3:0.1")] == ["y=0", "y=0.1", "y=0.2", "y=0.3"]


def test_sweep_table_shows_booleans_as_yaml_writes_them():
    sweep = parse_sweep("actors.mycert.contacts.email.stale=true,false")
    metric = {"incident": "phish", "metric": "contained", "n": 2, "mean": 60.0,
              "mean_ci": [30.0, 90.0], "median": 60.0, "p90": 80.0,
              "reached": {"n": 2, "rate": 1.0, "rate_ci": [0.3, 1.0]}}
    summary = {"variants": {v.name: {"metrics": [metric]} for v in sweep}}
    table, xs, _, _ = sweep_table(summary, sweep, "contained")
    assert [ln.split()[0] for ln in table.splitlines()[2:]] == ["true", "false"]
    assert xs.labels == ["true", "false"]


@pytest.mark.parametrize(("spec", "value"), [
    ("actors.mycert.working_hours=08:00-17:00", "08:00-17:00"),
    ("injects[id=2].at=T+01:00:00", "T+01:00:00"),
    ("drill.title=a:b:c", "a:b:c"),
])
def test_a_single_value_with_two_colons_is_not_a_range(spec, value):
    [v] = parse_sweep(spec)
    assert v.changes[0][1] == value


def test_a_working_hours_sweep_runs():
    loaded = load_scenario(TUTORIAL)
    sweep = parse_sweep("actors.mycert.working_hours=08:00-17:00")
    [_, (name, data)] = variant_scenarios(loaded, sweep)
    assert name == "working_hours=08:00-17:00"
    assert data["actors"]["mycert"]["working_hours"] == "08:00-17:00"


def test_a_range_of_numbers_is_still_checked():
    with pytest.raises(BatchError, match="start:stop:step must be finite numbers with step > 0"):
        parse_sweep("channels.email.loss=0:1:0")
    assert len(parse_sweep("channels.email.loss=0:0.5:0.01")) == 51


# --- 3. ids holding dots -------------------------------------------------------------------


@pytest.fixture(scope="module")
def dotted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dotted")
    path = folder / "dotted.yaml"
    path.write_text(TUTORIAL.read_text(encoding="utf-8").replace("singcert", "sg.cert"),
                    encoding="utf-8")
    loaded = load_scenario(path)
    assert "sg.cert" in loaded.scenario.actors
    return loaded


@pytest.mark.parametrize("path", ["actors[sg.cert].staffing", "actors[id=sg.cert].staffing",
                                  "actors['sg.cert'].staffing", "actors.sg.cert.staffing"])
def test_a_variant_reaches_an_actor_whose_id_holds_dots(dotted, path):
    [(_, base), (_, data)] = variant_scenarios(dotted, [parse_variant(f"v: {path}=24/7")])
    assert data["actors"]["sg.cert"]["staffing"] == "24/7"
    assert base["actors"]["sg.cert"]["staffing"] != "24/7"
    assert all(data["actors"][a] == base["actors"][a] for a in base["actors"] if a != "sg.cert")


def test_a_sweep_over_an_actor_whose_id_holds_dots(dotted):
    sweep = parse_sweep("actors[sg.cert].staffing=24/7,office-hours")
    assert [v.name for v in sweep] == ["staffing=24/7", "staffing=office-hours"]
    scenarios = dict(variant_scenarios(dotted, sweep))
    assert scenarios["staffing=24/7"]["actors"]["sg.cert"]["staffing"] == "24/7"


@pytest.mark.parametrize(("path", "words"), [
    ("actors[sg.cer].staffing", "no entry 'sg.cer' in actors; did you mean 'actors[sg.cert]'?"),
    ("actors.sg.cer.staffing", "did you mean 'actors[sg.cert]'?"),
    ("actors[sg.cert].staffin",
     "no field 'actors[sg.cert].staffin'; did you mean 'actors[sg.cert].staffing'?"),
])
def test_a_miss_on_an_id_holding_dots_suggests_the_bracketed_form(dotted, path, words):
    with pytest.raises(BatchError) as info:
        variant_scenarios(dotted, [parse_variant(f"v: {path}=24/7")])
    assert words in str(info.value)


# --- 4. small changes in summary.txt -------------------------------------------------------

REPS = 2100


@pytest.fixture(scope="module")
def small_changes():
    """Against the baseline, "up" happens in one more replication of 2,100, "down" in one
    fewer; E2 is met in one more (up) or one fewer (down)."""
    agg = Aggregate([BASELINE, "up", "down", "a-name-of-18-chars"])
    for rep in range(REPS):
        base = rep < 1200  # 57 %
        for variant, hit in ((BASELINE, base), ("up", base or rep == REPS - 1),
                             ("down", base and rep != 0), ("a-name-of-18-chars", base)):
            agg.add(variant, rep, "inc", "contained", 60.0 if hit else None)
            agg.add(variant, rep, "inc", "expectation.E2.met", 1.0 if hit else 0.0)
            agg.add(variant, rep, "inc", "expectation.E2.lateness", 0.0 if hit else 30.0)
    agg.finish()
    return render_summary(agg.summary())


def _diff(text: str, variant: str, metric: str, words: str = "") -> str:
    [line] = [ln for ln in text.split("== paired differences")[1].splitlines()
              if ln.split()[:1] == [variant] and f" {metric} " in ln and words in ln]
    return line


def test_a_change_of_one_replication_in_2100_is_not_shown_as_zero(small_changes):
    up = _diff(small_changes, "up", "contained", "happened")
    down = _diff(small_changes, "down", "contained", "happened")
    assert "happened 57% -> 57%: <+0.1 points [" in up
    assert "happened 57% -> 57%: >-0.1 points [" in down
    assert "0.0 points" not in up + down


def test_a_met_rate_changed_in_one_replication_in_2100_is_not_shown_as_zero(small_changes):
    up = _diff(small_changes, "up", "expectation.E2.met")
    down = _diff(small_changes, "down", "expectation.E2.met")
    assert "   <+0.001 [" in up and "(2,100 pairs)" in up
    assert "   >-0.001 [" in down
    assert "0.000 [" not in up + down


def test_other_changes_print_as_before():
    from sim.runs.batch import _change

    assert _change(0.25, 1, 100, rate=True) == "+25.0"
    assert _change(-1.0, 1, 100, rate=True) == "-100.0"
    assert _change(0.0, 1, 100, rate=True) == "+0.0"
    assert _change(0.99999, 1, 100, rate=True) == ">+99.9"
    assert _change(-0.99999, 1, 100, rate=True) == "<-99.9"
    assert _change(0.24, 3, rate=True) == "+0.240"
    assert _change(0.99995, 3, rate=True) == ">+0.999"
    assert _change(-0.0004, 3) == ">-0.001"
    assert _change(1.9996, 3) == "+2.000"  # a mean difference of a count: no bound


def test_a_long_variant_name_keeps_a_space_before_its_count(small_changes):
    [line] = [ln for ln in small_changes.splitlines() if "other metrics identical" in ln]
    assert line.split()[:2] == ["a-name-of-18-chars", "2"]


# --- 5. sweep.svg -----------------------------------------------------------------------------


def _svg_ticks(svg: str) -> list[tuple[float, str]]:
    root = ET.fromstring(svg)
    return [(float(t.get("x")), t.text or "") for t in root.iter("{http://www.w3.org/2000/svg}text")
            if t.get("y") == "378" and t.get("text-anchor") == "middle"]


@pytest.mark.parametrize("xs", [
    [round(i * 0.01, 10) for i in range(51)],
    [0.0, 0.001, 0.002, 0.003, 0.5, 0.9, 0.901, 0.902, 1.0],
    [float(i) for i in range(1000)],
    [0.1234561, 0.1234562, 0.1234563],
], ids=["51-even", "clustered", "1000", "close"])
def test_numeric_tick_labels_never_overlap_and_keep_both_ends(xs):
    svg = svg_plot(xs, {"mean": [x * 2 for x in xs]})
    ticks = _svg_ticks(svg)
    assert float(ticks[0][1]) == xs[0]
    assert float(ticks[-1][1]) == xs[-1]
    for (x1, a), (x2, b) in pairwise(ticks):
        assert x2 - 3.5 * len(b) >= x1 + 3.5 * len(a), (a, b)  # no overlap
    assert all(float(text) in xs for _, text in ticks)


def test_evenly_spaced_values_get_evenly_spaced_labels():
    xs = [round(i * 0.01, 10) for i in range(51)]
    ticks = [t for _, t in _svg_ticks(svg_plot(xs, {"mean": xs}))]
    assert ticks[0] == "0" and ticks[-1] == "0.5"
    steps = {round(float(b) - float(a), 6) for a, b in pairwise(ticks[:-1])}
    assert len(steps) == 1  # every k-th value; only the gap to the last may differ


def test_few_numeric_values_all_get_labels():
    assert [t for _, t in _svg_ticks(svg_plot([0.0, 0.1, 0.2, 0.3], {"m": [1.0] * 4}))] == [
        "0", "0.1", "0.2", "0.3"]


def test_the_terminal_chart_of_many_values_shows_both_ends_apart():
    xs = [round(i * 0.01, 10) for i in range(51)]
    chart = ascii_plot(xs, {"mean": xs})
    lines = chart.splitlines()
    [i] = [k for k, ln in enumerate(lines) if ln.lstrip().startswith("+-")]
    assert lines[i + 1].split() == ["0", "0.5"]


def test_a_long_terminal_axis_number_keeps_a_space():
    xs = [-1.2345678901234567e-300, 1.2345678901234567e-300]
    chart = ascii_plot(xs, {"m": [1.0, 2.0]}, width=20)
    [axis] = [ln for ln in chart.splitlines() if "e-300" in ln]
    assert axis.split() == [repr(x) for x in xs]


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ud800", "\x1b", "\x00"])
def test_sweep_svg_stays_valid_xml_whatever_the_values(char):
    svg = svg_plot([0.0, 1.0], {f"mean{char}": [1.0, 2.0]}, labels=[f"a{char}b", "c"],
                   title=f"t{char}", xlabel=f"x{char}", ylabel="y")
    data = svg.encode("utf-8", "surrogatepass")
    root = ET.fromstring(data)  # well-formed
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    code = ord(char)
    escaped = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    assert f"a{escaped}b" in texts and f"t{escaped}" in texts and f"mean{escaped}" in texts
    assert char not in svg


def test_a_sweep_of_a_value_holding_ufffe_writes_a_valid_svg(tmp_path, capsys):
    out = tmp_path / "s"
    code = main(["batch", str(TUTORIAL), "-n", "2", "--jobs", "1", "--out", str(out),
                 "--sweep", 'drill.title=plain,"odd\\uFFFEvalue"', "--metric", "contained"])
    assert code == 0, capsys.readouterr().err
    svg = (out / "sweep.svg").read_bytes()
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "odd\\ufffevalue" in texts


# --- 6. intervals that hold the rate -------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 10, 13, 100, 2100, 10**6])
def test_wilson_bounds_are_exact_at_0_and_100_percent(n):
    assert wilson(0, n)[0] == 0.0
    assert wilson(n, n)[1] == 1.0
    assert 0.0 < wilson(0, n)[1] < 1.0 and 0.0 < wilson(n, n)[0] < 1.0


def test_wilson_always_holds_the_rate():
    for n in range(1, 300):
        for k in range(n + 1):
            lo, hi = wilson(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0, (k, n, lo, hi)
    for confidence in (0.8, 0.99, 0.999):
        for n, k in ((7, 0), (7, 7), (2100, 1), (2100, 2099)):
            lo, hi = wilson(k, n, confidence)
            assert lo <= k / n <= hi


def test_a_proportion_that_always_happened_has_an_interval_up_to_1():
    p = Proportion(hits=13, n=13)
    assert p.summary()["rate_ci"][1] == 1.0
    assert Proportion(hits=0, n=5).summary()["rate_ci"][0] == 0.0


def test_tangos_interval_always_holds_the_difference():
    for n in range(1, 40):
        for b in range(n + 1):
            for c in range(n - b + 1):
                d, (lo, hi) = paired_score_difference(b, c, n)
                assert -1.0 <= lo <= d <= hi <= 1.0, (b, c, n, lo, d, hi)

