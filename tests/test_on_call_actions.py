"""An on-call tier may name the actions its duty officer carries out (``on_call.actions``).

Called out, the duty officer acknowledges and analyses as before and carries out the
actions it names; the rest waits for the office. At closing it takes over no draft of
another action. Without ``actions`` it carries out every action, as before.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00, so the office closes at T+08:00 (480) and opens
again at T+24:00 (1440). Here cert-a has an on-call tier on the phone for incidents at
least high, answering after 30m; it acknowledges in 10m, analyses for 30m (2h where
said) and drafts in 5m. Its rules notify the other affected CERT (cert-b) by e-mail,
then escalate to the regional council.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import events_of

from scenarios import load_scenario
from scenarios.loader import ScenarioError
from sim.engine import Engine

CLOSING = 480
OPENING = 1440


def _drill(data, at: str, severity: str, actions: list[str] | None = None,
           analysis: str = "30m"):
    """cert-a with an on-call tier (naming ``actions`` if given), and one call at ``at``
    about incident x."""
    a = data["actors"]["cert-a"]
    a["policy"]["analysis_time"] = analysis
    a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
    if actions is not None:
        a["on_call"]["actions"] = actions
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["frameworks"]["fw"]["rules"]["notify"].pop("fallback")
    data["injects"] = [
        {"id": "1", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": "x", "type": "ransomware", "severity": severity,
                      "affected": ["SG", "TH"]}}]
    return data


def _run(load, data):
    engine = Engine(load(data), seed=0)
    log = engine.run()
    [call] = events_of(log, "inject_delivered", "cert-a")
    return engine, log, call.time


def test_called_out_the_duty_officer_leaves_other_actions_for_the_office(
        scenario_data, load):
    # a critical call at 19:00: the duty officer answers at 19:31, acknowledges and
    # analyses, and escalates that night (its action); the notification, which it does
    # not carry out, waits for the office and is drafted when it opens
    _, log, arrived = _run(load, _drill(scenario_data, "T+10:00", "critical", ["escalate"]))
    assert arrived > CLOSING
    [answered] = events_of(log, "on_call_answered", "cert-a")
    assert answered.time == arrived + 30
    assert [e.time for e in events_of(log, "acknowledged", "cert-a")] == [arrived + 40]
    assert [e.time for e in events_of(log, "analysed", "cert-a")] == [arrived + 70]
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == arrived + 75 < OPENING
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == OPENING + 5
    # the night it waited for the office is off duty, and said where it fell
    assert (notified.details["worked"], notified.details["off_duty"]) == (
        5, OPENING - escalated.time)
    assert [list(s) for s in notified.details["spans"]] == [
        [escalated.time, OPENING, "off_duty"], [OPENING, OPENING + 5, "worked"]]
    # sent from the office: chased on the office's clock
    [sent] = [e for e in events_of(log, "message_sent", "cert-a")
              if e.details["to"] == "cert-b"]
    assert sent.time == OPENING + 5


def test_at_closing_the_duty_officer_takes_over_no_draft_of_another_action(
        scenario_data, load):
    # the call reaches cert-a at 14:48: acknowledged, analysed for 2h, and the
    # notification is being drafted when the office closes. The duty officer does not
    # notify: the office finishes the draft in the morning, then escalates
    _, log, arrived = _run(load, _drill(scenario_data, "T+05:47", "high", ["escalate"],
                                        analysis="2h"))
    drafting = arrived + 10 + 120
    assert drafting < CLOSING < drafting + 5
    assert not events_of(log, "on_call_answered", "cert-a")
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == OPENING + drafting + 5 - CLOSING
    assert (notified.details["worked"], notified.details["off_duty"]) == (
        5, OPENING - CLOSING)
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == notified.time + 5


def test_without_actions_the_duty_officer_carries_out_every_action(scenario_data, load):
    # naming every action the rules use changes nothing: the duty officer takes over
    # the notification being drafted at closing and sends both that evening, as a
    # tier that names no actions does
    logs = []
    for actions in (None, ["notify", "escalate"]):
        data = _drill(copy.deepcopy(scenario_data), "T+05:47", "high", actions,
                      analysis="2h")
        _, log, arrived = _run(load, data)
        logs.append([(e.time, e.type, e.actor, e.incident, dict(e.details)) for e in log])
        [taken] = events_of(log, "on_call_answered", "cert-a")
        assert taken.details["at_closing"] == "drafting"
        assert [e.time for e in events_of(log, "notified", "cert-a")] == [arrived + 135]
    assert logs[0] == logs[1]


def test_the_duty_officer_always_acknowledges_and_analyses(scenario_data, load):
    data = _drill(scenario_data, "T+10:00", "critical", ["analyse", "escalate"])
    with pytest.raises(ScenarioError) as info:
        load(data)
    message = str(info.value)
    assert "on_call" in message and "analyse" in message
    assert "\n" not in message.strip()


# --- the library: the Philippine DOJ Office of Cybercrime -------------------------

LIBRARY = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: mla
  title: MLA drafting and a preservation at night
  tlp: CLEAR
  start: "2026-09-10T09:00:00+08:00"
  duration: 120d
"""


