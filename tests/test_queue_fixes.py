"""Waiting for a place at a desk: how the wait is counted, and in what order work is
let in.

Every scenario is the hand-computed drill of ``conftest``: cert-b (Bangkok) keeps
09:00-17:00 there, which is T+01:00 to T+09:00 on the first day and T+25:00 to
T+33:00 on the second.
"""

from __future__ import annotations

import simpy
from conftest import events_of

from sim.analysis.metrics import hop_metrics
from sim.analysis.review import HOURS, QUEUED, hop_breakdown
from sim.engine import Engine
from sim.engine.actors import ALWAYS, Desk


def _inject(iid: str, at: str, to: str, incident: dict) -> dict:
    return {"id": iid, "at": at, "sender": "ctl", "to": [to], "via": "email",
            "tlp": "GREEN", "title": f"Report {iid}", "incident": incident}


# --- a night queued behind other work is a night out of office hours -------------------


def _queued_overnight(data):
    """cert-b's one desk takes up its own incident z at T+06:00 and analyses it for 3 h,
    overnight: 170 minutes before closing (T+06:10 to T+09:00) and 10 after opening
    (T+25:00 to T+25:10). cert-a's notification about x reaches cert-b at T+06:50 (410)
    and waits for the desk until T+25:10 (1510): 960 minutes of it while cert-b is
    closed, 140 while it is open."""
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["actors"]["cert-b"]["capacity"] = 1
    data["actors"]["cert-b"]["policy"]["analysis_time"] = "3h"
    data["actors"]["cert-a"]["policy"]["followup_after"] = "8h"
    data["injects"] = [
        _inject("z", "T+06:00", "cert-b",
                {"id": "z", "type": "phishing", "affected": ["TH"]}),
        _inject("1", "T+06:00", "cert-a",
                {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}),
    ]
    return data


def test_a_night_queued_behind_other_work_is_counted_off_duty(scenario_data, load):
    log = Engine(load(_queued_overnight(scenario_data)), seed=0).run()
    (ack,) = [e for e in events_of(log, "acknowledged", "cert-b") if e.incident == "x"]
    assert ack.time == 1520
    assert ack.details["received_at"] == 410
    assert ack.details["off_duty"] == 960
    assert ack.details["queued"] == 140
    assert ack.details["worked"] == 10


def test_the_hop_counts_a_night_queued_as_waiting_for_office_hours(scenario_data, load):
    log = Engine(load(_queued_overnight(scenario_data)), seed=0).run()
    (hop,) = hop_metrics(log)
    assert (hop["from"], hop["to"], hop["duration"]) == ("cert-a", "cert-b", 1160)
    assert hop["office_hours_wait"] == 960
    assert hop["awaiting_ack"] == 150  # 140 queued while open, 10 acknowledging
    assert (hop["handling"] + hop["lost_time"] + hop["held_time"] + hop["transit"]
            + hop["office_hours_wait"] + hop["awaiting_ack"]) == hop["duration"]


def test_the_review_files_a_night_queued_under_working_hours(scenario_data, load):
    log = Engine(load(_queued_overnight(scenario_data)), seed=0).run()
    (hop,) = hop_breakdown(log)
    assert hop.parts[HOURS] == 960
    assert hop.parts[QUEUED] == 140
    assert sum(hop.parts.values()) == hop.duration == 1160


def test_a_wait_for_a_place_in_office_hours_is_all_queued(scenario_data, load):
    """The same drill a day earlier in the office day: the analysis of z ends before
    closing, so the notification's whole wait for the desk is queued."""
    data = _queued_overnight(scenario_data)
    data["injects"][0]["at"] = data["injects"][1]["at"] = "T+02:00"
    log = Engine(load(data), seed=0).run()
    (ack,) = [e for e in events_of(log, "acknowledged", "cert-b") if e.incident == "x"]
    # z: acknowledged at 130, analysed until 310; the notification arrives at 170
    assert (ack.time, ack.details["received_at"]) == (320, 170)
    assert ack.details["off_duty"] == 0
    assert ack.details["queued"] == 140


# --- the queue reads the severity the team knows when it lets work in --------------------


def _no_rules(data, capacity: int):
    data["frameworks"]["fw"]["rules"] = {}
    data["actors"]["cert-b"]["capacity"] = capacity
    return data


