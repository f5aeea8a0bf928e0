"""`drill explain` counts a team as told what the engine counts: only the facts a message
carried. A fact withheld under its TLP label is not told, so the team is told it later,
once a message that grows the sender's picture lets the sender pass it on; and a team
told what makes it a recipient is not told again under another rule with the same
action. Each case is checked against a run of the engine."""

from __future__ import annotations

from typing import Any

from conftest import cert

from sim.authoring.explain import explain
from sim.engine import Engine


def _paths(text: str) -> list[str]:
    return [line.rstrip() for line in text[text.index("Escalation paths"):].splitlines()
            if "-->" in line]


def _sent(loaded) -> list[tuple[str, str, str, list[str]]]:
    """(sender, verb, recipient, facts) of every message of a run."""
    return [(e.actor, e.details["verb"], e.details["to"], list(e.details["facts"]))
            for e in Engine(loaded, seed=0).run()
            if e.type == "message_sent" and e.actor is not None]


def _red_for_cert_a(data: dict[str, Any]) -> dict[str, Any]:
    """cert-a (SG) hears of the incident in TLP:RED, for itself alone (SG and TH
    affected); cert-c (MY) hears in GREEN an hour later that MY is affected too, and
    tells cert-a and cert-b."""
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    data["injects"][0].update(tlp="RED", facts_tlp="RED", title="For CERT-SG only")
    data["injects"].append({
        "id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-c"], "via": "email",
        "tlp": "GREEN", "title": "Also in Malaysia",
        "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    return data


FACTS = ["affected:SG", "affected:TH", "affected:MY"]


def test_a_team_a_label_kept_the_facts_from_is_told_once_they_may_pass(scenario_data, load):
    data = _red_for_cert_a(scenario_data)
    del data["frameworks"]["fw"]["rules"]["escalate"]
    loaded = load(data)
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --notify--> NOBODY: affected_certs withholds it from CERT-TH (TLP)   "
        "[notify]",
        "    CERT-MY --notify via email within 4h, TLP:GREEN--> CERT-SG, CERT-TH   [notify]",
        # CERT-MY's notice grows CERT-SG's picture (MY) and makes TH shareable: CERT-TH,
        # withheld at first, is due and is told
        "      CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]",
    ]
    # the engine: withheld at T+01:40, told at T+03:05 once CERT-MY's notice is in
    assert _sent(loaded) == [("cert-c", "notify", "cert-a", FACTS),
                             ("cert-c", "notify", "cert-b", FACTS),
                             ("cert-a", "notify", "cert-b", FACTS)]


def test_a_team_told_without_the_withheld_facts_is_told_them_later(scenario_data, load):
    # cert-a also hears in GREEN that SG and ID are affected: two member states it may
    # name, so the council gets its escalation at once, without TH (RED), which the
    # escalation rests on too. CERT-MY's notice restates SG and TH in GREEN and adds
    # hosting in MY (no fact the escalation rests on): it grows cert-a's picture and lets
    # TH go, so the council is due again for TH alone, and is told it
    data = _red_for_cert_a(scenario_data)
    data["groups"]["asean"] = ["SG", "TH", "MY", "ID"]
    data["injects"][1].update(title="Hosted in Malaysia", incident={
        "id": "x", "affected": ["SG", "TH"], "hosted_in": ["MY"]})
    data["injects"].insert(1, {
        "id": "1g", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "GREEN", "title": "Also in Indonesia",
        "incident": {"id": "x", "affected": ["SG", "ID"]}})
    loaded = load(data)
    paths = _paths(explain(loaded.scenario))
    assert paths == [
        "    CERT-SG --notify--> NOBODY: affected_certs withholds it from CERT-TH (TLP)   "
        "[notify]",
        "    CERT-SG --escalate via email within 4h, TLP:GREEN--> Council   [escalate]",
        "    CERT-MY --notify via email within 4h, TLP:GREEN--> CERT-SG, CERT-TH   [notify]",
        "      CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]",
        "      CERT-SG --escalate via email within 4h, TLP:GREEN--> Council   [escalate]",
        "    CERT-MY --escalate via email within 4h, TLP:GREEN--> Council   [escalate]",
    ]
    to_council = [(sender, facts) for sender, verb, to, facts in _sent(loaded)
                  if to == "council"]
    assert to_council == [
        ("cert-a", ["affected:SG", "affected:ID"]),
        ("cert-c", ["affected:SG", "affected:TH", "hosted:MY"]),
        ("cert-a", ["affected:SG", "affected:ID", "affected:TH", "hosted:MY"])]


def test_a_team_told_under_one_rule_is_not_told_again_under_another(scenario_data, load):
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["notify-again"] = {**rules["notify"], "deadline": "1h"}
    del rules["escalate"]
    loaded = load(scenario_data)
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]",
        "    CERT-SG --notify--> NOBODY: affected_certs finds only CERT-TH, which it has "
        "told already   [notify-again]",
    ]
    assert [(s, v, t) for s, v, t, _ in _sent(loaded)] == [("cert-a", "notify", "cert-b")]


def test_nothing_new_for_a_team_told_everything(scenario_data, load):
    # without labels in the way, nobody is told twice: the paths are as they always were
    data = _red_for_cert_a(scenario_data)
    data["injects"][0].update(tlp="GREEN", facts_tlp=None)
    loaded = load(data)
    paths = _paths(explain(loaded.scenario))
    assert paths == [
        "    CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]",
        "    CERT-SG --escalate via email within 4h, TLP:GREEN--> Council   [escalate]",
        "    CERT-MY --notify via email within 4h, TLP:GREEN--> CERT-SG, CERT-TH   [notify]",
        "    CERT-MY --escalate via email within 4h, TLP:GREEN--> Council   [escalate]",
    ]
    assert [(s, v, t) for s, v, t, _ in _sent(loaded)] == [
        ("cert-a", "notify", "cert-b"), ("cert-a", "escalate", "council"),
        ("cert-c", "notify", "cert-a"), ("cert-c", "notify", "cert-b"),
        ("cert-c", "escalate", "council")]
