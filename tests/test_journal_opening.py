"""Opening journals: a version set back to 1, a read-only file system, the order of
``drill journals``, copies of a journal taken mid-drill, and damaged journals."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import sql
from test_journal_hardening import read_only, rechain

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import load_review
from sim.cli import EXIT_INVALID, main
from sim.engine import Action
from sim.runs import session as sessions
from sim.runs.session import (
    DrillSession,
    Journal,
    JournalError,
    JournalInfo,
    is_journal,
    list_journals,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(resolve_scenario_arg("tutorial"))


@pytest.fixture(scope="module")
def finished(tutorial, tmp_path_factory) -> Path:
    """A closed journal of the tutorial run to its end by the model alone (seed 3)."""
    path = tmp_path_factory.mktemp("finished") / "f.journal.sqlite"
    s = DrillSession.start(tutorial, seed=3, journal_path=path)
    s.advance_to(tutorial.scenario.drill.duration)
    s.close()
    return path


@pytest.fixture
def journal(finished, tmp_path) -> Path:
    path = tmp_path / "j.journal.sqlite"
    shutil.copyfile(finished, path)
    os.chmod(path, 0o600)
    return path


def report(path: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["report", str(path), "--runs", "0", "--format", "md"])
    out, err = capsys.readouterr()
    return code, out, err


def crashed(tutorial, path: Path, until: float = 95, act: bool = True) -> Path:
    """A drill killed (``kill -9``) at ``until``, after SingCERT acknowledged the report."""
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from scenarios import load_scenario, resolve_scenario_arg
        from sim.engine import Action
        from sim.runs.session import DrillSession
        s = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=1,
                               human=["singcert"], journal_path={str(path)!r})
        s.advance_to(31)
        if {act!r}:
            s.act(Action("singcert", "acknowledge", "phish"))
        s.advance_to({until!r})
        os.kill(os.getpid(), 9)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return path


# --- a version set back to 1 ------------------------------------------------------------


def _met_instead_of_missed(path: Path) -> None:
    """Every missed expectation recorded as met: what someone editing the score would do."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT seq, details FROM events WHERE type='expectation_missed'").fetchall()
    assert rows
    for seq, details in rows:
        d = json.loads(details)
        conn.execute("UPDATE events SET type='expectation_met', details=? WHERE seq=?",
                     (json.dumps({"deadline_at": d["deadline_at"], "event": 0,
                                  "expectation": d["expectation"], "score": 1.0}), seq))
    conn.commit()
    conn.close()


DOWNGRADED = ("the journal is damaged: its version was changed after it was recorded "
              "(it says 1, but its rows carry checksums)")


@pytest.mark.parametrize("edited", [False, True])
def test_a_journal_whose_version_was_set_back_to_1_is_damaged(journal, capsys, edited):
    if edited:
        _met_instead_of_missed(journal)
    sql(journal, "UPDATE meta SET value='1' WHERE key='version'")
    code, out, err = report(journal, capsys)
    assert code == EXIT_INVALID and out == ""
    assert err.strip() == f"{journal}: {DOWNGRADED}"
    with pytest.raises(JournalError) as exc:
        load_review(journal, runs=0)
    assert str(exc.value) == f"{journal}: {DOWNGRADED}"
    with pytest.raises(JournalError, match="its version was changed"):
        DrillSession.resume(journal)


@pytest.mark.parametrize("strip", [
    ("ALTER TABLE events DROP COLUMN origin", "ALTER TABLE events DROP COLUMN chain",
     "ALTER TABLE commands DROP COLUMN origin", "ALTER TABLE commands DROP COLUMN chain"),
    ("DELETE FROM meta WHERE key IN ('header', 'head')",),
])
def test_half_taking_the_checksums_out_is_found(journal, capsys, strip):
    _met_instead_of_missed(journal)
    sql(journal, *strip, "UPDATE meta SET value='1' WHERE key='version'")
    code, out, err = report(journal, capsys)
    assert code == EXIT_INVALID and out == ""
    assert err.strip() == f"{journal}: {DOWNGRADED}"


