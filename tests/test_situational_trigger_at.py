"""A rule's deadline runs from when its whole condition became true, situational
clauses included (``received``, ``phase``, ``local_time``, ``done``).

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) and cert-b (Bangkok, one hour behind) work 09:00-17:00 local.
Acknowledging takes 10m, analysing 30m, drafting 5m; e-mail takes 5m.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _escalate(when: dict, by: str = "cert-a", on: tuple[str, ...] = ("inject",)) -> dict:
    return {"by": [by], "on": list(on), "when": when, "action": "escalate",
            "to": ["regional_council"], "channel": "email", "deadline": "1h", "tlp": "GREEN"}


def _inject(id_: str, at: str, to: str = "cert-a", **incident) -> dict:
    return {"id": id_, "at": at, "sender": "ctl", "to": [to], "via": "email", "tlp": "GREEN",
            "title": f"Report {id_}", "incident": {"id": "x", **incident}}


def _escalation(log, actor: str = "cert-a"):
    [esc] = events_of(log, "escalated", actor)
    return esc


def test_received_clause_counts_from_the_inject_arrival(scenario_data, load):
    # inject 2 reaches cert-a at T+05:00: acknowledged T+05:10, escalated T+05:15,
    # 15 minutes of handling against a 1h deadline from T+05:00
    scenario_data["frameworks"]["fw"]["rules"] = {"escalate": _escalate({"received": ["2"]})}
    scenario_data["injects"] = [
        _inject("1", "T+01:00", type="botnet", affected=["SG"]),
        _inject("2", "T+05:00"),
    ]
    esc = _escalation(Engine(load(scenario_data), seed=0).run())
    assert esc.time == 315
    assert esc.details["trigger_at"] == 300
    assert esc.details["deadline_at"] == 360
    assert esc.details["late_by"] == 0


def test_phase_clause_counts_from_the_phase_start(scenario_data, load):
    scenario_data["drill"]["phases"] = {"one": {"start": "T+00:00", "end": "T+04:30"},
                                        "two": {"start": "T+04:30"}}
    scenario_data["frameworks"]["fw"]["rules"] = {"escalate": _escalate({"phase": ["two"]})}
    scenario_data["injects"] = [
        _inject("1", "T+01:00", type="botnet", affected=["SG"]),
        _inject("2", "T+05:00"),
    ]
    esc = _escalation(Engine(load(scenario_data), seed=0).run())
    # the rule looks again when phase two begins (T+04:30), not only when inject 2
    # arrives: escalated one drafting time (5 minutes) after the phase start
    assert esc.time == 275
    assert esc.details["trigger"] == "phase:two"
    assert esc.details["trigger_at"] == 270
    assert esc.details["deadline_at"] == 330
    assert esc.details["late_by"] == 0


def test_local_time_clause_counts_from_the_opening_of_the_range(scenario_data, load):
    # 12:00 in Singapore is T+03:00: the rule, closed when cert-a read it (T+01:40),
    # looks again as the range opens, before inject 2 at T+04:00 (13:00)
    scenario_data["frameworks"]["fw"]["rules"] = {
        "escalate": _escalate({"local_time": "12:00-17:00"})}
    scenario_data["injects"] = [
        _inject("1", "T+01:00", type="botnet", affected=["SG"]),
        _inject("2", "T+04:00"),
    ]
    esc = _escalation(Engine(load(scenario_data), seed=0).run())
    assert esc.time == 185
    assert esc.details["trigger"] == "local_time:12:00-17:00"
    assert esc.details["trigger_at"] == 180


def test_done_clause_counts_from_the_action_done_by_the_actor(scenario_data, load):
    # cert-a notifies cert-b at T+01:45; the escalation, held on that notification,
    # is drafted next (T+01:50)
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["escalate"] = _escalate({"done": [{"action": "notify"}]})
    log = Engine(load(scenario_data), seed=0).run()
    esc = _escalation(log)
    [notified] = events_of(log, "notified", "cert-a")
    assert notified.time == 105
    assert esc.time == 110
    assert esc.details["trigger_at"] == 105


def test_done_by_anyone_counts_from_the_message_that_told_the_actor(scenario_data, load):
    # cert-b hears of incident x from control at T+01:00 (nothing else); cert-a's
    # notification reaches it at T+01:50: only then does it know a notification was done
    rules = scenario_data["frameworks"]["fw"]["rules"]
    del rules["escalate"]
    rules["escalate-b"] = _escalate({"done": [{"action": "notify", "by": "anyone"}]},
                                    by="cert-b")
    scenario_data["injects"].append(_inject("2", "T+01:00", to="cert-b"))
    esc = _escalation(Engine(load(scenario_data), seed=0).run(), "cert-b")
    assert esc.time == 125
    assert esc.details["trigger_at"] == 110
    assert esc.details["late_by"] == 0
