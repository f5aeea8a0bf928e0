"""Drills on Windows: the journal's one-writer lock with ``msvcrt.locking``, and every
command that writes or reads files without the POSIX-only parts of ``os``.

These tests run on Linux: each starts a Python process that looks like Windows to
the product: ``import fcntl`` fails; ``msvcrt`` locks byte ranges (with real
open-file locks underneath, so a second writer, in this process or another, is refused
as Windows refuses it) and records every call; ``os`` has no ``fchmod``, ``pread``,
``pwrite``, ``geteuid``, ``O_NOFOLLOW``, ``O_NONBLOCK`` nor ``O_CLOEXEC``; a descriptor
opened without ``O_BINARY`` reads in text mode (CR LF read as LF, Ctrl-Z read as the
end); and a file open through a descriptor cannot be removed or renamed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.runs import session as sessions
from sim.safe.files import PRIVATE_FILE, create_private, write_private

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or sessions._OFD_SETLK is None,
    reason="Windows's byte-range locks are stood in for by Linux's open-file locks")

#: What makes a fresh interpreter look like Windows to the product (run before it is imported).
WINDOWS = textwrap.dedent(
    r"""
    import ctypes, errno, json, os, sys, types
    import fcntl as _fcntl  # the real one, used only by the stand-in msvcrt below
    # what tells POSIX from Windows by sys.platform, or by whether msvcrt imports, is
    # imported as it is on this system
    import concurrent.futures.process, platformdirs, subprocess

    sys.path.insert(0, {root!r})
    sys.modules["fcntl"] = None  # Windows has no fcntl: importing it fails

    class _Flock(ctypes.Structure):
        _fields_ = [("l_type", ctypes.c_short), ("l_whence", ctypes.c_short),
                    ("l_start", ctypes.c_int64), ("l_len", ctypes.c_int64),
                    ("l_pid", ctypes.c_int)]

    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK, msvcrt.LK_RLCK, msvcrt.LK_NBRLCK = range(5)
    msvcrt.calls = []

    def _locking(fd, mode, nbytes):
        # like the C library's _locking: from the descriptor's current position
        where = os.lseek(fd, 0, os.SEEK_CUR)
        msvcrt.calls.append([os.path.basename(os.readlink(f"/proc/self/fd/{{fd}}")),
                             mode, where, nbytes])
        if mode in (msvcrt.LK_LOCK, msvcrt.LK_RLCK):
            raise AssertionError("a blocking lock: the command would wait for the writer")
        kind = _fcntl.F_UNLCK if mode == msvcrt.LK_UNLCK else _fcntl.F_WRLCK
        try:
            _fcntl.fcntl(fd, _fcntl.F_OFD_SETLK, bytes(_Flock(kind, 0, where, nbytes, 0)))
        except OSError:
            raise OSError(errno.EACCES, "Permission denied") from None

    msvcrt.locking = _locking
    sys.modules["msvcrt"] = msvcrt

    for name in ("fchmod", "pread", "pwrite", "geteuid", "getuid", "O_NOFOLLOW",
                 "O_NONBLOCK", "O_CLOEXEC", "O_NOCTTY"):
        if hasattr(os, name):
            delattr(os, name)

    # descriptors: text mode unless opened with O_BINARY; a file open through one cannot
    # be removed or renamed (what Windows does for descriptors opened without sharing
    # the right to delete)
    os.O_BINARY = 0x10000000
    _open, _read, _close = os.open, os.read, os.close
    _unlink, _rename, _replace = os.unlink, os.rename, os.replace
    _fds, _text = set(), set()

    def _win_open(path, flags, mode=0o777, *, dir_fd=None):
        fd = _open(path, flags & ~os.O_BINARY, mode, dir_fd=dir_fd)
        _fds.add(fd)
        (_text.discard if flags & os.O_BINARY else _text.add)(fd)
        return fd

    def _win_read(fd, n):
        data = _read(fd, n)
        if fd in _text:
            data = data.split(b"\x1a", 1)[0].replace(b"\r\n", b"\n")
        return data

    def _win_close(fd):
        _fds.discard(fd)
        _text.discard(fd)
        _close(fd)

    def _in_use(path):
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return False
        for fd in list(_fds):
            try:
                other = os.fstat(fd)
            except OSError:
                _fds.discard(fd)
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return True
        return False

    def _sharing(real):
        def call(*paths, **kw):
            for p in paths[:2]:
                if _in_use(p):
                    raise PermissionError(errno.EACCES, "The process cannot access the file "
                                          "because it is being used by another process", str(p))
            return real(*paths, **kw)
        return call

    os.open, os.read, os.close = _win_open, _win_read, _win_close
    os.unlink = os.remove = _sharing(_unlink)
    os.rename, os.replace = _sharing(_rename), _sharing(_replace)
    """
)


def windows(body: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``body`` in a Python process that looks like Windows to the product."""
    code = WINDOWS.format(root=str(ROOT)) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def result(proc: subprocess.CompletedProcess) -> dict:
    """The JSON a simulated-Windows process printed last."""
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_session_module_imports_where_there_is_no_fcntl():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['fcntl'] = None; import sim.runs.session"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_without_any_file_lock_no_journal_is_written(tmp_path):
    """Neither fcntl nor msvcrt: a second drill could not be kept out, so none starts."""
    path = tmp_path / "d.journal.sqlite"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['fcntl'] = None; from sim.cli import main; "
         "sys.exit(main(sys.argv[1:]))", "run", "tutorial", "--journal", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr == (f"{path}: cannot keep other drills from writing to the journal: "
                           "this system has no file locks\n")
    assert list(tmp_path.iterdir()) == []


