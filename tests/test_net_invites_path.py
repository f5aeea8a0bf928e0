"""``drill host --invites`` naming a place no file can be written to is refused in one
line, with the other bad options, before a journal is started or anything is served."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from net_helpers import net_scenario

from scenarios import load_scenario
from sim.cli import EXIT_INVALID, main
from sim.net.invites import TokenStore
from sim.net.run import HostError, host
from sim.runs.session import DrillSession

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scenario_file(scenario_data, tmp_path) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(net_scenario(scenario_data), sort_keys=False))
    return path


def bad_places(tmp_path: Path) -> list[Path]:
    """An --invites that names a folder, and one under a file."""
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    return [tmp_path / "a-folder", tmp_path / "a-file" / "invites.txt"]


def refused_in_one_line(capsys, bad: Path) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and "Traceback" not in err
    assert "serving the drill" not in err and "carry on with" not in err
    return lines[0]


def test_a_new_drill_with_a_bad_invites_path_leaves_no_journal(scenario_file, tmp_path,
                                                               capsys):
    journal = tmp_path / "j" / "d.journal.sqlite"
    for bad in bad_places(tmp_path):
        status = main(["host", str(scenario_file), "--role", "cert-a", "--journal",
                       str(journal), "--listen", "127.0.0.1:0", "--invites", str(bad)])
        assert status == EXIT_INVALID
        refused_in_one_line(capsys, bad)
        assert not journal.exists() and not journal.parent.exists()
    # the same command with a file name serves the drill: no journal is in its way
    invites = tmp_path / "out" / "invites.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "host", str(scenario_file), "--role", "cert-a",
         "--journal", str(journal), "--listen", "127.0.0.1:0", "--invites", str(invites)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 30
        while not invites.exists() and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert invites.exists()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "already exists" not in err and "serving the drill" in err


def test_a_resumed_drill_with_a_bad_invites_path_is_refused_before_anything(
        scenario_file, tmp_path, capsys):
    journal = tmp_path / "d.journal.sqlite"
    DrillSession.start(load_scenario(scenario_file), human=["cert-a"],
                       journal_path=journal).close()
    before = journal.read_bytes()
    for bad in bad_places(tmp_path):
        status = main(["host", "--resume", str(journal), "--listen", "127.0.0.1:0",
                       "--invites", str(bad)])
        assert status == EXIT_INVALID
        refused_in_one_line(capsys, bad)
    assert journal.read_bytes() == before
    tokens = TokenStore.for_journal(journal).path
    assert tokens is not None and not tokens.exists()  # no token was issued


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="the superuser writes in any folder")
def test_a_folder_the_user_cannot_write_to_is_refused(scenario_file, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    journal = tmp_path / "d.journal.sqlite"
    try:
        status = main(["host", str(scenario_file), "--role", "cert-a", "--journal",
                       str(journal), "--listen", "127.0.0.1:0", "--invites",
                       str(locked / "inv.txt")])
    finally:
        locked.chmod(0o700)
    assert status == EXIT_INVALID
    assert "Permission denied" in refused_in_one_line(capsys, locked / "inv.txt")
    assert not journal.exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc file system")
def test_a_place_where_no_file_can_be_created_is_refused(scenario_file, tmp_path, capsys):
    journal = tmp_path / "d.journal.sqlite"
    status = main(["host", str(scenario_file), "--role", "cert-a", "--journal",
                   str(journal), "--listen", "127.0.0.1:0", "--invites", "/proc/inv.txt"])
    assert status == EXIT_INVALID
    assert "cannot write" in refused_in_one_line(capsys, Path("/proc/inv.txt"))
    assert not journal.exists()


def test_host_refuses_a_bad_invites_path_before_it_serves(scenario_file, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(load_scenario(scenario_file), human=["cert-a"],
                                 journal_path=journal)
    try:
        for bad in bad_places(tmp_path):
            out, err = io.StringIO(), io.StringIO()
            with pytest.raises(HostError) as refused:
                host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
                     invites_file=str(bad), public_host=None, new_invites=False,
                     out=out, err=err)
            said = str(refused.value)
            assert said.startswith(str(bad)) and "\n" not in said
            # nothing was served, and nobody was invited
            assert out.getvalue() == "" and err.getvalue() == ""
    finally:
        session.close()
    assert not TokenStore.for_journal(journal).load().grants
