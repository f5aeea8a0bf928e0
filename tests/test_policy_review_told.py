"""What a message withholds is not told.

cert-a hears of an incident in TLP:RED, for itself alone: that Singapore and Thailand
are affected; and in GREEN that Singapore and Malaysia are. Its escalation rule rests
on all three; the escalation to the council goes (the GREEN report is reason enough),
but says nothing of Thailand. When Thailand later becomes shareable (a GREEN inject
restates it), the council is due again and is told it: as docs/model.md has it, a
recipient is due again only when the rule's condition rests on a fact it has not been
told. And only then: while Thailand stays withheld, no further escalation goes,
however the sender's picture grows, and once told, the council is not told again.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine

GREEN_FIRST = ["affected:SG", "affected:MY"]
ALL = [*GREEN_FIRST, "type:botnet", "affected:TH"]


def _inject(id_, at, tlp, incident, **extra):
    return {"id": id_, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": tlp, "title": f"Inject {id_}", "incident": {"id": "x", **incident},
            **extra}


def _red_first(data, *later, green=True):
    """The RED report (T+01:00) and, with ``green``, the GREEN one at the same time;
    then ``later``. Malaysia is a member state."""
    del data["frameworks"]["fw"]["rules"]["notify"]
    data["groups"]["asean"] = ["SG", "TH", "MY"]
    data["injects"][0].update(tlp="RED", facts_tlp="RED", title="For CERT-SG only")
    if green:
        data["injects"].append(_inject("1g", "T+01:00", "GREEN", {"affected": ["SG", "MY"]}))
    data["injects"].extend(later)
    return data


def _to_council(log, type_="message_sent"):
    return [(e.time, e.details["facts"]) for e in events_of(log, type_, "cert-a")
            if e.details.get("to") == "council"]


def _kept(log):
    return [(e.time, e.details["facts"]) for e in events_of(log, "withheld", "cert-a")
            if e.details.get("reason")]


def test_facts_restated_in_green_reach_the_council(scenario_data, load):
    data = _red_first(scenario_data, _inject("2", "T+04:00", "GREEN",
                                             {"type": "botnet", "affected": ["SG", "TH"]}))
    engine = Engine(load(data), seed=0)
    log = engine.run()
    # T+01:45 the escalation without Thailand; T+04:15 (inject at 240, acknowledged 10
    # minutes later, drafted 5) Thailand too, now GREEN
    assert _to_council(log) == [(105, GREEN_FIRST), (255, ALL)]
    assert sorted(engine.actors["council"].pictures["x"].learnt) == sorted(ALL)
    assert engine.actors["cert-a"].told[("x", "escalate", "council")] == set(ALL)
    assert not events_of(log, "tlp_violation")


def test_what_is_withheld_is_not_recorded_as_told(scenario_data, load):
    engine = Engine(load(_red_first(scenario_data)), seed=0)
    log = engine.run()
    assert _to_council(log) == [(105, GREEN_FIRST)]
    assert engine.actors["cert-a"].told[("x", "escalate", "council")] == set(GREEN_FIRST)
    assert sorted(engine.actors["council"].pictures["x"].learnt) == sorted(GREEN_FIRST)


def test_no_empty_escalation_again_while_the_facts_stay_withheld(scenario_data, load):
    # the picture grows twice before Thailand becomes shareable: a RED severity, a GREEN
    # hosting country (the rule does not rest on it); then the GREEN restatement, and
    # once more the same facts
    data = _red_first(
        scenario_data,
        _inject("1b", "T+02:00", "RED", {"severity": "high"}, facts_tlp="RED"),
        _inject("1c", "T+03:00", "GREEN", {"hosted_in": ["MY"]}),
        _inject("2", "T+04:00", "GREEN", {"type": "botnet", "affected": ["SG", "TH"]}),
        _inject("3", "T+05:00", "GREEN", {"type": "botnet", "affected": ["SG", "TH"],
                                          "severity": "high"}))
    log = Engine(load(data), seed=0).run()
    assert _to_council(log) == [(105, GREEN_FIRST),
                                (255, [*GREEN_FIRST, "hosted:MY", "type:botnet",
                                       "affected:TH"])]
    # each time the rule looked again with nothing new it may tell, it says so as it
    # looks (acknowledged at 130 and 190), drafting nothing
    assert _kept(log) == [(130, ["affected:TH"]), (190, ["affected:TH"])]
    assert [e.time for e in events_of(log, "escalated", "cert-a")] == [105, 255]


def test_due_again_once_per_fact_that_becomes_shareable(scenario_data, load):
    # the RED report names three member states; the GREEN ones name them one at a time,
    # then all three again
    data = _red_first(
        scenario_data,
        _inject("2", "T+03:00", "GREEN", {"affected": ["SG"]}),
        _inject("3", "T+04:00", "GREEN", {"affected": ["TH"]}),
        _inject("4", "T+05:00", "GREEN", {"affected": ["MY"]}),
        _inject("5", "T+06:00", "GREEN", {"type": "botnet", "affected": ["SG", "TH", "MY"]}),
        green=False)
    data["injects"][0]["incident"]["affected"] = ["SG", "TH", "MY"]
    log = Engine(load(data), seed=0).run()
    # one member state it may name is no reason to escalate: kept back at the analysis
    # (100) and when Singapore becomes shareable (190); then one message per member state
    # that becomes shareable, and none for the restatement
    assert _kept(log) == [(100, ["affected:SG", "affected:TH", "affected:MY"]),
                          (190, ["affected:TH", "affected:MY"])]
    assert _to_council(log) == [(255, ["affected:SG", "affected:TH"]),
                                (315, ["affected:SG", "affected:TH", "affected:MY"])]
