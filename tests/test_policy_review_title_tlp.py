"""A message names its incident only by a title its sender may pass on.

An incident given no title of its own is named by the title of the first inject about
it. That title is part of the report itself, so it travels under the inject's own TLP
label, never under its ``facts_tlp`` (which covers only the incident facts: type,
severity, countries, crime). A title given as an incident fact (``incident.title``)
travels with the incident facts. Otherwise the message names the incident by its id.
"""

from __future__ import annotations

from conftest import cert, events_of

from sim.engine import Engine

SECRET = "Acme Bank: 40,000 customer passwords stolen by insider J. Tan"


def _red_report(data, *, tlp="RED", facts_tlp="GREEN", to=("cert-a",)):
    """cert-a's report is TLP:RED for cert-a alone, its incident facts GREEN; the
    council passes an escalation on to every member CERT."""
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    data["frameworks"]["fw"]["rules"]["broadcast"] = {
        "by": ["regional_council"], "on": ["escalate"], "action": "broadcast",
        "to": ["member_certs"], "channel": "email", "deadline": "4h", "tlp": "GREEN"}
    inj = data["injects"][0]
    inj.update(tlp=tlp, title=SECRET, text="Victim list attached. For CERT-SG only.",
               to=list(to))
    if facts_tlp is not None:
        inj["facts_tlp"] = facts_tlp
    return data


def _words(e) -> str:
    return "\n".join([e.details["subject"], e.details["text"], *e.details["attached"]])


def test_a_red_inject_s_title_never_heads_a_message_it_may_not_reach(scenario_data, load):
    log = Engine(load(_red_report(scenario_data)), seed=0).run()
    delivered = events_of(log, "message_delivered")
    # the facts still travel (GREEN), so messages go: the property is not vacuous
    assert {(e.details["sender"], e.actor) for e in delivered} >= {
        ("cert-a", "cert-b"), ("cert-a", "council"), ("council", "cert-c")}
    for e in delivered:
        assert SECRET not in _words(e), (e.details["sender"], e.actor, e.details["subject"])
    # the incident goes by its id instead
    to_b = next(e for e in delivered if e.actor == "cert-b" and e.details["sender"] == "cert-a")
    assert to_b.details["subject"] == "[TLP:GREEN] Incident notification: x"
    assert not events_of(log, "tlp_violation")


def test_an_amber_inject_s_title_stays_with_its_recipient_s_clients(scenario_data, load):
    # AMBER, incident facts GREEN by default: the facts go to the other CERTs, the
    # report's title does not
    log = Engine(load(_red_report(scenario_data, tlp="AMBER", facts_tlp=None)), seed=0).run()
    delivered = events_of(log, "message_delivered")
    assert delivered
    assert all(SECRET not in _words(e) for e in delivered)


def test_a_red_title_heads_messages_to_those_it_names(scenario_data, load):
    # the report names cert-a and cert-b: cert-a's notification to cert-b carries it
    # (labelled RED); its escalation to the council does not
    data = _red_report(scenario_data, facts_tlp="GREEN", to=("cert-a", "cert-b"))
    log = Engine(load(data), seed=0).run()
    sent = {e.details["to"]: e for e in events_of(log, "message_delivered")
            if e.details["sender"] == "cert-a"}
    assert sent["cert-b"].details["tlp"] == "RED"
    assert sent["cert-b"].details["subject"] == f"[TLP:RED] Incident notification: {SECRET}"
    assert SECRET not in _words(sent["council"])
    assert sent["council"].details["subject"] == "[TLP:GREEN] Escalation: x"


def test_an_incident_title_travels_with_the_incident_facts(scenario_data, load):
    # a title given as an incident fact is one: GREEN facts carry it in every message
    data = _red_report(scenario_data)
    data["injects"][0]["incident"]["title"] = "Credential theft at a bank"
    log = Engine(load(data), seed=0).run()
    delivered = events_of(log, "message_delivered")
    assert delivered
    for e in delivered:
        assert "Credential theft at a bank" in e.details["subject"]
        assert SECRET not in _words(e)


def test_a_green_report_s_title_names_the_incident_as_before(scenario_data, load):
    data = _red_report(scenario_data, tlp="GREEN", facts_tlp=None)
    log = Engine(load(data), seed=0).run()
    delivered = events_of(log, "message_delivered")
    assert delivered
    assert all(SECRET in e.details["subject"] for e in delivered)
