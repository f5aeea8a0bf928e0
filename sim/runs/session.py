"""A live drill: the engine, a wall-clock drill clock, and a crash-proof journal.

:class:`DrillSession` is the narrow boundary a UI (or a network server) drives:
commands go in (a person's action, the facilitator's inject and role commands),
domain events come out. Every command and every event is written to a SQLite
journal as it happens, one file per drill. The engine is deterministic given the
scenario, the seed and the commands at their drill times, so
:meth:`DrillSession.resume` rebuilds a drill from its journal exactly, and carries
on appending to it.

A journal has one writer at a time: :meth:`DrillSession.start` and
:meth:`DrillSession.resume` hold an operating-system lock on the journal file itself
(whatever name it is reached by) and on ``JOURNAL.lock``, which names the writer; both
disappear with the process, however it ends. POSIX systems lock with ``fcntl``, Windows
with ``msvcrt.locking``. Readers (review, report) need no lock.

Every row carries a checksum that chains it to the row before, starting from the
journal's own id, and the header records how many rows were written and the last
checksum. Deleted, edited, reordered or foreign rows are found and named before a
journal is resumed, reviewed or reported on (see docs/journal.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import importlib
import json
import math
import os
import socket
import sqlite3
import stat
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scenarios import LoadedScenario, Scenario
from scenarios.model import RECORDED, Inject
from scenarios.yamlsrc import Unreadable, open_regular
from sim.engine import Action, ActionError, Engine
from sim.engine.events import Event
from sim.safe.files import (
    PRIVATE_FILE,
    FileProblem,
    create_private,
    make_private,
    private_dir,
    read_bounded,
)
from sim.safe.text import one_line
from sim.version import product_version

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
#: Windows's byte-range locks, where there is no fcntl (None elsewhere)
msvcrt: Any = None
if fcntl is None:
    with contextlib.suppress(ImportError):
        msvcrt = importlib.import_module("msvcrt")
#: Whether a file can be removed or given another name while it is open: not on Windows,
#: where an open descriptor keeps the file where it is until it is closed
_OPEN_FILES_MOVE = fcntl is not None

JOURNAL_FORMAT = "acid-drill-journal"
JOURNAL_VERSION = 2
SUFFIX = ".journal.sqlite"
LOCK_SUFFIX = ".lock"
#: simulated seconds per wall second unless chosen (an hour a minute)
DEFAULT_SPEED = 60.0
#: wall seconds, and writes, at most between the folds of a live drill's -wal file into
#: the journal file itself (each command is folded in at once)
CHECKPOINT_SECONDS = 3.0
CHECKPOINT_WRITES = 15

#: Header values fixed when the journal is created; their checksum is ``meta.header``.
HEADER_KEYS = ("format", "journal_id", "written_by", "scenario_id", "title", "scenario_path",
               "scenario", "seed", "human", "created")


#: What SQLite can raise on a damaged file (its messages may hold undecodable bytes).
_DB_ERRORS = (sqlite3.Error, UnicodeDecodeError)
#: What reading a JSON value from a journal can raise: not JSON, not text, or nested
#: deeper than Python reads (``[[[[...]]]]`` a thousand deep).
_JSON_ERRORS = (ValueError, TypeError, RecursionError)


def _recordable(who: str, payload: dict[str, Any]) -> None:
    """Refuse a command whose text the journal could not write: a lone surrogate (a
    JSON ``\\ud800`` from a network client, say) is no character UTF-8 can hold."""
    try:
        json.dumps([who, payload], ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ActionError("the text holds a character that is not valid Unicode (a lone "
                          "surrogate)") from None


class JournalError(Exception):
    """A journal that cannot be opened, resumed or written; the message says why, on one line."""


class Unrecorded(JournalError):
    """A command was carried out, but the journal could not be written: the session keeps
    it, and writes it with the next write that succeeds (at the latest when it is closed).
    It is not refused: sending it again would carry it out twice."""


class JournalBusy(JournalError):
    """Another process is writing to the journal."""


class JournalExists(JournalError):
    """A new journal was asked for at a path that is already taken; never written over.

    The message only says so: whether the drill recorded there can be carried on, and
    how, depends on the command (``drill play --resume``, ``drill host --resume``), so
    the command line adds that."""

    def __init__(self, path: Path):
        self.path = Path(path)
        super().__init__(f"{path}: already exists; choose another file")


def journal_dir() -> Path:
    """Where journals go unless told otherwise: $ACID_DRILL_HOME/journals, or XDG data."""
    home = os.environ.get("ACID_DRILL_HOME")
    if home:
        return Path(home) / "journals"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "acid-drill" / "journals"


def _why(exc: BaseException) -> str:
    """An exception as a short single line (a validation error: its first problem)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        with contextlib.suppress(Exception):
            first = errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return one_line(f"{where}: {first.get('msg', '')}" if where else first.get("msg", ""))[:200]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, KeyError) and text:
        text = f"missing {text}"
    return one_line(text or type(exc).__name__)[:200]


# --- one writer per journal ---------------------------------------------------------


def _real(path: Path) -> Path:
    """The journal's own file, symbolic links resolved: SQLite keeps its -wal and -shm
    files beside it, whatever name the journal is reached by."""
    return Path(os.path.realpath(path))


def _links(path: Path) -> int:
    """How many names (hard links) the file at ``path`` has (1 when it cannot be told)."""
    try:
        return os.stat(path).st_nlink
    except OSError:
        return 1


#: The byte of a journal file that its writer locks, far from the bytes SQLite locks (from
#: 1 GiB on). A lock on the whole file (``flock``) would stop SQLite's own locks where the
#: two kinds meet (macOS, NFS); a lock of the open file, not of the process, holds
#: whatever other descriptor of the file the process closes. Windows's locks are of the
#: open file too, and keep every other descriptor from reading or writing the byte:
#: a journal never grows that far (2 GiB).
_WRITER_BYTE = 0x7FFF0000
#: Linux's lock of an open file; elsewhere the journal's lock file alone keeps one writer
#: per journal (symbolic links resolved, hard links refused)
_OFD_SETLK: int | None = getattr(fcntl, "F_OFD_SETLK", None)


class _Flock(ctypes.Structure):
    """``struct flock``, as the C library lays it out (64-bit offsets)."""

    _fields_ = [("l_type", ctypes.c_short), ("l_whence", ctypes.c_short),
                ("l_start", ctypes.c_int64), ("l_len", ctypes.c_int64),
                ("l_pid", ctypes.c_int)]


def _lock_byte_windows(fd: int) -> bool | None:
    """Lock the writer's byte of the file open at ``fd`` with Windows's own lock, without
    waiting: True when done, False when another open file holds it, None when the file
    cannot be locked so."""
    try:
        os.lseek(fd, _WRITER_BYTE, os.SEEK_SET)  # msvcrt locks from the current position
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        return None
    return True


def _lock_writer_byte(fd: int) -> bool | None:
    """Lock the writer's byte of the journal open at ``fd``: True when done, False when
    another open file holds it, None when this system cannot lock it so."""
    if msvcrt is not None:
        return _lock_byte_windows(fd)
    if _OFD_SETLK is None:
        return None
    request = _Flock(fcntl.F_WRLCK, os.SEEK_SET, _WRITER_BYTE, 1, 0)
    try:
        fcntl.fcntl(fd, _OFD_SETLK, bytes(request))
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        return None  # an older kernel, a file system without such locks
    return True


def _lock_holder_file(fd: int) -> bool:
    """Lock the lock file open at ``fd`` for this writer, without waiting: False when
    another writer holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    # Windows's locks keep others from reading what they lock: the writer's byte, far
    # past the holder's name that a second writer reads to say who holds the journal
    return _lock_byte_windows(fd) is True


def _write_start(fd: int, data: bytes) -> None:
    """Write ``data`` at the start of the file open at ``fd``."""
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, 0)
    else:  # Windows
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)


def _read_start(fd: int, size: int) -> bytes:
    """At most ``size`` bytes from the start of the file open at ``fd``."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, 0)
    os.lseek(fd, 0, os.SEEK_SET)  # Windows
    return os.read(fd, size)


#: Flags of the descriptors opened here, where the system has them: never wait for a
#: pipe, never handed to a child process, and (Windows) read bytes as they are
_OPEN_FLAGS = (getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))


def _beside(journal: Path, suffix: str) -> Path:
    """The file ``suffix`` beside the journal's own file, as a message names it: by the
    name the journal was given, unless a symbolic link leads elsewhere."""
    real = _real(journal)
    given = Path(f"{journal}{suffix}")
    return given if Path(os.path.abspath(journal)) == real else Path(f"{real}{suffix}")


def lock_path(journal: Path) -> Path:
    """The file beside the journal's own file that names its writer."""
    real = _real(journal)
    return real.with_name(real.name + LOCK_SUFFIX)


