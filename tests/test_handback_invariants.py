"""What a role handed to a person and back to the automated policy leaves the policy to
do, and what it must not do again.

The hand-computed drill (tests/conftest.py): control's report on incident x reaches
cert-a at T+01:00 (60); the policy acknowledges it in 10 minutes (70), analyses for 30
(100), drafts the notification to cert-b for 5 (105), then the escalation to the council
for 5 more (110). E-mail takes 5 minutes, a phone call 1. Every desk is open 09:00-17:00
local time (cert-a: T+00:00 to T+08:00, and T+24:00 to T+32:00 the next day).

- What the person did counts as the role's, whenever the policy looks at a rule: on the
  hand-back's take-up, for an item the person never acknowledged, for a later item, and
  for a rule released from a hold.
- A rule that follows the receipts of another (``after``) still follows when they were
  read while a person played the role.
- A retry after a bounce, or a chase, that fell due while a person played the role is
  taken up at the hand-back.
- A role handed over and straight back reads none of its unread mail; an item handled
  again at a hand-back counts its waiting from its arrival.
- A hand-back starts no work where the policy owes nothing.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from scenarios.loader import bundled_scenarios, load_scenario
from sim.engine import Action, Engine

NEXT_OPENING = 24 * 60.0  # Thursday 09:00 in Singapore


def _hand(engine: Engine, role: str, over: float, back: float, person=None) -> list:
    """``role`` goes to a person at ``over`` and back to the policy at ``back``;
    ``person(engine)`` acts meanwhile."""
    engine.run_until(over)
    engine.set_human(role, True)
    if person is not None:
        person(engine)
    engine.run_until(back)
    engine.set_human(role, False)
    return engine.run()


def _sent(log, to: str, verb: str | None = None) -> list[tuple[float, str]]:
    return [(e.time, e.details["by"]) for e in events_of(log, "message_sent", "cert-a")
            if e.details["to"] == to and (verb is None or e.details["verb"] == verb)]


def _at(t: float, *actions: Action):
    def act(engine: Engine) -> None:
        engine.run_until(t)
        for action in actions:
            engine.act(action)
    return act


ACK = Action("cert-a", "acknowledge", "x", refs=("inject:1",))
# passing nothing on: the recipients are told none of the report's facts
NOTIFY = Action("cert-a", "notify", "x", targets=("cert-b",), channel="email", tlp="GREEN")
ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="GREEN")


# --- what the person did counts as the role's -------------------------------------------


def test_messages_the_person_sent_without_acknowledging_are_not_sent_again(
        scenario_data, load):
    """The person notifies cert-b and escalates at T+61 without acknowledging the report;
    back at T+200, the policy handles the report afresh (acknowledges and analyses it)
    but tells neither recipient again."""
    log = _hand(Engine(load(scenario_data), seed=0), "cert-a", 0, 200,
                _at(61, NOTIFY, ESCALATE))
    assert [(e.time, e.details["by"]) for e in events_of(log, "acknowledged", "cert-a")] \
        == [(210, "policy")]
    assert _sent(log, "cert-b") == [(61, "human")]
    assert _sent(log, "council") == [(61, "human")]


def test_a_later_report_does_not_repeat_what_the_person_sent(scenario_data, load):
    """The person acknowledges the report and notifies cert-b; back at T+200 the policy
    escalates. A second report on x at T+05:00 grows the picture: the policy looks at
    its rules again and still does not notify cert-b a second time."""
    scenario_data["injects"].append(
        {"id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update",
         "incident": {"id": "x", "severity": "high", "affected": ["SG", "TH"]}})
    log = _hand(Engine(load(scenario_data), seed=0), "cert-a", 0, 200, _at(61, ACK, NOTIFY))
    assert [e.details["refs"] for e in events_of(log, "acknowledged", "cert-a")] == [
        ["inject:1"], ["inject:2"]]
    assert _sent(log, "cert-b") == [(61, "human")]
    assert [by for _t, by in _sent(log, "council")] == ["policy"]


def test_an_effect_the_person_carried_out_without_acknowledging_is_not_repeated(
        scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["preserve"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "preserve", "deadline": "4h"}
    log = _hand(Engine(load(scenario_data), seed=0), "cert-a", 0, 200,
                _at(61, Action("cert-a", "preserve", "x")))
    assert [(e.time, e.details["by"]) for e in events_of(log, "preserved", "cert-a")] == [
        (61, "human")]


def test_a_rule_released_from_a_hold_does_not_repeat_the_persons_effect(scenario_data, load):
    """A takedown held until the preservation: the person took the material down but did
    not preserve it. Back at T+200, the policy preserves it, and the takedown, which the
    person carried out, is not carried out again (nor shown as held)."""
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["takedown"] = {"by": ["national_cert"], "on": ["inject"], "action": "takedown",
                         "hold_until": ["preserve"]}
    rules["preserve"] = {"by": ["national_cert"], "on": ["inject"], "action": "preserve"}
    log = _hand(Engine(load(scenario_data), seed=0), "cert-a", 0, 200,
                _at(61, ACK, Action("cert-a", "takedown", "x")))
    assert [(e.time, e.details["by"]) for e in events_of(log, "takedown_completed", "cert-a")] \
        == [(61, "human")]
    assert [e.details["by"] for e in events_of(log, "preserved", "cert-a")] == ["policy"]
    assert not events_of(log, "held", "cert-a")


# --- a follow-on rule whose receipts were read while a person played --------------------


def _follow_on(data):
    """Once cert-b's receipt for the notification is read, cert-a shares a situation
    report with the council: the receipt comes back at T+125, the share goes at T+130."""
    data["frameworks"]["fw"]["rules"]["sitrep"] = {
        "by": ["national_cert"], "after": ["notify"], "action": "share", "to": ["council"],
        "channel": "email", "deadline": "4h", "tlp": "GREEN"}
    return data


def _shares(log) -> list[tuple[float, str, float]]:
    return [(e.time, e.details["trigger"], e.details["trigger_at"])
            for e in events_of(log, "message_sent", "cert-a") if e.details["verb"] == "share"]


def test_a_follow_on_whose_receipt_came_in_while_a_person_played_still_goes(
        scenario_data, load):
    """cert-a goes to a person at T+122 and back at T+127; the receipt came in at T+125.
    The share goes out once the role is back (at T+132), due from the receipt, as it
    would have been at T+130."""
    loaded = load(_follow_on(scenario_data))
    assert _shares(Engine(loaded, seed=0).run()) == [(130, "after:notify", 125)]
    log = _hand(Engine(loaded, seed=0), "cert-a", 122, 127)
    assert _shares(log) == [(132, "after:notify", 125)]


@pytest.mark.parametrize("back", [128, 140])  # straight back, or after 12 minutes
def test_a_follow_on_dropped_by_a_hand_over_goes_at_the_hand_back(scenario_data, load, back):
    """The share is being drafted when the role goes to a person at T+128: once the role
    is back, the policy drafts it again and sends it, once, set off by the receipt."""
    log = _hand(Engine(load(_follow_on(scenario_data)), seed=0), "cert-a", 128, back)
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert dropped.details["items"] == [
        {"ref": "after:notify", "incident": "x", "stage": "drafting sitrep"}]
    assert _shares(log) == [(back + 5, "after:notify", 125)]


def test_the_police_still_refer_to_their_central_authority():
    """ocsem-law-enforcement, seed 1: PNP is played by a person from T+05:30 to T+05:40
    while the receipt of its preservation request comes back: the referral to the
    central authority, which follows it, still goes."""
    [path] = [p for p in bundled_scenarios() if p.stem == "ocsem-law-enforcement"]
    loaded = load_scenario(path)
    log = _hand(Engine(loaded, seed=1, words=False), "police-ph", 330, 340)
    referrals = [e for e in events_of(log, "message_sent", "police-ph")
                 if e.details["rule"] == "mla-to-central-authority"]
    assert [e.details["to"] for e in referrals] == ["ca-ph"]


# --- retries and chases that fell due while a person played -----------------------------


def _stale_email_to_cert_b(data, bounce: bool):
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    if bounce:
        data["channels"]["email"]["bounce"] = "5m"
    return data


def _notify_attempts(log) -> list[tuple[float, str, str | None]]:
    return [(e.time, e.details["channel"], e.details.get("retry"))
            for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "cert-b"]


def test_a_retry_after_a_bounce_is_taken_up_at_the_hand_back(scenario_data, load):
    """The notification bounces at T+110 and cert-a would call cert-b at once; the role
    is with a person from T+107 to T+115, who does nothing: back with the policy, it
    calls at T+115, and cert-b acknowledges."""
    loaded = load(_stale_email_to_cert_b(scenario_data, bounce=True))
    assert _notify_attempts(Engine(loaded, seed=0).run()) == [
        (105, "email", None), (110, "phone", "bounced")]
    log = _hand(Engine(loaded, seed=0), "cert-a", 107, 115)
    assert _notify_attempts(log) == [(105, "email", None), (115, "phone", "bounced")]
    assert [e.details["senders"] for e in events_of(log, "acknowledged", "cert-b")] == [
        ["cert-a"]]


def test_a_chase_is_taken_up_at_the_hand_back(scenario_data, load):
    """The notification vanishes (a stale address that does not bounce); cert-a would
    chase it by phone after an hour's work, at T+165. The role is with a person from
    T+150 to T+170: back with the policy, it chases at T+170."""
    loaded = load(_stale_email_to_cert_b(scenario_data, bounce=False))
    assert [e.time for e in events_of(Engine(loaded, seed=0).run(), "message_chased")] \
        == [165]
    log = _hand(Engine(loaded, seed=0), "cert-a", 150, 170)
    assert [(e.time, e.details["to"]) for e in events_of(log, "message_chased")] == [
        (170, "cert-b")]
    assert _notify_attempts(log) == [(105, "email", None), (170, "phone", "unacknowledged")]


def test_no_retry_to_a_recipient_the_person_reached_meanwhile(scenario_data, load):
    """The person called cert-b with the notification at T+112: the policy, back at T+115,
    does not retry its own."""
    loaded = load(_stale_email_to_cert_b(scenario_data, bounce=True))
    call = Action("cert-a", "notify", "x", targets=("cert-b",), channel="phone",
                  tlp="GREEN", refs=("inject:1",))
    log = _hand(Engine(loaded, seed=0), "cert-a", 107, 115, _at(112, call))
    assert _notify_attempts(log) == [(105, "email", None), (112, "phone", None)]


def test_krcert_and_tonga_are_still_reached_after_a_short_hand_over():
    """apcert-outage, seed 0: JPCERT/CC's e-mails to KrCERT/CC and Tonga's CERT bounce at
    T+01:29 while a person holds JPCERT from T+01:25 to T+01:35: both are called once
    the role is back, and both acknowledge."""
    [path] = [p for p in bundled_scenarios() if p.stem == "apcert-outage"]
    log = _hand(Engine(load_scenario(path), seed=0, words=False), "jpcert", 85, 95)
    retried = [(e.time, e.details["to"]) for e in events_of(log, "message_sent", "jpcert")
               if e.details.get("retry") == "bounced"]
    assert sorted(to for _t, to in retried) == ["krcert", "tonga-cert"]
    assert all(t == 95 for t, _to in retried)
    assert {e.actor for e in events_of(log, "acknowledged")} >= {"krcert", "tonga-cert"}


# --- a role handed over and straight back; items handled again --------------------------


def _after_hours(data):
    """The report reaches cert-a at T+10:00, after hours: it waits unread for the office
    to open (T+24:00)."""
    data["injects"][0]["at"] = "T+10:00"
    return data


def _toggled(loaded, at: float) -> list:
    engine = Engine(loaded, seed=0)
    engine.run_until(at)
    engine.set_human("cert-a", True)
    engine.set_human("cert-a", False)
    return engine.run()


def _deadlines(log) -> list[tuple[str, float, float]]:
    return [(e.type, e.details["trigger_at"], e.details["deadline_at"]) for e in log
            if e.actor == "cert-a" and e.type in ("notified", "escalated")]


def test_a_role_handed_over_and_straight_back_reads_none_of_its_mail(scenario_data, load):
    """Toggled at T+11:00, the report the closed office left unread is read when the
    office opens, as without the toggle: the notification is due from then."""
    loaded = load(_after_hours(scenario_data))
    plain = Engine(loaded, seed=0).run()
    log = _toggled(loaded, 660)
    assert _deadlines(plain) == [("notified", NEXT_OPENING + 10, NEXT_OPENING + 250),
                                 ("escalated", NEXT_OPENING + 10, NEXT_OPENING + 250)]
    assert _deadlines(log) == _deadlines(plain)


def test_a_real_hand_over_reads_the_mail_at_once(scenario_data, load):
    """The person takes the role at T+11:00 and keeps it until T+12:00: the report is read
    at T+11:00, and the policy, back, owes the notification from then."""
    log = _hand(Engine(load(_after_hours(scenario_data)), seed=0), "cert-a", 660, 720)
    assert _deadlines(log) == [("notified", 660, 900), ("escalated", 660, 900)]


def test_a_person_acting_at_once_has_read_the_mail(scenario_data, load):
    """Handed over at T+11:00, the person at once notifies cert-b, passing nothing on: the
    message names the incident by the report's title, which the person has read."""
    engine = Engine(load(_after_hours(scenario_data)), seed=0)
    engine.run_until(660)
    engine.set_human("cert-a", True)
    engine.act(NOTIFY)
    [sent] = events_of(engine.log, "message_sent", "cert-a")
    assert sent.details["subject"].endswith(": Report")


