"""A message that bounced on every channel it could try told its recipient nothing.

The drill of tests/conftest.py: inject 1 reaches cert-a (Singapore) at T+01:00; cert-a
acknowledges in 10 minutes, analyses for 30 and drafts each message in 5, and at
T+01:45 notifies cert-b by e-mail (5 minutes), with the phone (1 minute) as its
fallback. Here both of cert-b's points of contact are out of date and both channels
bounce: the e-mail comes back after 15 minutes (T+02:00), the call after 2 (T+02:02).
Inject 2 tells cert-a at T+05:00 that the incident is severe: cert-a looks at its
rules again once it has acknowledged it (T+05:10).
"""

from __future__ import annotations

from conftest import events_of

from sim.analysis.metrics import compute, hop_metrics
from sim.engine import Action, Engine


def _bouncing_everywhere(scenario_data, *, second_look=True):
    actors, channels = scenario_data["actors"], scenario_data["channels"]
    actors["cert-b"]["contacts"]["email"]["stale"] = True
    actors["cert-b"]["contacts"]["phone"]["stale"] = True
    channels["email"]["bounce"] = "15m"
    channels["phone"]["bounce"] = "2m"
    if second_look:
        scenario_data["injects"].append({
            "id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": "GREEN", "title": "Severity", "incident": {"id": "x", "severity": "high"}})
    return scenario_data


def _to_b(log, type_):
    return [e for e in events_of(log, type_) if e.details.get("to") == "cert-b"]


def test_the_last_bounce_says_it_is_final(scenario_data, load):
    log = Engine(load(_bouncing_everywhere(scenario_data, second_look=False)), seed=0).run()
    bounces = _to_b(log, "message_bounced")
    assert [(e.time, e.details["channel"], e.details.get("final")) for e in bounces] == [
        (120, "email", None), (122, "phone", True)]
    # a bounce with a channel left to fall back to says nothing of being final
    assert "final" not in bounces[0].details
    assert _to_b(log, "message_delivered") == []


def test_the_rule_tries_again_at_its_next_look(scenario_data, load):
    log = Engine(load(_bouncing_everywhere(scenario_data)), seed=0).run()
    sent = _to_b(log, "message_sent")
    # the first dispatch: e-mail, then the phone; then, cert-a having read inject 2
    # (acknowledged at T+05:10) and drafted again, a second one
    assert [(e.time, e.details["dispatch"], e.details["channel"]) for e in sent] == [
        (105, "d1", "email"), (120, "d1", "phone"), (315, "d3", "email"),
        (330, "d3", "phone")]
    again = sent[2].details
    assert again["rule"] == "notify" and again["attempt"] == 1
    # still due from when cert-b first became due: it was never told
    assert again["trigger_at"] == sent[0].details["trigger_at"]
    assert [e.details.get("final") for e in _to_b(log, "message_bounced")] == [
        None, True, None, True]


def test_a_message_that_arrived_is_not_sent_again(scenario_data, load):
    # the phone works: the fallback gets through, and inject 2 sets nothing off for cert-b
    scenario_data = _bouncing_everywhere(scenario_data)
    scenario_data["actors"]["cert-b"]["contacts"]["phone"]["stale"] = False
    log = Engine(load(scenario_data), seed=0).run()
    assert [e.details["dispatch"] for e in _to_b(log, "message_sent")] == ["d1", "d1"]
    assert [e.details.get("final") for e in _to_b(log, "message_bounced")] == [None]
    assert [e.time for e in _to_b(log, "message_delivered")] == [121]


def test_a_rule_held_until_it_waits_for_the_message_to_go_again(scenario_data, load):
    # cert-a escalates a severe incident only once it has notified cert-b: the
    # escalation rule, looked at first, waits for the notification, sent again at T+05:15
    scenario_data = _bouncing_everywhere(scenario_data)
    rules = scenario_data["frameworks"]["fw"]["rules"]
    escalate = rules.pop("escalate")
    escalate["when"] = {"min_severity": "high"}
    escalate["hold_until"] = ["notify"]
    scenario_data["frameworks"]["fw"]["rules"] = {"escalate": escalate, **rules}
    log = Engine(load(scenario_data), seed=0).run()
    assert [(e.time, e.details["until"]) for e in events_of(log, "held", "cert-a")] == [
        (310, ["notify"])]
    [notified] = [e.time for e in events_of(log, "notified", "cert-a") if e.time > 300]
    [escalated] = [e.time for e in events_of(log, "escalated", "cert-a")]
    assert (notified, escalated) == (315, 320)


def test_it_meets_no_expectation_of_delivery_and_counts_as_no_reach(scenario_data, load):
    scenario_data = _bouncing_everywhere(scenario_data, second_look=False)
    scenario_data["expectations"] = [
        {"id": "told", "actors": ["cert-a"], "action": "notify", "target": "affected_certs",
         "incident": "x", "within": "6h"},
        {"id": "acked", "actors": ["cert-a"], "action": "notify", "incident": "x",
         "within": "6h", "reach": "acknowledged"},
        {"id": "sent", "actors": ["cert-a"], "action": "notify", "incident": "x",
         "within": "6h", "reach": "sent"}]
    log = Engine(load(scenario_data), seed=0).run()
    assert sorted(e.details["expectation"] for e in events_of(log, "expectation_missed")) == [
        "acked", "told"]
    # it was sent, and that is all it was
    assert [e.details["expectation"] for e in events_of(log, "expectation_met")] == ["sent"]
    m = compute(log)
    assert m["messages"]["bounced"] == 2 and m["messages"]["delivered"] == 1  # the council
    [hop] = [h for h in hop_metrics(log) if h["to"] == "cert-b"]
    assert (hop["delivered_at"], hop["duration"], hop["lost"]) == (
        None, None, ["bounced", "bounced"])


def test_a_persons_message_bounced_on_its_only_channel_is_final(scenario_data, load):
    # a person plays cert-a and e-mails cert-b (stale) at T+01:20: the bounce is final,
    # and nothing is sent again on the person's behalf
    engine = Engine(load(_bouncing_everywhere(scenario_data, second_look=False)), seed=0)
    engine.set_human("cert-a", True)
    engine.run_until(80)
    [item] = engine.inbox("cert-a")
    engine.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                      refs=(item.ref,)))
    log = engine.run()
    assert [(e.time, e.details["channel"], e.details.get("final"))
            for e in _to_b(log, "message_bounced")] == [(95, "email", True)]
    assert [e.details["channel"] for e in _to_b(log, "message_sent")] == ["email"]
