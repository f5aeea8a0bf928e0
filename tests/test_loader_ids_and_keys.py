"""Ids given twice, and problems about a mapping key, are reported where the user wrote them."""

from __future__ import annotations

import textwrap

import pytest

from scenarios import ScenarioError, load_scenario

BASE = textwrap.dedent(
    """\
    drill:
      id: t
      title: Tiny
      start: "2026-08-19T09:00:00+08:00"
      duration: 8h
      objectives:
        - id: O1
          text: Acknowledge the report.
        - id: O2
          text: Ask for a takedown.
    actors:
      ctl:
        name: Control
        kind: exercise_control
        timezone: Asia/Singapore
        staffing: 24/7
        contacts:
          email:
            address: c@x.example
      isp-th:
        name: Hosting
        kind: isp
        country: TH
        timezone: Asia/Bangkok
        contacts:
          email:
            address: abuse@x.example
        policy:
          rule_probability:
            relay: 0.5
      cert:
        name: CERT
        kind: national_cert
        country: SG
        timezone: Asia/Singapore
        contacts:
          email:
            address: cert@x.example
    channels:
      email:
        kind: email
        latency: 5m
    frameworks:
      fw:
        title: Rules
        rules:
          relay:
            by: [national_cert]
            on: [inject]
            action: request_takedown
            to: [isp-th]
            channel: email
    injects:
      - id: "1"
        at: T+01:00
        sender: ctl
        to: [cert]
        via: email
        incident: {id: x, type: phishing, affected: [SG], hosted_in: [TH]}
    expectations:
      - id: E1
        actors: [isp-th]
        action: takedown
        incident: x
        within: 4h
        objective: O2
    tasks:
      - id: Q1
        question: Which host serves the site?
        to: [cert]
        inject: "1"
      - id: Q2
        question: Who will you ask?
        to: [cert]
        at: T+02:00
    """
)


def test_the_base_file_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE, encoding="utf-8")
    sc = load_scenario(path).scenario
    assert [t.id for t in sc.tasks] == ["Q1", "Q2"]


def position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


def problems(tmp_path, text: str) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [(p.mark.line, p.mark.col, p.path, p.message) for p in info.value.problems]


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


# --- ids given twice -------------------------------------------------------------


def test_a_task_id_given_twice_is_refused_at_the_second(tmp_path):
    text = edit("  - id: Q2\n", "  - id: Q1\n")
    line, col = position(text, "Q1", 2)
    assert problems(tmp_path, text) == [
        (line, col, "tasks[1].id", "task id 'Q1' is already used by tasks[0]")]


def test_an_objective_id_given_twice_is_refused_at_the_second(tmp_path):
    text = edit("    - id: O2\n      text: Ask for a takedown.\n",
                "    - id: O2\n      text: Ask for a takedown.\n"
                "    - {id: O1, text: Once more.}\n")
    line, col = position(text, "O1", 2)
    assert problems(tmp_path, text) == [
        (line, col, "drill.objectives[2].id",
         "objective id 'O1' is already used by drill.objectives[0]")]


def test_ids_that_differ_only_in_case_are_different_ids(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(edit("  - id: Q2\n", "  - id: q1\n"), encoding="utf-8")
    assert [t.id for t in load_scenario(path).scenario.tasks] == ["Q1", "q1"]


# --- problems about a key --------------------------------------------------------


def test_an_invalid_actor_id_is_reported_at_the_id(tmp_path):
    text = BASE.replace("isp-th:\n", "isp th:\n")
    found = problems(tmp_path, text)
    line, col = position(text, "isp th:")
    assert (line, col, "actors.isp th",
            "'isp th' is not a valid id (letters, digits, '-', '_' and '.')") in found


def test_a_did_you_mean_never_offers_an_invalid_id(tmp_path):
    found = problems(tmp_path, BASE.replace("isp-th:\n", "isp th:\n"))
    unknown = [msg for _, _, _, msg in found if "unknown actor" in msg]
    assert unknown, found
    assert not any("did you mean" in msg for msg in unknown), unknown


def test_a_did_you_mean_still_offers_a_valid_id(tmp_path):
    found = problems(tmp_path, edit("    actors: [isp-th]\n", "    actors: [isp-tj]\n"))
    assert any(msg == "unknown actor or team 'isp-tj'; did you mean 'isp-th'?"
               for _, _, _, msg in found), found


def test_a_contact_on_an_unknown_channel_is_reported_at_its_name(tmp_path):
    text = edit("      email:\n        address: cert@x.example\n",
                "      email:\n        address: cert@x.example\n"
                "      sms:\n        address: '+65 1234'\n")
    line, col = position(text, "sms:")
    assert problems(tmp_path, text) == [
        (line, col, "actors.cert.contacts.sms", "unknown channel 'sms'")]


def test_an_actor_named_like_a_selector_is_reported_at_its_id(tmp_path):
    text = BASE.replace("isp-th", "victims")
    line, col = position(text, "victims:")
    assert (line, col, "actors.victims",
            "'victims' is a recipient selector name; choose another actor id"
            ) in problems(tmp_path, text)


def test_an_unknown_rule_in_rule_probability_is_reported_at_its_name(tmp_path):
    text = edit("        relay: 0.5\n", "        relya: 0.5\n")
    line, col = position(text, "relya:")
    assert problems(tmp_path, text) == [
        (line, col, "actors.isp-th.policy.rule_probability.relya",
         "unknown rule 'relya'; did you mean 'relay'?")]


def test_a_team_named_like_an_actor_is_reported_at_its_name(tmp_path):
    text = BASE + "teams:\n  cert:\n    - ctl\n"
    line, col = position(text, "  cert:\n    - ctl")
    assert problems(tmp_path, text) == [
        (line, col + 2, "teams.cert", "team 'cert' has the name of an actor; choose another")]


def test_a_rule_id_used_in_two_frameworks_is_reported_at_the_second(tmp_path):
    text = edit("injects:\n",
                "  fw2:\n    title: More rules\n    rules:\n      relay:\n"
                "        by: [national_cert]\n        on: [inject]\n        action: analyse\n"
                "injects:\n")
    line, col = position(text, "relay:", 3)  # after rule_probability's and fw's
    assert problems(tmp_path, text) == [
        (line, col, "frameworks.fw2.rules.relay",
         "rule id 'relay' is already used in framework 'fw'")]


def test_an_invalid_id_is_reported_with_the_problems_inside_its_entry(tmp_path):
    # the problem inside comes through a distribution; the id's own is not dropped for it
    text = BASE.replace("isp-th:\n", "isp th:\n").replace(
        "      rule_probability:\n", "      ack_delay: {dist: uniform, low: 1m}\n"
        "      rule_probability:\n")
    found = problems(tmp_path, text)
    line, col = position(text, "isp th:")
    assert (line, col, "actors.isp th",
            "'isp th' is not a valid id (letters, digits, '-', '_' and '.')") in found
    assert any(p == "actors.isp th.policy.ack_delay.high" for _, _, p, _ in found), found


def test_an_invalid_id_with_nothing_under_it_is_named_by_its_path(tmp_path):
    text = BASE + "groups:\n  south east: \n"
    line, col = position(text, "south east:")
    found = problems(tmp_path, text)
    assert (line, col, "groups.south east",
            "'south east' is not a valid id (letters, digits, '-', '_' and '.')") in found
    assert all("[key]" not in p for _, _, p, _ in found), found
