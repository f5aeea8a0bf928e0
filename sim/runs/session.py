"""A live drill: the engine, a wall-clock drill clock, and a crash-proof journal.

:class:`DrillSession` is the narrow boundary a UI (or a network server) drives:
commands go in (a person's action, the facilitator's inject and role commands),
domain events come out. Every command and every event is written to a SQLite
journal as it happens, one file per drill. The engine is deterministic given the
scenario, the seed and the commands at their drill times, so
:meth:`DrillSession.resume` rebuilds a drill from its journal exactly, and carries
on appending to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scenarios import LoadedScenario, Scenario
from scenarios.model import Inject
from sim.engine import Action, ActionError, Engine
from sim.engine.events import Event

JOURNAL_FORMAT = "acid-drill-journal"
JOURNAL_VERSION = 1
SUFFIX = ".journal.sqlite"


class JournalError(Exception):
    """A journal that cannot be opened or resumed; the message says why."""


def journal_dir() -> Path:
    """Where journals go unless told otherwise: $ACID_DRILL_HOME/journals, or XDG data."""
    home = os.environ.get("ACID_DRILL_HOME")
    if home:
        return Path(home) / "journals"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "acid-drill" / "journals"


_RATINGS = """
CREATE TABLE IF NOT EXISTS ratings (
    expectation TEXT PRIMARY KEY, rating TEXT NOT NULL, note TEXT NOT NULL,
    who TEXT NOT NULL, wall REAL NOT NULL);
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    seq INTEGER PRIMARY KEY, wall REAL NOT NULL, drill_time REAL NOT NULL,
    who TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, wall REAL NOT NULL, drill_time REAL NOT NULL,
    type TEXT NOT NULL, actor TEXT, incident TEXT, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_type ON events(type);
""" + _RATINGS


@dataclass(frozen=True)
class Command:
    """One recorded command: who did what, when (drill and wall-clock time)."""

    seq: int
    wall: float
    drill_time: float
    who: str
    kind: str
    payload: dict[str, Any]


class Journal:
    """The SQLite record of one drill."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    # --- opening -----------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, meta: dict[str, Any]) -> Journal:
        path = Path(path)
        if path.exists():
            raise JournalError(f"{path}: already exists; resume it with --resume, or choose another")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"{path}: cannot create the journal: {exc}") from None
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        rows = {"format": JOURNAL_FORMAT, "version": JOURNAL_VERSION, **meta}
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in rows.items()]
        )
        conn.commit()
        return cls(path, conn)

    @classmethod
    def open(cls, path: Path) -> Journal:
        path = Path(path)
        if not path.exists():
            raise JournalError(f"{path}: no such journal")
        if path.is_dir():
            raise JournalError(f"{path}: is a directory, not a journal")
        try:
            with open(path, "rb") as fh:
                magic = fh.read(16)
        except OSError as exc:
            raise JournalError(f"{path}: cannot read: {exc.strerror}") from None
        if magic != b"SQLite format 3\x00":
            raise JournalError(f"{path}: not a drill journal (not an SQLite file)")
        try:
            conn = sqlite3.connect(path)
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise JournalError(f"{path}: not a drill journal ({exc})") from None
        try:
            meta = {k: json.loads(v) for k, v in rows.items()}
        except ValueError:
            raise JournalError(f"{path}: the journal's header is damaged") from None
        if meta.get("format") != JOURNAL_FORMAT:
            raise JournalError(f"{path}: not a drill journal")
        version = meta.get("version")
        if not isinstance(version, int) or version > JOURNAL_VERSION:
            raise JournalError(
                f"{path}: written by a newer version of acid-drill (journal version {version}; "
                f"this one reads up to {JOURNAL_VERSION}); upgrade to open it"
            )
        for table in ("commands", "events"):
            try:
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            except sqlite3.Error:
                raise JournalError(f"{path}: the journal is cut short (no {table} table)") from None
        conn.execute("PRAGMA journal_mode=WAL")
        with contextlib.suppress(sqlite3.Error):  # a read-only file can still be reviewed
            conn.executescript(_RATINGS)
        return cls(path, conn)

    def close(self) -> None:
        try:
            self.conn.commit()
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing twice
            pass

    # --- reading -----------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def set_meta(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, json.dumps(value)),
        )

    def commands(self) -> list[Command]:
        return [
            Command(seq, wall, t, who, kind, json.loads(payload))
            for seq, wall, t, who, kind, payload in self.conn.execute(
                "SELECT seq, wall, drill_time, who, kind, payload FROM commands ORDER BY seq"
            )
        ]

    def events(self) -> list[Event]:
        try:
            return self._events()
        except (sqlite3.Error, ValueError) as exc:
            raise JournalError(f"{self.path}: the journal is damaged or cut short ({exc})") from None

    def _events(self) -> list[Event]:
        return [
            Event.from_dict({
                "seq": seq, "time": t, "type": type_, "actor": actor, "incident": incident,
                "details": json.loads(details),
            })
            for seq, t, type_, actor, incident, details in self.conn.execute(
                "SELECT seq, drill_time, type, actor, incident, details FROM events ORDER BY seq"
            )
        ]

    def ratings(self) -> dict[str, dict[str, str]]:
        """The evaluator's ratings and notes, by expectation id."""
        return {
            exp: {"rating": rating, "note": note, "who": who}
            for exp, rating, note, who in self.conn.execute(
                "SELECT expectation, rating, note, who FROM ratings")
        }

    def set_rating(self, expectation: str, rating: str, note: str, who: str = "evaluator") -> None:
        self.conn.execute(
            "INSERT INTO ratings VALUES (?, ?, ?, ?, ?) ON CONFLICT(expectation) DO UPDATE SET "
            "rating=excluded.rating, note=excluded.note, who=excluded.who, wall=excluded.wall",
            (expectation, rating, note, who, time.time()),
        )
        self.conn.commit()

    def event_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    # --- writing -----------------------------------------------------------------

    def add_command(self, wall: float, drill_time: float, who: str, kind: str,
                    payload: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO commands (wall, drill_time, who, kind, payload) VALUES (?, ?, ?, ?, ?)",
            (wall, drill_time, who, kind, json.dumps(payload, sort_keys=True)),
        )

    def add_events(self, wall: float, events: list[Event]) -> None:
        self.conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (e.seq, wall, e.time, e.type, e.actor, e.incident,
                 json.dumps(dict(e.details), sort_keys=True))
                for e in events
            ],
        )

    def commit(self) -> None:
        self.conn.commit()


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


