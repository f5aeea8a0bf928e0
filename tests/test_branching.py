"""Teams, rules for particular teams, conditions, branches and player tasks.

The scenario below uses constant timings so every time is worked out by hand: an
inject reaches its recipient at once, a team acknowledges after 5 minutes of work,
analyses for 10, drafts a message for 5, and e-mail takes 10 minutes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scenarios.loader import ScenarioError, load_scenario
from sim.authoring.lint import lint
from sim.engine.core import ActionError, Engine

BASE = """
x-cert: &cert
  kind: national_cert
  timezone: Asia/Singapore
  staffing: 24/7
  contacts: {email: {address: x@drill.example}}
  policy: {ack_delay: 5m, analysis_time: 10m, drafting_time: 5m}
drill:
  id: branching
  title: Branching
  start: "2026-09-14T09:00:00+08:00"
  duration: 8h
  phases:
    detection: {start: T+00:00, end: T+02:00}
    response: {start: T+02:00}
groups:
  south: [SG, MY]
actors:
  sg: {<<: *cert, name: SG CERT, country: SG}
  my: {<<: *cert, name: MY CERT, country: MY}
  th: {<<: *cert, name: TH CERT, country: TH}
  hicon: {<<: *cert, name: HiCON, kind: exercise_control, x-note: anchors are ignored}
channels:
  email: {kind: email, latency: 10m}
teams:
  southern: {kind: [national_cert], country_in: [south]}
  everyone: [southern, th]
"""


def load(tmp_path: Path, extra: str):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + textwrap.dedent(extra))
    return load_scenario(path)


def events(loaded, seed: int = 0, until: float | None = None):
    engine = Engine(loaded, seed=seed)
    engine.run()
    return engine


def of(engine, type_: str, **match):
    return [e for e in engine.log if e.type == type_
            and all(e.details.get(k) == v or getattr(e, k, None) == v for k, v in match.items())]


INJECT = """
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [everyone]
    via: email
    tlp: CLEAR
    incident: {id: inc, type: botnet, severity: high, affected: [SG, MY, TH], hosted_in: [MY]}
"""


def test_a_team_stands_for_its_members_in_inject_recipients(tmp_path):
    loaded = load(tmp_path, INJECT)
    assert loaded.scenario.injects[0].to == ["sg", "my", "th"]
    engine = events(loaded)
    assert sorted(e.actor for e in of(engine, "inject_delivered")) == ["my", "sg", "th"]


def test_x_keys_are_ignored_and_an_unknown_team_suggests_the_right_one(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load(tmp_path, INJECT.replace("[everyone]", "[evryone]"))
    assert "unknown actor 'evryone'; did you mean 'everyone'?" in str(err.value)
    assert "injects[0].to[0]" in str(err.value)


def test_a_team_may_not_take_an_actor_name(tmp_path):
    with pytest.raises(ScenarioError, match="team 'sg' has the name of an actor"):
        load(tmp_path, "  sg: [my]\n" + INJECT)


RULES = """
frameworks:
  f:
    title: F
    rules:
      brief:
        by: [sg]
        on: [inject]
        action: notify
        to: [th]
        channel: email
      everyone-acts:
        by: [south]
        on: [inject]
        action: publish
"""


def test_by_names_one_actor_or_a_country_group(tmp_path):
    engine = events(load(tmp_path, INJECT + RULES))
    # only SG briefs TH: ack 30+5, analysis to 45, drafting to 50, sent at 50
    sent = of(engine, "message_sent", verb="notify")
    assert [(e.actor, e.details["to"], e.time) for e in sent] == [("sg", "th", 50.0)]
    # 'south' is a country group: SG and MY publish, TH does not
    assert sorted(e.actor for e in of(engine, "published")) == ["my", "sg"]


def test_an_expectation_over_a_team_is_scored_for_each_member(tmp_path):
    loaded = load(tmp_path, INJECT + """
expectations:
  - id: E1
    actors: [affected_certs]
    require: each
    action: acknowledge
    incident: inc
    within: 4m
  - id: E2
    actors: [southern]
    require: each
    action: acknowledge
    incident: inc
    within: 1h
