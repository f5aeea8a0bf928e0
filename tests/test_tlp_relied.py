"""A message never passes on a fact its sender may not pass to that recipient.

Not in what it says, and not by what the act itself states: a police referral says
"crime" by being sent, so a referral resting on a crime known only from a RED inject
is withheld, unless the sender breaches the label (``tlp_violation``). A recipient
chosen for a fact it may not be told is not told either. A message that carries no
restricted fact still goes (an escalation to the council that names nothing it may
not pass on).
"""

from __future__ import annotations

import pytest
from conftest import events_of, police

from scenarios import bundled_scenarios, load_scenario
from sim.engine import Engine, messaging
from sim.engine.knowledge import IMPLIED_FACTS


def _red_crime(scenario_data, *, tlp_breach: float = 0.0):
    """cert-b (Thailand) hears of an incident in TLP:GREEN, then, in TLP:RED for itself
    only, that a crime is suspected; its rule refers a suspected crime to the police."""
    d = scenario_data
    d["actors"]["police-b"] = police("TH", "Asia/Bangkok")
    d["actors"]["cert-b"]["policy"]["tlp_breach"] = tlp_breach
    d["frameworks"]["fw"]["rules"] = {
        "refer": {"by": ["national_cert"], "on": ["inject"],
                  "when": {"crime_suspected": True, "actor_affected": True},
                  "action": "refer_police", "to": ["national_police"], "channel": "email",
                  "deadline": "1d", "tlp": "GREEN"},
    }
    d["injects"] = [
        {"id": "1", "at": "T+00:30", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": "x", "type": "ransomware", "affected": ["TH"]}},
        {"id": "2", "at": "T+01:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "RED", "facts_tlp": "RED", "title": "For cert-b only: a criminal case",
         "incident": {"id": "x", "crime_suspected": True}},
    ]
    return d


def test_a_red_crime_does_not_leave_in_a_police_referral(scenario_data, load):
    log = Engine(load(_red_crime(scenario_data)), seed=0).run()
    sent = [e for e in events_of(log, "message_sent", "cert-b") if e.details["to"] == "police-b"]
    assert sent == [], [e.details for e in sent]
    assert not events_of(log, "tlp_violation")
    kept = [e for e in events_of(log, "withheld", "cert-b") if e.details["to"] == "police-b"]
    assert kept and kept[0].details["facts"] == ["crime"]
    assert kept[0].details["refs"] == ["inject:2"]
    assert kept[0].details["action"] == "refer_police"
    # nobody but cert-b ever holds the crime
    assert all("crime" not in e.details["facts"] for e in events_of(log, "message_delivered"))


def test_a_breach_sends_it_as_a_violation_labelled_red(scenario_data, load):
    log = Engine(load(_red_crime(scenario_data, tlp_breach=1.0)), seed=0).run()
    violations = events_of(log, "tlp_violation", "cert-b")
    assert [v.details["ref"] for v in violations] == ["inject:2"]
    sent = [e for e in events_of(log, "message_sent", "cert-b") if e.details["to"] == "police-b"]
    assert sent and sent[0].details["tlp"] == "RED" and "crime" in sent[0].details["facts"]


def test_a_green_crime_is_referred_as_before(scenario_data, load):
    data = _red_crime(scenario_data)
    data["injects"][1]["tlp"] = data["injects"][1]["facts_tlp"] = "GREEN"
    log = Engine(load(data), seed=0).run()
    sent = [e for e in events_of(log, "message_sent", "cert-b") if e.details["to"] == "police-b"]
    assert sent and sent[0].details["tlp"] == "GREEN" and "crime" in sent[0].details["facts"]
    assert not any(e.details.get("to") == "police-b" for e in events_of(log, "withheld"))


# --- the invariant over the bundled scenarios --------------------------------------

BUNDLED = {p.stem: p for p in bundled_scenarios()}
SEEDS = range(4)


def _may(label: str, named, sender, target) -> bool:
    """TLP 2.0 as docs/model.md states it (written out again, not the engine's)."""
    if label in ("CLEAR", "GREEN"):
        return True
    if label == "RED":
        return target.id in named
    if sender.spec.organisation is not None \
            and target.spec.organisation == sender.spec.organisation:
        return True  # AMBER and AMBER+STRICT: within one organisation
    if label == "AMBER":
        return (target.spec.kind in ("victim", "isp")
                and target.spec.country == sender.spec.country)
    return False


def _run_recording(loaded, seed):
    """Run, recording the facts that made each recipient of a message one, as the
    policy gave them (each recipient's justification)."""
    calls = []
    real = messaging.Messaging.perform

    def perform(self, st, verb, inc_id, targets, *args, **kw):
        if verb in messaging.MESSAGE_VERBS and kw.get("by") == "policy":
            just = kw.get("justification") or {}
            calls.append((st.id, inc_id, verb, float(round(self.env.now, 6)),
                          {t: list(just.get(t, ())) for t in targets}))
        return real(self, st, verb, inc_id, targets, *args, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(messaging.Messaging, "perform", perform)
    try:
        engine = Engine(loaded, seed=seed)
        log = engine.run()
    finally:
        mp.undo()
    return engine, log, calls


def _check(loaded, seeds, name="") -> int:
    """Assert the invariant over runs of one scenario; returns the messages checked."""
    checked = 0
    for seed in seeds:
        engine, log, calls = _run_recording(loaded, seed)
        actors = engine.actors
        sent = {}
        for e in events_of(log, "message_sent"):
            if e.details["attempt"] == 1:
                sent[(e.actor, e.incident, e.details["verb"], e.details["to"], e.time)] = e
        violated = {(e.actor, e.incident, e.details["to"], e.details["action"], e.time)
                    for e in events_of(log, "tlp_violation")}
        for actor, inc, verb, now, rests in calls:
            st = actors[actor]
            items = [i for i in st.pictures[inc].items if i.at <= now + 1e-6]
            for target, facts in rests.items():
                e = sent.get((actor, inc, verb, target, now))
                if e is None or (actor, inc, target, verb, now) in violated:
                    continue  # withheld, or sent in breach of a label (logged)
                recipient = actors[target]
                open_, held = set(), set()
                for i in items:
                    held.update(i.facts)
                    if _may(i.tlp, i.named, st, recipient):
                        open_.update(i.facts)
                    elif i.fact_labels:
                        # a message's facts that came under laxer labels than its own
                        open_.update(f for f, label in i.fact_labels.items()
                                     if _may(label, i.named, st, recipient))
                    elif i.facts_tlp and _may(i.facts_tlp, i.named, st, recipient):
                        open_.update(f for f in i.facts if not f.startswith("indicator:"))
                rested = [f for f in facts if f not in open_]
                assert not rested, (f"{name} seed {seed}: {actor} {verb} to {target} chosen for "
                                    f"{rested}, held only under labels it may not pass on")
                # what the verb states is carried; it passes a fact on when the sender
                # holds that fact, and only under labels it may not pass on
                carried = [f for f in e.details["facts"] if f not in open_
                           and (f not in IMPLIED_FACTS.get(verb, ()) or f in held)]
                assert not carried, (f"{name} seed {seed}: {actor} {verb} to {target} carries "
                                     f"{carried}, held only under labels it may not pass on")
                checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_no_message_passes_on_what_its_sender_may_not(name):
    checked = _check(load_scenario(BUNDLED[name]), SEEDS, name)
    assert checked > 0  # the property was exercised, not vacuously true


def test_the_invariant_holds_for_a_red_crime(scenario_data, load):
    data = _red_crime(scenario_data)
    # a GREEN notification to cert-a still goes: the invariant is not vacuous here
    data["frameworks"]["fw"]["rules"]["notify"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "notify",
        "to": ["regional_council"], "channel": "email", "deadline": "4h", "tlp": "GREEN"}
    assert _check(load(data), range(3)) > 0
