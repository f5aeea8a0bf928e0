"""Lint on channels that carry only artefact passwords, and on contingency injects fired
when an expectation is met or a message for it is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring.lint import lint
from sim.engine import Engine

TUTORIAL = bundled_dir() / "tutorial.yaml"


def codes(path: Path) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in lint(load_scenario(path))]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-drill.yaml"
    path.write_text(text)
    return path


# --- a channel that carries only passwords ---------------------------------------------

#: the tutorial with phone used by nothing: C1 goes by e-mail, and no rule falls back
NO_PHONE = (TUTORIAL.read_text()
            .replace("        fallback: [phone]          # chased by phone if e-mail goes "
                     "unanswered\n", "")
            .replace("    via: phone\n", "    via: email\n"))


def test_a_channel_nothing_uses_is_still_reported(tmp_path):
    found = codes(write(tmp_path, NO_PHONE))
    assert ("unused-channel", "channels.phone") in found
    assert ("unused-contact", "actors.singcert.contacts.phone") in found


def test_a_channel_that_carries_an_artefact_password_is_used(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "note.txt").write_text("a ransom note\n")
    path = write(tmp_path, NO_PHONE.replace(
        "    artefacts: [pdns-203.0.113.45.csv]",
        "    artefacts:\n      - {file: evidence/note.txt, "
        "protected: {password_via: phone, password: pw-2026}}"))
    # the password does go by phone
    log = Engine(load_scenario(path), seed=0).run()
    assert {e.details["channel"] for e in log if e.type == "password_delivered"} == {"phone"}
    found = codes(path)
    assert not [c for c in found if c[0] in ("unused-channel", "unused-contact")
                and c[1].endswith("phone")]


def test_an_outage_of_a_channel_that_carries_only_passwords_can_matter(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "note.txt").write_text("a ransom note\n")
    text = NO_PHONE.replace(
        "    artefacts: [pdns-203.0.113.45.csv]",
        "    artefacts:\n      - {file: evidence/note.txt, "
        "protected: {password_via: phone, password: pw-2026}}")
    text = text.replace("\ninjects:\n", "\noutages:\n  - {channel: phone, start: T+02:00, "
                        "end: T+04:00}\n\ninjects:\n", 1)
    assert "outage-unused-channel" not in [c for c, _ in codes(write(tmp_path, text))]
    assert "outage-unused-channel" in [c for c, _ in codes(write(tmp_path, text.replace(
        "password_via: phone", "password_via: email")))]


# --- contingencies fired by a met expectation or a lost message -------------------------


def with_c2(fired_by: str) -> str:
    """The tutorial with E2 due at T+09:30, after the drill's 8 hours, and naming a second
    contingency inject C2 as its ``fired_by``."""
    c2 = ("  - id: C2\n    type: contingency\n    sender: hicon\n    to: [mycert]\n"
          "    via: email\n    tlp: GREEN\n    title: \"HiCON: the provider has it\"\n"
          "    incident: {id: phish}\n")
    text = TUTORIAL.read_text()
    text = text.replace("\n# --- 6. Expectations", "\n" + c2 + "\n# --- 6. Expectations", 1)
    e2 = ("    within: 4h\n    score: 5\n    objective: O2\n")
    assert text.count(e2) == 1
    return text.replace(e2, f"    within: 9h\n    score: 5\n    objective: O2\n"
                            f"    {fired_by}: C2\n")


@pytest.mark.parametrize("fired_by", ["on_met", "on_lost"])
def test_a_contingency_fired_before_its_expectation_falls_due_can_trigger(tmp_path, fired_by):
    path = write(tmp_path, with_c2(fired_by))
    assert ("contingency-never-triggers", "injects[3].id") not in codes(path)
    if fired_by == "on_met":  # and it does: E2 is met, then C2 goes out
        log = Engine(load_scenario(path), seed=0).run()
        assert any(e.type == "expectation_met" and e.details["expectation"] == "E2"
                   for e in log)
        assert any(e.type == "inject_delivered" and e.details["inject"] == "C2" for e in log)


@pytest.mark.parametrize("fired_by", ["contingency", "on_late"])
def test_a_contingency_fired_only_once_its_expectation_falls_due_after_the_end(
        tmp_path, fired_by):
    found = codes(write(tmp_path, with_c2(fired_by)))
    assert ("contingency-never-triggers", "injects[3].id") in found
