"""`drill validate` points at an author's slip, at its line and column, in one clear
line: an override under a misspelt id, a contingency fired by an expectation about
another incident, a team's country without public holidays, a tab in the
indentation, and a duration written as true."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from scenarios.loader import ScenarioError, load_scenario
from scenarios.model import HOLIDAY_COUNTRIES


def template(name: str) -> str:
    """A bundled template as ``drill new`` writes it."""
    text = (resources.files("scenarios.templates") / f"{name}.yaml").read_text(
        encoding="utf-8")
    return text.replace("__ID__", "slips").replace("__TITLE__", "Slips")


def problems(tmp_path: Path, text: str, name: str = "s.yaml") -> list[str]:
    """Every problem `drill validate` reports for ``text``, as it prints them."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def at(text: str, line_text: str, key: str) -> str:
    """``line:col`` of ``key`` on the line ``line_text`` of ``text``."""
    lines = text.splitlines()
    n = lines.index(line_text)
    return f"{n + 1}:{lines[n].index(key) + 1}"


# --- an override under a misspelt id ------------------------------------------------

MISSPELT = """
actors:
  thaicertt:
    contacts:
      email:
        address: old-incident@thaicert.drill.example
        stale: true
channels:
  emial: {loss: 0.2}

injects:
"""


def _misspelt_overrides() -> str:
    text = template("regional-ddos")
    text = text.replace("      escalate-to-ansac: {deadline: 2h}",
                        "      escalate-to-asean: {deadline: 2h}")
    return text.replace("\ninjects:\n", MISSPELT, 1)


def test_a_misspelt_override_is_one_problem_at_its_key_with_the_id_meant(tmp_path):
    text = _misspelt_overrides()
    path = tmp_path / "s.yaml"
    rule = "      escalate-to-asean: {deadline: 2h}   # CHANGE: your own target"
    assert problems(tmp_path, text) == [
        f"{path}:{at(text, rule, 'escalate')}: "
        "frameworks.ansac-coordination.rules.escalate-to-asean: not a rule of the included "
        "files, and not a whole one (it lacks by, action); did you mean 'escalate-to-ansac'?",
        f"{path}:{at(text, '  thaicertt:', 'thaicertt')}: actors.thaicertt: not an actor of "
        "the included files, and not a whole one (it lacks name, kind, timezone); did you "
        "mean 'thaicert'?",
        f"{path}:{at(text, '  emial: {loss: 0.2}', 'emial')}: channels.emial: not a channel "
        "of the included files, and not a whole one (it lacks kind, latency); did you mean "
        "'email'?",
    ]


def test_a_partial_entry_like_no_included_id_says_what_it_lacks(tmp_path):
    text = template("regional-ddos").replace("\ninjects:\n", """
actors:
  zz-brand-new:
    contacts: {email: {address: soc@bank.drill.example}}

injects:
""", 1)
    path = tmp_path / "s.yaml"
    assert problems(tmp_path, text) == [
        f"{path}:{at(text, '  zz-brand-new:', 'zz')}: actors.zz-brand-new: not an actor of "
        "the included files, and not a whole one (it lacks name, kind, timezone)"]


def test_an_override_of_a_library_id_whose_file_is_not_included_names_the_file(tmp_path):
    text = template("regional-ddos").replace("\ninjects:\n", """
actors:
  thaicert:
    contacts: {email: {address: new@thaicert.drill.example}}

injects:
""", 1).replace("include: [asean/actors, asean/channels, asean/frameworks]",
                "include: [asean/channels]")
    found = [p for p in problems(tmp_path, text) if "actors.thaicert" in p]
    assert found == [
        f"{tmp_path / 's.yaml'}:{at(text, '  thaicert:', 'thaicert')}: actors.thaicert: not "
        "an actor of the included files, and not a whole one (it lacks name, kind, "
        "timezone); asean/actors defines it: include that file"]


def test_a_misspelt_framework_is_one_problem_not_one_per_rule(tmp_path):
    text = template("regional-ddos").replace("  ansac-coordination:\n    rules:\n",
                                             "  ansac-coordinaton:\n    rules:\n", 1)
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{at(text, '  ansac-coordinaton:', 'ansac')}: "
        "frameworks.ansac-coordinaton: not a framework of the included files, and not a "
        "whole one (it lacks title); did you mean 'ansac-coordination'?"]


def test_a_rule_overridden_in_the_wrong_framework_names_its_framework(tmp_path):
    text = template("regional-ddos").replace("  ansac-coordination:\n    rules:\n",
                                             "  cert-cooperation:\n    rules:\n", 1)
    rule = "      escalate-to-ansac: {deadline: 2h}   # CHANGE: your own target"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{at(text, rule, 'escalate')}: "
        "frameworks.cert-cooperation.rules.escalate-to-ansac: not a rule of the included "
        "files, and not a whole one (it lacks by, action); it is a rule of framework "
        "'ansac-coordination': override it there"]


