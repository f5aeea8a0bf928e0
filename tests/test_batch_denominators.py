"""Every rate in a batch summary says what it is over.

* how often a metric happened is over every replication: a run in which its incident
  never opened did not reach it (the header, the differences and the Wilson
  interval all count every replication);
* an expectation's met rate is over the replications where it was decided, and the
  replications where it was still open at the end are counted and shown beside it;
* the paired differences of an expectation compare every replication (still open at
  the end counts as not met), and their rates are the met rates.

Each figure is checked against the rows of ``replications.csv`` it summarises.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.batch import (
    BASELINE,
    Aggregate,
    BatchConfig,
    parse_variant,
    render_summary,
    run_batch,
)

TUTORIAL = resolve_scenario_arg("tutorial")
N = 12


def _rows(out: Path) -> dict[tuple[str, str, str], dict[int, float | None]]:
    """(variant, incident, metric) -> {replication: value or None}, from the CSV."""
    found: dict[tuple[str, str, str], dict[int, float | None]] = defaultdict(dict)
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            found[(r["variant"], r["incident"], r["metric"])][int(r["replication"])] = (
                None if r["value"] == "" else float(r["value"]))
    return found


def _check_against_rows(out: Path) -> dict:
    """Every rate of summary.json recomputed from replications.csv."""
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = _rows(out)
    n = s["replications"]
    reps = range(n)
    # a .not_applicable row stands in place of its metric's row
    metrics_of = {(i, m.removesuffix(".not_applicable")) for (_, i, m) in rows
                  if not m.endswith(".met")}
    for variant, data in s["variants"].items():
        listed = {(m["incident"], m["metric"]): m for m in data["metrics"]}
        # every metric any variant measured is listed for every variant
        assert set(listed) == metrics_of, variant
        for (incident, metric), m in listed.items():
            values = rows.get((variant, incident, metric), {})
            happened = sum(1 for r in reps if values.get(r) is not None)
            # over the runs where it applied (a step the drill has no bodies for: none)
            absent = len(rows.get((variant, incident, metric + ".not_applicable"), {}))
            assert m.get("not_applicable", 0) == absent
            assert m["reached"]["n"] == n - absent
            assert m["reached"]["rate"] == (happened / (n - absent) if n - absent else None), (
                variant, incident, metric)
            assert m.get("n", 0) == happened
        for x in data["expectations"]:
            values = rows[(variant, x["incident"], f"expectation.{x['expectation']}.met")]
            decided = [values[r] for r in reps if values[r] is not None]
            assert x["n"] == len(decided)
            assert x["open"] == n - len(decided)
            if decided:
                assert x["rate"] == sum(1 for v in decided if v >= 0.5) / len(decided)
            else:
                assert x["rate"] is None and x["rate_ci"] == [None, None]
    for d in s["differences"]:
        key = (d["variant"], d["incident"], d["metric"])
        base_key = (BASELINE, d["incident"], d["metric"])
        mine, base = rows.get(key, {}), rows.get(base_key, {})
        if d["metric"].endswith(".met"):
            # over every replication: still open at the end is not met
            def met(values: dict, r: int) -> float:
                return 1.0 if (values.get(r) or 0.0) >= 0.5 else 0.0
            pairs = [met(mine, r) - met(base, r) for r in reps]
            hit_mine = sum(met(mine, r) for r in reps)
            hit_base = sum(met(base, r) for r in reps)
            changed = sum(1 for r in reps if met(mine, r) != met(base, r))
        else:
            pairs = [mine[r] - base[r] for r in reps
                     if mine.get(r) is not None and base.get(r) is not None]
            hit_mine = sum(1 for r in reps if mine.get(r) is not None)
            hit_base = sum(1 for r in reps if base.get(r) is not None)
            changed = sum(1 for r in reps
                          if (mine.get(r) is None) != (base.get(r) is None))
        assert d["pairs"] == len(pairs), key
        if pairs:
            assert d["mean_difference"] == pytest.approx(sum(pairs) / len(pairs)), key
        assert d["rate_baseline"] == hit_base / n, key
        assert d["rate_variant"] == hit_mine / n, key
        assert d["rate_changed_in"] == changed, key
    return s


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(TUTORIAL)


@pytest.fixture(scope="module")
def later_takedown(tutorial, tmp_path_factory):
    """E3 given 12 hours: in 4 of the 12 runs the takedown has not happened when the
    drill ends, so E3 is still open then (seed 4)."""
    out = tmp_path_factory.mktemp("e3") / "b"
    return run_batch(tutorial, [parse_variant("e3-12h: expectations[id=E3].within=12h")],
                     BatchConfig(n=N, seed=4, out=out, chunk=3, jobs=1))


@pytest.fixture(scope="module")
def followup(tmp_path_factory):
    """The tutorial with its contingency C1 opening an incident of its own: the
    incident opens only in the runs where E1 is missed (3 of 12 at seed 4), and never
    in a variant that gives E1 100 hours."""
    text = TUTORIAL.read_text(encoding="utf-8")
    c1 = "    incident: {id: phish}\n    objective: O1\n"
    assert text.count(c1) == 1
    text = text.replace(c1, (
        "    incident:\n      id: followup\n      type: phishing\n"
        "      title: Follow-up phishing\n      severity: medium\n      affected: [SG]\n"
        "      hosted_in: [MY]\n      crime_suspected: false\n    objective: O1\n"))
    folder = tmp_path_factory.mktemp("followup")
    path = folder / "tutorial2.yaml"
    path.write_text(text.replace("id: tutorial ", "id: tutorial2 ", 1), encoding="utf-8")
    loaded = load_scenario(path)
    variants = [parse_variant("slow: channels.email.latency=3h"),
                parse_variant("e1-late: expectations[id=E1].within=100h")]
    return run_batch(loaded, variants,
                     BatchConfig(n=N, seed=4, out=folder / "b", chunk=3, jobs=1))


# --- 1. expectations still open at the end -------------------------------------------


def test_an_expectation_still_open_at_the_end_is_counted_and_shown(later_takedown):
    s = _check_against_rows(later_takedown.out)
    e3 = {x["expectation"]: x for x in s["variants"]["e3-12h"]["expectations"]}["E3"]
    assert (e3["n"], e3["open"], e3["rate"]) == (8, 4, 1.0)
    base = {x["expectation"]: x for x in s["variants"][BASELINE]["expectations"]}["E3"]
    assert (base["n"], base["open"]) == (N, 0)
    text = (later_takedown.out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.split("== e3-12h")[1].splitlines()
              if ln.strip().startswith("E3 ")]
    assert "100.0%" in line and "of 8 decided; 4 still open at the end" in line
    # decided in every run: shown as before, with nothing more to say
    [line] = [ln for ln in text.split("== e3-12h")[0].splitlines()
              if ln.strip().startswith("E3 ")]
    assert line == "    E3        50.0%  [25.4, 74.6]  (phish)"


def test_an_expectation_open_in_every_run_is_listed_not_dropped():
    agg = Aggregate([BASELINE, "v"])
    for rep in range(5):
        for variant in (BASELINE, "v"):
            agg.add(variant, rep, "INC1", "expectation.E1.met", 1.0 if rep < 3 else 0.0)
            agg.add(variant, rep, "INC1", "expectation.E9.met", None)
            agg.add(variant, rep, "", "score", 10.0)
    agg.finish()
    s = agg.summary()
    json.dumps(s, allow_nan=False)  # no NaN for a rate over no replications
    e9 = {x["expectation"]: x for x in s["variants"]["v"]["expectations"]}["E9"]
    assert (e9["n"], e9["open"], e9["rate"], e9["rate_ci"]) == (0, 5, None, [None, None])
    text = render_summary(s)
    [line] = [ln for ln in text.split("== v")[1].splitlines() if ln.strip().startswith("E9 ")]
    assert "never decided: still open at the end in all 5" in line


def test_paired_differences_of_an_expectation_cover_every_replication(later_takedown):
    s = later_takedown.summary
    d = {(x["variant"], x["metric"]): x for x in s["differences"]}[
        ("e3-12h", "expectation.E3.met")]
    # still open at the end counts as not met: 8 of 12 met against 6 of 12
    assert d["pairs"] == N
    assert (d["rate_baseline"], d["rate_variant"]) == (6 / N, 8 / N)
    assert d["mean_difference"] == pytest.approx(2 / N)
    text = (later_takedown.out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.split("== paired differences")[1].splitlines()
              if "expectation.E3.met" in ln]
    assert line.endswith(f"({N} pairs)") and "+0.167" in line


# --- 2. one denominator: every replication ----------------------------------------------


def test_a_metric_of_an_incident_that_opened_in_some_runs_is_over_every_replication(followup):
    s = followup.summary
    assert s["replications"] == N
    first = {(m["incident"], m["metric"]): m for m in s["variants"][BASELINE]["metrics"]}[
        ("followup", "first_ack")]
    assert first["n"] == 3 and first["reached"]["rate"] == 3 / N
    assert first["reached"]["rate_ci"][1] < 0.6  # a Wilson interval of 3 in 12, not of 3 in 3
    d = {(x["variant"], x["incident"], x["metric"]): x for x in s["differences"]}[
        ("slow", "followup", "first_ack")]
    assert d["rate_baseline"] == first["reached"]["rate"]
    # never opened in this variant: not reached, listed at 0 % all the same
    never = {(m["incident"], m["metric"]): m for m in s["variants"]["e1-late"]["metrics"]}[
        ("followup", "first_ack")]
    assert never["n"] == 0 and never["reached"] == {
        "n": N, "rate": 0.0, "rate_ci": [0.0, pytest.approx(0.2425, abs=1e-4)]}
    text = (followup.out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.split("== slow")[0].splitlines()
              if ln.strip().startswith("followup first_ack ")]
    assert line.split()[2] == "25%"
    _check_against_rows(followup.out)


# --- 3. the rates of an expectation's differences -----------------------------------------


def test_rates_of_an_expectations_differences_are_its_met_rates(later_takedown):
    s = later_takedown.summary
    d = {(x["variant"], x["metric"]): x for x in s["differences"]}[
        ("e3-12h", "expectation.E1.met")]
    e1 = {x["expectation"]: x for x in s["variants"][BASELINE]["expectations"]}["E1"]
    assert e1["n"] == N and e1["rate"] == 9 / N  # decided in every run
    assert d["rate_baseline"] == d["rate_variant"] == e1["rate"]
    assert d["rate_difference"] == 0 and d["rate_changed_in"] == 0
    _check_against_rows(later_takedown.out)
    text = (later_takedown.out / "summary.txt").read_text(encoding="utf-8")
    # an expectation's change is its paired difference line alone, not a second line
    assert not any("expectation." in ln and "happened" in ln for ln in text.splitlines())
