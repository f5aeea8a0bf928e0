"""A message never says what its rule's condition rests on when the sender may not
pass that on.

An escalation to the regional council says "two member states are affected" by being
sent, and a takedown request to a team's own ISPs says "the server is hosted here":
recipients chosen whatever the incident are told no fact, yet the act states the
facts the condition rests on. When the sender knows them only from a TLP:RED report
the message is withheld (``withheld``), or, by a team that breaches labels, sent as a
``tlp_violation``. A condition that also holds on what the sender may pass on lets the
message go, carrying only that.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine
from sim.engine.core import Action

COUNCIL_BROADCAST = {
    "by": ["regional_council"], "on": ["escalate"], "action": "broadcast",
    "to": ["member_certs"], "channel": "email", "deadline": "4h", "tlp": "GREEN"}


def _red_report(data: dict, *, tlp_breach: float = 0.0) -> dict:
    """cert-a alone hears, under TLP:RED, of an incident affecting Singapore and
    Thailand; the council broadcasts any escalation to the member CERTs."""
    data["injects"][0]["tlp"] = "RED"
    data["injects"][0]["title"] = "RED: insider at a Singapore bank sells access"
    data["actors"]["cert-a"]["policy"]["tlp_breach"] = tlp_breach
    data["frameworks"]["fw"]["rules"]["broadcast"] = COUNCIL_BROADCAST
    return data


def _to(log, type_: str, recipient: str) -> list:
    return [e for e in events_of(log, type_) if e.details.get("to") == recipient]


def test_a_red_incident_is_not_escalated_to_the_council(scenario_data, load):
    log = Engine(load(_red_report(scenario_data)), seed=0).run()
    # nothing leaves cert-a: the council never hears of the incident, nor, through
    # its broadcast, does cert-b, from whom the notification itself was withheld
    assert not events_of(log, "message_sent", "cert-a")
    assert not events_of(log, "escalated") and not events_of(log, "notified")
    assert not _to(log, "message_delivered", "cert-b")
    assert not _to(log, "message_delivered", "council")
    assert not events_of(log, "tlp_violation")
    kept = [e for e in _to(log, "withheld", "council") if "reason" in e.details]
    assert kept, "the escalation is recorded as withheld"
    assert kept[0].details["facts"] == ["affected:SG", "affected:TH"]
    assert (kept[0].details["action"], kept[0].details["refs"]) == ("escalate", ["inject:1"])
    # seen before drafting, as soon as the report is analysed: no desk time went into it
    [analysed] = events_of(log, "analysed", "cert-a")
    assert kept[0].time == analysed.time


def test_a_team_that_breaches_labels_escalates_as_a_violation(scenario_data, load):
    log = Engine(load(_red_report(scenario_data, tlp_breach=1.0)), seed=0).run()
    violations = _to(log, "tlp_violation", "council")
    assert [(v.details["ref"], v.details["action"]) for v in violations] == [
        ("inject:1", "escalate")]
    [sent] = [e for e in _to(log, "message_sent", "council") if e.details["attempt"] == 1]
    assert sent.details["tlp"] == "RED"
    assert {"affected:SG", "affected:TH"} <= set(sent.details["facts"])


def _red_hosted_at_home(data: dict, label: str) -> dict:
    """cert-a hears, under ``label``, of a C2 server hosted in Singapore; it asks its
    own ISP for a takedown, which the ISP carries out."""
    data["actors"]["isp-sg"] = {
        "name": "Lion City Hosting", "kind": "isp", "country": "SG",
        "timezone": "Asia/Singapore", "staffing": "24/7",
        "contacts": {"email": {"address": "abuse@lion.example"}},
        "policy": {"ack_delay": "10m", "analysis_time": "30m", "drafting_time": "5m"}}
    data["frameworks"]["fw"]["rules"] = {
        "local-takedown": {"by": ["national_cert"], "on": ["inject"],
                           "when": {"hosted_locally": True}, "action": "request_takedown",
                           "to": ["local_isps"], "channel": "email", "deadline": "4h",
                           "tlp": "AMBER"},
        "isp-takedown": {"by": ["isp"], "on": ["request_takedown"],
                         "when": {"crime_suspected": False}, "action": "takedown",
                         "deadline": "1d"},
    }
    data["injects"][0].update(tlp=label, title="C2 server at a Singapore host",
                              incident={"id": "x", "type": "botnet", "severity": "high",
                                        "affected": ["SG"], "hosted_in": ["SG"]})
    return data


def test_a_red_server_at_home_is_not_taken_down_on_an_empty_request(scenario_data, load):
    log = Engine(load(_red_hosted_at_home(scenario_data, "RED")), seed=0).run()
    assert not _to(log, "message_sent", "isp-sg")
    assert not events_of(log, "takedown_completed") and not events_of(log, "contained")
    kept = [e for e in _to(log, "withheld", "isp-sg") if "reason" in e.details]
    assert kept and kept[0].details["facts"] == ["hosted:SG"]
    assert kept[0].details["action"] == "request_takedown"


def test_a_green_server_at_home_is_still_taken_down(scenario_data, load):
    log = Engine(load(_red_hosted_at_home(scenario_data, "GREEN")), seed=0).run()
    [delivered] = _to(log, "message_delivered", "isp-sg")
    assert "hosted:SG" in delivered.details["facts"]
    assert events_of(log, "takedown_completed", "isp-sg") and events_of(log, "contained")
    assert not events_of(log, "withheld")


def _red_then_green(data: dict) -> dict:
    """cert-a hears under RED of victims in Singapore, Thailand and Malaysia (three
    member states); a minute later a GREEN report names Singapore and Thailand."""
    data = _red_report(data)
    data["groups"]["asean"] = ["SG", "TH", "MY"]
    data["injects"][0]["incident"]["affected"] = ["SG", "TH", "MY"]
    data["injects"].append({
        "id": "2", "at": "T+01:01", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "GREEN", "title": "Victims in Singapore and Thailand",
        "incident": {"id": "x", "affected": ["SG", "TH"]}})
    return data


def test_a_condition_that_holds_on_what_may_go_lets_the_message_go(scenario_data, load):
    # cert-a hears under RED, for itself only, of victims in Singapore, Thailand and
    # Malaysia; a minute later a GREEN report names Singapore and Thailand: two member
    # states it may name, so it escalates, and says nothing of Malaysia
    data = _red_then_green(scenario_data)
    log = Engine(load(data), seed=0).run()
    [sent] = [e for e in _to(log, "message_sent", "council") if e.details["attempt"] == 1]
    assert sent.details["verb"] == "escalate" and sent.details["tlp"] == "GREEN"
    assert {"affected:SG", "affected:TH"} <= set(sent.details["facts"])
    assert "affected:MY" not in sent.details["facts"]
    assert not events_of(log, "tlp_violation")
    assert all("affected:MY" not in e.details["facts"]
               for e in events_of(log, "message_delivered"))


def test_a_person_decides_what_their_message_passes_on(scenario_data, load):
    engine = Engine(load(_red_report(scenario_data)), seed=0, human=["cert-a"])
    engine.run_until(70)  # the RED report reached cert-a at T+01:05
    # without the report: the message goes, and carries nothing of it
    engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                      tlp="GREEN", text="Something is going on."))
    [sent] = _to(engine.log, "message_sent", "council")
    assert (sent.details["facts"], sent.details["tlp"]) == ([], "GREEN")
    assert not events_of(engine.log, "tlp_violation")
    # passing the report on breaches its label: a violation, and the message is RED
    engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                      tlp="GREEN", refs=("inject:1",)))
    assert [v.details["ref"] for v in events_of(engine.log, "tlp_violation")] == ["inject:1"]
    assert _to(engine.log, "message_sent", "council")[-1].details["tlp"] == "RED"
