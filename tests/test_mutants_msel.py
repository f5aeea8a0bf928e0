"""The facilitator's live control of the MSEL, and players' answers to tasks, through the
engine's boundary, on the hand-computable drill of tests/conftest.py (the cases mutation
testing of sim/engine/msel.py found untested).

Inject 1 reaches cert-a by e-mail at T+60 (T+01:00) and opens incident x. The tests
below add inject 2, due at T+180 (T+03:00) for cert-b by e-mail, and the contingency
C1 for cert-a. The drill lasts two days: 2880 minutes, T+2d00:00.
"""

from __future__ import annotations

import math

import pytest
from conftest import events_of

from scenarios.model import Inject
from sim.engine import ActionError, Engine
from sim.runs.when import check_ahead

SECOND = {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
          "tlp": "GREEN", "title": "Update", "text": "Second wave", "incident": {"id": "x"}}
CHASER = {"id": "C1", "type": "contingency", "delay": "15m", "sender": "ctl",
          "to": ["cert-a"], "via": "email", "title": "Chaser", "incident": {"id": "x"}}


@pytest.fixture
def engine(scenario_data, load):
    """The drill with injects 1, 2 and C1, every role played by the policy."""
    scenario_data["injects"] += [dict(SECOND), dict(CHASER)]
    return Engine(load(scenario_data), seed=0)


def delivered(log, inject):
    """(recipient, time) of each delivery of ``inject``."""
    return [(e.actor, e.time) for e in events_of(log, "inject_delivered")
            if e.details["inject"] == inject]


def command(engine, fn, *args):
    """Run a facilitator command; the events it logged, as (type, actor, incident,
    details, time)."""
    first = len(engine.log)
    fn(*args)
    return [(e.type, e.actor, e.incident, dict(e.details), e.time) for e in engine.log[first:]]


def refused(fn, *args) -> str:
    with pytest.raises(ActionError) as exc:
        fn(*args)
    return str(exc.value)


# --- delay -------------------------------------------------------------------------------


def test_delaying_a_waiting_inject_delivers_it_that_much_later(engine):
    engine.run_until(100)
    assert command(engine, engine.delay_inject, "2", 30) == [
        ("inject_rescheduled", None, "x", {"inject": "2", "at": 210.0}, 100)]
    assert delivered(engine.run(), "2") == [("cert-b", 210)]


