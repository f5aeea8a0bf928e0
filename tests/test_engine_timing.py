"""Hand-computable runs: constant delays, so every time below is worked out by hand.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time.
cert-a (Singapore) and cert-b (Bangkok, one hour behind) work 09:00-17:00 local.
Acknowledging takes 10m, analysing 30m, drafting each message 5m; e-mail takes 5m,
the phone 1m; an unacknowledged message is chased after 1h of worked time.
"""

from __future__ import annotations

from conftest import CONST_POLICY, cert, events_of

from sim.analysis.metrics import compute
from sim.engine import Engine


def test_acknowledgement_and_escalation_times(scenario_data, load):
    log = Engine(load(scenario_data), seed=0).run()
    # inject at T+60 (10:00 SGT): ack 10m, analysis 30m
    [ack_a] = events_of(log, "acknowledged", "cert-a")
    assert ack_a.time == 70
    assert events_of(log, "analysed", "cert-a")[0].time == 100
    # notify drafted in 5m, then escalation drafted in 5m
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == 105 and notified.details["targets"] == ["cert-b"]
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time == 110 and escalated.details["targets"] == ["council"]
    # e-mail takes 5m; cert-b (09:50 in Bangkok) is on duty and acknowledges in 10m
    delivered = {e.actor: e.time for e in events_of(log, "message_delivered")}
    assert delivered == {"cert-b": 110, "council": 115}
    assert events_of(log, "acknowledged", "cert-b")[0].time == 120
    assert events_of(log, "acknowledged", "council")[0].time == 125

    m = compute(log)
    [inc] = m["incidents"]
    assert inc["opened_at"] == 60
    assert inc["first_acknowledgement"] == {"at": 70, "after": 10, "by": "cert-a"}
    # cert-b heard from cert-a at T+110; nobody but exercise control ever told cert-a
    by_peers = inc["all_affected_certs_reached_by_peers"]
    assert (by_peers["at"], by_peers["reached"], by_peers["missing"]) == (None, 1, ["cert-a"])
    assert inc["all_affected_certs_reached"] == by_peers
    assert inc["all_affected_certs_reached_incl_control"]["at"] == 110
    assert inc["all_affected_certs_reached_incl_control"]["after"] == 50
    assert inc["first_heard"] == {
        "cert-a": {"at": 60, "after": 0, "from": "ctl", "via": "control"},
        "cert-b": {"at": 110, "after": 50, "from": "cert-a", "via": "peer"},
        "council": {"at": 115, "after": 55, "from": "cert-a", "via": "peer"},
    }
    assert inc["ansac_reached"]["after"] == 55
    assert m["actors"]["cert-b"]["mean_ack_latency"] == 10
    # a hop runs from the sender learning of it (T+60) to the receiver's ack (T+120)
    hop = next(h for h in m["slowest_hops"] if h["to"] == "cert-b")
    assert hop["duration"] == 60
    assert (hop["handling"], hop["lost_time"], hop["transit"], hop["awaiting_ack"]) == (45, 0, 5, 10)


def test_friday_evening_inject_waits_for_monday_in_tokyo(scenario_data, load):
    # Friday 21 August 2026, 16:00 Singapore time
    scenario_data["drill"]["start"] = "2026-08-21T16:00:00+08:00"
    scenario_data["drill"]["duration"] = "4d"
    scenario_data["actors"]["cert-jp"] = cert(
        "JP", "Asia/Tokyo", working_hours="09:00-18:00"
    )
    scenario_data["injects"] = [
        # T+02:00 is 18:00 in Singapore, 19:00 in Tokyo: the team has gone home
        {"id": "1", "at": "T+02:00", "sender": "ctl", "to": ["cert-jp"], "via": "email",
         "incident": {"id": "x", "type": "phishing", "affected": ["JP"]}},
    ]
    log = Engine(load(scenario_data), seed=0).run()
    [ack] = events_of(log, "acknowledged", "cert-jp")
    # Monday 09:00 JST = Monday 08:00 SGT = 2 days 16 hours after the start, plus 10m
    assert ack.time == (2 * 24 + 16) * 60 + 10
    assert ack.details["off_duty"] == (2 * 24 + 16) * 60 - 120
    assert Engine(load(scenario_data)).local_time("cert-jp", ack.time).strftime(
        "%a %H:%M"
    ) == "Mon 09:10"


