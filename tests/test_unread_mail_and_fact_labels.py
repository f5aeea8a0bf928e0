"""What a team reads, and the labels the facts it holds travel under.

- Mail still unread in a closed office tells the team nothing: not even that its sender
  knows what the mail says. A duty officer phoned at night tells a team about the
  incident although that team's own e-mail about it waits unread in the office.
- A message whose rule was held back because the facts it rests on were known only
  under a label that forbids passing them on goes once the same facts arrive under a
  label that allows it, even in a message that adds no fact (``drill explain`` agrees).
- A message's facts keep the labels of the items they came from: a TLP:RED item
  forwarded with GREEN facts leaves those facts GREEN for its recipient (a RED item
  stating nothing makes nothing RED), while a fact known only from the RED item stays
  RED (``drill explain`` agrees).
- A person acting for a role the policy plays may acknowledge, or pass on, mail that
  waits unread in the closed office: it is in the role's inbox.
- A person's own text is in the ``message_sent`` of each message they send, so it is
  kept even when the message never arrives; only the sender and exercise control see it.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine
from sim.engine.core import Action
from sim.net.visibility import for_role

#: Thursday 09:00 in Singapore: cert-a's office opens after the night of the first day
OFFICE_OPENS = 24 * 60


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text[text.index("Escalation paths"):].splitlines()
            if "-->" in line]


# --- 1. unread mail does not decide whom a team tells ------------------------------


def _night_call(data: dict[str, Any]) -> dict[str, Any]:
    """cert-b (Bangkok, 24/7) hears of x at 19:00 Singapore time and e-mails cert-a, whose
    office is closed; at 21:00 exercise control phones cert-a's duty officer about x."""
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-b"]["staffing"] = "24/7"
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                           "answer_after": "15m"}
    data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    data["injects"] = [
        {"id": "1", "at": "T+10:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Report to B",
         "incident": {"id": "x", "type": "botnet", "severity": "high",
                      "affected": ["SG", "TH"]}},
        {"id": "2", "at": "T+12:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Call to A",
         "incident": {"id": "x", "severity": "high", "affected": ["SG", "TH"]}},
    ]
    return data


def test_mail_unread_in_the_closed_office_does_not_stop_the_duty_officer_telling_its_sender(
        scenario_data, load):
    log = Engine(load(_night_call(scenario_data)), seed=0).run()
    # cert-b's e-mail reached cert-a's closed office, unread until the morning
    mail = [e for e in events_of(log, "message_delivered", "cert-a")
            if e.details["sender"] == "cert-b"]
    read = [e for e in events_of(log, "acknowledged", "cert-a") if "cert-b" in e.details["senders"]]
    assert mail and mail[0].time < OFFICE_OPENS <= read[0].time
    # the duty officer, who knows nothing of that mail, tells cert-b that night
    told = [e for e in events_of(log, "notified", "cert-a") if "cert-b" in e.details["targets"]]
    assert told and told[0].time < OFFICE_OPENS, [e.details for e in told]


def test_mail_read_before_the_rule_applies_still_counts_as_told(scenario_data, load):
    """The same mail read in office hours: cert-b told cert-a, and is not told back."""
    data = _night_call(scenario_data)
    for inj in data["injects"]:
        inj["at"] = {"1": "T+01:00", "2": "T+02:00"}[inj["id"]]
    log = Engine(load(data), seed=0).run()
    assert [e for e in events_of(log, "message_delivered", "cert-a")
            if e.details["sender"] == "cert-b"]
    assert not [e for e in events_of(log, "notified", "cert-a")
                if "cert-b" in e.details["targets"]]


# --- 2. a held-back message goes once its facts may pass ---------------------------


def _red_then_green(data: dict[str, Any]) -> dict[str, Any]:
    """A TLP:RED report for cert-a alone says SG and TH are affected; an hour later
    cert-b hears the same in GREEN and notifies cert-a, adding nothing new."""
    data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "RED", "title": "RED report",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}},
        {"id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "GREEN report to B",
         "incident": {"id": "x", "affected": ["SG", "TH"]}},
    ]
    return data


