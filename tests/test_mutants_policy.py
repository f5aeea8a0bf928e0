"""The automated policy's decisions on hand-computable drills: conditions on the drill
phase, the local time and actions done, rules held until others are done, rules that
follow acknowledged messages, and work dropped at a hand-over (the cases mutation
testing of sim/engine/policy.py found untested).

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore, 09:00-17:00) by
e-mail at T+60 (10:00 local) and opens incident x (affected: SG, TH). cert-a
acknowledges at T+70 (10m), analyses until T+100 (30m) and then looks at its rules in
the framework's order: it notifies cert-b at T+105 and escalates to the council at
T+110 (5m drafting each; e-mail takes 5m). cert-b acknowledges at T+120, the council at
T+125; each analyses for 30m.
"""

from __future__ import annotations

import pytest
from conftest import cert, events_of

from sim.engine import Engine


def _rules(scenario_data):
    return scenario_data["frameworks"]["fw"]["rules"]


def _done(log, type_):
    """(time, actor) of every event of this type, in order."""
    return [(e.time, e.actor) for e in log if e.type == type_]


def _run(scenario_data, load):
    return Engine(load(scenario_data), seed=0).run()


# --- conditions on the situation: situation_holds and knows_done ------------------------


@pytest.mark.parametrize(("start", "end", "notified", "escalated"), [
    ("T+01:40", "T+03:00", [(105, "cert-a")], 110),  # the phase begins as the rules are read
    ("T+01:00", None, [(105, "cert-a")], 110),  # until the drill's end
    ("T+00:30", "T+01:40", [], 105),  # the phase ended as the rules were read
    # not yet begun: the rule looks again when the phase begins, at the other desk
    ("T+01:41", None, [(106, "cert-a")], 105),
])
def test_a_rule_for_a_phase_applies_from_its_start_up_to_its_end(scenario_data, load, start,
                                                                  end, notified, escalated):
    # cert-a reads its rules at T+100
    scenario_data["drill"]["phases"] = {"response": {"start": start, **({"end": end} if end
                                                                        else {})}}
    _rules(scenario_data)["notify"]["when"] = {"phase": ["response"]}
    log = _run(scenario_data, load)
    assert _done(log, "notified") == notified
    assert _done(log, "escalated") == [(escalated, "cert-a")]


@pytest.mark.parametrize(("hours", "notified"), [
    ("10:40-12:00", [(105, "cert-a")]),  # from 10:40 on
    ("08:00-10:41", [(105, "cert-a")]),
    # not open when read: the rule looks again when the range next begins (09:00 the
    # next day, 10:41 the same day), and notifies one drafting time (5m) later
    ("09:00-10:40", [(1445, "cert-a")]),  # up to 10:40, not included
    ("10:41-12:00", [(106, "cert-a")]),
])
def test_a_rule_for_some_hours_reads_the_actor_s_local_time(scenario_data, load, hours,
                                                            notified):
    # cert-a reads its rules at T+100: 10:40 in Singapore
    _rules(scenario_data)["notify"]["when"] = {"local_time": hours}
    assert _done(_run(scenario_data, load), "notified") == notified


def _escalate_first(scenario_data, **when):
    """cert-a's escalation rule comes first; its notification asks ``when``."""
    rules = _rules(scenario_data)
    notify = rules.pop("notify")
    notify["when"] = when
    rules["notify"] = notify  # now after the escalation
    return scenario_data


@pytest.mark.parametrize(("when", "notified"), [
    ({"done": [{"action": "escalate"}]}, [(110, "cert-a")]),
    ({"not_done": [{"action": "escalate"}]}, []),
    ({"done": [{"action": "publish"}]}, []),
    ({"not_done": [{"action": "publish"}]}, [(110, "cert-a")]),
])
def test_a_rule_may_ask_what_the_actor_has_done_already(scenario_data, load, when, notified):
    # at T+100 cert-a escalates first (sent T+105), then looks at its notification rule
    log = _run(_escalate_first(scenario_data, **when), load)
    assert _done(log, "escalated") == [(105, "cert-a")]
    assert _done(log, "notified") == notified


