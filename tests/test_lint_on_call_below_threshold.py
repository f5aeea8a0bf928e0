"""A call to a closed office below its duty officer's `min_severity` waits unread until
the office opens and acknowledges it, as mail does; `drill lint` and `drill explain` take
it in then, not as the phone rings, when they judge what the duty officer acts on, how
soon a deadline can be met, and whether a rule for the evening can ever fire.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) and cert-b (Bangkok) work 09:00-17:00, acknowledge in 10m and analyse
in 30m. Here exercise control phones cert-a, whose duty officer is on the phone.
"""

from __future__ import annotations

from conftest import events_of

from sim.authoring.explain import explain
from sim.authoring.lint import lint
from sim.engine import Engine

SEEDS = (0, 1, 2)
THURSDAY_0900 = 24 * 60.0
LATE = ("off-duty-deadline", "deadline-too-short")


def _calls(data, first_at: str, min_severity: str = "medium"):
    """Exercise control phones cert-a about incident x twice: first saying the incident is
    of low severity, at ``first_at``; then at Wednesday 23:00 (T+14:00) saying nothing of
    its severity. cert-a is expected to acknowledge the second call within 1h."""
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "answer_after": "20m",
                                           "min_severity": min_severity}
    incident = {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}
    data["injects"] = [
        {"id": "1", "at": first_at, "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "incident": dict(incident, severity="low")},
        {"id": "2", "at": "T+14:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "incident": dict(incident)},
    ]
    data["expectations"] = [{"id": "E", "actors": ["cert-a"], "action": "acknowledge",
                             "incident": "x", "after": "2", "within": "1h"}]
    return data


def _late(loaded) -> list[str]:
    return sorted(f.code for f in lint(loaded) if f.code in LATE)


def _msel_line(loaded, inject: str) -> str:
    """cert-a's line under ``inject`` in `drill explain`'s MSEL."""
    lines = explain(loaded.scenario).splitlines()
    at = next(n for n, line in enumerate(lines) if line.strip().startswith(f"{inject} "))
    return lines[at + 1]


def test_a_night_call_below_the_threshold_is_taken_in_only_when_the_office_opens(
        scenario_data, load):
    # the low call at 22:00 waits unread: the unstated call at 23:00 counts as medium,
    # severe enough for the duty officer, who answers it at night
    loaded = load(_calls(scenario_data, "T+13:00"))
    for seed in SEEDS:
        log = Engine(loaded, seed=seed).run()
        first, second = events_of(log, "inject_delivered", "cert-a")
        assert first.details["unread"] and second.details["unread"]
        answered = [e.details["ref"] for e in events_of(log, "on_call_answered", "cert-a")]
        assert answered == ["inject:2"]
        acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-a")}
        assert acks["inject:1"] >= THURSDAY_0900
        assert acks["inject:2"] < THURSDAY_0900
        assert [e.type for e in log if e.type.startswith("expectation_")] == [
            "expectation_met"]
    # so lint sees the deadline can be met, and explain has the duty officer take it
    assert _late(loaded) == []
    assert "on call takes it" in _msel_line(loaded, "2")
    assert "on call takes it" not in _msel_line(loaded, "1")


def test_a_low_call_taken_in_at_work_leaves_the_night_call_to_the_office(
        scenario_data, load):
    # the same low call at 16:00, in office hours, is taken in at once: the night call
    # is judged low, and waits for the office
    loaded = load(_calls(scenario_data, "T+07:00"))
    for seed in SEEDS:
        log = Engine(loaded, seed=seed).run()
        assert events_of(log, "on_call_answered", "cert-a") == []
        acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-a")}
        assert acks["inject:2"] >= THURSDAY_0900
        assert events_of(log, "expectation_met") == []
    assert _late(loaded) == sorted(LATE)
    assert "on call takes it" not in _msel_line(loaded, "2")


def _evening_call(data, severity: str):
    """Both CERTs have a duty officer on the phone (acting on high severity and above,
    answering after 5m); exercise control phones cert-a at 18:05 (T+09:05) about an
    incident of ``severity``; escalation to the council is for 18:00-20:00 local time,
    after office hours."""
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    for aid in ("cert-a", "cert-b"):
        data["actors"][aid]["on_call"] = {"channels": ["phone"], "answer_after": "5m"}
    data["frameworks"]["fw"]["rules"]["escalate"]["when"]["local_time"] = "18:00-20:00"
    inject = data["injects"][0]
    inject.update(at="T+09:05", via="phone")
    inject["incident"]["severity"] = severity
    return data


def _never_fires(loaded) -> list:
    return [f for f in lint(loaded) if f.code == "rule-never-fires"]


def test_a_rule_for_the_evening_never_fires_when_no_call_is_severe_enough(
        scenario_data, load):
    loaded = load(_evening_call(scenario_data, "medium"))
    for seed in SEEDS:
        log = Engine(loaded, seed=seed).run()
        [call] = events_of(log, "inject_delivered", "cert-a")
        assert call.details["unread"]
        assert events_of(log, "on_call_answered") == []
        [ack] = events_of(log, "acknowledged", "cert-a")
        assert ack.time >= THURSDAY_0900
        assert events_of(log, "escalated") == []
    [warning] = _never_fires(loaded)
    assert warning.path == "frameworks.fw.rules.escalate.when.local_time"
    assert "never called out" in warning.message


def test_a_rule_for_the_evening_fires_when_the_duty_officer_takes_the_call(
        scenario_data, load):
    loaded = load(_evening_call(scenario_data, "high"))
    for seed in SEEDS:
        log = Engine(loaded, seed=seed).run()
        assert [e.time for e in events_of(log, "on_call_answered", "cert-a")] == [
            9 * 60.0 + 10]
        assert events_of(log, "escalated", "cert-a")
    assert _never_fires(loaded) == []


def test_a_severe_mail_waiting_unread_does_not_make_a_night_call_severe(
        scenario_data, load):
    # cert-a, which cert-b's notification may reach, is e-mailed at 22:00 that the
    # incident is high: the mail waits unread in the closed office, so the call at 23:00,
    # saying nothing of severity, counts as medium, below the duty officer's threshold
    data = _calls(scenario_data, "T+13:00", min_severity="high")
    first = data["injects"][0]
    first["via"] = "email"
    first["incident"]["severity"] = "high"
    loaded = load(data)
    for seed in SEEDS:
        log = Engine(loaded, seed=seed).run()
        assert events_of(log, "on_call_answered", "cert-a") == []
        acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-a")}
        assert min(acks.values()) >= THURSDAY_0900
        assert events_of(log, "expectation_met") == []
    assert _late(loaded) == sorted(LATE)
    assert "on call takes it" not in _msel_line(loaded, "2")