def test_a_misspelt_membership_is_one_problem(tmp_path):
    text = template("law-enforcement").replace(
        "\ninjects:\n", "\nmemberships:\n  budapst: {countries: [PH, JP]}\n\ninjects:\n", 1)
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{at(text, '  budapst: {countries: [PH, JP]}', 'budapst')}: "
        "memberships.budapst: not a membership of the included files, and not a whole one "
        "(it lacks title); did you mean 'budapest'?"]


def test_a_misspelt_override_in_an_included_file_is_one_problem_at_its_key(tmp_path):
    # the organiser's own directory file includes the library and overrides a CERT of it
    (tmp_path / "my-directory.yaml").write_text(
        "include: [asean/actors]\nactors:\n  thaicret:\n    contacts:\n"
        "      email: {stale: true}\n", encoding="utf-8")
    text = template("cert-takedown").replace(
        "include: [asean/actors, asean/channels, asean/frameworks]",
        "include: [./my-directory.yaml, asean/channels, asean/frameworks]")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'my-directory.yaml'}:3:3: actors.thaicret: not an actor of the "
        "included files, and not a whole one (it lacks name, kind, timezone); did you mean "
        "'thaicert'?"]


def test_an_override_in_an_included_file_of_what_its_own_includes_define_is_valid(tmp_path):
    (tmp_path / "my-directory.yaml").write_text(
        "include: [asean/actors]\nactors:\n  thaicert:\n    contacts:\n"
        "      email: {stale: true}\n", encoding="utf-8")
    text = template("cert-takedown").replace(
        "include: [asean/actors, asean/channels, asean/frameworks]",
        "include: [./my-directory.yaml, asean/channels, asean/frameworks]")
    assert problems(tmp_path, text) == []


def test_a_partial_distribution_under_a_misspelt_id_is_still_one_problem(tmp_path):
    text = template("cert-takedown").replace(
        "\nactors:\n", "\nactors:\n  thaicret:\n    policy:\n"
        "      ack_delay: {median: 2h}\n", 1)
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{at(text, '  thaicret:', 'thaicret')}: actors.thaicret: not "
        "an actor of the included files, and not a whole one (it lacks name, kind, "
        "timezone); did you mean 'thaicert'?"]


# --- a contingency fired by an expectation about another incident -------------------

SECOND_INCIDENT = """  - id: "5"
    at: T+02:00
    type: event
    sender: hicon
    to: [certph]
    via: email
    tlp: GREEN
    title: The same crew now floods the bank's site
    incident: {id: flood, type: ddos, severity: medium, affected: [PH]}
  # A contingency inject has no 'at'"""

E9 = """expectations:
  - {id: E9, description: CERT-PH acknowledges the flood report within 1h., actors: [certph],
     action: acknowledge, target: exercise_control, incident: flood, within: 1h, contingency: C1}
"""


def _fired_about_another_incident(opens_at: str) -> str:
    """The cert-takedown template with contingency C1 (about incident 'phish', which
    inject 1 opens at T+00:30) fired by a missed expectation on incident 'flood'."""
    text = template("cert-takedown")
    text = text.replace("  # A contingency inject has no 'at'",
                        SECOND_INCIDENT.replace("T+02:00", opens_at), 1)
    text = text.replace("    contingency: C1\n", "", 1)
    return text.replace("expectations:\n", E9, 1)


def test_a_contingency_fired_about_an_incident_that_opens_later_is_valid(tmp_path):
    assert problems(tmp_path, _fired_about_another_incident("T+02:00")) == []


def test_one_that_may_fire_before_its_own_incident_opens_is_still_refused(tmp_path):
    # the flood opens at T+00:05 and E9 is due at T+01:05: C1 may fire before inject 1
    # (T+00:30, twenty-five minutes later) gives the type of incident 'phish'
    text = _fired_about_another_incident("T+00:05")
    text = text.replace("within: 1h, contingency: C1", "within: 10m, contingency: C1")
    found = problems(tmp_path, text)
    assert len(found) == 1
    assert found[0].endswith("injects[3].incident.type: the first inject about incident "
                             "'phish' must give its type: the incident opens with whichever "
                             "of its injects fires first, and this contingency inject may "
                             "fire before inject '1' gives it at T+00:30")

def test_a_missed_expectation_fires_its_contingency_no_earlier_than_its_deadline(tmp_path):
    # the flood opens at T+00:05, but E9 is missed at T+01:05 at the earliest: by then
    # inject 1 (T+00:30) has given the type of incident 'phish'
    assert problems(tmp_path, _fired_about_another_incident("T+00:05")) == []


