"""Run the ``drill`` commands on one case, in this process, and say what went wrong.

Each command is ``sim.cli.main(argv)`` with stdout and stderr captured, a time limit
(``SIGALRM``) and, on Linux, a cap on the address space, so that a hang or a read of
``/dev/zero`` is reported as a failure instead of stopping the test run.

The property, for every command: it returns one of the exit codes it documents
(0, 1 for lint findings, 2 for invalid input, 3 for "cannot run"); it never raises,
never prints a traceback, never hangs, never exhausts memory; a refused scenario
is explained by ``file:line:col`` problems, one line each; no output holds a
terminal control character or anything from a file outside the scenario's folder;
and a journal written by ``drill run --journal`` can be reopened.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .mutate import CANARY, Case, materialize

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIRS = ("sim", "scenarios", "tui")

TIMEOUT = float(os.environ.get("DRILL_FUZZ_TIMEOUT", "10"))
#: A command slower than this is noted (not a failure).
SLOW = 2.0
#: Address space a command may add to the process (bytes).
MEMORY_HEADROOM = int(os.environ.get("DRILL_FUZZ_MEMORY_MB", "1500")) * 1024 * 1024

# Terminal control characters (as sim.safe.text refuses to print them), except \n and \t.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")

EXITS = {
    "validate": {0, 2},
    "lint": {0, 1, 2},
    "explain": {0, 2},
    "run": {0, 2, 3},
    "run --journal": {0, 2, 3},
    "report": {0, 2, 3},
    "report html": {0, 2, 3},
    "journals": {0},
    "batch": {0, 2, 3},
}


class CommandTimeout(BaseException):
    """The time limit of one command ran out (a BaseException: product code must not catch it)."""


@dataclass
class Outcome:
    """What one command did."""

    name: str
    argv: list[str]
    code: int | None = None
    out: str = ""
    err: str = ""
    exc: BaseException | None = None
    tb: str = ""
    seconds: float = 0.0


@dataclass
class Failure:
    """One broken promise. ``key`` groups failures with the same cause."""

    command: str
    kind: str
    detail: str
    frame: str = ""
    tb: str = ""
    argv: list[str] = field(default_factory=list)
    #: what tells this failure from others of its kind, when there is no frame
    group: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        if self.kind in ("hang", "memory"):  # where the limit struck, without the line
            return (self.kind, "", re.sub(r":\d+ in ", " in ", self.frame))
        if self.frame:  # exceptions: type and innermost project frame, whatever the command
            return (self.kind, self.detail.split(":")[0], self.frame)
        return (self.kind, self.group or self.detail, "")

    def __str__(self) -> str:
        where = f" at {self.frame}" if self.frame else ""
        text = f"drill {self.command}: {self.kind}: {self.detail}{where}"
        if self.tb:
            tail = self.tb.rstrip().splitlines()[-8:]
            text += "\n    " + "\n    ".join(tail)
        return text


@dataclass
class Report:
    """Failures (the property is broken) and notes (worth a look, not a failure)."""

    failures: list[Failure] = field(default_factory=list)
    notes: list[Failure] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


# --- limits --------------------------------------------------------------------------------


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def limits(seconds: float):
    """A time limit (main thread only) and an address-space cap (Linux only)."""
    restore_memory = None
    try:
        import resource

        used = _address_space()
        if used is not None:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = used + MEMORY_HEADROOM
            if hard == resource.RLIM_INFINITY or cap < hard:
                resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
                restore_memory = (resource, soft, hard)
    except (ImportError, ValueError, OSError):
        restore_memory = None
    timed = seconds > 0 and threading.current_thread() is threading.main_thread()
    previous = None
    fired: list[float] = []
    if timed:
        def _alarm(signum, frame):
            fired.append(time.perf_counter())
            raise CommandTimeout(f"no answer after {seconds:g} s")

        previous = signal.signal(signal.SIGALRM, _alarm)
        # and again every 0.2 s: an exception raised inside a garbage-collector callback
        # (hypothesis installs one) is printed and dropped instead of stopping the command
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield fired
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if restore_memory:
            resource, soft, hard = restore_memory
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def memory_capped() -> bool:
    """True where a command that reads without end is stopped by :func:`limits`."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return _address_space() is not None


# --- running ---------------------------------------------------------------------------------


def innermost_project_frame(exc: BaseException) -> str:
    """``path:line in function`` of the innermost frame in sim/, scenarios/ or tui/."""
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            rel = Path(frame.filename).resolve().relative_to(PROJECT_ROOT)
        except ValueError:
            continue
        if rel.parts and rel.parts[0] in PROJECT_DIRS:
            found = f"{rel.as_posix()}:{frame.lineno} in {frame.name}"
    return found


