"""A team that never passes on what a TLP label forbids drafts no message the labels
keep back: it sees the labels before drafting, so no desk time goes into a message
that is never sent, however often the rule looks again."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _red_report_with_updates(data: dict, breach: float) -> dict:
    """cert-a hears of the incident (affecting SG and TH) under TLP:RED for itself
    only, then three GREEN updates at T+03:00, T+04:00 and T+05:00 grow its picture;
    each time its notify rule looks at cert-b again."""
    data["injects"][0]["tlp"] = "RED"
    data["actors"]["cert-a"]["policy"]["tlp_breach"] = breach
    for i, (at, severity) in enumerate([("T+03:00", "low"), ("T+04:00", "medium"),
                                        ("T+05:00", "high")]):
        data["injects"].append({
            "id": f"u{i}", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": "GREEN", "title": f"Update {i}",
            "incident": {"id": "x", "severity": severity}})
    return data


def _withheld(log, to: str) -> list[tuple[float, tuple[str, ...]]]:
    return [(e.time, tuple(e.details["facts"])) for e in events_of(log, "withheld")
            if e.details["to"] == to and "reason" in e.details]


def test_a_message_the_labels_keep_back_is_never_drafted(scenario_data, load):
    # the first update also says, in GREEN, that Singapore and Malaysia are affected:
    # two member states cert-a may name, so it escalates then, saying nothing of Thailand
    data = _red_report_with_updates(scenario_data, 0.0)
    data["groups"]["asean"] = ["SG", "TH", "MY"]
    data["injects"][1]["incident"]["affected"] = ["SG", "MY"]
    log = Engine(load(data), seed=0).run()
    # analysed at T+01:40 (100); the update items are acknowledged at 190, 250 and 310
    assert _withheld(log, "cert-b") == [(100, ("affected:TH",)), (190, ("affected:TH",)),
                                        (250, ("affected:TH",)), (310, ("affected:TH",))]
    # the escalation, kept back at the analysis (only the RED report names two member
    # states), goes once the update is in; each time the rule looks again it is kept back
    # for Thailand, which only the RED report names
    assert _withheld(log, "council") == [(100, ("affected:SG", "affected:TH")),
                                         (250, ("affected:TH",)), (310, ("affected:TH",))]
    # the desk's only draft is the escalation, 5 minutes after the update is acknowledged:
    # no time went into the notification kept back from cert-b, nor, at the analysis,
    # into the escalation
    [escalated] = events_of(log, "escalated", "cert-a")
    assert (escalated.time, escalated.details["worked"]) == (195, 5.0)
    [sent] = [e for e in events_of(log, "message_sent") if e.details["to"] == "council"]
    assert "affected:TH" not in sent.details["facts"]
    assert {"affected:SG", "affected:MY"} <= set(sent.details["facts"])
    assert not [e for e in events_of(log, "message_sent") if e.details["to"] == "cert-b"]


def test_a_team_that_may_breach_a_label_drafts_and_decides_when_it_sends(scenario_data,
                                                                         load):
    # the breach is decided once per message, as it goes: the draft comes first
    log = Engine(load(_red_report_with_updates(scenario_data, 1.0)), seed=0).run()
    [violation, *_] = [e for e in events_of(log, "tlp_violation")
                       if e.details["to"] == "cert-b"]
    assert violation.time == 105
    assert [e.time for e in events_of(log, "message_sent") if e.details["to"] == "cert-b"
            ][:1] == [105]
