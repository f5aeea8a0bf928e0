"""A message a label kept back is due from when its facts may be passed on to its
recipient, not from when the sender first learnt them under the stricter label.

The base scenario (tests/conftest.py): cert-a (Singapore) acknowledges in 10m,
analyses for 30m and drafts in 5m; e-mail takes 5m; its notification's deadline is 4h.
"""

from __future__ import annotations

from conftest import events_of

from sim.analysis.metrics import hop_metrics
from sim.engine import Engine


def _inject(iid, at, incident, tlp, **extra):
    return {"id": iid, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
            "tlp": tlp, "title": f"Report {iid}", "incident": {"id": "x", **incident},
            **extra}


def _notified(log):
    return {e.details["to"]: e for e in events_of(log, "message_sent", "cert-a")
            if e.details["verb"] == "notify"}


def test_a_fact_known_under_red_is_due_from_when_it_came_as_green(scenario_data, load):
    # cert-a hears at T+01:00, under RED, that Thailand is affected, and rightly tells
    # cert-b nothing; at T+06:00 the same fact comes as GREEN and cert-a tells cert-b
    scenario_data["injects"] = [
        _inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}, "RED"),
        _inject("2", "T+06:00", {"affected": ["TH"]}, "GREEN"),
    ]
    log = Engine(load(scenario_data), seed=0).run()
    withheld = [e for e in events_of(log, "withheld", "cert-a")
                if e.details["to"] == "cert-b" and e.time < 360]
    assert withheld  # the label kept the message back at first
    sent = _notified(log)["cert-b"]
    assert sent.time == 360 + 10 + 5  # acknowledged, then drafted (already analysed)
    assert sent.details["trigger_at"] == 360
    assert sent.details["set_off_by"] == "affected:TH"
    [notified] = events_of(log, "notified", "cert-a")
    assert (notified.details["deadline_at"], notified.details["late_by"]) == (360 + 240, 0)
    # cert-a's handling of the hop runs from the GREEN report, and cert-b is asked to
    # reply by a time still ahead: T+10:00
    [hop] = [h for h in hop_metrics(log) if h["verb"] == "notify"]
    assert hop["handling"] == 15
    [delivered] = events_of(log, "message_delivered", "cert-b")
    assert "reply by T+10:00" in delivered.details["text"]


def test_a_recipient_the_first_label_allowed_is_due_from_the_first_report(
        scenario_data, load):
    # the first report is AMBER, its facts too: cert-a may pass it to its own
    # constituency (a Singapore victim) but not to Thailand's CERT. A GREEN report
    # arrives while cert-a still analyses, and one notification goes to both
    scenario_data["actors"]["bank-sg"] = {
        "name": "Bank SG", "kind": "victim", "country": "SG", "timezone": "Asia/Singapore",
        "working_hours": "09:00-17:00",
        "contacts": {"email": {"address": "soc@bank.example"}}}
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["to"] = ["affected_certs", "victims"]
    scenario_data["injects"] = [
        _inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}, "AMBER",
                facts_tlp="AMBER"),
        _inject("2", "T+01:20", {"affected": ["SG", "TH"]}, "GREEN"),
    ]
    log = Engine(load(scenario_data), seed=0).run()
    sent = _notified(log)
    assert sent["cert-b"].time == sent["bank-sg"].time == 105
    assert sent["bank-sg"].details["trigger_at"] == 60  # AMBER let it be told from the first
    assert sent["cert-b"].details["trigger_at"] == 80  # not before the GREEN report
    assert not events_of(log, "tlp_violation")


def test_a_named_recipient_of_a_red_report_is_due_from_it(scenario_data, load):
    # RED, naming cert-b among its recipients: cert-a may tell cert-b from the first
    first = _inject("1", "T+01:00", {"type": "botnet", "affected": ["SG", "TH"]}, "RED")
    first["to"] = ["cert-a", "cert-b"]
    scenario_data["injects"] = [first, _inject("2", "T+01:20", {"affected": ["TH"]}, "GREEN")]
    log = Engine(load(scenario_data), seed=0).run()
    assert _notified(log)["cert-b"].details["trigger_at"] == 60
