"""An expectation counted from an inject that was skipped never came into play: the
report says so and the score leaves it out."""

from __future__ import annotations

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine

#: cert-a acknowledges inject 1 within the hour (the policy does so in 10 minutes)
E1 = {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
      "within": "1h", "after": "1", "score": 5}


def _branch(scenario_data, when: dict):
    # inject N goes to cert-b at T+05:00 only on a condition; E9 counts from it
    scenario_data["injects"].append(
        {"id": "N", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Nudge", "when": when, "incident": {"id": "x"}})
    scenario_data["expectations"].append(
        {"id": "E9", "actors": ["cert-b"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "N", "score": 7})
    return scenario_data


def test_an_expectation_on_a_skipped_inject_is_not_scored(scenario_data, load):
    scenario_data["expectations"].append(dict(E1))
    base = compute(Engine(load(scenario_data), seed=0).run())["score"]
    first = "E1"
    # the nudge goes only if the first expectation was missed; it is met: skipped
    m = compute(Engine(load(_branch(scenario_data, {"missed": [first]})), seed=0).run())
    [e9] = [x for x in m["expectations"] if x["id"] == "E9"]
    assert (e9["status"], e9["skipped"]) == ("open", "N")
    assert (m["score"]["possible"], m["score"]["of"]) == (base["possible"], base["of"])
    line = next(ln for ln in render_text(m).splitlines() if "inject N was skipped" in ln)
    assert line.strip() == "not in play: inject N was skipped; not scored"


def test_an_expectation_on_an_inject_that_went_is_scored(scenario_data, load):
    scenario_data["expectations"].append(dict(E1))
    base = compute(Engine(load(scenario_data), seed=0).run())["score"]
    first = "E1"
    m = compute(Engine(load(_branch(scenario_data, {"met": [first]})), seed=0).run())
    [e9] = [x for x in m["expectations"] if x["id"] == "E9"]
    assert "skipped" not in e9
    assert (m["score"]["possible"], m["score"]["of"]) == (base["possible"] + 7, base["of"] + 1)
