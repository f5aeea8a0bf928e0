"""An expectation that exists on one side of a comparison only has nothing to compare.

A variant that changes ``require: each`` to ``any`` turns ``E1.a`` and ``E1.b`` (one
expectation per actor) into a single ``E1``: the baseline has no ``E1`` and the variant
no ``E1.a``. Neither may be compared as if the missing side were "not met", and the
summary's text must not count them as identical in every replication either.
"""

from __future__ import annotations

import json

from sim.runs.batch import Aggregate, render_summary


def _one_sided(reps: int = 10) -> dict:
    agg = Aggregate(["baseline", "any"])
    for rep in range(reps):
        # the baseline: one expectation per actor, met in most runs
        agg.add("baseline", rep, "x", "expectation.E1.a.met", 1.0 if rep else 0.0)
        agg.add("baseline", rep, "x", "expectation.E1.a.lateness", 0.0 if rep else 30.0)
        agg.add("baseline", rep, "x", "expectation.E1.b.met", 0.0)
        agg.add("baseline", rep, "x", "expectation.E1.b.lateness", 12.0)
        # the variant: a single expectation for any of them, always met
        agg.add("any", rep, "x", "expectation.E1.met", 1.0)
        agg.add("any", rep, "x", "expectation.E1.lateness", 0.0)
        # one expectation both sides have, met in both every time
        agg.add("baseline", rep, "x", "expectation.E2.met", 1.0)
        agg.add("any", rep, "x", "expectation.E2.met", 1.0)
    agg.finish()
    return agg.summary()


def test_an_expectation_on_one_side_only_has_no_difference_entry():
    s = _one_sided()
    metrics = {d["metric"] for d in s["differences"]}
    assert "expectation.E1.met" not in metrics
    assert "expectation.E1.a.met" not in metrics
    assert "expectation.E1.b.met" not in metrics
    # the one both sides have is still compared, over every replication
    [e2] = [d for d in s["differences"] if d["metric"] == "expectation.E2.met"]
    assert e2["pairs"] == 10 and e2["rate_difference"] == 0 and e2["rate_changed_in"] == 0
    json.dumps(s, allow_nan=False)


def test_each_side_still_reports_its_own_met_rate():
    s = _one_sided()
    base = {x["expectation"]: x for x in s["variants"]["baseline"]["expectations"]}
    mine = {x["expectation"]: x for x in s["variants"]["any"]["expectations"]}
    assert base["E1.a"]["rate"] == 0.9 and base["E1.b"]["rate"] == 0.0
    assert mine["E1"]["rate"] == 1.0 and "E1.a" not in mine


def test_the_text_counts_only_compared_metrics_as_identical():
    text = render_summary(_one_sided())
    # E2 is the only metric compared, and it is identical in every replication
    assert "1 other metrics identical in every replication" in text
    assert "E1" not in text.split("== paired differences")[1]


def test_an_old_entry_with_no_pairs_is_not_counted_as_identical():
    # a summary.json written before the fix could hold such an entry
    s = _one_sided()
    s["differences"].append({
        "variant": "any", "incident": "x", "metric": "expectation.E1.met", "pairs": 0,
        "mean_difference": None, "ci": None, "rate_baseline": 0.0, "rate_variant": 1.0,
        "rate_difference": 1.0, "rate_difference_ci": [0.7, 1.0], "rate_changed_in": 10})
    text = render_summary(s)
    assert "1 other metrics identical in every replication" in text


def test_one_sided_in_some_replications_only_is_left_out_of_those():
    # a key that is missing on one side in a replication (no .met, no .not_in_play row)
    # is not paired there; the replications where both have it are
    agg = Aggregate(["baseline", "v"])
    for rep in range(4):
        agg.add("baseline", rep, "x", "expectation.E1.met", 1.0)
        if rep < 2:
            agg.add("v", rep, "x", "expectation.E1.met", 0.0)
        agg.add("v", rep, "x", "score", 1.0)
        agg.add("baseline", rep, "x", "score", 1.0)
    agg.finish()
    [d] = [d for d in agg.summary()["differences"] if d["metric"] == "expectation.E1.met"]
    assert d["pairs"] == 2
    assert (d["rate_baseline"], d["rate_variant"], d["rate_changed_in"]) == (1.0, 0.0, 2)
