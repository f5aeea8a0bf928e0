"""A role handed to a person and back to the automated policy: the policy takes up again
what it had left undone. The work it was doing when the role changed hands is dropped;
once the role is back, the policy finishes the analysis if it was never finished and
carries out every armed rule, so no message it owed is lost. It does not tell again
what the person told.

The hand-computed drill: control's report reaches cert-a at T+01:00 (60); the policy
acknowledges it in 10 minutes (70), analyses for 30 (100), drafts the notification to
cert-b for 5 (105), then the escalation to the council for 5 more (110).
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.engine import Action, Engine


def _run(load, scenario_data, hand: float, back: float, person=None):
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(hand)
    engine.set_human("cert-a", True)
    if person is not None:
        person(engine)
    engine.run_until(back)
    engine.set_human("cert-a", False)
    return engine.run()


def _sent(log, to: str) -> list[float]:
    return [e.time for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == to]


@pytest.mark.parametrize(("hand", "back", "stage"), [
    (107, 107, "drafting escalate"),   # handed straight back
    (107, 130, "drafting escalate"),
    (90, 90, "analysing"),
    (90, 120, "analysing"),
])
def test_the_policy_finishes_what_it_was_doing(scenario_data, load, hand, back, stage):
    log = _run(load, scenario_data, hand, back)
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert [i["stage"] for i in dropped.details["items"]] == [stage]
    # the escalation the policy owed goes out once the role is back, once
    [escalated] = _sent(log, "council")
    assert escalated >= back
    assert len(_sent(log, "cert-b")) == 1
    # an unfinished analysis is done again, from the hand-back
    analysed = [e.time for e in events_of(log, "analysed", "cert-a")]
    assert analysed == ([100.0] if stage != "analysing" else [back + 30])


def test_what_a_person_acknowledged_and_left_is_taken_up(scenario_data, load):
    """A person takes the role before the report arrives, acknowledges it, does nothing
    more, and hands the role back at 200: the policy analyses and sends both messages."""
    def acknowledge(engine):
        engine.run_until(61)
        engine.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))

    log = _run(load, scenario_data, 0, 200, acknowledge)
    assert [e.details["by"] for e in events_of(log, "acknowledged", "cert-a")] == ["human"]
    assert [e.time for e in events_of(log, "analysed", "cert-a")] == [230.0]
    assert _sent(log, "cert-b") == [235.0] and _sent(log, "council") == [240.0]


@pytest.mark.parametrize("refs", [("inject:1",), ()])
def test_what_the_person_told_is_not_told_again(scenario_data, load, refs):
    """The person notified cert-b, passing the report on or not: the policy, taking
    the incident up again, escalates but does not notify cert-b a second time."""
    def notify(engine):
        engine.run_until(95)
        engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                          tlp="GREEN", refs=refs))

    log = _run(load, scenario_data, 90, 120, notify)
    assert _sent(log, "cert-b") == [95.0]  # the person's, and no other
    assert len(_sent(log, "council")) == 1