class WriterLock:
    """One writer per journal: a lock on the journal file itself, which holds whatever
    name it is reached by (a symbolic link, a new name), and an exclusive ``flock`` on
    ``JOURNAL.lock`` beside it, which says who took it (pid, host, when) and keeps out
    earlier releases of acid-drill, which lock only that file.

    A journal with a second name (a hard link) is refused: SQLite would keep a second
    -wal file for it under that name. The operating system drops the locks when the
    process ends, even by ``kill -9``; a lock file left behind by a dead process is
    simply taken over. A file of that name that holds no writer's record is another
    program's: it is refused, and never written, given another mode or removed. Where
    there are no file locks at all (neither ``fcntl`` nor ``msvcrt``), no journal is
    written.
    """

    def __init__(self, journal: Path):
        self.journal = Path(journal)
        self.path = lock_path(journal)
        self._fh: Any = None
        #: a descriptor of the journal file, locked (None until it exists)
        self._file: int | None = None

    def acquire(self, *, file: bool = True) -> WriterLock:
        """Take the journal and its lock file; only the lock file when ``file`` is False
        or the journal does not exist (a new journal: see :meth:`hold`)."""
        self._take_lock_file()
        try:
            if file and os.path.exists(self.journal):
                self.hold(self.journal)
        except BaseException:
            self.release()
            raise
        return self

    def hold(self, path: Path) -> None:
        """Lock the journal file at ``path``: the journal, or the file that becomes it.

        A journal that cannot be opened to write is not locked: nothing can write to it.
        """
        real = _real(path)
        try:
            fd = os.open(real, os.O_RDWR | _OPEN_FLAGS)
        except OSError:
            fd = -1
        try:
            try:
                info = os.fstat(fd) if fd >= 0 else os.stat(real)
            except OSError as exc:
                raise JournalError(
                    f"{self.journal}: cannot open the journal: {exc.strerror}") from None
            if not stat.S_ISREG(info.st_mode):
                raise JournalError(f"{self.journal}: not a regular file")
            if info.st_nlink > 1:
                raise JournalBusy(
                    f"{self.journal}: the journal has another name (a hard link), through "
                    "which a second drill could write to it at the same time; "
                    f"{_copy_advice(self.journal)} to a file of its own and resume the copy")
            if fd >= 0 and _lock_writer_byte(fd) is False:
                # its writer reached it by another name: it names no holder here
                raise JournalBusy(self._busy("another process"))
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        self._file = fd if fd >= 0 else None

    def _busy(self, holder: str) -> str:
        return (f"{self.journal}: the journal is in use by {holder}; a journal has one "
                "writer at a time (drill review and drill report can read it meanwhile)")

    def _take_lock_file(self) -> None:
        """Lock ``JOURNAL.lock`` and write in it who holds the journal. Where it cannot
        be created (a read-only folder) the journal's own lock is enough: nothing names
        its writer, and earlier releases cannot lock it either.

        A file of that name that is not a writer's record (see :func:`_is_holder_record`)
        is someone else's: it is refused, and left exactly as it was."""
        if fcntl is None and msvcrt is None:
            raise JournalError(f"{self.journal}: cannot keep other drills from writing to the "
                               "journal: this system has no file locks")
        record = _holder_record()
        empty = 0
        for _ in range(20 + _EMPTY_TRIES):
            if (not os.path.lexists(self.path) and not _new_lock_file(self.path, record)
                    and not os.path.lexists(self.path)):
                return  # it cannot be created here
            if not hasattr(os, "O_NOFOLLOW") and os.path.islink(self.path):  # Windows
                raise JournalError(f"{self.journal}: the journal's lock file is not a regular file")
            try:
                fd = os.open(self.path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | _OPEN_FLAGS)
            except FileNotFoundError:
                continue  # its holder just removed it: try again
            except OSError as exc:
                if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                    return
                if exc.errno == errno.ELOOP:  # a symbolic link: never followed
                    raise JournalError(
                        f"{self.journal}: the journal's lock file is not a regular file"
                    ) from None
                raise JournalError(
                    f"{self.journal}: cannot open the journal's lock file: {exc.strerror}"
                ) from None
            fh = os.fdopen(fd, "r+b", buffering=0)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                fh.close()
                raise JournalError(f"{self.journal}: the journal's lock file is not a regular file")
            if not _lock_holder_file(fd):
                holder = _holder(fh)
                fh.close()
                raise JournalBusy(self._busy(holder))
            try:
                now = os.stat(self.path, follow_symlinks=False)
            except FileNotFoundError:
                fh.close()
                continue
            if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
                fh.close()  # the file was replaced while we waited: lock the new one
                continue
            if not _is_holder_record(fd, info.st_size):
                fh.close()  # unlocked, unread past its start, unchanged
                if info.st_size == 0 and empty < _EMPTY_TRIES:
                    # a writer that has just created it is about to write its record in it
                    empty += 1
                    time.sleep(0.01)
                    continue
                raise JournalError(self._in_the_way())
            with contextlib.suppress(OSError):
                make_private(fd)
            with contextlib.suppress(OSError):
                # the new record first, then the old one's tail cut off: never empty
                _write_start(fd, record)
                os.ftruncate(fd, len(record))
            self._fh = fh
            return
        raise JournalError(f"{self.journal}: cannot lock the journal: its lock file keeps changing")

    def holder(self) -> str | None:
        """Who writes to the journal, when a drill does: its lock file names it and is
        locked (None otherwise). Nothing is created or changed; the lock file is locked
        for a moment when nobody holds it."""
        if fcntl is None and msvcrt is None:
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | _OPEN_FLAGS)
        except (OSError, ValueError):
            return None
        with os.fdopen(fd, "r+b", buffering=0) as fh:
            info = os.fstat(fd)
            if (not stat.S_ISREG(info.st_mode) or _lock_holder_file(fd)
                    or not _is_holder_record(fd, info.st_size)):
                return None
            return _holder(fh)

    def _in_the_way(self) -> str:
        lock = _beside(self.journal, LOCK_SUFFIX)
        return (f"{self.journal}: cannot lock the journal: {lock} is not a drill journal's "
                "lock file, and is left as it is; move it away, or choose another journal "
                "name")

    def release(self) -> None:
        """Let go of the journal: the SQLite connection to it must be closed first (a
        descriptor of the journal closed while SQLite holds it open would drop SQLite's
        own locks on it)."""
        if self._fh is not None:
            closed_first = False
            with contextlib.suppress(OSError):
                mine = os.fstat(self._fh.fileno())
                now = os.stat(self.path, follow_symlinks=False)
                if (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
                    try:
                        os.unlink(self.path)  # still holding it, so nobody else has it
                    except PermissionError:
                        # Windows removes no open file: not ours until it is closed, nor,
                        # after that, one that another writer has opened meanwhile
                        closed_first = not _OPEN_FILES_MOVE
            self._fh.close()
            self._fh = None
            if closed_first:
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
        if self._file is not None:
            os.close(self._file)
            self._file = None

    @property
    def held(self) -> bool:
        return self._fh is not None or self._file is not None


#: how many times a lock file found empty is looked at again before it is taken for
#: someone else's: its writer creates it and writes its record in it at once
_EMPTY_TRIES = 10
#: the longest record a writer writes in its lock file (a host name is at most 255 bytes)
_RECORD_LIMIT = 4096


def _holder_record() -> bytes:
    """What a writer writes in its lock file: who it is (pid, host, when it started)."""
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": datetime.now().astimezone().isoformat(timespec="seconds")}
    return json.dumps(me).encode()


def _is_holder_record(fd: int, size: int) -> bool:
    """Whether the lock file open at ``fd`` (``size`` bytes) holds what a writer of a
    journal writes in it, by this release or an earlier one: a JSON object with its
    ``pid``, ``host`` and ``started``. Anything else is another program's file."""
    if not 0 < size <= _RECORD_LIMIT:
        return False
    try:
        data = json.loads(_read_start(fd, _RECORD_LIMIT).decode("utf-8"))
    except (OSError, *_JSON_ERRORS):
        return False
    return (isinstance(data, dict) and type(data.get("pid")) is int
            and isinstance(data.get("host"), str) and isinstance(data.get("started"), str))


def _new_lock_file(path: Path, record: bytes) -> bool:
    """Create the lock file ``path`` (``0600``), with ``record`` written in it at once:
    False when it cannot be created (a read-only folder), True when it was, or another
    writer created it first."""
    try:
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, PRIVATE_FILE)
    except FileExistsError:
        return True
    except (OSError, FileProblem, ValueError):
        return False
    try:
        with contextlib.suppress(OSError):
            make_private(fd)
        with contextlib.suppress(OSError):
            _write_start(fd, record)
    finally:
        os.close(fd)
    return True


