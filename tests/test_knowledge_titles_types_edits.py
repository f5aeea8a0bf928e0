"""What a team knows and may pass on: an incident's title and its label, the type a
team acts on, an item exercise control acknowledges for a role the policy plays, and
an inject whose TLP label the facilitator edits.

- A message names its incident only by a title allowed at the message's own label:
  a title known only under a stricter label gives way to the latest title the label
  allows (or the incident's id), and the message keeps its label and recipients.
- A team acts on the newest type it has been told: a peer's message restating an
  older type with the newer one does not take the team back to the older one.
- When exercise control acknowledges an item for a role the policy plays, the policy
  skips only its own acknowledgement: it still analyses the incident and carries out
  the rules the item sets off.
- An inject whose label is edited takes its incident facts' label with it, unless the
  scenario let the facts travel further than the default on purpose.
"""

from __future__ import annotations

import copy

from conftest import CONST_POLICY, cert, events_of

from scenarios import load_scenario
from scenarios.loader import bundled_scenarios
from sim.engine import Engine
from sim.engine.core import Action

SECRET = "Operation NIGHTJAR"


# --- 1. a title known only under a stricter label ----------------------------------


def _renamed(data, tlp="GREEN"):
    """cert-a hears of a phishing site hosted at home (GREEN), then a RED inject whose
    incident facts are AMBER renames the incident after a police operation. cert-a
    asks its own ISP (a client: AMBER lets the title reach it) for a takedown,
    labelled ``tlp``."""
    data["actors"]["isp-sg"] = {
        "name": "ISP SG", "kind": "isp", "country": "SG", "timezone": "Asia/Singapore",
        "staffing": "24/7", "contacts": {"email": {"address": "abuse@isp.example"}},
        "policy": dict(CONST_POLICY)}
    data["frameworks"]["fw"]["rules"] = {
        "local-takedown": {"by": ["national_cert"], "on": ["inject"],
                           "when": {"hosted_locally": True},
                           "action": "request_takedown", "to": ["local_isps"],
                           "channel": "email", "deadline": "4h", "tlp": tlp}}
    data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Phishing site reported",
         "incident": {"id": "x", "type": "phishing", "title": "Phishing site",
                      "affected": ["SG"], "hosted_in": ["SG"]}},
        {"id": "2", "at": "T+01:05", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "RED", "facts_tlp": "AMBER", "title": "Police operation - restricted",
         "text": "This is part of police Operation NIGHTJAR; do not disclose.",
         "incident": {"id": "x", "title": f"{SECRET} phishing kit"}},
    ]
    return data


def _words(e) -> str:
    return "\n".join([e.details["subject"], e.details["text"], *e.details["attached"]])


def test_a_title_known_only_under_amber_never_heads_a_green_message(scenario_data, load):
    log = Engine(load(_renamed(scenario_data)), seed=0).run()
    [request] = [e for e in events_of(log, "message_delivered", "isp-sg")]
    # the message keeps the label its rule chose, and names the incident by the latest
    # title that label allows
    assert request.details["tlp"] == "GREEN"
    assert SECRET not in _words(request)
    assert request.details["subject"] == "[TLP:GREEN] Takedown request: Phishing site"
    assert not events_of(log, "tlp_violation")


def test_the_recipient_passes_on_no_title_it_was_not_given(scenario_data, load):
    # the ISP, played by a person, shares the request with CERT-TH as GREEN: what it
    # was told may go there, and the police operation's name is not part of it
    eng = Engine(load(_renamed(scenario_data)), seed=0)
    eng.set_human("isp-sg", True)
    eng.run_until(200)
    [m] = [i.ref for i in eng.inbox("isp-sg")]
    evs = eng.act(Action("isp-sg", "share", "x", ("cert-b",), "email", "GREEN", (m,), "FYI"))
    assert not [e for e in evs if e.type == "tlp_violation"]
    eng.run_until(400)
    [shared] = events_of(eng.log, "message_delivered", "cert-b")
    assert shared.details["tlp"] == "GREEN"
    assert SECRET not in _words(shared)


def test_an_amber_message_is_headed_by_the_amber_title(scenario_data, load):
    # labelled AMBER, the same request may carry the title known under AMBER
    log = Engine(load(_renamed(scenario_data, tlp="AMBER")), seed=0).run()
    [request] = events_of(log, "message_delivered", "isp-sg")
    assert request.details["tlp"] == "AMBER"
    assert request.details["subject"] == f"[TLP:AMBER] Takedown request: {SECRET} phishing kit"


def test_the_wording_does_not_change_a_message_s_label(scenario_data, load):
    # a run that leaves messages unwritten sends the same messages, labelled the same
    sc = load(_renamed(scenario_data))

    def sent(words):
        return [(e.time, e.details["to"], e.details["tlp"])
                for e in events_of(Engine(sc, seed=0, words=words).run(), "message_sent")]

    assert sent(True) == sent(False) != []


# --- 2. the type a team acts on -----------------------------------------------------


