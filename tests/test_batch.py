"""Batch runs: reproducible whatever runs them, honest statistics, variants, resume."""

from __future__ import annotations

import json
import math
import random

import pytest

from scenarios import Scenario, load_scenario, resolve_scenario_arg
from sim.analysis.stats import EXACT_LIMIT, Running, Sample, t_value, wilson
from sim.cli import EXIT_INVALID, main
from sim.runs.batch import (
    TAPER,
    Aggregate,
    BatchConfig,
    BatchError,
    Variant,
    check_metric,
    chunk_plan,
    parse_sweep,
    parse_variant,
    render_summary,
    replication_seed,
    run_batch,
    sweep_table,
    variant_scenarios,
)

DEFAULT = resolve_scenario_arg(None)
TUTORIAL = resolve_scenario_arg("tutorial")


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEFAULT)


def batch(loaded, tmp_path, name, variants=(), **kw):
    cfg = BatchConfig(n=kw.pop("n", 12), seed=kw.pop("seed", 4), out=tmp_path / name,
                      chunk=kw.pop("chunk", 3), **kw)
    return run_batch(loaded, list(variants), cfg)


def csv_bytes(result) -> bytes:
    return (result.out / "replications.csv").read_bytes()


# --- reproducibility ---------------------------------------------------------------

def test_serial_and_parallel_give_identical_results(loaded, tmp_path):
    serial = batch(loaded, tmp_path, "serial", jobs=1)
    parallel = batch(loaded, tmp_path, "parallel", jobs=2)
    other_chunks = batch(loaded, tmp_path, "chunks", jobs=2, chunk=5)
    assert csv_bytes(serial) == csv_bytes(parallel) == csv_bytes(other_chunks)
    assert serial.summary == parallel.summary == other_chunks.summary
    assert serial.summary["replications"] == 12


def test_one_job_runs_its_chunks_in_one_worker_as_two_jobs_do_in_two(loaded, tmp_path,
                                                                     monkeypatch):
    # --jobs 1 and --jobs 2 differ only in the number of workers (benchmarks/batch_speed.py
    # compares them); a batch of one chunk runs in the command's own process
    import sim.runs.batch as batch_module

    pools = []

    class Recorded(batch_module.ProcessPoolExecutor):
        def __init__(self, *args, **kw):
            pools.append(kw["max_workers"])
            super().__init__(*args, **kw)

    monkeypatch.setattr(batch_module, "ProcessPoolExecutor", Recorded)
    one = batch(loaded, tmp_path, "one", jobs=1)
    two = batch(loaded, tmp_path, "two", jobs=2)
    single = batch(loaded, tmp_path, "single", jobs=2, n=3, chunk=3)
    assert pools == [1, 2]
    assert csv_bytes(one) == csv_bytes(two)
    assert single.summary["replications"] == 3