def innermost_frame(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame outside this harness."""
    here = Path(__file__).resolve().parent
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve().parent != here:
            return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return ""


def _where(exc: BaseException) -> str:
    return innermost_project_frame(exc) or innermost_frame(exc)


def _memory_error(exc: BaseException) -> MemoryError | None:
    """The MemoryError behind ``exc``, if any (the time limit may strike while it unwinds)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError):
            return exc
        exc = exc.__context__
        seen += 1
    return None


def call(name: str, argv: list[str], fn=None, timeout: float = TIMEOUT) -> Outcome:
    """Run ``drill ARGV`` (or ``fn()``) in this process with limits and captured output."""
    from sim.cli import main

    outcome = Outcome(name, argv)
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    fired: list[float] = []
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), limits(timeout) as fired:
            outcome.code = fn() if fn is not None else main(argv)
    except SystemExit as exc:  # argparse
        outcome.code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome.exc = exc
        outcome.tb = "".join(traceback.format_exception(exc))
    outcome.seconds = time.perf_counter() - started
    outcome.out, outcome.err = out.getvalue(), err.getvalue()
    if fired and outcome.exc is None:  # the limit struck, but the exception was dropped
        outcome.exc = CommandTimeout(f"no answer after {timeout:g} s")
        outcome.tb = outcome.err
    return outcome


def _template(line: str) -> str:
    """A problem message with its specifics taken out, to group alike messages."""
    line = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", line)
    line = re.sub(r"\d+", "N", line)
    return line[:120]


def check_outcome(o: Outcome, report: Report, *, expect_located: bool) -> None:
    """Add the failures of one command to ``report``."""

    def fail(kind: str, detail: str, frame: str = "", tb: str = "", note: bool = False,
             group: str = "") -> None:
        (report.notes if note else report.failures).append(
            Failure(o.name, kind, detail, frame, tb, o.argv, group))

    if o.seconds > SLOW and o.exc is None:
        fail("slow", f"took {o.seconds:.1f} s", note=True, group=f"{o.name} slow")

    if o.exc is not None:
        memory = _memory_error(o.exc)
        if memory is not None:
            fail("memory", "MemoryError: reads without end", _where(memory), o.tb)
        elif isinstance(o.exc, CommandTimeout):
            fail("hang", f"{o.exc}", _where(o.exc), o.tb)
        else:
            fail("exception", f"{type(o.exc).__name__}: {str(o.exc)[:200]}", _where(o.exc), o.tb)
        return
    text = o.out + o.err
    if "Traceback (most recent call last)" in text:
        fail("traceback printed", _template(text.split("Traceback")[0][-100:]))
    if o.code not in EXITS[o.name]:
        fail("exit code", f"exit {o.code}; stderr: {o.err.strip()[:200]!r}", group=f"{o.name} exit {o.code}")
    unsafe_out = UNSAFE.findall(o.out)
    # batch's progress bar redraws itself with \r, and moves up a line (ESC [A) when an
    # earlier bar in this process was left open
    unsafe_err = UNSAFE.findall(o.err.replace("\r", "").replace("\x1b[A", "") if o.name == "batch"
                                else o.err)
    if unsafe_out or unsafe_err:
        chars = sorted({repr(c) for c in unsafe_out + unsafe_err})
        stream = "stdout" if unsafe_out else "stderr"
        fail("control characters", f"{stream} holds {', '.join(chars[:6])}", group=f"{o.name} {stream}")
    if CANARY in text:
        stream = "stderr" if CANARY in o.err else "stdout"
        line = next(ln for ln in text.splitlines() if CANARY in ln)
        fail("outside file read", f"{stream} shows a file outside the scenario's folder: "
             f"{_template(line)}", group=stream)
    if o.code == 2 and expect_located:
        # validate and lint list the problems they find on stdout; the others, which
        # cannot go on, on stderr
        lines = (o.out.splitlines() if o.name in ("lint", "validate") else []) + o.err.splitlines()
        problems = [ln for ln in lines if not re.fullmatch(r"\d+ problems? found", ln)]
        if not problems:
            fail("no problem given", "exit 2 without any file:line:col problem")
        for line in problems:
            if not LOCATED.match(line):
                fail("unlocated problem", _template(line))
                break
    if o.code == 3 and "cannot run this scenario:" in o.err:
        # the run's catch-all: an internal error shown as a one-line message
        fail("masked internal error", _template(o.err.strip().splitlines()[-1].split("scenario: ", 1)[-1]),
             note=True)