def _retyped(data):
    """An incident first reported to cert-a as phishing is reclassified as ransomware,
    to cert-a and cert-b. cert-a's notification to cert-b restates both types; a
    CERT whose country is affected by ransomware reports it to the council."""
    data["frameworks"]["fw"]["rules"] = {
        "notify": {"by": ["national_cert"], "on": ["inject"], "action": "notify",
                   "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                   "tlp": "GREEN"},
        "ransomware-to-council": {
            "by": ["national_cert"], "on": ["inject", "notify"],
            "when": {"types": ["ransomware"], "actor_affected": True},
            "action": "report", "to": ["regional_council"], "channel": "email",
            "deadline": "4h", "tlp": "GREEN"},
    }
    data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Phishing wave",
         "incident": {"id": "x", "type": "phishing", "affected": ["SG", "TH"]}},
        {"id": "2", "at": "T+01:20", "sender": "ctl", "to": ["cert-a", "cert-b"],
         "via": "email", "tlp": "GREEN", "title": "It is ransomware",
         "incident": {"id": "x", "type": "ransomware", "affected": ["SG", "TH"]}},
    ]
    return data


def test_a_peer_restating_an_older_type_does_not_take_the_team_back(scenario_data, load):
    eng = Engine(load(_retyped(scenario_data)), seed=0)
    log = eng.run()
    # cert-a's notice restates phishing, then ransomware
    [notice] = [e for e in events_of(log, "message_delivered", "cert-b")
                if e.details["sender"] == "cert-a"]
    assert {"type:phishing", "type:ransomware"} <= set(notice.details["facts"])
    # cert-b still acts on ransomware: it reports to the council as cert-a does
    reports = [(e.actor, e.details["relied"]) for e in events_of(log, "notified")
               if e.details["targets"] == ["council"]]
    assert ("cert-b", ["affected:TH", "type:ransomware"]) in reports
    assert eng.actors["cert-b"].pictures["x"].type == "ransomware"


def test_a_rule_on_the_type_is_due_from_when_the_team_learnt_that_type(scenario_data, load):
    # cert-b hears of victims at home at T+01:05 (its rule is armed then), of ransomware
    # at T+01:20, and of phishing (older) in cert-a's notice as it drafts its report:
    # the report is due from when it learnt of the ransomware, not from T+01:05
    data = _retyped(scenario_data)
    data["injects"].insert(0, {
        "id": "0", "at": "T+01:05", "sender": "ctl", "to": ["cert-b"], "via": "email",
        "tlp": "GREEN", "title": "Something in Thailand",
        "incident": {"id": "x", "affected": ["TH"]}})
    log = Engine(load(data), seed=0).run()
    [report] = [e for e in events_of(log, "notified", "cert-b")
                if e.details["targets"] == ["council"]]
    assert report.details["trigger_at"] == 80
    assert report.details["set_off_by"] == "type:ransomware"
    assert report.details["deadline_at"] == 80 + 4 * 60


def test_a_team_passes_on_the_type_it_acts_on_as_the_newest(scenario_data, load):
    # cert-b, played by a person, passes on everything it has about the incident to
    # a third CERT: what it writes, and what the third CERT acts on, is ransomware
    data = _retyped(scenario_data)
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    eng = Engine(load(data), seed=0)
    eng.set_human("cert-b", True)
    eng.run_until(200)
    refs = tuple(i.ref for i in eng.inbox("cert-b"))
    assert len(refs) == 2  # the inject, and cert-a's notice restating both types
    eng.act(Action("cert-b", "share", "x", ("cert-c",), "email", "GREEN", refs, ""))
    eng.run_until(400)
    [shared] = events_of(eng.log, "message_delivered", "cert-c")
    assert "Type: ransomware" in shared.details["text"]
    assert eng.actors["cert-c"].pictures["x"].type == "ransomware"


def test_a_peer_still_on_the_old_type_does_not_take_the_team_back(scenario_data, load):
    # cert-b hears phishing and then ransomware from control; cert-a, told only of the
    # phishing, notifies it later: cert-b still acts on ransomware
    data = _retyped(scenario_data)
    data["injects"] = [
        {"id": "0", "at": "T+00:30", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Phishing wave",
         "incident": {"id": "x", "type": "phishing", "affected": ["SG", "TH"]}},
        {"id": "2", "at": "T+00:40", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "It is ransomware",
         "incident": {"id": "x", "type": "ransomware"}},
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Phishing wave",
         "incident": {"id": "x", "type": "phishing", "affected": ["SG", "TH"]}},
    ]
    eng = Engine(load(data), seed=0)
    log = eng.run()
    assert [e for e in events_of(log, "message_delivered", "cert-b")
            if e.details["sender"] == "cert-a"]
    assert eng.actors["cert-b"].pictures["x"].type == "ransomware"


def test_control_reclassifying_an_incident_is_followed(scenario_data, load):
    # one inject after another: the team acts on the newest type control gave
    data = _retyped(scenario_data)
    eng = Engine(load(data), seed=0)
    eng.run()
    assert eng.actors["cert-a"].pictures["x"].type == "ransomware"


