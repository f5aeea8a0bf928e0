"""A TLP:RED message names only those the RED material it passes on names.

A team that forwards RED material labels its message RED; those it names may pass it
on among themselves. They are the message's recipients that every RED item it passes on
already named, never a recipient the sender was told to leave out: otherwise a named
team forwards the material to someone the original label kept it from, and no
violation is logged.
"""

from __future__ import annotations

from conftest import cert, events_of

from sim.engine import Engine


def _red_for_two(scenario_data):
    """A RED inject for cert-a and cert-b only, about an incident that also affects
    Malaysia, whose CERT (cert-c) each would notify."""
    d = scenario_data
    d["groups"]["asean"] = ["SG", "TH", "MY"]
    d["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    d["frameworks"]["fw"]["rules"] = {
        "notify": {"by": ["national_cert"], "on": ["inject", "notify"], "action": "notify",
                   "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                   "tlp": "GREEN"},
    }
    d["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a", "cert-b"],
         "via": "email", "tlp": "RED", "facts_tlp": "RED",
         "title": "For cert-a and cert-b only",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH", "MY"],
                      "crime_suspected": True}},
    ]
    return d


def test_red_material_never_reaches_a_team_its_label_left_out(scenario_data, load):
    engine = Engine(load(_red_for_two(scenario_data)), seed=0)
    log = engine.run()
    # cert-a and cert-b tell each other, under RED
    between = [e for e in events_of(log, "message_delivered")
               if e.actor in ("cert-a", "cert-b")]
    assert between and all(e.details["tlp"] == "RED" for e in between)
    # the message names only those the inject named
    red = [d for d in engine.messaging.dispatches.values() if d.tlp == "RED"]
    assert red and all(set(d.named) <= {"cert-a", "cert-b"} for d in red), red
    # and cert-c, left out by the inject's label, hears nothing of it
    assert events_of(log, "message_delivered", "cert-c") == []
    assert events_of(log, "tlp_violation") == []
    assert {e.details["to"] for e in events_of(log, "withheld")} == {"cert-c"}


def test_a_breach_still_names_its_recipient(scenario_data, load):
    # a team that breaches the label passes the RED material to cert-c: cert-c is
    # named on what it was sent (it holds it under RED), and the breach is logged
    d = _red_for_two(scenario_data)
    d["actors"]["cert-a"]["policy"]["tlp_breach"] = 1.0
    engine = Engine(load(d), seed=0)
    log = engine.run()
    violations = events_of(log, "tlp_violation", "cert-a")
    assert violations and {e.details["to"] for e in violations} >= {"cert-c"}
    to_c = [d for d in engine.messaging.dispatches.values()
            if d.sender == "cert-a" and d.recipient == "cert-c"]
    assert to_c and all(d.tlp == "RED" and "cert-c" in d.named for d in to_c), to_c


def test_nor_a_team_another_label_of_the_message_left_out(scenario_data, load):
    # cert-a shares, under RED (inject 1 is RED for cert-a, the bank and cert-b), what
    # it also learnt under AMBER (inject 2: for Singapore's clients only). The bank may
    # have both; cert-b may not have the AMBER part. The message to the bank must not
    # name cert-b, or the bank could pass the AMBER part on to it.
    d = scenario_data
    d["actors"]["victim-sg"] = {
        "name": "Bank SG", "kind": "victim", "country": "SG", "timezone": "Asia/Singapore",
        "contacts": {"email": {"address": "soc@bank.sg"}},
        "policy": dict(d["actors"]["cert-a"]["policy"])}
    d["frameworks"]["fw"]["rules"] = {
        "share-out": {"by": ["cert-a"], "on": ["inject"], "when": {"hosted_abroad": True},
                      "action": "share", "to": ["victim-sg", "cert-b"], "channel": "email",
                      "deadline": "4h", "tlp": "GREEN"},
        "bank-tells-b": {"by": ["victim"], "on": ["share"], "action": "report",
                         "to": ["cert-b"], "channel": "email", "deadline": "4h",
                         "tlp": "GREEN"},
    }
    d["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a", "victim-sg", "cert-b"],
         "via": "email", "tlp": "RED", "title": "RED for the three of us",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG"]}},
        {"id": "2", "at": "T+01:05", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "AMBER", "facts_tlp": "AMBER", "title": "AMBER: hosting (SG clients only)",
         "incident": {"id": "x", "hosted_in": ["TH"]}},
    ]
    engine = Engine(load(d), seed=0)
    log = engine.run()
    to_bank = [x for x in engine.messaging.dispatches.values()
               if x.sender == "cert-a" and x.recipient == "victim-sg"]
    assert to_bank and all("hosted:TH" in x.facts for x in to_bank)
    assert all(x.named == ("victim-sg",) for x in to_bank), [x.named for x in to_bank]
    # so cert-b never learns where it is hosted, unless someone breaches a label
    assert "hosted:TH" not in engine.actors["cert-b"].pictures["x"].learnt
    assert events_of(log, "tlp_violation") == []