def test_only_a_scheduled_inject_still_waiting_can_be_delayed(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    before = len(engine.log)
    for inject in ("1", "2"):  # delivered, skipped
        assert refused(engine.delay_inject, inject, 30) == (
            f"inject {inject!r} is not waiting to be delivered")
    # a contingency with no time: the refusal says how to give it one
    assert refused(engine.delay_inject, "C1", 30) == (
        "inject 'C1' has no time yet (it waits for its trigger), so there is none to "
        "delay: give it one with Reschedule")
    assert len(engine.log) == before
    assert delivered(engine.run(), "1") == [("cert-a", 60)]


def test_a_delay_must_be_a_positive_number_of_minutes_that_ends_before_the_drill(engine):
    # the console always delays by 30 minutes; a network client or a journal may ask
    # for anything: a negative delay would log a time in the past, and one past the end
    # would leave the inject waiting for ever
    engine.run_until(100)
    before = len(engine.log)
    for minutes in (-30, 0, math.nan, math.inf, "30", True):
        assert refused(engine.delay_inject, "2", minutes) == (
            "a delay is a number of minutes greater than zero")
    assert refused(engine.delay_inject, "2", 2880 - 180) == (
        "T+2d00:00 is at or after the drill ends (T+2d00:00)")
    assert len(engine.log) == before
    assert command(engine, engine.delay_inject, "2", 2880 - 181) == [
        ("inject_rescheduled", None, "x", {"inject": "2", "at": 2879.0}, 100)]
    assert delivered(engine.run(), "2") == [("cert-b", 2879)]


# --- skip and unskip ---------------------------------------------------------------------


def test_a_skipped_inject_waits_again_for_its_own_time_when_put_back(engine):
    engine.run_until(100)
    assert command(engine, engine.skip_inject, "2") == [
        ("inject_skipped", None, "x", {"inject": "2"}, 100)]
    assert refused(engine.skip_inject, "2") == "inject '2' is already skipped"
    assert command(engine, engine.unskip_inject, "2") == [
        ("inject_unskipped", None, "x", {"inject": "2", "at": 180.0}, 100)]
    assert delivered(engine.run(), "2") == [("cert-b", 180)]


def test_a_skipped_inject_is_not_delivered_at_its_time(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    assert delivered(engine.run(), "2") == []


def test_a_skipped_inject_put_back_at_a_chosen_time_goes_then_not_at_its_own(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    assert command(engine, engine.unskip_inject, "2", 150) == [
        ("inject_unskipped", None, "x", {"inject": "2", "at": 150.0}, 100)]
    assert delivered(engine.run(), "2") == [("cert-b", 150)]


def test_a_skipped_inject_put_back_in_the_minute_it_is_due_is_delivered_at_once(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    engine.run_until(180)  # the minute it is due; its own delivery has not yet come
    events = command(engine, engine.unskip_inject, "2")
    assert [(t, actor, when) for t, actor, _, _, when in events] == [
        ("inject_unskipped", None, 180), ("inject_delivered", "cert-b", 180)]
    assert delivered(engine.run(), "2") == [("cert-b", 180)]


def test_a_skipped_inject_whose_time_has_passed_needs_a_new_time(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    engine.run_until(200)
    assert refused(engine.unskip_inject, "2") == (
        "inject '2' was due at T+03:00, which has passed: give a new time, or now")
    engine.unskip_inject("2", 230)
    assert delivered(engine.run(), "2") == [("cert-b", 230)]


def test_a_skipped_contingency_inject_is_put_back_only_at_a_given_time(engine):
    engine.skip_inject("C1")
    assert refused(engine.unskip_inject, "C1") == (
        "inject 'C1' has no time of its own: give a time, or now")
    engine.unskip_inject("C1", 45)
    assert delivered(engine.run(), "C1") == [("cert-a", 45)]


def test_only_a_skipped_inject_can_be_put_back(engine):
    engine.run_until(100)
    before = len(engine.log)
    assert refused(engine.unskip_inject, "2") == "inject '2' is waiting, not skipped"
    assert refused(engine.unskip_inject, "1") == "inject '1' is already delivered, not skipped"
    assert refused(engine.skip_inject, "1") == "inject '1' is already fired"
    assert refused(engine.unskip_inject, "nope") == "unknown inject 'nope'"
    assert len(engine.log) == before


# --- reschedule --------------------------------------------------------------------------


@pytest.mark.parametrize("at", [150, 300])
def test_rescheduling_a_waiting_inject_moves_its_delivery_earlier_or_later(engine, at):
    engine.run_until(100)
    assert command(engine, engine.reschedule_inject, "2", at) == [
        ("inject_rescheduled", None, "x", {"inject": "2", "at": float(at)}, 100)]
    assert delivered(engine.run(), "2") == [("cert-b", at)]


def test_rescheduling_to_the_current_minute_delivers_it_at_once(engine):
    # half a minute into T+100, "T+01:40" is now
    engine.run_until(100.5)
    events = command(engine, engine.reschedule_inject, "2", 100)
    assert [(t, actor, d.get("at"), when) for t, actor, _, d, when in events] == [
        ("inject_rescheduled", None, 100.5, 100.5), ("inject_delivered", "cert-b", None, 100.5)]
    assert refused(engine.fire_inject, "2") == "inject '2' has already been delivered"
    assert refused(engine.edit_inject, "2", {"title": "Late"}).startswith(
        "inject '2' has already been delivered")
    assert delivered(engine.run(), "2") == [("cert-b", 100.5)]


def test_only_a_waiting_inject_can_be_rescheduled(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    assert refused(engine.reschedule_inject, "1", 300) == (
        "inject '1' is already delivered: only a waiting inject can be rescheduled")
    assert refused(engine.reschedule_inject, "2", 300) == (
        "inject '2' is skipped: only a waiting inject can be rescheduled")
    assert refused(engine.reschedule_inject, "nope", 300) == "unknown inject 'nope'"
    assert delivered(engine.run(), "2") == []


@pytest.mark.parametrize(("at", "why"), [
    (99, "T+01:39 has already passed (the drill is at T+01:40)"),
    (2881, "T+2d00:01 is at or after the drill ends (T+2d00:00)"),
    # nothing is delivered at the drill's last instant: the drill ends first
    (2880, "T+2d00:00 is at or after the drill ends (T+2d00:00)"),
    (True, "the time must be a number of minutes"),
    (math.nan, "the time must be a number of minutes"),
    (math.inf, "the time must be a number of minutes"),
    ("200", "the time must be a number of minutes"),
])
def test_a_new_time_in_the_past_after_the_end_or_not_a_number_is_refused(engine, at, why):
    engine.run_until(100.5)
    before = len(engine.log)
    assert refused(engine.reschedule_inject, "2", at) == why
    assert len(engine.log) == before
    assert delivered(engine.run(), "2") == [("cert-b", 180)]


def test_the_facilitator_s_forms_refuse_the_drill_end_as_the_engine_does():
    assert check_ahead(2879, 100.5, 2880) is None
    assert check_ahead(100, 100.5, 2880) is None
    assert check_ahead(2880, 100.5, 2880) == (
        "T+2d00:00 is at or after the drill ends (T+2d00:00)")
    assert check_ahead(99, 100.5, 2880) == (
        "T+01:39 has already passed (the drill is at T+01:40)")


# --- edit --------------------------------------------------------------------------------


def test_an_edited_inject_is_delivered_as_edited_and_the_change_logged(engine):
    engine.run_until(100)
    changes = {"title": "Update 2", "text": "Second wave", "to": ["council", "cert-a"],
               "tlp": "AMBER"}
    # the text is unchanged: it is not listed among the changes
    assert command(engine, engine.edit_inject, "2", changes) == [
        ("inject_edited", None, "x", {"inject": "2", "changed": ["title", "to", "tlp"],
                                      "title": "Update 2", "to": ["council", "cert-a"],
                                      "tlp": "AMBER"}, 100)]
    log = engine.run()
    assert delivered(log, "2") == [("council", 180), ("cert-a", 180)]
    sent = [e for e in events_of(log, "inject_delivered") if e.details["inject"] == "2"]
    assert {(e.details["title"], e.details["text"], e.details["tlp"]) for e in sent} == {
        ("Update 2", "Second wave", "AMBER")}


def test_an_inject_can_be_edited_again(engine):
    engine.edit_inject("2", {"text": "First draft"})
    assert command(engine, engine.edit_inject, "2", {"text": "Final"}) == [
        ("inject_edited", None, "x", {"inject": "2", "changed": ["text"], "text": "Final"}, 0)]
    [sent] = [e for e in events_of(engine.run(), "inject_delivered")
              if e.details["inject"] == "2"]
    assert (sent.details["title"], sent.details["text"]) == ("Update", "Final")


def test_a_contingency_inject_can_be_edited_before_it_is_set_off(scenario_data, load):
    # E1 (cert-a notifies within 30 minutes of T+60) is missed at T+90; C1 follows 15m later
    scenario_data["injects"].append(dict(CHASER))
    scenario_data["expectations"] = [{"id": "E1", "actors": ["cert-a"], "incident": "x",
                                      "action": "notify", "within": "30m",
                                      "contingency": "C1"}]
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(10)
    engine.edit_inject("C1", {"text": "Where is your notification?"})
    [sent] = [e for e in events_of(engine.run(), "inject_delivered")
              if e.details["inject"] == "C1"]
    assert (sent.actor, sent.time, sent.details["title"], sent.details["text"]) == (
        "cert-a", 105, "Chaser", "Where is your notification?")


def test_a_skipped_inject_can_be_edited_and_put_back(engine):
    engine.run_until(100)
    engine.skip_inject("2")
    engine.edit_inject("2", {"to": ["council"]})
    engine.unskip_inject("2")
    assert delivered(engine.run(), "2") == [("council", 180)]


@pytest.mark.parametrize(("changes", "why"), [
    ({}, "nothing to change"),
    (["title"], "nothing to change"),
    ({"title": "Update"}, "nothing changed"),
    ({"via": "phone", "sender": "cert-b"},
     "an inject's 'sender' cannot be edited; only its title, text, to, tlp"),
    ({"k" * 45: 1}, f"an inject's {'k' * 40!r} cannot be edited; only its title, text, to, tlp"),
    ({"to": "cert-a"}, "the recipients must be a list of at least one actor"),
    ({"to": []}, "the recipients must be a list of at least one actor"),
    ({"to": ["cert-a", 7]}, "the recipients must be a list of at least one actor"),
    ({"to": ["cert-a", "nobody"]}, "unknown actor 'nobody'"),
    ({"to": ["cert-a", "cert-a"]}, "a recipient is listed twice"),
    ({"tlp": "PURPLE"}, "the TLP label must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"),
    ({"title": 5}, "the title must be text"),
    ({"text": None}, "the text must be text"),
])
def test_an_edit_that_cannot_be_made_is_refused_and_changes_nothing(engine, changes, why):
    engine.run_until(100)
    before = len(engine.log)
    assert refused(engine.edit_inject, "2", changes) == why
    assert len(engine.log) == before
    [sent] = [e for e in events_of(engine.run(), "inject_delivered")
              if e.details["inject"] == "2"]
    assert (sent.actor, sent.details["title"], sent.details["tlp"]) == ("cert-b", "Update",
                                                                       "GREEN")


def test_a_delivered_inject_cannot_be_edited(engine):
    engine.run_until(100)
    assert refused(engine.edit_inject, "1", {"title": "Too late"}) == (
        "inject '1' has already been delivered: only a waiting or skipped inject can be "
        "edited")
    assert refused(engine.edit_inject, "nope", {"title": "Who?"}) == "unknown inject 'nope'"


# --- ad-hoc injects ----------------------------------------------------------------------


def adhoc(**fields) -> Inject:
    data = {"id": "A1", "sender": "ctl", "to": ["cert-b", "council"], "via": "email",
            "tlp": "AMBER", "type": "information", "title": "Heads-up",
            "text": "Check your logs", "incident": {"id": "x"}, **fields}
    return Inject.model_validate(data)


# T+04:00 is 13:00 in Singapore on the drill's first day
@pytest.mark.parametrize("at", ["T+04:00", "2026-08-19T13:00:00+08:00"])
def test_an_adhoc_inject_for_later_waits_in_the_msel_and_logs_what_it_will_deliver(engine,
                                                                                   at):
    engine.run_until(100)
    assert command(engine, engine.add_inject, adhoc(at=at), False) == [
        ("inject_added", None, "x", {
            "inject": "A1", "at": 240.0, "type": "information", "title": "Heads-up",
            "text": "Check your logs", "sender": "ctl", "to": ["cert-b", "council"],
            "via": "email", "tlp": "AMBER"}, 100)]
    assert engine.msel.next_time() == 180
    engine.reschedule_inject("2", 300)
    assert engine.msel.next_time() == 240
    assert delivered(engine.run(), "A1") == [("cert-b", 240), ("council", 240)]


def test_an_adhoc_inject_for_later_due_this_minute_is_delivered_at_once(engine):
    engine.run_until(100)
    events = command(engine, engine.add_inject, adhoc(at="T+01:40"), False)
    assert [(t, actor) for t, actor, *_ in events] == [
        ("inject_added", None), ("inject_delivered", "cert-b"), ("inject_delivered", "council")]


def test_an_adhoc_inject_sent_now_is_delivered_at_once(engine):
    engine.run_until(100)
    events = command(engine, engine.add_inject, adhoc())
    assert [(t, actor, when) for t, actor, _, _, when in events] == [
        ("inject_delivered", "cert-b", 100), ("inject_delivered", "council", 100)]
    # the MSEL's own call delivers at once unless told to wait
    engine.msel.add(adhoc(id="A2", to=["cert-a"], at="T+05:00"))
    assert delivered(engine.log, "A2") == [("cert-a", 100)]
    assert delivered(engine.run(), "A2") == [("cert-a", 100)]


def test_an_adhoc_inject_may_open_a_new_incident_of_a_given_type(engine):
    engine.run_until(100)
    engine.add_inject(adhoc(incident={"id": "z", "type": "phishing", "affected": ["TH"]}))
    [opened] = [e for e in events_of(engine.log, "incident_opened") if e.incident == "z"]
    assert (opened.time, opened.details["type"]) == (100, "phishing")


@pytest.mark.parametrize(("inject", "why"), [
    (adhoc(id="1"), "inject id '1' is already used"),
    (adhoc(via="fax"), "unknown channel 'fax'"),
    (adhoc(to=["cert-b", "nobody"]), "unknown actor 'nobody'"),
    (adhoc(sender="nobody"), "unknown actor 'nobody'"),
    (adhoc(incident={"id": "z"}), "a new incident 'z' needs a type"),
    (adhoc(), "an inject scheduled for later needs a time"),
    (adhoc(at="T+01:00"), "T+01:00 has already passed (the drill is at T+01:40)"),
    (adhoc(at="T+2d00:00"), "T+2d00:00 is at or after the drill ends (T+2d00:00)"),
])
def test_an_adhoc_inject_that_cannot_be_added_is_refused_and_not_kept(engine, inject, why):
    engine.run_until(100)
    before = len(engine.log)
    assert refused(engine.add_inject, inject, False) == why
    assert len(engine.log) == before
    assert sorted(engine.injects) == ["1", "2", "C1"]


def test_an_update_to_an_incident_not_yet_opened_needs_its_type(engine):
    # incident x opens with inject 1 at T+60; before that, an update to it is a new incident
    assert refused(engine.add_inject, adhoc()) == "a new incident 'x' needs a type"
    engine.run_until(60.5)
    engine.add_inject(adhoc())
    assert delivered(engine.log, "A1") == [("cert-b", 60.5), ("council", 60.5)]


# --- the next inject due -----------------------------------------------------------------


def test_the_next_time_is_that_of_the_earliest_inject_still_waiting(engine):
    msel = engine.msel
    engine.add_inject(adhoc(id="3", to=["cert-a"], at="T+05:00",
                            incident={"id": "x", "type": "botnet"}), False)
    assert msel.next_time() == 60
    engine.run_until(60)  # the minute inject 1 is due, not yet delivered
    assert msel.next_time() == 60
    engine.run_until(100)
    assert msel.next_time() == 180
    engine.skip_inject("2")
    assert msel.next_time() == 300
    engine.fire_inject("3")  # early: its time no longer counts
    assert msel.next_time() is None  # C1, a contingency, has no time of its own


# --- conditions on what was done ---------------------------------------------------------


@pytest.mark.parametrize(("done", "goes"), [
    ({"action": "escalate", "by": ["cert-a"], "incident": "x"}, True),
    ({"action": "escalate"}, True),  # anyone, on any incident
    ({"action": "escalate", "by": ["cert-b"]}, False),
    ({"action": "escalate", "incident": "y"}, False),
    ({"action": "request_takedown"}, False),
])
def test_an_inject_waits_for_an_action_by_the_actors_and_on_the_incident_named(
        scenario_data, load, done, goes):
    # cert-a escalates incident x at T+110 (acknowledged T+70, notified T+105); inject 2
    # is due at T+180 for the council
    scenario_data["injects"].append(dict(SECOND, to=["council"], when={"done": [done]}))
    if done.get("incident") == "y":
        # incident y must be one some inject opens (validation refuses it otherwise): it
        # opens after inject 2 has been decided, and nobody escalates it before then
        kind = scenario_data["injects"][0]["incident"]["type"]
        scenario_data["injects"].append(dict(SECOND, id="Y", at="T+1d20:00",
                                             incident={"id": "y", "type": kind}))
    log = Engine(load(scenario_data), seed=0).run()
    assert delivered(log, "2") == ([("council", 180)] if goes else [])
    skipped = [(e.time, dict(e.details)) for e in events_of(log, "inject_skipped")]
    assert skipped == ([] if goes else [(180, {"inject": "2", "reason": "condition"})])


# --- a call that waits for someone at the desk -------------------------------------------


@pytest.mark.parametrize(("at", "arrives"), [("T+00:30", 60), ("T+10:00", 1500)])
def test_a_phone_inject_reaches_a_team_once_it_is_on_duty(scenario_data, load, at, arrives):
    # cert-b (Bangkok, an hour behind) works 09:00-17:00 local: T+60 to T+540, and from
    # T+1500 the next day
    # an inject that may come first gives the incident's type
    kind = scenario_data["injects"][0]["incident"]["type"]
    scenario_data["injects"].append(
        dict(SECOND, at=at, via="phone", incident={**SECOND["incident"], "type": kind}))
    log = Engine(load(scenario_data), seed=0).run()
    [sent] = [e for e in events_of(log, "inject_delivered") if e.details["inject"] == "2"]
    minutes = int(at[2:4]) * 60 + int(at[5:])
    assert (sent.actor, sent.time, sent.details["duty_wait"]) == (
        "cert-b", arrives, arrives - minutes)


# --- player tasks ------------------------------------------------------------------------


@pytest.fixture
def tasked(scenario_data, load):
    """Q1 is asked of cert-a when inject 1 reaches it (T+60); Q2 of cert-b at T+05:00."""
    scenario_data["tasks"] = [
        {"id": "Q1", "question": "Which addresses will you block?", "to": ["cert-a"],
         "inject": "1", "incident": "x"},
        {"id": "Q2", "question": "Who did you tell?", "to": ["cert-b"], "at": "T+05:00",
         "incident": "x"},
    ]
    return Engine(load(scenario_data), seed=0, human=["cert-a", "cert-b"])


def test_an_answer_is_logged_trimmed_and_a_later_one_replaces_it(tasked):
    tasked.run_until(100)
    assert command(tasked, tasked.answer_task, "cert-a", "Q1", "  203.0.113.45 \n") == [
        ("task_answered", "cert-a", "x", {"task": "Q1", "text": "203.0.113.45"}, 100)]
    tasked.run_until(110)
    tasked.answer_task("cert-a", "Q1", "203.0.113.45 and 198.51.100.7")
    assert tasked.msel.answers == {("Q1", "cert-a"): "203.0.113.45 and 198.51.100.7"}
    assert [e.details["text"] for e in events_of(tasked.log, "task_answered")] == [
        "203.0.113.45", "203.0.113.45 and 198.51.100.7"]


def test_only_a_task_asked_of_the_player_can_be_answered(tasked):
    tasked.run_until(100)
    before = len(tasked.log)
    assert refused(tasked.answer_task, "cert-b", "Q2", "CERT-A") == (
        "no task 'Q2' was asked of cert-b")  # not before T+05:00
    assert refused(tasked.answer_task, "cert-b", "Q1", "None") == (
        "no task 'Q1' was asked of cert-b")
    # a task that does not exist reads the same: no team learns another's task ids
    assert refused(tasked.answer_task, "cert-a", "Q9", "?") == "no task 'Q9' was asked of cert-a"
    assert refused(tasked.answer_task, "cert-a", "Q1", " \n ") == "an answer needs some text"
    assert len(tasked.log) == before and tasked.msel.answers == {}
    tasked.run_until(301)
    tasked.answer_task("cert-b", "Q2", "CERT-A")
    assert tasked.msel.answers == {("Q2", "cert-b"): "CERT-A"}


# --- the password of a protected artefact: Msel._password --------------------------------
#
# Inject 1 (T+01:00, 10:00 in Singapore on Wednesday) carries note.txt, whose password
# follows by phone after ``delay``; cert-a works 09:00-17:00 and the phone needs someone
# at the desk.


def _protected(scenario_data, tmp_path, **protected):
    (tmp_path / "note.txt").write_bytes(b"ransom note\n")
    scenario_data["injects"][0]["artefacts"] = [
        {"file": "note.txt", "protected": {"password_via": "phone", "password": "pw",
                                           **protected}}]
    return scenario_data


def _password_events(log):
    return [(e.type, e.actor, e.incident, dict(e.details), e.time) for e in log
            if e.type.startswith("password_")]


ABOUT = {"inject": "1", "artefact": "note.txt", "sender": "ctl", "channel": "phone"}


def test_the_password_follows_by_phone_after_its_delay(scenario_data, load, tmp_path):
    log = Engine(load(_protected(scenario_data, tmp_path, delay="10m")), seed=0).run()
    assert _password_events(log) == [
        ("password_delivered", "cert-a", "x", {**ABOUT, "password": "pw", "duty_wait": 0.0}, 70)]


def test_a_password_due_after_hours_waits_for_the_desk_and_says_how_long(
        scenario_data, load, tmp_path):
    # due at T+08:00, 17:00 in Singapore: closed; the phone is answered at 09:00 on
    # Thursday, T+1d00:00 (1440), after a wait of 1440 - 480 = 960 minutes
    log = Engine(load(_protected(scenario_data, tmp_path, delay="7h")), seed=0).run()
    assert _password_events(log) == [
        ("password_delivered", "cert-a", "x", {**ABOUT, "password": "pw", "duty_wait": 960.0},
         1440)]


def test_a_password_on_a_channel_the_team_has_no_contact_on_is_lost(
        scenario_data, load, tmp_path):
    del scenario_data["actors"]["cert-a"]["contacts"]["phone"]
    log = Engine(load(_protected(scenario_data, tmp_path, delay="10m")), seed=0).run()
    assert _password_events(log) == [
        ("password_lost", "cert-a", "x", {**ABOUT, "reason": "no_contact"}, 70)]


def test_a_password_to_a_stale_number_is_lost(scenario_data, load, tmp_path):
    scenario_data["actors"]["cert-a"]["contacts"]["phone"]["stale"] = True
    log = Engine(load(_protected(scenario_data, tmp_path, delay="10m")), seed=0).run()
    assert _password_events(log) == [
        ("password_lost", "cert-a", "x", {**ABOUT, "reason": "stale_contact"}, 70)]


@pytest.mark.parametrize(("effect", "expected"), [
    ("lose", [("password_lost", "cert-a", "x", {**ABOUT, "reason": "outage"}, 70)]),
    # held until the phone is back at T+02:00, 50 minutes after it was due
    ("hold", [("password_delivered", "cert-a", "x",
               {**ABOUT, "password": "pw", "duty_wait": 50.0}, 120)]),
])
def test_a_password_sent_into_a_phone_outage(scenario_data, load, tmp_path, effect, expected):
    scenario_data["outages"] = [{"channel": "phone", "actor": "cert-a", "start": "T+01:05",
                                 "end": "T+02:00", "effect": effect}]
    log = Engine(load(_protected(scenario_data, tmp_path, delay="10m")), seed=0).run()
    assert _password_events(log) == expected


def test_an_outage_elsewhere_leaves_the_password_alone(scenario_data, load, tmp_path):
    # cert-b's phone is down, not cert-a's; the outage table is in use all the same
    scenario_data["outages"] = [{"channel": "phone", "actor": "cert-b", "start": "T+01:05",
                                 "end": "T+02:00", "effect": "lose"}]
    log = Engine(load(_protected(scenario_data, tmp_path, delay="10m")), seed=0).run()
    assert _password_events(log) == [
        ("password_delivered", "cert-a", "x", {**ABOUT, "password": "pw", "duty_wait": 0.0}, 70)]


# --- delivering an inject: Msel._to and Msel._update_truth -------------------------------


def _run(scenario_data, load):
    return Engine(load(scenario_data), seed=0).run()


def _of(log, *types):
    return [(e.type, e.actor, e.incident, dict(e.details), e.time) for e in log
            if e.type in types]


def test_an_inject_opens_its_incident_and_arrives_with_all_it_says(scenario_data, load):
    log = _run(scenario_data, load)
    assert _of(log, "incident_opened", "incident_updated", "inject_delivered") == [
        ("incident_opened", None, "x",
         {"inject": "1", "type": "botnet", "title": "Report", "severity": "medium",
          "affected": ["SG", "TH"], "hosted_in": [], "crime_suspected": False,
          "affected_certs": ["cert-a", "cert-b"], "hosting_certs": []}, 60),
        ("inject_delivered", "cert-a", "x",
         {"ref": "inject:1", "inject": "1", "sender": "ctl", "channel": "email",
          "channel_kind": "email", "tlp": "GREEN", "facts_tlp": "GREEN", "title": "Report",
          "type": "event", "duty_wait": 0.0, "text": "", "artefacts": [],
          "expected_actions": [], "facts": ["type:botnet", "affected:SG", "affected:TH"]}, 60),
    ]
    # what the inject said reaches cert-a's picture: it passes it on to cert-b at T+105
    [sent] = [e for e in events_of(log, "message_sent") if e.details["to"] == "cert-b"]
    assert sent.time == 105


def test_a_later_inject_that_changes_the_incident_updates_it_and_one_that_does_not_is_silent(
        scenario_data, load):
    scenario_data["injects"] += [
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "title": "Update", "incident": {"id": "x", "hosted_in": ["TH"], "severity": "high"}},
        {"id": "3", "at": "T+04:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "title": "Same again", "incident": {"id": "x", "hosted_in": ["TH"]}},
    ]
    log = _run(scenario_data, load)
    assert _of(log, "incident_updated") == [
        ("incident_updated", None, "x",
         {"inject": "2", "type": "botnet", "title": "Report", "severity": "high",
          "affected": ["SG", "TH"], "hosted_in": ["TH"], "crime_suspected": False,
          "affected_certs": ["cert-a", "cert-b"], "hosting_certs": ["cert-b"]}, 180)]
    assert [e.details["facts"] for e in events_of(log, "inject_delivered", "cert-b")
            if e.details["inject"] != "1"] == [["severity:high", "hosted:TH"], ["hosted:TH"]]
    [opened] = events_of(log, "incident_opened")
    assert opened.time == 60 and opened.details["inject"] == "1"


LOST = {"ref": "inject:1", "inject": "1", "sender": "ctl", "channel": "email", "verb": "inject"}


def test_an_inject_to_a_stale_address_is_lost(scenario_data, load):
    # (an inject to a team with no contact on its channel is refused when the scenario
    # is read)
    scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    log = _run(scenario_data, load)
    assert _of(log, "message_lost", "inject_delivered") == [
        ("message_lost", "cert-a", "x", {**LOST, "reason": "stale_contact"}, 60)]
    assert not events_of(log, "acknowledged")


def _email_outage(scenario_data, actor="cert-a", effect="lose"):
    scenario_data["outages"] = [{"channel": "email", "actor": actor, "start": "T+00:30",
                                 "end": "T+02:00", "effect": effect}]
    return scenario_data


def test_an_inject_into_an_outage_of_the_teams_mail_is_lost(scenario_data, load):
    log = _run(_email_outage(scenario_data), load)
    assert _of(log, "message_lost", "inject_delivered") == [
        ("message_lost", "cert-a", "x", {**LOST, "reason": "outage"}, 60)]


def test_an_inject_held_by_an_outage_arrives_when_the_mail_is_back(scenario_data, load):
    log = _run(_email_outage(scenario_data, effect="hold"), load)
    [(kind, actor, incident, details, time)] = _of(log, "message_lost", "inject_delivered")
    assert (kind, actor, incident, time) == ("inject_delivered", "cert-a", "x", 120)
    assert details["facts"] == ["type:botnet", "affected:SG", "affected:TH"]
    assert [e.time for e in events_of(log, "acknowledged", "cert-a")] == [130]


def test_an_outage_of_another_teams_mail_does_not_touch_the_inject(scenario_data, load):
    log = _run(_email_outage(scenario_data, actor="cert-b"), load)
    assert [(t, a, time) for t, a, _, d, time in _of(log, "message_lost", "inject_delivered")
            if d.get("inject") == "1"] == [("inject_delivered", "cert-a", 60)]


def test_an_artefact_file_is_recorded_with_its_hash_size_and_password_channel(
        scenario_data, load, tmp_path):
    import hashlib

    (tmp_path / "note.txt").write_bytes(b"ransom note\n")
    (tmp_path / "log.txt").write_bytes(b"a log\n")
    scenario_data["injects"][0]["artefacts"] = [
        {"file": "note.txt", "protected": {"password_via": "phone"}},
        {"file": "log.txt", "name": "server.log"}]
    [delivered] = events_of(_run(scenario_data, load), "inject_delivered")
    assert delivered.details["files"] == [
        {"name": "note.txt", "file": "note.txt",
         "sha256": hashlib.sha256(b"ransom note\n").hexdigest(), "bytes": 12,
         "password_via": "phone"},
        {"name": "server.log", "file": "log.txt",
         "sha256": hashlib.sha256(b"a log\n").hexdigest(), "bytes": 6}]


# --- inject conditions: Msel.holds ----------------------------------------------------------


@pytest.mark.parametrize(("at", "delivered"), [("T+01:30", True), ("T+03:00", False)])
def test_an_inject_for_a_phase_goes_only_during_that_phase(scenario_data, load, at, delivered):
    scenario_data["drill"]["phases"] = {"detection": {"start": "T+00:00", "end": "T+02:00"},
                                        "response": {"start": "T+02:00"}}
    scenario_data["injects"].append(
        {"id": "2", "at": at, "sender": "ctl", "to": ["cert-b"], "via": "email",
         "title": "Only while detecting", "incident": {"id": "x"},
         "when": {"phase": ["detection"]}})
    log = _run(scenario_data, load)
    got = [e.actor for e in events_of(log, "inject_delivered") if e.details["inject"] == "2"]
    skipped = [e.details for e in events_of(log, "inject_skipped")]
    assert got == (["cert-b"] if delivered else [])
    assert skipped == ([] if delivered else [{"inject": "2", "reason": "condition"}])
