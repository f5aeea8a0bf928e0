"""Roles changing hands: the policy's unfinished work is dropped, and credit follows
who actually acted.

Timeline of the hand-computable scenario (every delay constant): the inject reaches
CERT-SG at T+60; the automated policy acknowledges at T+70, analyses until T+100,
notifies CERT-TH at T+105 and escalates to the council at T+110.
"""

from __future__ import annotations

from sim.analysis.review import compare, human_roles, role_metrics
from sim.engine import Action, Engine
from sim.runs.session import DrillSession


def _by(log, type_, actor="cert-a"):
    return [e for e in log if e.type == type_ and e.actor == actor]


def test_a_role_that_changed_hands_twice_is_credited_by_who_acted(scenario_data, load):
    loaded = load(scenario_data)
    eng = Engine(loaded)
    eng.run_until(75)  # the policy acknowledged at T+70 and is analysing
    eng.set_human("cert-a", True)
    eng.run_until(80)
    eng.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
    eng.run_until(85)
    eng.act(Action("cert-a", "escalate", "x", targets=("council",), tlp="GREEN"))
    eng.run_until(90)
    eng.set_human("cert-a", False)
    log = eng.run()

    # the analysis the policy had under way was dropped at the hand-over, in the log
    dropped = _by(log, "work_dropped")
    assert [(e.time, e.details["items"]) for e in dropped] == [
        (75, [{"ref": "inject:1", "incident": "x", "stage": "analysing"}])]
    # the role back, the policy takes the incident up again and finds nothing left to
    # do (the person notified and escalated): it spends no desk time analysing it
    assert _by(log, "analysed") == []
    # who did what, as recorded
    assert [(e.time, e.details["by"]) for e in _by(log, "acknowledged")] == [(70, "policy")]
    sent = [(e.time, e.details["action"], e.details["by"]) for e in log
            if e.actor == "cert-a" and e.details.get("action") in ("notify", "escalate")
            and e.type not in ("message_sent", "message_delivered")]
    assert sent == [(80, "notify", "human"), (85, "escalate", "human")]

    # the person is credited with the person's actions only (from the opening at T+60)
    assert role_metrics(log, "cert-a", by="human") == {("x", "notify"): 20,
                                                       ("x", "escalate"): 25}
    assert role_metrics(log, "cert-a", by="policy") == {("x", "first_ack"): 10}
    assert human_roles(log) == ["cert-a"]
    got = {c.metric: c for c in compare(log, loaded.scenario, runs=4)}
    assert set(got) == {"first_ack", "notify", "escalate"}
    assert got["first_ack"].human is None  # the policy acknowledged, not the person
    assert got["first_ack"].simulated == [10.0] * 4
    assert (got["notify"].human, got["notify"].simulated) == (20, [45.0] * 4)
    assert (got["escalate"].human, got["escalate"].simulated) == (25, [50.0] * 4)
    assert got["notify"].faster_than == 1.0 and got["escalate"].faster_than == 1.0


def test_a_role_toggled_to_a_person_and_straight_back_is_the_policys(scenario_data, load):
    loaded = load(scenario_data)
    eng = Engine(loaded)
    eng.run_until(65)  # the policy is acknowledging the inject (done at T+70)
    eng.set_human("cert-a", True)
    eng.run_until(66)
    eng.set_human("cert-a", False)
    log = eng.run()
    assert [(e.time, e.details["items"][0]["stage"]) for e in _by(log, "work_dropped")] == [
        (65, "acknowledging")]
    # the dropped handling did not finish: the policy starts over at T+66
    assert [(e.time, e.details["by"]) for e in _by(log, "acknowledged")] == [(76, "policy")]
    assert [e.time for e in _by(log, "analysed")] == [106]
    assert human_roles(log) == []
    assert compare(log, loaded.scenario, runs=2) == []


def test_a_role_held_by_a_person_all_along_is_compared_even_if_idle(scenario_data, load):
    loaded = load(scenario_data)
    log = Engine(loaded, human=["cert-a"]).run()
    assert human_roles(log) == ["cert-a"]
    assert {c.metric: c.human for c in compare(log, loaded.scenario, runs=2)} == {
        "first_ack": None, "notify": None, "escalate": None}


def test_the_report_lists_only_roles_a_person_played(tmp_path, scenario_data, load, capsys):
    from sim.cli import main

    path = tmp_path / "j.journal.sqlite"
    s = DrillSession.start(load(scenario_data), journal_path=path)
    s.advance_to(65)
    s.set_human("cert-a", True)
    s.advance_to(66)
    s.set_human("cert-a", False)
    s.advance_to(3000)
    s.close()
    assert main(["report", str(path), "--runs", "2"]) == 0
    out = capsys.readouterr().out
    assert "CERT-SG (cert-a)" in out
    assert "played by a person" not in out


def test_dropped_work_replays_identically_from_the_journal(tmp_path, scenario_data, load):
    loaded = load(scenario_data)

    def play(s):
        s.advance_to(75)
        s.set_human("cert-a", True)
        s.advance_to(80)
        s.act(Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN"))
        s.advance_to(90)
        s.set_human("cert-a", False)
        s.advance_to(120)

    reference = DrillSession.start(loaded, seed=3, record=False)
    play(reference)
    reference.advance_to(3000)
    path = tmp_path / "r.journal.sqlite"
    first = DrillSession.start(loaded, seed=3, journal_path=path)
    play(first)
    first.close()
    resumed = DrillSession.resume(path)
    resumed.advance_to(3000)
    assert _by(resumed.engine.log, "work_dropped")
    assert [e.to_json() for e in resumed.engine.log] == [e.to_json() for e in reference.engine.log]
    resumed.close()


def test_the_log_says_in_words_that_unfinished_work_was_dropped(scenario_data, load):
    from sim.runs.view import DrillState

    loaded = load(scenario_data)
    eng = Engine(loaded)
    eng.run_until(75)
    eng.set_human("cert-a", True)
    log = eng.run()
    state = DrillState(loaded.scenario)
    dropped = _by(log, "work_dropped")
    assert len(dropped) == 1
    line = state.describe(dropped[0])
    name = loaded.scenario.actors["cert-a"].name
    assert line.startswith(f"{name} changed hands: the automated policy's unfinished work on ")
    assert line.endswith("was dropped (analysing)")


def test_an_action_whose_drafting_was_dropped_is_carried_out_when_set_off_again():
    # isp-au is drafting its takedown when its role goes to a person and straight back:
    # the takedown was never done, so a later request for it is carried out
    from scenarios import load_scenario, resolve_scenario_arg

    eng = Engine(load_scenario(resolve_scenario_arg("acid-supply-chain")), seed=8)
    eng.run_until(290)
    eng.set_human("isp-au", True)
    eng.set_human("isp-au", False)
    log = eng.run()
    dropped = [item["stage"] for e in _by(log, "work_dropped", "isp-au")
               for item in e.details["items"]]
    assert "drafting isp-takedown" in dropped
    # a second request reaches isp-au after the hand-over
    assert [e for e in log if e.type == "message_delivered" and e.time > 290
            and e.details.get("to") == "isp-au" and e.details.get("verb") == "request_takedown"]
    assert [e.time for e in _by(log, "takedown_completed", "isp-au")]
    assert [e for e in log if e.type == "contained" and e.incident == "supply-chain"]
