"""The inject that must give an incident's type is the first to fire, not the first listed."""

from __future__ import annotations

import textwrap

import pytest

from scenarios.loader import ScenarioError, load_scenario

HEAD = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: order
  title: list order vs time order
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
injects:
"""


def _inject(iid: str, when: str, incident: str, extra: str = "") -> str:
    return textwrap.indent(textwrap.dedent(f"""\
        - id: "{iid}"
          {when}
          sender: hicon
          to: [thaicert]
          via: email
          tlp: GREEN
          title: Inject {iid}
          incident: {incident}
        """) + extra, "  ")


TYPED = "{id: x, type: ransomware, severity: high, affected: [TH, LA], hosted_in: [KH]}"


def load(tmp_path, injects: str, expectations: str = ""):
    path = tmp_path / "s.yaml"
    exps = expectations or ("  - {id: E1, actors: [thaicert], action: escalate, target: ansac, "
                            "incident: x, within: 2h}\n")
    path.write_text(HEAD + injects + "expectations:\n" + exps, encoding="utf-8")
    return load_scenario(path)


def problems(tmp_path, injects: str, expectations: str = "") -> list[tuple[int, str, str]]:
    with pytest.raises(ScenarioError) as err:
        load(tmp_path, injects, expectations)
    return [(p.mark.line, p.path, p.message) for p in err.value.problems]


def test_an_update_listed_first_but_due_later_needs_no_type(tmp_path):
    # the review's order.yaml: inject "2" (no type) is listed before "1" but due after it
    loaded = load(tmp_path, _inject("2", "at: T+02:00", "{id: x}")
                  + _inject("1", "at: T+00:30", TYPED))
    assert [i.id for i in loaded.scenario.injects] == ["2", "1"]


def test_an_inject_listed_later_but_due_first_must_give_the_type(tmp_path):
    # the review's order2.yaml: A gives the type at T+05:00, B opens the incident at T+01:00
    found = problems(tmp_path, _inject("A", "at: T+05:00", TYPED)
                     + _inject("B", "at: T+01:00", "{id: x}"))
    assert found == [(
        23, "injects[1].incident.type",
        "the first inject about incident 'x' must give its type: the incident opens with the "
        "earliest of its injects, and this one (at T+01:00) is due before inject 'A' gives "
        "it at T+05:00",
    )]


def test_at_the_same_time_the_inject_listed_first_fires_first(tmp_path):
    load(tmp_path, _inject("A", "at: T+01:00", TYPED) + _inject("B", "at: T+01:00", "{id: x}"))
    found = problems(tmp_path, _inject("B", "at: T+01:00", "{id: x}")
                     + _inject("A", "at: T+01:00", TYPED))
    assert [(p, m.split(":")[0]) for _, p, m in found] == [
        ("injects[0].incident.type", "the first inject about incident 'x' must give its type")]


def test_a_conditional_inject_may_be_skipped_so_it_does_not_count(tmp_path):
    found = problems(tmp_path, _inject("A", "at: T+00:30", TYPED, "  when: {missed: [E1]}\n")
                     + _inject("B", "at: T+03:00", "{id: x}"))
    assert [p for _, p, _ in found] == ["injects[1].incident.type"]


def test_an_after_action_inject_fires_after_the_first_inject_of_the_drill(tmp_path):
    # an action answers what has arrived: after the incident opened at T+00:00
    load(tmp_path, _inject("A", "at: T+00:00", TYPED)
         + _inject("B", "after_action: {action: notify}", "{id: x}"))
    # but it may come before a type given later (another incident opened first)
    other = "{id: y, type: phishing, severity: low, affected: [TH]}"
    found = problems(tmp_path, _inject("Y", "at: T+00:00", other)
                     + _inject("A", "at: T+05:00", TYPED)
                     + _inject("B", "after_action: {action: notify}", "{id: x}"))
    assert [(p, m) for _, p, m in found] == [(
        "injects[2].incident.type",
        "the first inject about incident 'x' must give its type: the incident opens with "
        "whichever of its injects fires first, and this after_action inject may fire before "
        "inject 'A' gives it at T+05:00",
    )]
    # an action on the incident itself comes after it opened
    load(tmp_path, _inject("Y", "at: T+00:00", other) + _inject("A", "at: T+05:00", TYPED)
         + _inject("B", "after_action: {action: notify, incident: x}", "{id: x}"))


def test_a_contingency_fires_no_earlier_than_its_expectations_anchor(tmp_path):
    cont = _inject("C", "type: contingency", "{id: x}")
    other = "{id: y, type: phishing, severity: low, affected: [TH]}"
    late = "  - {id: E1, actors: [thaicert], action: escalate, incident: y, after: Y, within: 1h, " \
           "contingency: C}\n"
    # anchored at T+00:10 (inject Y): it may fire before A gives the type at T+05:00
    found = problems(tmp_path, _inject("Y", "at: T+00:10", other)
                     + _inject("A", "at: T+05:00", TYPED) + cont, late)
    assert [p for _, p, _ in found] == ["injects[2].incident.type"]
    assert "this contingency inject may fire before inject 'A'" in found[0][2]
    # anchored at T+06:00: A has opened the incident by then
    load(tmp_path, _inject("Y", "at: T+06:00", other) + _inject("A", "at: T+05:00", TYPED)
         + cont, late)
    # counted from its own incident's opening: surely later
    load(tmp_path, _inject("A", "at: T+05:00", TYPED) + cont,
         "  - {id: E1, actors: [thaicert], action: escalate, incident: x, within: 1h, "
         "contingency: C}\n")