def test_dask_backend_matches_local(loaded, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = batch(loaded, tmp_path, "local", jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = batch(loaded, tmp_path, "dask", backend="dask",
                       scheduler=cluster.scheduler_address)
    assert csv_bytes(local) == csv_bytes(remote)
    assert local.summary == remote.summary


def test_replication_seeds_do_not_depend_on_anything_else():
    assert replication_seed(4, 7) == replication_seed(4, 7)
    assert len({replication_seed(4, i) for i in range(1000)}) == 1000
    assert replication_seed(4, 7) != replication_seed(5, 7)


def _interrupted_after(chunks: int, calls: list[int]):
    """A progress callback that records each finished chunk's size and stops the batch
    (as Ctrl-C does) once ``chunks`` have finished."""
    def progress(total, done):
        def tick(k):
            calls.append(k)
            if len(calls) == chunks:
                raise KeyboardInterrupt

        return tick

    return progress


def test_interrupted_batch_resumes_to_the_same_result(loaded, tmp_path):
    whole = batch(loaded, tmp_path, "whole", jobs=1)
    calls: list[int] = []
    cfg = BatchConfig(n=12, seed=4, out=tmp_path / "cut", chunk=3, jobs=1)
    with pytest.raises(KeyboardInterrupt):
        run_batch(loaded, [], cfg, progress=_interrupted_after(2, calls))
    chunks = sorted(p.name for p in (tmp_path / "cut" / "chunks").glob("*.csv"))
    assert len(chunks) == 2  # what finished was kept
    started_at = []

    def count(total, done):
        started_at.append(done)
        return lambda k: None

    cfg.resume = True
    resumed = run_batch(loaded, [], cfg, progress=count)
    assert started_at == [6]  # only the missing half ran
    assert csv_bytes(resumed) == csv_bytes(whole)
    assert resumed.summary == whole.summary


@pytest.mark.parametrize(("n", "size"), [(2000, 50), (1001, 50), (40, 5), (64, 8), (63, 8),
                                         (24, 3), (12, 3), (7, 4), (10, 100), (1, 1), (97, 1)])
def test_the_chunk_plan_covers_every_replication_once_and_ends_in_small_chunks(n, size):
    plan = chunk_plan(n, size)
    assert [s for s, _ in plan] == [0, *(s + c for s, c in plan[:-1])]  # contiguous
    assert sum(c for _, c in plan) == n and all(0 < c <= size for _, c in plan)
    small = -(-size // TAPER)
    if small < size and n >= 2 * TAPER * size:
        # full chunks first, then at least TAPER chunks' worth in chunks a TAPER-th the size
        tail = [c for _, c in plan if c < size]
        assert sum(tail) >= TAPER * size and max(tail) == small
        assert all(c == size for _, c in plan[: len(plan) - len(tail)])
    else:
        assert plan == [(s, min(size, n - s)) for s in range(0, n, size)]


def test_a_batch_cut_off_in_its_small_chunks_resumes_to_the_same_result(loaded, tmp_path):
    cfg = BatchConfig(n=40, seed=4, out=tmp_path / "whole", chunk=4, jobs=1)
    whole = run_batch(loaded, [], cfg)
    assert len(list((tmp_path / "whole" / "chunks").glob("*.csv"))) == len(chunk_plan(40, 4))
    calls: list[int] = []
    cut = BatchConfig(n=40, seed=4, out=tmp_path / "cut", chunk=4, jobs=1)
    with pytest.raises(KeyboardInterrupt):
        run_batch(loaded, [], cut, progress=_interrupted_after(8, calls))
    assert calls == [4] * 6 + [1] * 2  # six full chunks, then two of the small ones
    cut.resume, cut.jobs = True, 2
    resumed = run_batch(loaded, [], cut)
    assert csv_bytes(resumed) == csv_bytes(whole)
    assert resumed.summary == whole.summary


def test_resume_refuses_a_different_batch(loaded, tmp_path):
    batch(loaded, tmp_path, "b", jobs=1)
    cfg = BatchConfig(n=12, seed=99, out=tmp_path / "b", jobs=1, resume=True)
    with pytest.raises(BatchError, match=r"differs from this one.*seed"):
        run_batch(loaded, [], cfg)
    with pytest.raises(BatchError, match="already holds a batch"):
        run_batch(loaded, [], BatchConfig(n=12, out=tmp_path / "b"))


# --- variants ------------------------------------------------------------------------

def test_a_variant_that_touches_nothing_differs_by_exactly_zero(loaded, tmp_path):
    # LaoCERT plays no part in the default drill
    result = batch(loaded, tmp_path, "crn", [parse_variant(
        "laocert-24x7: actors.laocert.staffing=24/7")], jobs=1)
    diffs = [d for d in result.summary["differences"] if d["variant"] == "laocert-24x7"]
    assert diffs
    assert all(d["mean_difference"] == 0 and d["rate_difference"] == 0
               and d["rate_changed_in"] == 0 for d in diffs)
    # a value's differences are all 0; an expectation's interval is that of its change
    # in met rate, which no number of unchanged pairs narrows to nothing
    assert all(d["ci"] == [0.0, 0.0] for d in diffs if not d["metric"].endswith(".met"))
    met = [d for d in diffs if d["metric"].endswith(".met")]
    assert met and all(d["ci"] == d["rate_difference_ci"] and d["ci"][0] < 0 < d["ci"][1]
                       for d in met)


def test_a_metric_only_the_variant_reaches_shows_its_change_in_rate():
    # four replications: the baseline never contains the incident, the variant does so
    # once; first acknowledgement happens in both, 10 minutes sooner in two of four
    agg = Aggregate(["baseline", "fix"])
    for rep in range(4):
        agg.add("baseline", rep, "INC1", "contained", None)
        agg.add("fix", rep, "INC1", "contained", 120.0 if rep == 1 else None)
        agg.add("baseline", rep, "INC1", "first_ack", 30.0)
        agg.add("fix", rep, "INC1", "first_ack", 20.0 if rep < 2 else 30.0)
        agg.add("baseline", rep, "INC1", "ansac_reached", None)
        agg.add("fix", rep, "INC1", "ansac_reached", None)
    agg.finish()
    s = agg.summary()
    diffs = {d["metric"]: d for d in s["differences"]}
    contained = diffs["contained"]
    assert (contained["rate_baseline"], contained["rate_variant"]) == (0.0, 0.25)
    assert contained["rate_difference"] == 0.25 and contained["rate_changed_in"] == 1
    assert contained["pairs"] == 0 and contained["mean_difference"] is None
    # Tango's paired score interval by hand, 1 and 0 discordant pairs of 4: above 1/7
    # the constrained estimate is 0 and the upper end is Wilson's for 1 of 4, 0.69936;
    # below 0 the score is (1 - 4d) / sqrt(4 (0.25 - 0.75d - d^2)) and reaches z at the
    # negative root of (16 + 4z^2) d^2 + (3z^2 - 8) d + 1 - z^2 = 0, -0.36236
    assert contained["rate_difference_ci"] == pytest.approx([-0.36236, 0.69936], abs=1e-4)
    first = diffs["first_ack"]
    assert first["pairs"] == 4 and first["mean_difference"] == -5.0
    assert first["rate_difference"] == 0 and first["rate_difference_ci"][0] < 0
    # a metric that happened in neither has nothing to compare
    assert "ansac_reached" not in diffs
    text = render_summary(s)
    assert "INC1 contained" in text and "happened 0% -> 25%: +25.0 points [-36.2, +69.9]" in text


def test_a_variant_that_matters_shows_a_paired_difference(loaded, tmp_path):
    result = batch(loaded, tmp_path, "fix", [parse_variant(
        "mmcert-fixed: actors.mmcert.contacts.email.stale=false")], jobs=1)
    diffs = {d["metric"]: d for d in result.summary["differences"]}
    # the broadcast to mmCERT's stale address bounces or vanishes silently (a bounced
    # one is sent again at the rule's next look: it told mmCERT nothing), and with the
    # address fixed nothing does: the difference is all of the baseline's
    stale, bounced = diffs["lost.stale_contact"], diffs["messages_bounced"]
    means = {(v, m["metric"]): m["mean"] for v in ("baseline", "mmcert-fixed")
             for m in result.summary["variants"][v]["metrics"]
             if m["metric"] in ("lost.stale_contact", "messages_bounced")}
    assert means[("mmcert-fixed", "lost.stale_contact")] == 0
    assert means[("mmcert-fixed", "messages_bounced")] == 0
    before = means[("baseline", "lost.stale_contact")] + means[("baseline", "messages_bounced")]
    assert before >= 1
    assert stale["mean_difference"] + bounced["mean_difference"] == pytest.approx(-before)
    assert bounced["mean_difference"] < 0 and stale["pairs"] == bounced["pairs"] == 12
    # bounces are counted per drill, not summarised as a time in hours
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    assert any(line.split()[:3] == ["messages_bounced", "per", "drill:"]
               for line in text.splitlines())


def test_variant_values_keep_their_meaning(loaded):
    v = parse_variant("x: actors.laocert.staffing=24/7, channels.email.loss=0.2, "
                      "frameworks.ansac-coordination.rules.escalate-to-ansac.enabled=false")
    assert v.changes == (("actors.laocert.staffing", "24/7"), ("channels.email.loss", 0.2),
                         ("frameworks.ansac-coordination.rules.escalate-to-ansac.enabled", False))
    [(_, base), (_, data)] = variant_scenarios(loaded, [v])
    assert data["actors"]["laocert"]["staffing"] == "24/7"
    assert base["actors"]["laocert"]["staffing"] == "office-hours"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x: actors.laocert.stafing=24/7", "actors.laocert.stafing: no field 'actors.laocert.stafing'; "
                                           "did you mean 'actors.laocert.staffing'?"),
        ("x: actors.nobody.staffing=24/7", "no field 'actors.nobody'"),
        ("x: actors.laocert.staffing=sometimes", "actors.laocert.staffing: must be one of"),
        ("x: channels.email.loss=2", "channels.email.loss"),
    ],
)
def test_invalid_variant_gives_a_clean_error_naming_it(loaded, text, words):
    with pytest.raises(BatchError) as info:
        variant_scenarios(loaded, [parse_variant(text)])
    assert words in str(info.value) and "variant 'x'" in str(info.value)