def _order(log) -> list[str]:
    return [e.details["refs"][0] for e in events_of(log, "acknowledged", "cert-b")]


def test_work_that_waited_overnight_is_let_in_by_the_severity_known_at_opening(
        scenario_data, load):
    """A (x, medium), B (y, no severity yet) and C (y, critical) reach cert-b overnight.
    At opening cert-b knows y is critical: B and C take its two desks, A waits."""
    data = _no_rules(scenario_data, 2)
    data["injects"] = [
        _inject("A", "T+12:00", "cert-b", {"id": "x", "type": "botnet", "severity": "medium"}),
        _inject("B", "T+13:00", "cert-b", {"id": "y", "type": "phishing"}),
        _inject("C", "T+14:00", "cert-b",
                {"id": "y", "type": "phishing", "severity": "critical"}),
    ]
    log = Engine(load(data), seed=0).run()
    acks = {e.details["refs"][0]: e for e in events_of(log, "acknowledged", "cert-b")}
    assert acks["inject:B"].time == acks["inject:C"].time == 1510
    # A gets the desk C leaves when it finds y's analysis under way at B's
    assert acks["inject:A"].time == 1520
    assert acks["inject:A"].details["queued"] == 10


def _waiting_behind_w() -> list[dict]:
    """W, then A (x, medium), B (y, no severity) and C (y, critical) for cert-b."""
    return [
        _inject("W", "T+01:00", "cert-b", {"id": "w", "type": "botnet"}),
        _inject("A", "T+01:30", "cert-b", {"id": "x", "type": "botnet", "severity": "medium"}),
        _inject("B", "T+01:40", "cert-b", {"id": "y", "type": "phishing"}),
        _inject("C", "T+01:50", "cert-b",
                {"id": "y", "type": "phishing", "severity": "critical"}),
    ]


def test_waiting_work_moves_up_when_its_incident_turns_out_more_severe(scenario_data, load):
    """cert-b's one desk analyses w for 3 h from T+01:10 (70) to T+04:10 (250). A (x,
    medium) waits from T+01:30, B (y, no severity) from T+01:40, and C (y, critical)
    from T+01:50: when the desk comes free cert-b knows y is critical, so B goes first
    (it arrived before C), then C, then A."""
    data = _no_rules(scenario_data, 1)
    data["actors"]["cert-b"]["policy"]["analysis_time"] = "3h"
    data["injects"] = _waiting_behind_w()
    log = Engine(load(data), seed=0).run()
    assert _order(log) == ["inject:W", "inject:B", "inject:C", "inject:A"]
    acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-b")}
    # B is let in at 250 and analyses y until 440; C is let in then and finds it done
    assert (acks["inject:B"], acks["inject:C"], acks["inject:A"]) == (260, 450, 460)


def test_a_fifo_queue_keeps_arrival_order_whatever_the_team_learns(scenario_data, load):
    data = _no_rules(scenario_data, 1)
    data["actors"]["cert-b"]["policy"]["analysis_time"] = "3h"
    data["actors"]["cert-b"]["policy"]["queue"] = "fifo"
    data["injects"] = _waiting_behind_w()
    log = Engine(load(data), seed=0).run()
    assert _order(log) == ["inject:W", "inject:A", "inject:B", "inject:C"]


def test_a_desk_reranks_a_group_and_forgets_what_it_granted_or_withdrew():
    env = simpy.Environment()
    desk = Desk(env, 1, ALWAYS)
    holder = desk.request((0, 0))
    a = desk.request((0, 1), "x")
    b = desk.request((0, 2), "y")
    c = desk.request((0, 3), "y")
    d = desk.request((0, 4), "z")
    assert holder.triggered and not (a.triggered or b.triggered)
    desk.rerank("y", -2)
    desk.cancel(c)
    desk.rerank("z", -1)
    desk.rerank("nothing waits", -3)
    granted = []
    for req in (b, d, a):
        req.callbacks.append(lambda ev: granted.append(ev))
    desk.release(holder)
    env.run()
    desk.release(b)
    env.run()
    desk.release(d)
    env.run()
    assert granted == [b, d, a]
    assert desk._groups == {} and desk._queue == []