def _office_hours_only(engine, aid: str, spans) -> bool:
    """Whether every minute worked in ``spans`` fell in the actor's office hours."""
    shift = engine.actors[aid].shift
    return all(shift.on_duty((s + e) / 2) and shift.on_duty(s)
               for s, e, part in spans if part == "worked")


def _mla_sent(log, aid: str):
    """The MLA request ``aid`` drafted and sent (once)."""
    [request] = [e for e in events_of(log, "requested", aid)
                 if e.details["action"] == "request_mla"]
    assert request.details["worked"] > 0
    return request


def test_the_philippine_central_authority_drafts_mla_requests_in_office_hours(
        tmp_path: Path):
    # the police send the case file to the DOJ Office of Cybercrime by e-mail, one of
    # its on-call channels: its duty officer does not take over the MLA draft at
    # closing, and the draft, like Indonesia's, takes weeks of office days
    path = tmp_path / "mla.yaml"
    path.write_text(LIBRARY + """\
injects:
  - {id: "1", at: T+00:30, sender: hicon, to: [certph], via: email, tlp: CLEAR, title: ph,
     incident: {id: iph, type: fraud, severity: medium, affected: [PH], hosted_in: [SG],
                crime_suspected: true}}
  - {id: "2", at: T+00:30, sender: hicon, to: [idsirtii], via: email, tlp: CLEAR, title: id,
     incident: {id: iid, type: fraud, severity: medium, affected: [ID], hosted_in: [SG],
                crime_suspected: true}}
""", encoding="utf-8")
    engine = Engine(load_scenario(path), seed=0)
    log = engine.run()
    assert not [e for e in events_of(log, "on_call_answered", "ca-ph")
                if e.details.get("at_closing") == "drafting"]
    for aid in ("ca-ph", "ca-id"):
        request = _mla_sent(log, aid)
        # worked in office hours only, the nights between off duty
        assert request.details["off_duty"] > request.details["worked"]
        assert _office_hours_only(engine, aid, request.details["spans"])


def test_the_24_7_point_still_sends_a_preservation_request_at_night(tmp_path: Path):
    # CERT-PH and the PNP work round the clock here, quickly: at 19:00 a fraud with servers in
    # Japan and Singapore reaches CERT-PH, and the PNP e-mail the preservation request
    # to the DOJ Office of Cybercrime that night. Its duty officer sends it on to
    # Japan's 24/7 point that night; the MLA request to Singapore, whose case file the
    # PNP send later, is drafted in office hours only
    path = tmp_path / "night.yaml"
    path.write_text(LIBRARY + """\
actors:
  certph:
    staffing: 24/7
    policy: {ack_delay: 10m, analysis_time: 30m, drafting_time: 10m}
  police-ph:
    staffing: 24/7
    policy: {ack_delay: 10m, analysis_time: 30m, drafting_time: 10m,
             action_time: {refer_central_authority: 2h}}
  ca-jp:
    name: JP 24/7 point (test)
    kind: central_authority
    country: JP
    timezone: Asia/Tokyo
    working_hours: "09:00-18:00"
    contacts:
      email: {address: c@ca-jp.example}
      network_247: {address: 24-7-poc/JP}
injects:
  - {id: "1", at: T+10:00, sender: hicon, to: [certph], via: email, tlp: CLEAR, title: ph,
     incident: {id: i1, type: fraud, severity: medium, affected: [PH], hosted_in: [JP, SG],
                crime_suspected: true}}
""", encoding="utf-8")
    engine = Engine(load_scenario(path), seed=0)
    log = engine.run()
    shift = engine.actors["ca-ph"].shift
    [preservation] = [e for e in events_of(log, "message_sent", "ca-ph")
                      if e.details["verb"] == "request_preservation"]
    assert preservation.details["to"] == "ca-jp"
    assert preservation.details["channel"] == "network_247"
    assert not shift.on_duty(preservation.time)
    assert preservation.time < shift.next_on(events_of(log, "inject_delivered", "certph")[0].time)
    assert events_of(log, "on_call_answered", "ca-ph")
    request = _mla_sent(log, "ca-ph")
    assert request.details["targets"] == ["ca-sg"]
    assert _office_hours_only(engine, "ca-ph", request.details["spans"])
    assert not [e for e in events_of(log, "on_call_answered", "ca-ph")
                if e.details.get("at_closing") == "drafting"]
