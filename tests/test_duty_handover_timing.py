"""Work the duty officer takes over at closing keeps its timings: the office's part of
an analysis counts as analysing, and a wait at the busy duty desk as queued.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00, so its office closes at T+08:00 (480); cert-b
(Bangkok, an hour behind) works 10:00-18:00 Singapore time. cert-a acknowledges in 10m,
analyses for 2h and drafts in 5m; cert-b acknowledges in 10m. Its one rule notifies the
other affected CERT (cert-b) by e-mail (5m).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.analysis import aar
from sim.analysis.review import ANALYSING, HOURS, QUEUED, build_review
from sim.engine import Engine

CLOSING = 480
ANALYSIS = 120
ROW = "| CERT-SG -> CERT-TH (notify) |"


def _calls(data: dict[str, Any], *calls: tuple[str, str, str],
           capacity: int = 2) -> dict[str, Any]:
    """cert-a with an on-call tier on the phone for incidents at least high, answering
    after 30m; each call is (at, incident, severity)."""
    a = data["actors"]["cert-a"]
    a["policy"]["analysis_time"] = "2h"
    a["capacity"] = capacity
    a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    rules = data["frameworks"]["fw"]["rules"]
    rules["notify"].pop("fallback")
    rules.pop("escalate")
    data["injects"] = [
        {"id": str(n), "at": at, "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call",
         "incident": {"id": inc, "type": "ransomware", "severity": severity,
                      "affected": ["SG", "TH"]}}
        for n, (at, inc, severity) in enumerate(calls, 1)]
    return data


def _one(log, type_: str, actor: str, incident: str):
    [event] = [e for e in events_of(log, type_, actor) if e.incident == incident]
    return event


def _row(markdown: str, incident: str) -> dict[str, str]:
    """The notification's row in the after-action report's "where the time went" table
    of an incident, by column."""
    lines = markdown.split(f"### Incident {incident}:", 1)[1].split("### ", 1)[0].splitlines()
    [header] = [ln for ln in lines if ln.startswith("| Hop | Duration |")]
    [found] = [ln for ln in lines if ln.startswith(ROW)]
    cells = [c.strip() for c in header.strip("|").split("|")]
    return dict(zip(cells, (c.strip() for c in found.strip("|").split("|")), strict=True))


def test_office_analysis_before_the_hand_over_counts_as_analysing(scenario_data, load):
    # the high call (x) at T+07:20 is acknowledged at 450 and analysed at the office
    # until it closes at 480 (30 minutes). The critical call (z) at T+07:55 is being
    # acknowledged then: the duty officer finishes z first (acknowledged 485, analysed
    # 605, cert-b notified 610), while x waits at the duty desk (480-610); then it does
    # the other 90 minutes of x's analysis (610-700) and notifies cert-b at 705.
    scenario = load(_calls(scenario_data, ("T+07:20", "x", "high"),
                           ("T+07:55", "z", "critical"))).scenario
    log = Engine(scenario, seed=0).run()
    ack = _one(log, "acknowledged", "cert-a", "x")
    analysed = _one(log, "analysed", "cert-a", "x")
    z_sent = _one(log, "notified", "cert-a", "z").time
    # the duty officer's part, from when it began it; and the office's, before closing
    assert analysed.details["started_at"] == z_sent
    assert analysed.details["worked"] == analysed.time - z_sent
    assert analysed.details["handed_over"] == {
        "at": CLOSING, "worked": CLOSING - ack.time, "off_duty": 0.0}
    assert analysed.details["worked"] + analysed.details["handed_over"]["worked"] == ANALYSIS

    review = build_review(scenario, log)
    [hop] = [h for h in review.hops if h.incident == "x"]
    waited_at_duty_desk = z_sent - CLOSING
    assert (hop.trigger_at, hop.first_sent_at) == (440, 705)
    # cert-a: acknowledging, all of the analysis and drafting; only the wait at the
    # duty desk is queued. cert-b: 10 minutes acknowledging, the rest out of hours
    sender_work = ack.details["worked"] + ANALYSIS + 5
    assert waited_at_duty_desk == 130
    assert hop.parts[QUEUED] == pytest.approx(waited_at_duty_desk)
    assert hop.parts[ANALYSING] == pytest.approx(sender_work + 10)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)
    assert hop.first_sent_at - hop.trigger_at == sender_work + waited_at_duty_desk
    # as the after-action report shows it
    values = _row(aar.render_markdown(review), "x")
    assert values["Queued behind other work"] == f"{waited_at_duty_desk / 60:.2f} h"
    assert values["Analysing"] == f"{(sender_work + 10) / 60:.2f} h"


def test_two_analyses_handed_over_both_keep_the_office_part(scenario_data, load):
    # both calls are being analysed at closing: the critical one (z, from 460) is
    # finished first, with nothing queued; the high one (x, from 450) waits for it
    scenario = load(_calls(scenario_data, ("T+07:20", "x", "high"),
                           ("T+07:30", "z", "critical"))).scenario
    log = Engine(scenario, seed=0).run()
    review = build_review(scenario, log)
    for inc in ("x", "z"):
        ack = _one(log, "acknowledged", "cert-a", inc)
        analysed = _one(log, "analysed", "cert-a", inc)
        office = analysed.details["handed_over"]
        assert office == {"at": CLOSING, "worked": CLOSING - ack.time, "off_duty": 0.0}
        assert office["worked"] + analysed.details["worked"] == ANALYSIS
        [hop] = [h for h in review.hops if h.incident == inc]
        # queued: only the wait at the duty desk, from closing to the duty officer
        assert hop.parts[QUEUED] == pytest.approx(analysed.details["started_at"] - CLOSING)
    assert _one(log, "analysed", "cert-a", "z").details["started_at"] == CLOSING


def _reports(data: dict[str, Any], *reports: tuple[str, str, str, dict[str, Any]],
             on_call: bool = False) -> dict[str, Any]:
    """cert-a asking the hosting CERT for a takedown; each report is (at, channel,
    incident, what it says). The 24/7 channel (5m) is handled at the duty desk."""
    a = data["actors"]["cert-a"]
    a["policy"]["analysis_time"] = "2h"
    a["contacts"]["net247"] = {"address": "247/sg"}
    if on_call:
        a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
        data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["channels"]["net247"] = {"kind": "network_247", "latency": "5m",
                                  "handled_around_the_clock": True}
    data["frameworks"]["fw"]["rules"] = {"takedown": {
        "by": ["national_cert"], "on": ["inject"], "when": {"hosted_abroad": True},
        "action": "request_takedown", "to": ["hosting_certs"], "channel": "email",
        "deadline": "4h", "tlp": "GREEN"}}
    data["injects"] = [
        {"id": str(n), "at": at, "sender": "ctl", "to": ["cert-a"], "via": via,
         "tlp": "GREEN", "title": "Report", "incident": {"id": inc, **says}}
        for n, (at, via, inc, says) in enumerate(reports, 1)]
    return data


OPENS = {"type": "botnet", "severity": "medium", "affected": ["SG"]}
HOSTED = {"hosted_in": ["TH"]}


def test_duty_officer_finishing_an_analysis_on_the_24_7_desk_keeps_the_office_part(
        scenario_data, load):
    # report 1 by e-mail at T+06:50: acknowledged at 420 and analysed at the office
    # from then. Report 2 (hosted in Thailand) on the 24/7 channel reaches the duty
    # desk at 430 and is acknowledged at 440; at closing (480) the duty officer does
    # the last 60 minutes of the analysis itself (to 540) and asks cert-b for the
    # takedown at 545. From 430 to 545 cert-a was working on it throughout.
    scenario = load(_reports(scenario_data, ("T+06:50", "email", "x", OPENS),
                             ("T+07:10", "net247", "x", HOSTED))).scenario
    log = Engine(scenario, seed=0).run()
    first_ack = min(e.time for e in events_of(log, "acknowledged", "cert-a"))
    analysed = _one(log, "analysed", "cert-a", "x")
    assert analysed.details["started_at"] == CLOSING
    assert analysed.details["handed_over"] == {
        "at": CLOSING, "worked": CLOSING - first_ack, "off_duty": 0.0}
    [hop] = build_review(scenario, log).hops
    assert (hop.trigger_at, hop.first_sent_at) == (430, 545)
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    # cert-a's 115 minutes, and cert-b's 10 acknowledging the next morning
    assert hop.parts[ANALYSING] == pytest.approx(hop.first_sent_at - hop.trigger_at + 10)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)


def test_office_part_ends_at_closing_when_the_duty_desk_is_busy(scenario_data, load):
    # as above, but a report on another incident (y) reaches the duty desk at 455 and
    # holds it until its own takedown request at 590 (acknowledged 465, analysed to
    # 585): x's analysis waits for the duty officer from closing until then, and the
    # duty officer does its last 60 minutes from 590 to 650
    scenario = load(_reports(scenario_data, ("T+06:50", "email", "x", OPENS),
                             ("T+07:10", "net247", "x", HOSTED),
                             ("T+07:30", "net247", "y", {**OPENS, **HOSTED}))).scenario
    log = Engine(scenario, seed=0).run()
    y_sent = _one(log, "requested", "cert-a", "y").time
    analysed = _one(log, "analysed", "cert-a", "x")
    assert analysed.details["started_at"] == y_sent
    assert analysed.details["handed_over"] == {"at": CLOSING, "worked": 60, "off_duty": 0.0}
    [hop] = [h for h in build_review(scenario, log).hops if h.incident == "x"]
    assert (hop.trigger_at, hop.first_sent_at) == (430, y_sent + 60 + 5)
    # the wait for the busy duty officer is queued; the rest is cert-a's work
    assert hop.parts[QUEUED] == pytest.approx(y_sent - CLOSING)
    assert hop.parts[ANALYSING] == pytest.approx(
        hop.first_sent_at - hop.trigger_at - (y_sent - CLOSING) + 10)


def test_night_call_records_what_the_office_analysed_before_closing(scenario_data, load):
    # report 1 by e-mail at T+07:40 is acknowledged at 470 and analysed for 10 minutes
    # before closing; the night call (T+11:00) is answered and acknowledged at 700,
    # and the duty officer does the other 110 minutes from then
    data = _reports(scenario_data, ("T+07:40", "email", "x", {**OPENS, "severity": "high"}),
                    ("T+11:00", "phone", "x", HOSTED), on_call=True)
    log = Engine(load(data), seed=0).run()
    analysed = _one(log, "analysed", "cert-a", "x")
    assert analysed.details["started_at"] == 700
    assert analysed.details["worked"] == 110
    assert analysed.details["handed_over"] == {"at": CLOSING, "worked": 10, "off_duty": 0.0}


def test_acknowledgement_handed_over_counts_its_wait_at_the_duty_desk(scenario_data, load):
    # the high call (x) reaches cert-a at 474 and the critical one (z) at 475: both are
    # being acknowledged when the office closes. The duty officer finishes z first
    # (acknowledged 485, analysed 605, cert-b notified 610), then the last 4 minutes of
    # x's acknowledgement (610-614): x waited 130 minutes at the duty desk
    scenario = load(_calls(scenario_data, ("T+07:54", "x", "high"),
                           ("T+07:55", "z", "critical"))).scenario
    log = Engine(scenario, seed=0).run()
    ack = _one(log, "acknowledged", "cert-a", "x")
    z_sent = _one(log, "notified", "cert-a", "z").time
    details = ack.details
    assert ack.time == z_sent + 4
    assert details["queued"] == z_sent - CLOSING == 130
    assert details["worked"] == 10
    assert details["off_duty"] == 0
    # every minute from arrival to acknowledgement is accounted for
    assert details["worked"] + details["off_duty"] + details["queued"] == pytest.approx(
        ack.time - details["received_at"])
    # the one acknowledged at once by the duty officer waited for nothing
    z = _one(log, "acknowledged", "cert-a", "z").details
    assert (z["queued"], z["off_duty"]) == (0, 0)


def test_without_a_hand_over_the_timings_are_as_before(scenario_data, load):
    # a call after closing, answered by the duty officer: one desk does all the work
    scenario = load(_calls(scenario_data, ("T+08:05", "x", "critical"))).scenario
    log = Engine(scenario, seed=0).run()
    analysed = _one(log, "analysed", "cert-a", "x")
    assert "handed_over" not in analysed.details
    assert analysed.details["worked"] == ANALYSIS
    ack = _one(log, "acknowledged", "cert-a", "x").details
    assert (ack["queued"], ack["worked"]) == (0, 10)
    [hop] = build_review(scenario, log).hops
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    # waiting for the duty officer to answer is time out of hours
    assert hop.parts[HOURS] > 30


@pytest.mark.parametrize("damage", ["480", {"at": 480, "worked": 30}, {"at": "soon",
                                                                      "worked": 30,
                                                                      "off_duty": 0}])
def test_a_damaged_hand_over_is_named_not_raised(scenario_data, load, damage):
    from sim.analysis.review import checked_review
    from sim.engine.events import Event
    from sim.runs.session import JournalError

    scenario = load(_calls(scenario_data, ("T+07:20", "x", "high"),
                           ("T+07:55", "z", "critical"))).scenario
    events = []
    for e in Engine(scenario, seed=0).run():
        d = e.to_dict()
        if "handed_over" in d["details"]:
            d["details"] = {**d["details"], "handed_over": damage}
        events.append(Event.from_dict(d))
    # one line naming the event where the review first cannot go on
    with pytest.raises(JournalError,
                       match=r"^j\.drill: the journal is damaged: event \d+ \(\w+\) lacks "
                             r"details such an event always has$"):
        checked_review("j.drill", scenario, events)
