"""One mistake in a reference is one problem: a misspelt 'after' does not make a
contingency inject's incident type look missing too, and an id that is not valid is
not reported a second time as an unknown one; a display name written for an id is
answered with the id."""

from __future__ import annotations

import csv

import pytest

from scenarios.loader import ScenarioError, load_scenario
from sim.cli import EXIT_INVALID, main

SCENARIO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: once
  title: One problem per mistake
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certph]
    via: email
    incident: {id: phish, type: phishing, severity: medium, affected: [PH], hosted_in: [TH]}
  - id: "3"
    at: T+04:00
    sender: hicon
    to: [certph]
    via: email
    incident: {id: phish, crime_suspected: true}
  - id: C2
    type: contingency
    delay: 0m
    sender: hicon
    to: [certph]
    via: phone
    incident: {id: phish}
expectations:
  - id: E4
    actors: [certph]
    action: refer_police
    target: national_police
    incident: phish
    after: "3"
    within: 2h
    contingency: C2
"""


def problems(tmp_path, text: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return [(p.mark.line if p.mark else 0, p.path, p.message) for p in err.value.problems]


def imported(tmp_path, capsys, edit) -> list[str]:
    """What ``drill msel import`` says of the scenario's own MSEL, exported and then
    changed by ``edit`` (on its rows, header first)."""
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    sheet = tmp_path / "msel.csv"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == 0
    with open(sheet, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(sheet, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    capsys.readouterr()
    assert main(["msel", "import", str(sheet), "--into", str(path)]) == EXIT_INVALID
    return capsys.readouterr().err.splitlines()


def test_the_base_scenario_is_sound(tmp_path):
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    load_scenario(path)


# --- an 'after' that names no inject -----------------------------------------------


def test_a_misspelt_after_is_one_problem(tmp_path):
    assert problems(tmp_path, SCENARIO.replace('after: "3"', 'after: "5"')) == [
        (33, "expectations[0].after", "'after' is 'incident' or an inject id; no inject '5'"),
    ]


def test_an_inject_renumbered_in_the_msel_is_one_problem(tmp_path, capsys):
    def renumber(rows: list[list[str]]) -> None:
        row = next(r for r in rows if r[0] == "3")
        row[0] = "3a"

    lines = imported(tmp_path, capsys, renumber)
    assert len(lines) == 2, lines
    assert lines[0].endswith("expectations[0].after: 'after' is 'incident' or an inject "
                             "id; no inject '3'")
    assert lines[1].startswith("1 problem found")


def test_a_contingency_that_may_fire_first_still_needs_the_type(tmp_path):
    # anchored on an inject about another incident, at T+04:00, the contingency may
    # fire at T+06:00, before inject 1 gives the type at T+07:00
    text = SCENARIO.replace("at: T+00:30", "at: T+07:00").replace(
        "incident: {id: phish, crime_suspected: true}",
        "incident: {id: other, type: phishing, severity: low, affected: [PH]}")
    found = {path: message for _, path, message in problems(tmp_path, text)}
    assert "must give its type" in found["injects[2].incident.type"]


# --- an id that is not valid, used as a reference ---------------------------------


def test_a_display_name_for_a_recipient_is_one_problem_naming_the_id(tmp_path):
    text = SCENARIO.replace("to: [certph]\n    via: email\n    incident: {id: phish, type",
                            "to: [CERT PH]\n    via: email\n    incident: {id: phish, type")
    [(line, path, message)] = problems(tmp_path, text)
    assert (line, path) == (11, "injects[0].to[0]")
    assert message.startswith("unknown actor 'CERT PH'; did you mean 'certph'")
    assert "CERT-PH" in message  # its name, which is what was written


def test_a_display_name_for_the_sender_is_one_problem_naming_the_id(tmp_path):
    text = SCENARIO.replace("sender: hicon", "sender: Exercise control (HiCON)", 1)
    [(line, path, message)] = problems(tmp_path, text)
    assert (line, path) == (10, "injects[0].sender")
    assert "did you mean 'hicon'" in message


def test_a_valid_id_that_is_a_display_name_is_answered_with_the_id(tmp_path):
    text = SCENARIO.replace("sender: hicon", "sender: MyCERT", 1)
    [(_, path, message)] = problems(tmp_path, text)
    assert path == "injects[0].sender"
    assert message.startswith("unknown actor 'MyCERT'; did you mean 'mycert'")


def test_an_invalid_id_that_names_nothing_is_one_problem(tmp_path):
    text = SCENARIO.replace("sender: hicon", "sender: Bank SOC", 1)
    assert problems(tmp_path, text) == [(10, "injects[0].sender", "unknown actor 'Bank SOC'")]


def test_an_invalid_id_where_nothing_is_named_is_still_reported(tmp_path):
    # an inject's own id names nothing: that it is not a valid id is the problem
    text = SCENARIO.replace('id: "3"', 'id: "3 b"')
    found = problems(tmp_path, text)
    assert (14, "injects[1].id",
            "'3 b' is not a valid id (letters, digits, '-', '_' and '.')") in found


def test_an_invalid_id_in_a_sheet_is_one_problem(tmp_path, capsys):
    def sender(rows: list[list[str]]) -> None:
        col = rows[0].index("Sender")
        next(r for r in rows if r[0] == "3")[col] = "_hicon"

    lines = imported(tmp_path, capsys, sender)
    assert len(lines) == 2, lines
    assert "unknown actor '_hicon'; did you mean 'hicon'?" in lines[0]


def test_a_rule_naming_a_display_name_is_still_reported(tmp_path):
    # a rule's recipients are not ids to the format: the reference check alone says it
    text = SCENARIO + """\
frameworks:
  cert-cooperation:
    rules:
      request-foreign-takedown: {to: [CERT PH]}
"""
    [(_, path, message)] = problems(tmp_path, text)
    assert path == "frameworks.cert-cooperation.rules.request-foreign-takedown.to[0]"
    assert "'CERT PH' is neither an actor" in message
    assert "did you mean 'certph'" in message


def test_an_empty_id_is_one_problem(tmp_path):
    text = SCENARIO.replace("sender: hicon", 'sender: ""', 1)
    assert problems(tmp_path, text) == [(10, "injects[0].sender", "an id cannot be empty")]
