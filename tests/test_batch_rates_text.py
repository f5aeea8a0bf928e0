"""summary.txt never rounds a rate to 0 % or 100 % when it is not exactly that: 199 of
200 is not "100%", and 1 of 200 is not "0%" (summary.json has the exact rate)."""

from __future__ import annotations

import pytest

from sim.runs.batch import BASELINE, Aggregate, Variant, render_summary, sweep_table

REPS = 200


def _line(text: str, label: str) -> str:
    [line] = [ln for ln in text.splitlines() if label in ln]
    return line


def _baseline(text: str) -> str:
    return text.split("== baseline")[1].split("== v")[0]


def _reached(text: str, metric: str) -> str:
    """The 'reached' column of a metric's line in the baseline's table."""
    return _line(_baseline(text), f" {metric} ")[40:48].strip()


@pytest.fixture(scope="module")
def summary():
    agg = Aggregate([BASELINE, "v"])
    for rep in range(REPS):
        for variant in (BASELINE, "v"):
            agg.add(variant, rep, "inc", "contained", None if rep == 0 else 60.0)  # 199
            agg.add(variant, rep, "inc", "le.mla", 120.0 if rep == 0 else None)  # 1
            agg.add(variant, rep, "inc", "first_ack", 5.0)  # every one
            agg.add(variant, rep, "inc", "le.preservation", None)  # none
            agg.add(variant, rep, "inc", "ansac_reached", 30.0 if rep % 2 else None)  # 100
            agg.add(variant, rep, "inc", "le.cert_to_police", 9.0 if rep < 13 else None)  # 13
        # happened in 1 run of the baseline, in 199 of the variant
        agg.add(BASELINE, rep, "inc", "all_certs_reached", 10.0 if rep == 0 else None)
        agg.add("v", rep, "inc", "all_certs_reached", None if rep == 0 else 10.0)
    agg.finish()
    return agg.summary()


def test_reached_is_never_rounded_to_0_or_100_percent(summary):
    text = render_summary(summary)
    assert _reached(text, "contained") == ">99%"
    assert _reached(text, "le.mla") == "<1%"


def test_exact_and_other_rates_print_as_before(summary):
    text = render_summary(summary)
    assert _reached(text, "first_ack") == "100%"
    assert _reached(text, "le.preservation") == "0%"
    assert _reached(text, "ansac_reached") == "50%"
    assert _reached(text, "le.cert_to_police") == "6%"  # 6.5 %: as it always was
    # still right-aligned in its column
    assert _line(_baseline(text), " contained ")[40:48] == "    >99%"


def test_a_change_in_how_often_it_happened_is_not_rounded_to_0_or_100(summary):
    text = render_summary(summary)
    [line] = [ln for ln in text.splitlines() if "inc all_certs_reached " in ln
            and "happened" in ln]
    assert "happened <1% -> >99%: +99.0 points" in line


def _expectation(name: str, hits: int, n: int) -> dict:
    return {"expectation": name, "incident": "inc", "n": n, "open": 0, "not_in_play": 0,
            "rate": hits / n, "rate_ci": [0.0, 1.0]}


def test_an_expectation_met_in_all_but_one_is_not_shown_as_100_percent(summary):
    s = {**summary, "differences": [], "variants": {BASELINE: {"metrics": [], "expectations": [
        _expectation("E1", 19_999, 20_000), _expectation("E2", 1, 20_000),
        _expectation("E3", 20_000, 20_000), _expectation("E4", 0, 20_000),
        _expectation("E5", 1, 2_000), _expectation("E6", 1_999, 2_000),
        _expectation("E7", 1_996, 2_000)]}}}
    text = render_summary(s)
    assert _line(text, " E1 ").startswith("    E1       >99.9%  [")
    assert _line(text, " E2 ").startswith("    E2        <0.1%  [")
    assert _line(text, " E3 ").startswith("    E3       100.0%  [")
    assert _line(text, " E4 ").startswith("    E4         0.0%  [")
    assert _line(text, " E5 ").startswith("    E5         0.1%  [")  # as it always was
    assert _line(text, " E6 ").startswith("    E6       >99.9%  [")  # 99.95 %
    assert _line(text, " E7 ").startswith("    E7        99.8%  [")  # as it always was


def test_the_sweep_table_says_so_too():
    agg = Aggregate([BASELINE, "loss=0", "loss=0.5"])
    for rep in range(REPS):
        agg.add(BASELINE, rep, "inc", "contained", 60.0)
        agg.add("loss=0", rep, "inc", "contained", None if rep == 0 else 60.0)
        agg.add("loss=0.5", rep, "inc", "contained", 60.0 if rep == 0 else None)
    agg.finish()
    sweep = [Variant("loss=0", (("channels.email.loss", 0),)),
             Variant("loss=0.5", (("channels.email.loss", 0.5),))]
    table, *_ = sweep_table(agg.summary(), sweep, "contained")
    rows = table.splitlines()[2:]
    assert rows[0][18:26] == "    >99%"
    assert rows[1][18:26] == "     <1%"
