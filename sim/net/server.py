"""The drill server: one live drill, many terminals, over WebSockets.

:class:`DrillServer` holds one :class:`~sim.runs.session.DrillSession` (started or
resumed; the session keeps its journal and its single-writer lock) and owns the drill
clock: it advances the engine as wall time passes, and the facilitator runs, pauses,
speeds up or jumps it over the wire. Every connection says ``hello`` with a token
(:mod:`sim.net.invites`); the token decides what the connection may see and do:

* **visibility** is decided here, never by the client: each token has a stream of the
  domain events it may see (:mod:`sim.net.visibility`), numbered 1, 2, 3... A
  connection that says ``since=N`` is sent everything after N, then every new event,
  with no gap and no duplicate. The numbering is a function of the journal, so it is
  the same after the server is killed and resumed.
* **permissions** (:data:`PERMISSIONS`): a player may only ``act`` and answer the
  tasks put to it (``answer_task``), and only as its own role, until the drill ends
  and while a person plays the role (a paused clock stops nothing, as in ``drill
  play``); an observer may send the kinds in :data:`OBSERVER_KINDS`, and with the
  facilitator writes notes and rates expectations (:data:`NOTE_ACCESS`); the
  facilitator any session command, the clock and its breaks, invitations and
  revocations. A payload of the wrong shape (:data:`~sim.net.protocol.COMMAND_PAYLOADS`)
  is refused before the session sees it; the session's own checks then apply (an
  action it cannot carry out is refused with its reason).

A request sent again with its ``key`` (its answer was lost with a connection) is
answered with the answer it got, not carried out twice. The server keeps the planned
breaks and pauses and resumes the clock for them itself.

Malformed, oversized or unknown frames get an ``error`` frame; after
:data:`~sim.net.protocol.MAX_STRIKES` of them the connection is closed. A player's or
observer's token has a budget of requests (:data:`~sim.net.protocol.REQUEST_BURST`),
and a player's messages a size and a budget of what they carry to their recipients
(:data:`~sim.net.protocol.MAX_ACT_VOLUME`): past them a request is refused, the
connection kept, so that one invitation cannot flood the host's memory or journal.
Nothing a client sends or fails to send stops the drill. A halted drill (the host
cannot write its journal, or the engine failed) is announced to every terminal. The
server's keepalive waits for a terminal's answer behind a large frame on a slow link
(:meth:`DrillServer._keepalive`). Never imports Textual or Rich.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import secrets
import socket
import ssl
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scenarios.durations import clock_minute
from sim.engine import ActionError
from sim.engine.events import Event
from sim.net import protocol as P
from sim.net.invites import Grant, InviteError, TokenStore, TokensUnsaved, invite_url
from sim.net.visibility import (
    RoleExpectations,
    artefact_texts,
    control_scenario,
    for_role,
    role_expectations,
    scenario_for_role,
)
from sim.runs.breaks import Break, BreakPlan
from sim.runs.session import DrillClock, DrillSession, JournalError, Note, Unrecorded
from sim.runs.view import call_channels, player_sees_anchor
from sim.safe.text import one_line

#: seconds between engine steps while the clock runs
TICK = 0.05
#: seconds between clock frames while nothing else changes (clients keep in step)
CLOCK_EVERY = 2.0
#: seconds between the server's keepalive pings to a terminal, and how long it waits for
#: the answer (or anything else) from it before taking it for dead, once what was sent
#: before the ping has had time to arrive (see :data:`SLOWEST_LINK`)
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
#: the slowest link a terminal may follow a drill over (bytes a second, 128 kbit/s): a
#: keepalive's answer waits behind what was sent before the ping (a large frame), and is
#: given the time that takes at this rate on top of :data:`PING_TIMEOUT`
SLOWEST_LINK = 16 * 1024

#: session command kinds a player may send (and only for its own role: the payload's
#: ``actor`` must be the token's role)
PLAYER_KINDS = frozenset({"act", "answer_task"})
#: session command kinds an observer (evaluator) may send (its notes are ``note``
#: requests, journal material, not session commands: see :data:`NOTE_ACCESS`)
OBSERVER_KINDS: frozenset[str] = frozenset()
#: None: every session command (the session refuses kinds it does not know)
PERMISSIONS: dict[str, frozenset[str] | None] = {
    "player": PLAYER_KINDS,
    "observer": OBSERVER_KINDS,
    "facilitator": None,
}
ALL = "*"  # the stream of everything: facilitator and observers
#: who may write (and read) evaluator notes and ratings: journal material, not session
#: commands
NOTE_ACCESS = frozenset({"facilitator", "observer"})

log = logging.getLogger("acid-drill.net")


class Forbidden(Exception):
    """The token may not do this."""


def is_local(host: str) -> bool:
    """Whether ``host`` names this machine only (loopback)."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context from a certificate chain and its private key (TLS 1.2+)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


@dataclass
class Stream:
    """The numbered events one audience may see, encoded once."""

    key: str
    expectations: frozenset[str] = frozenset()
    frames: list[str] = field(default_factory=list)
    #: the fingerprint of the events 1 to n, at n - 1 (see :func:`~sim.net.protocol.
    #: stream_mark`)
    marks: list[str] = field(default_factory=list)
    conns: set[Conn] = field(default_factory=set)

    @property
    def last(self) -> int:
        return len(self.frames)

    def mark(self, since: int) -> str:
        """The fingerprint of this stream's events 1 to ``since`` (at most :attr:`last`)."""
        return self.marks[since - 1] if since > 0 else P.NO_MARK

    def append(self, event: dict[str, Any], at: float | None) -> None:
        text = P.event_text(event)
        self.marks.append(P.stream_mark(self.mark(self.last), event))
        # the frame's JSON, with the event's text as the fingerprint read it
        self.frames.append(f'{{"type":"event","seq":{self.last + 1},"event":{text},'
                           f'"at":{json.dumps(at)}}}')
        for conn in self.conns:
            conn.wake.set()

    def holds(self, since: int, mark: str | None) -> bool:
        """Whether a client holding events 1 to ``since`` with fingerprint ``mark`` holds
        this stream's own (None: it cannot say, as a client of version 6 or earlier)."""
        return since <= self.last and (mark is None or mark == self.mark(since))


class Link(ServerConnection):
    """A terminal's WebSocket connection that notes when bytes last came from it: a
    terminal still sending a frame, however slowly, is not dead (see
    :meth:`DrillServer._keepalive`)."""

    #: when bytes last arrived (the monotonic clock, seconds)
    heard: float = 0.0

    def data_received(self, data: bytes) -> None:
        self.heard = time.monotonic()
        super().data_received(data)


def _wire_size(frame: str) -> int:
    """The bytes a frame takes on the wire (its UTF-8), without encoding plain ASCII."""
    return len(frame) if frame.isascii() else _encoded_size(frame)


