""""Every affected CERT reached" does not apply to an incident whose affected countries
have no CERT in the drill: `drill run` says "no affected CERT in this drill", and a
batch counts such a run as not applicable, not as a run that never reached them. It
is left out of the rate and of the paired comparison, shown as "n/a", and counted in
summary.json (``not_applicable``), however the runs are chunked.

The hand-computed drill, with the incident affecting Malaysia only, which has no CERT
in it; the variant ``mycert`` makes cert-b Malaysian, so that it has one.
"""

from __future__ import annotations

import csv
import json
import math
from typing import Any

import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st
from test_batch_tally import merged_in_chunks  # chunked as the workers chunk

from scenarios import Scenario
from sim.analysis.metrics import compute
from sim.cli import main
from sim.engine import Engine
from sim.runs.batch import (
    BASELINE,
    Aggregate,
    BatchConfig,
    parse_variant,
    render_summary,
    replication_rows,
    replication_seed,
    run_batch,
    variant_scenarios,
)

N = 6
SEED = 2
FIGURES = ("all_certs_reached", "all_certs_reached_incl_control")
MYCERT = "mycert: actors.cert-b.country=MY"


def _no_cert_affected(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"][0]["incident"]["affected"] = ["MY"]
    return data


@pytest.fixture
def no_cert(scenario_data, load):
    return load(_no_cert_affected(scenario_data))


def _metric(summary: dict, variant: str, metric: str) -> dict:
    [m] = [m for m in summary["variants"][variant]["metrics"]
           if (m["incident"], m["metric"]) == ("x", metric)]
    return m


def _strict_json(text: str) -> Any:
    """JSON as other programs read it: NaN and Infinity are not JSON."""
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in summary.json")

    return json.loads(text, parse_constant=refuse)


def _batch(loaded, tmp_path, name, variants=(), **kw):
    cfg = BatchConfig(n=kw.pop("n", N), seed=SEED, out=tmp_path / name,
                      chunk=kw.pop("chunk", 2), jobs=kw.pop("jobs", 1), **kw)
    return run_batch(loaded, [parse_variant(v) for v in variants], cfg)


# --- the rows ---------------------------------------------------------------------


def test_a_run_with_no_affected_cert_has_a_not_applicable_row(no_cert):
    seed = replication_seed(SEED, 0)
    [inc] = compute(Engine(no_cert.scenario, seed=seed).run())["incidents"]
    assert inc["all_affected_certs_reached"]["of"] == 0  # what `drill run` says
    rows = {metric: value for incident, metric, value in replication_rows(no_cert.scenario, seed)
            if incident == "x"}
    for figure in FIGURES:
        assert rows[f"{figure}.not_applicable"] == 1.0
        assert figure not in rows  # neither reached nor missed
    assert "first_ack" in rows and "first_ack.not_applicable" not in rows


# --- the summary --------------------------------------------------------------------


def test_the_summary_says_not_applicable_not_zero_percent(no_cert, tmp_path):
    result = _batch(no_cert, tmp_path, "b", [MYCERT])
    on_disk = _strict_json((result.out / "summary.json").read_text(encoding="utf-8"))
    for summary in (result.summary, on_disk):
        for figure in FIGURES:
            base = _metric(summary, BASELINE, figure)
            assert base["not_applicable"] == N
            assert base["reached"] == {"n": 0, "rate": None, "rate_ci": [None, None]}
            assert "mean" not in base
            # with a Malaysian CERT the figure applies in every run
            mine = _metric(summary, "mycert", figure)
            assert mine["not_applicable"] == 0 and mine["reached"]["n"] == N
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    baseline = text.split("== mycert")[0]
    for figure in FIGURES:
        [line] = [ln for ln in baseline.splitlines() if ln.strip().startswith(f"x {figure} ")]
        assert line.split()[2] == "n/a", line
        assert "%" not in line
        assert line.endswith(f"not applicable in {N}: no affected CERT in this drill")


def test_a_variant_that_adds_a_cert_shows_no_spurious_change(no_cert, tmp_path):
    result = _batch(no_cert, tmp_path, "b", [MYCERT])
    # what `drill run --seed` gives the variant's runs
    reached = dict.fromkeys(FIGURES, 0)
    [data] = [d for name, d in variant_scenarios(no_cert, [parse_variant(MYCERT)])
              if name == "mycert"]
    for rep in range(N):
        [inc] = compute(Engine(Scenario.model_validate(data),
                               seed=replication_seed(SEED, rep)).run())["incidents"]
        for figure in FIGURES:
            reached[figure] += inc[figure.replace("certs", "affected_certs")]["at"] is not None
    assert reached["all_certs_reached"] > 0, "the variant should reach its Malaysian CERT"
    for figure in FIGURES:
        mine = _metric(result.summary, "mycert", figure)
        assert mine["reached"]["rate"] == pytest.approx(reached[figure] / N)
        # not applicable in the baseline: nothing to compare it with
        assert not [d for d in result.summary["differences"] if d["metric"] == figure]
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    differences = text.split("== paired differences")[1]
    assert "all_certs_reached" not in differences


def test_one_job_and_two_give_the_same_folder(no_cert, tmp_path):
    one = _batch(no_cert, tmp_path, "one", [MYCERT], jobs=1)
    two = _batch(no_cert, tmp_path, "two", [MYCERT], jobs=2)
    for name in ("replications.csv", "summary.json", "summary.txt", "manifest.json",
                 "chunks.sha256"):
        assert (one.out / name).read_bytes() == (two.out / name).read_bytes(), name
    with open(one.out / "replications.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    marked = [r for r in rows if r["metric"] in {f"{f}.not_applicable" for f in FIGURES}]
    assert {(r["variant"], r["metric"], r["value"]) for r in marked} == {
        (BASELINE, f"{f}.not_applicable", "1.0") for f in FIGURES}
    assert len(marked) == 2 * N


def test_chunks_of_the_version_before_not_applicable_rows_are_not_resumed(
        no_cert, tmp_path, capsys):
    # their rows gave such a run as never reached: mixing them would miscount it
    out = tmp_path / "b"
    _batch(no_cert, tmp_path, "b")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["version"] = 6
    (out / "manifest.json").write_text(json.dumps(manifest))
    code = main(["batch", str(no_cert.path), "-n", str(N), "--seed", str(SEED), "--jobs", "1",
                 "--chunk", "2", "--out", str(out), "--resume"])
    assert code == 2
    assert "was written by an earlier version of acid-drill" in capsys.readouterr().err


def test_a_sweep_table_says_n_a_where_it_does_not_apply(scenario_data, tmp_path):
    path = write(tmp_path, _no_cert_affected(scenario_data), "no-cert.yaml")
    out = tmp_path / "s"
    assert main(["batch", str(path), "-n", "3", "--jobs", "1", "--out", str(out),
                 "--sweep", "actors.cert-b.country=TH,MY", "--metric",
                 "all_certs_reached_incl_control"]) == 0
    table = (out / "sweep.txt").read_text(encoding="utf-8").splitlines()
    [thai] = [ln for ln in table if ln.split()[:1] == ["TH"]]
    assert thai.split()[1:] == ["n/a"]
    [malaysian] = [ln for ln in table if ln.split()[:1] == ["MY"]]
    assert malaysian.split()[1] == "100%"


# --- the tally ----------------------------------------------------------------------

VARIANTS = [BASELINE, "fix"]
#: "every affected CERT reached" in a run: never (None), a time, or not applicable
OUTCOME = st.sampled_from([None, 30.0, 90.0, "n/a"])


def _rows(rep: int, variant: str, outcome) -> list[tuple]:
    rows = [(variant, rep, 0, "x", "first_ack", 10.0)]
    if outcome == "n/a":
        return [*rows, (variant, rep, 0, "x", "all_certs_reached.not_applicable", 1.0)]
    return [*rows, (variant, rep, 0, "x", "all_certs_reached", outcome)]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.tuples(OUTCOME, OUTCOME), min_size=1, max_size=12),
       st.lists(st.integers(1, 12)))