def test_an_escalation_held_back_goes_once_the_facts_arrive_again_as_green(
        scenario_data, load):
    loaded = load(_red_then_green(scenario_data))
    log = Engine(loaded, seed=0).run()
    held = [e for e in events_of(log, "withheld", "cert-a") if e.details["to"] == "council"]
    assert held and held[0].details["facts"] == ["affected:SG", "affected:TH"]
    heard = [e for e in events_of(log, "message_delivered", "cert-a")
             if e.details["sender"] == "cert-b"]
    sent = [e for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "council"]
    assert heard and sent, "cert-a never escalated once it might"
    assert sent[0].time >= heard[0].time and sent[0].details["tlp"] == "GREEN"
    # it carries what it may: not the botnet, which only the RED report told it
    assert sent[0].details["facts"] == ["affected:SG", "affected:TH"]
    assert not events_of(log, "tlp_violation")
    # drill explain walks the same way: cert-a escalates under cert-b's notification
    paths = _paths(explain(loaded.scenario))
    at = paths.index("CERT-TH --notify via email within 4h, TLP:GREEN--> CERT-SG   [notify]")
    assert paths[at + 1] == ("CERT-SG --escalate via email within 4h, TLP:GREEN--> Council"
                             "   [escalate]"), paths


# --- 3. a message's facts keep the labels of the items they came from ---------------


def _red_note_forwarded(data: dict[str, Any], red_fact: bool = False) -> dict[str, Any]:
    """cert-b hears of x in GREEN; then a TLP:RED note to cert-a and cert-b says nothing
    about x (or, ``red_fact``, that it is hosted in Malaysia). cert-b's notification to
    cert-a forwards both: it is RED, but the GREEN facts in it stay GREEN."""
    rules = data["frameworks"]["fw"]["rules"]
    rules["notify"]["on"] = ["inject", "notify"]
    rules["escalate"]["on"] = ["inject", "notify"]
    data["injects"] = [
        {"id": "1", "at": "T+00:30", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Report to B",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}},
        {"id": "2", "at": "T+00:40", "sender": "ctl", "to": ["cert-a", "cert-b"],
         "via": "email", "tlp": "RED", "title": "RED: journalists are asking",
         "incident": {"id": "x", **({"hosted_in": ["MY"]} if red_fact else {})}},
    ]
    return data


@pytest.mark.parametrize("red_fact", [False, True])
def test_green_facts_forwarded_with_a_red_item_stay_green(scenario_data, load, red_fact):
    loaded = load(_red_note_forwarded(scenario_data, red_fact))
    log = Engine(loaded, seed=0).run()
    notified = [e for e in events_of(log, "message_sent", "cert-b") if e.details["to"] == "cert-a"]
    assert notified and notified[0].details["tlp"] == "RED"
    assert sorted(notified[0].details["refs"]) == ["inject:1", "inject:2"]
    # cert-a may pass on the GREEN facts: it escalates them to the council
    up = [e for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "council"]
    assert up, [e.details for e in events_of(log, "withheld", "cert-a")]
    assert up[0].details["tlp"] == "GREEN"
    assert set(up[0].details["facts"]) == {"type:botnet", "affected:SG", "affected:TH"}
    # what only the RED note said stays with its named recipients
    assert all("hosted:MY" not in e.details["facts"]
               for e in events_of(log, "message_delivered", "council"))
    assert not events_of(log, "tlp_violation")
    # drill explain says the same
    paths = _paths(explain(loaded.scenario))
    assert "CERT-SG --escalate via email within 4h, TLP:GREEN--> Council   [escalate]" in paths


def test_a_fact_known_only_in_red_stays_red_for_the_recipient(scenario_data, load):
    """cert-a knows of Malaysian hosting only from cert-b's RED message: it does not
    tell the council that, and the label of each fact is in the delivery."""
    data = _red_note_forwarded(scenario_data, red_fact=True)
    data["frameworks"]["fw"]["rules"]["escalate"]["when"] = {"hosted_abroad": True}
    loaded = load(data)
    log = Engine(loaded, seed=0).run()
    got = [e for e in events_of(log, "message_delivered", "cert-a") if e.details["sender"] == "cert-b"]
    assert got and got[0].details["tlp"] == "RED"
    assert got[0].details["fact_labels"] == {
        "type:botnet": "GREEN", "affected:SG": "GREEN", "affected:TH": "GREEN"}
    up = [e for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "council"]
    assert not up
    kept = [e for e in events_of(log, "withheld", "cert-a") if e.details["to"] == "council"]
    assert kept and kept[0].details["facts"] == ["hosted:MY"]
    assert "CERT-SG --escalate--> NOBODY: regional_council withholds it from Council (TLP)" \
        "   [escalate]" in _paths(explain(loaded.scenario))


# --- 4. acting for a role the policy plays on mail unread in the closed office -----


def _evening_report(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"][0]["at"] = "T+10:00"  # 19:00 in Singapore: cert-a's office is closed
    return data


def test_a_person_may_acknowledge_mail_waiting_unread_in_the_closed_office(
        scenario_data, load):
    loaded = load(_evening_report(scenario_data))
    for refs in (("inject:1",), ()):  # that item, or everything received about x
        engine = Engine(loaded, seed=0)
        engine.run_until(10 * 60 + 30)
        assert not engine.actors["cert-a"].human
        assert [i.ref for i in engine.inbox("cert-a")] == ["inject:1"]
        evs = engine.act(Action("cert-a", "acknowledge", "x", refs=refs))
        assert [(e.type, e.details["refs"], e.details["by"]) for e in evs] == [
            ("acknowledged", ["inject:1"], "human")]
        assert engine.act(Action("cert-a", "acknowledge", "x")) == []  # nothing left


def test_a_person_may_pass_on_mail_waiting_unread_in_the_closed_office(scenario_data, load):
    engine = Engine(load(_evening_report(scenario_data)), seed=0)
    engine.run_until(10 * 60 + 30)
    evs = engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), refs=("inject:1",),
                            channel="email", tlp="GREEN", text="See below."))
    sent = [e for e in evs if e.type == "message_sent"]
    assert sent and sent[0].details["refs"] == ["inject:1"]
    assert sent[0].details["facts"] == ["type:botnet", "affected:SG", "affected:TH"]


