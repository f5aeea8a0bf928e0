"""One writer per journal, whatever name it is reached by: a symbolic link, a hard link,
or a new name given to it while a drill writes to it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from conftest import one_error_line

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import load_review
from sim.cli import EXIT_CANNOT_RUN, main
from sim.engine import Action
from sim.runs import session as sessions
from sim.runs.session import DrillSession, Journal, JournalBusy, JournalError


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(resolve_scenario_arg("tutorial"))


@pytest.fixture
def journal(tutorial, tmp_path) -> Path:
    """A closed journal: SingCERT played by a person, stopped at T+00:30."""
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=path)
    s.advance_to(30)
    s.close()
    return path


def _notes(path: Path) -> list[str]:
    j = Journal.open(path, readonly=True)
    try:
        return [n.text for n in j.read().notes]
    finally:
        j.close()


def test_a_journal_in_use_is_refused_through_a_symbolic_link(journal, tmp_path, capsys):
    alias = tmp_path / "alias.journal.sqlite"
    alias.symlink_to(journal.name)
    first = DrillSession.resume(journal)
    try:
        with pytest.raises(JournalBusy) as second:
            DrillSession.resume(alias)
        holder = f"process {os.getpid()} on {socket.gethostname()} (since "
        assert str(second.value).startswith(f"{alias}: the journal is in use by {holder}")
        capsys.readouterr()
        assert main(["play", "--resume", str(alias)]) == EXIT_CANNOT_RUN
        assert one_error_line(capsys).startswith(f"{alias}: the journal is in use by {holder}")
        # the first writer goes on recording, and loses nothing
        first.advance_to(60)
        first.add_note("kept")
    finally:
        first.close()
    assert _notes(journal) == ["kept"]
    # once it is closed, the drill carries on through the link, in the journal itself
    again = DrillSession.resume(alias)
    assert again.now == 60
    again.act(Action("singcert", "acknowledge", "phish"))
    again.close()
    assert [c.kind for c in Journal.open(journal, readonly=True).commands()] == ["act"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("alias.journal.sqlite-")]


@pytest.mark.skipif(sessions._OFD_SETLK is None,
                    reason="only Linux locks the journal file itself (not by its name)")
def test_a_journal_renamed_while_in_use_takes_no_second_writer(journal, tmp_path):
    first = DrillSession.resume(journal)
    try:
        moved = tmp_path / "moved.journal.sqlite"
        os.rename(journal, moved)
        with pytest.raises(JournalBusy, match="the journal is in use by"):
            DrillSession.resume(moved)
        first.add_note("kept")
    finally:
        first.close()
    assert _notes(moved) == ["kept"]


def test_a_journal_with_a_hard_link_is_not_written(journal, tmp_path, capsys):
    hard = tmp_path / "hard.journal.sqlite"
    os.link(journal, hard)
    for name in (journal, hard):
        with pytest.raises(JournalBusy) as refused:
            DrillSession.resume(name)
        assert str(refused.value) == (
            f"{name}: the journal has another name (a hard link), through which a second "
            "drill could write to it at the same time; copy it to a file of its own and "
            "resume the copy")
        capsys.readouterr()
        assert main(["play", "--resume", str(name)]) == EXIT_CANNOT_RUN
        assert one_error_line(capsys) == str(refused.value)
    # it is still read; the review opens it without writing to it
    assert main(["report", str(hard), "--runs", "0"]) == 0
    assert "# After-action report" in capsys.readouterr().out
    _review, j = load_review(hard)
    try:
        assert not j.writable
        with pytest.raises(JournalError, match="the rating is not saved"):
            j.set_rating("E1", "P", "")
    finally:
        j.close()
    # a copy of its own carries on
    os.unlink(hard)
    DrillSession.resume(journal).close()
