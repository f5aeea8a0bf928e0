"""A rule's condition is checked again once its action has been drafted.

Drafting takes time; meanwhile the picture may grow so that the condition no longer
holds. The action is then dropped (``declined``, reason ``condition``) and the rule may
apply later.
"""

from __future__ import annotations

from conftest import CONST_POLICY, events_of, police

from sim.engine import Engine


def _isp_drill(data):
    """A Thai CERT asks its ISP for a takedown (delivered at T+110); Thai police ask the
    ISP to preserve data (delivered at T+230) while it drafts the takedown (3 h)."""
    data["actors"]["police-th"] = police("TH", "Asia/Bangkok")
    data["actors"]["police-th"]["policy"] = dict(CONST_POLICY)
    data["actors"]["police-th"]["working_hours"] = "08:00-17:00"
    data["actors"]["isp-th"] = {
        "name": "ISP TH", "kind": "isp", "country": "TH", "timezone": "Asia/Bangkok",
        "working_hours": "08:00-18:00", "capacity": 2,
        "contacts": {"email": {"address": "abuse@isp.th"}},
        "policy": {**CONST_POLICY, "action_time": {"takedown": "3h", "preserve": "2h"}}}
    data["frameworks"]["fw"]["rules"] = {
        "isp-takedown": {"by": ["isp"], "on": ["request_takedown"],
                         "when": {"crime_suspected": False}, "action": "takedown",
                         "deadline": "24h"},
        "isp-preserve": {"by": ["isp"], "on": ["request_takedown", "request_preservation"],
                         "when": {"crime_suspected": True}, "action": "preserve",
                         "deadline": "24h"},
        "isp-takedown-evidence": {"by": ["isp"], "on": ["request_takedown"],
                                  "when": {"crime_suspected": True},
                                  "hold_until": ["isp-preserve"], "action": "takedown",
                                  "deadline": "24h"},
        "local-takedown": {"by": ["national_cert"], "on": ["inject"],
                           "when": {"hosted_locally": True}, "action": "request_takedown",
                           "to": ["local_isps"], "channel": "email", "deadline": "4h",
                           "tlp": "AMBER"},
        "police-preserve": {"by": ["national_police"], "on": ["inject"],
                            "when": {"crime_suspected": True, "hosted_locally": True},
                            "action": "request_preservation", "to": ["local_isps"],
                            "channel": "email", "deadline": "4h", "tlp": "GREEN"},
    }
    data["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "C2 server in Bangkok",
         "incident": {"id": "x", "type": "botnet", "affected": ["TH"], "hosted_in": ["TH"]}},
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["police-th"], "via": "email",
         "tlp": "GREEN", "title": "Fraud complaint: same server",
         "incident": {"id": "x", "hosted_in": ["TH"], "crime_suspected": True}},
    ]
    return data


def test_a_takedown_drafted_before_a_crime_was_known_waits_for_preservation(
        scenario_data, load):
    log = Engine(load(_isp_drill(scenario_data)), seed=0).run()
    isp = [e for e in log if e.actor == "isp-th"]
    # the takedown the ISP drafted from T+150 no longer applies at T+330: it has been
    # told of a crime (T+230) meanwhile
    [declined] = [e for e in isp if e.type == "declined"]
    assert (declined.time, declined.details["rule"], declined.details["reason"]) == (
        330, "isp-takedown", "condition")
    assert not [e for e in isp if e.details.get("rule") == "isp-takedown"
                and e.type == "takedown_completed"]
    [preserved] = events_of(log, "preserved", "isp-th")
    assert preserved.time == 360
    [takedown] = events_of(log, "takedown_completed", "isp-th")
    assert takedown.details["rule"] == "isp-takedown-evidence"
    assert takedown.time > preserved.time


def test_a_message_whose_condition_no_longer_holds_is_not_sent(scenario_data, load):
    # cert-a drafts advice to the council for 60 minutes (T+100 to T+160); at T+105 it
    # learns that a crime is suspected, which its rule excludes
    scenario_data["actors"]["cert-a"]["policy"]["drafting_time"] = "60m"
    scenario_data["frameworks"]["fw"]["rules"] = {
        "advise": {"by": ["cert-a"], "on": ["inject"], "when": {"crime_suspected": False},
                   "action": "notify", "to": ["regional_council"], "channel": "email",
                   "deadline": "4h", "tlp": "GREEN"}}
    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:45", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update", "incident": {"id": "x", "crime_suspected": True}})
    log = Engine(load(scenario_data), seed=0).run()
    assert events_of(log, "notified") == []
    [declined] = events_of(log, "declined", "cert-a")
    assert (declined.time, dict(declined.details)) == (
        160, {"rule": "advise", "reason": "condition"})


def test_the_check_after_drafting_changes_nothing_when_the_condition_still_holds(
        scenario_data, load):
    log = Engine(load(scenario_data), seed=0).run()
    assert [(e.time, e.type) for e in log if e.type in ("notified", "escalated", "declined")
            ] == [(105, "notified"), (110, "escalated")]