SAME_PROCESS = """
    from pathlib import Path
    from scenarios import load_scenario, resolve_scenario_arg
    from sim.engine import Action
    from sim.runs.session import DrillSession, JournalBusy

    tutorial = load_scenario(resolve_scenario_arg("tutorial"))
    folder = Path(sys.argv[1])
    path = folder / "d.journal.sqlite"
    lock = folder / "d.journal.sqlite.lock"
    out = {"pid": os.getpid(), "refused": []}
    first = DrillSession.start(tutorial, seed=1, human=["singcert"], journal_path=path)
    first.advance_to(30)
    for again in (lambda: DrillSession.resume(path),
                  lambda: DrillSession.start(tutorial, journal_path=path)):
        try:
            again().close()
            out["refused"].append(None)
        except JournalBusy as exc:
            out["refused"].append(str(exc))
    out["holder"] = json.loads(lock.read_bytes().decode())
    first.advance_to(60)
    first.act(Action("singcert", "acknowledge", "phish"))
    first.close()
    out["lock_left"] = lock.exists()
    out["names"] = os.stat(path).st_nlink
    out["files"] = sorted(p.name for p in folder.iterdir())
    resumed = DrillSession.resume(path)
    out["now"] = resumed.now
    out["commands"] = [c.kind for c in resumed.journal.commands()]
    resumed.advance_to(90)
    resumed.close()
    out["calls"] = msvcrt.calls
    print(json.dumps(out))
"""


def test_a_second_writer_is_refused_and_the_journal_resumes(tmp_path):
    out = result(windows(SAME_PROCESS, str(tmp_path)))
    path = tmp_path / "d.journal.sqlite"
    holder = f"process {out['pid']} on {socket.gethostname()} (since "
    assert len(out["refused"]) == 2
    for refused in out["refused"]:
        assert refused is not None, "a second writer was let in"
        assert refused.startswith(f"{path}: the journal is in use by {holder}")
        assert refused.endswith("a journal has one writer at a time (drill review and drill "
                                "report can read it meanwhile)")
    assert out["holder"]["pid"] == out["pid"]
    # the drill was recorded, under one name, and carries on where it stopped
    assert out["now"] == 60
    assert out["commands"] == ["act"]
    assert out["names"] == 1
    assert not out["lock_left"]
    assert out["files"] == ["d.journal.sqlite"]
    # every lock is a non-blocking lock of the writer's byte: of the journal, of its lock file
    nb, byte = 2, sessions._WRITER_BYTE
    assert out["calls"], "msvcrt.locking was never called"
    assert {(mode, where, n) for _, mode, where, n in out["calls"]} == {(nb, byte, 1)}
    assert {name for name, *_ in out["calls"]} >= {"d.journal.sqlite", "d.journal.sqlite.lock"}


HOLD = """
    import time
    from sim.runs.session import DrillSession
    s = DrillSession.resume(sys.argv[1])
    s.advance_to(300)
    print("holding", flush=True)
    time.sleep(60)
"""

SECOND = """
    from sim.cli import main
    print(json.dumps([main(["run", "--journal", sys.argv[1]]),
                      main(["play", "--resume", sys.argv[1]])]))
"""

READ = """
    from sim.cli import main
    print(json.dumps(main(["report", sys.argv[1], "--runs", "0", "--format", "json"])))
"""


