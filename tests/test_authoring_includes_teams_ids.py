"""Scenario authoring: sections of included files that are not mappings, the ids that
``require: each`` makes, teams and points of contact, days off with an on-call officer,
and the wording of id problems."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from scenarios.loader import ScenarioError, load_scenario
from scenarios.model import Condition
from scenarios.schema import reference_markdown
from sim.authoring.explain import explain
from sim.authoring.lint import lint

BASE = """\
drill:
  id: authoring-checks
  title: Authoring checks
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {email: {address: h@x}, phone: {address: "+65 1"}}}
  certa: {name: CERT-A, kind: national_cert, country: MY, timezone: Asia/Kuala_Lumpur,
          staffing: 24/7, contacts: {email: {address: a@x}, phone: {address: "+60 1"}}}
  certb: {name: CERT-B, kind: national_cert, country: SG, timezone: Asia/Singapore,
          staffing: 24/7, contacts: {email: {address: b@x}}}
channels:
  email: {kind: email, latency: 5m}
  phone: {kind: phone, latency: 1m}
frameworks:
  fw:
    title: FW
    rules:
      tell:
        by: [national_cert]
        on: [inject]
        action: notify
        to: [certa]
        channel: email
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [certa]
    via: phone
    incident: {id: i, type: phishing, severity: high, affected: [MY], hosted_in: [SG]}
  - id: C1
    type: contingency
    sender: hicon
    to: [certa]
    via: phone
    incident: {id: i}
expectations:
  - {id: E1, actors: [certa], action: acknowledge, incident: i, within: 4h, contingency: C1}