class Conn:
    """One connection: a cursor into its stream and a queue of direct replies."""

    def __init__(self, ws: ServerConnection, grant: Grant, stream: Stream, cursor: int,
                 version: int = P.PROTOCOL_VERSION):
        self.ws = ws
        self.grant = grant
        self.stream = stream
        self.cursor = cursor
        #: the protocol version the client speaks: it is sent what that version knows
        self.version = version
        self.direct: deque[str] = deque()
        self.wake = asyncio.Event()
        self.strikes = 0
        #: the bytes of the frames handed to the connection so far
        self.sent = 0

    def push(self, msg: P.Message) -> None:
        if not P.known_to(getattr(msg, "type", ""), self.version):
            return  # a message added after the client's version: it would refuse it
        self.direct.append(P.encode(msg, self.version))
        self.wake.set()

    async def pump(self) -> None:
        """Send replies and the stream, in order, for as long as the connection lasts."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.direct or self.cursor < self.stream.last:
                if self.direct:
                    frame = self.direct.popleft()
                else:
                    frame = self.stream.frames[self.cursor]
                    self.cursor += 1
                self.sent += _wire_size(frame)
                await self.ws.send(frame)


def note_state(note: Note) -> P.NoteState:
    return P.NoteState(id=note.id, drill_time=note.drill_time, wall=note.wall, who=note.who,
                       text=note.text, expectation=note.expectation, team=note.team)


def rating_states(session: DrillSession) -> list[P.RatingState]:
    """The expectations' ratings kept in the drill's journal so far."""
    if session.journal is None:
        return []
    return [P.RatingState(expectation=eid, rating=r["rating"], note=r["note"], who=r["who"])
            for eid, r in session.journal.ratings().items()]


def _reason(exc: BaseException) -> str:
    """A refused command's reason, one short line (never the frame it came in)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return one_line(f"{where}: {first.get('msg', '')}")[:200]
    if isinstance(exc, KeyError):
        return one_line(f"missing {exc}")[:200]
    if isinstance(exc, TypeError):
        return "the payload does not fit this command"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return one_line(text)[:200]


def journal_trouble(exc: BaseException, journal: object) -> str:
    """A journal error as a terminal is told it: what went wrong, without the host's
    path to the ``journal`` (the host's console says it whole)."""
    text = one_line(str(exc))
    if journal is not None:
        text = text.removeprefix(f"{journal}: ").replace(str(journal), "the journal")
    return text[:200]


def unrecorded(exc: BaseException, journal: object) -> str:
    """What a client is told of a command carried out that the journal could not record
    (without the host's path to the ``journal``: only why it could not be written)."""
    why = journal_trouble(exc, journal)
    return (f"the command was carried out but not yet recorded ({why}): the drill "
            "is halted, and the command is kept, to be written to the drill's journal once "
            "the host can write it again; do not send it again")


def journal_halt(exc: BaseException, journal: object) -> str:
    """What every terminal is told of a drill halted because the host cannot write its
    ``journal`` (a full disk): why, but never the host's path to it or anything else of
    its files; the host's console says it whole."""
    why = journal_trouble(exc, journal).removeprefix("cannot write to the journal: ")
    return f"the drill is halted: the host cannot write its journal ({why})"


def engine_halt(at: float) -> str:
    """What every terminal is told of a drill halted because the drill engine failed at
    drill time ``at``: where it stopped (the host's console says why)."""
    return (f"the drill is halted at {clock_minute(at)}: the drill engine failed there "
            "(the host's console says why); nothing more can be done in it")


def engine_failure(exc: BaseException) -> str:
    """An engine failure in one short line, for exercise control: its kind and text."""
    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


class Stopped(Exception):
    """The drill engine failed on the way through a jump: the drill is halted where it
    stopped. Its message is what the facilitator who asked for the jump is told."""


def not_issued(exc: TokensUnsaved) -> str:
    """What the facilitator is told of an invitation the host could not save: why, never
    the host's path to its files (the host's console says it whole)."""
    return f"no invitation issued: the host cannot save its invitations ({one_line(exc.why)[:100]})"


def revoked_unsaved(token_id: str, exc: TokensUnsaved) -> str:
    """What the facilitator is told of a revocation the host could not save: it holds
    until the host stops, but a host resumed before it is saved would accept the token."""
    return (f"{one_line(token_id)[:60]} is revoked until the host stops, but not saved: the "
            f"host cannot save its invitations ({one_line(exc.why)[:100]}); revoke it again "
            "once there is room, or a resumed drill may accept it again")


class Unsaved(ActionError):
    """A refusal because the tokens file could not be saved; its message, written here
    without the host's paths, is sent whole."""