def test_tallies_count_not_applicable_apart_however_the_runs_are_chunked(reps, cuts):
    rows = [row for r, pair in enumerate(reps)
            for variant, outcome in zip(VARIANTS, pair, strict=True)
            for row in _rows(r, variant, outcome)]
    one_by_one = Aggregate(VARIANTS)
    for variant, rep, _seed, incident, metric, value in rows:
        one_by_one.add(variant, rep, incident, metric, value)
    one_by_one.finish()
    summary = merged_in_chunks(rows, len(reps), cuts, VARIANTS).summary()
    assert json.dumps(summary, sort_keys=True) == json.dumps(one_by_one.summary(),
                                                              sort_keys=True)
    _strict_json(json.dumps(summary))
    for k, variant in enumerate(VARIANTS):
        outcomes = [pair[k] for pair in reps]
        m = _metric(summary, variant, "all_certs_reached")
        applies = [o for o in outcomes if o != "n/a"]
        hit = [o for o in applies if o is not None]
        assert m["not_applicable"] == outcomes.count("n/a")
        assert m["reached"]["n"] == len(applies)
        assert m["reached"]["rate"] == (len(hit) / len(applies) if applies else None)
        assert m.get("n", 0) == len(hit)
        assert "not_applicable" not in _metric(summary, variant, "first_ack")
    both = [(b, f) for b, f in reps if "n/a" not in (b, f)]
    diffs = [d for d in summary["differences"] if d["metric"] == "all_certs_reached"]
    happened = [(b is not None, f is not None) for b, f in both]
    if not any(b or f for b, f in happened):
        assert not diffs
        return
    [d] = diffs
    assert d["rate_baseline"] == sum(b for b, _ in happened) / len(both)
    assert d["rate_variant"] == sum(f for _, f in happened) / len(both)
    assert d["rate_changed_in"] == sum(b != f for b, f in happened)
    assert d["pairs"] == sum(b and f for b, f in happened)
    text = render_summary(summary)
    assert "nan" not in text.lower()


def test_a_figure_that_applies_in_some_runs_only_is_shown_over_those(tmp_path):
    agg = Aggregate(VARIANTS)
    for rep in range(10):
        outcome = "n/a" if rep < 4 else 60.0 if rep < 7 else None
        for variant in VARIANTS:
            for row in _rows(rep, variant, outcome):
                agg.add(*row[:2], *row[3:])
    agg.finish()
    summary = agg.summary()
    m = _metric(summary, BASELINE, "all_certs_reached")
    assert (m["not_applicable"], m["reached"]["n"], m["reached"]["rate"]) == (4, 6, 0.5)
    assert not math.isnan(m["mean"])
    [line] = [ln for ln in render_summary(summary).split("== fix")[0].splitlines()
              if ln.strip().startswith("x all_certs_reached ")]
    assert line.split()[2] == "50%"
    assert line.endswith("over 6 runs; not applicable in 4: no affected CERT in this drill")