"""


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    """What ``drill validate`` prints for each problem: file:line:col: path: message."""
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return [str(p) for p in err.value.problems]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def at(text: str, needle: str, offset: int = 0) -> str:
    """'line:col' of ``needle`` (plus ``offset`` characters) in ``text``."""
    line = line_of(text, needle)
    return f"{line}:{text.splitlines()[line - 1].index(needle) + offset + 1}"


# --- 1. a section of an included file that is not a mapping ------------------------


@pytest.mark.parametrize(("section", "value", "kind"), [
    ("actors", "\n  - bank: {name: Bank}", "list"),
    ("actors", ' "oops"', "text value"),
    ("actors", " 5", "number"),
    ("channels", " [x]", "list"),
    ("groups", ' "y"', "text value"),
])
def test_a_section_of_an_included_file_that_is_not_a_mapping_is_an_error(
        tmp_path, section, value, kind):
    included = f"# partners\n{section}:{value}\n"
    write(tmp_path, included, "partners.yaml")
    path = write(tmp_path, "include: [./partners.yaml]\n" + BASE)
    [problem] = problems(path)
    col = len(section) + 3 if not value.startswith("\n") else 3
    line = 2 if not value.startswith("\n") else 3
    assert problem == (f"{tmp_path / 'partners.yaml'}:{line}:{col}: {section}: "
                       f"{section!r} in an included file must be a mapping of ids, "
                       f"got a {kind}")


def test_an_empty_section_of_an_included_file_is_empty(tmp_path):
    write(tmp_path, "actors:\nchannels: {}\n", "partners.yaml")
    path = write(tmp_path, "include: [./partners.yaml]\n" + BASE)
    assert list(load_scenario(path).scenario.actors) == ["hicon", "certa", "certb"]


# --- 2. the ids require: each makes --------------------------------------------------

EACH = "  - {id: E1, actors: [certa, certb], require: each, action: acknowledge, incident: i, " \
    "within: 4h, contingency: C1}\n"


def expectations(text: str, lines: str) -> str:
    head, _, _ = text.partition("expectations:\n")
    return head + "expectations:\n" + lines


def test_an_id_that_require_each_also_makes_is_an_error_at_its_line(tmp_path):
    plain = "  - {id: E1.certa, actors: [certa], action: acknowledge, incident: i, within: 4h}\n"
    text = expectations(BASE, EACH + plain)
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:{at(text, 'id: E1,', 4)}: expectations[0].id: require: each scores "
        "expectation 'E1' as 'E1.certa' for certa, the id of expectations[1]; rename one "
        "of them"]
    # in the other order, the same problem at the expectation that is split
    text = expectations(BASE, plain + EACH)
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:{at(text, 'id: E1,', 4)}: expectations[1].id: require: each scores "
        "expectation 'E1' as 'E1.certa' for certa, the id of expectations[0]; rename one "
        "of them"]


def test_an_id_two_split_expectations_both_make_is_an_error(tmp_path):
    text = BASE.replace("  certb: {name: CERT-B", "  a.certb: {name: CERT-B2, kind: victim, "
                        "timezone: UTC, contacts: {}}\n  certb: {name: CERT-B")
    text = expectations(text, EACH.replace("[certa, certb]", "[certa, a.certb]")
                        + EACH.replace("id: E1,", "id: E1.a,").replace(", contingency: C1", ""))
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:{at(text, 'id: E1.a,', 4)}: expectations[1].id: require: each scores "
        "expectation 'E1.a' as 'E1.a.certb' for certb, as expectations[0] is for a.certb; "
        "rename one of them"]


def test_a_team_member_split_out_is_checked_too(tmp_path):
    plain = "  - {id: E1.certb, actors: [certb], action: acknowledge, incident: i, within: 4h}\n"
    text = expectations(BASE, EACH.replace("[certa, certb]", "[both]") + plain) \
        + "teams:\n  both: [certa, certb]\n"
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{at(text, 'id: E1,', 4)}: expectations[0].id: ")
    assert "as 'E1.certb' for certb, the id of expectations[1]" in problem


def test_an_actor_listed_twice_is_an_error_at_its_line(tmp_path):
    text = expectations(BASE, EACH.replace("[certa, certb]", "[certa, certb, certa]"))
    path = write(tmp_path, text)
    col = text.splitlines()[line_of(text, "id: E1,") - 1].index("certa]") + 1
    assert problems(path) == [
        f"{path}:{line_of(text, 'id: E1,')}:{col}: expectations[0].actors[2]: 'certa' is "
        "already listed in actors[0]; list each actor once"]


def test_a_split_expectation_whose_ids_are_unique_runs(tmp_path):
    from sim.engine.core import Engine

    path = write(tmp_path, expectations(BASE, EACH))
    log = Engine(load_scenario(path), seed=1).run()
    assert log is not None


# --- 3. teams and points of contact --------------------------------------------------


def test_an_inject_to_a_team_checks_each_member_s_contact(tmp_path):
    text = BASE.replace("    to: [certa]\n    via: phone\n    incident: {id: i, type",
                        "    to: [hicon, pair]\n    via: phone\n    incident: {id: i, type") \
        + "teams:\n  pair: [certa, certb]\n"
    path = write(tmp_path, text)
    col = text.splitlines()[line_of(text, "[hicon, pair]") - 1].index("pair]") + 1
    assert problems(path) == [
        f"{path}:{line_of(text, '[hicon, pair]')}:{col}: injects[0].to[1]: team 'pair': actor "
        "'certb' has no point of contact on channel 'phone' (it has: email)"]
    # as the same actors listed one by one are
    direct = write(tmp_path, text.replace("[hicon, pair]", "[hicon, certa, certb]"), "d.yaml")
    assert [p.split(": ", 2)[-1] for p in problems(direct)] == [
        "actor 'certb' has no point of contact on channel 'phone' (it has: email)"]


def test_a_team_chosen_by_kind_is_checked_too(tmp_path):
    text = BASE.replace("    to: [certa]\n    via: phone\n    incident: {id: i, type",
                        "    to: certs\n    via: phone\n    incident: {id: i, type") \
        + "teams:\n  certs: {kind: [national_cert]}\n"
    [problem] = problems(write(tmp_path, text))
    assert problem.endswith("injects[0].to: team 'certs': actor 'certb' has no point of "
                            "contact on channel 'phone' (it has: email)")


def test_a_rule_to_a_team_checks_each_member_s_contact(tmp_path):
    text = BASE.replace("        to: [certa]\n        channel: email",
                        "        to: [pair]\n        channel: phone") \
        + "teams:\n  pair: [certa, certb]\n"
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}:{line_of(text, 'to: [pair]')}:14: frameworks.fw.rules.tell.to[0]: team "
        "'pair': actor 'certb' has no point of contact on phone (it has: email)"]
    # a fallback channel it has will do, as for an actor named directly
    fine = write(tmp_path, text.replace("channel: phone", "channel: phone\n        "
                                        "fallback: [email]"), "f.yaml")
    assert load_scenario(fine).scenario.teams
    # and a selector is left to the run, as before
    sel = write(tmp_path, text.replace("to: [pair]", "to: [affected_certs]"), "sel.yaml")
    assert load_scenario(sel).scenario.teams


# --- 4. an inject on a day off, when the on-call officer takes it --------------------

WEEKEND = """\
drill:
  id: weekend
  title: Weekend
  start: "2026-09-19T09:00:00+08:00"   # a Saturday
  duration: 8h
  public_holidays: false
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {phone: {address: "+65 1"}, email: {address: h@x}}}
  certa:
    name: CERT-A
    kind: national_cert
    country: MY
    timezone: Asia/Kuala_Lumpur
    working_hours: "08:00-17:00"
    contacts: {phone: {address: "+60 1"}, email: {address: a@x}}
    on_call: {channels: [phone], min_severity: high, answer_after: 20m}
channels:
  email: {kind: email, latency: 5m}
  phone: {kind: phone, latency: 1m}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certa]
    via: phone
    incident: {id: r, type: ransomware, severity: critical, affected: [MY]}
expectations:
  - {id: E1, actors: [certa], action: acknowledge, incident: r, within: 2h}
