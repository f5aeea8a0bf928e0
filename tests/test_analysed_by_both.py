"""A person may mark an incident analysed while the automated policy, still playing the
role, is analysing it: the drill goes on, and its journal resumes. It used to stop with
"already been triggered" when the policy's analysis ended."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine
from sim.engine.core import Action
from sim.runs.session import DrillSession


def test_a_person_marks_analysed_while_the_policy_analyses(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)
    # inject 1 reaches cert-a at T+01:00; acknowledged at T+01:10, analysed by T+01:40
    engine.run_until(75)
    engine.act(Action("cert-a", "analyse", "x"))
    log = engine.run()
    analysed = events_of(log, "analysed", "cert-a")
    assert [e.details["by"] for e in analysed][:1] == ["human"]
    # the policy still carries out its rules once its own analysis is over
    assert events_of(log, "notified", "cert-a")


def test_its_journal_resumes(scenario_data, load, tmp_path):
    path = tmp_path / "j.drill"
    session = DrillSession.start(load(scenario_data), seed=0, journal_path=path)
    session.advance_to(75)
    session.act(Action("cert-a", "analyse", "x"))
    session.advance_to(200)
    before = [e.to_dict() for e in session.engine.log]
    session.close()
    resumed = DrillSession.resume(path)
    assert [e.to_dict() for e in resumed.engine.log][:len(before)] == before
    resumed.close()