def test_cli_reports_a_bad_variant_without_traceback(tmp_path, capsys):
    code = main(["batch", "-n", "2", "--out", str(tmp_path / "o"),
                 "--variant", "v: actors.laocert.stafing=24/7"])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID and "Traceback" not in err
    assert "variant 'v'" in err and "did you mean 'actors.laocert.staffing'?" in err
    assert not (tmp_path / "o").exists()  # nothing was run, nothing written


def test_sweep_values():
    assert [v.name for v in parse_sweep("channels.email.loss=0:0.3:0.1")] == [
        "loss=0", "loss=0.1", "loss=0.2", "loss=0.3"]
    assert parse_sweep("actors.x.staffing=24/7,office-hours")[0].changes == (
        ("actors.x.staffing", "24/7"),)


def test_cli_sweep_writes_a_table_and_a_picture(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["batch", str(TUTORIAL), "-n", "6", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0,0.5", "--metric", "contained"])
    assert code == 0
    text = capsys.readouterr().out
    assert "sweep of channels.email.loss: contained" in text
    assert "loss=0.5" in text and "|" in text  # the terminal chart
    svg = (out / "sweep.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "polyline" in svg
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["variants"]) == {"baseline", "loss=0", "loss=0.5"}


# --- statistics on known inputs -------------------------------------------------------

def test_mean_sd_and_t_interval():
    r = Running()
    for x in [2, 4, 4, 4, 5, 5, 7, 9]:
        r.add(x)
    assert r.mean == 5 and r.sd == pytest.approx(2.13809, rel=1e-5)
    lo, hi = r.mean_ci()
    assert (lo, hi) == pytest.approx((5 - 2.36462 * 2.13809 / math.sqrt(8),
                                      5 + 2.36462 * 2.13809 / math.sqrt(8)), rel=1e-3)
    assert t_value(10) == pytest.approx(2.22814, rel=1e-3)
    assert t_value(3) == pytest.approx(3.18245, rel=2e-3)
    assert t_value(1) == pytest.approx(12.7062, rel=1e-4)


def test_wilson_interval():
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), rel=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-4)