""")
    ids = [e.id for e in loaded.scenario.expectation_units()]
    assert ids == ["E1.sg", "E1.my", "E1.th", "E2.sg", "E2.my"]
    engine = events(loaded)
    # every team acknowledges at 35: too late for 4 minutes, in time for an hour
    assert sorted(e.details["expectation"] for e in of(engine, "expectation_missed")) == [
        "E1.my", "E1.sg", "E1.th"]
    assert sorted(e.details["expectation"] for e in of(engine, "expectation_met")) == [
        "E2.my", "E2.sg"]


def test_rule_conditions_read_received_injects_phase_and_done(tmp_path):
    extra = INJECT + """
  - id: "2"
    at: T+03:00
    sender: hicon
    to: [sg]
    via: email
    incident: {id: inc}
frameworks:
  f:
    title: F
    rules:
      early:
        by: [sg]
        on: [inject]
        when: {phase: [detection]}
        action: notify
        to: [my]
        channel: email
      after-second:
        by: [sg]
        on: [inject]
        when: {received: ["2"]}
        action: escalate
        to: [th]
        channel: email
      heard-of-notify:
        by: [my]
        on: [notify]
        when: {done: [{action: notify, by: anyone}]}
        action: publish
      never:
        by: [th]
        on: [inject]
        when: {done: [{action: notify}]}
        action: close
"""
    engine = events(load(tmp_path, extra))
    # the detection phase: SG notifies MY once, at 50 (inject 1 at 30)
    notify = of(engine, "message_sent", verb="notify")
    assert [(e.actor, e.time) for e in notify] == [("sg", 50.0)]
    # inject 2 reaches SG at 180: the escalation waits for it (ack 185, drafting to 190)
    esc = of(engine, "message_sent", verb="escalate")
    assert [(e.actor, e.time) for e in esc] == [("sg", 190.0)]
    # MY heard of a notification (it received one): it publishes; TH never notified
    assert [e.actor for e in of(engine, "published")] == ["my"]
    assert of(engine, "closed") == []


def test_rule_condition_on_local_time(tmp_path):
    extra = INJECT + """
frameworks:
  f:
    title: F
    rules:
      mornings:
        by: [national_cert]
        on: [inject]
        when: {local_time: "09:00-09:50"}
        action: publish
"""
    loaded = load(tmp_path, extra.replace("timezone: Asia/Singapore", "timezone: Asia/Singapore"))
    engine = events(loaded)
    # drafting starts at 45 (09:45 local) and ends at 50: the check is made at 45
    assert sorted(e.actor for e in of(engine, "published")) == ["my", "sg", "th"]
    # closed when read (09:45): the rule looks again when the range begins (10:00,
    # T+60), and publishes one drafting time later
    loaded = load(tmp_path, extra.replace("09:00-09:50", "10:00-12:00"))
    published = of(events(loaded), "published")
    assert sorted((e.actor, e.time) for e in published) == [("my", 65), ("sg", 65),
                                                            ("th", 65)]
    assert {e.details["trigger"] for e in published} == {"local_time:10:00-12:00"}


CONTINGENT = INJECT + """
  - id: C-met
    type: contingency
    delay: 15m
    sender: hicon
    to: [th]
    via: email
    incident: {id: inc}
  - id: C-chain
    type: contingency
    sender: hicon
    to: [sg]
    via: email
    incident: {id: inc}
  - id: C-late
    type: contingency
    sender: hicon
    to: [sg]
    via: email
    incident: {id: inc}
frameworks:
  f:
    title: F
    rules:
      brief:
        by: [sg]
        on: [inject]
        action: notify
        to: [my]
        channel: email
expectations:
  - id: E1
    actors: [sg]
    action: notify
    target: my
    incident: inc
    within: 1h
    on_met: C-met
  - id: E2
    actors: [th]
    action: escalate
    incident: inc
    after: C-met
    within: 30m
    contingency: C-chain
  - id: E3
    actors: [sg]
    action: notify
    target: my
    reach: sent
    incident: inc
    within: 10m
    on_late: C-late
