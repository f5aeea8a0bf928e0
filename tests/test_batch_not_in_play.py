"""An expectation counted from an inject that was skipped never came into play: a batch
says so (a row of its own, a count in the summary) and leaves it out of the met rate
and its denominator, as `drill run` leaves it out of the score."""

from __future__ import annotations

import csv
import json

import pytest
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

N = 12
SEED = 4


def _scenario(data: dict, *, mixed: bool) -> dict:
    """E1: cert-a acknowledges inject 1 within the hour; inject N goes to cert-b at
    T+05:00 only if E1 was missed, and E9 counts from it; E8 is due after the drill's
    end (open, though in play). ``mixed``: cert-a takes 20 to 100 minutes, so E1 is
    missed in some runs and E9 in play in those only; otherwise E1 is always met and
    E9 never in play."""
    if mixed:
        data["actors"]["cert-a"]["policy"]["ack_delay"] = {
            "dist": "uniform", "low": "20m", "high": "100m"}
    data["injects"].append(
        {"id": "N", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Nudge", "when": {"missed": ["E1"]}, "incident": {"id": "x"}})
    data["expectations"] += [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "1", "score": 5},
        {"id": "E8", "actors": ["council"], "action": "takedown", "incident": "x",
         "within": "3d", "after": "1"},
        {"id": "E9", "actors": ["cert-b"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "N", "score": 7},
    ]
    return data


@pytest.fixture
def never(scenario_data, load):
    return load(_scenario(scenario_data, mixed=False))


@pytest.fixture
def mixed(scenario_data, load):
    return load(_scenario(scenario_data, mixed=True))


def _rows(result) -> list[dict]:
    with open(result.out / "replications.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _entry(summary: dict, variant: str, expectation: str) -> dict:
    [x] = [x for x in summary["variants"][variant]["expectations"]
           if x["expectation"] == expectation]
    return x


def _batch(loaded, tmp_path, name, variants=(), **kw):
    cfg = BatchConfig(n=kw.pop("n", N), seed=SEED, out=tmp_path / name,
                      chunk=kw.pop("chunk", 5), jobs=kw.pop("jobs", 1), **kw)
    return run_batch(loaded, list(variants), cfg)


# --- the rows ---------------------------------------------------------------------


def test_a_skipped_expectation_has_a_not_in_play_row_instead_of_an_open_one(never):
    seed = replication_seed(SEED, 0)
    metrics = compute(Engine(never.scenario, seed=seed).run())
    [e9] = [x for x in metrics["expectations"] if x["id"] == "E9"]
    assert e9.get("skipped") == "N"  # what `drill run` says: not in play
    rows = {metric: value for _, metric, value in replication_rows(never.scenario, seed)}
    assert rows["expectation.E9.not_in_play"] == 1.0
    assert "expectation.E9.met" not in rows and "expectation.E9.lateness" not in rows
    # in play: the rows they always had (E8 open at the end, E1 met)
    assert (rows["expectation.E8.met"], rows["expectation.E8.lateness"]) == (None, None)
    assert (rows["expectation.E1.met"], rows["expectation.E1.lateness"]) == (1.0, 0.0)
    assert not any(m.endswith(".not_in_play") for m in rows if "E9" not in m)


# --- the summary --------------------------------------------------------------------


def test_an_expectation_never_in_play_is_counted_as_such_not_as_open(never, tmp_path):
    result = _batch(never, tmp_path, "b")
    e9 = _entry(result.summary, BASELINE, "E9")
    assert (e9["n"], e9["open"], e9["not_in_play"]) == (0, 0, N)
    assert e9["rate"] is None and e9["rate_ci"] == [None, None]
    e8 = _entry(result.summary, BASELINE, "E8")  # open at the end: still open
    assert (e8["n"], e8["open"], e8["not_in_play"]) == (0, N, 0)
    assert _entry(result.summary, BASELINE, "E1")["not_in_play"] == 0
    on_disk = json.loads((result.out / "summary.json").read_text(encoding="utf-8"))
    assert _entry(on_disk, BASELINE, "E9")["not_in_play"] == N
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith("E9")]
    assert line.endswith(f"never decided: not in play in {N}")
    assert "still open" not in line
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith("E8")]
    assert line.endswith(f"never decided: still open at the end in all {N}")


def test_rates_leave_out_the_runs_where_it_was_not_in_play(mixed, tmp_path):
    late = parse_variant("late: expectations[id=E9].within=5m")
    result = _batch(mixed, tmp_path, "b", [late])
    # what each run gives, as `drill run --seed` gives it
    expect: dict[str, dict[str, list]] = {}
    pairs = met_base = met_late = 0
    for name, data in variant_scenarios(mixed, [late]):
        scenario = Scenario.model_validate(data)
        for rep in range(N):
            m = compute(Engine(scenario, seed=replication_seed(SEED, rep)).run())
            [e9] = [x for x in m["expectations"] if x["id"] == "E9"]
            expect.setdefault(name, {}).setdefault("status", []).append(
                "skipped" if "skipped" in e9 else e9["status"])
    for base, mine in zip(expect[BASELINE]["status"], expect["late"]["status"], strict=True):
        if "skipped" not in (base, mine):
            pairs += 1
            met_base += base == "met"
            met_late += mine == "met"
    assert met_base > met_late == 0  # in play, met in the baseline, late in the variant
    for name in (BASELINE, "late"):
        statuses = expect[name]["status"]
        skipped = statuses.count("skipped")
        assert 0 < skipped < N, "the scenario should put E9 in play in some runs only"
        e9 = _entry(result.summary, name, "E9")
        decided = [s for s in statuses if s in ("met", "missed", "late")]
        assert (e9["n"], e9["open"], e9["not_in_play"]) == (
            len(decided), statuses.count("open"), skipped)
        assert e9["n"] + e9["open"] + e9["not_in_play"] == N
        assert e9["rate"] == pytest.approx(decided.count("met") / len(decided))
    # the paired comparison is over the runs where it was in play in both
    [diff] = [d for d in result.summary["differences"] if d["metric"] == "expectation.E9.met"]
    assert diff["pairs"] == pairs
    assert diff["rate_baseline"] == pytest.approx(met_base / pairs)
    assert diff["rate_variant"] == pytest.approx(met_late / pairs)
    assert diff["mean_difference"] == pytest.approx((met_late - met_base) / pairs)
    assert diff["rate_difference"] == pytest.approx(diff["mean_difference"])
    baseline = render_summary(result.summary).split("== late")[0]
    skipped = expect[BASELINE]["status"].count("skipped")
    [line] = [ln for ln in baseline.splitlines() if ln.strip().startswith("E9")]
    assert line.endswith(f"  of {N - skipped} decided; not in play in {skipped}")
    # the row says so, in every run where it was skipped
    rows = _rows(result)
    nip = [int(r["replication"]) for r in rows
           if r["variant"] == BASELINE and r["metric"] == "expectation.E9.not_in_play"]
    assert nip == [i for i, s in enumerate(expect[BASELINE]["status"]) if s == "skipped"]
    assert all(r["value"] == "1.0" for r in rows if r["metric"].endswith(".not_in_play"))


def test_a_variant_that_brings_it_into_play_is_not_compared_with_a_baseline_without_it(
        never, tmp_path):
    always = parse_variant("always: injects[id=N].when=null")
    result = _batch(never, tmp_path, "b", [always])
    assert _entry(result.summary, BASELINE, "E9")["not_in_play"] == N
    e9 = _entry(result.summary, "always", "E9")
    assert (e9["n"], e9["not_in_play"], e9["rate"]) == (N, 0, 1.0)
    # never in play in both: no pair to compare, and not called identical
    assert not [d for d in result.summary["differences"] if d["metric"] == "expectation.E9.met"]


def test_one_job_and_two_give_the_same_folder(mixed, tmp_path):
    late = parse_variant("late: expectations[id=E9].within=5m")
    one = _batch(mixed, tmp_path, "one", [late], jobs=1, chunk=3)
    two = _batch(mixed, tmp_path, "two", [late], jobs=2, chunk=3)
    for name in ("replications.csv", "summary.json", "summary.txt", "manifest.json",
                 "chunks.sha256"):
        assert (one.out / name).read_bytes() == (two.out / name).read_bytes(), name


def test_a_resumed_batch_reads_not_in_play_rows_back(never, tmp_path):
    whole = _batch(never, tmp_path, "w", chunk=3)
    part = _batch(never, tmp_path, "p", chunk=3)
    for start in (3, 9):
        (part.out / "chunks" / f"rows-{start:09d}-3.csv").unlink()
    resumed = _batch(never, tmp_path, "p", chunk=3, resume=True)
    assert resumed.summary == whole.summary
    assert _entry(resumed.summary, BASELINE, "E9")["not_in_play"] == N


def test_chunks_of_the_version_before_not_in_play_rows_are_not_resumed(never, tmp_path,
                                                                         capsys):
    # their rows gave a skipped expectation as open: mixing them would miscount it
    out = tmp_path / "b"
    _batch(never, tmp_path, "b", chunk=3)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] > 3
    manifest["version"] = 3
    (out / "manifest.json").write_text(json.dumps(manifest))
    code = main(["batch", str(never.path), "-n", str(N), "--seed", str(SEED), "--jobs", "1",
                 "--chunk", "3", "--out", str(out), "--resume"])
    assert code == 2
    assert "was written by an earlier version of acid-drill" in capsys.readouterr().err