def run_case(case: Case, workdir: Path | None = None, *, batch: bool = False, seed: int = 1,
             timeout: float = TIMEOUT, only: set[str] | None = None) -> Report:
    """Lay ``case`` out in a fresh folder and run every command on it."""
    own = workdir is None
    root = Path(tempfile.mkdtemp(prefix="drill-fuzz-")) if own else workdir
    report = Report()
    old_home = os.environ.get("ACID_DRILL_HOME")
    os.environ["ACID_DRILL_HOME"] = str(root / "home")
    try:
        scenario = str(materialize(case, root))
        work = root / "out"
        work.mkdir(exist_ok=True)
        _run_all(case, scenario, work, report, batch=batch, seed=seed, timeout=timeout, only=only)
    finally:
        if old_home is None:
            os.environ.pop("ACID_DRILL_HOME", None)
        else:
            os.environ["ACID_DRILL_HOME"] = old_home
        if own:
            shutil.rmtree(root, ignore_errors=True)
    return report


def _run_all(case: Case, scenario: str, work: Path, report: Report, *, batch: bool, seed: int,
             timeout: float, only: set[str] | None) -> None:
    def want(name: str) -> bool:
        if only is None or name in only:
            return True
        # the journal commands need the journal
        return name == "run --journal" and bool(only & {"resume", "report", "report html", "journals"})

    def run(name: str, argv: list[str], located: bool = True, fn=None) -> Outcome:
        o = call(name, argv, fn=fn, timeout=timeout)
        report.outcomes.append(o)
        check_outcome(o, report, expect_located=located)
        return o

    def hung() -> bool:
        # one hang is enough: the other commands read the same file the same way
        return any(f.kind in ("hang", "memory") for f in report.failures)

    codes: dict[str, int | None] = {}
    for name, argv in (
        ("validate", ["validate", scenario]),
        ("lint", ["lint", scenario]),
        ("explain", ["explain", scenario]),
        ("run", ["run", scenario, "--seed", str(seed), "--json", "--events", str(work / "events.jsonl")]),
    ):
        if want(name) and not hung():
            codes[name] = run(name, argv).code
    journal = work / "journal.db"
    if want("run --journal") and not hung():
        o = run("run --journal", ["run", scenario, "--seed", str(seed), "--journal", str(journal)])
        codes["run --journal"] = o.code
        if journal.exists() and o.exc is None:
            _check_journal(journal, o.code == 0, work, report, timeout, run)
        elif o.code == 0:
            report.failures.append(Failure("run --journal", "journal missing",
                                           "exit 0 but no journal written", argv=o.argv))
    if batch and want("batch") and not hung():
        codes["batch"] = run("batch", ["batch", scenario, "-n", "2", "--jobs", "1", "--chunk", "1",
                                       "--out", str(work / "batch")]).code
    _check_agreement(codes, report)


def _check_journal(journal: Path, wrote_ok: bool, work: Path, report: Report, timeout: float, run) -> None:
    from sim.runs.session import DrillSession, JournalError

    def reopen() -> int:
        session = DrillSession.resume(journal)
        session.close()
        return 0

    o = call("resume", ["play", "--resume", str(journal)], fn=reopen, timeout=timeout)
    report.outcomes.append(o)
    if o.exc is not None:
        clean = isinstance(o.exc, JournalError)
        frame = _where(o.exc)
        if not clean or wrote_ok:
            report.failures.append(Failure(
                "run --journal", "unresumable journal",
                f"reopening raises {type(o.exc).__name__}: {str(o.exc)[:160]}", frame, o.tb, o.argv))
    expected = 0 if wrote_ok else None
    for name, argv in (
        ("report", ["report", str(journal), "--runs", "0"]),
        ("report html", ["report", str(journal), "--runs", "0", "--format", "html",
                         "-o", str(work / "aar.html")]),
        ("journals", ["journals", "--dir", str(journal.parent)]),
    ):
        o = run(name, argv, located=False)
        if expected is not None and o.exc is None and o.code != expected:
            report.failures.append(Failure(name, "journal refused",
                                           f"exit {o.code} on a journal written without error: "
                                           f"{o.err.strip()[:160]!r}", argv=argv,
                                           group=f"{name} exit {o.code}"))


def _check_agreement(codes: dict[str, int | None], report: Report) -> None:
    """Commands read a scenario the same way: validate's answer binds the others."""
    valid = codes.get("validate")
    if valid not in (0, 2):
        return
    expected = {0: {"lint": {0, 1}, "explain": {0}, "run": {0, 3}, "run --journal": {0, 3},
                    "batch": {0, 3}},
                2: {"lint": {2}, "explain": {2}, "run": {2}, "run --journal": {2}, "batch": {2}}}[valid]
    for name, allowed in expected.items():
        code = codes.get(name)
        if code is not None and code in EXITS[name] and code not in allowed:
            verdict = "accepts" if valid == 0 else "refuses"
            report.failures.append(Failure(
                name, "disagrees with validate", f"validate {verdict} the scenario, {name} exits {code}"))


def describe(report: Report) -> str:
    return "\n".join(str(f) for f in report.failures)


__all__ = [
    "EXITS",
    "CommandTimeout",
    "Failure",
    "Outcome",
    "Report",
    "call",
    "check_outcome",
    "limits",
    "memory_capped",
    "run_case",
]
