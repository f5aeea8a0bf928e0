"""A message is drafted once: a recipient whose message under a rule is being drafted is
not picked again by another item's handling while the draft is under way."""

from __future__ import annotations

from conftest import events_of

from scenarios import load_scenario
from scenarios.loader import bundled_scenarios
from sim.engine import Engine


def _two_desks(data):
    """cert-a has two desks and drafts each message for 60 minutes. Inject 1 (T+60)
    opens x; inject 2 (T+105) says x is severe, while cert-a drafts its notification to
    cert-b (T+100 to T+160); inject 3 (T+130) opens an unrelated incident y."""
    a = data["actors"]["cert-a"]
    a["capacity"] = 2
    a["policy"]["drafting_time"] = "60m"

    def inj(i, at, inc):
        return {"id": i, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
                "tlp": "GREEN", "title": f"Report {i}", "incident": inc}

    data["injects"] = [
        inj("1", "T+01:00", {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}),
        inj("2", "T+01:45", {"id": "x", "severity": "high"}),
        inj("3", "T+02:10", {"id": "y", "type": "phishing", "affected": ["SG"]}),
    ]
    return data


def test_a_message_being_drafted_is_not_drafted_again_at_the_other_desk(scenario_data, load):
    scenario = load(_two_desks(scenario_data))
    engine = Engine(scenario, seed=0)
    engine.run_until(150)
    stages = sorted((item.ref, slot.stage)
                    for item, slot in engine.actors["cert-a"].work.values())
    # inject 2's handling leaves cert-b to the draft under way and escalates instead
    assert stages == [("inject:1", "drafting notify"), ("inject:2", "drafting escalate"),
                      ("inject:3", "waiting")]
    log = Engine(scenario, seed=0).run()
    assert [(e.time, e.details["targets"], e.details["trigger"])
            for e in events_of(log, "notified")] == [(160, ["cert-b"], "inject:1")]
    assert [(e.time, e.details["targets"], e.details["trigger"])
            for e in events_of(log, "escalated")] == [(175, ["council"], "inject:2")]
    # the desk freed at T+160 takes up incident y
    ack_y = [e for e in events_of(log, "acknowledged", "cert-a") if e.incident == "y"]
    assert [(e.time, e.details["queued"]) for e in ack_y] == [(170, 30)]


def test_a_draft_dropped_at_a_hand_over_leaves_its_recipients_to_be_told(scenario_data,
                                                                         load):
    scenario = load(_two_desks(scenario_data))
    engine = Engine(scenario, seed=0)
    engine.run_until(101)  # cert-a drafts its notification to cert-b
    engine.set_human("cert-a", True)
    engine.set_human("cert-a", False)  # the draft was dropped
    log = engine.run()
    # the role back, the policy takes the incident up again at once: the notification is
    # drafted again (T+101 to T+161), and cert-b is told once
    notified = events_of(log, "notified", "cert-a")
    assert [(e.time, e.details["targets"], e.details["trigger"]) for e in notified] == [
        (161, ["cert-b"], "inject:1")]


def test_the_bundled_law_enforcement_drill_drafts_the_mla_referral_once():
    path = next(p for p in bundled_scenarios() if p.stem == "ocsem-law-enforcement")
    engine = Engine(load_scenario(path), seed=0)
    engine.run_until(2000)
    stages = [slot.stage for _item, slot in engine.actors["police-ph"].work.values()]
    assert stages.count("drafting mla-to-central-authority") == 1