def _acknowledged(log) -> list[tuple[float, float, float]]:
    return [(e.time, e.details["off_duty"], e.details["queued"])
            for e in events_of(log, "acknowledged", "cert-a")]


def test_an_item_handled_again_after_a_toggle_counts_the_night_as_off_duty(
        scenario_data, load):
    """Toggled at T+11:00, the report still waited for the office from its arrival at
    T+10:00: 840 minutes off duty, as without the toggle."""
    loaded = load(_after_hours(scenario_data))
    plain = _acknowledged(Engine(loaded, seed=0).run())
    assert plain == [(NEXT_OPENING + 10, 840, 0)]
    assert _acknowledged(_toggled(loaded, 660)) == [pytest.approx(plain[0], abs=1e-6)]


def test_an_item_left_to_the_policy_counts_from_its_arrival(scenario_data, load):
    """A person holds cert-a from T+09:50 to T+11:40 and leaves the report, which came at
    T+10:00, unacknowledged: the policy acknowledges it at the opening, and the whole
    night since its arrival is time off duty."""
    log = _hand(Engine(load(_after_hours(scenario_data)), seed=0), "cert-a", 590, 700)
    assert _acknowledged(log) == [pytest.approx((NEXT_OPENING + 10, 840, 0), abs=1e-6)]


