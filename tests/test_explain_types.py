"""`drill explain` follows the type a team acts on as a run does.

A team takes a type that is new to it, and moves on to the newer type when an item
restates the one it acts on before it (a message lists its sender's type last); an
older type restated later does not take it back. A retyping inject comes when it is
sent: the rules for the type the team acted on before it still fire, as in a run, and
the incident's type is the one its injects give last, whatever their order in the file.

And a message rule set off again by another team's message looks again, as in a run:
the regional council's broadcast reaches the team that escalated first once a second
team escalates, and an answer goes to each team that asks.

Each case is checked against a run of the engine.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cert

from sim.authoring.explain import explain
from sim.engine import Engine
from sim.engine.messaging import VERB_EVENT


def _fired(loaded) -> set[tuple[str, str]]:
    """(actor, rule) of every message sent and effect carried out in a run."""
    done = set(VERB_EVENT.values())
    return {(e.actor, e.details["rule"]) for e in Engine(loaded, seed=0).run()
            if e.details.get("rule") and e.type in done and e.actor is not None}


def _shown(loaded) -> set[tuple[str, str]]:
    """(actor, rule) of every message and effect the escalation paths promise."""
    sc = loaded.scenario
    names = {a.name: aid for aid, a in sc.actors.items()}
    text = explain(sc)
    out = set()
    for line in text[text.index("Escalation paths"):].splitlines():
        if "-->" in line and "--> NOBODY" not in line:
            out.add((names[line.split(" --")[0].strip()], line.rsplit("[", 1)[1].rstrip("]")))
    return out


def _heading(loaded) -> str:
    text = explain(loaded.scenario)
    return next(line.strip() for line in text.splitlines() if line.startswith("  incident "))


def _rule(by: str, on: list[str], to: str, types: list[str], **when: Any) -> dict[str, Any]:
    return {"by": [by], "on": on, "when": {"types": types, **when}, "action": "notify",
            "to": [to], "channel": "email", "deadline": "4h", "tlp": "GREEN"}


def _inject(iid: str, at: str, to: list[str], **incident: Any) -> dict[str, Any]:
    return {"id": iid, "at": at, "sender": "ctl", "to": to, "via": "email", "tlp": "GREEN",
            "title": f"Inject {iid}", "incident": {"id": "x", **incident}}


def _drill(data: dict[str, Any], rules: dict[str, Any], injects: list[dict[str, Any]]) -> dict:
    """Four CERTs (SG, TH, MY, ID) with ``rules`` and ``injects``."""
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    data["actors"]["cert-d"] = cert("ID", "Asia/Jakarta")
    data["frameworks"]["fw"]["rules"] = rules
    data["injects"] = injects
    return data


RETYPED = {
    "phishing-to-b": _rule("cert-a", ["inject"], "cert-b", ["phishing"]),
    "ransomware-to-c": _rule("cert-a", ["inject"], "cert-c", ["ransomware"]),
}
FIRST = _inject("1", "T+00:15", ["cert-a"], type="phishing", severity="medium",
                affected=["SG"])
RETYPE = _inject("2", "T+03:00", ["cert-a"], type="ransomware")


@pytest.mark.parametrize("listed", ["in order", "later first"])
def test_a_rule_for_the_type_before_a_retyping_inject_is_shown(scenario_data, load, listed):
    injects = [FIRST, RETYPE] if listed == "in order" else [RETYPE, FIRST]
    loaded = load(_drill(scenario_data, RETYPED, injects))
    # a run: CERT-SG tells CERT-TH while it is phishing, CERT-MY once it is ransomware
    assert _fired(loaded) == {("cert-a", "phishing-to-b"), ("cert-a", "ransomware-to-c")}
    assert _shown(loaded) == _fired(loaded)


def test_the_incident_has_the_type_its_injects_give_last_whatever_the_files_order(
        scenario_data, load):
    loaded = load(_drill(scenario_data, RETYPED, [RETYPE, FIRST]))
    # exercise control's record of a run: the type of the last inject that gives one
    typed = [e.details["type"] for e in Engine(loaded, seed=0).run()
             if e.type in ("incident_opened", "incident_updated")]
    assert typed[-1] == "ransomware"
    assert _heading(loaded).startswith(f"incident x ({typed[-1]};")


def test_an_inject_restating_an_older_type_does_not_take_the_team_back(scenario_data, load):
    rules = {**RETYPED, "severe-phishing-to-d": _rule(
        "cert-a", ["inject"], "cert-d", ["phishing"], min_severity="high")}
    again = _inject("3", "T+06:00", ["cert-a"], type="phishing", severity="high")
    loaded = load(_drill(scenario_data, rules, [FIRST, RETYPE, again]))
    # CERT-SG acts on ransomware from inject 2 on: the restated phishing fires nothing
    assert _fired(loaded) == {("cert-a", "phishing-to-b"), ("cert-a", "ransomware-to-c")}
    assert _shown(loaded) == _fired(loaded)


RELAYED = {
    "a-tells-b": _rule("cert-a", ["inject"], "cert-b", ["phishing", "ransomware"]),
    "b-phishing": _rule("cert-b", ["notify", "inject"], "cert-d", ["phishing"]),
    "b-ransomware": _rule("cert-b", ["notify", "inject"], "cert-c", ["ransomware"]),
}


def test_a_team_told_of_a_retype_moves_on_with_its_sender(scenario_data, load):
    # CERT-SG tells CERT-TH of phishing; retyped, it tells CERT-TH again, listing
    # phishing then ransomware: CERT-TH acts on phishing, then on ransomware
    loaded = load(_drill(scenario_data, RELAYED, [FIRST, RETYPE]))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-phishing"),
                              ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


def test_a_message_restating_the_teams_type_before_the_senders_moves_it_on(
        scenario_data, load):
    # CERT-TH hears of ransomware, then phishing (it acts on phishing); CERT-SG hears
    # of phishing, then ransomware, and tells CERT-TH both, ransomware last: CERT-TH
    # moves on to ransomware, though it heard of it first
    injects = [_inject("1", "T+00:15", ["cert-b"], type="ransomware", severity="medium",
                       affected=["SG"]),
               _inject("2", "T+00:20", ["cert-a", "cert-b"], type="phishing"),
               _inject("3", "T+04:00", ["cert-a"], type="ransomware")]
    rules = {**RELAYED, "b-phishing": {**RELAYED["b-phishing"], "on": ["notify"]},
             "b-ransomware": {**RELAYED["b-ransomware"], "on": ["notify"]}}
    loaded = load(_drill(scenario_data, rules, injects))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-phishing"),
                              ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


def test_a_message_restating_an_older_type_fires_nothing_for_it(scenario_data, load):
    # CERT-TH has moved on to ransomware when CERT-SG's notice of phishing reaches it
    injects = [_inject("1", "T+00:15", ["cert-b"], type="phishing", severity="medium",
                       affected=["SG"]),
               _inject("2", "T+00:30", ["cert-b"], type="ransomware"),
               _inject("3", "T+03:00", ["cert-a"], type="phishing")]
    rules = {"a-tells-b": _rule("cert-a", ["inject"], "cert-b", ["phishing"]),
             "b-phishing": {**RELAYED["b-phishing"], "on": ["notify"]},
             "b-ransomware": {**RELAYED["b-ransomware"], "on": ["notify"]}}
    loaded = load(_drill(scenario_data, rules, injects))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


def test_a_type_a_message_tells_first_then_an_inject_retypes(scenario_data, load):
    # CERT-TH hears of phishing from CERT-SG, hours before its own inject says
    # ransomware: it acts on phishing, then on ransomware
    injects = [FIRST, _inject("2", "T+05:00", ["cert-b"], type="ransomware",
                              severity="medium", affected=["SG"])]
    rules = {"a-tells-b": _rule("cert-a", ["inject"], "cert-b", ["phishing"]),
             "b-phishing": RELAYED["b-phishing"], "b-ransomware": RELAYED["b-ransomware"]}
    loaded = load(_drill(scenario_data, rules, injects))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-phishing"),
                              ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


def test_a_type_new_to_the_team_in_a_message_retypes_it(scenario_data, load):
    # CERT-TH acts on ransomware from its own inject; CERT-SG's later notice of
    # phishing, new to CERT-TH, retypes it
    injects = [_inject("1", "T+00:15", ["cert-b"], type="ransomware", severity="medium",
                       affected=["SG"]),
               _inject("2", "T+02:00", ["cert-a"], type="phishing")]
    rules = {"a-tells-b": _rule("cert-a", ["inject"], "cert-b", ["phishing"]),
             "b-phishing": RELAYED["b-phishing"], "b-ransomware": RELAYED["b-ransomware"]}
    loaded = load(_drill(scenario_data, rules, injects))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-phishing"),
                              ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


MOVED_ON = [_inject("1", "T+00:15", ["cert-b"], type="ransomware", severity="medium",
                    affected=["SG"]),
            _inject("2", "T+00:20", ["cert-a", "cert-b"], type="phishing"),
            _inject("3", "T+04:00", ["cert-a"], type="ransomware")]


def test_a_team_that_moved_on_states_the_type_it_acts_on_last(scenario_data, load):
    # CERT-TH heard of ransomware first, then phishing, and moves on to ransomware with
    # CERT-SG; its notice lists ransomware last, so CERT-ID, new to both, acts on it
    rules = {"a-tells-b": RELAYED["a-tells-b"],
             "b-ransomware": _rule("cert-b", ["notify"], "cert-d", ["ransomware"]),
             "d-phishing": _rule("cert-d", ["notify"], "cert-c", ["phishing"]),
             "d-ransomware": _rule("cert-d", ["notify"], "cert-c", ["ransomware"])}
    loaded = load(_drill(scenario_data, rules, MOVED_ON))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-ransomware"),
                              ("cert-d", "d-ransomware")}
    assert _shown(loaded) == _fired(loaded)


def test_a_rule_resting_on_a_kept_fact_reads_the_type_the_team_acts_on(scenario_data, load):
    # CERT-TH alone knows, under TLP:RED, that Malaysia is affected too; moved on to
    # ransomware, its rule holds on what it may tell CERT-ID (ransomware, Singapore
    # affected), so the notice goes, without Malaysia, as in a run
    red = {**_inject("R", "T+00:25", ["cert-b"], affected=["SG", "MY"]), "tlp": "RED",
           "facts_tlp": "RED"}
    rules = {"a-tells-b": RELAYED["a-tells-b"],
             "b-ransomware": _rule("cert-b", ["notify"], "cert-d", ["ransomware"],
                                   min_affected=1)}
    loaded = load(_drill(scenario_data, rules, [*MOVED_ON[:2], red, MOVED_ON[2]]))
    assert _fired(loaded) == {("cert-a", "a-tells-b"), ("cert-b", "b-ransomware")}
    assert _shown(loaded) == _fired(loaded)


# --- a message rule set off again by another team ------------------------------------


def _sent(loaded) -> set[tuple[str, str, str]]:
    """(sender, rule, recipient) of every message of a run."""
    return {(e.actor, e.details["rule"], e.details["to"]) for e in Engine(loaded, seed=0).run()
            if e.type == "message_sent" and e.actor is not None and e.details.get("rule")}


def _told(loaded) -> set[tuple[str, str, str]]:
    """(sender, rule, recipient) of every message the escalation paths promise."""
    sc = loaded.scenario
    names = {a.name: aid for aid, a in sc.actors.items()}
    text = explain(sc)
    out = set()
    for line in text[text.index("Escalation paths"):].splitlines():
        if "-->" in line and "--> NOBODY" not in line:
            head, rest = line.strip().split("--> ")
            whom, rid = rest.rsplit("   [", 1)
            out |= {(names[head.split(" --")[0]], rid.rstrip("]"), names[n])
                    for n in whom.split(", ")}
    return out


@pytest.mark.parametrize("to", ["member_certs", "sender"])
def test_a_rule_set_off_again_by_another_team_tells_whom_it_left_out(
        scenario_data, load, to):
    # both CERTs hear of it and escalate to the council, which broadcasts to the member
    # CERTs (each but the one whose escalation set it off) or answers the sender
    data = scenario_data
    rules = data["frameworks"]["fw"]["rules"]
    del rules["notify"]
    rules["answer"] = {"by": ["regional_council"], "on": ["escalate"], "action": "share",
                       "to": [to], "channel": "email", "deadline": "4h", "tlp": "GREEN"}
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    loaded = load(data)
    assert {("council", "answer", "cert-a"), ("council", "answer", "cert-b")} <= _sent(loaded)
    assert _told(loaded) == _sent(loaded)


# --- the MSEL -------------------------------------------------------------------------


def test_a_long_recipient_name_is_kept_apart_from_its_local_time(scenario_data, load):
    # a name as long as the bundled "Timor-Leste national CSIRT (placeholder)"
    scenario_data["actors"]["cert-a"]["name"] = "Timor-Leste national CSIRT (placeholder)"
    text = explain(load(scenario_data).scenario)
    assert "    Timor-Leste national CSIRT (placeholder) Wed 19 Aug 10:00 +08  on duty" in text