"""


def test_contingencies_fire_on_met_late_and_in_chains(tmp_path):
    engine = events(load(tmp_path, CONTINGENT))
    delivered = {e.details["inject"]: e.time for e in of(engine, "inject_delivered")}
    # the notification is sent at 50 and delivered at 60: E1 met at 60, C-met 15 later
    assert delivered["C-met"] == 75.0
    # E2 anchored on C-met at 75, missed at 105: its contingency C-chain fires then
    assert delivered["C-chain"] == 105.0
    # E3 wanted it sent by 40; sent at 50: late, so C-late fires at 50
    assert delivered["C-late"] == 50.0


def test_contingency_on_lost_and_condition(tmp_path):
    extra = CONTINGENT.replace("  my: {<<: *cert", "  my: {<<: *cert")
    extra = extra.replace("    on_met: C-met\n", "    on_lost: C-met\n")
    base = BASE.replace("  my: {<<: *cert, name: MY CERT, country: MY}",
                        "  my: {<<: *cert, name: MY CERT, country: MY, contacts: "
                        "{email: {address: old@drill.example, stale: true}}}")
    path = tmp_path / "s.yaml"
    path.write_text(base + textwrap.dedent(extra))
    engine = events(load_scenario(path))
    delivered = {e.details["inject"]: e.time for e in of(engine, "inject_delivered")}
    # the notification to MY's stale address is lost when it would arrive (60): +15m
    assert delivered["C-met"] == 75.0


def test_an_inject_is_skipped_when_its_condition_does_not_hold(tmp_path):
    extra = CONTINGENT + """
  - id: E4
    actors: [sg]
    action: close
    incident: inc
    within: 1h
"""
    extra = extra.replace("""  - id: C-late
    type: contingency""", """  - id: "3"
    at: T+02:00
    when: {met: [E1]}
    sender: hicon
    to: [my]
    via: email
    incident: {id: inc}
  - id: "4"
    at: T+02:00
    when: {met: [E4]}
    sender: hicon
    to: [my]
    via: email
    incident: {id: inc}
  - id: C-late
    type: contingency""")
    engine = events(load(tmp_path, extra))
    assert [e.details["inject"] for e in of(engine, "inject_skipped")] == ["4"]
    assert of(engine, "inject_skipped")[0].details["reason"] == "condition"
    assert [e.time for e in of(engine, "inject_delivered", inject="3")] == [120.0]


def test_an_inject_timed_after_an_action(tmp_path):
    extra = CONTINGENT.replace("""  - id: C-met
    type: contingency
    delay: 15m""", """  - id: C-met
    after_action: {action: notify, by: [southern]}
    delay: 30m""").replace("    on_met: C-met\n", "")
    engine = events(load(tmp_path, extra))
    # SG notifies at 50 (southern includes SG): the inject comes 30 minutes later
    assert [e.time for e in of(engine, "inject_delivered", inject="C-met")] == [80.0]


TASKS = INJECT + """
tasks:
  - id: Q1
    question: Which IP addresses will you block?
    to: [southern]
    inject: "1"
    incident: inc
    answer_key: 203.0.113.45
  - id: Q2
    question: Who else must know?
    to: [th]
    at: T+01:00
"""


def test_tasks_are_asked_and_answered(tmp_path):
    engine = Engine(load(tmp_path, TASKS), human=("sg",))
    engine.run_until(61)
    asked = [(e.actor, e.details["task"], e.time) for e in of(engine, "task_set")]
    assert asked == [("sg", "Q1", 30.0), ("my", "Q1", 30.0), ("th", "Q2", 60.0)]
    engine.answer_task("sg", "Q1", "  203.0.113.45  ")
    answered = of(engine, "task_answered")
    assert [(e.actor, e.details["text"]) for e in answered] == [("sg", "203.0.113.45")]
    with pytest.raises(ActionError, match="no task 'Q1' was asked of th"):
        engine.answer_task("th", "Q1", "x")
    with pytest.raises(ActionError, match="no task 'Q9' was asked of sg"):
        engine.answer_task("sg", "Q9", "x")


def test_lint_reports_misused_constructs(tmp_path):
    extra = CONTINGENT.replace("frameworks:", """
  - id: "5"
    at: T+00:40
    when: {missed: [E1]}
    sender: hicon
    to: [my]
    via: email
    incident: {id: inc}
  - id: "6"
    after_action: {action: takedown, by: [th]}
    sender: hicon
    to: [my]
    via: email
    incident: {id: inc}