def test_a_journal_of_version_1_is_still_read(journal, capsys):
    sql(journal, "ALTER TABLE events DROP COLUMN origin", "ALTER TABLE events DROP COLUMN chain",
        "ALTER TABLE commands DROP COLUMN origin", "ALTER TABLE commands DROP COLUMN chain",
        "DELETE FROM meta WHERE key IN ('journal_id', 'header', 'head', 'written_by')",
        "UPDATE meta SET value='1' WHERE key='version'")
    code, out, err = report(journal, capsys)
    assert code == 0 and "# After-action report" in out
    # the report says it cannot vouch for the journal
    assert err.strip() == (f"drill report: note: {journal} is a version-1 journal, written "
                           "without checksums: an edit made to it since cannot be found")


def test_a_journal_with_checksums_is_reported_without_a_note(journal, capsys):
    code, out, err = report(journal, capsys)
    assert code == 0 and "# After-action report" in out and err == ""


# --- a read-only file system --------------------------------------------------------------


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """``folder`` seen where nothing can be written (a read-only bind mount for root,
    who writes through file modes; a folder without write permission otherwise)."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o500)
        try:
            yield folder
        finally:
            os.chmod(folder, 0o700)
        return
    view = folder.with_name(folder.name + "-ro")
    view.mkdir()
    try:
        mounted = subprocess.run(["mount", "--bind", str(folder), str(view)],
                                 capture_output=True).returncode == 0
    except OSError:  # no mount command
        mounted = False
    if not mounted:
        pytest.skip("cannot mount a read-only view of a folder here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(view)],
                          capture_output=True).returncode:
            pytest.skip("cannot mount a read-only view of a folder here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)
        view.rmdir()


def test_a_closed_journal_on_a_read_only_file_system_is_read(journal, tmp_path, capsys):
    folder = journal.parent
    assert sorted(p.name for p in folder.iterdir()) == [journal.name]
    with read_only_folder(folder) as ro:
        path = ro / journal.name
        code, out, _err = report(path, capsys)
        assert code == 0 and "# After-action report" in out
        review, j = load_review(path, runs=0)  # as drill review opens it
        try:
            assert not j.writable and review.events
            with pytest.raises(JournalError, match="read-only; the rating is not saved"):
                j.set_rating("E1", "P", "")
        finally:
            j.close()
        [row] = list_journals(ro)
        assert isinstance(row, JournalInfo) and row.finished and row.events == len(review.events)
        with pytest.raises(JournalError, match="the journal is read-only"):
            DrillSession.resume(path)
    assert sorted(p.name for p in folder.iterdir()) == [journal.name]


def test_a_crashed_journal_on_a_read_only_file_system_is_read_to_its_end(tutorial, tmp_path,
                                                                        capsys):
    folder = tmp_path / "crash"
    folder.mkdir()
    path = crashed(tutorial, folder / "c.journal.sqlite")
    with read_only_folder(folder) as ro:
        [row] = list_journals(ro)
        assert isinstance(row, JournalInfo) and row.drill_time == 95 and row.commands == 1
    # without the -shm file SQLite needs to read the -wal, it is not read as if it had none
    os.unlink(f"{path}-shm")
    with read_only_folder(folder) as ro:
        with pytest.raises(JournalError) as exc:
            Journal.open(ro / path.name, readonly=True)
        assert str(exc.value) == (
            f"{ro / path.name}: the end of the drill is in the journal's -wal file, which "
            "cannot be read where nothing can be written beside it; copy the journal with "
            "its -wal file to a folder you can write to")


# --- the order of drill journals -----------------------------------------------------------


def _listed(folder: Path) -> list[str]:
    return [r.path.name for r in list_journals(folder) if isinstance(r, JournalInfo)]


def _a_week_ago(path: Path) -> None:
    """The drill recorded in ``path`` as played a week ago."""
    week = 7 * 86400
    sql(path, f"UPDATE events SET wall = wall - {week}", f"UPDATE commands SET wall = wall - {week}")
    rechain(path)
    then = time.time() - week
    os.utime(path, (then, then))


def test_reading_a_journal_does_not_list_it_as_written(tutorial, tmp_path, capsys):
    journal = tmp_path / "last-week.journal.sqlite"
    s = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=journal)
    s.advance_to(31)
    s.act(Action("singcert", "acknowledge", "phish"))
    s.advance_to(60)
    s.close()
    _a_week_ago(journal)
    today = crashed(tutorial, tmp_path / "today.journal.sqlite")
    hour_ago = time.time() - 3600
    for p in (today, Path(f"{today}-wal")):
        os.utime(p, (hour_ago, hour_ago))
    assert _listed(tmp_path) == ["today.journal.sqlite", "last-week.journal.sqlite"]
    code, _out, _err = report(journal, capsys)
    assert code == 0
    # a review keeps its comparison with the model in the journal: not the drill's writing
    _review, j = load_review(journal, runs=2)
    j.close()
    saved = Journal.open(journal, readonly=True)
    assert saved.derived("model_comparison") is not None
    saved.close()
    # the drill to carry on is still the first listed
    assert _listed(tmp_path) == ["today.journal.sqlite", "last-week.journal.sqlite"]
    capsys.readouterr()
    assert main(["journals", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith(f"{today}\t")


# --- a copy of the journal file alone -------------------------------------------------------


def _copy_alone(path: Path, to: Path) -> Path:
    """The journal file copied without its -wal (``cp JOURNAL elsewhere/``)."""
    to.mkdir(exist_ok=True)
    copy = to / path.name
    shutil.copyfile(path, copy)
    os.chmod(copy, 0o600)
    return copy


def test_the_journal_file_alone_holds_each_command_once_it_is_carried_out(tutorial, tmp_path):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=path)
    try:
        s.advance_to(31)
        s.act(Action("singcert", "acknowledge", "phish"))
        copy = _copy_alone(path, tmp_path / "usb")
    finally:
        s.close()
    resumed = DrillSession.resume(copy)
    try:
        assert resumed.now == 31 and resumed.journal is not None
        assert [c.kind for c in resumed.journal.commands()] == ["act"]
    finally:
        resumed.close()


def test_the_journal_file_alone_follows_the_clock_every_few_seconds(tutorial, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(sessions, "CHECKPOINT_SECONDS", 0.2)
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=path)
    try:
        s.advance_to(10)
        time.sleep(0.3)
        s.advance_to(20)
        copy = _copy_alone(path, tmp_path / "usb")
    finally:
        s.close()
    [row] = list_journals(copy.parent)
    assert isinstance(row, JournalInfo) and row.drill_time == 20


def test_a_crashed_drill_can_be_copied_without_its_wal(tutorial, tmp_path):
    path = crashed(tutorial, tmp_path / "d.journal.sqlite")
    copy = _copy_alone(path, tmp_path / "usb")
    resumed = DrillSession.resume(copy)
    try:
        assert resumed.now >= 31 and resumed.journal is not None
        assert [c.kind for c in resumed.journal.commands()] == ["act"]
    finally:
        resumed.close()


def test_the_advice_to_copy_a_crashed_journal_names_its_wal(tutorial, journal, tmp_path):
    path = crashed(tutorial, tmp_path / "c.journal.sqlite")
    with read_only(path), pytest.raises(JournalError) as exc:
        DrillSession.resume(path)
    assert str(exc.value) == (
        f"{path}: the journal is read-only, so the drill cannot carry on in it (drill review "
        "and drill report can still read it; copy it, with its -wal file (the copy's name "
        "plus -wal), to resume)")
    with read_only(journal), pytest.raises(JournalError) as exc:  # closed: all in the file
        DrillSession.resume(journal)
    assert str(exc.value).endswith("; copy it to resume)")


# --- damaged journals ------------------------------------------------------------------------


def _zero_page_of(path: Path, table: str, to: Path) -> Path:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    page = dict(conn.execute(
        "SELECT name, rootpage FROM sqlite_schema WHERE type='table'").fetchall())[table]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(page - 1) * size:(page - 1) * size + 64] = bytes(64)
    to.write_bytes(bytes(data))
    os.chmod(to, 0o600)
    return to


def _cut(path: Path, to: Path) -> Path:
    """The journal cut short by its last page (a copy that stopped before its end)."""
    data = path.read_bytes()
    to.write_bytes(data[:len(data) - 4096])
    os.chmod(to, 0o600)
    assert is_journal(to)
    return to


@pytest.mark.parametrize("damage", ["cut", "commands", "events"])
def test_a_damaged_journal_is_not_called_not_a_journal(journal, tmp_path, capsys, damage):
    if damage == "cut":
        bad = _cut(journal, tmp_path / "bad.journal.sqlite")
    else:
        bad = _zero_page_of(journal, damage, tmp_path / "bad.journal.sqlite")
    expected = (f"{bad}: the journal is damaged (database disk image is malformed): "
                "restore it from a copy")
    code, out, err = report(bad, capsys)
    assert code == EXIT_INVALID and out == ""
    assert err.strip() == expected
    with pytest.raises(JournalError) as exc:
        DrillSession.resume(bad)
    assert str(exc.value) == expected
    rows = [r for r in list_journals(tmp_path) if isinstance(r, tuple)]
    # drill journals counts the rows without reading them: damage to the events' pages
    # is found when the journal is read
    assert rows == ([] if damage == "events" else [(bad, expected.removeprefix(f"{bad}: "))])


def test_a_journal_without_its_events_table_is_damaged(journal, capsys):
    sql(journal, "DROP TABLE events")
    code, _out, err = report(journal, capsys)
    assert code == EXIT_INVALID
    assert err.strip() == (f"{journal}: the journal is damaged (cut short: no events table): "
                           "restore it from a copy")


def test_what_is_no_journal_is_still_not_a_drill_journal(tmp_path, capsys):
    other = tmp_path / "app.journal.sqlite"
    sql(other, "CREATE TABLE meta (key TEXT, value TEXT)", "INSERT INTO meta VALUES ('a', '1')")
    code, _out, err = report(other, capsys)
    assert code == EXIT_INVALID and err.strip() == f"{other}: not a drill journal"
    short = tmp_path / "short.journal.sqlite"
    short.write_bytes(other.read_bytes()[:100])
    code, _out, err = report(short, capsys)
    assert code == EXIT_INVALID and err.strip().startswith(f"{short}: not a drill journal (")


def _review_notices(journal: Path, monkeypatch) -> list[str]:
    """What `drill review JOURNAL` shows as notifications on its screen."""
    import asyncio

    from tui.review import ReviewApp

    shown: list[str] = []

    def run_headless(app: ReviewApp) -> None:
        async def go() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.pause()
                shown.extend(n.message for n in app._notifications)
        asyncio.run(go())

    monkeypatch.setattr(ReviewApp, "run", run_headless)
    assert main(["review", str(journal), "--runs", "0"]) == 0
    return shown


def test_the_review_screen_says_a_journal_of_version_1_cannot_be_checked(journal, capsys,
                                                                          monkeypatch):
    sql(journal, "ALTER TABLE events DROP COLUMN origin", "ALTER TABLE events DROP COLUMN chain",
        "ALTER TABLE commands DROP COLUMN origin", "ALTER TABLE commands DROP COLUMN chain",
        "DELETE FROM meta WHERE key IN ('journal_id', 'header', 'head', 'written_by')",
        "UPDATE meta SET value='1' WHERE key='version'")
    note = (f"{journal} is a version-1 journal, written without checksums: an edit made to "
            "it since cannot be found")
    assert _review_notices(journal, monkeypatch) == [note]
    assert capsys.readouterr().err.strip() == note


def test_the_review_screen_of_a_journal_with_checksums_has_no_notice(journal, capsys,
                                                                      monkeypatch):
    assert _review_notices(journal, monkeypatch) == []
