"""Journals and reviews: a drill stopped early against the model's runs up to the same
time, --resume refusing what it would ignore, values nested too deep, and private side
files for a journal copied with a loose mode."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from test_journal_hardening import journal as short_journal  # noqa: F401  (a fixture)
from test_journal_hardening import one_error_line, sql, to_version_1
from test_session import loaded  # noqa: F401  (a fixture)

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import (
    ModelRuns,
    compare,
    load_review,
    model_distribution,
    role_metrics,
    stopped_at,
)
from sim.cli import EXIT_INVALID, main
from sim.engine import Action, Engine
from sim.runs import session as sessions
from sim.runs.batch import replication_seed
from sim.runs.session import DrillSession, Journal, JournalBusy, JournalError, WriterLock

DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(resolve_scenario_arg("tutorial"))


def _stopped_drill(drill, path: Path, stop: float = 35) -> Path:
    """SingCERT played by a person: the report acknowledged at T+00:31, stopped at ``stop``."""
    s = DrillSession.start(drill, seed=1, human=["singcert"], journal_path=path)
    s.advance_to(31)
    s.act(Action("singcert", "acknowledge", "phish"))
    s.advance_to(stop)
    s.close()
    return path


@pytest.fixture(scope="module")
def stopped(tutorial, tmp_path_factory) -> Path:
    return _stopped_drill(tutorial, tmp_path_factory.mktemp("stopped") / "t.journal.sqlite")


@pytest.fixture
def stopped_copy(stopped, tmp_path) -> Path:
    path = tmp_path / "copy.journal.sqlite"
    path.write_bytes(stopped.read_bytes())
    os.chmod(path, 0o600)
    return path


# --- 1. a drill stopped early is compared with the model up to the same time ------------


def test_a_drill_stopped_early_is_not_blamed_for_what_was_not_yet_due(stopped, capsys):
    assert main(["report", str(stopped), "--runs", "20", "--format", "md"]) == 0
    out = capsys.readouterr().out
    part = out.split("## Human play against the model", 1)[1].split("\n## ", 1)[0]
    assert "never did: request takedown" not in part
    assert "compared up to T+00:35, when the drill stopped" in part
    assert "SingCERT acknowledged" in part


def test_the_runs_of_a_stopped_drill_go_as_far_as_the_drill(stopped):
    review, journal = load_review(stopped, runs=5, readonly=True)
    journal.close()
    assert stopped_at(review.scenario, review.events, review.meta) == 35
    assert review.comparisons and {c.until for c in review.comparisons} == {35}
    # the same as running each to the end and counting only what happened before T+00:35
    for c in review.comparisons:
        expected = []
        for i in range(5):
            log = Engine(review.scenario, seed=replication_seed(0, i), words=False).run()
            done = role_metrics([e for e in log if e.time < 35], c.actor)
            if (c.incident, c.metric) in done:
                expected.append(done[(c.incident, c.metric)])
        assert c.simulated == expected


def test_a_finished_drill_is_compared_to_the_end_as_before(tutorial, tmp_path, capsys):
    path = tmp_path / "whole.journal.sqlite"
    s = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=path)
    s.advance_to(31)
    s.act(Action("singcert", "acknowledge", "phish"))
    s.advance_to(tutorial.scenario.drill.duration)
    s.close()
    review, journal = load_review(path, runs=4, readonly=True)
    journal.close()
    assert stopped_at(review.scenario, review.events, review.meta) is None
    assert review.comparisons == compare(review.events, review.scenario, runs=4)
    assert all(c.until is None for c in review.comparisons)
    assert main(["report", str(path), "--runs", "4", "--format", "md"]) == 0
    assert "when the drill stopped" not in capsys.readouterr().out


def test_the_kept_comparison_of_a_stopped_drill_is_redone_once_it_goes_further(stopped_copy):
    review, journal = load_review(stopped_copy, runs=3)  # kept in the journal
    journal.close()
    assert {c.until for c in review.comparisons} == {35}
    s = DrillSession.resume(stopped_copy)
    s.advance_to(36)
    s.close()
    review, journal = load_review(stopped_copy, runs=3)
    journal.close()
    assert {c.until for c in review.comparisons} == {36}


def test_runs_simulated_apart_stop_where_the_drill_stopped(stopped):
    review, journal = load_review(stopped, runs=2, readonly=True)
    journal.close()
    model = ModelRuns(review.scenario, review.events, 2, until=35, apart=True)
    assert model.compute() == review.comparisons
    assert model_distribution(review.scenario, ["singcert"], 2, until=35) != \
        model_distribution(review.scenario, ["singcert"], 2)


# --- 2. --resume refuses a scenario, --seed, --role or --journal not the journal's -----


@pytest.fixture
def no_ui(monkeypatch) -> list[list[str]]:
    """drill play without its screen: the roles it would show."""
    import tui.app

    shown: list[list[str]] = []
    monkeypatch.setattr(tui.app.DrillApp, "run", lambda app, *a, **k: shown.append(app.start_roles))
    return shown


def _resumed(path: Path) -> bool:
    j = Journal.open(path, readonly=True)
    try:
        return "resumed" in j.meta()
    finally:
        j.close()


@pytest.mark.parametrize("command", ["play", "host"])
@pytest.mark.parametrize(("args", "words"), [
    (["acid-hacktivism"], "acid-hacktivism is not the scenario of the drill recorded in "),
    (["--seed", "9"], "--seed 9: the drill recorded in "),
    (["--role", "mycert"], "--role mycert: the roles people play in a resumed drill come "
                           "from its journal (singcert)"),
    (["--role", "singcert", "--role", "mycert"], "come from its journal (singcert)"),
    (["--journal", "other.journal.sqlite"], "--journal and --resume go apart"),
], ids=["scenario", "seed", "role", "another-role", "journal"])
def test_resume_refuses_what_it_would_ignore(stopped_copy, command, args, words, capsys,
                                             monkeypatch, tmp_path, no_ui):
    import sim.net.run

    monkeypatch.setattr(sim.net.run, "host", lambda *a, **k: None)  # never serves
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main([command, "--resume", str(stopped_copy), *args]) == EXIT_INVALID
    line = one_error_line(capsys)
    assert line.startswith(f"drill {command}: ") and words in line
    assert not _resumed(stopped_copy)  # the journal is left as it was
    assert not (tmp_path / "other.journal.sqlite").exists()


def test_the_seed_message_names_the_recorded_seed(stopped_copy, capsys, no_ui):
    capsys.readouterr()
    assert main(["play", "--resume", str(stopped_copy), "--seed", "9"]) == EXIT_INVALID
    assert one_error_line(capsys) == (
        f"drill play: --seed 9: the drill recorded in {stopped_copy} was played with seed 1, "
        "which a resumed drill keeps; leave --seed out")


def test_resume_takes_the_journal_s_own_scenario_seed_and_roles(stopped_copy, no_ui):
    assert main(["play", "tutorial", "--resume", str(stopped_copy), "--seed", "1",
                 "--role", "singcert"]) == 0
    assert main(["play", "--resume", str(stopped_copy)]) == 0
    assert no_ui == [["singcert"], ["singcert"]]
    assert _resumed(stopped_copy)


def test_a_new_drill_still_plays_seed_0_unless_told(tutorial, tmp_path, no_ui):
    path = tmp_path / "n.journal.sqlite"
    assert main(["play", "tutorial", "--journal", str(path)]) == 0
    j = Journal.open(path, readonly=True)
    try:
        assert j.meta()["seed"] == 0
    finally:
        j.close()


# --- 3. JSON nested too deep is a damaged journal, not a crash ---------------------------


def test_a_header_value_nested_too_deep_is_a_damaged_journal(stopped_copy, capsys, no_ui):
    sql(stopped_copy, f"INSERT OR REPLACE INTO meta VALUES('breaks', '{DEEP}')")
    damaged = (f"{stopped_copy}: the journal's header is damaged (a value nested too deep to "
               "be read)")
    capsys.readouterr()
    for argv in (["report", str(stopped_copy)], ["play", "--resume", str(stopped_copy)],
                 ["review", str(stopped_copy)]):
        assert main(argv) == EXIT_INVALID, argv
        assert one_error_line(capsys) == damaged
    with pytest.raises(JournalError, match="nested too deep"):
        DrillSession.resume(stopped_copy)


def test_the_journals_list_names_a_journal_nested_too_deep_and_goes_on(stopped, tmp_path,
                                                                      capsys):
    good, bad = tmp_path / "good.journal.sqlite", tmp_path / "bad.journal.sqlite"
    for path in (good, bad):
        path.write_bytes(stopped.read_bytes())
    sql(bad, f"INSERT OR REPLACE INTO meta VALUES('breaks', '{DEEP}')")
    capsys.readouterr()
    assert main(["journals", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"{bad}\t(unreadable: the journal's header is damaged (a value nested too deep to " \
           "be read))" in out
    assert any(line.startswith(f"{good}\ttutorial\t") for line in out)


def test_a_kept_comparison_nested_too_deep_is_simulated_again(stopped_copy, capsys):
    sql(stopped_copy, f"INSERT OR REPLACE INTO derived VALUES('model_comparison', '{DEEP}')")
    assert main(["report", str(stopped_copy), "--runs", "3"]) == 0
    assert "Human play against the model" in capsys.readouterr().out
    j = Journal.open(stopped_copy, readonly=True)
    try:
        assert j.derived("model_comparison") is None
    finally:
        j.close()


@pytest.mark.parametrize(("table", "column", "words"), [
    ("commands", "payload", "command 1 has a payload nested too deep to be read"),
    ("events", "details", "event 2 has details nested too deep to be read"),
])
def test_rows_nested_too_deep_name_the_row(short_journal, table, column, words,  # noqa: F811
                                           capsys):
    to_version_1(short_journal)  # no checksums: the value itself is what is read
    seq = 1 if table == "commands" else 2
    sql(short_journal, f"UPDATE {table} SET {column}='{DEEP}' WHERE seq={seq}")
    capsys.readouterr()
    assert main(["report", str(short_journal), "--runs", "0"]) == EXIT_INVALID
    assert one_error_line(capsys) == f"{short_journal}: the journal is damaged: {words}"
    assert main(["play", "--resume", str(short_journal)]) == EXIT_INVALID
    assert words in one_error_line(capsys)


def test_a_lock_file_nested_too_deep_names_no_holder(tmp_path):
    path = tmp_path / "l.journal.sqlite"
    held = WriterLock(path).acquire()
    try:
        (tmp_path / "l.journal.sqlite.lock").write_text('{"pid": ' + DEEP + "}")
        with pytest.raises(JournalBusy, match="in use by another process"):
            WriterLock(path).acquire()
    finally:
        held.release()


# --- 4. a journal copied with a loose mode keeps its side files private ------------------


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _loose_copy(stopped: Path, folder: Path) -> Path:
    copy = folder / "copy.journal.sqlite"
    copy.write_bytes(stopped.read_bytes())  # created under umask 022, as cp does
    os.chmod(copy, 0o644)
    return copy


def _files(copy: Path) -> dict[str, int]:
    return {p.name: _mode(p) for p in copy.parent.iterdir()
            if p.name.startswith(copy.name) and not p.name.endswith(".lock")}


def test_resuming_a_loose_copy_keeps_it_and_its_side_files_private(stopped, tmp_path,
                                                                   loose_umask):
    copy = _loose_copy(stopped, tmp_path)
    s = DrillSession.resume(copy)
    try:
        s.advance_to(40)
        files = _files(copy)
        assert files == {"copy.journal.sqlite": 0o600, "copy.journal.sqlite-wal": 0o600,
                         "copy.journal.sqlite-shm": 0o600}
    finally:
        s.close()


def test_reading_a_loose_copy_keeps_it_and_its_side_files_private(stopped, tmp_path,
                                                                  loose_umask, capsys):
    def review(copy: Path) -> dict[str, int]:
        journal = load_review(copy)[1]  # as drill review opens it, to save ratings in
        try:
            return _files(copy)
        finally:
            journal.close()

    def report(copy: Path) -> dict[str, int]:
        assert main(["report", str(copy), "--runs", "0"]) == 0
        return _files(copy)  # a reader leaves -wal and -shm behind

    def journals(copy: Path) -> dict[str, int]:
        assert main(["journals", "--dir", str(copy.parent)]) == 0
        return _files(copy)

    for opens in (review, report, journals):
        for old in tmp_path.iterdir():
            old.unlink()
        files = opens(_loose_copy(stopped, tmp_path))
        assert "copy.journal.sqlite-shm" in files and set(files.values()) == {0o600}, files


def test_side_files_left_loose_by_an_earlier_reader_are_made_private(stopped, tmp_path,
                                                                     loose_umask):
    copy = _loose_copy(stopped, tmp_path)
    reader = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    reader.execute("SELECT count(*) FROM events").fetchone()
    reader.close()  # a reader leaves -wal and -shm behind, with the journal's mode
    assert _mode(Path(f"{copy}-shm")) == 0o644
    s = DrillSession.resume(copy)
    try:
        assert set(_files(copy).values()) == {0o600}
    finally:
        s.close()


def test_a_loose_journal_of_another_user_is_not_written(stopped, tmp_path, loose_umask,
                                                        monkeypatch, capsys):
    copy = _loose_copy(stopped, tmp_path)
    monkeypatch.setattr(sessions.os, "geteuid", lambda: copy.stat().st_uid + 1)
    with pytest.raises(JournalError) as exc:
        DrillSession.resume(copy)
    assert str(exc.value) == (
        f"{copy}: the journal can be read by other users and belongs to another user, so "
        "what is written beside it could not be kept private; copy it to a file of your own "
        "(readable by you only) and use the copy")
    assert _mode(copy) == 0o644
    capsys.readouterr()
    assert main(["play", "--resume", str(copy)]) == EXIT_INVALID
    assert "belongs to another user" in one_error_line(capsys)
    # reading it writes nothing of the drill beside it
    assert main(["report", str(copy), "--runs", "0"]) == 0


def test_a_journal_that_cannot_be_made_private_is_not_resumed(stopped, tmp_path, loose_umask,
                                                              monkeypatch):
    copy = _loose_copy(stopped, tmp_path)

    def refused(path, mode, *a, **k):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(sessions.os, "chmod", refused)
    with pytest.raises(JournalError, match=r"cannot make the journal readable by its owner "
                                           r"only: Operation not permitted"):
        DrillSession.resume(copy)


def test_the_json_report_and_the_review_screen_say_how_far_a_stopped_drill_went(
        stopped, tmp_path):
    import json

    pytest.importorskip("textual")
    import asyncio

    from textual.widgets import Static

    from tui.review import ReviewApp

    out = tmp_path / "r.json"
    assert main(["report", str(stopped), "--runs", "3", "--format", "json", "-o", str(out)]) == 0
    comparisons = json.loads(out.read_text(encoding="utf-8"))["comparisons"]
    assert comparisons and {c["until"] for c in comparisons} == {35}
    review, journal = load_review(stopped, runs=3, readonly=True)

    async def shown() -> str:
        app = ReviewApp(review, journal)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.screen.query_one("#review-tabs").active = "tab-model"
            for _ in range(20):
                await pilot.pause(0.05)
            status = app.screen.query_one("#model-status", Static)
            return str(status.render()) if status.display else ""

    try:
        assert asyncio.run(shown()).startswith("Compared up to T+00:35, when the drill stopped")
    finally:
        journal.close()
