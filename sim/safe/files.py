"""Every file the product writes, and every untrusted file it reads.

Drill material is confidential: journals, event logs, reports and batch results
hold TLP:AMBER and TLP:RED text. Files are therefore created ``0600`` and the
folders the product creates ``0700``, whatever the user's umask. Writes go to a
temporary file in the same folder first and are renamed into place, so a crash
never leaves a half-written report behind.

Windows has no such modes: a file there gets the access list of the folder it is
created in, and who may read it is that folder's to say. A user's own profile folder
(where journals go unless told otherwise) lets in its owner, the administrators and
the system only.

Reads of untrusted files (scenarios, includes) go through :func:`read_bounded`
(defined with the scenario reader): only regular files, without blocking on a
FIFO, and never more than a given cap, so ``/dev/zero`` or a named pipe cannot
exhaust memory or hang a command.

Errors are :class:`FileProblem`: one line that names the path the user asked for
and the operating system's reason, never the content of any file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# reading untrusted files is the scenario reader's job; it is re-exported here so that
# every file the product touches is found in one place
from scenarios.yamlsrc import Unreadable, read_bounded

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "FileProblem",
    "Unreadable",
    "create_private",
    "make_private",
    "open_private",
    "private_dir",
    "read_bounded",
    "same_file",
    "write_private",
]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class FileProblem(Exception):
    """A file could not be read or written; the message is one line for the user."""


def make_private(fd: int) -> None:
    """Make the file open at ``fd`` ``0600``, whatever the umask; where files have no
    mode to set (Windows before Python 3.13), its folder's access list is left to say
    who reads it."""
    fchmod = getattr(os, "fchmod", None)
    if fchmod is not None:
        fchmod(fd, PRIVATE_FILE)


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def private_dir(path: str | Path) -> Path:
    """Create ``path`` and any missing parents as ``0700`` folders.

    Folders that already exist are left as they are (they belong to the user).
    """
    path = Path(path)
    missing: list[Path] = []
    cur = path
    while not cur.exists():
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    if cur.exists() and not cur.is_dir():
        raise FileProblem(f"{cur}: is not a folder")
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            if not folder.is_dir():
                raise FileProblem(f"{folder}: is not a folder") from None
        except OSError as exc:
            raise FileProblem(f"{folder}: cannot create the folder: {_reason(exc)}") from None
        else:
            os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name the same file: one file under two names (a symbolic
    or hard link, ``./x`` and ``x``), or, when one of them does not exist yet, the same
    path once symbolic links, ``.`` and ``..`` are resolved. Writing either would write
    over the other."""
    try:
        if os.path.samefile(a, b):
            return True
    except (OSError, ValueError):  # one of them does not exist (or cannot be looked at)
        pass
    try:
        one, other = Path(a).resolve(), Path(b).resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of symbolic links
        one, other = Path(os.path.abspath(a)), Path(os.path.abspath(b))
    return os.path.normcase(one) == os.path.normcase(other)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise FileProblem(f"{path}: is not a regular file; refusing to write to it")


@contextlib.contextmanager
def open_private(
    path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Write ``path`` through a private temporary file, renamed into place on success.

    ``mode`` is ``"w"`` (text) or ``"wb"`` (bytes). If the block raises, the
    temporary file is removed and ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"open_private writes whole files; mode {mode!r} is not supported")
    path = Path(path)
    _check_target(path)
    private_dir(path.parent if str(path.parent) else Path("."))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as exc:
        raise FileProblem(f"{path}: cannot write: {_reason(exc)}") from None
    # mkstemp creates 0600 already; say so explicitly in case of exotic platforms
    with contextlib.suppress(OSError):
        make_private(fd)
    ok = False
    try:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise FileProblem(f"{path}: cannot write: {_reason(exc)}") from None
        ok = True
    except OSError as exc:
        raise FileProblem(f"{path}: cannot write: {_reason(exc)}") from None
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_private(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` (``0600``, atomically), creating ``0700`` folders."""
    path = Path(path)
    with open_private(path, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)
    return path


def create_private(path: str | Path) -> Path:
    """Create an empty ``0600`` file that must not exist yet (a new journal, a lock)."""
    path = Path(path)
    _check_target(path)
    private_dir(path.parent if str(path.parent) else Path("."))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        raise FileProblem(f"{path}: already exists") from None
    except OSError as exc:
        raise FileProblem(f"{path}: cannot create: {_reason(exc)}") from None
    try:
        make_private(fd)
    finally:
        os.close(fd)
    return path