def test_the_cli_no_longer_calls_it_open(never, tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["batch", str(never.path), "-n", "6", "--jobs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith("E9")]
    assert "not in play in 6" in line and "open" not in line


# --- the tally ----------------------------------------------------------------------

VARIANTS = [BASELINE, "fix"]
#: an expectation's outcome in a run: decided (0 or 1), open (None) or not in play
OUTCOME = st.sampled_from([None, 0.0, 1.0, "skipped"])


def _outcome_rows(rep: int, variant: str, outcome) -> list[tuple]:
    if outcome == "skipped":
        return [(variant, rep, 0, "x", "expectation.E9.not_in_play", 1.0)]
    return [(variant, rep, 0, "x", "expectation.E9.met", outcome),
            (variant, rep, 0, "x", "expectation.E9.lateness",
             None if outcome is None else 0.0 if outcome else 5.0)]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.tuples(OUTCOME, OUTCOME), min_size=1, max_size=12),
       st.lists(st.integers(1, 12)))
def test_tallies_count_not_in_play_apart_however_the_runs_are_chunked(reps, cuts):
    rows = [row for r, pair in enumerate(reps)
            for variant, outcome in zip(VARIANTS, pair, strict=True)
            for row in _outcome_rows(r, variant, outcome)]
    one_by_one = Aggregate(VARIANTS)
    for variant, rep, _seed, incident, metric, value in rows:
        one_by_one.add(variant, rep, incident, metric, value)
    one_by_one.finish()
    summary = merged_in_chunks(rows, len(reps), cuts, VARIANTS).summary()
    assert json.dumps(summary, sort_keys=True) == json.dumps(one_by_one.summary(),
                                                              sort_keys=True)
    for k, variant in enumerate(VARIANTS):
        outcomes = [pair[k] for pair in reps]
        e9 = _entry(summary, variant, "E9")
        assert e9["not_in_play"] == outcomes.count("skipped")
        assert e9["open"] == outcomes.count(None)
        assert e9["n"] == outcomes.count(0.0) + outcomes.count(1.0)
    both = [(b, f) for b, f in reps if "skipped" not in (b, f)]
    diffs = [d for d in summary["differences"] if d["metric"] == "expectation.E9.met"]
    if not both:
        assert not diffs
        return
    [d] = diffs

    def met(v) -> int:
        return 1 if v == 1.0 else 0

    assert d["pairs"] == len(both)
    assert d["rate_baseline"] == sum(met(b) for b, _ in both) / len(both)
    assert d["rate_variant"] == sum(met(f) for _, f in both) / len(both)
    assert d["rate_changed_in"] == sum(met(b) != met(f) for b, f in both)

