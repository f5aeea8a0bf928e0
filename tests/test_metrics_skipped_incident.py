"""An expectation counted from its incident's opening (``after: incident``) is not in
play when that incident never opened because the inject that would open it was
skipped: left out of the score, as an expectation counted from a skipped inject is,
and counted as not in play by `drill batch`.

The hand-computed drill: cert-a acknowledges control's report at T+01:10 (E1 met),
so inject 2, which would open incident y only if E1 were missed, is skipped.
"""

from __future__ import annotations

from typing import Any

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def _drill(data: dict[str, Any], inject_at: str = "T+03:00") -> dict[str, Any]:
    data["injects"].append(
        {"id": "2", "at": inject_at, "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Second incident, only if E1 is missed",
         "when": {"missed": ["E1"]},
         "incident": {"id": "y", "type": "ddos", "affected": ["TH"]}})
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "30m", "score": 10},
        {"id": "E2", "actors": ["cert-b"], "action": "acknowledge", "incident": "y",
         "within": "1h", "score": 20},
    ]
    return data


def test_an_expectation_of_an_incident_whose_opening_was_skipped_is_not_in_play(
        scenario_data, load):
    m = compute(Engine(load(_drill(scenario_data)), seed=0).run())
    x = {e["id"]: e for e in m["expectations"]}
    assert x["E1"]["status"] == "met"
    assert x["E2"]["status"] == "open" and x["E2"]["skipped"] == "2"
    assert m["score"] == {"earned": 10, "possible": 10, "met": 1, "of": 1}
    text = render_text(m)
    assert "Expectations: 1 of 1 met, score 10 of 10" in text
    lines = text.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.strip().startswith("E2"))
    assert "not in play: inject 2 was skipped; not scored" in lines[i + 1]


def test_batch_counts_it_as_not_in_play(scenario_data, load):
    from sim.runs.batch import replication_rows

    rows = {(i, name): v for i, name, v in replication_rows(load(_drill(scenario_data)).scenario, 0)}
    assert rows[("y", "expectation.E2.not_in_play")] == 1.0
    assert ("y", "expectation.E2.met") not in rows


def test_the_after_action_report_lists_it_as_not_in_play(scenario_data, load):
    from sim.analysis.aar import _objectives
    from sim.analysis.review import build_review

    scenario = load(_drill(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    [other] = [o for o in _objectives(review) if o["id"] is None]
    assert any(line.startswith("E2:") and "not in play: inject 2 was skipped" in line
               for line in other["not_in_play"])
    assert not any(line.startswith("E2:") for line in other["strengths"] + other["areas"])


def test_an_incident_still_to_open_at_the_end_is_not_in_play(scenario_data, load):
    # its inject falls after the drill's end: the drill ends with it still waiting, so
    # it is skipped then (after_end), and the incident it would open never came into
    # play: no team could have acknowledged it
    data = _drill(scenario_data, inject_at="T+3d00:00")
    del data["injects"][1]["when"]
    log = Engine(load(data), seed=0).run()
    assert [(e.details["inject"], e.details["reason"]) for e in log
            if e.type == "inject_skipped"] == [("2", "after_end")]
    m = compute(log)
    x = {e["id"]: e for e in m["expectations"]}
    assert x["E2"]["status"] == "open" and x["E2"]["skipped"] == "2"
    assert m["score"]["of"] == 1


def test_an_incident_opened_by_another_inject_is_in_play(scenario_data, load):
    # inject 2 is skipped, but inject 3 opens incident y all the same
    data = _drill(scenario_data)
    data["injects"].append(
        {"id": "3", "at": "T+04:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Second incident after all",
         "incident": {"id": "y", "type": "ddos", "affected": ["TH"]}})
    m = compute(Engine(load(data), seed=0).run())
    x = {e["id"]: e for e in m["expectations"]}
    assert "skipped" not in x["E2"] and x["E2"]["status"] in ("met", "late", "missed")
    assert m["score"]["of"] == 2
