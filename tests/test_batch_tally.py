"""The summary of a batch from its chunks' tallies: the same, bit for bit, as adding
every row in replication order, however the replications are cut into chunks."""

from __future__ import annotations

import json
import math
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.stats import EXACT_LIMIT, Proportion, Running, Sample
from sim.runs import batch as batch_mod
from sim.runs.batch import (
    BASELINE,
    Aggregate,
    BatchConfig,
    BatchError,
    run_batch,
    tally_rows,
)

TUTORIAL = resolve_scenario_arg("tutorial")

VARIANTS = [BASELINE, "fix", "worse"]
KEYS = [("INC1", "first_ack"), ("INC1", "contained"), ("INC2", "ansac_reached"),
        ("INC1", "expectation.E1.met"), ("", "score")]


class Reference:
    """Every row added one by one, as a summary is defined: values to each metric's
    sample, whether it happened to its rate, and per replication each variant's paired
    difference from the baseline and whether it happened in either. An expectation's
    ``.met`` counts met among the decided replications and the open ones apart; it is
    compared in every replication, still open counting as not met."""

    def __init__(self) -> None:
        self.samples: dict = {}
        self.reached: dict = {}
        self.met: dict = {}
        self.open: dict = {}
        self.diffs: dict = {}
        self.happened: dict = {}
        self.replications = 0

    def run(self, reps: list[dict]) -> None:
        for row in reps:
            self.replications += 1
            for (variant, incident, metric), value in row.items():
                key = (variant, incident, metric)
                if metric.endswith(".met"):
                    prop = self.met.setdefault(key, Proportion())
                    if value is None:
                        self.open[key] = self.open.get(key, 0) + 1
                    else:
                        prop.add(value >= 0.5)
                    continue
                self.reached.setdefault(key, Proportion()).add(value is not None)
                if value is not None:
                    self.samples.setdefault(key, Sample()).add(value)
            def met(value) -> float:
                return 1.0 if value is not None and value >= 0.5 else 0.0

            for (variant, incident, metric), value in row.items():
                base = row.get((BASELINE, incident, metric))
                if variant != BASELINE and metric.endswith(".met"):
                    self.diffs.setdefault((variant, incident, metric), Running()).add(
                        met(value) - met(base))
                elif variant != BASELINE and value is not None and base is not None:
                    self.diffs.setdefault((variant, incident, metric), Running()).add(
                        value - base)
            measured = {(i, m) for (_, i, m) in row}
            for variant in VARIANTS[1:]:
                for incident, metric in measured:
                    if metric.endswith(".met"):
                        mine = met(row.get((variant, incident, metric))) > 0
                        base = met(row.get((BASELINE, incident, metric))) > 0
                    else:
                        mine = row.get((variant, incident, metric)) is not None
                        base = row.get((BASELINE, incident, metric)) is not None
                    if mine or base:
                        counts = self.happened.setdefault((variant, incident, metric), [0, 0, 0])
                        counts[0 if mine and base else 1 if mine else 2] += 1


def _state(agg) -> str:
    """Everything a summary is computed from, exactly (floats as their hex)."""
    def running(r: Running) -> list:
        return [r.n, *(float(x).hex() for x in (r.mean, r.m2, r.min, r.max))]

    def sample(s: Sample) -> list:
        exact = None if s._exact is None else [x.hex() for x in s._exact]
        return [running(s.running), exact, sorted(s._bins.items())]

    return json.dumps({
        "replications": agg.replications,
        "samples": sorted((repr(k), sample(v)) for k, v in agg.samples.items()),
        "reached": sorted((repr(k), [v.hits, v.n]) for k, v in agg.reached.items()),
        "met": sorted((repr(k), [v.hits, v.n]) for k, v in agg.met.items()),
        "open": sorted((repr(k), v) for k, v in agg.open.items()),
        "diffs": sorted((repr(k), running(v)) for k, v in agg.diffs.items()),
        "happened": sorted((repr(k), v) for k, v in agg.happened.items()),
    })


def merged_in_chunks(rows: list[tuple], n: int, cuts: list[int], variants) -> Aggregate:
    """The rows of ``n`` replications cut into chunks of whole replications (of the
    sizes ``cuts``, then the rest), each tallied apart and merged in order, as the
    workers' chunks are."""
    chunked = Aggregate(variants)
    start = 0
    for size in [*cuts, n]:
        chunk = [row for row in rows if start <= row[1] < start + size]
        if chunk:
            chunked.merge(tally_rows(chunk, variants))
        start += size
        if start >= n:
            break
    chunked.finish()
    return chunked


value = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False, allow_infinity=False))
replication = st.fixed_dictionaries({
    (v, i, m): (st.sampled_from([None, 0.0, 1.0]) if m.endswith(".met") else value)
    for v in VARIANTS for i, m in KEYS})


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(replication, min_size=1, max_size=12), st.lists(st.integers(1, 12)))
def test_tallies_merged_in_order_give_the_summary_of_every_row_added_in_order(reps, cuts):
    ref = Reference()
    ref.run(reps)
    rows = [(v, r, 0, i, m, x) for r, row in enumerate(reps) for (v, i, m), x in row.items()]

    one_by_one = Aggregate(VARIANTS)
    for variant, rep, _seed, incident, metric, x in rows:
        one_by_one.add(variant, rep, incident, metric, x)
    one_by_one.finish()

    chunked = merged_in_chunks(rows, len(reps), cuts, VARIANTS)
    assert _state(chunked) == _state(one_by_one) == _state(ref)
    assert (json.dumps(chunked.summary(), sort_keys=True)
            == json.dumps(one_by_one.summary(), sort_keys=True))


def test_extending_a_sample_is_adding_its_values_one_by_one_across_the_exact_limit():
    values = [math.sqrt(i) * 7.3 for i in range(EXACT_LIMIT + 300)]
    added, extended = Sample(), Sample()
    for x in values:
        added.add(x)
    extended.extend(values[:EXACT_LIMIT - 5])
    extended.extend(values[EXACT_LIMIT - 5:EXACT_LIMIT + 10])  # crosses the limit
    extended.extend(values[EXACT_LIMIT + 10:])
    assert not extended.exact and extended._bins == added._bins
    r, s = extended.running, added.running
    assert (r.n, r.mean.hex(), r.m2.hex(), r.min, r.max) == (
        s.n, s.mean.hex(), s.m2.hex(), s.min, s.max)
    small = Sample()
    small.extend(array("d", values[:10]))
    assert small.exact and list(small._exact) == values[:10]


def test_a_chunk_finished_in_this_run_is_not_read_row_by_row_but_a_resumed_one_is(
        tmp_path, monkeypatch):
    tutorial = load_scenario(TUTORIAL)
    whole = run_batch(tutorial, [], BatchConfig(n=12, seed=4, out=tmp_path / "w", chunk=3,
                                                jobs=2))
    parsed: list[int] = []
    read_chunk = batch_mod._read_chunk

    def reading(out, start, count, want, key, keep=None):
        parsed.append(start)
        return read_chunk(out, start, count, want, key, keep)

    monkeypatch.setattr(batch_mod, "_read_chunk", reading)
    fresh = run_batch(tutorial, [], BatchConfig(n=12, seed=4, out=tmp_path / "f", chunk=3,
                                                jobs=2))
    assert parsed == []  # the workers' tallies, and the bytes checked and copied
    for start in (3, 9):  # two chunks lost: the others are read back from disk
        (tmp_path / "f" / "chunks" / f"rows-{start:09d}-3.csv").unlink()
    resumed = run_batch(tutorial, [], BatchConfig(n=12, seed=4, out=tmp_path / "f", chunk=3,
                                                  jobs=2, resume=True))
    assert parsed == [0, 6]
    assert whole.summary == fresh.summary == resumed.summary
    assert ((tmp_path / "w" / "replications.csv").read_bytes()
            == (tmp_path / "f" / "replications.csv").read_bytes())


def test_a_chunk_changed_between_its_worker_and_the_join_is_refused(tmp_path):
    out = tmp_path / "b"
    ticks: list[int] = []

    def progress(total, done):
        def tick(k):
            ticks.append(k)
            if len(ticks) == 2:  # the second chunk is written, not yet joined
                path = out / "chunks" / "rows-000000003-3.csv"
                path.write_bytes(path.read_bytes().replace(b",", b";", 1))
        return tick

    with pytest.raises(BatchError, match=r"rows-000000003-3\.csv: changed after it was written"):
        run_batch(load_scenario(TUTORIAL), [],
                  BatchConfig(n=12, seed=4, out=out, chunk=3, jobs=1), progress=progress)
    assert not (out / "replications.csv").exists()
    assert not (out / "chunks" / "rows-000000003-3.csv").exists()  # to be run again
