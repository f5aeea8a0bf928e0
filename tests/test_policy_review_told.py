"""What a message withholds is not told.

cert-a hears of an incident in TLP:RED, for itself alone: that Singapore and Thailand
are affected. Its escalation rule rests on those facts; the escalation to the council
still goes (it passes on nothing it may not), but empty. When the same facts later
become shareable (a GREEN inject restates them), the council is due again and is told
them: as docs/model.md has it, a recipient is due again only when the rule's condition
rests on a fact it has not been told. And only then: while the facts stay withheld,
no further empty escalation goes, however the sender's picture grows, and once told,
the council is not told again.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine

BOTH = ["type:botnet", "affected:SG", "affected:TH"]


def _inject(id_, at, tlp, incident, **extra):
    return {"id": id_, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": tlp, "title": f"Inject {id_}", "incident": {"id": "x", **incident},
            **extra}


def _red_first(data, *later):
    del data["frameworks"]["fw"]["rules"]["notify"]
    data["injects"][0].update(tlp="RED", facts_tlp="RED", title="For CERT-SG only")
    data["injects"].extend(later)
    return data


def _to_council(log, type_="message_sent"):
    return [(e.time, e.details["facts"]) for e in events_of(log, type_, "cert-a")
            if e.details.get("to") == "council"]


def test_facts_restated_in_green_reach_the_council(scenario_data, load):
    data = _red_first(scenario_data, _inject("2", "T+04:00", "GREEN",
                                             {"type": "botnet", "affected": ["SG", "TH"]}))
    engine = Engine(load(data), seed=0)
    log = engine.run()
    # T+01:45 the empty escalation; T+04:15 (inject at 240, acknowledged 10 minutes
    # later, drafted 5) the facts, now GREEN
    assert _to_council(log) == [(105, []), (255, BOTH)]
    assert sorted(engine.actors["council"].pictures["x"].learnt) == sorted(BOTH)
    assert engine.actors["cert-a"].told[("x", "escalate", "council")] == set(BOTH)
    assert not events_of(log, "tlp_violation")


def test_what_is_withheld_is_not_recorded_as_told(scenario_data, load):
    engine = Engine(load(_red_first(scenario_data)), seed=0)
    log = engine.run()
    assert _to_council(log) == [(105, [])]
    assert engine.actors["cert-a"].told[("x", "escalate", "council")] == set()


def test_no_empty_escalation_again_while_the_facts_stay_withheld(scenario_data, load):
    # the picture grows twice before the facts become shareable: a RED severity, a GREEN
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
    assert _to_council(log) == [(105, []), (255, ["hosted:MY", *BOTH])]
    # each time the rule looked again with nothing it may tell, it says so as it looks
    # (acknowledged at 130 and 190), drafting nothing
    kept = [(e.time, e.details["facts"]) for e in events_of(log, "withheld", "cert-a")
            if e.details.get("reason")]
    assert kept == [(130, ["affected:SG", "affected:TH"]),
                    (190, ["affected:SG", "affected:TH"])]
    assert [e.time for e in events_of(log, "escalated", "cert-a")] == [105, 255]


def test_due_again_once_per_fact_that_becomes_shareable(scenario_data, load):
    data = _red_first(
        scenario_data,
        _inject("2", "T+03:00", "GREEN", {"affected": ["SG"]}),
        _inject("3", "T+04:00", "GREEN", {"affected": ["TH"]}),
        _inject("4", "T+05:00", "GREEN", {"type": "botnet", "affected": ["SG", "TH"]}))
    log = Engine(load(data), seed=0).run()
    assert _to_council(log) == [(105, []), (195, ["affected:SG"]),
                                (255, ["affected:SG", "affected:TH"])]
