"""Behaviours that small, plausible mistakes in the engine, clock, journal, statistics,
loader and console would break. Each test states the behaviour in its name and checks
it on a hand-computable drill (tests/conftest.py: the drill starts Wednesday 09:00
Singapore time; cert-a works 09:00-17:00 Singapore time, acknowledging takes 10m).
"""

from __future__ import annotations

import re

import pytest
from conftest import events_of

from scenarios import ScenarioError
from sim.analysis.metrics import compute
from sim.analysis.stats import Sample
from sim.engine import Action, Engine
from sim.runs.session import DrillSession, Journal

# --- closing time and opening time ---------------------------------------------------


def _ack_of_inject_at(scenario_data, load, at: str) -> float:
    scenario_data["injects"][0]["at"] = at
    log = Engine(load(scenario_data), seed=0).run()
    return events_of(log, "acknowledged", "cert-a")[0].time


def test_work_ending_exactly_at_closing_time_is_stamped_at_closing_time(scenario_data, load):
    # the inject lands at 16:50 Singapore time; 10 minutes of work end at 17:00 sharp
    assert _ack_of_inject_at(scenario_data, load, "T+07:50") == 480


def test_work_one_minute_past_closing_time_goes_on_the_next_morning(scenario_data, load):
    # 16:51 + 10m: 9 minutes on Wednesday, the last one at 09:00 on Thursday
    assert _ack_of_inject_at(scenario_data, load, "T+07:51") == 1440 + 1


def test_work_arriving_at_closing_time_waits_for_the_next_morning(scenario_data, load):
    # 17:00 is already closed: acknowledged Thursday 09:10
    assert _ack_of_inject_at(scenario_data, load, "T+08:00") == 1440 + 10


def test_work_arriving_on_the_opening_minute_starts_at_once(scenario_data, load):
    # Thursday 09:00 sharp: the office is open, acknowledged at 09:10
    assert _ack_of_inject_at(scenario_data, load, "T+24:00") == 1440 + 10


def test_work_arriving_a_minute_before_opening_starts_at_opening(scenario_data, load):
    assert _ack_of_inject_at(scenario_data, load, "T+23:59") == 1440 + 10


def test_a_shift_is_open_from_its_opening_minute_up_to_but_not_at_closing(load, scenario_data):
    engine = Engine(load(scenario_data), seed=0)
    shift = engine.actors["cert-a"].shift
    # Wednesday 09:00-17:00 is drill minutes 0-480, Thursday's opens at 1440
    assert [shift.on_duty(t) for t in (0, 479.5, 480, 1439.5, 1440)] == [
        True, True, False, False, True]
    assert shift.shift_end(0) == 480 and shift.shift_end(479) == 480
    assert shift.next_on(480) == 1440 and shift.next_on(1440) == 1440
    assert shift.next_on(479) == 479
    # off duty, the shift "ends" where it is: nothing to work until it opens
    assert shift.shift_end(600) == 600


# --- TLP:AMBER -------------------------------------------------------------------------


def _amber_drill(scenario_data, victim_country: str):
    scenario_data["actors"]["bank"] = {
        "name": "A bank", "kind": "victim", "country": victim_country,
        "timezone": "Asia/Singapore", "staffing": "24/7",
        "contacts": {"email": {"address": "soc@bank.example"}},
    }
    scenario_data["injects"][0]["tlp"] = "AMBER"
    return scenario_data


@pytest.mark.parametrize(("country", "violations"), [("TH", 1), ("SG", 0)])
def test_amber_shared_with_a_client_abroad_is_a_violation(scenario_data, load, country,
                                                          violations):
    engine = Engine(load(_amber_drill(scenario_data, country)), seed=0, human=["cert-a"])
    engine.run_until(61)
    engine.act(Action("cert-a", "notify", "x", targets=("bank",), channel="email",
                      tlp="AMBER", refs=("inject:1",)))
    engine.run()
    found = events_of(engine.log, "tlp_violation", "cert-a")
    assert [(v.details["to"], v.details["tlp"]) for v in found] == [("bank", "AMBER")] * violations
    assert len(compute(engine.log)["tlp_violations"]) == violations


def test_amber_report_is_withheld_from_a_client_abroad_and_forwarded_at_home(scenario_data, load):
    """The policy notifies both victims; it forwards the AMBER report only to the bank in
    its own country, and tells the one abroad what it may without it."""
    _amber_drill(scenario_data, "TH")
    scenario_data["actors"]["bank-sg"] = dict(scenario_data["actors"]["bank"], country="SG",
                                              name="A Singapore bank")
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["notify"].update(to=["victims"], tlp="AMBER")
    rules.pop("escalate")
    log = Engine(load(scenario_data), seed=0).run()
    assert not events_of(log, "tlp_violation")
    assert [(e.details["to"], e.details["refs"]) for e in events_of(log, "withheld", "cert-a")] == [
        ("bank", ["inject:1"])]
    forwarded = {e.actor: e.details["refs"] for e in events_of(log, "message_delivered")}
    assert forwarded == {"bank": [], "bank-sg": ["inject:1"]}


# --- expectations ---------------------------------------------------------------------


def _expect(scenario_data, **exp):
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "incident": "x", "score": 2, **exp}]
    return scenario_data


