"""Every team acts only on what has reached it: hand-computed runs.

The base scenario (tests/conftest.py) starts on a Wednesday at 09:00 Singapore time;
cert-a (Singapore) and cert-b (Bangkok, one hour behind) work 09:00-17:00 local.
Acknowledging takes 10m, analysing 30m, drafting 5m; e-mail takes 5m, the phone 1m.
"""

from __future__ import annotations

from conftest import CONST_POLICY, cert, events_of

from sim.analysis.metrics import compute
from sim.engine import Engine


def _inject(iid, at, to, incident, **extra):
    return {"id": iid, "at": at, "sender": "ctl", "to": [to], "via": "email", "tlp": "GREEN",
            "incident": {"id": "x", **incident}, **extra}


def test_a_fact_sent_only_to_a_does_not_set_off_b_until_a_tells_b(scenario_data, load):
    # cert-b hears of the incident at once, but is told nothing about who is affected
    scenario_data["injects"].append(_inject("2", "T+01:00", "cert-b", {}))
    log = Engine(load(scenario_data)).run()
    assert not [e for e in log if e.actor == "cert-b" and e.time < 110
                and e.type in ("notified", "escalated")]
    # cert-a's notification (sent T+105) lands at T+110 with affected SG and TH;
    # cert-b acknowledges at T+120 and escalates after 5m of drafting
    [delivered] = [e for e in events_of(log, "message_delivered", "cert-b")]
    assert delivered.time == 110 and {"affected:SG", "affected:TH"} <= set(delivered.details["facts"])
    [escalated] = events_of(log, "escalated", "cert-b")
    assert escalated.time == 125
    assert escalated.details["relied"] == ["affected:SG", "affected:TH"]
    assert escalated.details["set_off_by"] == "affected:TH"
    assert escalated.details["trigger_at"] == 110  # when the condition became true for cert-b


def test_tlp_red_facts_do_not_travel(scenario_data, load):
    scenario_data["injects"][0]["tlp"] = "RED"
    log = Engine(load(scenario_data)).run()
    # telling cert-b it is affected would pass on the RED fact, and so would escalating
    # to the council ("two member states are affected"): no message at all
    withheld = [(e.details["to"], e.details["action"], e.details["facts"])
                for e in events_of(log, "withheld", "cert-a") if e.details.get("facts")]
    assert withheld == [("cert-b", "notify", ["affected:TH"]),
                        ("council", "escalate", ["affected:SG", "affected:TH"])]
    assert not events_of(log, "message_sent") and not events_of(log, "message_delivered")
    # nobody but cert-a takes the incident up
    assert {e.actor for e in log if e.type == "acknowledged"} == {"cert-a"}
    assert not events_of(log, "tlp_violation")


def test_a_hosting_country_added_later_gets_its_takedown_request(scenario_data, load):
    sd = scenario_data
    sd["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    sd["frameworks"]["fw"]["rules"]["takedown"] = {
        "by": ["national_cert"], "on": ["inject"], "when": {"hosted_abroad": True},
        "action": "request_takedown", "to": ["hosting_certs"], "channel": "email"}
    sd["injects"] = [
        _inject("1", "T+01:00", "cert-a", {"type": "botnet", "affected": ["SG"],
                                            "hosted_in": ["TH"]}),
        _inject("2", "T+03:00", "cert-a", {"hosted_in": ["TH", "MY"]}),
    ]
    log = Engine(load(sd)).run()
    requests = [(e.time, e.details["targets"], e.details["set_off_by"])
                for e in events_of(log, "requested", "cert-a")]
    # T+60 inject, ack 70, analysis 100, draft 105; T+180 inject, ack 190, draft 195:
    # only the new hosting CERT is asked, not cert-b again
    assert requests == [(105, ["cert-b"], "inject"), (195, ["cert-c"], "hosted:MY")]