# --- 3. exercise control acknowledges for a role the policy plays -------------------


def _handled(log, actor="cert-a"):
    return [(e.type, e.actor, e.details.get("targets"))
            for e in log if e.actor == actor and e.type in ("analysed", "notified", "escalated")]


def test_control_acknowledging_an_item_does_not_silence_the_team(scenario_data, load):
    sc = load(scenario_data)
    alone = Engine(sc, seed=0).run()
    eng = Engine(sc, seed=0)
    eng.run_until(62)  # the report arrived at T+01:00; cert-a is acknowledging it
    eng.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
    log = eng.run()
    # the item is acknowledged once, by control; the team goes on as it would have
    acks = [e.details["by"] for e in events_of(log, "acknowledged", "cert-a")]
    assert acks == ["human"]
    assert _handled(log) == _handled(alone)
    assert [e.type for e in events_of(log, "analysed", "cert-a")] == ["analysed"]
    # the word still gets round: cert-b and the council hear of it
    assert events_of(log, "message_delivered", "cert-b")
    assert events_of(log, "message_delivered", "council")


def test_an_item_acknowledged_before_the_desk_opens_is_not_acknowledged_again(
        scenario_data, load):
    # the report reaches cert-a at night; control acknowledges it at once. The office
    # opens in the morning, analyses the incident and notifies, without spending time
    # on an acknowledgement
    scenario_data["injects"][0]["at"] = "T+12:00"  # 21:00 in Singapore
    eng = Engine(load(scenario_data), seed=0)
    eng.run_until(721)
    eng.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
    log = eng.run()
    assert [e.details["by"] for e in events_of(log, "acknowledged", "cert-a")] == ["human"]
    [analysed] = events_of(log, "analysed", "cert-a")
    # 09:00 the next day is T+24:00; the analysis takes 30 minutes
    assert analysed.time == 24 * 60 + 30
    assert any(e.details["targets"] == ["cert-b"] for e in events_of(log, "notified", "cert-a"))


# --- 5. editing an inject's TLP label -------------------------------------------------


def _hacktivism():
    return load_scenario(next(p for p in bundled_scenarios() if p.stem == "acid-hacktivism"))


def _delivered(log, inject):
    return [(e.details["tlp"], e.details["facts_tlp"]) for e in events_of(log, "inject_delivered")
            if e.details["inject"] == inject]


def test_marking_an_inject_red_keeps_its_facts_with_its_recipients():
    eng = Engine(_hacktivism(), seed=0)
    eng.edit_inject("4", {"tlp": "RED"})
    log = eng.run()
    assert _delivered(log, "4") == [("RED", "RED")]
    # MyCERT passes none of the leak's facts on (it may not): no takedown request, no
    # police referral carrying them, and no label breached
    told = [e for e in events_of(log, "message_sent", "mycert") if e.incident == "leak"
            and "affected:MY" in e.details["facts"]]
    assert told == []
    assert not events_of(log, "tlp_violation")


def test_marking_an_inject_clear_is_accepted_and_its_facts_go_with_it():
    eng = Engine(_hacktivism(), seed=0)
    eng.edit_inject("4", {"tlp": "CLEAR"})
    log = eng.run()
    assert _delivered(log, "4") == [("CLEAR", "CLEAR")]


def _control_only(data, tlp, facts_tlp):
    inj = data["injects"][0]
    inj["tlp"] = tlp
    if facts_tlp is not None:
        inj["facts_tlp"] = facts_tlp
    return data


def test_facts_labelled_laxer_on_purpose_keep_their_label(scenario_data, load):
    # a RED report whose facts the scenario lets go as AMBER: marked GREEN, the facts
    # are GREEN too (never stricter than the report); an AMBER report whose facts are
    # public: marked RED, its facts stay public
    for tlp, facts, edited, expected in (("RED", "AMBER", "GREEN", "GREEN"),
                                         ("RED", "AMBER", "AMBER+STRICT", "AMBER"),
                                         ("AMBER", "CLEAR", "RED", "CLEAR"),
                                         ("AMBER", "AMBER", "RED", "RED"),
                                         ("AMBER", "AMBER", "GREEN", "GREEN"),
                                         ("GREEN", None, "AMBER", "GREEN"),
                                         ("RED", "RED", "AMBER", "GREEN")):
        data = _control_only(copy.deepcopy(scenario_data), tlp, facts)
        eng = Engine(load(data), seed=0)
        eng.edit_inject("1", {"tlp": edited})
        log = eng.run()
        assert _delivered(log, "1") == [(edited, expected)], (tlp, facts, edited)


def test_an_edit_that_leaves_the_label_keeps_the_facts_label(scenario_data, load):
    eng = Engine(load(_control_only(scenario_data, "RED", "AMBER")), seed=0)
    eng.edit_inject("1", {"title": "Updated report"})
    log = eng.run()
    assert _delivered(log, "1") == [("RED", "AMBER")]
