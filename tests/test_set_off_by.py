"""What set off each message of an action is what its own recipient's deadline runs
from, not the newest fact of another recipient sent the same message.

The base scenario (tests/conftest.py): cert-a (Singapore) acknowledges in 10m,
analyses for 30m and drafts in 5m; control's first inject reaches it at T+01:00 (60),
so it analyses until T+01:40 (100) and anything it learns meanwhile is in its picture
by then; e-mail takes 5m.
"""

from __future__ import annotations

from conftest import cert, events_of

from sim.engine import Engine


def _inject(iid, at, incident, tlp="GREEN", **extra):
    return {"id": iid, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": tlp, "title": f"Report {iid}", "incident": {"id": "x", **incident},
            **extra}


def _sent(log, verb="notify"):
    return {e.details["to"]: e for e in events_of(log, "message_sent", "cert-a")
            if e.details["verb"] == verb}


def _learnt(log, fact):
    """When the fact first reached cert-a."""
    return min(e.time for e in events_of(log, "inject_delivered", "cert-a")
               if fact in e.details["facts"])


def test_each_recipient_is_set_off_by_what_made_it_due(scenario_data, load):
    # Thailand is affected from the first report (T+01:00); Malaysia from the second
    # (T+01:20), while cert-a still analyses. One notification goes to cert-b and to
    # cert-c at T+01:45: cert-b's is due from the first report, cert-c's from Malaysia
    sd = scenario_data
    sd["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    sd["frameworks"]["fw"]["rules"].pop("escalate")
    sd["injects"] = [_inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}),
                     _inject("2", "T+01:20", {"affected": ["MY"]})]
    log = Engine(load(sd), seed=0).run()
    sent = _sent(log)
    assert sent["cert-b"].time == sent["cert-c"].time == 105
    b, c = sent["cert-b"].details, sent["cert-c"].details
    assert c["trigger_at"] == _learnt(log, "affected:MY") == 80
    assert c["set_off_by"] == "affected:MY"
    # cert-b was due when the rule was armed by the report itself: the report set it
    # off, not Malaysia, which its deadline does not run from
    assert b["trigger_at"] == _learnt(log, "affected:TH") == 60
    assert b["set_off_by"] == "inject"
    # the action as a whole runs from its last recipient, and says so
    [notified] = events_of(log, "notified", "cert-a")
    assert (notified.details["trigger_at"], notified.details["set_off_by"]) == (
        80, "affected:MY")


def test_a_recipient_due_later_is_set_off_by_its_own_newest_fact(scenario_data, load):
    # Thailand at T+01:10, Malaysia at T+01:20: both later than the report that armed
    # the rule, so each message names the fact that made its recipient one
    sd = scenario_data
    sd["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    sd["frameworks"]["fw"]["rules"].pop("escalate")
    sd["injects"] = [_inject("1", "T+01:00", {"type": "botnet", "affected": ["SG"]}),
                     _inject("2", "T+01:10", {"affected": ["TH"]}),
                     _inject("3", "T+01:20", {"affected": ["MY"]})]
    log = Engine(load(sd), seed=0).run()
    sent = _sent(log)
    got = {to: (e.details["trigger_at"], e.details["set_off_by"]) for to, e in sent.items()}
    assert got == {"cert-b": (70, "affected:TH"), "cert-c": (80, "affected:MY")}


def test_a_recipient_the_first_label_allowed_is_set_off_by_the_first_report(
        scenario_data, load):
    # the first report is AMBER, its facts too: cert-a may pass it to its own
    # constituency (a Singapore victim) but not to Thailand's CERT until a GREEN report
    # says Thailand is affected. The bank's message is due from the first report, and
    # set off by it, not by the fact the label held back from cert-b
    sd = scenario_data
    sd["actors"]["bank-sg"] = {
        "name": "Bank SG", "kind": "victim", "country": "SG", "timezone": "Asia/Singapore",
        "working_hours": "09:00-17:00",
        "contacts": {"email": {"address": "soc@bank.example"}}}
    sd["frameworks"]["fw"]["rules"]["notify"]["to"] = ["affected_certs", "victims"]
    sd["injects"] = [
        _inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}, "AMBER",
                facts_tlp="AMBER"),
        _inject("2", "T+01:20", {"affected": ["SG", "TH"]}, "GREEN"),
    ]
    log = Engine(load(sd), seed=0).run()
    sent = _sent(log)
    bank, b = sent["bank-sg"].details, sent["cert-b"].details
    assert (b["trigger_at"], b["set_off_by"]) == (80, "affected:TH")
    assert (bank["trigger_at"], bank["set_off_by"]) == (60, "inject")


def test_a_recipient_told_before_is_set_off_by_its_first_untold_fact(scenario_data, load):
    # the council and cert-b are told at T+01:45 that Singapore and Thailand are
    # affected. Malaysia (T+02:00) and Viet Nam (T+02:01) follow: at T+02:15 one more
    # escalation goes to the council and to the CERTs of the two new countries
    sd = scenario_data
    sd["groups"]["asean"] += ["MY", "VN"]
    sd["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    sd["actors"]["cert-d"] = cert("VN", "Asia/Ho_Chi_Minh")
    rules = sd["frameworks"]["fw"]["rules"]
    rules.pop("notify")
    rules["escalate"]["to"] = ["regional_council", "affected_certs"]
    sd["injects"] = [_inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}),
                     _inject("2", "T+02:00", {"affected": ["MY"]}),
                     _inject("3", "T+02:01", {"affected": ["VN"]})]
    log = Engine(load(sd), seed=0).run()
    later = [e for e in events_of(log, "message_sent", "cert-a")
             if e.details["verb"] == "escalate" and e.time > 120]
    got = {e.details["to"]: (e.details["trigger_at"], e.details["set_off_by"]) for e in later}
    # the council is due again from the first fact it has not been told (Malaysia),
    # each new CERT from the fact that makes it a recipient
    assert got["council"] == (120, "affected:MY")
    assert got["cert-c"] == (120, "affected:MY")
    assert got["cert-d"] == (121, "affected:VN")
    [_first, escalated] = events_of(log, "escalated", "cert-a")
    assert (escalated.details["trigger_at"], escalated.details["set_off_by"]) == (
        121, "affected:VN")
