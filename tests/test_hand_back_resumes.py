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


def test_an_effect_the_person_carried_out_is_not_carried_out_again(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["preserve"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "preserve", "deadline": "4h"}

    def preserve(engine):
        engine.run_until(61)
        engine.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
        engine.act(Action("cert-a", "preserve", "x"))

    log = _run(load, scenario_data, 0, 200, preserve)
    assert [(e.time, e.details["by"]) for e in events_of(log, "preserved", "cert-a")] == [
        (61, "human")]


def test_an_update_the_policy_was_drafting_still_goes_out(scenario_data, load):
    """Malaysia joins the group and a second report (T+180) adds it: the policy drafts
    an updated escalation (T+190 to T+195) when the role goes to a person at T+192; the
    role back at T+200, the update goes out at T+205."""
    scenario_data["groups"]["asean"] = ["SG", "TH", "MY"]
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update",
         "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    log = _run(load, scenario_data, 192, 200)
    assert [i["stage"] for e in events_of(log, "work_dropped") for i in e.details["items"]] \
        == ["drafting escalate"]
    assert _sent(log, "council") == [110.0, 205.0]


def test_a_rule_held_until_what_the_person_did_goes_on(scenario_data, load):
    """A share held until the escalation: the person escalated, so once the role is back
    the policy sends the share too."""
    scenario_data["frameworks"]["fw"]["rules"]["sitrep"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "share", "to": ["cert-b"],
        "channel": "email", "deadline": "4h", "tlp": "GREEN", "hold_until": ["escalate"]}

    def escalate(engine):
        engine.run_until(61)
        engine.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
        engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                          tlp="GREEN", refs=("inject:1",)))

    log = _run(load, scenario_data, 0, 200, escalate)
    shares = [e.time for e in events_of(log, "message_sent", "cert-a")
              if e.details["verb"] == "share"]
    assert shares == [240.0]
    assert _sent(log, "council") == [61.0]


def test_a_role_put_right_after_the_end_starts_no_work(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(90)
    engine.set_human("cert-a", True)
    log = engine.run()
    # who played the role is put right, back and forth, for the review's comparison
    engine.set_human("cert-a", False)
    engine.set_human("cert-a", True)
    engine.set_human("cert-a", False)
    after = [e.type for e in log[[e.type for e in log].index("drill_ended") + 1:]]
    assert after == ["role_changed"] * 3  # and no work started, nor dropped
