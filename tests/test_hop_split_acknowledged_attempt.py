"""A hop with several attempts is split on the attempt that was acknowledged.

cert-a (Singapore, around the clock) notifies cert-b (Bangkok, 08:00-17:00) at 20:20
Singapore time, 19:20 in Bangkok: the office is shut. The e-mail arrives at T+00:25 and
waits for the morning; an hour later cert-a chases it by phone, which rings once the
office opens at 08:00 Bangkok time (T+13:00, 780). Both are acknowledged at T+13:10
(790), the call first. The hop's time is that of the call: an hour on the e-mail it
overtook, 2 minutes on the line, the night until the call was answered, and 10
minutes to acknowledge it. It used to take the e-mail's delivery but the call's
acknowledgement (which waited for no office), and so blamed the whole night on cert-b's
handling. The run report, its JSON, the review and the after-action report all say the
same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis import aar
from sim.analysis.metrics import hop_metrics
from sim.analysis.review import CHANNEL, HOURS, LOST, build_review
from sim.cli import main
from sim.engine import Engine
from sim.engine.events import Event

PARTS = ("handling", "lost_time", "held_time", "transit", "office_hours_wait", "awaiting_ack")


def _scenario(first: str = "email", fallback: str | None = "phone") -> dict[str, Any]:
    """The drill above: the rule's first channel and its fallback (None: no chase)."""
    rule: dict[str, Any] = {"by": ["national_cert"], "on": ["inject"], "action": "notify",
                            "to": ["affected_certs"], "channel": first, "deadline": "2h",
                            "tlp": "GREEN"}
    if fallback is not None:
        rule["fallback"] = [fallback]
    return {
        "drill": {"id": "chase", "title": "Chase", "tlp": "CLEAR",
                  "start": "2026-09-14T20:00:00+08:00", "duration": "1d"},
        "actors": {
            "cert-a": {"name": "CERT-A", "kind": "national_cert", "country": "SG",
                       "timezone": "Asia/Singapore", "staffing": "24/7",
                       "contacts": {"email": {"address": "a@x"}, "phone": {"address": "1"}},
                       "policy": {"ack_delay": "5m", "analysis_time": "10m",
                                  "drafting_time": "5m", "followup_after": "1h"}},
            "cert-b": {"name": "CERT-B", "kind": "national_cert", "country": "TH",
                       "timezone": "Asia/Bangkok", "working_hours": "08:00-17:00",
                       "contacts": {"email": {"address": "b@x"}, "phone": {"address": "2"}},
                       "policy": {"ack_delay": "10m", "analysis_time": "30m",
                                  "drafting_time": "5m"}},
            "ctl": {"name": "HiCON", "kind": "exercise_control", "timezone": "Asia/Singapore",
                    "staffing": "24/7", "contacts": {"email": {"address": "h@x"}}},
        },
        "channels": {"email": {"kind": "email", "latency": "5m"},
                     "phone": {"kind": "phone", "latency": "2m",
                               "needs_receiver_on_duty": True}},
        "frameworks": {"f": {"title": "f", "rules": {"notify": rule}}},
        "injects": [{"id": "1", "at": "T+00:00", "type": "event", "sender": "ctl",
                     "to": ["cert-a"], "via": "email", "tlp": "GREEN", "title": "Botnet",
                     "incident": {"id": "x", "type": "botnet", "severity": "medium",
                                  "affected": ["SG", "TH"]}}],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "chase.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _run(tmp_path: Path, data: dict[str, Any], capsys, *extra: str) -> str:
    assert main(["run", str(_write(tmp_path, data)), "--slowest", "1", *extra]) == 0
    return capsys.readouterr().out


def _split_line(text: str) -> str:
    """The slowest hop's split, as ``drill run`` prints it."""
    lines = text.splitlines()
    at = lines.index("Slowest hops (from the sender's rule applying to the receiver's "
                     "acknowledgement)")
    assert "CERT-A -> CERT-B: notify" in lines[at + 1]
    return lines[at + 2].strip()


def _adds_up(hop: dict[str, Any]) -> bool:
    return abs(sum(hop[p] for p in PARTS) - hop["duration"]) < 1e-6 and min(
        hop[p] for p in PARTS) >= 0


def test_the_night_a_chase_waited_for_is_office_hours_not_handling(tmp_path, capsys):
    said = _split_line(_run(tmp_path, _scenario(), capsys))
    # 20 handling + 60 on the e-mail the call overtook + 2 on the line + 698 waiting
    # for the office to open + 10 acknowledging = 790 (13.17 h)
    assert said == ("handling 20m; lost 1h (overtaken); transit 2m; "
                    "waiting for office hours 11h38m; awaiting acknowledgement 10m")


def test_the_json_splits_on_the_attempt_acknowledged_first(tmp_path, capsys):
    events = tmp_path / "events.jsonl"
    [hop] = json.loads(_run(tmp_path, _scenario(), capsys, "--json", "--events",
                            str(events)))["slowest_hops"]
    log = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    [ack] = [e for e in log if e["type"] == "acknowledged"
             and hop["dispatch"] in e["details"]["dispatches"]][:1]
    [call] = [e for e in log if e["type"] == "message_delivered"
              and e["details"]["msg"] in ack["details"]["refs"]]
    [sent] = [e for e in log if e["type"] == "message_sent"
              and e["details"]["msg"] == call["details"]["msg"]]
    assert call["details"]["channel"] == "phone"
    assert (hop["sent_at"], hop["delivered_at"], hop["acknowledged_at"]) == (
        sent["time"], call["time"], ack["time"])
    # the call's night at the closed office, and its own acknowledgement's (none)
    assert hop["office_hours_wait"] == call["details"]["duty_wait"] + ack["details"]["off_duty"]
    # the e-mail before it arrived, but the call was acknowledged first
    assert hop["lost"] == ["overtaken"] and hop["lost_time"] == sent["time"] - hop["first_sent_at"]
    assert _adds_up(hop)


def test_a_first_attempt_acknowledged_first_has_nothing_lost(tmp_path, capsys):
    # the call goes first and rings at 08:00; the e-mail chasing it arrives at night and
    # is acknowledged after the call: nothing before the call was lost
    said = _split_line(_run(tmp_path, _scenario("phone", "email"), capsys))
    assert said == ("handling 20m; transit 2m; waiting for office hours 12h38m; "
                    "awaiting acknowledgement 10m")


def test_without_a_chase_the_night_is_still_office_hours(tmp_path, capsys):
    said = _split_line(_run(tmp_path, _scenario(fallback=None), capsys))
    assert said == ("handling 20m; transit 5m; waiting for office hours 12h35m; "
                    "awaiting acknowledgement 10m")


@pytest.mark.parametrize(("first", "fallback"), [("email", "phone"), ("phone", "email")])
def test_the_review_and_the_after_action_report_split_the_same_attempt(
        tmp_path, first, fallback):
    scenario = load_scenario(_write(tmp_path, _scenario(first, fallback))).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    [run] = [h for h in hop_metrics(review.events) if h["to"] == "cert-b"]
    [hop] = [h for h in review.hops if h.recipient == "cert-b"]
    assert hop.delivered_at == run["delivered_at"]
    assert hop.parts[LOST] == run["lost_time"] and hop.parts[CHANNEL] == run["transit"]
    # the call waited the night for the office to open: working hours, in both cases
    assert hop.parts[HOURS] >= run["office_hours_wait"] > 11 * 60
    assert abs(sum(hop.parts.values()) - hop.duration) < 1e-6
    assert len(hop.failed) == len(run["lost"])
    earlier = ", ".join(hop.failed) or "—"
    assert earlier == ("overtaken" if first == "email" else "—")
    assert f"| {earlier} |" in aar.render_markdown(review)


class _Log:
    """Events numbered in the order they are written."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, time: float, kind: str, actor: str | None = None, /,
                 **details: Any) -> None:
        self.events.append(Event.make(len(self.events), time, kind, actor, "x", details))


def _attempts(log: _Log) -> None:
    """Three attempts: m1 lost, m2 arrives at 20 at a closed desk, m3 rings at 100."""
    msg = {"to": "B", "verb": "notify", "trigger_at": 0, "dispatch": "d1"}
    log(10, "message_sent", "A", msg="m1", **msg)
    log(12, "message_lost", "B", msg="m1", reason="stale_contact", **msg)
    log(15, "message_sent", "A", msg="m2", **msg)
    log(20, "message_delivered", "B", msg="m2", duty_wait=0.0, **msg)
    log(30, "message_sent", "A", msg="m3", **msg)
    log(100, "message_delivered", "B", msg="m3", duty_wait=69.0, **msg)


def test_the_acknowledgement_names_the_attempt_the_hop_is_split_on():
    log = _Log()
    _attempts(log)
    log(110, "acknowledged", "B", dispatches=["d1"], refs=["m3"], off_duty=0.0)
    log(120, "acknowledged", "B", dispatches=["d1"], refs=["m2"], off_duty=80.0)
    [hop] = hop_metrics(log.events)
    assert (hop["sent_at"], hop["delivered_at"]) == (30, 100)
    # 10 handling, 20 on m1 (lost) and m2 (overtaken), 1 on the line, 69 for the desk
    assert hop["lost"] == ["stale_contact", "overtaken"]
    assert [hop[p] for p in PARTS] == [10, 20, 0, 1, 69, 10]
    assert _adds_up(hop)


def test_an_acknowledgement_of_several_attempts_splits_on_the_first_to_arrive():
    log = _Log()
    _attempts(log)
    # a person acknowledges both copies at once, after a night the desk was shut
    log(130, "acknowledged", "B", dispatches=["d1", "d1"], refs=["m3", "m2"], off_duty=80.0)
    [hop] = hop_metrics(log.events)
    assert (hop["sent_at"], hop["delivered_at"]) == (15, 20)
    # m3, sent after m2, is no earlier attempt
    assert hop["lost"] == ["stale_contact"]
    assert [hop[p] for p in PARTS] == [10, 5, 0, 5, 80, 30]
    assert _adds_up(hop)


def test_every_hop_of_a_bundled_run_is_split_on_its_acknowledged_attempt():
    scenario = load_scenario(resolve_scenario_arg("acid-supply-chain")).scenario
    log = Engine(scenario, seed=2).run()
    sent = {e.details["msg"]: e for e in log if e.type == "message_sent"}
    arrived = {e.details["msg"]: e for e in log if e.type == "message_delivered"}
    first_ack: dict[str, Event] = {}
    for e in log:
        if e.type == "acknowledged":
            for did in e.details["dispatches"]:
                first_ack.setdefault(did, e)
    for hop in hop_metrics(log):
        if hop["delivered_at"] is None:
            continue
        assert _adds_up({**hop, "awaiting_ack": hop["awaiting_ack"] or 0.0})
        ack = first_ack.get(hop["dispatch"])
        if ack is None:
            continue
        [msg] = [m for m in ack.details["refs"] if m in arrived
                 and arrived[m].details["dispatch"] == hop["dispatch"]]
        assert (hop["sent_at"], hop["delivered_at"]) == (sent[msg].time, arrived[msg].time)
        assert hop["office_hours_wait"] == pytest.approx(
            arrived[msg].details["duty_wait"]
            + min(ack.details["off_duty"], ack.time - arrived[msg].time))
        assert len(hop["lost"]) == sent[msg].details["attempt"] - 1