def test_an_action_done_by_anyone_counts_once_its_message_reached_the_actor(scenario_data,
                                                                            load):
    # cert-b hears of the notification only; the council receives the escalation (T+115),
    # acknowledges at T+125, analyses until T+155 and publishes at T+160
    _rules(scenario_data)["brief"] = {
        "by": ["cert-b", "council"], "on": ["notify", "escalate"], "action": "publish",
        "when": {"done": [{"action": "escalate", "by": "anyone"}]}}
    scenario_data["injects"][0]["tlp"] = "CLEAR"
    _rules(scenario_data)["escalate"]["tlp"] = "CLEAR"
    assert _done(_run(scenario_data, load), "published") == [(160, "council")]


def test_an_action_done_means_done_by_the_actor_itself_unless_anyone_is_said(scenario_data,
                                                                             load):
    _rules(scenario_data)["brief"] = {
        "by": ["council"], "on": ["escalate"], "action": "publish",
        "when": {"done": [{"action": "escalate"}]}}
    assert _done(_run(scenario_data, load), "published") == []


# --- what the policy records of its work: Policy.handle and apply_rules -------------------


def test_the_policy_s_acknowledgement_and_notification_say_how_long_they_took(scenario_data,
                                                                             load):
    log = _run(scenario_data, load)
    [ack] = events_of(log, "acknowledged", "cert-a")
    assert dict(ack.details) == {"by": "policy", "refs": ["inject:1"], "senders": ["ctl"],
                                 "dispatches": [], "received_at": 60, "off_duty": 0,
                                 "queued": 0, "worked": 10}
    [notified] = events_of(log, "notified")
    assert (notified.time, dict(notified.details)) == (105, {
        "targets": ["cert-b"], "channel": "email", "tlp": "GREEN", "action": "notify",
        "by": "policy", "rule": "notify", "deadline_at": 300, "late_by": 0, "off_duty": 0,
        "worked": 5, "trigger": "inject:1", "trigger_at": 60, "relied": ["affected:TH"],
        "set_off_by": "inject"})


def test_a_rule_the_policy_declines_is_recorded_and_the_next_rules_still_apply(scenario_data,
                                                                              load):
    # cert-a never follows the notification rule: declined when it reads its rules at
    # T+100; the escalation is drafted at once (T+105)
    scenario_data["actors"]["cert-a"]["policy"]["rule_probability"] = {"notify": 0.0}
    log = _run(scenario_data, load)
    [declined] = events_of(log, "declined")
    assert (declined.time, declined.actor, declined.incident) == (100, "cert-a", "x")
    assert dict(declined.details) == {"rule": "notify", "reason": "policy", "probability": 0}
    assert _done(log, "notified") == []
    assert _done(log, "escalated") == [(105, "cert-a")]


# --- rules held until others are done: Policy._released ---------------------------------


def test_a_rule_held_until_another_waits_for_it_and_says_so(scenario_data, load):
    # the escalation comes first but is held until the notification is done: at T+100
    # it waits, the notification goes at T+105, then the escalation at T+110
    rules = _rules(scenario_data)
    escalate = rules.pop("escalate")
    escalate["hold_until"] = ["notify"]
    _rules(scenario_data).update({"escalate": escalate, "notify": rules.pop("notify")})
    log = _run(scenario_data, load)
    [held] = events_of(log, "held")
    assert (held.time, held.actor, held.incident) == (100, "cert-a", "x")
    assert dict(held.details) == {"rule": "escalate", "until": ["notify"]}
    assert _done(log, "notified") == [(105, "cert-a")]
    assert _done(log, "escalated") == [(110, "cert-a")]


# --- rules that follow acknowledged messages: Policy.follow_on --------------------------


def _follow_on(scenario_data):
    """cert-a closes the incident once it hears that its notification is acknowledged
    (cert-b, T+120; the receipt comes back by e-mail at T+125): 5m drafting, closed at
    T+130. cert-a works on one thing at a time."""
    scenario_data["actors"]["cert-a"]["capacity"] = 1
    _rules(scenario_data)["wrap_up"] = {"by": ["cert-a"], "after": ["notify"],
                                        "action": "close"}
    return scenario_data


