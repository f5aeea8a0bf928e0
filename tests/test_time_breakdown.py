"""Where the time went: each minute of the sender's side of a hop is placed where it fell.

The engine logs, with each acknowledgement, analysis and action of the automated policy,
when its minutes fell (``spans``): worked, off duty (the office closed) or queued (waiting
for a place at a busy desk). The review, ``drill report`` and the after-action report
place those minutes inside the hop with them, instead of taking a piece of work as one
block ending when it was done, with its minutes off duty wherever the hop cut it.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00, so its office closes at T+08:00 (480) and opens
again at T+24:00 (1440); cert-b (Bangkok, an hour behind) works 10:00-18:00 Singapore
time. Teams acknowledge in 10m, analyse in 30m and draft in 5m; e-mail takes 5m. The
rule ``notify`` has cert-a tell the other affected CERT (cert-b).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import events_of, write

from sim.analysis import aar
from sim.analysis.metrics import hop_metrics
from sim.analysis.review import (
    ANALYSING,
    CHANNEL,
    HOURS,
    PARTS,
    QUEUED,
    Hop,
    Review,
    build_review,
    load_review,
)
from sim.cli import EXIT_OK, main
from sim.engine import Action, Engine
from sim.engine import core as engine_core
from sim.engine.events import Event

CLOSING = 480
OPENING = 1440
ROW = "| CERT-SG -> CERT-TH (notify) |"


def _notify(review: Review, incident: str = "x") -> Hop:
    [hop] = [h for h in review.hops if h.verb == "notify" and h.incident == incident]
    return hop


def _row(markdown: str, incident: str = "x", row: str = ROW) -> dict[str, str]:
    """A hop's row in the after-action report's "where the time went" table of an
    incident, by column."""
    lines = markdown.split(f"### Incident {incident}:", 1)[1].split("### ", 1)[0].splitlines()
    [header] = [ln for ln in lines if ln.startswith("| Hop | Duration |")]
    [found] = [ln for ln in lines if ln.startswith(row)]
    cells = [c.strip() for c in header.strip("|").split("|")]
    return dict(zip(cells, (c.strip() for c in found.strip("|").split("|")), strict=True))


def _shown(minutes: float) -> str:
    return f"{minutes / 60:.2f} h"


def _receiver(review: Review, hop: Hop) -> dict[str, float]:
    """The recipient's side of the hop, as the run report splits it: the office closed,
    and its handling."""
    [h] = [h for h in hop_metrics(review.events) if h["dispatch"] == hop.dispatch]
    return {"closed": h["office_hours_wait"], "handling": h["awaiting_ack"]}


def _sender(review: Review, hop: Hop) -> dict[str, float]:
    """The sender's side of the hop by part: what is left once the recipient's side
    (and the channel) is taken out."""
    receiver = _receiver(review, hop)
    return {HOURS: hop.parts[HOURS] - receiver["closed"],
            ANALYSING: hop.parts[ANALYSING] - receiver["handling"],
            QUEUED: hop.parts[QUEUED]}


def _assert_adds_up(hop: Hop) -> None:
    assert min(hop.parts.values()) >= 0
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)


def _one(log: list[Event], type_: str, ref: str) -> Event:
    [event] = [e for e in events_of(log, type_, "cert-a") if ref in e.details.get("refs", ())]
    return event


# --- an acknowledgement paused by the office closing -----------------------------------


def _paused_acknowledgement(data: dict[str, Any]) -> dict[str, Any]:
    """cert-a takes 40m to acknowledge. A report on x (only Singapore affected) reaches it
    at T+07:40 (16:40): it acknowledges it for 20 minutes before closing and 20 after
    opening, until T+24:20 (1460). An update at T+24:05 (09:05, 1445) says Thailand is
    affected too: the notification is due from then. It is acknowledged in parallel (two
    desks), and the report's handling analyses x (1460-1490) and notifies cert-b (1495),
    whose office has just opened when the e-mail arrives (1500): acknowledged at 1510."""
    data["actors"]["cert-a"]["policy"]["ack_delay"] = "40m"
    data["frameworks"]["fw"]["rules"].pop("escalate")
    report = data["injects"][0]
    report["at"] = "T+07:40"
    report["incident"]["affected"] = ["SG"]
    data["injects"].append({"id": "2", "at": "T+24:05", "sender": "ctl", "to": ["cert-a"],
                            "via": "email", "tlp": "GREEN", "title": "Update",
                            "incident": {"id": "x", "affected": ["SG", "TH"]}})
    return data


def test_acknowledgement_paused_by_closing_logs_when_its_minutes_fell(scenario_data, load):
    scenario = load(_paused_acknowledgement(scenario_data)).scenario
    log = Engine(scenario, seed=0).run()
    ack = _one(log, "acknowledged", "inject:1")
    assert ack.time == OPENING + 20
    assert ack.details["spans"] == [[460.0, CLOSING, "worked"],
                                    [CLOSING, OPENING, "off_duty"],
                                    [OPENING, OPENING + 20, "worked"]]
    # the totals it always logged are those of its spans
    assert (ack.details["worked"], ack.details["off_duty"], ack.details["queued"]) == (
        40, OPENING - CLOSING, 0)


def test_acknowledgement_paused_by_closing_is_not_waiting_for_working_hours_next_morning(
        scenario_data, load):
    # the hop runs from 09:05 to cert-b's acknowledgement at 10:10, every office open:
    # cert-a spends the last 15 minutes of its acknowledgement, 30 analysing and 5
    # drafting; cert-b 10 acknowledging. The night the acknowledgement waited out is
    # before the hop: no minute of it waits for working hours (it said 15 minutes)
    scenario = load(_paused_acknowledgement(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    hop = _notify(review)
    assert (hop.trigger_at, hop.first_sent_at, hop.end_at) == (1445, 1495, 1510)
    _assert_adds_up(hop)
    assert hop.parts[HOURS] == 0
    assert hop.parts[QUEUED] == 0
    assert hop.parts[ANALYSING] == pytest.approx(15 + 30 + 5 + 10)
    assert hop.parts[CHANNEL] == 5
    values = _row(aar.render_markdown(review))
    assert values["Waiting for working hours"] == _shown(0)
    assert values["Analysing"] == _shown(60)


def test_a_journal_without_spans_is_still_reviewed_as_before(scenario_data, tmp_path,
                                                             monkeypatch, capsys):
    # a journal recorded before the engine logged spans: it opens and reports, its
    # pieces of work placed as before, as blocks ending when they were done
    path = write(tmp_path, _paused_acknowledgement(scenario_data))
    journal = tmp_path / "old.journal.sqlite"
    with monkeypatch.context() as m:
        m.setattr(engine_core, "_spans", lambda *_args: None, raising=False)
        assert main(["run", str(path), "--seed", "0", "--journal", str(journal)]) == EXIT_OK
    review, opened = load_review(journal, readonly=True)
    opened.close()
    assert not [e for e in review.events if "spans" in e.details]
    hop = _notify(review)
    _assert_adds_up(hop)
    # the acknowledgement's 40 minutes and its night as one block ending at 1460: the
    # hop's first 15 minutes read as its night
    assert hop.parts[HOURS] == pytest.approx(15)
    assert hop.parts[ANALYSING] == pytest.approx(45)
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0"]) == EXIT_OK
    values = _row(capsys.readouterr().out)
    assert values["Waiting for working hours"] == _shown(15)


# --- a role handed back to the automated policy ---------------------------------------


def _handed_back(data: dict[str, Any]) -> dict[str, Any]:
    """A person plays cert-a. The report on x (only Singapore affected) reaches it at
    T+07:00 (16:00, 420) and the update saying Thailand is affected at T+24:30 (09:30,
    1470); the person acknowledges neither. The role goes back to the automated policy
    at T+25:00 (10:00, 1500): it acknowledges both (1500-1510, two desks), analyses x
    (to 1540) and notifies cert-b (1545), which acknowledges at 1560."""
    data["frameworks"]["fw"]["rules"].pop("escalate")
    report = data["injects"][0]
    report["at"] = "T+07:00"
    report["incident"]["affected"] = ["SG"]
    data["injects"].append({"id": "2", "at": "T+24:30", "sender": "ctl", "to": ["cert-a"],
                            "via": "email", "tlp": "GREEN", "title": "Update",
                            "incident": {"id": "x", "affected": ["SG", "TH"]}})
    return data


def test_handed_back_acknowledgement_counts_only_its_night_as_waiting_for_working_hours(
        scenario_data, load):
    scenario = load(_handed_back(scenario_data)).scenario
    engine = Engine(scenario, seed=0, human=("cert-a",))
    engine.run_until(1500)
    engine.set_human("cert-a", False)
    log = engine.run()
    # the report's acknowledgement counts from its arrival: the office closed overnight,
    # the rest of the wait (the person held the role) queued
    assert _one(log, "acknowledged", "inject:1").details["spans"] == [
        [420.0, CLOSING, "queued"], [CLOSING, OPENING, "off_duty"],
        [OPENING, 1500.0, "queued"], [1500.0, 1510.0, "worked"]]
    review = build_review(scenario, log)
    hop = _notify(review)
    assert (hop.trigger_at, hop.first_sent_at, hop.end_at) == (1470, 1545, 1560)
    _assert_adds_up(hop)
    # from 09:30 the office is open: the half hour before the hand-back is queued, not
    # the night (it said 40 minutes waiting for working hours)
    assert hop.parts[HOURS] == 0
    assert hop.parts[QUEUED] == pytest.approx(30)
    assert hop.parts[ANALYSING] == pytest.approx(10 + 30 + 5 + 10)
    values = _row(aar.render_markdown(review))
    assert values["Waiting for working hours"] == _shown(0)
    assert values["Queued behind other work"] == _shown(30)


def test_draft_taken_up_after_a_hand_back_waits_for_working_hours_overnight(
        scenario_data, load):
    # the report reaches cert-a at T+07:20 (16:20): acknowledged by 450, analysed by 480,
    # when the office closes with the notification to draft. The role goes to a person at
    # 18:00 (540), who does nothing, and back to the policy at 21:00 (720): the policy
    # takes the notification up again when the office opens (1440) and sends it at 1445
    data = scenario_data
    data["injects"][0]["at"] = "T+07:20"
    data["drill"]["duration"] = "3d"
    scenario = load(data).scenario
    engine = Engine(scenario, seed=0)
    engine.run_until(540)
    engine.set_human("cert-a", True)
    engine.run_until(720)
    engine.set_human("cert-a", False)
    review = build_review(scenario, engine.run())
    [notified] = events_of(review.events, "notified", "cert-a")
    assert notified.time == OPENING + 5
    # the night after the hand-back is the draft's wait for the office
    assert notified.details["off_duty"] == OPENING - 720
    assert notified.details["spans"] == [[720.0, OPENING, "off_duty"],
                                         [OPENING, OPENING + 5, "worked"]]
    hop = _notify(review)
    _assert_adds_up(hop)
    # the night from the hand-back on waits for working hours, as do cert-b's 50 minutes
    # before its office opens; only the hours before it (the draft the hand-over dropped,
    # the person's) are queued (they said 960 minutes queued, 50 waiting for working hours)
    assert hop.parts[HOURS] == pytest.approx(OPENING - 720 + 50)
    assert hop.parts[QUEUED] == pytest.approx(720 - CLOSING)
    values = _row(aar.render_markdown(review))
    assert values["Waiting for working hours"] == _shown(OPENING - 720 + 50)
    assert values["Queued behind other work"] == _shown(720 - CLOSING)


def test_acknowledgement_by_a_person_who_took_the_role_counts_the_night_before(
        scenario_data, load):
    # cert-a (staffed 24/7) hears of x at T+10:00 (19:00, 600) and e-mails cert-b at 645;
    # cert-b's office (10:00-18:00 Singapore time) is closed until 1500. Its phone chase
    # (705) rings once the office opens. The automated policy starts acknowledging the
    # e-mail at 1500; a person takes the role at 1505 and acknowledges it at 1520
    data = scenario_data
    data["frameworks"]["fw"]["rules"].pop("escalate")
    data["injects"][0]["at"] = "T+10:00"
    data["actors"]["cert-a"]["staffing"] = "24/7"
    data["actors"]["cert-a"].pop("working_hours")
    scenario = load(data).scenario
    engine = Engine(scenario, seed=0)
    engine.run_until(1505)
    engine.set_human("cert-b", True)
    engine.run_until(1520)
    mail = events_of(engine.log, "message_delivered", "cert-b")[0]
    assert (mail.time, mail.details.get("unread")) == (650, True)
    engine.act(Action("cert-b", "acknowledge", "x", refs=(mail.details["msg"],)))
    review = build_review(scenario, engine.run())
    [ack] = events_of(review.events, "acknowledged", "cert-b")
    assert ack.details["spans"] == [[650.0, 1500.0, "off_duty"], [1500.0, 1505.0, "queued"],
                                    [1505.0, 1520.0, "worked"]]
    hop = _notify(review)
    assert (hop.delivered_at, hop.end_at) == (650, 1520)
    _assert_adds_up(hop)
    # the night cert-b's office was closed waits for working hours, the policy's five
    # minutes before the hand-over are queued, and only the person's own 15 are its
    # handling (they said all 870 minutes were handling)
    assert hop.parts[HOURS] == 1500 - 650
    assert hop.parts[QUEUED] == 5
    assert hop.parts[ANALYSING] == pytest.approx(45 + 15)
    # as the run report says it
    assert _receiver(review, hop) == {"closed": 850, "handling": 20}
    values = _row(aar.render_markdown(review))
    assert values["Waiting for working hours"] == _shown(850)


# --- work the duty officer takes over at closing ---------------------------------------


def _with_duty_officer(data: dict[str, Any], *reports: tuple[str, str, str, dict[str, Any]],
                       ) -> dict[str, Any]:
    """cert-a (one desk) acknowledges and analyses in 10m and drafts in 20m; its duty
    officer answers calls about incidents at least high after 30m, and the 24/7 channel
    (5m) is handled at the duty desk. It notifies the other affected CERTs and asks the
    hosting CERT for a takedown. Each report is (at, channel, incident, what it says)."""
    a = data["actors"]["cert-a"]
    a["policy"].update(ack_delay="10m", analysis_time="10m", drafting_time="20m")
    a["capacity"] = 1
    a["on_call"] = {"channels": ["phone"], "min_severity": "high", "answer_after": "30m"}
    a["contacts"]["net247"] = {"address": "247/sg"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["channels"]["net247"] = {"kind": "network_247", "latency": "5m",
                                  "handled_around_the_clock": True}
    rules = data["frameworks"]["fw"]["rules"]
    rules.pop("escalate")
    rules["notify"].pop("fallback")
    rules["takedown"] = {"by": ["national_cert"], "on": ["inject"],
                         "when": {"hosted_abroad": True}, "action": "request_takedown",
                         "to": ["hosting_certs"], "channel": "email", "deadline": "4h",
                         "tlp": "GREEN"}
    data["injects"] = [
        {"id": str(n), "at": at, "sender": "ctl", "to": ["cert-a"], "via": via,
         "tlp": "GREEN", "title": "Report", "incident": {"id": inc, **says}}
        for n, (at, via, inc, says) in enumerate(reports, 1)]
    return data


HIGH = {"type": "botnet", "severity": "high"}


def test_draft_split_between_office_and_duty_desk_waits_where_it_waited(scenario_data, load):
    # a call on x (T+07:30, 450): acknowledged by 460, analysed by 470; cert-a drafts its
    # notification from 470. The 24/7 report that x is hosted in Thailand reaches the
    # duty desk at 470 (acknowledged by 480), and the duty officer drafts the takedown
    # request from 480 to 500. The notification's draft, handed over at closing, waits
    # for it (480-500) and is finished from 500 to 510.
    data = _with_duty_officer(scenario_data,
                              ("T+07:30", "phone", "x", {**HIGH, "affected": ["SG", "TH"]}),
                              ("T+07:50", "net247", "x", {"hosted_in": ["TH"]}))
    scenario = load(data).scenario
    log = Engine(scenario, seed=0).run()
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.details["spans"] == [[470.0, CLOSING, "worked"],
                                         [CLOSING, 500.0, "queued"], [500.0, 510.0, "worked"]]
    review = build_review(scenario, log)
    hop = _notify(review)
    assert (hop.trigger_at, hop.first_sent_at) == (450, 510)
    _assert_adds_up(hop)
    # cert-a: 10 acknowledging, 10 analysing, 10 drafting (as the duty desk acknowledged
    # the report) and 10 drafting after the wait; the 20 minutes the duty officer spent
    # on the takedown request are queued behind other work (they said 10: the draft was
    # taken as its 20 minutes just before it was sent)
    assert _sender(review, hop) == {HOURS: 0, ANALYSING: 40, QUEUED: 20}
    values = _row(aar.render_markdown(review))
    assert values["Queued behind other work"] == _shown(20)


def test_acknowledgement_split_between_office_and_duty_desk_waits_where_it_waited(
        scenario_data, load):
    # a 24/7 report on y (T+07:50, 470) keeps the duty desk until the takedown request
    # it sends at 510. A call on x (T+07:54, 474) is being acknowledged when the office
    # closes: the rest of it (4 minutes) is done once the duty desk is free (510-514).
    # A 24/7 report that Thailand is affected too (T+08:10, 490) makes the notification
    # due; cert-a analyses x (514-524) and drafts it (524-544)
    data = _with_duty_officer(scenario_data,
                              ("T+07:50", "net247", "y",
                               {**HIGH, "affected": ["SG"], "hosted_in": ["TH"]}),
                              ("T+07:54", "phone", "x", {**HIGH, "affected": ["SG"]}),
                              ("T+08:10", "net247", "x", {"affected": ["SG", "TH"]}))
    scenario = load(data).scenario
    log = Engine(scenario, seed=0).run()
    assert _one(log, "acknowledged", "inject:2").details["spans"] == [
        [474.0, CLOSING, "worked"], [CLOSING, 510.0, "queued"], [510.0, 514.0, "worked"]]
    review = build_review(scenario, log)
    hop = _notify(review)
    assert (hop.trigger_at, hop.first_sent_at) == (490, 544)
    _assert_adds_up(hop)
    # from 490 the acknowledgement waits for the busy duty officer (20 minutes queued)
    # and is finished in 4 (they said 14 queued and 10 acknowledging: the acknowledgement
    # was taken as its 10 minutes just before it was done)
    assert _sender(review, hop) == {HOURS: 0, ANALYSING: 4 + 10 + 20, QUEUED: 20}


def test_office_analysis_left_at_closing_waits_for_working_hours_until_a_night_call(
        scenario_data, load):
    # a report on x by e-mail at T+07:40 (460): acknowledged by 470, analysed (2h) at
    # the office for 10 minutes before it closes. A call at T+11:00 (660) is answered
    # after 30 minutes and acknowledged by 700; the duty officer analyses the other 110
    # minutes (to 810) and notifies cert-b (815)
    data = _with_duty_officer(scenario_data,
                              ("T+07:40", "email", "x", {**HIGH, "affected": ["SG", "TH"]}),
                              ("T+11:00", "phone", "x", {}))
    data["actors"]["cert-a"]["policy"].update(analysis_time="2h", drafting_time="5m")
    scenario = load(data).scenario
    log = Engine(scenario, seed=0).run()
    analysed = _one_analysis(log)
    assert analysed.details["handed_over"] == {"at": CLOSING, "worked": 10, "off_duty": 0}
    assert analysed.details["spans"] == [[470.0, CLOSING, "worked"], [700.0, 810.0, "worked"]]
    review = build_review(scenario, log)
    hop = _notify(review)
    assert (hop.trigger_at, hop.first_sent_at) == (460, 815)
    _assert_adds_up(hop)
    # from closing until the call the analysis waited for the office to open (it said
    # queued behind other work), then for the duty officer to answer
    assert _sender(review, hop) == {HOURS: 660 - CLOSING + 30,
                                    ANALYSING: 10 + 10 + 10 + 110 + 5, QUEUED: 0}
    values = _row(aar.render_markdown(review))
    assert values["Queued behind other work"] == _shown(0)


def _one_analysis(log: list[Event]) -> Event:
    [event] = events_of(log, "analysed", "cert-a")
    return event


# --- acknowledgements paired with what they acknowledge --------------------------------


def test_messages_acknowledged_out_of_order_are_each_paired_with_their_own(
        scenario_data, load):
    # cert-a notifies cert-b of x (medium, sent 105) and of y (critical, sent 110).
    # cert-b (one desk) is busy with z until 145, then takes the critical y first
    # (acknowledged 155) and x after it (195)
    data = scenario_data
    data["frameworks"]["fw"]["rules"].pop("escalate")
    data["actors"]["cert-b"]["capacity"] = 1
    data["injects"] = [
        {"id": str(n), "at": at, "sender": "ctl", "to": [to], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": inc, "type": "botnet", "severity": severity,
                      "affected": affected}}
        for n, (at, to, inc, severity, affected) in enumerate([
            ("T+01:00", "cert-a", "x", "medium", ["SG", "TH"]),
            ("T+01:05", "cert-a", "y", "critical", ["SG", "TH"]),
            ("T+01:45", "cert-b", "z", "low", ["TH"])], 1)]
    scenario = load(data).scenario
    log = Engine(scenario, seed=0).run()
    acks = {e.incident: e for e in events_of(log, "acknowledged", "cert-b")
            if e.incident in ("x", "y") and e.time < 200}
    assert acks["y"].time < acks["x"].time
    sent: dict[str | None, Event] = {}
    for e in events_of(log, "message_sent", "cert-a"):
        sent.setdefault(e.incident, e)  # the first attempt (x is chased by phone later)
    assert sent["x"].time < sent["y"].time
    review = build_review(scenario, log)
    for inc in ("x", "y"):
        hop = _notify(review, inc)
        assert hop.end_at == acks[inc].time
        [run] = [h for h in hop_metrics(log) if h["dispatch"] == hop.dispatch]
        assert run["acknowledged_at"] == acks[inc].time
        # the wait for cert-b's desk is that message's own
        assert hop.parts[QUEUED] == pytest.approx(acks[inc].details["queued"])
    assert review.metrics["actors"]["cert-b"]["max_ack_latency"] == pytest.approx(
        acks["x"].time - sent["x"].time - 5)


def test_a_person_acknowledging_out_of_order_is_timed_on_each_message(scenario_data, load):
    # a person plays cert-b: cert-a's notifications of x (sent 105, delivered 110) and y
    # (sent 110, delivered 115) are acknowledged y first (130), then x (140)
    data = scenario_data
    data["frameworks"]["fw"]["rules"].pop("escalate")
    data["injects"] = [
        {"id": str(n), "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": inc, "type": "botnet", "affected": ["SG", "TH"]}}
        for n, (at, inc) in enumerate([("T+01:00", "x"), ("T+01:05", "y")], 1)]
    scenario = load(data).scenario
    engine = Engine(scenario, seed=0, human=("cert-b",))
    engine.run_until(120)
    delivered = {e.incident: e for e in events_of(engine.log, "message_delivered", "cert-b")}
    assert (delivered["x"].time, delivered["y"].time) == (110, 115)
    for at, inc in ((130, "y"), (140, "x")):
        engine.run_until(at)
        engine.act(Action("cert-b", "acknowledge", inc, refs=(delivered[inc].details["msg"],)))
    review = build_review(scenario, engine.run())
    for inc, acked in (("x", 140), ("y", 130)):
        hop = _notify(review, inc)
        assert hop.end_at == acked
        # the person's handling of that message, from its own arrival
        assert _receiver(review, hop)["handling"] == acked - delivered[inc].time
        _assert_adds_up(hop)


# --- the log -----------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "seed"), [("acid-botnet", 0), ("acid-supply-chain", 4)])
def test_every_piece_of_the_policys_work_says_when_its_minutes_fell(scenario, seed, tmp_path):
    """Every acknowledgement, analysis and action of the automated policy that was not
    worked at one go logs spans in time order that end when it was done and add up to
    the minutes it logs (an acknowledgement's from when its item arrived); the others
    were worked at one go just before they were done (after an acknowledgement's wait
    for a place), as their totals say."""
    events_file = tmp_path / "events.jsonl"
    assert main(["run", scenario, "--seed", str(seed), "--events", str(events_file)]) == EXIT_OK
    kinds = {"spans": 0, "at one go": 0}
    for line in events_file.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        d = e["details"]
        if d.get("by") != "policy" or "worked" not in d or e["type"] == "message_sent":
            continue
        ack = e["type"] == "acknowledged"
        if "spans" not in d:
            kinds["at one go"] += 1
            assert d["off_duty"] == 0 and "handed_over" not in d
            if ack:
                assert d["worked"] + d["queued"] == pytest.approx(e["time"] - d["received_at"],
                                                                  abs=1e-5)
            elif e["type"] == "analysed":
                assert d["started_at"] == pytest.approx(e["time"] - d["worked"], abs=1e-5)
            continue
        kinds["spans"] += 1
        spans = d["spans"]
        assert spans[-1][1] == pytest.approx(e["time"], abs=1e-6)
        assert all(s <= t for (_, s, _), (t, _, _) in itertools.pairwise(spans))
        total = {part: sum(end - start for start, end, p in spans if p == part)
                 for part in ("worked", "off_duty", "queued")}
        office = d.get("handed_over") or {"worked": 0.0, "off_duty": 0.0}
        assert total["worked"] == pytest.approx(d["worked"] + office["worked"], abs=1e-5)
        assert total["off_duty"] == pytest.approx(d["off_duty"] + office["off_duty"],
                                                  abs=1e-5)
        if ack:
            assert total["queued"] == pytest.approx(d["queued"], abs=1e-5)
            assert spans[0][0] == pytest.approx(d["received_at"], abs=1e-5)
    assert kinds["spans"] > 5 and kinds["at one go"] > 100


def test_the_parts_still_add_up_in_every_hop_of_a_bundled_drill(tmp_path):
    path = Path(tmp_path / "j.journal.sqlite")
    assert main(["run", "acid-hacktivism", "--seed", "7", "--journal", str(path)]) == EXIT_OK
    review, journal = load_review(path, readonly=True)
    journal.close()
    assert review.hops
    for hop in review.hops:
        _assert_adds_up(hop)
        assert set(hop.parts) == set(PARTS)
