"""A branch inject (``when``) timed by the facilitator for now is decided as at any
other time: delivered if its condition holds, else skipped (``reason: condition``).
This holds for a reschedule, an ad-hoc inject added for now, and a skipped branch
put back for now."""

from __future__ import annotations

from scenarios.model import Inject
from sim.engine import Engine

E1 = {"id": "E1", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
      "incident": "x", "within": "4h"}  # met at T+01:50 (the policy notifies Thailand)


def _branch(iid: str, when: dict) -> dict:
    return {"id": iid, "at": "T+06:00", "when": when, "sender": "ctl", "to": ["cert-a"],
            "via": "email", "tlp": "GREEN", "title": f"HiCON ({iid})",
            "incident": {"id": "x"}}


def _engine(scenario_data, load):
    scenario_data["injects"] += [_branch("MISSED", {"missed": ["E1"]}),
                                 _branch("MET", {"met": ["E1"]})]
    scenario_data["expectations"] = [dict(E1)]
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(180)  # T+03:00: E1 was met at T+01:50
    assert engine.expectations.states["E1"].status == "met"
    return engine


def _fate(engine, iid):
    return [(e.time, e.type, e.details.get("reason")) for e in engine.log
            if e.type in ("inject_delivered", "inject_skipped")
            and e.details.get("inject") == iid]


def test_rescheduled_for_now_its_condition_decides(scenario_data, load):
    engine = _engine(scenario_data, load)
    engine.reschedule_inject("MISSED", 180)
    engine.reschedule_inject("MET", 180)
    engine.run_until(181)
    assert _fate(engine, "MISSED") == [(180.0, "inject_skipped", "condition")]
    assert _fate(engine, "MET") == [(180.0, "inject_delivered", None)]
    assert (engine.injects["MISSED"].state, engine.injects["MET"].state) == (
        "skipped", "fired")


def test_rescheduled_for_now_as_for_a_minute_later(scenario_data, load):
    engine = _engine(scenario_data, load)
    engine.reschedule_inject("MISSED", 181)
    engine.run_until(200)
    assert _fate(engine, "MISSED") == [(181.0, "inject_skipped", "condition")]


def test_an_inject_added_for_now_with_a_condition_is_decided(scenario_data, load):
    engine = _engine(scenario_data, load)
    added = Inject.model_validate({**_branch("NEW", {"missed": ["E1"]}), "at": "T+03:00"})
    engine.add_inject(added, fire_now=False)
    engine.run_until(181)
    assert _fate(engine, "NEW") == [(180.0, "inject_skipped", "condition")]


def test_a_skipped_branch_put_back_for_now_is_decided_again(scenario_data, load):
    engine = _engine(scenario_data, load)
    engine.skip_inject("MISSED")
    engine.skip_inject("MET")
    engine.unskip_inject("MISSED", 180)
    engine.unskip_inject("MET", 180)
    engine.run_until(181)
    assert _fate(engine, "MISSED") == [(180.0, "inject_skipped", None),
                                       (180.0, "inject_skipped", "condition")]
    assert _fate(engine, "MET")[-1] == (180.0, "inject_delivered", None)


def test_a_plain_inject_rescheduled_for_now_goes_at_once(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "P", "at": "T+06:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Plain", "incident": {"id": "x"}})
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(180)
    engine.reschedule_inject("P", 180)
    # delivered during the command, as before
    assert _fate(engine, "P") == [(180.0, "inject_delivered", None)]
