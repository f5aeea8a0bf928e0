"""The review after a hand-over: a person's acknowledgement is timed from when there
was something in front of the person to acknowledge, and a role changed after the
drill ended reads nothing.

Base scenario (tests/conftest.py): the inject reaches CERT-SG (cert-a) at T+01:00 and
the automated policy acknowledges it ten minutes later, as it does every item. CERT-TH
(cert-b, Bangkok) works 09:00-17:00 local, so its office is closed from T+09:00 to
T+25:00.
"""

from __future__ import annotations

from typing import Any

from conftest import events_of

from sim.analysis.metrics import compute
from sim.analysis.review import compare, role_metrics
from sim.cli import main
from sim.engine import Action, Engine
from sim.runs.session import DrillSession


def _update_at_five(data):
    """A second report about the incident reaches CERT-SG at T+05:00."""
    data["injects"].append({"id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-a"],
                            "via": "email", "tlp": "GREEN", "title": "Update",
                            "incident": {"id": "x"}})
    return data


def _at_night_to_cert_b(data):
    """The inject reaches CERT-TH by e-mail at T+10:00, its office closed."""
    data["injects"][0]["at"] = "T+10:00"
    data["injects"][0]["to"] = ["cert-b"]
    return data


def _acknowledgement(comparisons, actor):
    return next(c for c in comparisons if c.actor == actor and c.metric == "first_ack")


def test_a_person_who_took_over_is_timed_from_the_next_report(scenario_data, load):
    loaded = load(_update_at_five(scenario_data))
    eng = Engine(loaded, seed=0)
    eng.run_until(240)  # the policy acknowledged the first report at T+01:10
    eng.set_human("cert-a", True)
    eng.run_until(302)
    [update] = [e for e in events_of(eng.log, "inject_delivered", "cert-a")
                if e.details["ref"] == "inject:2"]
    assert update.time == 300
    eng.act(Action("cert-a", "acknowledge", "x", refs=("inject:2",)))
    log = eng.run()

    # two minutes from the report's arrival, not four hours from the first report,
    # which the policy had acknowledged long before the person took over
    assert role_metrics(log, "cert-a", by="human") == {("x", "first_ack"): 2}
    ack = _acknowledgement(compare(log, loaded.scenario, runs=3, roles=["cert-a"]), "cert-a")
    assert ack.simulated == [10.0] * 3  # the policy, from the first report's arrival
    assert ack.sentence("CERT-SG") == ("CERT-SG acknowledged faster than 100% of simulated "
                                       "runs (the policy did it in 100% of 3)")


def test_a_person_who_took_over_mail_left_unread_is_timed_from_the_hand_over(scenario_data,
                                                                             load):
    loaded = load(_at_night_to_cert_b(scenario_data))
    eng = Engine(loaded, seed=0)
    eng.run_until(700)  # the report waited unread in the closed office since T+10:00
    eng.set_human("cert-b", True)
    eng.run_until(710)
    eng.act(Action("cert-b", "acknowledge", "x"))
    log = eng.run()
    # ten minutes from when the person took the role and found it waiting
    assert role_metrics(log, "cert-b", by="human") == {("x", "first_ack"): 10}
    ack = _acknowledgement(compare(log, loaded.scenario, runs=2, roles=["cert-b"]), "cert-b")
    assert ack.human == 10


def test_a_person_holding_the_role_throughout_is_timed_from_the_first_report(scenario_data,
                                                                            load):
    eng = Engine(load(scenario_data), human=["cert-a"], seed=0)
    eng.run_until(65)
    eng.act(Action("cert-a", "acknowledge", "x"))
    assert role_metrics(eng.run(), "cert-a", by="human") == {("x", "first_ack"): 5}


def _unread_at_the_end(data):
    """The drill ends at T+12:00, with the report to CERT-TH still unread."""
    data["drill"]["duration"] = "12h"
    return _at_night_to_cert_b(data)


def test_a_role_handed_to_a_person_after_the_end_hears_nothing(scenario_data, load):
    eng = Engine(load(_unread_at_the_end(scenario_data)), seed=0)
    eng.run()
    assert "cert-b" not in compute(eng.log)["incidents"][0]["first_heard"]
    eng.set_human("cert-b", True)  # who played it, put right for the review
    assert eng.log[-1].type == "role_changed"
    assert "cert-b" not in compute(eng.log)["incidents"][0]["first_heard"]


def test_the_report_does_not_say_a_team_heard_after_the_end(scenario_data, load, tmp_path,
                                                             capsys):
    path = tmp_path / "j.journal.sqlite"
    s = DrillSession.start(load(_unread_at_the_end(scenario_data)), journal_path=path)
    s.advance_to(12 * 60)
    assert any(e.type == "drill_ended" for e in s.engine.log)
    s.set_human("cert-b", True)
    s.close()
    capsys.readouterr()
    assert main(["report", str(path), "--format", "text", "--runs", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    heard = out[out.index("    first heard (team, when, from whom)") + 1:]
    heard = heard[:next(i for i, line in enumerate(heard) if not line.startswith("      "))]
    assert not any("CERT-TH" in line for line in heard)


class _Derived:
    """A journal's store of derived data, as ``ModelRuns`` uses it."""

    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}

    def derived(self, name: str) -> Any:
        return self.saved.get(name)

    def set_derived(self, name: str, value: Any) -> bool:
        self.saved[name] = value
        return True


def test_a_comparison_kept_by_the_earlier_measure_is_computed_again(scenario_data, load):
    # a journal reviewed before a person's times were measured from the first item left
    # to them keeps its old figure for the person: it must not be shown again as it was
    from sim.analysis.review import Comparison, ModelRuns, comparison_key

    scenario = load(scenario_data).scenario
    key = comparison_key(20, 0, (42, "abc"))
    assert key is not None
    old_key = {k: v for k, v in key.items() if k != "measure"}
    journal = _Derived()
    stale = Comparison("thaicert", "botnet", "first_ack", 1442.0, [5.0, 6.0], 20)
    ModelRuns(scenario, [], 20, 0, key=old_key).save(journal, [stale])
    assert ModelRuns(scenario, [], 20, 0, key=old_key).cached(journal) is not None
    assert ModelRuns(scenario, [], 20, 0, key=key).cached(journal) is None