# --- 5. a person's text is in message_sent -----------------------------------------


def test_a_persons_text_is_kept_when_the_message_never_arrives(scenario_data, load):
    scenario_data["actors"]["council"]["contacts"]["email"]["stale"] = True
    scenario_data["channels"]["email"]["bounce"] = "2m"
    scenario_data["injects"][0]["to"] = ["cert-a", "cert-b"]  # cert-b's policy tells cert-a
    engine = Engine(load(scenario_data), seed=0, human=("cert-a",))
    engine.run_until(70)
    evs = engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                            tlp="GREEN", text="Botnet in SG and TH; please check."))
    sent = [e for e in evs if e.type == "message_sent"]
    assert sent and sent[0].details["by"] == "human"
    assert sent[0].details["text"].startswith("Botnet in SG and TH; please check.")
    log = engine.run()
    bounced = [e for e in events_of(log, "message_bounced", "cert-a")
               if e.details["dispatch"] == sent[0].details["dispatch"]]
    assert bounced
    assert not [e for e in events_of(log, "message_delivered", "council")
                if e.details["sender"] == "cert-a"]
    # the sender and exercise control see the text; nobody else sees the sending at all
    mine = for_role(sent[0], "cert-a", frozenset())
    assert mine is not None and mine["details"]["text"] == sent[0].details["text"]
    assert for_role(sent[0], "cert-b", frozenset()) is None
    assert for_role(sent[0], "council", frozenset()) is None
    # the policy's messages carry their text only in their delivery, as before
    policy = [e for e in events_of(log, "message_sent") if e.details["by"] == "policy"]
    assert policy and all("text" not in e.details for e in policy)
    # the sender's Sent list shows what it wrote, though it never arrived
    from sim.runs.view import DrillState
    state = DrillState(engine.scenario)
    for ev in log:
        state.apply(ev)
    [(item, _delivery)] = [(i, d) for i, d in state.sent("cert-a")
                          if i.ref == sent[0].details["dispatch"]]
    assert item.text.startswith("Botnet in SG and TH; please check.")