def list_journals(directory: Path | None = None) -> list[JournalInfo | tuple[Path, str]]:
    """Journals in ``directory`` (newest first); unreadable ones as (path, reason)."""
    directory = directory or journal_dir()
    out: list[JournalInfo | tuple[Path, str]] = []
    if not directory.is_dir():
        return out
    paths = sorted(directory.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in paths:
        try:
            j = Journal.open(path)
        except JournalError as exc:
            out.append((path, str(exc).removeprefix(f"{path}: ")))
            continue
        try:
            m = j.meta()
            n_cmd = j.conn.execute("SELECT count(*) FROM commands").fetchone()[0]
            out.append(JournalInfo(
                path, m.get("scenario_id", "?"), m.get("title", ""), m.get("created", ""),
                float(m.get("progress", 0.0)), bool(m.get("finished", False)), n_cmd,
                j.event_count(),
            ))
        finally:
            j.close()
    return out


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
        self._listeners: list[Callable[[Event], None]] = []
        self.engine.subscribe(self._on_event)
        self.human_roles: dict[str, bool] = {a: a in human for a in scenario.actors}

    # --- creating and resuming ---------------------------------------------------

    @classmethod
    def start(cls, loaded: LoadedScenario, seed: int = 0, human: list[str] | None = None,
              journal_path: Path | None = None, record: bool = True) -> DrillSession:
        human = list(human or [])
        for role in human:
            if role not in loaded.scenario.actors:
                raise JournalError(f"unknown role {role!r}; roles are the scenario's actor ids")
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
            journal = Journal.create(Path(journal_path), {
                "scenario_id": sc.drill.id,
                "title": sc.drill.title,
                "scenario_path": str(loaded.path),
                "scenario": json.loads(sc.model_dump_json()),
                "seed": seed,
                "human": human,
                "created": datetime.now().astimezone().isoformat(timespec="seconds"),
                "progress": 0.0,
                "finished": False,
            })
        session = cls(sc, seed, human, journal)
        session._flush()
        return session

    @classmethod
    def resume(cls, path: Path) -> DrillSession:
        """Rebuild a drill from its journal and carry on recording into it."""
        journal = Journal.open(Path(path))
        try:
            meta = journal.meta()
            try:
                scenario = Scenario.model_validate(meta["scenario"])
                seed = int(meta["seed"])
                human = list(meta.get("human", []))
            except (KeyError, ValueError, TypeError) as exc:
                raise JournalError(f"{path}: the journal's scenario is damaged ({exc})") from None
            session = cls(scenario, seed, human, None)
            recorded = journal.events()
            for cmd in journal.commands():
                session.engine.run_until(cmd.drill_time)
                try:
                    session._apply(cmd.kind, cmd.payload)
                except (ActionError, ValueError, KeyError) as exc:
                    raise JournalError(
                        f"{path}: command {cmd.seq} ({cmd.kind}) cannot be replayed: {exc}"
                    ) from None
            progress = float(meta.get("progress", 0.0))
            last = recorded[-1].time if recorded else 0.0
            session.engine.run_until(max(progress, last))
            replayed = session.engine.log
            if [e.to_json() for e in replayed[: len(recorded)]] != [e.to_json() for e in recorded]:
                raise JournalError(
                    f"{path}: replaying the journal does not give the recorded events; "
                    "it was written by a different version of the engine"
                )
        except JournalError:
            journal.close()
            raise
        session.journal = journal
        session._pending = replayed[len(recorded):]
        session._flush()
        return session

    # --- outside interface -------------------------------------------------------

    @property
    def now(self) -> float:
        return self.engine.now

    @property
    def finished(self) -> bool:
        return self.engine.finished

    @property
    def path(self) -> Path | None:
        return self.journal.path if self.journal else None

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

    def add_inject(self, inject: Inject) -> list[Event]:
        return self._command("facilitator", "add_inject",
                             {"inject": json.loads(inject.model_dump_json())})

    def set_human(self, actor: str, human: bool) -> list[Event]:
        return self._command("facilitator", "set_human", {"actor": actor, "human": human})

    def next_inject_time(self) -> float | None:
        """Drill time of the next inject still waiting to be delivered."""
        times = [
            s.at for s in self.engine.injects.values()
            if s.state == "pending" and s.at is not None and s.at >= self.engine.now
        ]
        return min(times) if times else None

    def close(self) -> None:
        if self.journal is not None:
            self._flush(progress=True)
            self.journal.close()
            self.journal = None

    # --- internals ---------------------------------------------------------------

    def _apply(self, kind: str, payload: dict[str, Any]) -> None:
        e = self.engine
        match kind:
            case "act":
                p = dict(payload)
                for key in ("targets", "refs"):
                    p[key] = tuple(p.get(key, ()))
                e.act(Action(**p))
            case "fire_inject":
                e.fire_inject(payload["id"])
            case "skip_inject":
                e.skip_inject(payload["id"])
            case "delay_inject":
                e.delay_inject(payload["id"], float(payload["minutes"]))
            case "add_inject":
                e.add_inject(Inject.model_validate(payload["inject"]))
            case "set_human":
                e.set_human(payload["actor"], bool(payload["human"]))
                self.human_roles[payload["actor"]] = bool(payload["human"])
            case _:
                raise ActionError(f"unknown command {kind!r}")

    def _command(self, who: str, kind: str, payload: dict[str, Any]) -> list[Event]:
        first = len(self.engine.log)
        self._apply(kind, payload)  # raises before anything is recorded
        if self.journal is not None:
            self.journal.add_command(self._wall(), self.engine.now, who, kind, payload)
        self._flush()
        return self.engine.log[first:]

    def _on_event(self, event: Event) -> None:
        self._pending.append(event)

    def _flush(self, progress: bool = False) -> None:
        events, self._pending = self._pending, []
        if self.journal is not None:
            if events:
                self.journal.add_events(self._wall(), events)
            if progress or events:
                self.journal.set_meta("progress", self.engine.now)
            if self.engine.finished:
                self.journal.set_meta("finished", True)
            self.journal.commit()
        for event in events:
            for fn in self._listeners:
                fn(event)
