"""`drill explain` withholds a message whose rule's condition rests on facts the team
may not pass on, as the engine does.

An escalation to the regional council says "two member states are affected" by being
sent, and a takedown request to the team's own ISPs says "the server is hosted here".
A team that knows those facts only from a TLP:RED report sends neither, so the path
stops there; one whose condition also holds on what it may pass on sends the message.
Each case is checked against a run of the engine."""

from __future__ import annotations

from typing import Any

from test_tlp_red_relied_facts import _red_hosted_at_home, _red_then_green

from sim.authoring.explain import explain
from sim.engine import Engine

COUNCIL_BROADCAST = {
    "by": ["regional_council"], "on": ["escalate"], "action": "broadcast",
    "to": ["member_certs"], "channel": "email", "deadline": "4h", "tlp": "GREEN"}


def _paths(text: str) -> list[str]:
    return [line.rstrip() for line in text[text.index("Escalation paths"):].splitlines()
            if "-->" in line or line.startswith("      ")]


def _run(loaded) -> list:
    return Engine(loaded, seed=0).run()


def _sent(log) -> list[tuple[str, str, str]]:
    """(sender, verb, recipient) of every message of a run, first attempts only."""
    return [(e.actor, e.details["verb"], e.details["to"]) for e in log
            if e.type == "message_sent" and e.details["attempt"] == 1]


def _withheld(log) -> list[tuple[str, str, str, list[str]]]:
    """(sender, verb, recipient, facts) of every message a run held back unsent."""
    return [(e.actor, e.details["action"], e.details["to"], e.details["facts"]) for e in log
            if e.type == "withheld" and "reason" in e.details]


def _red_report(data: dict[str, Any]) -> dict[str, Any]:
    """cert-a alone hears, under TLP:RED, of an incident affecting Singapore and
    Thailand; the council broadcasts any escalation to the member CERTs."""
    data["injects"][0].update(tlp="RED", title="RED: insider at a Singapore bank")
    data["frameworks"]["fw"]["rules"]["broadcast"] = COUNCIL_BROADCAST
    return data


def test_a_red_incident_is_not_escalated_nor_broadcast(scenario_data, load):
    loaded = load(_red_report(scenario_data))
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --notify--> NOBODY: affected_certs withholds it from CERT-TH (TLP)   "
        "[notify]",
        "    CERT-SG --escalate--> NOBODY: regional_council withholds it from Council (TLP)"
        "   [escalate]",
    ]
    log = _run(loaded)
    assert _sent(log) == []
    assert _withheld(log) == [
        ("cert-a", "notify", "cert-b", ["affected:TH"]),
        ("cert-a", "escalate", "council", ["affected:SG", "affected:TH"])]


def test_a_condition_that_also_holds_on_what_may_go_lets_the_escalation_go(
        scenario_data, load):
    # a GREEN report names Singapore and Thailand as well: two member states cert-a
    # may name, so it escalates (without Malaysia, known only from the RED report), and
    # the council broadcasts it
    data = _red_then_green(scenario_data)
    loaded = load(data)
    paths = _paths(explain(loaded.scenario))
    assert paths[0] == ("    CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH"
                        "   [notify]")
    assert "    CERT-SG --escalate via email within 4h, TLP:GREEN--> Council   [escalate]" \
        in paths
    assert any(p.startswith("      Council --broadcast via email") for p in paths)
    assert ("cert-a", "escalate", "council") in _sent(_run(loaded))


def test_a_red_server_at_home_is_not_asked_to_be_taken_down(scenario_data, load):
    loaded = load(_red_hosted_at_home(scenario_data, "RED"))
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --request_takedown--> NOBODY: local_isps withholds it from Lion City "
        "Hosting (TLP)   [local-takedown]",
    ]
    log = _run(loaded)
    assert _sent(log) == []
    assert not [e for e in log if e.type == "takedown_completed"]
    assert _withheld(log) == [("cert-a", "request_takedown", "isp-sg", ["hosted:SG"])]


def test_a_green_server_at_home_is_taken_down(scenario_data, load):
    loaded = load(_red_hosted_at_home(scenario_data, "GREEN"))
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --request_takedown via email within 4h, TLP:AMBER--> Lion City Hosting"
        "   [local-takedown]",
        "      Lion City Hosting takes the infrastructure down within 1d   [isp-takedown]",
    ]
    log = _run(loaded)
    assert _sent(log) == [("cert-a", "request_takedown", "isp-sg")]
    assert [e for e in log if e.type == "takedown_completed"]


def test_a_notice_whose_condition_rests_on_a_red_severity_is_withheld(scenario_data, load):
    # cert-a may tell CERT-TH that Thailand is affected (GREEN), but only the RED
    # assessment says the incident is severe enough to notify: nothing goes, until a
    # GREEN update gives the same severity
    data = scenario_data
    data["frameworks"]["fw"]["rules"]["notify"]["when"] = {"min_severity": "high"}
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["injects"][0]["incident"]["severity"] = "medium"
    data["injects"].append({
        "id": "2", "at": "T+01:01", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "RED", "title": "RED: worse than it looks",
        "incident": {"id": "x", "severity": "high"}})
    loaded = load(data)
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --notify--> NOBODY: affected_certs withholds it from CERT-TH (TLP)   "
        "[notify]",
    ]
    log = _run(loaded)
    assert _sent(log) == []
    assert ("cert-a", "notify", "cert-b", ["severity:high"]) in _withheld(log)
    data["injects"].append({
        "id": "3", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "GREEN", "title": "Severe", "incident": {"id": "x", "severity": "high"}})
    loaded = load(data)
    assert _paths(explain(loaded.scenario)) == [
        "    CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]",
    ]
    assert _sent(_run(loaded)) == [("cert-a", "notify", "cert-b")]
