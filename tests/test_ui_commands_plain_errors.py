"""The commands that open the terminal UI print their errors as plain text too.

A journal's name is untrusted (anyone may leave a file in a shared journals folder):
before the UI starts, ``drill play --resume`` and ``drill review`` may have to say why a
journal cannot be opened, and its name must reach the terminal as escapes, not as
control sequences that retitle or clear the facilitator's terminal.
"""

from __future__ import annotations

import pytest

from sim.cli import main

NAME = "drill\x1b]0;owned\x07\x1b[2J.journal.sqlite"


@pytest.mark.parametrize("argv", [["play", "--resume"], ["review"]])
def test_a_journal_name_with_control_characters_is_shown_as_escapes(argv, tmp_path, capfd):
    journal = tmp_path / NAME
    journal.write_text("not a journal")
    assert main([*argv, str(journal)]) == 2
    err = capfd.readouterr().err
    assert "not a drill journal" in err
    assert "\x1b" not in err and "\x07" not in err
    assert "drill\\x1b]0;owned\\x07\\x1b[2J.journal.sqlite" in err