def test_exact_quantiles_and_their_interval():
    s = Sample()
    for x in range(1, 101):
        s.add(float(x))
    assert s.quantile(0.5) == 50.5 and s.quantile(0.9) == pytest.approx(90.1)
    lo, hi = s.quantile_ci(0.5)
    assert (lo, hi) == (40.0, 61.0)  # ranks 40 and 61 of 100 (normal approximation)
    assert s.summary()["max"] == 100 and s.summary()["exact_quantiles"] is True


def test_quantiles_stay_within_half_a_percent_in_bounded_memory():
    rng = random.Random(1)
    values = [rng.lognormvariate(4, 1.2) for _ in range(50_000)]
    s = Sample()
    for v in values:
        s.add(v)
    assert not s.exact and len(s._bins) < 3000  # bounded, whatever n is
    values.sort()
    for q in (0.5, 0.9, 0.95):
        exact = values[round(q * (len(values) - 1))]
        assert s.quantile(q) == pytest.approx(exact, rel=0.006)
    lo, hi = s.quantile_ci(0.5)
    assert lo <= values[len(values) // 2] <= hi
    assert s.running.mean == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_a_sample_is_exact_up_to_its_limit_and_binned_beyond():
    s = Sample()
    for v in range(EXACT_LIMIT):
        s.add(float(v))
    assert s.exact and s.quantile(0.5) == (EXACT_LIMIT - 1) / 2  # interpolated exactly
    s.add(float(EXACT_LIMIT))
    assert not s.exact and s.n == EXACT_LIMIT + 1
    # binned: within half a percent of the exact median, and the extremes are kept
    assert s.quantile(0.5) == pytest.approx(EXACT_LIMIT / 2, rel=0.005)
    assert s.quantile(1.0) == EXACT_LIMIT and s.summary()["exact_quantiles"] is False


def test_a_metric_of_one_value_is_shown_with_no_interval():
    # one replication reached it: no interval can be drawn from one value, and none of
    # no width is shown
    agg = Aggregate(["baseline", "v"])
    for rep, (base, mine) in enumerate([(60.0, 120.0), (None, None), (None, None)]):
        agg.add("baseline", rep, "x", "ansac_reached", base)
        agg.add("v", rep, "x", "ansac_reached", mine)
    agg.finish()
    s = agg.summary()
    [m] = s["variants"]["baseline"]["metrics"]
    assert m["n"] == 1 and m["mean_ci"] == [None, None] and m["median_ci"] == [None, None]
    [d] = s["differences"]
    assert d["pairs"] == 1 and d["ci"] == [None, None]
    json.dumps(s, allow_nan=False)
    text = render_summary(s)
    assert "1.00 [?, ?]" in text  # the mean, then the median
    assert "+1.000h [?, ?]  (1 pairs)" in text


def test_a_metric_unchanged_in_its_one_pair_is_counted_as_identical():
    agg = Aggregate(["baseline", "v"])
    for rep, value in enumerate([60.0, None, None]):
        agg.add("baseline", rep, "x", "ansac_reached", value)
        agg.add("v", rep, "x", "ansac_reached", value)
    agg.finish()
    text = render_summary(agg.summary())
    assert "(1 pairs)" not in text
    assert "v                 1 other metrics identical in every replication" in text


def test_a_sweep_of_a_metric_of_several_incidents_names_its_incident(tmp_path, capsys):
    scenario = load_scenario(resolve_scenario_arg("acid-supply-chain")).scenario
    incidents = sorted({i.incident.id for i in scenario.injects})
    assert len(incidents) == 2
    with pytest.raises(BatchError, match=r"measured for each of 2 incidents; name one: "
                       rf"{incidents[0]}:contained, {incidents[1]}:contained"):
        check_metric(scenario, "contained")
    check_metric(scenario, f"{incidents[0]}:contained")
    check_metric(scenario, "score")  # counted per drill: no incident to name
    # without --metric, the sweep says whose ansac_reached it shows
    out = tmp_path / "sweep"
    assert main(["batch", "acid-supply-chain", "-n", "2", "--jobs", "1", "--out", str(out),
                 "--sweep", "channels.email.loss=0,0.5"]) == 0
    table = (out / "sweep.txt").read_text()
    first = next(i.incident.id for i in scenario.injects)
    assert table.startswith(f"sweep of channels.email.loss: {first}:ansac_reached (hours)")


def test_a_sweep_of_the_score_is_in_points():
    summary = {"variants": {"s=1": {"metrics": [
        {"incident": "", "metric": "score", "n": 1, "mean": 12.0, "mean_ci": [None, None],
         "median": 12.0, "p90": 12.0, "reached": {"rate": 1.0}}]}}}
    table, _, series, bands = sweep_table(summary, [Variant("s=1", (("s", 1),))], "score")
    assert table.splitlines()[0] == "sweep of s: score (points)"
    assert series["mean"] == [12.0] and bands["mean"] == [None]


def test_variant_names_must_be_unique(loaded):
    with pytest.raises(BatchError, match="unique"):
        variant_scenarios(loaded, [Variant("a", (("channels.email.loss", 0.1),))] * 2)


def test_a_variants_file_cannot_name_a_variant_baseline(loaded, tmp_path, capsys):
    # 'baseline' is the scenario as it is: a variant of that name would be counted
    # with it, twice the replications under one name
    with pytest.raises(BatchError, match="other than 'baseline'"):
        variant_scenarios(loaded, [Variant("baseline", (("channels.email.loss", 0.9),))])
    f = tmp_path / "v.yaml"
    f.write_text("variants:\n  baseline: {channels.email.loss: 0.9}\n")
    out = tmp_path / "out"
    assert main(["batch", "-n", "2", "--variants", str(f), "--out", str(out)]) == EXIT_INVALID
    assert "other than 'baseline'" in capsys.readouterr().err
    assert not (out / "summary.json").exists()


# --- the garbage collector ---------------------------------------------------------


_NO_CYCLES = """
import gc, sys
from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.batch import replication_rows
for name in sys.argv[1:]:
    scenario = load_scenario(resolve_scenario_arg(name)).scenario
    replication_rows(scenario, 0)  # what is loaded once (calendars, lazy classes)
    gc.collect()
    gc.disable()
    for seed in range(1, 6):
        replication_rows(scenario, seed)
    print(name, gc.collect())
    gc.enable()
"""


def test_a_replication_leaves_no_cyclic_garbage():
    """What lets a task run with the collector paused: every replication (the run and
    its metrics) is freed by reference counting alone. Checked in a fresh interpreter,
    where no other test's threads make garbage meanwhile."""
    import subprocess
    import sys

    names = ["acid-botnet", "acid-hacktivism", "ocsem-law-enforcement", "apcert-outage"]
    done = subprocess.run([sys.executable, "-c", _NO_CYCLES, *names], capture_output=True,
                          text=True, check=True, timeout=120)
    assert done.stdout.split("\n")[:-1] == [f"{name} 0" for name in names], done.stdout


def test_a_task_runs_with_the_collector_paused_and_restores_it(loaded, monkeypatch):
    import gc

    from sim.runs import batch as batch_module

    states = []
    real = batch_module.replication_rows

    def watched(scenario, seed):
        states.append(gc.isenabled())
        return real(scenario, seed)

    monkeypatch.setattr(batch_module, "replication_rows", watched)
    payload = json.dumps([["base", loaded.scenario.model_dump(mode="json")]])
    assert gc.isenabled()
    rows = batch_module.run_chunk(payload, 4, 0, 3)
    assert states == [False, False, False]
    assert gc.isenabled()
    assert {r[1] for r in rows} == {0, 1, 2}


def test_replications_csv_holds_every_row_of_every_run_in_order(loaded, tmp_path):
    """The file is the header and each replication's rows, in replication order, each
    value written losslessly: what a CSV reader gets back is what the runs gave."""
    import csv

    from sim.runs.batch import ROW_FIELDS, replication_rows

    slow = parse_variant("slow: channels.email.loss=0.5")
    result = batch(loaded, tmp_path, "rows", [slow], n=7, chunk=3)
    with open(result.out / "replications.csv", newline="", encoding="utf-8") as fh:
        got = list(csv.reader(fh))
    assert got[0] == list(ROW_FIELDS)
    want = []
    scenarios = {name: Scenario.model_validate(data)
                 for name, data in variant_scenarios(loaded, [slow])}
    for rep in range(7):
        seed = replication_seed(4, rep)
        for name, scenario in scenarios.items():
            for incident, metric, value in replication_rows(scenario, seed):
                want.append([name, str(rep), str(seed), incident, metric,
                             "" if value is None else repr(float(value))])
    assert got[1:] == want
    assert csv_bytes(result).endswith(b"\r\n") and b"\r\n\r\n" not in csv_bytes(result)


def test_a_replication_is_the_run_drill_run_gives_with_its_seed(loaded, tmp_path, capsys):
    """The seed column replays a replication: `drill run --seed S` of the scenario file
    is the same run (the batch keeps the file's order of actors, channels and injects,
    which decides who goes first when two things happen at once)."""
    import csv

    result = batch(loaded, tmp_path, "replay", n=3, chunk=2)
    with open(result.out / "replications.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["replication"] == "2"]
    seed = int(rows[0]["seed"])
    assert main(["run", str(DEFAULT), "--seed", str(seed), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_metric = {(r["incident"], r["metric"]): r["value"] for r in rows}
    for inc in report["incidents"]:
        for key, metric in (("first_acknowledgement", "first_ack"),
                            ("all_affected_certs_reached", "all_certs_reached"),
                            ("ansac_reached", "ansac_reached"), ("contained", "contained")):
            timing = inc[key]
            # a figure never reached is null, or a timing whose "after" is null
            after = None if timing is None else timing["after"]
            want = "" if after is None else repr(float(after))
            assert by_metric[(inc["id"], metric)] == want, (inc["id"], metric)
    assert by_metric[("", "score")] == repr(float(report["score"]["earned"]))


def test_a_plan_that_would_pass_the_chunk_limit_is_not_cut_smaller(monkeypatch):
    from sim.runs import batch as batch_module

    assert len(chunk_plan(2000, 50)) > 40
    monkeypatch.setattr(batch_module, "MAX_CHUNKS", 40)
    assert chunk_plan(2000, 50) == [(s, 50) for s in range(0, 2000, 50)]


def test_messages_lost_to_an_outage_have_their_own_column():
    # an outage that loses what is sent: the per-reason columns add up to the total
    from sim.runs.batch import replication_rows

    data = load_scenario(resolve_scenario_arg("apcert-outage")).scenario.model_dump(mode="json")
    data["outages"][0]["effect"] = "lose"
    scenario = Scenario.model_validate(data)
    seen = 0
    for seed in range(4):
        rows = {metric: value for _, metric, value in replication_rows(scenario, seed)
                if metric == "messages_lost" or metric.startswith("lost.")}
        assert rows["messages_lost"] == sum(v for k, v in rows.items() if k != "messages_lost")
        seen += rows["lost.outage"]
    assert seen > 0