def _holder(fh: Any) -> str:
    """Who holds a lock, from what its holder wrote in it."""
    try:
        data = json.loads(_read_start(fh.fileno(), 4096).decode("utf-8"))
        pid = int(data["pid"])
        host = one_line(str(data["host"]))[:255]
        started = one_line(str(data["started"]))[:64]
    except (OSError, KeyError, *_JSON_ERRORS):
        return "another process"
    return f"process {pid} on {host} (since {started})"


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``, made once (a big
#: journal checks tens of thousands of rows)
_ROW_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _link(prev: str, table: str, row: tuple) -> str:
    """The checksum of a row, chained to the one before it."""
    text = _ROW_TEXT([table, *row])
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


def _header_sum(meta: dict[str, Any]) -> str:
    values = [meta.get(k) for k in HEADER_KEYS]
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_RATINGS = """
CREATE TABLE IF NOT EXISTS ratings (
    expectation TEXT PRIMARY KEY, rating TEXT NOT NULL, note TEXT NOT NULL,
    who TEXT NOT NULL, wall REAL NOT NULL);
CREATE TABLE IF NOT EXISTS derived (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
#: Evaluators' notes taken during play: evaluator material like the ratings, kept beside
#: the chained record (not replayed), so an old journal without the table still opens.
_NOTES = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, drill_time REAL NOT NULL, wall REAL NOT NULL,
    who TEXT NOT NULL, expectation TEXT, team TEXT, text TEXT NOT NULL);
"""
#: the longest note kept, in characters
NOTE_LIMIT = 4000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    seq INTEGER PRIMARY KEY, wall REAL NOT NULL, drill_time REAL NOT NULL,
    who TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
    origin TEXT NOT NULL, chain TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, wall REAL NOT NULL, drill_time REAL NOT NULL,
    type TEXT NOT NULL, actor TEXT, incident TEXT, details TEXT NOT NULL,
    origin TEXT NOT NULL, chain TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_type ON events(type);
""" + _RATINGS + _NOTES

_COLUMNS = {
    "commands": "seq, wall, drill_time, who, kind, payload",
    "events": "seq, wall, drill_time, type, actor, incident, details",
}
_NOUN = {"commands": "command", "events": "event"}
_FIRST_SEQ = {"commands": 1, "events": 0}


@dataclass(frozen=True)
class Command:
    """One recorded command: who did what, when (drill and wall-clock time)."""

    seq: int
    wall: float
    drill_time: float
    who: str
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Note:
    """An evaluator's observation during play: when (drill and wall-clock time), about
    which expectation or team (or the drill in general), in the evaluator's words."""

    id: int
    drill_time: float | None
    wall: float | None
    who: str
    text: str
    expectation: str = ""
    team: str = ""


@dataclass
class Contents:
    """Everything a journal holds, read at one moment and checked."""

    meta: dict[str, Any]
    commands: list[Command]
    events: list[Event]
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


def _check_file(path: Path) -> None:
    """Refuse what is not a regular SQLite file, without blocking on a pipe."""
    try:
        fd = open_regular(path, what="journal")
    except Unreadable as exc:
        raise JournalError(str(exc)) from None
    try:
        magic = os.read(fd, 16)
    except OSError as exc:
        raise JournalError(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if magic != b"SQLite format 3\x00":
        raise JournalError(f"{path}: not a drill journal (not an SQLite file)")


#: the files SQLite keeps beside a journal in WAL mode, which hold what it holds
_SQLITE_SIDES = ("-wal", "-shm")


def _wal_size(path: Path) -> int | None:
    """The size of the journal's -wal file (``path`` is its own file), None when it has none."""
    try:
        return os.stat(f"{path}-wal", follow_symlinks=False).st_size
    except OSError:
        return None


def _copy_advice(path: Path) -> str:
    """How to copy the journal at ``path`` so that the copy holds all of its drill: a
    journal left by a crash (or in use) has its last part in its -wal file."""
    if _wal_size(_real(path)):
        return "copy it, with its -wal file (the copy's name plus -wal),"
    return "copy it"


def _keep_private(path: Path, *, writing: bool, shown: Path | None = None) -> None:
    """Make a journal, and the ``-wal`` and ``-shm`` files beside it, readable by their
    owner only before SQLite opens them (``path`` is the journal's own file, ``shown``
    the name it was given by).

    SQLite gives the files it creates beside a database the database file's own mode,
    whatever the umask: a journal copied with ``cp`` under umask 022 (``0644``) would
    have its drill's text written into files anyone can read. A file of the user's is
    made ``0600``. One that belongs to someone else cannot be: it is refused when the
    journal is opened to be written (``writing``) and can be, and only read otherwise.

    Windows's files have no such owner and mode: who may read them is the folder's to say
    (see :mod:`sim.safe.files`), so nothing is checked there.
    """
    if not hasattr(os, "geteuid"):
        return
    shown = path if shown is None else shown
    me = os.geteuid()
    try:
        info = os.stat(path)
    except OSError:
        return  # said by whatever opens it next
    writing = writing and os.access(path, os.W_OK)
    if info.st_mode & 0o077:
        if info.st_uid != me:
            if writing:
                raise JournalError(
                    f"{shown}: the journal can be read by other users and belongs to another "
                    f"user, so what is written beside it could not be kept private; "
                    f"{_copy_advice(path)} to a file of your own (readable by you only) and "
                    "use the copy")
        else:
            try:
                os.chmod(path, PRIVATE_FILE)
            except OSError as exc:
                # a read-only file system: nothing can be written beside it either
                if writing and exc.errno != errno.EROFS:
                    raise JournalError(f"{shown}: cannot make the journal readable by its "
                                       f"owner only: {exc.strerror}") from None
    for suffix in _SQLITE_SIDES:
        side = Path(f"{path}{suffix}")
        try:
            fd = os.open(side, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # none yet: SQLite creates it with the journal's mode
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                if st.st_uid == me:
                    os.fchmod(fd, PRIVATE_FILE)
                elif writing:
                    raise JournalError(
                        f"{shown}: its {suffix} file can be read by other users and belongs "
                        f"to another user; {_copy_advice(path)} to a file of your own and use "
                        "the copy")
        except OSError:
            pass
        finally:
            os.close(fd)


def _uri(path: Path, query: str) -> str:
    return "file:" + urllib.parse.quote(str(Path(path).absolute())) + "?" + query


def is_journal(path: Path) -> bool:
    """Whether the SQLite file at ``path`` holds a drill journal's header (a ``meta``
    table naming the journal format), read without locking it or creating any file
    beside it, and without changing it in any way.

    A journal's header is in the file itself from its creation on (it is built under a
    temporary name and linked into place complete), so the ``-wal`` file need not be read.
    It is found in a journal cut short or damaged elsewhere too (SQLite refuses a file
    shorter than its first page says unless told to read its schema as it is).
    """
    try:
        conn = sqlite3.connect(_uri(path, "mode=ro&immutable=1"), uri=True)
    except _DB_ERRORS:
        return False
    try:
        conn.execute("PRAGMA writable_schema=ON")  # read-only here: nothing can be written
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        return row is not None and json.loads(row[0]) == JOURNAL_FORMAT
    except (*_DB_ERRORS, *_JSON_ERRORS):
        return False
    finally:
        conn.close()


#: SQLite's primary result codes for a file it cannot open, or cannot open to write
_CANTOPEN, _READONLY = 14, 8
#: ... and for a file whose content is not what SQLite wrote: its schema or its pages
_DAMAGE_CODES = (1, 11, 26)  # SQLITE_ERROR (no such table...), SQLITE_CORRUPT, SQLITE_NOTADB


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _probed(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn`` once it has read the journal (SQLite opens the -wal and -shm files, and
    finds a file cut short, on the first read); closed if that fails."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _connect(path: Path, readonly: bool, *, shown: Path | None = None) -> sqlite3.Connection:
    """A connection to the journal file ``path`` (its own file: SQLite's -wal and -shm
    files go beside it), read-only when ``readonly``; ``shown`` is the name it was given by.

    A journal that SQLite cannot open the usual way because nothing can be written beside
    it (a read-only folder or file system: no -shm file can be made) is read as it is, when
    its -wal file holds nothing: no drill can be writing to it there.
    """
    shown = path if shown is None else shown
    try:
        if readonly:
            return _probed(sqlite3.connect(_uri(path, "mode=ro"), uri=True))
        return _probed(sqlite3.connect(path))
    except sqlite3.OperationalError as exc:
        if (_code(exc) not in (_CANTOPEN, _READONLY) or os.access(path.parent, os.W_OK)
                or os.path.lexists(f"{path}-shm")):
            raise
        if _wal_size(path):
            raise JournalError(
                f"{shown}: the end of the drill is in the journal's -wal file, which cannot be "
                "read where nothing can be written beside it; copy the journal with its -wal "
                "file to a folder you can write to") from None
    return _probed(sqlite3.connect(_uri(path, "mode=ro&immutable=1"), uri=True))


def _unreadable(path: Path, exc: BaseException, recognised: bool) -> JournalError:
    """Why the file at ``path`` cannot be read as a journal: not one, or, once its header
    was recognised as a journal's, a damaged one (or one SQLite cannot read here)."""
    why = _why(exc)
    if not recognised:
        return JournalError(f"{path}: not a drill journal ({why})")
    if not isinstance(exc, sqlite3.Error) or _code(exc) in (*_DAMAGE_CODES, None):
        return JournalError(f"{path}: the journal is damaged ({why}): restore it from a copy")
    return JournalError(f"{path}: cannot read the journal ({why})")


def _has_checksums(conn: sqlite3.Connection, meta: dict[str, Any]) -> bool:
    """Whether a journal carries checksums (version 2 on), told from what it holds, not
    from the version its header states: the ``header`` and ``head`` values, or the
    ``origin`` and ``chain`` columns of its rows."""
    if "header" in meta or "head" in meta:
        return True
    for table in _COLUMNS:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if columns & {"origin", "chain"}:
            return True
    return False


#: A journal with checksums whose header says version 1: checks switched off by hand.
_DOWNGRADED = ("the journal is damaged: its version was changed after it was recorded (it "
               "says 1, but its rows carry checksums)")


class Journal:
    """The SQLite record of one drill.

    Open one with :meth:`create` (a new drill, locked for writing), :meth:`open`
    (to read, and to save the evaluator's ratings) or :meth:`open_for_writing` (to
    carry on a drill: locked, and refused if the file cannot be written).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: dict[str, Any], *,
                 writable: bool = True, lock: WriterLock | None = None,
                 chained: bool | None = None):
        self.path = path
        self.conn = conn
        self.writable = writable
        self._lock = lock
        self.version = meta.get("version", 1)
        #: version 1 journals have no checksums; they are read and carried on as they are.
        #: Whether a journal has them is told from what it holds (see :meth:`open`).
        self.chained = (chained if chained is not None
                        else (isinstance(self.version, int) and self.version >= 2)
                        or "head" in meta or "header" in meta)
        #: when the -wal file was last folded into the journal file (time.monotonic), and
        #: how many times it was written since
        self._checkpointed = time.monotonic()
        self._writes = 0
        self.origin = str(meta.get("journal_id", ""))
        self._head: dict[str, list[Any]] = {}
        if self.chained:
            head = meta.get("head")
            try:
                self._head = {t: [int(head[t][0]), str(head[t][1])] for t in _COLUMNS}
            except (TypeError, KeyError, IndexError, ValueError):
                raise JournalError(f"{path}: the journal's header is damaged (no row counts)") from None
        #: the row counts and last checksums as last committed (what a failed write goes back to)
        self._saved = {t: list(v) for t, v in self._head.items()}
        self._dirty = False
        #: why the journal takes no more writes (a failed write could not be undone)
        self._stuck: str | None = None

    # --- opening -----------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, meta: dict[str, Any]) -> Journal:
        """A new journal at ``path`` (which must not exist), locked for writing.

        The journal is built under a temporary name and linked into place complete, so
        a crash while creating it never leaves a journal that cannot be opened.
        """
        path = Path(path)
        _check_new(path)  # before the lock file beside it is created or taken
        lock = WriterLock(path).acquire(file=False)  # the new file is locked once made
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.part")
        try:
            _check_new(path)  # again, now that no other drill can be creating it
            try:
                create_private(tmp)  # 0600 in a 0700 folder; SQLite's -wal and -shm follow
            except FileProblem as exc:
                raise JournalError(f"cannot create the journal: {exc}") from None
            if _OPEN_FILES_MOVE:
                lock.hold(tmp)  # the file that becomes the journal
            journal_id = uuid.uuid4().hex
            rows = {"format": JOURNAL_FORMAT, "version": JOURNAL_VERSION,
                    "journal_id": journal_id, "written_by": product_version(), **meta}
            rows["header"] = _header_sum(rows)
            rows["head"] = {t: [0, journal_id] for t in _COLUMNS}
            try:
                conn = sqlite3.connect(tmp)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [(k, json.dumps(v, ensure_ascii=False)) for k, v in rows.items()],
                )
                conn.commit()
                conn.close()  # the last connection folds the WAL into the file
                _link_into_place(tmp, path)
                if not _OPEN_FILES_MOVE:
                    # Windows: a file held open keeps its name, so the journal is locked
                    # once it has it; until then its lock file keeps other drills away
                    lock.hold(path)
                conn = sqlite3.connect(path)
                conn.execute("PRAGMA synchronous=NORMAL")
            except (OSError, ValueError, *_DB_ERRORS) as exc:
                raise JournalError(f"{path}: cannot create the journal: {_why(exc)}") from None
        except BaseException:
            lock.release()
            raise
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        return cls(path, conn, rows, lock=lock, chained=True)

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Journal:
        """Open a journal to read it (and, unless ``readonly``, to save ratings in it).

        ``writable`` tells whether the file can be written: not when it has a second name
        (a hard link), through which SQLite would keep another -wal file.
        """
        path = Path(path)
        _check_file(path)
        real = _real(path)
        if not readonly and _links(real) > 1:
            readonly = True
        recognised = is_journal(real)
        if recognised:  # a file that is not a journal is refused below, left as it was
            _keep_private(real, writing=not readonly, shown=path)
        conn = None
        try:
            conn = _connect(real, readonly, shown=path)
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except _DB_ERRORS as exc:
            if conn is not None:
                conn.close()
            raise _unreadable(path, exc, recognised) from None
        try:
            meta = {str(k): json.loads(v) for k, v in rows.items()}
        except RecursionError:
            conn.close()
            raise JournalError(f"{path}: the journal's header is damaged (a value nested too "
                               "deep to be read)") from None
        except _JSON_ERRORS:
            conn.close()
            raise JournalError(f"{path}: the journal's header is damaged") from None
        try:
            if meta.get("format") != JOURNAL_FORMAT:
                raise JournalError(f"{path}: not a drill journal")
            version = meta.get("version")
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise JournalError(f"{path}: the journal's header is damaged (no version)")
            if version > JOURNAL_VERSION:
                raise JournalError(
                    f"{path}: written by a newer version of acid-drill (journal version {version}; "
                    f"this one reads up to {JOURNAL_VERSION}); upgrade to open it"
                )
            for table in _COLUMNS:
                try:
                    conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                except _DB_ERRORS as exc:
                    if "no such table" in str(exc):
                        raise JournalError(f"{path}: the journal is damaged (cut short: no "
                                           f"{table} table): restore it from a copy") from None
                    raise _unreadable(path, exc, True) from None
            try:
                chained = _has_checksums(conn, meta)
            except _DB_ERRORS as exc:
                raise _unreadable(path, exc, True) from None
            if chained and version < 2:
                raise JournalError(f"{path}: {_DOWNGRADED}")
            writable = False
            if not readonly:
                writable = _can_write(conn)
                if writable:
                    with contextlib.suppress(*_DB_ERRORS):
                        conn.execute("PRAGMA journal_mode=WAL")
                        conn.executescript(_RATINGS + _NOTES)
            journal = cls(path, conn, meta, writable=writable, chained=chained)
        except BaseException:
            conn.close()
            raise
        return journal

    @classmethod
    def open_for_writing(cls, path: Path) -> Journal:
        """Open a journal to carry on recording into it: locked, and known to be writable."""
        path = Path(path)
        _check_file(path)
        lock = WriterLock(path).acquire()
        try:
            journal = cls.open(path)
        except BaseException:
            lock.release()
            raise
        journal._lock = lock
        if not journal.writable:
            journal.close()
            raise JournalError(
                f"{path}: the journal is read-only, so the drill cannot carry on in it "
                f"(drill review and drill report can still read it; {_copy_advice(path)} "
                "to resume)"
            )
        return journal

    def close(self) -> None:
        try:
            if self.writable:
                self.commit()
        except JournalError:
            pass
        finally:
            with contextlib.suppress(*_DB_ERRORS):
                self.conn.close()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    # --- reading -----------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        try:
            return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}
        except RecursionError:
            raise JournalError(f"{self.path}: the journal's header is damaged (a value nested "
                               "too deep to be read)") from None
        except (*_JSON_ERRORS, *_DB_ERRORS):
            raise JournalError(f"{self.path}: the journal's header is damaged") from None

    def set_meta(self, key: str, value: Any) -> None:
        try:
            self.conn.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
        except _DB_ERRORS as exc:
            raise self._failed(exc) from None

    def _rows(self, table: str) -> list[tuple]:
        extra = ", origin, chain" if self.chained else ""
        try:
            return self.conn.execute(
                f"SELECT {_COLUMNS[table]}{extra} FROM {table} ORDER BY seq").fetchall()
        except _DB_ERRORS as exc:
            raise _unreadable(self.path, exc, True) from None

    def commands(self) -> list[Command]:
        return [self._command_of(r) for r in self._rows("commands")]

    def events(self) -> list[Event]:
        return [self._event_of(r) for r in self._rows("events")]

    def read(self, verify: bool = True) -> Contents:
        """The whole journal as of one moment (a live drill may be writing meanwhile),
        checked row by row against its checksums."""
        snapshot = not self.conn.in_transaction
        try:
            if snapshot:
                self.conn.execute("BEGIN")
            meta = self.meta()
            rows = {t: self._rows(t) for t in _COLUMNS}
            ratings = self.ratings()
            notes = self.notes()
        except _DB_ERRORS as exc:
            raise _unreadable(self.path, exc, True) from None
        finally:
            if snapshot:
                with contextlib.suppress(*_DB_ERRORS):
                    self.conn.rollback()
        if verify:
            self._verify(meta, rows)
        return Contents(meta, [self._command_of(r) for r in rows["commands"]],
                        [self._event_of(r) for r in rows["events"]], ratings, notes)

    def _damaged(self, why: str) -> JournalError:
        return JournalError(f"{self.path}: the journal is damaged: {why}")

    def _verify(self, meta: dict[str, Any], rows: dict[str, list[tuple]]) -> None:
        if not self.chained:
            for table, found in rows.items():
                self._check_sequence(table, [r[0] for r in found])
            return
        try:
            header = _header_sum(meta)
        except _JSON_ERRORS:  # a value nested too deep to be written out again
            header = None
        if header is None or meta.get("header") != header:
            raise self._damaged("its header (the scenario, seed or roles) was changed after it "
                                "was recorded")
        head = meta.get("head")
        for table, found in rows.items():
            noun = _NOUN[table]
            try:
                recorded, last = int(head[table][0]), str(head[table][1])
            except (TypeError, KeyError, IndexError, ValueError):
                raise self._damaged("its header has no row counts") from None
            prev = self.origin
            expected = _FIRST_SEQ[table]
            for row in found:
                seq, origin, chain = row[0], row[-2], row[-1]
                if origin != self.origin:
                    raise self._damaged(f"{noun} {seq} comes from another journal")
                if seq != expected:
                    raise self._gap(noun, expected, seq)
                try:
                    link = _link(prev, table, row[:-1])
                except TypeError:  # a value SQLite gives back as bytes: not what was written
                    raise self._damaged(f"{noun} {seq} was changed after it was recorded") from None
                if expected - _FIRST_SEQ[table] >= recorded:
                    raise self._damaged(f"{noun} {seq} was added after the journal was "
                                        "last written")
                if link != chain:
                    raise self._damaged(f"{noun} {seq} was changed after it was recorded")
                prev = chain
                expected += 1
            n = expected - _FIRST_SEQ[table]
            if n < recorded:
                if n == 0:
                    raise self._damaged(f"all {recorded} recorded {noun}s were deleted")
                gone = recorded - n
                raise self._damaged(
                    f"its last {f'{gone} {noun}s were' if gone != 1 else f'{noun} was'} deleted "
                    f"({recorded} {'were' if recorded != 1 else 'was'} recorded, {n} "
                    f"{'are' if n != 1 else 'is'} left)")
            if prev != last:
                raise self._damaged(f"its last {noun} was changed after it was recorded")

    def _check_sequence(self, table: str, seqs: list[int]) -> None:
        """Rows are numbered without gaps (events from 0, commands from 1)."""
        expected = _FIRST_SEQ[table]
        for seq in seqs:
            if seq != expected:
                raise self._gap(_NOUN[table], expected, seq)
            expected += 1

    def _gap(self, noun: str, expected: int, seq: Any) -> JournalError:
        if not isinstance(seq, int) or isinstance(seq, bool):
            return self._damaged(f"a {noun} after {noun} {expected - 1} has no valid number")
        if seq < expected:
            return self._damaged(f"{noun} {seq} is out of place (rows were added)")
        missing = (f"{noun} {expected} is" if seq == expected + 1
                   else f"{noun}s {expected} to {seq - 1} are")
        return self._damaged(f"{missing} missing (rows were deleted)")

    def _command_of(self, row: tuple) -> Command:
        seq, wall, t, who, kind, payload = row[:6]
        where = f"command {seq}"
        try:
            data = json.loads(payload)
        except RecursionError:
            raise self._damaged(f"{where} has a payload nested too deep to be read") from None
        except _JSON_ERRORS:
            raise self._damaged(f"{where} has a payload that is not valid JSON") from None
        if not isinstance(data, dict):
            raise self._damaged(f"{where} has a payload that is not a JSON object")
        if not _finite(t) or not _finite(wall):
            raise self._damaged(f"{where} has no valid time")
        if not isinstance(who, str) or not isinstance(kind, str):
            raise self._damaged(f"{where} does not say who did what")
        return Command(seq, float(wall), float(t), who, kind, data)

    def _event_of(self, row: tuple) -> Event:
        seq, _wall, t, type_, actor, incident, details = row[:7]
        where = f"event {seq}"
        try:
            data = json.loads(details)
        except RecursionError:
            raise self._damaged(f"{where} has details nested too deep to be read") from None
        except _JSON_ERRORS:
            raise self._damaged(f"{where} has details that are not valid JSON") from None
        if not isinstance(data, dict):
            raise self._damaged(f"{where} has details that are not a JSON object")
        if not _finite(t):
            raise self._damaged(f"{where} has no valid drill time")
        if not isinstance(type_, str) or not all(v is None or isinstance(v, str)
                                                 for v in (actor, incident)):
            raise self._damaged(f"{where} has no valid type, actor or incident")
        return Event(seq, float(t), type_, actor, incident, MappingProxyType(data))

    def ratings(self) -> dict[str, dict[str, str]]:
        """The evaluator's ratings and notes, by expectation id."""
        try:
            rows = self.conn.execute("SELECT expectation, rating, note, who FROM ratings").fetchall()
        except _DB_ERRORS:
            return {}  # an old journal opened read-only has no ratings table

        def s(v: Any) -> str:
            return "" if v is None else str(v)

        return {s(exp): {"rating": s(rating), "note": s(note), "who": s(who)}
                for exp, rating, note, who in rows}

    def set_rating(self, expectation: str, rating: str, note: str, who: str = "evaluator") -> None:
        if not self.writable:
            raise JournalError(f"{self.path}: the journal is read-only; the rating is not saved")
        try:
            self.conn.execute(
                "INSERT INTO ratings VALUES (?, ?, ?, ?, ?) ON CONFLICT(expectation) DO UPDATE SET "
                "rating=excluded.rating, note=excluded.note, who=excluded.who, wall=excluded.wall",
                (expectation, rating, note, who, time.time()),
            )
        except _DB_ERRORS as exc:
            self._undo()
            raise JournalError(f"{self.path}: cannot save the rating: {_why(exc)}") from None
        self.commit()

    def notes(self) -> list[Note]:
        """The evaluators' notes, in the order they were taken."""
        try:
            rows = self.conn.execute(
                "SELECT id, drill_time, wall, who, expectation, team, text FROM notes "
                "ORDER BY id").fetchall()
        except _DB_ERRORS:
            return []  # an old journal opened read-only has no notes table

        def s(v: Any) -> str:
            return "" if v is None else str(v)

        def t(v: Any) -> float | None:
            return float(v) if _finite(v) else None

        return [Note(n if isinstance(n, int) else 0, t(drill), t(wall), s(who), s(text),
                     s(exp), s(team))
                for n, drill, wall, who, exp, team, text in rows]

    def add_note(self, drill_time: float, wall: float, who: str, text: str,
                 expectation: str = "", team: str = "") -> Note:
        if not self.writable:
            raise JournalError(f"{self.path}: the journal is read-only; the note is not saved")
        try:
            cur = self.conn.execute(
                "INSERT INTO notes (drill_time, wall, who, expectation, team, text) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (drill_time, wall, who, expectation or None, team or None, text))
        except _DB_ERRORS as exc:
            self._undo()
            raise JournalError(f"{self.path}: cannot save the note: {_why(exc)}") from None
        self.commit()
        return Note(int(cur.lastrowid or 0), drill_time, wall, who, text, expectation, team)

    def event_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def events_head(self, meta: dict[str, Any] | None = None) -> tuple[int, str] | None:
        """(number of events, checksum of the last one) as recorded in ``meta`` (as read
        with the events), or as written so far; None for a journal without checksums."""
        if not self.chained:
            return None
        try:
            n, last = (meta["head"] if meta is not None else self._head)["events"]
            return int(n), str(last)
        except (TypeError, KeyError, ValueError):
            return None

    def derived(self, name: str) -> Any:
        """Something computed from the journal and kept in it (None if absent or unreadable)."""
        try:
            row = self.conn.execute("SELECT value FROM derived WHERE name=?", (name,)).fetchone()
            return json.loads(row[0]) if row else None
        except (*_JSON_ERRORS, *_DB_ERRORS):
            return None  # an older journal opened read-only has no such table

    def set_derived(self, name: str, value: Any) -> bool:
        """Keep something computed from the journal in it; False if it cannot be written
        (a read-only journal still opens; what is derived is computed again next time)."""
        if not self.writable:
            return False
        try:
            self.conn.execute(
                "INSERT INTO derived VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                (name, json.dumps(value, ensure_ascii=False, allow_nan=False)))
            self.commit()
        except _DB_ERRORS:
            self._undo()
            return False
        except (ValueError, JournalError):
            return False
        return True

    # --- writing -----------------------------------------------------------------

    def _chain(self, table: str, rows: list[tuple]) -> tuple[list[tuple], list[Any]]:
        """``rows`` with their origin and checksums, and the table's head after them.

        The head is only moved on once the rows are written (see :meth:`_written`).
        """
        if not self.chained:
            return rows, []
        n, prev = self._head[table]
        chained = []
        for row in rows:
            prev = _link(prev, table, (*row, self.origin))
            chained.append((*row, self.origin, prev))
        return chained, [n + len(rows), prev]

    def _written(self, table: str, head: list[Any]) -> None:
        if self.chained:
            self._head[table] = head
            self._dirty = True

    def _undo(self) -> None:
        """Roll back what was written since the last commit, and the row counts with it,
        so the header never counts rows that are not in the file."""
        with contextlib.suppress(*_DB_ERRORS):
            self.conn.rollback()
        self._head = {t: list(v) for t, v in self._saved.items()}
        self._dirty = False
        try:
            undone = not self.conn.in_transaction
        except _DB_ERRORS:
            undone = False
        if not undone:  # the rollback failed: what the file holds is not known
            self._stuck = "an earlier write could not be undone"

    def _failed(self, exc: BaseException) -> JournalError:
        self._undo()
        return JournalError(f"{self.path}: cannot write to the journal: {_why(exc)}")

    def add_command(self, wall: float, drill_time: float, who: str, kind: str,
                    payload: dict[str, Any]) -> None:
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        try:
            if self.chained:
                (row,), head = self._chain("commands", [(
                    self._head["commands"][0] + 1, float(wall), float(drill_time), who, kind,
                    text)])
                self.conn.execute("INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                self._written("commands", head)
            else:
                self.conn.execute(
                    "INSERT INTO commands (wall, drill_time, who, kind, payload) "
                    "VALUES (?, ?, ?, ?, ?)", (wall, drill_time, who, kind, text))
        except _DB_ERRORS as exc:
            raise self._failed(exc) from None

    def add_events(self, wall: float, events: list[Event]) -> None:
        rows, head = self._chain("events", [
            (e.seq, float(wall), float(e.time), e.type, e.actor, e.incident,
             json.dumps(dict(e.details), sort_keys=True, ensure_ascii=False))
            for e in events
        ])
        marks = ", ".join("?" * (9 if self.chained else 7))
        try:
            self.conn.executemany(f"INSERT INTO events VALUES ({marks})", rows)
        except _DB_ERRORS as exc:
            raise self._failed(exc) from None
        self._written("events", head)

    def commit(self) -> None:
        """Make what was written since the last commit part of the file.

        A write or commit that fails (a full disk) rolls back everything since the last
        commit, so the journal stays as it was last committed and can be resumed.
        """
        if self._stuck is not None:
            raise JournalError(f"{self.path}: cannot write to the journal: {self._stuck}")
        try:
            if self._dirty:
                self.set_meta("head", self._head)
            self.conn.commit()
        except _DB_ERRORS as exc:
            raise self._failed(exc) from None
        self._dirty = False
        self._saved = {t: list(v) for t, v in self._head.items()}

    def checkpoint(self, *, due: bool = True) -> None:
        """Fold what the -wal file holds into the journal file itself, without waiting for
        readers, so that the file alone holds the drill as written so far: at once, or
        (``due`` False) once the last fold is :data:`CHECKPOINT_SECONDS` old or
        :data:`CHECKPOINT_WRITES` writes ago. One that cannot be done (a full disk)
        changes nothing: the -wal file keeps it all."""
        self._writes += 1
        if not due and (self._writes < CHECKPOINT_WRITES
                        and time.monotonic() - self._checkpointed < CHECKPOINT_SECONDS):
            return
        with contextlib.suppress(*_DB_ERRORS):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self._checkpointed = time.monotonic()
        self._writes = 0

    def _resync(self, contents: Contents) -> None:
        """After a checked read: carry on the chains from the last rows read."""
        if self.chained:
            self._head = {t: list(contents.meta["head"][t]) for t in _COLUMNS}
            self._saved = {t: list(v) for t, v in self._head.items()}


#: the files SQLite would take for a new journal's own, found beside it: a rollback
#: journal it would roll back into it, a -wal file it would replay into it
_SQLITE_SIDES_FOUND = ("-journal", *_SQLITE_SIDES)
#: where ``drill host`` keeps a drill's invitation tokens: JOURNAL.tokens
_TOKENS_SUFFIX = ".tokens"
#: the largest tokens file read
_TOKENS_LIMIT = 4 * 1024 * 1024


def _check_new(path: Path) -> None:
    """Refuse a new journal at ``path`` where a file is already in its place, or where
    a file beside it would be taken for one of its own: SQLite's (a rollback journal or a
    -wal file would be read into the new journal, then removed), or a tokens file that
    ``drill host`` would write over when it is not one (an earlier drill's is replaced).
    A journal being recorded is said to be in use. Nothing is created or changed."""
    if path.exists() or path.is_symlink():
        if path.is_dir():
            raise JournalError(f"cannot create the journal: {path}: is a folder; "
                               "give a file name")
        lock = WriterLock(path)
        holder = lock.holder()
        if holder is not None:  # a drill is being recorded there
            raise JournalBusy(lock._busy(holder))
        raise JournalExists(path)
    for suffix in _SQLITE_SIDES_FOUND:
        side = _beside(path, suffix)
        if os.path.lexists(side):
            raise JournalError(
                f"cannot create the journal: {side} already exists, and SQLite would take it "
                "for the new journal's own (left beside a journal that was moved or deleted, "
                "perhaps); move it away, or choose another file")
    tokens = Path(f"{path}{_TOKENS_SUFFIX}")
    if os.path.lexists(tokens) and not _is_tokens_file(tokens):
        raise JournalError(
            f"cannot create the journal: {tokens} already exists, and is not a drill's "
            "invitation tokens file, which drill host keeps there; move it away, or choose "
            "another file")


def _is_tokens_file(path: Path) -> bool:
    """Whether ``path`` is a regular file that holds a drill's invitation tokens (a JSON
    object with its ``grants``), of whatever drill."""
    try:
        data = json.loads(read_bounded(path, _TOKENS_LIMIT, what="tokens file"))
    except (Unreadable, *_JSON_ERRORS):
        return False
    return isinstance(data, dict) and isinstance(data.get("grants"), list)


def _link_into_place(tmp: Path, path: Path) -> None:
    """Give the finished file ``tmp`` its name ``path``, never replacing an existing file."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise JournalExists(path) from None
    except OSError:  # no hard links here; the writer's lock keeps other drills away
        if path.exists():
            raise JournalExists(path) from None
        os.replace(tmp, path)
    else:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _can_write(conn: sqlite3.Connection) -> bool:
    """Whether the journal file can be written (a harmless write, rolled back)."""
    try:
        conn.execute("UPDATE meta SET value=value WHERE key='format'")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)  # writable; a drill is writing
    except _DB_ERRORS:
        return False
    finally:
        with contextlib.suppress(*_DB_ERRORS):
            conn.rollback()
    return True


@dataclass
class JournalInfo:
    path: Path
    scenario: str
    title: str
    created: str
    drill_time: float
    finished: bool
    commands: int
    events: int


def _last_written(path: Path) -> float:
    """When a journal was last written: its -wal file changes before the file itself. An
    empty -wal file is left behind by a reader, stamped with the time it read the journal."""
    times = []
    real = _real(path)
    with contextlib.suppress(OSError):
        times.append(real.stat().st_mtime)
    with contextlib.suppress(OSError):
        wal = os.stat(f"{real}-wal", follow_symlinks=False)
        if wal.st_size:
            times.append(wal.st_mtime)
    return max(times, default=0.0)


def _holds_journal(path: Path) -> bool:
    """Whether ``path``, named otherwise than ``*.journal.sqlite``, is a regular SQLite
    file holding a drill journal (a journal being built under its temporary name, and
    SQLite's files beside a journal, are not)."""
    name = path.name
    if name.endswith((*_SQLITE_SIDES, ".lock")) or (name.startswith(".") and name.endswith(".part")):
        return False
    try:
        if not hasattr(os, "O_NOFOLLOW") and path.is_symlink():  # Windows
            return False
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | _OPEN_FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.read(fd, 16) != b"SQLite format 3\x00":
            return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return is_journal(path)


def _recorded_at(journal: Journal, meta: dict[str, Any]) -> float | None:
    """When the drill in ``journal`` last recorded something (wall-clock): its last event,
    action or evaluator's note, or its last resume. What a review keeps in it (ratings,
    the comparison with the model) and what a reader leaves beside it do not count."""
    times: list[float] = []
    for table, key in (("events", "seq"), ("commands", "seq"), ("notes", "id")):
        with contextlib.suppress(*_DB_ERRORS):  # an old journal has no notes table
            row = journal.conn.execute(
                f"SELECT wall FROM {table} ORDER BY {key} DESC LIMIT 1").fetchone()
            if row is not None and _finite(row[0]):
                times.append(float(row[0]))
    resumed = meta.get("resumed")
    if isinstance(resumed, str):
        with contextlib.suppress(ValueError, OverflowError, OSError):
            times.append(datetime.fromisoformat(resumed).timestamp())
    return max(times, default=None)


def list_journals(directory: Path | None = None) -> list[JournalInfo | tuple[Path, str]]:
    """Journals in ``directory``, the one whose drill recorded something last first;
    unreadable ones as (path, reason), placed by when their file was last written."""
    directory = directory or journal_dir()
    if not directory.is_dir():
        return []
    try:
        found = [p for p in directory.iterdir()
                 if p.name.endswith(SUFFIX) or _holds_journal(p)]
    except OSError:  # a folder that cannot be listed holds no journal to show
        return []
    rows: list[tuple[float, str, JournalInfo | tuple[Path, str]]] = []
    for path in sorted(found, key=lambda p: p.name):
        try:
            j = Journal.open(path, readonly=True)
        except JournalError as exc:
            rows.append((_last_written(path), path.name,
                         (path, str(exc).removeprefix(f"{path}: "))))
            continue
        try:
            m = j.meta()
            n_cmd = j.conn.execute("SELECT count(*) FROM commands").fetchone()[0]
            progress = m.get("progress", 0.0)
            info = JournalInfo(
                path, str(m.get("scenario_id", "?")), str(m.get("title", "")),
                str(m.get("created", "")), float(progress) if _finite(progress) else 0.0,
                m.get("finished") is True, n_cmd, j.event_count(),
            )
            recorded = _recorded_at(j, m)
            rows.append((_last_written(path) if recorded is None else recorded, path.name, info))
        except JournalError as exc:
            rows.append((_last_written(path), path.name,
                         (path, str(exc).removeprefix(f"{path}: "))))
        except _DB_ERRORS as exc:
            rows.append((_last_written(path), path.name,
                         (path, str(_unreadable(path, exc, True)).removeprefix(f"{path}: "))))
        finally:
            j.close()
    rows.sort(key=lambda row: (-row[0], row[1]))
    return [row[2] for row in rows]


class DrillClock:
    """Simulated time that follows the wall clock at a chosen speed.

    ``speed`` is simulated seconds per wall second (60 means a drill hour a minute).
    """

    def __init__(self, speed: float = 60.0, start: float = 0.0, running: bool = False,
                 now: Callable[[], float] = time.monotonic):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._now = now
        self.speed = speed
        self._base_drill = start
        self._base_wall = now()
        self.running = running

    def drill_time(self) -> float:
        if not self.running:
            return self._base_drill
        return self._base_drill + (self._now() - self._base_wall) * self.speed / 60.0

    def _rebase(self) -> None:
        self._base_drill = self.drill_time()
        self._base_wall = self._now()

    def pause(self) -> None:
        self._rebase()
        self.running = False

    def resume(self) -> None:
        self._rebase()
        self.running = True

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._rebase()
        self.speed = speed

    def jump_to(self, t: float) -> None:
        self._base_drill = max(t, self.drill_time())
        self._base_wall = self._now()


def scenario_source(loaded: LoadedScenario) -> Any:
    """The scenario as a journal stores it: exactly as read (includes merged).

    Validating it again gives the very same scenario, so a resumed drill plays as the
    original did (a dump of the validated scenario would round durations such as
    ``10s``). When the source cannot be stored as JSON without change, the validated
    scenario's dump is used if that validates back to the same scenario.
    """
    want = loaded.scenario.model_dump()
    candidates = []
    with contextlib.suppress(AttributeError):
        candidates.append(loaded.source.data)
    candidates.append(json.loads(loaded.scenario.model_dump_json()))
    for data in candidates:
        try:
            stored = json.loads(json.dumps(data, ensure_ascii=False))
            if Scenario.model_validate(stored, context=RECORDED).model_dump() == want:
                return stored
        except (ValueError, TypeError, RecursionError):
            continue
    raise JournalError(
        f"{loaded.path}: this scenario cannot be recorded in a journal exactly; "
        "run it without a journal"
    )


def scenario_from_meta(path: Path, meta: dict[str, Any]) -> Scenario:
    """The journal's scenario, validated again."""
    if "scenario" not in meta:
        raise JournalError(f"{path}: the journal's header is damaged (no scenario)")
    try:
        return Scenario.model_validate(meta["scenario"], context=RECORDED)
    except (ValueError, TypeError, RecursionError) as exc:
        raise JournalError(f"{path}: the journal's scenario is damaged ({_why(exc)})") from None


class DrillSession:
    """One live drill: engine + journal. Commands in, domain events out."""

    def __init__(self, scenario: Scenario, seed: int, human: list[str], journal: Journal | None,
                 wall: Callable[[], float] = time.time):
        self.scenario = scenario
        self.seed = seed
        self.journal = journal
        self._wall = wall
        self.engine = Engine(scenario, seed=seed, human=human)
        self._pending: list[Event] = list(self.engine.log)
        #: commands carried out but not yet in the journal (a write failed): written with
        #: the events they gave at the next write that succeeds
        self._unwritten: list[tuple[float, float, str, str, dict[str, Any]]] = []
        self._listeners: list[Callable[[Event], None]] = []
        self.engine.subscribe(self._on_event)
        self.human_roles: dict[str, bool] = {a: a in human for a in scenario.actors}
        #: the roles people play from the start, as given (the journal's header keeps
        #: them so), and those handed to a person since, in the order they were handed
        #: over (see :meth:`people_order`)
        self._given: list[str] = list(human)
        self._handed: list[str] = []
        self.journal_path: Path | None = journal.path if journal else None
        #: simulated seconds per wall second the drill runs at (kept in the journal)
        self.speed = DEFAULT_SPEED
        self._breaks: list[dict[str, Any]] = []
        #: the evaluators' notes taken so far (kept in the journal, not replayed)
        self.notes: list[Note] = []

    # --- creating and resuming ---------------------------------------------------

    @classmethod
    def start(cls, loaded: LoadedScenario, seed: int = 0, human: list[str] | None = None,
              journal_path: Path | None = None, record: bool = True,
              speed: float = DEFAULT_SPEED) -> DrillSession:
        human = list(human or [])
        if not _finite(speed) or speed <= 0:
            raise JournalError("the speed must be a positive number")
        for role in human:
            if role not in loaded.scenario.actors:
                import difflib

                ids = list(loaded.scenario.actors)
                close = difflib.get_close_matches(str(role), ids, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise JournalError(f"unknown role {one_line(str(role))!r}; {hint}roles are the "
                                   f"scenario's actor ids: {', '.join(ids)}")
        journal = None
        sc = loaded.scenario
        if record:
            if journal_path is None:
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                journal_path = journal_dir() / f"{sc.drill.id}-{stamp}{SUFFIX}"
                n = 1
                while journal_path.exists():
                    n += 1
                    journal_path = journal_dir() / f"{sc.drill.id}-{stamp}-{n}{SUFFIX}"
            source = scenario_source(loaded)
            journal = Journal.create(Path(journal_path), {
                "scenario_id": sc.drill.id,
                "title": sc.drill.title,
                "scenario_path": str(loaded.path),
                "scenario": source,
                "seed": seed,
                "human": human,
                "created": datetime.now().astimezone().isoformat(timespec="seconds"),
                "progress": 0.0,
                "finished": False,
                "speed": speed,
            })
        try:
            session = cls(sc, seed, human, journal)
            session.speed = float(speed)
            session._flush()
        except BaseException:
            if journal is not None:
                journal.close()
            raise
        return session

    @classmethod
    def resume(cls, path: Path,
               check: Callable[[DrillSession, dict[str, Any]], str | None] | None = None,
               ) -> DrillSession:
        """Rebuild a drill from its journal and carry on recording into it.

        ``check`` looks at the rebuilt drill and the journal's header before anything is
        written to the journal: what it returns, if anything, is why the drill is not to
        be carried on (raised as a :class:`JournalError`, the journal left as it was).
        """
        path = Path(path)
        journal = Journal.open_for_writing(path)
        try:
            contents = journal.read()
            session, replayed = cls._replay(path, journal, contents)
            why = check(session, contents.meta) if check is not None else None
            if why is not None:
                raise JournalError(why)
            journal._resync(contents)
            journal.set_meta("resumed", datetime.now().astimezone().isoformat(timespec="seconds"))
            journal.commit()
        except BaseException:
            journal.close()
            raise
        session.journal = journal
        session.journal_path = journal.path
        session.notes = list(contents.notes)
        session._pending = replayed[len(contents.events):]
        session._flush()
        return session

    @classmethod
    def _replay(cls, path: Path, journal: Journal,
                contents: Contents) -> tuple[DrillSession, list[Event]]:
        """Play the journal's commands again and check that they give its events."""
        meta = contents.meta
        scenario = scenario_from_meta(path, meta)
        seed, human = meta.get("seed"), meta.get("human", [])
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise JournalError(f"{path}: the journal's header is damaged (no seed)")
        if not isinstance(human, list) or not all(
                isinstance(a, str) and a in scenario.actors for a in human):
            raise JournalError(f"{path}: the journal's header is damaged (its roles are not "
                               "the scenario's actors)")
        progress = meta.get("progress", 0.0)
        if not _finite(progress) or progress < 0:
            raise JournalError(f"{path}: the journal's header is damaged (no valid progress)")
        speed = meta.get("speed", DEFAULT_SPEED)  # journals from before speeds were kept
        if not _finite(speed) or speed <= 0:
            raise JournalError(f"{path}: the journal's header is damaged (no valid speed)")
        recorded = contents.events
        try:
            session = cls(scenario, seed, human, None)
        except Exception as exc:
            raise JournalError(f"{path}: the journal's drill cannot be started again: "
                               f"{_why(exc)}") from None
        session.speed = float(speed)
        last = 0.0
        for cmd in contents.commands:
            if cmd.drill_time < last:
                raise journal._damaged(f"command {cmd.seq} is out of order in drill time")
            last = cmd.drill_time
            try:
                session.engine.run_until(cmd.drill_time)
                session._apply(cmd.kind, cmd.payload)
            except Exception as exc:
                raise JournalError(
                    f"{path}: command {cmd.seq} ({one_line(cmd.kind)[:40]}) cannot be replayed: "
                    f"{_why(exc)}"
                ) from None
        try:
            session.engine.run_until(max(progress, recorded[-1].time if recorded else 0.0))
        except Exception as exc:
            raise JournalError(f"{path}: the journal cannot be replayed: {_why(exc)}") from None
        replayed = session.engine.log
        for i, ev in enumerate(recorded):
            if i >= len(replayed) or replayed[i].to_json() != ev.to_json():
                raise JournalError(
                    f"{path}: replaying the journal does not give its event {ev.seq} "
                    f"({one_line(ev.type)[:40]}): {_divergence(journal, meta)}"
                )
        return session, replayed

    # --- outside interface -------------------------------------------------------

    @property
    def now(self) -> float:
        return self.engine.now

    @property
    def finished(self) -> bool:
        return self.engine.finished

    @property
    def anchors(self) -> dict[str, float]:
        """When the engine started each expectation's countdown (drill minutes): for one
        anchored on an inject, when the inject fired. The deadline it is scored against
        is that plus ``within`` (see :meth:`DrillState.use_anchors`)."""
        return {xid: x.anchor_at for xid, x in self.engine.expectations.states.items()
                if x.anchor_at is not None}

    @property
    def path(self) -> Path | None:
        """The journal's path (still known after :meth:`close`); None when not recorded."""
        return self.journal_path

    def listen(self, fn: Callable[[Event], None]) -> None:
        """Call ``fn`` with every domain event from now on."""
        self._listeners.append(fn)

    def advance_to(self, t: float) -> None:
        """Let simulated time run to ``t`` (capped at the drill's end)."""
        self.engine.run_until(t)
        self._flush(progress=True)

    def act(self, action: Action, who: str | None = None) -> list[Event]:
        """A person's action, recorded; raises ActionError when it cannot be done."""
        return self._command(who or action.actor, "act", asdict(action))

    def fire_inject(self, inject_id: str) -> list[Event]:
        return self._command("facilitator", "fire_inject", {"id": inject_id})

    def skip_inject(self, inject_id: str) -> list[Event]:
        return self._command("facilitator", "skip_inject", {"id": inject_id})

    def delay_inject(self, inject_id: str, minutes: float) -> list[Event]:
        return self._command("facilitator", "delay_inject", {"id": inject_id, "minutes": minutes})

    def add_inject(self, inject: Inject, now: bool = True) -> list[Event]:
        """An ad-hoc inject: delivered now, or (``now`` False) waiting in the MSEL for its
        ``at``."""
        payload: dict[str, Any] = {"inject": json.loads(inject.model_dump_json())}
        if not now:
            payload["fire_now"] = False
        return self._command("facilitator", "add_inject", payload)

    def reschedule_inject(self, inject_id: str, at: float | str) -> list[Event]:
        """Move a waiting inject to a drill time: minutes, or text such as ``T+02:30``,
        ``T+1d03:00`` or a drill-clock time ``14:30`` (see :func:`sim.runs.when.parse_when`)."""
        return self._command("facilitator", "reschedule_inject",
                             {"id": inject_id, "at": self._when(at)})

    def edit_inject(self, inject_id: str, changes: dict[str, Any]) -> list[Event]:
        """Change a waiting or skipped inject's ``title``, ``text``, ``to`` or ``tlp``."""
        return self._command("facilitator", "edit_inject", {"id": inject_id, "changes": changes})

    def unskip_inject(self, inject_id: str, at: float | str | None = None) -> list[Event]:
        """Put a skipped inject back: at its own time when that is still ahead, else at
        ``at`` (a drill time, or ``now``)."""
        payload: dict[str, Any] = {"id": inject_id}
        if at is not None:
            payload["at"] = self._when(at)
        return self._command("facilitator", "unskip_inject", payload)

    def _when(self, at: float | str) -> float:
        if isinstance(at, str):
            from .when import parse_when

            try:
                return parse_when(at, self.scenario, self.engine.now)
            except ValueError as exc:
                raise ActionError(str(exc)) from None
        if not _finite(at):
            raise ActionError("the time must be a number of minutes")
        return float(at)

    def breaks(self) -> list[dict[str, Any]]:
        """The facilitator's planned breaks kept in the journal (wall-clock plans, not
        drill commands): ``[{"at_wall_iso": ..., "minutes": ...}]``."""
        if self.journal is None:
            return list(self._breaks)
        try:
            value = self.journal.meta().get("breaks", [])
        except JournalError:
            return []
        return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []

    def set_breaks(self, breaks: list[dict[str, Any]]) -> None:
        """Keep the planned breaks, in the journal too, so a resumed drill keeps them."""
        self._breaks = [dict(b) for b in breaks]
        if self.journal is not None:
            self.journal.set_meta("breaks", self._breaks)
            self.journal.commit()

    def people_order(self) -> list[str]:
        """The roles people play now, in the order the hot seat goes through them: those
        given at the start, as given; then those handed to a person during the drill, in
        the order they were handed over. A resumed drill rebuilds it from its journal."""
        order = dict.fromkeys([*self._given, *self._handed, *self.human_roles])
        return [a for a in order if self.human_roles.get(a)]

    def set_human(self, actor: str, human: bool) -> list[Event]:
        return self._command("facilitator", "set_human", {"actor": actor, "human": human})

    def answer_task(self, actor: str, task: str, text: str) -> list[Event]:
        """A player's answer to a task it was asked, journaled and replayed on resume."""
        return self._command(actor, "answer_task", {"actor": actor, "task": task, "text": text})

    def add_note(self, text: str, expectation: str = "", team: str = "",
                 who: str = "evaluator") -> Note:
        """An evaluator's observation, at the drill time and wall time it is taken.

        It goes into the journal beside the record of play (like the ratings): it changes
        nothing in the drill, so it is not replayed, and it survives a resume.
        """
        text = str(text).strip()
        if not text:
            raise ActionError("the note is empty")
        if len(text) > NOTE_LIMIT:
            raise ActionError(f"the note is longer than {NOTE_LIMIT} characters")
        if expectation and expectation not in {x.id for x in self.scenario.expectation_units()}:
            raise ActionError(f"no expectation {one_line(expectation)[:40]!r} in this drill")
        if team and team not in self.scenario.actors:
            raise ActionError(f"no team {one_line(team)[:40]!r} in this drill")
        _recordable(who, {"text": text})
        now, wall = self.engine.now, self._wall()
        if self.journal is not None:
            note = self.journal.add_note(now, wall, who, text, expectation, team)
            self.journal.checkpoint()
        else:
            note = Note(len(self.notes) + 1, now, wall, who, text, expectation, team)
        self.notes.append(note)
        return note

    def set_speed(self, speed: float) -> None:
        """Keep the speed the drill runs at, in the journal too, for resuming."""
        if not _finite(speed) or speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        if self.journal is not None:
            self.journal.set_meta("speed", self.speed)
            self.journal.commit()

    def next_inject_time(self) -> float | None:
        """Drill time of the next inject still waiting to be delivered."""
        times = [
            s.at for s in self.engine.injects.values()
            if s.state == "pending" and s.at is not None and s.at >= self.engine.now
        ]
        return min(times) if times else None

    def close(self) -> None:
        """Write what is left and release the journal (and its lock)."""
        if self.journal is not None:
            try:
                self._flush(progress=True)
            finally:
                self.journal.close()
                self.journal = None

    # --- internals ---------------------------------------------------------------

    def _apply(self, kind: str, payload: dict[str, Any]) -> None:
        e = self.engine
        match kind:
            case "act":
                p = dict(payload)
                for key in ("targets", "refs"):
                    value = p.get(key, ())
                    if not isinstance(value, (list, tuple)):
                        raise ActionError(f"{key} must be a list")
                    p[key] = tuple(value)
                e.act(Action(**p))
            case "fire_inject":
                e.fire_inject(payload["id"])
            case "skip_inject":
                e.skip_inject(payload["id"])
            case "delay_inject":
                minutes = payload["minutes"]
                if not _finite(minutes):
                    raise ActionError("minutes must be a finite number")
                e.delay_inject(payload["id"], float(minutes))
            case "add_inject":
                fire_now = payload.get("fire_now", True)
                if not isinstance(fire_now, bool):
                    raise ActionError("fire_now must be true or false")
                e.add_inject(Inject.model_validate(payload["inject"]), fire_now)
            case "reschedule_inject":
                e.reschedule_inject(payload["id"], _minutes(payload["at"]))
            case "edit_inject":
                e.edit_inject(payload["id"], payload["changes"])
            case "unskip_inject":
                at = payload.get("at")
                e.unskip_inject(payload["id"], None if at is None else _minutes(at))
            case "answer_task":
                text = payload.get("text")
                if not isinstance(text, str) or len(text) > NOTE_LIMIT:
                    raise ActionError(f"an answer is text of at most {NOTE_LIMIT} characters")
                e.answer_task(str(payload["actor"]), str(payload["task"]), text)
            case "set_human":
                human = payload["human"]
                if not isinstance(human, bool):
                    raise ActionError("human must be true or false")
                actor = payload["actor"]
                e.set_human(actor, human)
                if self.human_roles.get(actor) != human:
                    if actor in self._handed:  # handed again, it comes last
                        self._handed.remove(actor)
                    if human:
                        self._handed.append(actor)
                self.human_roles[actor] = human
            case _:
                raise ActionError(f"unknown command {kind!r}")

    def _command(self, who: str, kind: str, payload: dict[str, Any]) -> list[Event]:
        if self.engine.finished and kind != "set_human":
            # the engine has let go of the running drill: nothing more happens in it
            # (a journal's recorded commands are replayed by _apply, as they were).
            # Who played a role may still be put right, for the review's comparison.
            raise ActionError("the drill has ended: nothing more can be done in it")
        first = len(self.engine.log)
        _recordable(who, payload)  # what the journal could not write is never carried out
        self._apply(kind, payload)  # raises before anything is recorded
        if self.journal is not None:
            self._unwritten.append((self._wall(), self.engine.now, who, kind, payload))
        try:
            self._flush()
        except JournalError as exc:
            raise Unrecorded(str(exc)) from None
        return self.engine.log[first:]

    def _on_event(self, event: Event) -> None:
        self._pending.append(event)

    def _flush(self, progress: bool = False) -> None:
        """Write the commands and events not yet in the journal, all or none of them.

        When a write fails (a full disk) the journal is left as it was last written and
        they are kept, to be written with the next ones once there is room.
        """
        events = self._pending
        if self.journal is not None:
            commanded = bool(self._unwritten)
            try:
                for command in self._unwritten:
                    self.journal.add_command(*command)
                if events:
                    self.journal.add_events(self._wall(), events)
                if progress or events:
                    self.journal.set_meta("progress", self.engine.now)
                if self.engine.finished:
                    self.journal.set_meta("finished", True)
                self.journal.commit()
            except _DB_ERRORS as exc:
                self.journal._undo()
                raise JournalError(
                    f"{self.journal.path}: cannot write to the journal: {_why(exc)}") from None
            self._unwritten = []
            self.journal.checkpoint(due=commanded)
        self._pending = []
        for event in events:
            for fn in self._listeners:
                fn(event)


def _minutes(value: Any) -> float:
    """A drill time from a command's payload."""
    if not _finite(value):
        raise ActionError("the time must be a finite number of minutes")
    return float(value)


def _divergence(journal: Journal, meta: dict[str, Any]) -> str:
    """Why a journal's events differ from its replay, as far as can be told."""
    if not journal.chained:
        return "the journal was edited, or written by a different version of acid-drill"
    by, now = meta.get("written_by"), product_version()
    if by != now:
        return (f"it was written by acid-drill {one_line(str(by))[:40]}, which plays drills "
                f"differently from this version ({now})")
    return ("it was written by another build of this version, or edited and its checksums "
            "made to match")