def checked_payload(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A command's payload with its fields' types checked (:data:`~sim.net.protocol.
    COMMAND_PAYLOADS`), as the session will record it; raises ActionError (a refusal)
    before the drill sees anything of a payload of the wrong shape."""
    model = P.COMMAND_PAYLOADS.get(kind)
    if model is None:
        return payload
    try:
        return model.model_validate(payload).model_dump()
    except ValidationError as exc:
        raise ActionError(f"{one_line(kind)}: {_reason(exc)}") from None
    except RecursionError:
        raise ActionError(f"{one_line(kind)}: nested too deeply") from None


class Bucket:
    """A token bucket: holds up to ``size``, and fills again at ``per_minute``."""

    def __init__(self, size: float, per_minute: float, now: float):
        self.size, self.per_minute = size, per_minute
        self.level, self.at = size, now

    def wait(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` can be taken (0: at once)."""
        self.level = min(self.size, self.level + (now - self.at) * self.per_minute / 60)
        self.at = now
        return max(0.0, (cost - self.level) * 60 / self.per_minute)

    def take(self, cost: float, now: float) -> bool:
        """Take ``cost`` if it is there (True), else nothing (False)."""
        if self.wait(cost, now) > 0:
            return False
        self.level -= cost
        return True


@dataclass
class Budget:
    """What one token may still send (:data:`~sim.net.protocol.REQUEST_BURST` and after):
    requests, and the characters its messages carry to their recipients."""

    requests: Bucket
    volume: Bucket

    @classmethod
    def new(cls, now: float) -> Budget:
        return cls(Bucket(P.REQUEST_BURST, P.REQUEST_RATE, now),
                   Bucket(P.VOLUME_BURST, P.VOLUME_RATE, now))


def _seconds(wait: float) -> str:
    n = max(1, math.ceil(wait))
    return f"{n} second{'s' if n > 1 else ''}"


def over_budget(wait: float) -> str:
    """What a token is told of a request over its budget, in one line."""
    return (f"too many requests from this invitation: at most {P.REQUEST_RATE} a minute "
            f"({P.REQUEST_BURST} at once); send it again in {_seconds(wait)}")


def act_volume(payload: dict[str, Any]) -> int:
    """What an ``act`` carries in all: its text's length times its recipients (at least
    one), as :data:`~sim.net.protocol.MAX_ACT_VOLUME` counts it."""
    return len(payload.get("text") or "") * max(1, len(payload.get("targets") or ()))


def too_large_act(payload: dict[str, Any]) -> str | None:
    """Why a player's ``act`` is too large for its recipients, in one line; None when it
    is not."""
    volume = act_volume(payload)
    if volume <= P.MAX_ACT_VOLUME:
        return None
    n = len(payload.get("targets") or ())
    return (f"this message is too large: {n} recipient{'s' if n != 1 else ''} times "
            f"{len(payload.get('text') or '')} characters of text come to {volume}, more "
            f"than the {P.MAX_ACT_VOLUME} a message may carry in all; send a shorter text, "
            "or send it to fewer recipients at a time")


def over_volume(wait: float) -> str:
    """What a team is told of a message over its budget of text, in one line."""
    return (f"too much text sent from this invitation in a short time: at most "
            f"{P.VOLUME_RATE} characters a minute (text times recipients, {P.VOLUME_BURST} "
            f"at once); send it again in {_seconds(wait)}")


#: room (bytes) left in a measured frame for what only the drill's run decides: sequence
#: numbers, times, how long an inject waited for someone at the desk
FRAME_SLACK = 4096
#: most breaks planned at once (a journal keeps no more: see BreakPlan.from_json)
MAX_BREAKS = 100


def _encoded_size(frame: str) -> int:
    return len(frame.encode("utf-8", "surrogatepass"))


def _delivery_sizes(session: DrillSession) -> list[tuple[str, int]]:
    """For each inject with artefact files whose text players are sent: the largest
    frame its delivery to one of its recipients comes to (``inject_delivered`` as
    :func:`~sim.net.visibility.for_role` gives it to a player, with the text of its files)."""
    from sim.engine.knowledge import stated_facts
    from sim.engine.msel import _file_details

    scenario = session.scenario
    texts = artefact_texts(scenario)
    out = []
    for inj in scenario.injects:
        if not any((inj.id, art.label) in texts for art in inj.artefact_files):
            continue
        role = max(inj.to, key=len)
        details = dict(
            ref=f"inject:{inj.id}", inject=inj.id, sender=inj.sender, channel=inj.via,
            channel_kind=scenario.channels[inj.via].kind, tlp=inj.tlp,
            facts_tlp=inj.facts_label, title=inj.title, type=inj.type,
            duty_wait=0.0, text=inj.text, artefacts=inj.artefact_names,
            expected_actions=list(inj.expected_actions),
            facts=list(stated_facts(inj.incident, inj.artefact_names)),
            files=[_file_details(a) for a in inj.artefact_files])
        ev = Event.make(0, 0.0, "inject_delivered", role, inj.incident.id, details)
        seen = for_role(ev, role, frozenset(), texts)
        if seen is None:  # pragma: no cover - a role always sees its own delivery
            continue
        frame = {"type": "event", "seq": 0, "event": seen, "at": 0.0}
        out.append((f"inject {inj.id}", _encoded_size(
            json.dumps(frame, ensure_ascii=False, separators=(",", ":"))) + FRAME_SLACK))
    return out


def welcome_size(session: DrillSession) -> int:
    """How large the facilitator's and observers' ``welcome`` comes to (bytes, with
    :data:`FRAME_SLACK` to spare): the whole scenario, each artefact file's text once,
    every role played by people, and the evaluators' notes so far."""
    welcome = P.Welcome(
        access="facilitator", token_id="x" * P.MAX_KIND,
        drill=session.journal.origin if session.journal is not None else "unrecorded",
        scenario=control_scenario(session.scenario),
        # every role, as if all were played by people: the facilitator may hand any over
        human=list(session.human_roles), last=len(session.engine.log),
        clock=P.ClockState(drill_time=session.now, running=True, speed=session.speed,
                           finished=session.finished),
        notes=[note_state(n) for n in session.notes], ratings=rating_states(session),
        breaks=P.BreaksState(planned=BreakPlan.from_json(session.breaks()).to_json()),
        instance="x" * 16)
    return _encoded_size(P.encode(welcome)) + FRAME_SLACK


def _note_size(note: P.NoteState, first: bool) -> int:
    """What one more note adds to the welcome: the note, and the comma before it unless
    it is the ``first``."""
    return _encoded_size(P.encode(note)) + (0 if first else 1)


def largest_frames(session: DrillSession) -> list[tuple[str, int]]:
    """The frames of this drill whose size its scenario decides, and how large each comes
    to (bytes, with :data:`FRAME_SLACK` to spare): the facilitator's and observers'
    ``welcome`` (:func:`welcome_size`), then each inject's delivery to a player with the
    text of its attached files. Every other frame is small, or carries one file's text
    at most (a protected file's, with its password). Only the welcome grows as the drill
    goes on, with each note; :meth:`DrillServer.add_note` keeps it within the limit."""
    return [("welcome", welcome_size(session)), *_delivery_sizes(session)]


def _mib(size: int) -> str:
    """A frame's size for people, rounded up: never shown as the limit it is over."""
    if size >= 1024 * 1024:
        return f"{math.ceil(size * 10 / (1024 * 1024)) / 10:g} MiB"
    return f"{-(-size // 1024)} KiB"


def oversized_frame(session: DrillSession) -> str | None:
    """Why this drill cannot be served, in one line: a frame it would send is larger
    than a terminal accepts (:data:`~sim.net.protocol.MAX_SERVER_FRAME`), so the
    facilitator, the observers or a team could never join or follow it. None when every
    frame fits."""
    limit = P.MAX_SERVER_FRAME
    sizes = largest_frames(session)
    over = [(what, size) for what, size in sizes[1:] if size > limit]
    if over:
        what, size = max(over, key=lambda x: x[1])
        more = len(over) - 1
        others = f" ({more} other inject{'s are' if more > 1 else ' is'} too large as " \
            "well)" if more else ""
        return (f"{what} cannot be sent to its recipients: with the text of its attached "
                f"files it comes to {_mib(size)}, more than the {_mib(limit)} a terminal "
                f"accepts at once; attach fewer or smaller files to it{others}")
    what, size = sizes[0]
    if size > limit:
        notes = " and the evaluators' notes so far" if session.notes else ""
        return (f"the facilitator's and observers' welcome, which holds the scenario with "
                f"the text of every attached file{notes}, comes to {_mib(size)}, more than "
                f"the {_mib(limit)} a terminal accepts at once; attach fewer or smaller files "
                "(or set show_text: false on those that need not be read)")
    return None


def note_refusal(welcome: int, note: P.NoteState, first: bool) -> str | None:
    """Why ``note`` cannot be kept, in one line, when the welcome (``welcome`` bytes now,
    as :func:`welcome_size` measures it) would then be larger than a terminal accepts
    (:data:`~sim.net.protocol.MAX_SERVER_FRAME`): a facilitator or observer joining or
    reconnecting later could not get into the drill. None when it fits. ``first``: no
    note was taken before it."""
    limit = P.MAX_SERVER_FRAME
    size = welcome + _note_size(note, first)
    if size <= limit:
        return None
    least = _note_size(note.model_copy(update={"text": "x"}), first)
    more = "a shorter note may fit" if welcome + least <= limit else "no more notes fit"
    return (f"note not kept: a terminal joining gets every note in its welcome, which would "
            f"come to {_mib(size)}, more than the {_mib(limit)} a terminal accepts; {more}")


class DrillServer:
    """A live drill served to many terminals; see the module docstring."""

    def __init__(self, session: DrillSession, tokens: TokenStore, *, host: str = "127.0.0.1",
                 port: int = 0, tls: ssl.SSLContext | None = None, speed: float | None = None,
                 running: bool = False, public_host: str | None = None, tick: float = TICK,
                 ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT,
                 notice: Callable[[str], None] | None = None,
                 wall: Callable[[], datetime] | None = None,
                 monotonic: Callable[[], float] | None = None):
        self.session = session
        self.tokens = tokens
        self.host = host
        self.port = port
        self.tls = tls
        self.public_host = public_host
        self.tick = tick
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.notice = notice or (lambda line: None)
        self.clock = DrillClock(speed=speed or session.speed, start=session.now, running=running)
        #: the facilitator's wall clock (aware), which the planned breaks follow
        self.wall = wall or (lambda: datetime.now().astimezone())
        #: the clock the tokens' budgets fill again by (seconds)
        self.monotonic = monotonic or time.monotonic
        #: by token (its hash), what it may still send (players and observers)
        self._budgets: dict[str, Budget] = {}
        #: the facilitator's breaks, kept in the journal: the server pauses and resumes
        #: the drill clock for them, whichever console planned them and whether it is open
        self.breaks = BreakPlan.from_json(session.breaks())
        #: whether the clock runs again when the break under way is over
        self._break_resumes = False
        #: what the plan of breaks takes in the welcome (bytes): it grows with each break
        self._breaks_size = _encoded_size(P.encode(self.breaks_state()))
        self.drill_id = session.journal.origin if session.journal is not None else "unrecorded"
        #: why the drill is halted, as every terminal is told it (the host's console is
        #: told the whole of it, with the journal's path); None while it is not
        self.halted: str | None = None
        self.conns: set[Conn] = set()
        self.streams: dict[str, Stream] = {ALL: Stream(ALL)}
        #: the artefact files' texts, for each player's copy of what it was sent
        self._texts = artefact_texts(session.scenario)
        #: the channels whose deliveries a sender knows of (a call that connects)
        self._calls = call_channels(session.scenario)
        for role in session.scenario.actors:
            self.streams[role] = Stream(role, role_expectations(session.scenario, role))
        self._born: dict[int, float] = {}
        #: by role, the injects delivered to it (a player learns the anchors of those only)
        self._received: dict[str, set[str]] = {}
        #: by stream, the expectation anchors last sent to it (see :meth:`anchors_for`)
        self._due: dict[str, dict[str, float]] = {}
        self._due_mark: tuple[int, int, int] | None = None
        #: the facilitator's and observers' welcome (bytes, see :func:`welcome_size`): it
        #: grows with each note, which is refused when terminals could no longer take it
        self.welcome_size = welcome_size(session)
        for ev in session.engine.log:
            self._route(ev, None)
        session.engine.subscribe(lambda ev: self._born.__setitem__(ev.seq, time.time()))
        session.listen(lambda ev: self._route(ev, self._born.pop(ev.seq, None)))
        self._sync_due()
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._last_clock = 0.0
        #: a random id of this run of the server, in every welcome: the answers below are
        #: this run's, and a client reconnecting to another run does not ask for them
        self.instance = secrets.token_hex(8)
        #: by token (its hash), the answers to its latest requests that carried a key,
        #: oldest first: a request sent again with its key is answered from here
        self._answers: dict[str, OrderedDict[str, P.Result | P.Error]] = {}

    # --- life ------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (``port`` 0 picks a free port, then found in :attr:`port`) and start the clock."""
        # the keepalive is the server's own (see _keepalive), not the library's: its
        # timeout would drop a terminal whose answer waits behind a large frame
        self._server = await serve(
            self._handle, self.host, self.port, ssl=self.tls, max_size=P.HARD_CLIENT_FRAME,
            max_queue=16, compression=None, ping_interval=None, create_connection=Link,
            logger=log,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        self._ticker = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        """Stop the clock and close every connection (code 1001, going away)."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
        self.clock.pause()

    @property
    def insecure(self) -> bool:
        """True when tokens would cross a non-local network unencrypted."""
        return self.tls is None and not is_local(self.host)

    def url_host(self) -> str:
        if self.public_host:
            return self.public_host
        if self.host in ("", "0.0.0.0", "::"):
            return socket.gethostname()
        return self.host

    def invite(self, access: str, role: str | None = None) -> tuple[str, Grant]:
        """A new invitation URL for ``access`` (a player: for ``role``)."""
        if role is not None and role not in self.session.scenario.actors:
            raise InviteError(f"unknown role {one_line(role)!r}")
        token, grant = self.tokens.issue(access, role)
        return invite_url(self.url_host(), self.port, token, self.tls is not None), grant

    # --- the clock ---------------------------------------------------------------------

    def clock_state(self) -> P.ClockState:
        return P.ClockState(drill_time=max(self.clock.drill_time(), self.session.now)
                            if self.clock.running else self.session.now,
                            running=self.clock.running, speed=self.clock.speed,
                            finished=self.session.finished)

    def broadcast_clock(self) -> None:
        state = self.clock_state()
        for conn in self.conns:
            conn.push(state)
        self._last_clock = time.monotonic()

    def advance(self) -> None:
        """Bring the engine to the clock's drill time."""
        if self.halted is not None or not self.clock.running:
            return
        if not self.session.finished:
            target = self.clock.drill_time()
            if target > self.session.now:
                try:
                    self.session.advance_to(target)
                except JournalError as exc:
                    self._halt(str(exc), journal_halt(exc, self.session.path))
                    return
                except Exception as exc:  # the engine failed on the way: it stops there
                    self._engine_failed(exc)
                    return
        if self.session.finished:
            self.clock.pause()
            self.clock.jump_to(self.session.now)
            self.broadcast_clock()

    def _halt(self, why: str, told: str | None = None) -> None:
        """Halt the drill and stop its clock: the host's console is told ``why``, every
        terminal ``told`` (``why`` itself when it holds nothing of the host's own), unasked,
        in an ``error`` frame without an id (:meth:`halt_frame`), with the clock where the
        drill stopped; the terminal whose request halted it gets its answer first. One
        that joins later is told after its welcome."""
        self.halted = told or why
        self.clock.pause()
        self.notice(f"the drill is halted: {why}")
        self.broadcast_clock()
        frame, told_now = P.Error(code="refused", message=self.halted), list(self.conns)

        def announce() -> None:
            for conn in told_now:
                conn.push(frame)

        try:  # after the answer to the request that halted it, if one did
            asyncio.get_running_loop().call_soon(announce)
        except RuntimeError:  # no loop running: at once
            announce()

    def halt_frame(self) -> P.Error | None:
        """What a terminal is told, unasked, while the drill is halted: why (None while it
        is not)."""
        if self.halted is None:
            return None
        return P.Error(code="refused", message=self.halted)

    def _engine_failed(self, exc: BaseException) -> str:
        """Halt the drill where the drill engine failed (``exc``), as a journal that
        cannot be written halts it: nothing more moves or is recorded in it. Returns
        what the failure was, for the facilitator."""
        failure = engine_failure(exc)
        at = self.session.now
        self.clock.jump_to(at)
        self._halt(f"the drill engine failed at {clock_minute(at)}: {failure}", engine_halt(at))
        return failure

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                self.advance()
                self.check_breaks()
            except Exception as exc:  # the engine failing must not kill the server silently
                if self.halted is None:
                    self._engine_failed(exc)
            self._sync_due()
            if time.monotonic() - self._last_clock >= CLOCK_EVERY:
                self.broadcast_clock()

    def clock_op(self, op: str, speed: float | None, to: float | None = None) -> dict[str, Any]:
        """The facilitator's clock request. While the drill is halted (the host cannot write
        its journal) nothing may move it on: ``resume``, ``next_inject`` and ``jump`` are
        refused before the clock or the engine is touched, as in ``drill play``. A jump
        whose journal write fails on the way is carried out, but not recorded: it raises
        :class:`~sim.runs.session.Unrecorded` (the caller halts the drill)."""
        self.advance()  # may halt the drill, on the way to now
        if self.halted is not None and op in ("resume", "next_inject", "jump"):
            raise ActionError(self.halted)
        match op:
            case "pause":
                self.clock.pause()
            case "resume":
                if self.session.finished:
                    raise ActionError("the drill has ended")
                if self.breaks.current is not None:  # the break under way ends early
                    self.breaks.end_now()
                    self._break_resumes = False
                    self._breaks_changed()
                self.clock.jump_to(self.session.now)
                self.clock.resume()
            case "speed":
                if speed is None or not math.isfinite(speed) or speed <= 0:
                    raise ActionError("speed must be a positive number")
                self.clock.set_speed(speed)
                self.session.set_speed(speed)
            case "next_inject":
                t = self.session.next_inject_time()
                if t is None:
                    raise ActionError("no inject is waiting")
                self._jump(t)
            case "jump":
                if to is None or not math.isfinite(to):
                    raise ActionError("jump: give the drill time to move on to")
                if to <= self.session.now:
                    raise ActionError("give a time ahead of now")
                self._jump(to)
        self.broadcast_clock()
        return {}

    def _jump(self, t: float) -> None:
        """Move the drill on to ``t``: everything until then happens, injects due at ``t``
        included. When the journal cannot take it, the engine has moved on all the same:
        raises Unrecorded (its events are kept, and written once the host can write).
        When the drill engine fails on the way, the drill is halted where it stopped, and
        raises :class:`Stopped`: the clock does not run on from a drill half moved."""
        self.clock.jump_to(t)
        try:
            self.session.advance_to(t)
            self.session.advance_to(t + 1e-6)  # injects due at exactly this time
        except JournalError as exc:
            raise Unrecorded(str(exc)) from None
        except Exception as exc:
            failure = self._engine_failed(exc)
            raise Stopped(f"the jump to {clock_minute(t)} stopped at "
                          f"{clock_minute(self.session.now)}: the drill engine failed there "
                          f"({failure}); the drill is halted, and nothing more can be done "
                          "in it") from None
        self.clock.jump_to(self.session.now)

    # --- scheduled breaks ------------------------------------------------------------

    def breaks_state(self) -> P.BreaksState:
        current = self.breaks.current
        return P.BreaksState(planned=[b.to_json() for b in self.breaks.planned],
                             current=current.to_json() if current is not None else None,
                             resumes=self._break_resumes)

    def breaks_for(self, grant: Grant) -> P.BreaksState | None:
        """The breaks a token is told of: exercise control's plan, not the players'."""
        return None if grant.access == "player" else self.breaks_state()

    def _breaks_changed(self) -> None:
        """Keep the plan in the journal (a resumed drill keeps it) and tell exercise control."""
        try:
            self.session.set_breaks(self.breaks.to_json())
        except JournalError as exc:
            self.notice(f"the breaks are not saved: {exc}")
        state = self.breaks_state()
        size = _encoded_size(P.encode(state))
        self.welcome_size += size - self._breaks_size
        self._breaks_size = size
        for conn in self.conns:
            if conn.grant.access in NOTE_ACCESS:
                conn.push(state)

    def check_breaks(self) -> None:
        """Start or end a break as the wall clock says: the clock pauses when one begins,
        and runs again when it is over if it was running when it began."""
        if self.session.finished or self.halted is not None:
            return
        change = self.breaks.update(self.wall())
        if change == "start":
            self._break_resumes = self.clock.running
            if self.clock.running:
                self.advance()
                self.clock.pause()
                self.broadcast_clock()
        elif change == "end":
            if self._break_resumes and not self.session.finished:
                self.clock.jump_to(self.session.now)
                self.clock.resume()
                self.broadcast_clock()
            self._break_resumes = False
        if change:
            self._breaks_changed()

    def plan_breaks(self, msg: P.BreaksMsg) -> dict[str, Any]:
        """The facilitator plans a break, or ends the one under way early."""
        if msg.op == "end":
            if self.breaks.current is None:
                raise ActionError("no break is under way")
            self.clock_op("resume", None)  # ends it, and the clock runs again
            return {}
        if msg.at_wall_iso is None or msg.minutes is None:
            raise ActionError("breaks: give the time the break begins (at_wall_iso) and "
                              "how long it lasts (minutes)")
        planned = Break.from_json({"at_wall_iso": msg.at_wall_iso, "minutes": msg.minutes})
        if planned is None:
            raise ActionError("breaks: at_wall_iso is a date and time with its offset, like "
                              "2026-09-09T12:30:00+08:00")
        if planned.end <= self.wall():
            raise ActionError("that break would be over already")
        if len(self.breaks.planned) >= MAX_BREAKS:
            raise ActionError(f"at most {MAX_BREAKS} breaks can be planned at once")
        try:
            self.breaks.add(planned)
        except ValueError as exc:
            raise ActionError(str(exc)) from None
        grown = self.welcome_size + _encoded_size(P.encode(self.breaks_state())) \
            - self._breaks_size
        if grown > P.MAX_SERVER_FRAME:  # a terminal joining later could not take the welcome
            self.breaks.planned.remove(planned)
            raise ActionError(f"break not planned: a terminal joining gets the breaks in its "
                              f"welcome, which would come to {_mib(grown)}, more than the "
                              f"{_mib(P.MAX_SERVER_FRAME)} a terminal accepts")
        self._breaks_changed()
        self.check_breaks()  # one planned for now begins at once
        return {}

    # --- events ------------------------------------------------------------------------

    def _route(self, ev: Event, at: float | None) -> None:
        if ev.type == "inject_delivered" and ev.actor in self.streams and ev.actor != ALL:
            self._received.setdefault(ev.actor, set()).add(str(ev.details.get("inject")))
        full = ev.to_dict()
        self.streams[ALL].append(full, at)
        for role, stream in self.streams.items():
            if role == ALL:
                continue
            seen = for_role(ev, role, stream.expectations, self._texts,
                            self._anchored(role) if ev.type == "expectation_met" else (),
                            self._calls)
            if seen is not None:
                stream.append(seen, at)

    # --- expectation anchors ------------------------------------------------------------

    def _anchored(self, role: str) -> frozenset[str]:
        """The role's own expectations whose countdown it may know the start of: those
        anchored on an inject it has received (:func:`player_sees_anchor`), and those
        its stream learnt the start of with an inject (one counted from the opening of
        an incident the role was told of as it began: see
        :class:`~sim.runs.view.Countdowns`), as a hot-seat role view knows them
        (:meth:`~sim.runs.view.DrillState.sees_anchor`)."""
        received = self._received.get(role, set())
        states = self.session.engine.expectations.states
        expectations = self.streams[role].expectations
        learnt = expectations.known if isinstance(expectations, RoleExpectations) else ()
        return frozenset(xid for xid in expectations if xid in states and (
            xid in learnt or player_sees_anchor(states[xid].after, received)))

    def anchors_for(self, key: str) -> dict[str, float]:
        """When the engine started the countdown of each expectation stream ``key`` may
        see (drill minutes): the engine's own ``anchor_at``, so a view shows the deadline
        the engine scores against (``anchor_at + within``) even when the inject reached a
        team later than it fired (a call waiting for someone at the desk, an outage).

        Exercise control sees every anchor. A player sees those of its own expectations
        whose countdown it may know the start of (:meth:`_anchored`): anchored on an
        inject it has received, or on the opening of an incident it was told of as it
        began. An anchor on the opening of an incident the role first heard of later, or
        on an inject it never received, is exercise control's knowledge."""
        anchors = self.session.anchors
        if key == ALL:
            return anchors
        own = self._anchored(key)
        return {xid: at for xid, at in anchors.items() if xid in own}

    def _sync_due(self) -> None:
        """Send each stream's connections the anchors they may see, when they change.

        An anchor is set once, when its inject fires or its incident opens (possibly with
        no event a client sees), and never moves: the count of anchors, of injects
        received and of countdowns the roles learnt the start of tells whether anything
        is new."""
        mark = (sum(1 for x in self.session.engine.expectations.states.values()
                    if x.anchor_at is not None),
                sum(len(v) for v in self._received.values()),
                sum(len(s.expectations.known) for s in self.streams.values()
                    if isinstance(s.expectations, RoleExpectations)))
        if mark == self._due_mark:
            return
        self._due_mark = mark
        for key, stream in self.streams.items():
            anchors = self.anchors_for(key)
            if anchors == self._due.get(key):
                continue
            self._due[key] = anchors
            frame = P.Due(anchors=anchors)
            for conn in stream.conns:
                conn.push(frame)

    def stream_for(self, grant: Grant) -> Stream:
        return self.streams[grant.role] if grant.access == "player" and grant.role else \
            self.streams[ALL]

    def notes_for(self, grant: Grant) -> list[P.NoteState]:
        """The evaluators' notes a token may read: all for exercise control, none for players."""
        if grant.access == "player":
            return []
        return [note_state(n) for n in self.session.notes]

    def add_note(self, grant: Grant, msg: P.NoteMsg) -> dict[str, Any]:
        """An evaluator's note from a facilitator or observer token, sent to exercise control."""
        if grant.access not in NOTE_ACCESS:
            raise Forbidden(f"a {grant.access}'s token may not write evaluator notes")
        self.advance()  # the note is taken at the drill time it is received
        who = "facilitator" if grant.access == "facilitator" else "evaluator"
        # every facilitator or observer joining later gets every note in its welcome: a
        # note that would make it too large for a terminal is refused before it is kept
        ahead = P.NoteState(id=len(self.session.notes) + 1, drill_time=self.session.now,
                            wall=time.time(), who=who, text=msg.text.strip(),
                            expectation=msg.expectation, team=msg.team)
        first = not self.session.notes
        refusal = note_refusal(self.welcome_size, ahead, first)
        if refusal is not None:
            raise ActionError(refusal)
        note = note_state(self.session.add_note(msg.text, msg.expectation, msg.team, who=who))
        self.welcome_size += _note_size(note, first)
        for conn in self.conns:
            if conn.grant.access in NOTE_ACCESS:
                conn.push(note)
        return {"note": note.id}

    def ratings_for(self, grant: Grant) -> list[P.RatingState]:
        """The expectations' ratings a token may read: all for exercise control, none for
        players."""
        if grant.access == "player":
            return []
        return rating_states(self.session)

    def rate(self, grant: Grant, msg: P.RateMsg) -> dict[str, Any]:
        """An expectation's rating from a facilitator or observer token, kept in the drill's
        journal (as ``drill review`` keeps it) and sent to exercise control's terminals.
        Rating ``""`` is a note alone: the expectation keeps the rating it has, if any."""
        from sim.analysis.review import RATINGS

        if grant.access not in NOTE_ACCESS:
            raise Forbidden(f"a {grant.access}'s token may not rate expectations")
        if msg.expectation not in {x.id for x in self.session.scenario.expectation_units()}:
            raise ActionError(f"no expectation {one_line(msg.expectation)[:40]!r} in this drill")
        if msg.rating and msg.rating not in RATINGS:
            raise ActionError(f"no rating {one_line(msg.rating)[:8]!r}: give "
                              f"{', '.join(RATINGS)}")
        journal = self.session.journal
        if journal is None:
            raise ActionError("this drill keeps no journal: the rating cannot be kept")
        who = "facilitator" if grant.access == "facilitator" else "evaluator"
        before = next((r for r in rating_states(self.session)
                       if r.expectation == msg.expectation), None)
        # a note alone never takes away a rating given meanwhile on another console
        given = msg.rating or (before.rating if before is not None else "")
        rating = P.RatingState(expectation=msg.expectation, rating=given, note=msg.note,
                               who=who)
        # every facilitator or observer joining later gets every rating in its welcome: one
        # that would make it too large for a terminal is refused before it is kept
        grows = _encoded_size(P.encode(rating)) + 1 - (
            _encoded_size(P.encode(before)) + 1 if before is not None else 0)
        if self.welcome_size + grows > P.MAX_SERVER_FRAME:
            raise ActionError(f"rating not kept: a terminal joining gets every rating in its "
                              f"welcome, which would come to {_mib(self.welcome_size + grows)}, "
                              f"more than the {_mib(P.MAX_SERVER_FRAME)} a terminal accepts; "
                              "a shorter note may fit")
        try:
            journal.set_rating(msg.expectation, given, msg.note, who)
        except JournalError as exc:  # the rating is lost, not the drill: it goes on
            self.notice(str(exc))
            raise ActionError(f"the rating is not kept: the host cannot write its journal "
                              f"({journal_trouble(exc, self.session.path)})") from None
        self.welcome_size += grows
        for conn in self.conns:
            if conn.grant.access in NOTE_ACCESS:
                conn.push(rating)
        return {"expectation": msg.expectation}

    def scenario_for(self, grant: Grant) -> dict[str, Any]:
        if grant.access == "player" and grant.role:
            return scenario_for_role(self.session.scenario, grant.role)
        return control_scenario(self.session.scenario)

    # --- connections -----------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        conn: Conn | None = None
        pump: asyncio.Task[None] | None = None
        keepalive: asyncio.Task[None] | None = None
        try:
            try:
                raw = await asyncio.wait_for(ws.recv(), P.HELLO_TIMEOUT)
            except TimeoutError:
                await self._refuse(ws, "not_ready", "no hello in time")
                return
            msg, err = self._parse(raw)
            if err is not None:
                await self._refuse(ws, err.code, err.message)
                return
            if not isinstance(msg, P.Hello):
                await self._refuse(ws, "not_ready", "the first frame must be a hello")
                return
            if not P.OLDEST_VERSION <= msg.version <= P.PROTOCOL_VERSION:
                await self._refuse(ws, "version", f"this server speaks protocol versions "
                                   f"{P.OLDEST_VERSION} to {P.PROTOCOL_VERSION}, the client "
                                   f"{msg.version}")
                return
            grant = self.tokens.check(msg.token)
            if grant is None:
                await self._refuse(ws, "unauthorized", "this invitation is not valid for this drill "
                                   "(unknown or revoked token)")
                return
            stream = self.stream_for(grant)
            since, reset = msg.since, False
            # a client of version 7 on says which events it holds: other events up to
            # `since` (the host resumed an earlier copy of its journal, and the drill went
            # another way) start it again from nothing, as another drill does. An older
            # client cannot say: it starts again only when it is ahead of the stream
            mark = (msg.mark or P.NO_MARK) if msg.version >= P.MARKED_VERSION else None
            if not stream.holds(since, mark) or (msg.drill is not None
                                                   and msg.drill != self.drill_id):
                since, reset = 0, True
            conn = Conn(ws, grant, stream, since, msg.version)
            conn.push(P.Welcome(
                version=msg.version, access=grant.access, role=grant.role, token_id=grant.id,
                drill=self.drill_id, scenario=self.scenario_for(grant),
                human=[a for a, h in self.session.human_roles.items() if h],
                last=stream.last, reset=reset, clock=self.clock_state(),
                notes=self.notes_for(grant), ratings=self.ratings_for(grant),
                breaks=self.breaks_for(grant), instance=self.instance))
            self._sync_due()
            conn.push(P.Due(anchors=self._due.get(stream.key, {})))
            halt = self.halt_frame()
            if halt is not None:  # a terminal joining a halted drill is told at once
                conn.push(halt)
            self.conns.add(conn)
            stream.conns.add(conn)
            pump = asyncio.create_task(conn.pump())
            keepalive = asyncio.create_task(self._keepalive(conn))
            async for raw in ws:
                if self.tokens.check(msg.token) is None:
                    break  # revoked meanwhile
                self._receive(conn, raw)
                if conn.strikes >= P.MAX_STRIKES:
                    await self._drain(conn)
                    await ws.close(P.CLOSE_POLICY, "too many bad frames")
                    break
                if pump.done():
                    break
        except ConnectionClosed:
            pass
        finally:
            if conn is not None:
                self.conns.discard(conn)
                conn.stream.conns.discard(conn)
            for task in (pump, keepalive):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await task

    async def _keepalive(self, conn: Conn) -> None:
        """Ping the terminal every :attr:`ping_interval` seconds, and take it for dead
        (drop the connection, which it may open again) when its answer does not come.

        The answer comes only once the terminal has received everything sent before the
        ping: on a slow link, a large frame (an inject with large attached files, the
        welcome) delays it. So the answer is waited for :attr:`ping_timeout` seconds
        plus the time what was sent since the last answer takes at :data:`SLOWEST_LINK`,
        and for as long as bytes keep coming from the terminal (a terminal sending a
        frame is alive): only a terminal silent that long is taken for dead."""
        ws = conn.ws
        answered = 0  # what had been sent when the last answered ping went
        while True:
            await asyncio.sleep(self.ping_interval)
            sent = conn.sent
            try:
                pong = asyncio.ensure_future(await ws.ping())
            except ConnectionClosed:
                return
            pinged = time.monotonic()
            allowed = self.ping_timeout + (sent - answered) / SLOWEST_LINK
            while not pong.done():
                heard = ws.heard if isinstance(ws, Link) else 0.0
                left = max(pinged + allowed, heard + self.ping_timeout) - time.monotonic()
                if left <= 0:
                    log.info("a terminal did not answer the keepalive in time: dropped")
                    ws.transport.abort()
                    return
                await asyncio.wait({pong}, timeout=left)
            if pong.cancelled() or pong.exception() is not None:  # closed meanwhile
                return
            answered = sent

    async def _drain(self, conn: Conn) -> None:
        """Let the pump send what is queued (the last error frame) before closing."""
        for _ in range(50):
            if not conn.direct:
                return
            await asyncio.sleep(0.01)

    async def _refuse(self, ws: ServerConnection, code: str, message: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(P.encode(P.Error(code=code, message=message)))  # type: ignore[arg-type]
            await ws.close(P.CLOSE_POLICY, code)

    def _parse(self, raw: str | bytes) -> tuple[Any, P.Error | None]:
        if isinstance(raw, bytes):
            return None, P.Error(code="bad_frame", message="binary frames are not accepted")
        if len(raw) > P.MAX_CLIENT_FRAME or len(raw.encode("utf-8", "surrogatepass")) > P.MAX_CLIENT_FRAME:
            return None, P.Error(code="too_large",
                                 message=f"frames are limited to {P.MAX_CLIENT_FRAME} bytes")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return None, P.Error(code="bad_frame", message="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return None, P.Error(code="bad_frame", message="a frame is a JSON object with a type")
        rid = data.get("id") if isinstance(data.get("id"), int) and not isinstance(
            data.get("id"), bool) else None
        if data["type"] not in P.CLIENT_TYPES:
            return None, P.Error(id=rid, code="unknown_type", message="unknown message type")
        try:
            return P.client_adapter.validate_python(data), None
        except (ValidationError, RecursionError) as exc:
            why = _reason(exc) if isinstance(exc, ValidationError) else "nested too deeply"
            return None, P.Error(id=rid, code="bad_frame", message=f"invalid {data['type']}: {why}")

    def _receive(self, conn: Conn, raw: str | bytes) -> None:
        msg, err = self._parse(raw)
        if err is None and isinstance(msg, P.Hello):
            err = P.Error(code="bad_frame", message="already joined")
        if err is not None:
            conn.strikes += 1
            conn.push(err)
            return
        if conn.grant.access != "facilitator":
            # each request costs one from the token's budget, one sent again too: over
            # it, refused (and not remembered: sent again later, it is carried out)
            budget = self._budget(conn.grant)
            now = self.monotonic()
            if not budget.requests.take(1, now):
                conn.push(P.Error(id=msg.id, code="refused",
                                  message=over_budget(budget.requests.wait(1, now))))
                return
        answers = self._answers.setdefault(conn.grant.hash, OrderedDict())
        if msg.key is not None and msg.key in answers:
            # sent again (its answer was lost with a connection): answered, not done again
            conn.push(answers[msg.key].model_copy(update={"id": msg.id}))
            return
        answer: P.Result | P.Error
        try:
            data = self._do(conn.grant, msg)
        except Forbidden as exc:
            conn.strikes += 1
            conn.push(P.Error(id=msg.id, code="forbidden", message=str(exc)))
            return
        except Unsaved as exc:
            answer = P.Error(id=msg.id, code="refused", message=str(exc))
        except (InviteError, ActionError) as exc:
            answer = P.Error(id=msg.id, code="refused", message=_reason(exc))
        except Stopped as exc:
            # moved on part of the way, and halted there: not a refusal, and not to be
            # sent again
            answer = P.Error(id=msg.id, code="unrecorded", message=str(exc))
        except Unrecorded as exc:
            # carried out, but its journal write failed: the session keeps it, to write it
            # with the next write that succeeds (when the host stops, if there is room by
            # then). Not a refusal: the client must not send it again
            self._halt(str(exc), journal_halt(exc, self.session.path))
            answer = P.Error(id=msg.id, code="unrecorded",
                             message=unrecorded(exc, self.session.path))
        except JournalError as exc:
            told = journal_halt(exc, self.session.path)
            self._halt(str(exc), told)
            answer = P.Error(id=msg.id, code="refused", message=told)
        except Exception as exc:  # a payload the session cannot use: refused, drill goes on
            answer = P.Error(id=msg.id, code="refused", message=_reason(exc))
        else:
            self._sync_due()  # before the result: the command's anchors are in by then
            answer = P.Result(id=msg.id, last=conn.stream.last, data=data)
        if msg.key is not None:
            answers[msg.key] = answer
            while len(answers) > P.REMEMBERED_ANSWERS:
                answers.popitem(last=False)
        conn.push(answer)

    def _budget(self, grant: Grant) -> Budget:
        budget = self._budgets.get(grant.hash)
        if budget is None:
            budget = self._budgets[grant.hash] = Budget.new(self.monotonic())
        return budget

    def _charge_act(self, grant: Grant, payload: dict[str, Any]) -> None:
        """Refuse a player's message too large for its recipients, or over what the
        token may send now; else take what it carries from the token's budget."""
        if (why := too_large_act(payload)) is not None:
            raise ActionError(why)
        volume, now = act_volume(payload), self.monotonic()
        budget = self._budget(grant)
        if not budget.volume.take(volume, now):
            raise ActionError(over_volume(budget.volume.wait(volume, now)))

    def _may_play(self, role: str) -> None:
        """Refuse a player's command once the drill has ended, or while the role is the
        automated policy's (the facilitator took it back). A paused clock refuses nothing:
        as in ``drill play``, a team may act while the drill is paused."""
        if self.session.finished:
            raise ActionError("the drill has ended: nothing more can be done in it")
        if not self.session.human_roles.get(role, False):
            raise ActionError(f"{one_line(role)} is played by the automated policy now: the "
                              "facilitator has taken the role back")

    def _do(self, grant: Grant, msg: Any) -> dict[str, Any]:
        """Carry out one request for ``grant``; raises Forbidden, ActionError, ..."""
        if isinstance(msg, P.CommandMsg):
            allowed = PERMISSIONS.get(grant.access, frozenset())
            if allowed is not None and msg.kind not in allowed:
                raise Forbidden(f"a {grant.access}'s token may not send {one_line(msg.kind)!r}")
            who = "facilitator" if grant.access == "facilitator" else (grant.role or grant.access)
            if grant.access == "player" and msg.payload.get("actor") != grant.role:
                raise Forbidden("a player acts only as its own role")
            payload = checked_payload(msg.kind, msg.payload)
            if grant.access == "player" and msg.kind == "act":
                self._charge_act(grant, payload)
            self.advance()  # the command happens at the drill time it is received
            if self.halted is not None:  # before, or on the way to, that time
                raise ActionError(self.halted)
            if grant.access == "player":
                self._may_play(str(grant.role))
            self.session._command(who, msg.kind, payload)
            if self.session.now > self.clock.drill_time():  # a command that moved time on
                self.clock.jump_to(self.session.now)
                self.broadcast_clock()
            return {}
        if isinstance(msg, P.NoteMsg):
            return self.add_note(grant, msg)
        if isinstance(msg, P.RateMsg):
            return self.rate(grant, msg)
        if grant.access != "facilitator":
            raise Forbidden(f"only the facilitator may send {msg.type!r}")
        if isinstance(msg, P.ClockMsg):
            return self.clock_op(msg.op, msg.speed, msg.to)
        if isinstance(msg, P.BreaksMsg):
            return self.plan_breaks(msg)
        if isinstance(msg, P.InviteMsg):
            try:
                url, new = self.invite(msg.access, msg.role)
            except TokensUnsaved as exc:  # nothing was issued
                self.notice(f"{exc}: no invitation issued")
                raise Unsaved(not_issued(exc)) from None
            return {"url": url, "token_id": new.id}
        if isinstance(msg, P.RevokeMsg):
            unsaved = None
            try:
                gone = self.tokens.revoke(msg.token_id)
            except TokensUnsaved as exc:
                # it holds all the same: a token being revoked may have leaked
                unsaved, gone = exc, self.tokens.by_id(msg.token_id)
            if gone is None:
                raise ActionError(f"no token {one_line(msg.token_id)!r}")
            self._answers.pop(gone.hash, None)  # nothing more is answered for it
            for c in list(self.conns):
                if c.grant.hash == gone.hash:
                    asyncio.get_running_loop().create_task(
                        c.ws.close(P.CLOSE_POLICY, "token revoked"))
            if unsaved is not None:
                self.notice(f"{unsaved}: {gone.id} is revoked until the host stops, but "
                            "not saved")
                raise Unsaved(revoked_unsaved(gone.id, unsaved))
            return {"revoked": gone.id}
        if isinstance(msg, P.TokensMsg):
            return {"tokens": self.tokens.listing()}
        raise ActionError("unknown request")  # pragma: no cover - the union is closed
