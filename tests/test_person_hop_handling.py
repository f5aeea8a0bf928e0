"""Where the time went: a person's message counts from when the role took in what it
rests on, so the person's own handling shows in the hop (and the hours their office
was closed meanwhile as waiting for working hours), as the automated policy's does.

The hand-computed drill: CERT-SG (Singapore, 09:00-17:00) hears of incident x at
T+01:00 (Wednesday 10:00); e-mail takes 5 minutes; CERT-TH (Bangkok, 09:00-17:00 there,
an hour behind) acknowledges in 10.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim import cli
from sim.analysis.metrics import hop_metrics
from sim.analysis.review import ANALYSING, HOURS, QUEUED, hop_breakdown
from sim.engine import Action, Engine
from sim.runs.session import DrillSession
from tests.conftest import events_of

NIGHT = 16 * 60  # 17:00 to 09:00
REPORT_AT = 60  # T+01:00: the report reaches CERT-SG


def _tutorial(tmp_path: Path) -> tuple[Path, list]:
    """SingCERT played by a person: it acknowledges the bank's report at T+00:45 and asks
    MyCERT for the takedown only at T+03:20."""
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")),
                                 human=["singcert"], journal_path=journal)
    session.advance_to(45)
    session.act(Action("singcert", "acknowledge", "phish"))
    session.advance_to(200)
    session.act(Action("singcert", "request_takedown", "phish", targets=("mycert",),
                       tlp="AMBER"))
    session.advance_to(480)
    log = list(session.engine.log)
    session.close()
    return journal, log


def _person_a(scenario_data, load) -> Engine:
    """cert-a played by a person, with the report in hand from T+01:00."""
    engine = Engine(load(scenario_data), seed=0, human=["cert-a"])
    engine.run_until(REPORT_AT)
    return engine


def _hop(log, to: str = "cert-b", index: int = 0):
    return [h for h in hop_breakdown(log) if h.recipient == to][index]


def test_a_person_s_request_counts_from_the_report_it_rests_on(tmp_path):
    _, log = _tutorial(tmp_path)
    [report] = events_of(log, "inject_delivered", "singcert")[:1]
    [sent] = events_of(log, "message_sent", "singcert")
    hop = _hop(log, "mycert")
    # the request is due from when SingCERT had the report, not from its sending: the
    # person's acknowledging, checking and writing (all in office hours) is their handling
    assert sent.details["trigger_at"] == report.time
    assert hop.trigger_at == report.time
    handling = sent.time - report.time
    assert handling > 2 * 60
    assert hop.parts[ANALYSING] == pytest.approx(handling + hop.end_at - hop.delivered_at)
    assert hop.parts[HOURS] == pytest.approx(0.0, abs=1e-9)
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)
    # the run report's (and the JSON's slowest_hops') handling says so too
    [metric] = [h for h in hop_metrics(log) if h["to"] == "mycert"]
    assert metric["handling"] == pytest.approx(handling)


def test_drill_report_shows_the_person_s_handling(tmp_path, capsys):
    journal, log = _tutorial(tmp_path)
    [report] = events_of(log, "inject_delivered", "singcert")[:1]
    [sent] = events_of(log, "message_sent", "singcert")
    minutes = round(sent.time - report.time)
    assert cli.main(["report", str(journal), "--format", "json", "--runs", "0"]) == 0
    [hop] = json.loads(capsys.readouterr().out)["metrics"]["slowest_hops"]
    assert hop["handling"] == pytest.approx(sent.time - report.time)
    assert cli.main(["report", str(journal), "--format", "text", "--runs", "0"]) == 0
    text = capsys.readouterr().out
    assert f"handling {minutes // 60}h{minutes % 60}m" in text


def test_a_person_s_message_sent_the_next_morning_waits_the_night_for_working_hours(
        scenario_data, load):
    engine = _person_a(scenario_data, load)
    engine.run_until(24 * 60 + 30)  # Thursday 09:30
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    log = engine.run()
    hop = _hop(log)
    assert (hop.trigger_at, hop.first_sent_at) == (REPORT_AT, 24 * 60 + 30)
    # Wednesday 10:00-17:00 and Thursday 09:00-09:30 at work, the night off duty; then
    # the mail reaches Bangkok at 08:35 there, waits 25 minutes for the office and 10
    # to be read
    assert hop.parts[ANALYSING] == pytest.approx(7 * 60 + 30 + 10)
    assert hop.parts[HOURS] == pytest.approx(NIGHT + 25)
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.details["trigger_at"] == REPORT_AT
    # no deadline for a person's message, before or after
    assert "deadline_at" not in notified.details and "late_by" not in notified.details


def test_a_person_s_message_counts_from_the_first_item_it_passes_on(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x"}})
    engine = _person_a(scenario_data, load)
    engine.run_until(200)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN",
                      refs=("inject:2",)))
    hop = _hop(engine.run())
    assert hop.trigger_at == 180  # when the update it passes on came in
    assert hop.parts[ANALYSING] == pytest.approx(20 + 10)


def test_a_person_writing_again_with_nothing_new_is_not_handling(scenario_data, load):
    engine = _person_a(scenario_data, load)
    engine.run_until(90)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    engine.run_until(150)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN",
                      refs=("inject:1",)))
    log = engine.run()
    first, again = _hop(log, index=0), _hop(log, index=1)
    assert first.trigger_at == REPORT_AT
    assert first.parts[ANALYSING] == pytest.approx(30 + 10)
    # the second notification rests on nothing the first did not: it is due when sent
    assert again.trigger_at == again.first_sent_at == 150


def test_the_time_the_policy_held_the_role_is_not_the_person_s_handling(scenario_data,
                                                                       load):
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(65)  # the automated policy is acknowledging the report
    engine.set_human("cert-a", True)
    engine.run_until(90)
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    log = engine.run()
    hop = _hop(log)
    assert hop.trigger_at == REPORT_AT
    # the policy's five minutes acknowledging were dropped, unfinished: queued; then the
    # person's 25 minutes; then CERT-TH's 10
    assert hop.parts[QUEUED] == pytest.approx(5)
    assert hop.parts[ANALYSING] == pytest.approx(25 + 10)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)


def test_the_policy_s_hops_are_split_as_before_when_a_person_plays_another_role(
        scenario_data, load):
    """A person playing the council, who does nothing, changes nothing in CERT-SG's hop."""
    loaded = load(scenario_data)
    automated = _hop(Engine(loaded, seed=0).run())
    played = _hop(Engine(loaded, seed=0, human=["council"]).run())
    assert (played.trigger_at, played.first_sent_at) == (automated.trigger_at,
                                                         automated.first_sent_at)
    assert played.parts == automated.parts