def test_an_expectation_due_exactly_at_the_end_of_the_drill_is_missed(scenario_data, load):
    # the incident opens at T+60; the drill lasts 2 days (2880 minutes)
    _expect(scenario_data, action="request_takedown", within=f"{2880 - 60}m")
    log = Engine(load(scenario_data), seed=0).run()
    [missed] = events_of(log, "expectation_missed")
    assert missed.details["deadline_at"] == 2880 and missed.time == 2880
    [e1] = compute(log)["expectations"]
    assert e1["status"] == "missed" and e1["lateness"] == 0
    assert events_of(log, "drill_ended")[0].details["open_expectations"] == []


def test_an_expectation_due_after_the_end_of_the_drill_stays_open(scenario_data, load):
    _expect(scenario_data, action="request_takedown", within=f"{2880 - 59}m")
    log = Engine(load(scenario_data), seed=0).run()
    assert not events_of(log, "expectation_missed")
    assert compute(log)["expectations"][0]["status"] == "open"
    assert events_of(log, "drill_ended")[0].details["open_expectations"] == ["E1"]


def test_escalating_to_the_wrong_team_does_not_meet_an_expectation_aimed_at_the_council(
        scenario_data, load):
    # cert-a's only escalation goes to cert-b, not to the regional council
    scenario_data["frameworks"]["fw"]["rules"]["escalate"]["to"] = ["affected_certs"]
    _expect(scenario_data, action="escalate", target="regional_council", within="4h")
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.details["targets"] == ["cert-b"]
    assert not events_of(log, "expectation_met")
    assert compute(log)["expectations"][0]["status"] == "missed"


def test_escalating_to_the_council_meets_an_expectation_aimed_at_it(scenario_data, load):
    _expect(scenario_data, action="escalate", target="regional_council", within="4h")
    log = Engine(load(scenario_data), seed=0).run()
    [met] = events_of(log, "expectation_met")
    # escalated at T+110, delivered to the council by e-mail 5 minutes later
    assert (met.actor, met.time, met.details["score"]) == ("cert-a", 115, 2)


@pytest.mark.parametrize("actors", [["cert-a", "cert-zz"], "cert-zz"])
def test_an_unknown_actor_in_an_expectation_is_reported(scenario_data, load, actors):
    _expect(scenario_data, action="escalate", within="4h")
    scenario_data["expectations"][0]["actors"] = actors
    with pytest.raises(ScenarioError) as err:
        load(scenario_data)
    text = str(err.value)
    assert re.search(r"expectations\[0\]\.actors(\[1\])?: unknown actor( or team)? 'cert-zz'", text)


# --- the batch summary's p90 interval ------------------------------------------------------


def test_the_p90_interval_surrounds_the_p90_not_the_median():
    q = Sample()
    for v in range(1, 101):
        q.add(float(v))
    s = q.summary()
    lo, hi = s["p90_ci"]
    assert lo <= s["p90"] <= hi
    assert lo > s["median_ci"][1]  # well clear of the median's interval
    # order statistics around rank 90 of 100 (z = 1.96, half-width 1.96 * 3 = 5.88):
    # 0-based ranks floor(84.12) - 1 = 83 and ceil(95.88) = 96, the values 84 and 97
    assert (lo, hi) == (84.0, 97.0)
    lo95, hi95 = s["p95_ci"]
    # rank ceil(95 + 1.96 * 2.18) = 100 is beyond the 100 values: no upper bound
    assert lo95 <= s["p95"] and lo95 > lo and hi95 is None
    for v in range(101, 121):
        q.add(float(v))
    lo95, hi95 = q.summary()["p95_ci"]
    assert lo95 is not None and hi95 is not None and lo95 <= q.quantile(0.95) <= hi95


# --- role changes and the journal -------------------------------------------------------


def test_a_role_handed_over_mid_drill_is_journalled_and_the_drill_resumes(tmp_path, scenario_data,
                                                                          load):
    path = tmp_path / "r.journal.sqlite"
    s = DrillSession.start(load(scenario_data), seed=1, journal_path=path)
    s.advance_to(30)
    s.set_human("cert-b", True)
    s.advance_to(200)
    s.set_human("cert-b", False)
    s.advance_to(300)
    log = [e.to_json() for e in s.engine.log]
    s.close()
    stored = Journal.open(path)
    changes = [(e.time, e.actor, e.details["played_by"]) for e in stored.events()
               if e.type == "role_changed"]
    assert changes == [(30, "cert-b", "human"), (200, "cert-b", "policy")]
    assert [c.kind for c in stored.commands()] == ["set_human", "set_human"]
    stored.close()
    resumed = DrillSession.resume(path)
    assert [e.to_json() for e in resumed.engine.log] == log
    assert resumed.human_roles["cert-b"] is False
    resumed.close()


# --- the console's s key -------------------------------------------------------------------


async def test_the_s_key_skips_the_selected_inject_and_never_delivers_it():
    pytest.importorskip("textual")
    from test_tui import until
    from test_tui_controls import make_app, msel_cursor

    from tui.app import FacilitatorScreen
    from tui.forms import Confirm

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        inject = msel_cursor(app)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        engine = app.session.engine
        assert engine.msel.injects[inject].state == "skipped"
        app.session.advance_to(engine.end)
        delivered = [e for e in engine.log if e.type == "inject_delivered"
                     and e.details.get("inject") == inject]
        assert delivered == []
        assert app.state.msel[inject].status == "skipped"