frameworks:""", 1) + """
tasks:
  - {id: Q1, question: Late?, to: [th], at: T+09:00}
  - {id: Q2, question: Never?, to: [th], inject: "C-chain"}
"""
    text = BASE.replace("  everyone: [southern, th]", "  everyone: [southern, th]\n"
                        "  nobody: {kind: [isp]}")
    path = tmp_path / "s.yaml"
    path.write_text(text + textwrap.dedent(extra))
    codes = {f.code: f for f in lint(load_scenario(path))}
    assert "empty-team" in codes
    assert "condition-never-holds" in codes
    assert "E1" in codes["condition-never-holds"].message
    assert "after-action-never" in codes
    assert "task-after-end" in codes
    assert "task-never-asked" in codes


def test_the_bundled_example_uses_every_construct_and_runs():
    from scenarios import bundled_scenarios

    path = next(p for p in bundled_scenarios() if p.stem == "apcert-ransomware")
    loaded = load_scenario(path)
    sc = loaded.scenario
    # the alert goes to 11 ASEAN CERTs and 3 partners, listed by team only
    assert len(sc.injects[0].to) == 14 and "singcert" in sc.injects[0].to
    assert [e.id for e in sc.expectation_units()][:3] == ["E1.mycert", "E1.certph", "E1.thaicert"]
    assert lint(loaded) == []
    engine = Engine(loaded, seed=0)
    engine.run()
    # only SingCERT briefs the coordinator
    assert {e.actor for e in of(engine, "message_sent", verb="escalate")} == {"singcert"}
    assert len(of(engine, "task_set", task="Q1")) == 11
    first_request = min(e.time for e in of(engine, "message_sent", verb="request_takedown"))
    assert {e.time for e in of(engine, "inject_delivered", inject="2")} == {first_request + 30}
    met = of(engine, "expectation_met", expectation="E2")
    assert met and of(engine, "inject_delivered", inject="C1")[0].time == met[0].time + 15
    assert [e.details["reason"] for e in of(engine, "inject_skipped", inject="3")] == ["condition"]


def test_a_task_answer_is_journaled_replayed_and_reported(tmp_path, monkeypatch):
    from sim.analysis.aar import render_markdown
    from sim.analysis.review import build_review
    from sim.runs.session import DrillSession

    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    loaded = load(tmp_path, TASKS)
    journal = tmp_path / "j.drill"
    session = DrillSession.start(loaded, seed=0, human=["sg"], journal_path=journal)
    session.advance_to(31)
    session.answer_task("sg", "Q1", "203.0.113.45")
    with pytest.raises(ActionError):
        session.answer_task("sg", "Q1", "")
    session.close()
    resumed = DrillSession.resume(journal)
    answers = [e for e in resumed.engine.log if e.type == "task_answered"]
    assert [(e.actor, e.details["text"]) for e in answers] == [("sg", "203.0.113.45")]
    report = render_markdown(build_review(resumed.scenario, resumed.engine.log))
    # Markdown escapes the dot after a leading number (it could start a list)
    assert "| Q1: Which IP addresses will you block? | SG CERT | T+00:30 | 203\\.0.113.45 " \
        "| 203\\.0.113.45 |" in report
    assert "| Q1: Which IP addresses will you block? | MY CERT | T+00:30 | no answer |" in report
    resumed.close()


def test_explain_follows_a_message_rule_after_an_effect_rule_of_the_same_actor(tmp_path):
    from sim.authoring.explain import explain

    # 'everyone-acts' (an effect, publish) comes before 'brief' (a message) for SG
    loaded = load(tmp_path, INJECT + RULES.replace(
        "      brief:", "      first:\n        by: [sg]\n        on: [inject]\n"
        "        action: publish\n      brief:"))
    text = explain(loaded.scenario)
    assert "SG CERT --notify via email, TLP:AMBER--> TH CERT   [brief]" in text