# --- a hand-back where the policy owes nothing -------------------------------------------


def test_a_hand_back_with_nothing_owed_starts_no_work(scenario_data, load):
    """The policy has done everything on x by T+110. cert-a goes to a person at T+10:00
    (the office closed), back at T+10:30 and to a person again at T+11:00: the policy had
    nothing to take up, and nothing is dropped."""
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(600)
    engine.set_human("cert-a", True)
    engine.run_until(630)
    engine.set_human("cert-a", False)
    engine.run_until(660)
    engine.set_human("cert-a", True)
    log = engine.run()
    assert [(e.time, e.type) for e in log if e.actor == "cert-a" and e.time >= 600] == [
        (600, "role_changed"), (630, "role_changed"), (660, "role_changed")]


def test_a_hand_back_undone_and_redone_at_once_takes_the_incident_up_once(
        scenario_data, load):
    """cert-a (one desk) is with a person from T+107, while the policy drafted the
    escalation. At T+130 it goes back, over and back again at once: the policy takes x
    up once, and a hand-over at T+132 drops only the escalation being drafted."""
    scenario_data["actors"]["cert-a"]["capacity"] = 1
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(107)
    engine.set_human("cert-a", True)
    engine.run_until(130)
    for human in (False, True, False):
        engine.set_human("cert-a", human)
    log = _hand(engine, "cert-a", 132, 140)
    assert [(e.time, e.details["items"]) for e in events_of(log, "work_dropped", "cert-a")] \
        == [(107, [{"ref": "inject:1", "incident": "x", "stage": "drafting escalate"}]),
            (132, [{"ref": "inject:1", "incident": "x", "stage": "drafting escalate"}])]
    assert _sent(log, "council") == [(145, "policy")]