def test_brunei_works_saturday_but_not_friday(scenario_data, load):
    scenario_data["drill"]["start"] = "2026-08-21T10:00:00+08:00"  # a Friday
    scenario_data["drill"]["duration"] = "3d"
    scenario_data["actors"]["brucert"] = cert(
        "BN", "Asia/Brunei", working_days=["mon", "tue", "wed", "thu", "sat"]
    )
    scenario_data["injects"] = [
        {"id": "1", "at": "T+00:00", "sender": "ctl", "to": ["brucert"], "via": "email",
         "incident": {"id": "x", "type": "phishing", "affected": ["BN"]}},
    ]
    log = Engine(load(scenario_data)).run()
    [ack] = events_of(log, "acknowledged", "brucert")
    # Saturday 09:00 Brunei time is 23 hours after Friday 10:00
    assert ack.time == 23 * 60 + 10


def test_message_lost_to_stale_contact_is_chased_by_phone(scenario_data, load):
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    log = Engine(load(scenario_data)).run()
    [lost] = events_of(log, "message_lost")
    assert lost.actor == "cert-b" and lost.details["reason"] == "stale_contact"
    assert lost.time == 110  # sent at T+105, vanishes when it would have arrived
    sent = [e for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "cert-b"]
    # chased after 1h of worked time, on the fallback channel
    assert [(e.time, e.details["channel"]) for e in sent] == [(105, "email"), (165, "phone")]
    delivered = [e for e in events_of(log, "message_delivered") if e.actor == "cert-b"]
    assert [e.time for e in delivered] == [166]
    m = compute(log)
    assert m["messages"]["lost"] == {"stale_contact": 1}
    hop = next(h for h in m["slowest_hops"] if h["to"] == "cert-b")
    assert hop["lost"] == ["stale_contact"]
    assert (hop["handling"], hop["lost_time"], hop["transit"], hop["awaiting_ack"]) == (45, 60, 1, 10)
    assert hop["duration"] == 176 - 60


def test_phone_waits_for_the_receiver_to_be_at_work(scenario_data, load):
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["channel"] = "phone"
    scenario_data["injects"][0]["at"] = "T+07:00"  # 16:00 SGT = 15:00 Bangkok
    scenario_data["actors"]["cert-a"]["policy"]["analysis_time"] = "1h30m"
    log = Engine(load(scenario_data)).run()
    # ack at 16:10 SGT; 50m of analysis until 17:00, the other 40m on Thursday morning
    [analysed] = events_of(log, "analysed", "cert-a")
    assert analysed.time == 24 * 60 + 40
    assert analysed.details["off_duty"] == 16 * 60
    # notify drafted by 09:45 SGT; the call reaches Bangkok at 08:46, before office hours,
    # and gets through at 09:00 Bangkok time (10:00 SGT)
    [delivered] = [e for e in events_of(log, "message_delivered") if e.actor == "cert-b"]
    assert delivered.details["duty_wait"] == 14
    assert delivered.time == 24 * 60 + 60


def test_tlp_red_is_withheld_by_default(scenario_data, load):
    scenario_data["injects"][0]["tlp"] = "RED"
    log = Engine(load(scenario_data)).run()
    assert not events_of(log, "tlp_violation")
    withheld = events_of(log, "withheld", "cert-a")
    assert {e.details["to"] for e in withheld} == {"cert-b", "council"}
    assert all(e.details["refs"] == ["inject:1"] for e in withheld)


