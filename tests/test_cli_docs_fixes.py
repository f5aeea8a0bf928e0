"""An empty path is refused for every file and folder option; ``drill host`` refuses
``--new-invites`` without ``--resume`` and an address it cannot listen on before a
journal is started; a file that is not a journal keeps its mode; ``drill journals``
lists a journal whatever its name; an interrupted local batch stops its pool cleanly."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from scenarios.loader import bundled_dir
from sim.cli import EXIT_CANNOT_RUN, EXIT_INVALID, EXIT_OK, main
from sim.runs.session import Journal, JournalError

TUTORIAL = str(bundled_dir() / "tutorial.yaml")


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    return tmp_path


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def parse_refusal(argv: list[str], capsys) -> str:
    """The one error line argparse gives for ``argv`` (exit code 2), nothing on stdout."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_INVALID
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    return err.strip().splitlines()[-1]


EMPTY_PATHS = [
    ["run", TUTORIAL, "--events", ""],
    ["run", TUTORIAL, "--journal", ""],
    ["run", ""],
    ["run", TUTORIAL, "--allow-include", ""],
    ["validate", ""],
    ["lint", ""],
    ["explain", ""],
    ["play", TUTORIAL, "--journal", ""],
    ["play", "--resume", ""],
    ["play", TUTORIAL, "--keymap", ""],
    ["batch", TUTORIAL, "--variants", ""],
    ["review", ""],
    ["report", ""],
    ["report", "x.journal.sqlite", "-o", ""],
    ["schema", "-o", ""],
    ["msel", "export", TUTORIAL, "-o", ""],
    ["msel", "import", "", "--into", "my-drill.yaml"],
    ["msel", "import", "msel.csv", "--into", ""],
    ["msel", "import", "msel.csv", "--into", "my-drill.yaml", "-o", ""],
    ["handout", TUTORIAL, "--all", "-o", ""],
    ["host", TUTORIAL, "--invites", ""],
    ["host", TUTORIAL, "--journal", ""],
    ["host", "--resume", ""],
    ["host", TUTORIAL, "--cert", "", "--key", "k.pem"],
    ["host", TUTORIAL, "--cert", "c.pem", "--key", ""],
    ["join", "ws://127.0.0.1:1/x", "--cafile", ""],
    ["web", "--cert", "", "--key", "k.pem"],
    ["web", "--cafile", ""],
    ["journals", "--dir", ""],
]


@pytest.mark.parametrize("argv", EMPTY_PATHS, ids=[" ".join(a[:1] + a[2:]) or a[0]
                                                  for a in EMPTY_PATHS])
def test_an_empty_path_is_refused(argv, here, capsys):
    line = parse_refusal(argv, capsys)
    assert "an empty path" in line, line
    assert files_in(here) == []


def test_msel_import_with_an_empty_output_leaves_the_scenario(here, capsys):
    assert main(["msel", "export", TUTORIAL, "-o", "msel.csv"]) == EXIT_OK
    scenario = here / "my-drill.yaml"
    scenario.write_bytes(Path(TUTORIAL).read_bytes())
    before = scenario.read_bytes()
    capsys.readouterr()
    line = parse_refusal(["msel", "import", "msel.csv", "--into", str(scenario), "-o", ""],
                         capsys)
    assert line.endswith("argument -o/--output: an empty path; give a file name")
    assert scenario.read_bytes() == before


def test_handout_with_an_empty_folder_writes_nothing(here, capsys):
    line = parse_refusal(["handout", TUTORIAL, "--all", "-o", ""], capsys)
    assert line.endswith("an empty path; write . for this folder")
    assert files_in(here) == []


def test_host_new_invites_needs_resume(here, capsys):
    assert main(["host", TUTORIAL, "--new-invites", "--listen", "127.0.0.1:0"]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        "drill host: --new-invites goes with --resume: a new drill issues new invitations anyway"]
    assert files_in(here) == []


def sqlite_app(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('ann')")
    conn.commit()
    conn.close()
    path.chmod(0o644)


@pytest.mark.parametrize("command", ["report", "review"])
def test_a_file_that_is_not_a_journal_keeps_its_mode(command, here, capsys):
    app = here / "app.db"
    sqlite_app(app)
    before = app.read_bytes()
    assert main([command, str(app), "--runs", "0"]) == EXIT_INVALID
    assert "not a drill journal" in capsys.readouterr().err
    assert app.stat().st_mode & 0o777 == 0o644
    assert app.read_bytes() == before
    assert sorted(p.name for p in here.iterdir()) == ["app.db"]


@pytest.mark.parametrize("readonly", [True, False])
def test_journal_open_leaves_an_app_database_as_it_was(readonly, here):
    app = here / "app.db"
    sqlite_app(app)
    with pytest.raises(JournalError, match="not a drill journal"):
        Journal.open(app, readonly=readonly)
    assert app.stat().st_mode & 0o777 == 0o644


def test_a_copied_journal_is_still_made_private(here, capsys):
    assert main(["run", TUTORIAL, "--journal", "t.journal.sqlite"]) == EXIT_OK
    journal = here / "t.journal.sqlite"
    journal.chmod(0o644)
    Journal.open(journal, readonly=True).close()
    assert journal.stat().st_mode & 0o777 == 0o600


def test_journals_lists_a_journal_of_any_name(here, capsys):
    assert main(["run", TUTORIAL, "--journal", "t1.sqlite"]) == EXIT_OK
    sqlite_app(here / "app.db")
    (here / "notes.txt").write_text("not a journal\n")
    os.mkfifo(here / "pipe")  # never opened to block the listing
    capsys.readouterr()
    assert main(["journals", "--dir", str(here)]) == EXIT_OK
    out = capsys.readouterr().out
    listed = [line.split("\t")[0] for line in out.splitlines()]
    assert listed == [str(here / "t1.sqlite")]
    assert (here / "app.db").stat().st_mode & 0o777 == 0o644


def test_host_on_a_busy_port_leaves_no_journal(here, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = main(["host", TUTORIAL, "--listen", f"127.0.0.1:{port}",
                       "--journal", "d.journal.sqlite"])
        status_default = main(["host", TUTORIAL, "--listen", f"127.0.0.1:{port}"])
    assert status == status_default == EXIT_CANNOT_RUN
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"cannot listen on 127.0.0.1:{port}: ") for line in lines)
    assert "carry on" not in err and "journal:" not in err
    assert files_in(here) == []


def test_stopping_a_pool_ends_its_management_thread():
    import multiprocessing

    from sim.runs.batch import _stop_pool

    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    futures = [pool.submit(time.sleep, 30) for _ in range(3)]
    deadline = time.monotonic() + 10
    while not futures[0].running() and time.monotonic() < deadline:
        time.sleep(0.01)
    manager = pool._executor_manager_thread
    workers = list(pool._processes.values())
    assert manager is not None and manager.is_alive()
    _stop_pool(pool)
    assert not manager.is_alive()
    assert manager.thread_wakeup._closed  # nothing left for the exit hook to write to
    assert not any(proc.is_alive() for proc in workers)


def test_stopping_a_pool_leaves_a_clean_exit(tmp_path):
    script = (
        "import multiprocessing, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from sim.runs.batch import _stop_pool\n"
        "pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('fork'))\n"
        "futures = [pool.submit(time.sleep, 30) for _ in range(4)]\n"
        "while not futures[0].running():\n"
        "    time.sleep(0.01)\n"
        "_stop_pool(pool)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == ""