def test_a_bounce_moves_to_the_fallback_within_the_bounce_delay(scenario_data, load):
    scenario_data["channels"]["email"]["bounce"] = "3m"
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    log = Engine(load(scenario_data)).run()
    [bounced] = events_of(log, "message_bounced", "cert-a")
    assert bounced.time == 108 and bounced.details["to"] == "cert-b"
    sent = [(e.time, e.details["channel"], e.details.get("retry"))
            for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "cert-b"]
    # no waiting for the 1h follow-up: the phone call goes out as the bounce arrives
    assert sent == [(105, "email", None), (108, "phone", "bounced")]
    assert [e.time for e in events_of(log, "message_delivered", "cert-b")] == [109]
    assert not events_of(log, "message_chased")
    assert compute(log)["messages"]["bounced"] == 1


def test_silent_loss_is_chased_after_the_follow_up_time(scenario_data, load):
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    log = Engine(load(scenario_data)).run()
    [chased] = events_of(log, "message_chased", "cert-a")
    assert chased.time == 165 and chased.details["to"] == "cert-b"
    assert not events_of(log, "message_bounced")


def test_a_247_request_is_handled_overnight_without_holding_the_day_desk(scenario_data, load):
    sd = scenario_data
    sd["channels"]["net247"] = {"kind": "network_247", "latency": "5m",
                                "handled_around_the_clock": True}
    b = sd["actors"]["cert-b"]
    b["capacity"] = 1
    b["contacts"]["net247"] = {"address": "247@th.example"}
    b["policy"]["analysis_time"] = "2h"
    sd["injects"] = [
        # 15:30 in Bangkok: the analysis runs past closing and ends next morning
        _inject("1", "T+07:30", "cert-b", {"type": "botnet", "affected": ["TH"]}),
        # 18:00 in Bangkok: a preservation-style request on the 24/7 network
        _inject("2", "T+10:00", "cert-b", {}, via="net247"),
    ]
    log = Engine(load(sd)).run()
    acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-b")}
    # the duty desk answers within its 10m, the same evening
    assert acks == {"inject:1": 460, "inject:2": 610}
    # the day desk's analysis: 80m until 17:00; the duty officer, acting on the night
    # request, finishes the other 40m that evening rather than wait for the morning
    [analysed] = events_of(log, "analysed", "cert-b")
    assert analysed.time == 610 + 40


def test_waiting_work_is_served_by_severity_unless_the_actor_is_fifo(scenario_data, load):
    sd = scenario_data
    sd["actors"]["cert-b"]["capacity"] = 1
    sd["frameworks"]["fw"]["rules"] = {}
    sd["injects"] = [
        # both arrive at night in Bangkok and wait for 09:00 (T+25h)
        {**_inject("1", "T+10:00", "cert-b", {}), "incident": {
            "id": "low", "type": "phishing", "severity": "low", "affected": ["TH"]}},
        {**_inject("2", "T+10:30", "cert-b", {}), "incident": {
            "id": "crit", "type": "wiper", "severity": "critical", "affected": ["TH"]}},
    ]

    def order(data):
        log = Engine(load(data)).run()
        return [(e.incident, e.time) for e in events_of(log, "acknowledged", "cert-b")]

    # the critical incident first: ack 10m + analysis 30m, then the low one's 10m
    assert order(sd) == [("crit", 1510), ("low", 1550)]
    sd["actors"]["cert-b"]["policy"] = {**CONST_POLICY, "queue": "fifo"}
    assert order(sd) == [("low", 1510), ("crit", 1550)]


def _expect(reach):
    return {"id": "E1", "actors": ["cert-a"], "action": "notify", "target": "cert-b",
            "incident": "x", "within": "2h", "reach": reach}