def test_tlp_violation_when_policy_breaches(scenario_data, load):
    scenario_data["injects"][0]["tlp"] = "RED"
    scenario_data["actors"]["cert-a"]["policy"]["tlp_breach"] = 1.0
    log = Engine(load(scenario_data)).run()
    violations = events_of(log, "tlp_violation", "cert-a")
    assert [(v.time, v.details["to"], v.details["tlp"]) for v in violations] == [
        (105, "cert-b", "RED"),
        (110, "council", "RED"),
    ]
    assert len(compute(log)["tlp_violations"]) == 2


def test_missed_expectation_fires_its_contingency(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "C1", "type": "contingency", "delay": "15m", "sender": "ctl",
         "to": ["cert-a"], "via": "email", "title": "Have you called the police?",
         "incident": {"id": "x"}}
    )
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "refer_police", "incident": "x",
         "within": "1h", "score": 5, "contingency": "C1"},
        {"id": "E2", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
         "incident": "x", "within": "2h", "score": 3},
    ]
    log = Engine(load(scenario_data)).run()
    [missed] = events_of(log, "expectation_missed")
    assert missed.details["expectation"] == "E1" and missed.time == 120
    contingency = [e for e in events_of(log, "inject_delivered") if e.details["inject"] == "C1"]
    assert [e.time for e in contingency] == [135]
    # met when the notification reaches cert-b (sent T+105, e-mail 5m), not when sent
    [met] = events_of(log, "expectation_met")
    assert met.details["expectation"] == "E2" and met.time == 110
    m = compute(log)
    by_id = {x["id"]: x for x in m["expectations"]}
    assert by_id["E1"]["status"] == "missed"
    assert by_id["E1"]["lateness"] == 2 * 24 * 60 - 120  # still undone at the end
    assert by_id["E2"]["status"] == "met"
    assert m["score"] == {"earned": 3, "possible": 8, "met": 1, "of": 2}


def test_takedown_through_hosting_cert_contains_the_incident(scenario_data, load):
    sd = scenario_data
    sd["actors"]["isp-th"] = {
        "name": "ISP", "kind": "isp", "country": "TH", "timezone": "Asia/Bangkok",
        "staffing": "24/7", "contacts": {"email": {"address": "abuse@isp.example"}},
        "policy": {**CONST_POLICY, "action_time": {"takedown": "2h"}},
    }
    rules = sd["frameworks"]["fw"]["rules"]
    rules["takedown-abroad"] = {
        "by": ["national_cert"], "on": ["inject"], "when": {"hosted_abroad": True},
        "action": "request_takedown", "to": ["hosting_certs"], "channel": "email"}
    rules["relay"] = {
        "by": ["national_cert"], "on": ["request_takedown"], "when": {"hosted_locally": True},
        "action": "request_takedown", "to": ["local_isps"], "channel": "email"}
    rules["isp"] = {"by": ["isp"], "on": ["request_takedown"], "action": "takedown"}
    sd["injects"][0]["incident"]["hosted_in"] = ["TH"]
    log = Engine(load(sd)).run()
    # cert-a: analysed T+100, then rules in order: notify 105, escalate 110, takedown 115
    [req] = events_of(log, "requested", "cert-a")
    assert req.time == 115 and req.details["targets"] == ["cert-b"]
    # cert-b receives the notify at T+110 and the request at T+120, then relays it
    [relay] = events_of(log, "requested", "cert-b")
    assert relay.details["targets"] == ["isp-th"]
    [contained] = events_of(log, "contained")
    isp_delivered = next(e for e in events_of(log, "message_delivered") if e.actor == "isp-th")
    # ISP: ack 10m, analysis 30m, takedown 2h
    assert contained.time == isp_delivered.time + 10 + 30 + 120
    assert compute(log)["incidents"][0]["contained"]["at"] == contained.time