def test_the_contingency_s_delay_counts_towards_when_it_may_fire(tmp_path):
    # E9 is missed at T+00:15 at the earliest, and C1 fires 20 minutes later: T+00:35
    text = _fired_about_another_incident("T+00:05")
    text = text.replace("within: 1h, contingency: C1", "within: 10m, contingency: C1")
    assert problems(tmp_path, text.replace("    delay: 0m\n", "    delay: 20m\n", 1)) == []


def test_a_deadline_after_an_inject_of_another_incident_counts_its_within(tmp_path):
    # E9 counts from inject 5 (T+00:05, about the flood): missed at T+01:05 at the earliest
    text = _fired_about_another_incident("T+00:05")
    text = text.replace("incident: flood, within: 1h", 'incident: flood, after: "5", within: 1h')
    assert problems(tmp_path, text) == []


def test_a_contingency_fired_when_met_may_fire_as_soon_as_the_anchor(tmp_path):
    # met as soon as the flood opens at T+00:05, before inject 1 gives the type at T+00:30
    text = _fired_about_another_incident("T+00:05").replace(
        "within: 1h, contingency: C1", "within: 1h, on_met: C1")
    found = problems(tmp_path, text)
    assert len(found) == 1
    assert found[0].endswith("this contingency inject may fire before inject '1' gives it "
                             "at T+00:30")



def test_a_misspelt_incident_of_an_expectation_is_one_problem(tmp_path):
    text = template("cert-takedown")
    i = text.index("  - id: E1")
    j = text.index("incident: phish", i)
    text = text[:j] + "incident: phsih" + text[j + len("incident: phish"):]
    line = text[:j].count("\n") + 1
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{line}:15: expectations[0].incident: no inject opens "
        "incident 'phsih'; did you mean 'phish'?"]


# --- a team's country without public holidays ---------------------------------------

BANK = """
actors:
  bank-ph:
    name: BDO SOC (simulated)
    kind: victim
    country: PI
    timezone: Asia/Manila
    contacts:
      email: {address: soc@bank.drill.example}

injects:
"""


def test_a_country_without_public_holidays_is_refused_when_the_drill_takes_them(tmp_path):
    text = template("regional-ddos").replace("\ninjects:\n", BANK, 1)
    assert "  public_holidays: true" in text
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{at(text, '    country: PI', 'PI')}: actors.bank-ph.country: "
        "the holidays package has no public holidays for 'PI', and drill.public_holidays "
        "gives this team its country's; correct the country, or give the team "
        "public_holidays: false"]


def test_the_countries_known_to_have_holidays_are_the_package_s():
    # validate trusts them without importing the package
    holidays = pytest.importorskip("holidays")
    assert sorted(HOLIDAY_COUNTRIES - set(holidays.list_supported_countries())) == []
    assert "PI" not in HOLIDAY_COUNTRIES


def test_the_same_country_is_left_alone_when_the_team_takes_no_holidays(tmp_path):
    text = template("regional-ddos").replace("\ninjects:\n", BANK, 1)
    assert problems(tmp_path, text.replace("  public_holidays: true", "")) == []
    own = text.replace("    country: PI\n", "    country: PI\n    public_holidays: false\n")
    assert problems(tmp_path, own) == []


# --- a tab in the indentation ------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "col"), [
    ("\n    via: phone\n", "\n\tvia: phone\n", 1),
    ("\n    country: TH\n", "\n  \tcountry: TH\n", 3),
    ('\n  - id: "2"\n', '\n\t- id: "2"\n', 1),
    ('\n  - id: "2"\n', '\n  -\tid: "2"\n', 4),
    ("\n    via: phone\n", "\n    via: phone\n\t\n", 1),  # a line of only a tab
])
def test_a_tab_in_the_indentation_is_named(tmp_path, parser, old, new, col):
    text = template("cert-takedown").replace(old, new, 1)
    line = text[:text.index("\t")].count("\n") + 1
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{line}:{col}: invalid YAML: a tab in the indentation; YAML "
        "indents with spaces only: replace the tab with spaces"]


# --- a duration written as true ----------------------------------------------------


def test_a_duration_written_as_true_or_false_reads_as_such(tmp_path):
    text = template("cert-takedown")
    i = text.index("  - id: E1")
    j = text.index("within: 2h", i)
    text = text[:j] + "within: true" + text[j + len("within: 2h"):]
    line = text[:j].count("\n") + 1
    assert problems(tmp_path, text) == [
        f"{tmp_path / 's.yaml'}:{line}:13: expectations[0].within: expected a duration with "
        "a unit, like '30m' or '4h', got true"]