"""


def day_off(tmp_path: Path, text: str) -> list[str]:
    loaded = load_scenario(write(tmp_path, text))
    return [f.message for f in lint(loaded) if f.code in ("inject-on-day-off",
                                                             "inject-on-holiday")]


def test_a_day_off_inject_the_on_call_officer_takes_says_so(tmp_path):
    assert day_off(tmp_path, WEEKEND) == [
        "inject 1 reaches CERT-A on a Saturday, not a working day in its week; its on-call "
        "officer takes it after about 20m (the office reopens Mon 21 Sep 08:00 local)"]


def test_a_public_holiday_inject_the_on_call_officer_takes_says_so(tmp_path):
    # Malaysia Day, Wednesday 16 September 2026
    text = WEEKEND.replace("2026-09-19T09:00", "2026-09-16T09:00").replace(
        "public_holidays: false", "public_holidays: true")
    assert day_off(tmp_path, text) == [
        "inject 1 reaches CERT-A on Malaysia Day (Wed 16 Sep), a public holiday in MY; its "
        "on-call officer takes it after about 20m (the office reopens Thu 17 Sep 08:00 local)"]


@pytest.mark.parametrize(("old", "new"), [("via: phone\n    incident", "via: email\n    incident"),
                                          ("severity: critical", "severity: medium")])
def test_a_day_off_inject_the_on_call_officer_leaves_waits(tmp_path, old, new):
    assert day_off(tmp_path, WEEKEND.replace(old, new)) == [
        "inject 1 reaches CERT-A on a Saturday, not a working day in its week; it waits "
        "until Mon 21 Sep 08:00 local"]


def test_explain_shows_the_on_call_officer_taking_a_day_off_inject(tmp_path):
    text = explain(load_scenario(write(tmp_path, WEEKEND)).scenario)
    assert "Sat 19 Sep 09:30 +08  OFF duty until Mon 08:00; on call takes it after " \
        "about 20m" in text
    text = explain(load_scenario(write(tmp_path, WEEKEND.replace(
        "severity: critical", "severity: medium"))).scenario)
    assert "Sat 19 Sep 09:30 +08  OFF duty until Mon 08:00\n" in text


# --- 5. the format reference's examples and the wording of id problems --------------


def test_the_received_example_of_the_reference_validates_as_written(tmp_path):
    described = Condition.model_fields["received"].description or ""
    found = re.search(r"e\.g\. (\[.*?\])", described)
    assert found is not None
    example = found.group(1)
    assert f"e.g. {example}" in reference_markdown()
    first, second = (str(i) for i in yaml.safe_load(example))
    # a scenario with injects of those ids, and a rule that waits for them as written
    text = BASE.replace('id: "1"', f"id: {json.dumps(first)}").replace(
        "C1", second).replace("        on: [inject]\n",
                              f"        on: [inject]\n        when: {{received: {example}}}\n")
    rule = load_scenario(write(tmp_path, text)).scenario.rules()["tell"][1]
    assert rule.when.received == [first, second]


def test_an_id_that_does_not_start_with_a_letter_or_digit_says_so(tmp_path):
    text = BASE.replace("C1", "_C1").replace("{id: E1,", "{id: .E1,")
    found = [p.split(": ", 1)[-1] for p in problems(write(tmp_path, text))]
    rule = "is not a valid id: an id starts with a letter or a digit"
    assert found == [f"injects[1].id: '_C1' {rule}",
                     f"expectations[0].id: '.E1' {rule}",
                     f"expectations[0].contingency: '_C1' {rule}"]


def test_the_reference_and_tutorial_give_the_rule_for_ids():
    docs = Path(__file__).resolve().parent.parent / "docs"
    for name in ("scenario-format.md", "tutorial.md"):
        text = " ".join((docs / name).read_text(encoding="utf-8").split())
        assert "starting with a letter or a digit" in text, name


def test_a_number_where_an_id_belongs_gets_the_hint_to_quote_it(tmp_path):
    text = BASE.replace('id: "1"', "id: 1").replace(
        "        on: [inject]\n", "        on: [inject]\n        when: {received: [1]}\n")
    found = [p.split(": ", 1)[-1] for p in problems(write(tmp_path, text))]
    assert found == [
        'frameworks.fw.rules.tell.when.received[0]: expected text, got a number; quote an id '
        'that looks like a number: "1"',
        'injects[0].id: expected text, got a number; quote an id that looks like a number: '
        '"1"']
    # text that is not an id gets no such hint
    [title] = problems(write(tmp_path, BASE.replace("title: Authoring checks", "title: 31")))
    assert title.endswith("drill.title: expected text, got a number")


def test_an_id_over_64_characters_is_worded_as_the_other_problems(tmp_path):
    long_id = "asean-cert-incident-drill-2026-banking-trojan-cross-border-takedown"
    assert len(long_id) == 67
    found = problems(write(tmp_path, BASE.replace("id: authoring-checks", f"id: {long_id}")))
    assert [p.split(": ", 2)[-1] for p in found] == [
        f"{long_id!r} is too long for an id: it has 67 characters, at most 64"]
    [empty] = problems(write(tmp_path, BASE.replace('id: "1"', 'id: ""')))
    assert empty.endswith("injects[0].id: an id cannot be empty")
