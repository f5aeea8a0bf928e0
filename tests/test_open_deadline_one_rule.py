"""The deadline of an expectation still open in a drill under way is worked out from
the events by one rule, whoever asks: the run report and the review
(:func:`sim.analysis.metrics.expectation_metrics`) and the console's countdowns
(:class:`sim.runs.view.Countdowns`) give the same one, and it is the one the engine
scores against.

Every bundled drill, stopped at several moments: each expectation open then (and in
play) has the same deadline, or the same lack of one, in both, and the engine's own
deadline. And a drill whose evening phone call to a team gone home rings through only
the next morning: counted from that call, the countdown began when it was made, not
when it got through."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from scenarios import bundled_scenarios, load_scenario
from sim.analysis.metrics import expectation_metrics
from sim.engine import Engine
from sim.runs.view import Countdowns, DrillState

BUNDLED = {p.stem: p for p in bundled_scenarios()}

#: where the drill is stopped: these shares of its length
CUTS = (0.02, 0.1, 0.25, 0.5, 0.8)


def _compare(loaded: Any, cuts: list[float], human: tuple[str, ...] = ()) -> dict[str, int]:
    """Run the drill to each of ``cuts`` (drill minutes) and check every expectation
    open then; how many had a deadline, and how many had none yet."""
    engine = Engine(loaded, seed=0, human=human)
    seen = {"anchored": 0, "not anchored": 0}
    for share in cuts:
        engine.run_until(share)
        log = list(engine.log)
        assert log[-1].type != "drill_ended"
        countdowns = Countdowns(loaded.scenario)
        state = DrillState(loaded.scenario)
        for e in log:
            countdowns.feed(e)
            state.apply(e)
        for x in expectation_metrics(log):
            if x["status"] != "open":
                continue
            # the console's exercise control sees it out of play as the report does
            assert state.not_in_play(state.expectations[x["id"]]) == x.get("skipped"), x
            if "skipped" in x:
                continue
            due = countdowns.deadline(x["id"])
            assert x["deadline_at"] == due, (share, x)
            assert x["anchored"] is (due is not None), (share, x)
            # the deadline the engine scores it against
            assert due == engine.expectations.states[x["id"]].deadline_at, (share, x)
            if due is None:
                assert x["no_deadline_because"].startswith("not due yet: "), x
                seen["not anchored"] += 1
            else:
                assert "no_deadline_because" not in x, x
                seen["anchored"] += 1
    return seen


@cache
def _compared(name: str) -> dict[str, int]:
    """:func:`_compare` on the bundled drill ``name``, stopped at each of :data:`CUTS`."""
    loaded = load_scenario(BUNDLED[name])
    return _compare(loaded, [share * loaded.scenario.drill.duration for share in CUTS])


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_the_report_and_the_countdowns_agree_on_every_open_deadline(name):
    assert _compared(name)["anchored"], "no countdown had begun: nothing was compared"


def test_some_drills_were_stopped_before_a_countdown_began():
    """Both kinds were compared: deadlines, and their lack before the anchor comes."""
    waiting = [name for name in sorted(BUNDLED) if _compared(name)["not anchored"]]
    assert len(waiting) >= 3, waiting


#: the phoned inject is made at 18:00 Singapore time, when CERT-SG has gone home, and
#: rings through at 09:00 the next morning
CALLED, RUNG = 9 * 60.0, 24 * 60.0


def test_counted_from_a_call_that_waits_for_the_morning(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "call", "at": "T+09:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Evening call", "incident": {"id": "x"}})
    scenario_data["expectations"] = [
        {"id": "E9", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "20h", "after": "call"},
        {"id": "E7", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "40h"},
    ]
    loaded = load(scenario_data)
    # the team is played by a person who acknowledges nothing: both stay open
    seen = _compare(loaded, [CALLED - 1, CALLED + 1, RUNG - 1, RUNG + 1], human=("cert-a",))
    assert seen == {"anchored": 7, "not anchored": 1}
    # the premise: the call was made long before it got through
    engine = Engine(loaded, seed=0, human=("cert-a",))
    engine.run_until(RUNG + 1)
    assert [e.time for e in engine.log if e.type == "inject_delivered"
            and e.details["inject"] == "call"] == [RUNG]
    log = list(engine.log)
    [e9] = [x for x in expectation_metrics(log) if x["id"] == "E9"]
    assert e9["deadline_at"] == CALLED + 20 * 60