def test_a_live_drill_in_another_process_keeps_other_writers_out(tmp_path):
    path = tmp_path / "d.journal.sqlite"
    made = windows("""
        from scenarios import load_scenario, resolve_scenario_arg
        from sim.runs.session import DrillSession
        s = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=1,
                               human=["singcert"], journal_path=sys.argv[1])
        s.advance_to(30)
        s.close()
        print(json.dumps(s.now))
    """, str(path))
    assert result(made) == 30
    holder = subprocess.Popen(
        [sys.executable, "-c", WINDOWS.format(root=str(ROOT)) + textwrap.dedent(HOLD), str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding", holder.stderr
        second = windows(SECOND, str(path))
        assert result(second) == [3, 3]
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 2
        for line in lines:
            assert line.startswith(f"{path}: the journal is in use by process {holder.pid} on "
                                   f"{socket.gethostname()} (since ")
        # readers go on meanwhile
        assert result(windows(READ, str(path))) == 0
    finally:
        holder.kill()
        holder.wait()
    # once its writer is gone (killed), the drill carries on in another process
    again = windows("""
        from sim.runs.session import DrillSession
        s = DrillSession.resume(sys.argv[1])
        print(json.dumps(s.now))
        s.close()
    """, str(path))
    assert result(again) == 300


def test_a_new_journal_has_one_name_and_no_leftovers(tmp_path):
    path = tmp_path / "r.journal.sqlite"
    out = result(windows("""
        from pathlib import Path
        from sim.cli import main
        path = Path(sys.argv[1])
        code = main(["run", "tutorial", "--journal", str(path)])
        print(json.dumps({"code": code, "names": os.stat(path).st_nlink,
                          "files": sorted(p.name for p in path.parent.iterdir()),
                          "report": main(["report", str(path), "--runs", "0"])}))
    """, str(path)))
    assert out == {"code": 0, "names": 1, "files": ["r.journal.sqlite"], "report": 0}


def test_a_batch_runs_and_resumes(tmp_path):
    out = result(windows("""
        from sim.cli import main
        args = ["batch", "tutorial", "-n", "6", "--chunk", "3", "--jobs", "1", "--out", sys.argv[1]]
        first = main(args)
        table = open(sys.argv[1] + "/replications.csv", "rb").read()
        again = main([*args, "--resume"])
        print(json.dumps([first, again, table == open(sys.argv[1] + "/replications.csv",
                                                      "rb").read()]))
    """, str(tmp_path / "out")))
    assert out == [0, 0, True]


def test_files_are_read_byte_for_byte(tmp_path):
    """A scenario's artefact, say, is hashed and shown as it is on disk."""
    data = b"line one\r\nline two\r\n\x1a and after the Ctrl-Z\r\n"
    (tmp_path / "artefact.txt").write_bytes(data)
    out = result(windows("""
        from sim.safe.files import read_bounded
        print(json.dumps(read_bounded(sys.argv[1], 1000).decode()))
    """, str(tmp_path / "artefact.txt")))
    assert out.encode() == data


def test_files_are_written_without_fchmod(tmp_path, monkeypatch):
    """Where ``os.fchmod`` is missing (Windows before Python 3.13), files are still
    written; here the mode they are created with still makes them private."""
    monkeypatch.delattr(os, "fchmod")
    old = os.umask(0o022)
    try:
        report = write_private(tmp_path / "out" / "report.txt", "TLP:AMBER\n")
        lock = create_private(tmp_path / "out" / "x.lock")
    finally:
        os.umask(old)
    assert report.read_text() == "TLP:AMBER\n"
    assert lock.exists()
    for made in (report, lock):
        assert made.stat().st_mode & 0o777 == PRIVATE_FILE


def test_the_windows_stand_in_is_faithful(tmp_path):
    """The stand-in refuses what Windows refuses, so the tests above mean something."""
    out = result(windows("""
        import errno
        path = sys.argv[1]
        fd = os.open(path, os.O_RDWR | os.O_CREAT)
        os.write(fd, b"a\\r\\nb")
        os.lseek(fd, 0, 0)
        text = os.read(fd, 10).decode()
        try:
            os.unlink(path)
            removed = True
        except PermissionError:
            removed = False
        other = os.open(path, os.O_RDWR | os.O_BINARY)
        os.lseek(fd, 100, 0)
        os.lseek(other, 100, 0)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        try:
            msvcrt.locking(other, msvcrt.LK_NBLCK, 1)
            second = "locked"
        except OSError as exc:
            second = errno.errorcode[exc.errno]
        try:
            import fcntl
            blocked = False
        except ImportError:
            blocked = True
        print(json.dumps([text, removed, second, blocked, hasattr(os, "fchmod")]))
    """, str(tmp_path / "f")))
    assert out == ["a\nb", False, "EACCES", True, False]