def _later_report(scenario_data, at="T+03:00", id_="2"):
    """A further report on incident x (with nothing new in it) reaches cert-a at ``at``."""
    scenario_data["injects"].append(
        {"id": id_, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"}})
    return scenario_data


def test_a_rule_follows_once_every_message_of_another_is_acknowledged(scenario_data, load):
    # ... and leaves the desk free: the report at T+180 is acknowledged at T+190
    log = _run(_later_report(_follow_on(scenario_data)), load)
    [closed] = events_of(log, "closed")
    assert (closed.time, closed.actor, closed.details["trigger"]) == (130, "cert-a",
                                                                      "after:notify")
    assert closed.details["trigger_at"] == 125  # when the receipt reached cert-a
    assert _done(events_of(log, "acknowledged", "cert-a"), "acknowledged") == [
        (70, "cert-a"), (190, "cert-a")]


def test_a_follow_on_waits_for_every_message_of_the_rule_to_be_acknowledged(scenario_data,
                                                                           load):
    # the notification goes to cert-b and the council; cert-b, played by a person, never
    # answers: the council's acknowledgement alone sets nothing off
    _rules(scenario_data)["notify"]["to"] = ["affected_certs", "council"]
    engine = Engine(load(_follow_on(scenario_data)), seed=0, human=["cert-b"])
    log = engine.run()
    [sent] = events_of(log, "notified")
    assert (sent.time, sent.details["targets"]) == (105, ["cert-b", "council"])
    # the council acknowledges the notification at T+120 (the escalation at T+125)
    assert [e.time for e in events_of(log, "acknowledged", "council")] == [120, 125]
    assert events_of(log, "closed") == []


def test_a_follow_on_waits_its_turn_behind_work_that_came_before_it(scenario_data, load):
    # reports reach cert-a at T+115 (handled until T+125) and T+118 (waiting); the close
    # set off at T+125 (the receipt) waits behind the second: acknowledged T+135, closed
    # T+140
    _later_report(_later_report(_follow_on(scenario_data), at="T+01:55"), at="T+01:58",
                  id_="3")
    log = _run(scenario_data, load)
    assert [(e.time, e.details["refs"]) for e in events_of(log, "acknowledged", "cert-a")] == [
        (70, ["inject:1"]), (125, ["inject:2"]), (135, ["inject:3"])]
    assert _done(log, "closed") == [(140, "cert-a")]


def test_a_follow_on_waits_for_the_office_to_open(scenario_data, load):
    # the report comes at T+420 (16:00 Singapore): cert-a acknowledges at T+430, analyses
    # until T+460, notifies at T+465 (delivered T+470); cert-b (09:00-17:00 Bangkok, an
    # hour behind) acknowledges at T+480, when cert-a's office has just closed (17:00;
    # the receipt reaches it at T+485): the close is drafted when it opens, 09:00 the
    # next day (T+1440), by T+1445
    scenario_data["injects"][0]["at"] = "T+07:00"
    log = _run(_follow_on(scenario_data), load)
    assert _done(log, "notified") == [(465, "cert-a")]
    assert [e.time for e in events_of(log, "acknowledged", "cert-b")] == [480]
    assert _done(log, "closed") == [(1445, "cert-a")]


def test_a_follow_on_dropped_at_a_hand_over_frees_the_desk(scenario_data, load):
    # the close is being drafted (T+125 to T+130) when a person takes the role at T+127;
    # handed back at T+128, the policy drafts it again (T+128 to T+133), and its desk is
    # free for the report of T+180, acknowledged at T+190
    engine = Engine(load(_later_report(_follow_on(scenario_data))), seed=0)
    engine.run_until(127)
    engine.set_human("cert-a", True)
    engine.run_until(128)
    engine.set_human("cert-a", False)
    log = engine.run()
    [dropped] = events_of(log, "work_dropped")
    assert (dropped.time, dropped.details["items"]) == (
        127, [{"ref": "after:notify", "incident": "x", "stage": "drafting wrap_up"}])
    assert [e.time for e in events_of(log, "closed")] == [133]
    assert _done(events_of(log, "acknowledged", "cert-a"), "acknowledged") == [
        (70, "cert-a"), (190, "cert-a")]


# --- work dropped at a hand-over: Slot.drop --------------------------------------------


def test_an_analysis_dropped_at_a_hand_over_is_done_again_later(scenario_data, load):
    # the policy is analysing (T+70 to T+100) when a person takes the role at T+75; handed
    # back at T+80, the policy takes the incident up again and analyses afresh (T+80 to
    # T+110); the report of T+90, acknowledged at T+100, waits for that analysis, and the
    # two desks then draft the notification and the escalation side by side (T+115)
    engine = Engine(load(_later_report(scenario_data, at="T+01:30")), seed=0)
    engine.run_until(75)
    engine.set_human("cert-a", True)
    engine.run_until(80)
    engine.set_human("cert-a", False)
    log = engine.run()
    assert [(e.time, e.details["items"][0]["stage"]) for e in events_of(log, "work_dropped")] \
        == [(75, "analysing")]
    assert [(e.time, e.details["started_at"]) for e in events_of(log, "analysed", "cert-a")] \
        == [(110, 80)]
    assert _done(log, "notified") == [(115, "cert-a")]
    assert _done(log, "escalated") == [(115, "cert-a")]


# --- rules released when what they wait for is done: Policy._unheld -----------------------


def test_a_rule_done_while_another_waits_is_no_release_of_it(scenario_data, load):
    # the escalation waits for the notification; a publication comes between them and
    # releases nothing: escalation held at T+100, published T+105, notified T+110, then
    # the escalation at T+115
    rules = _rules(scenario_data)
    notify, escalate = rules.pop("notify"), rules.pop("escalate")
    escalate["hold_until"] = ["notify"]
    rules.update({"escalate": escalate,
                  "advise": {"by": ["cert-a"], "on": ["inject"], "action": "publish"},
                  "notify": notify})
    scenario_data["injects"][0]["tlp"] = "CLEAR"
    log = _run(scenario_data, load)
    assert [(e.time, e.details["rule"]) for e in events_of(log, "held")] == [(100, "escalate")]
    assert [(e.time, e.type) for e in log if e.type in ("published", "notified", "escalated")
            ] == [(105, "published"), (110, "notified"), (115, "escalated")]


def test_a_rule_that_never_waited_keeps_its_place_in_the_framework(scenario_data, load):
    # the escalation is held until the notification, but comes after it and never has
    # to wait; the publication between them goes first: notified T+105, published T+110,
    # escalated T+115 (another rule waiting meanwhile changes nothing)
    rules = _rules(scenario_data)
    notify, escalate = rules.pop("notify"), rules.pop("escalate")
    escalate["hold_until"] = ["notify"]
    rules.update({"wait": {"by": ["cert-a"], "on": ["inject"], "action": "preserve",
                           "hold_until": ["never"]},
                  "never": {"by": ["ctl"], "on": ["inject"], "action": "close"},
                  "notify": notify,
                  "advise": {"by": ["cert-a"], "on": ["inject"], "action": "publish"},
                  "escalate": escalate})
    scenario_data["injects"][0]["tlp"] = "CLEAR"
    log = _run(scenario_data, load)
    assert [(e.time, e.details["rule"]) for e in events_of(log, "held")] == [(100, "wait")]
    assert [(e.time, e.type) for e in log if e.type in ("published", "notified", "escalated")
            ] == [(105, "notified"), (110, "published"), (115, "escalated")]


def test_a_rule_released_once_keeps_its_place_in_the_framework_afterwards(scenario_data,
                                                                         load):
    # cert-a notifies affected CERTs, asks hosting CERTs for assistance, and escalates,
    # in that order, the escalation held until a notification is done. Report 1 (T+60,
    # SG only): nobody to notify or ask, the escalation waits. Report 2 (T+180, TH too,
    # acknowledged T+190): the notification (T+195) releases the escalation (T+200).
    # Report 3 (T+300, MY too, hosted in MY; acknowledged T+310): the rules go in order,
    # notification T+315, request T+320, escalation T+325
    scenario_data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    scenario_data["injects"][0]["incident"]["affected"] = ["SG"]
    for id_, at, affected, hosted in (("2", "T+03:00", ["SG", "TH"], []),
                                      ("3", "T+05:00", ["SG", "TH", "MY"], ["MY"])):
        scenario_data["injects"].append(
            {"id": id_, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
             "tlp": "GREEN", "incident": {"id": "x", "affected": affected,
                                          "hosted_in": hosted}})
    message = {"by": ["cert-a"], "on": ["inject"], "channel": "email", "tlp": "GREEN"}
    scenario_data["frameworks"]["fw"]["rules"] = {
        "notify": {**message, "action": "notify", "to": ["affected_certs"]},
        "ask": {**message, "action": "request_assistance", "to": ["hosting_certs"]},
        "escalate": {**message, "action": "escalate", "to": ["council"],
                     "when": {"min_affected": 1}, "hold_until": ["notify"]},
    }
    log = _run(scenario_data, load)
    assert [(e.time, e.details["rule"]) for e in events_of(log, "held")] == [(100, "escalate")]
    assert [(e.time, e.details["action"], e.details["targets"]) for e in log
            if e.type in ("notified", "requested", "escalated")] == [
        (195, "notify", ["cert-b"]), (200, "escalate", ["council"]),
        (315, "notify", ["cert-c"]), (320, "request_assistance", ["cert-c"]),
        (325, "escalate", ["council"])]


# --- whom a rule still has to tell: Policy._new_targets ------------------------------------


def test_a_team_does_not_escalate_back_what_the_council_told_it(scenario_data, load):
    # cert-a escalates at T+110 (affected: SG, TH). At T+180 the council learns that
    # Malaysia is affected too, and shares that with the member CERTs (acknowledged
    # T+190, drafted by T+195, delivered T+200). When a further report reaches cert-a
    # (T+240, acknowledged T+250), its escalation rule rests on Malaysia as well, which
    # it never told the council; but the council told it: no second escalation
    scenario_data["groups"]["asean"] = ["SG", "TH", "MY"]
    _rules(scenario_data)["share"] = {"by": ["council"], "on": ["inject"], "action": "share",
                                      "to": ["member_certs"], "channel": "email",
                                      "tlp": "GREEN"}
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["council"], "via": "email",
         "tlp": "GREEN", "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    _later_report(scenario_data, at="T+04:00", id_="3")
    log = _run(scenario_data, load)
    assert [(e.time, e.actor, e.details["targets"]) for e in log if e.type in (
        "notified", "escalated")] == [(105, "cert-a", ["cert-b"]), (110, "cert-a", ["council"]),
                                      (195, "council", ["cert-a", "cert-b"])]
    [share] = [e for e in events_of(log, "message_delivered", "cert-a")]
    assert (share.time, share.details["verb"]) == (200, "share")
    assert [e.time for e in events_of(log, "acknowledged", "cert-a")] == [70, 210, 250]


def test_a_team_escalates_again_what_it_learnt_from_someone_else(scenario_data, load):
    # as above, but Malaysia is in the report of T+240: cert-a escalates again at T+255
    scenario_data["groups"]["asean"] = ["SG", "TH", "MY"]
    _later_report(scenario_data, at="T+04:00")
    scenario_data["injects"][-1]["incident"]["affected"] = ["SG", "TH", "MY"]
    log = _run(scenario_data, load)
    assert [(e.time, e.details["targets"], e.details["relied"])
            for e in events_of(log, "escalated")] == [
        (110, ["council"], ["affected:SG", "affected:TH"]),
        (255, ["council"], ["affected:MY", "affected:SG", "affected:TH"])]


# --- whom a rule addresses: Directory.select -------------------------------------------------


def _other(kind, name, country=None):
    actor = {"name": name, "kind": kind, "timezone": "Asia/Singapore", "staffing": "24/7",
             "contacts": {"email": {"address": f"{name.lower()}@x.example"}}}
    if country:
        actor["country"] = country
    return actor


@pytest.mark.parametrize(("selector", "recipients"), [
    ("sender", ["ctl"]),  # whoever sent what set the rule off: exercise control's inject
    ("partner_certs", ["jpcert"]),
    ("police_channels", ["interpol"]),
    ("hosting_central_authorities", ["ca-th"]),  # incident x is hosted in Thailand only
    ("member_certs", ["cert-a", "cert-b"]),
])
def test_a_rule_addresses_the_actors_its_selector_names(scenario_data, load, selector,
                                                        recipients):
    actors = scenario_data["actors"]
    actors["jpcert"] = _other("partner_cert", "JPCERT", "JP")
    actors["interpol"] = _other("intl_police_channel", "Interpol")
    actors["ca-th"] = _other("central_authority", "CA-TH", "TH")
    actors["ca-sg"] = _other("central_authority", "CA-SG", "SG")
    scenario_data["injects"][0]["incident"]["hosted_in"] = ["TH"]
    scenario_data["frameworks"]["fw"]["rules"] = {
        "tell": {"by": ["cert-a"], "on": ["inject"], "action": "notify", "to": [selector],
                 "channel": "email", "tlp": "GREEN"}}
    log = Engine(load(scenario_data), seed=0).run()
    sent = [(e.time, e.details["to"]) for e in events_of(log, "message_sent", "cert-a")]
    # cert-a acknowledges at T+70, analyses until T+100 and drafts for 5 minutes; a CERT
    # never addresses itself
    assert sent == [(105, r) for r in recipients if r != "cert-a"]