def test_a_delivered_expectation_is_missed_when_the_message_never_arrives(scenario_data, load):
    sd = scenario_data
    sd["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    sd["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    sd["expectations"] = [_expect("delivered")]
    log = Engine(load(sd)).run()
    [missed] = events_of(log, "expectation_missed")
    assert missed.time == 180  # opened at T+60, within 2h
    sd["expectations"] = [_expect("sent")]
    [met] = events_of(Engine(load(sd)).run(), "expectation_met")
    assert met.time == 105  # sent, though it went to a stale address


def test_an_acknowledged_expectation_waits_for_the_recipient(scenario_data, load):
    scenario_data["expectations"] = [_expect("acknowledged")]
    [met] = events_of(Engine(load(scenario_data)).run(), "expectation_met")
    assert met.time == 120 and met.actor == "cert-a"  # delivered T+110, acknowledged 10m later


def test_a_team_never_tells_a_cert_what_that_cert_told_it(scenario_data, load):
    # cert-a tells cert-b that SG and TH are affected; cert-b, handling a later inject
    # about the incident, has nobody new to tell: cert-a told it every fact that makes
    # cert-a a recipient (docs/model.md: facts received from the recipient count as told)
    sd = scenario_data
    sd["frameworks"]["fw"]["rules"]["notify"]["on"] = ["inject", "notify"]
    sd["injects"].append(_inject("2", "T+03:00", "cert-b", {}, artefacts=["more-logs.csv"]))
    log = Engine(load(sd)).run()
    [told_b] = events_of(log, "notified", "cert-a")
    assert told_b.details["targets"] == ["cert-b"]
    assert {"affected:SG", "affected:TH"} <= set(
        events_of(log, "message_delivered", "cert-b")[0].details["facts"])
    assert not events_of(log, "notified", "cert-b")
    assert not events_of(log, "message_delivered", "cert-a")


def _advisory(sd, tlp: str, breach: float = 0.0):
    sd["frameworks"]["fw"]["rules"] = {"advisory": {
        "by": ["national_cert"], "on": ["inject"], "when": {"min_affected": 1},
        "action": "publish"}}
    sd["injects"][0]["tlp"] = tlp
    sd["actors"]["cert-a"]["policy"] = {**sd["actors"]["cert-a"].get("policy", {}),
                                        "tlp_breach": breach}
    return sd


def test_the_policy_publishes_nothing_it_may_not_make_public(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "RED"))).run()
    assert not events_of(log, "published") and not events_of(log, "tlp_violation")
    [withheld] = [e for e in events_of(log, "withheld", "cert-a") if e.details["to"] == "public"]
    assert withheld.details["facts"] and withheld.details["action"] == "publish"


def test_the_policy_breaches_a_label_only_as_often_as_its_tlp_breach_says(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "RED", breach=1.0))).run()
    assert events_of(log, "published", "cert-a")
    [violation] = events_of(log, "tlp_violation", "cert-a")
    assert violation.details["to"] == "public" and violation.details["tlp"] == "RED"


def test_a_clear_report_is_published_with_nothing_withheld(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "CLEAR"))).run()
    assert events_of(log, "published", "cert-a")
    assert not events_of(log, "withheld") and not events_of(log, "tlp_violation")


def test_a_message_names_the_incident_as_its_sender_knows_it(scenario_data, load):
    # exercise control renames the incident in a RED inject to the council alone: cert-a,
    # which never received it, writes the title it was given, not control's new one
    sd = scenario_data
    sd["injects"][0]["incident"]["title"] = "Botnet beaconing"
    sd["injects"].append({"id": "2", "at": "T+01:02", "sender": "ctl", "to": ["council"],
                          "via": "email", "tlp": "RED",
                          "incident": {"id": "x", "title": "Operation Nightjar: insider"}})
    log = Engine(load(sd)).run()
    [to_b] = events_of(log, "message_delivered", "cert-b")
    assert to_b.time > 62
    assert "Botnet beaconing" in to_b.details["subject"]
    assert "Nightjar" not in to_b.details["subject"] + to_b.details["text"]
    # cert-b passes on the title it was told
    later = [e for e in log if e.type == "message_delivered" and e.details["sender"] == "cert-b"]
    assert all("Nightjar" not in e.details["subject"] for e in later)
