"""A terminal's end of a multi-site drill: :class:`DrillClient`.

The client connects with an invitation (``ws[s]://HOST:PORT/?token=...``), keeps a
local read model (:attr:`DrillClient.state`, a :class:`~sim.runs.view.DrillState`)
fed only with the events the server lets this token see, keeps the drill clock in
step with the server's, and reconnects on its own after a dropped connection
(backing off from 0.2 s to 5 s), asking for everything after the last event it holds
(``since``, with the fingerprint of the events it holds: a server whose stream went
another way meanwhile starts it again from nothing), so it never misses or repeats one.
Each request carries a random key; one whose answer was lost with the connection is
sent again with it after reconnecting, and the server answers it without carrying it
out a second time. A connection that goes silent (a network that loses its packets
without a reset) is taken for dead when nothing at all comes from the server for
:data:`ANSWER_TIMEOUT` seconds while a request waits for its answer, or for
:data:`PING_TIMEOUT` seconds after a keepalive ping: it is dropped, and the client
reconnects and sends the request again. Every byte that comes counts, not only whole
frames: over a slow link a large frame (an inject with a large attached file) takes
longer than that to arrive, and the answers wait behind it.

Interface (what a UI uses in place of a local :class:`DrillSession`)::

    client = DrillClient(url, cafile=None)
    await client.connect()          # first connection; raises JoinRefused or DrillUnreachable
    client.access, client.role      # "facilitator" | "player" | "observer", the player's role
    client.scenario                 # the scenario as this token may see it
    client.state                    # DrillState, fed by the server's events
    client.listen(fn)               # fn(event) for every event from now on
    client.on_reset(fn)             # fn() when the server said to start again from nothing
    client.on_clock(fn)             # fn(ClockState) when the clock changes
    client.now, client.finished     # drill time (minutes, kept in step), drill over
    client.clock_state()            # running, speed, drill time
    client.human_roles              # role -> played by a person
    client.anchors                  # expectation -> when the engine started its countdown
    client.connected                # whether a connection is up now
    # commands: same names and arguments as DrillSession's; coroutines that return once
    # the server has carried them out and their events are in client.state, and raise
    # ActionError with the server's reason when refused (Unanswered when no answer can
    # come: the server was restarted meanwhile, say; Unrecorded when it was carried out
    # but the drill's journal could not record it). Through a lost or silent connection
    # they wait for the reconnection, and are sent again then
    await client.act(action)
    await client.fire_inject(id); await client.skip_inject(id)
    await client.delay_inject(id, minutes); await client.add_inject(inject)
    await client.set_human(actor, human); await client.command(kind, payload)
    # the facilitator's clock and tokens
    await client.pause(); await client.resume(); await client.set_speed(speed)
    await client.next_inject(); await client.jump(minutes)
    await client.plan_break(at_wall_iso, minutes); await client.end_break()
    client.breaks, client.on_breaks(fn)              # the breaks the server keeps
    await client.add_note(text, expectation, team)   # facilitator and observers
    client.notes, client.on_note(fn)                 # the evaluators' notes
    await client.rate(expectation, rating, note)     # the review's ratings, in the journal
    client.ratings, client.on_rating(fn)             # expectation -> rating, note, who
    await client.invite(access, role) -> url
    await client.revoke(token_id); await client.tokens() -> list
    await client.close()

The client never decides what its user may see: a player's client holds nothing but
what the server sent it. Never imports Textual or Rich.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI, PayloadTooBig
from websockets.frames import CloseCode

from scenarios import Scenario
from scenarios.model import RECORDED, Inject
from sim.engine import Action, ActionError
from sim.engine.events import Event
from sim.net import protocol as P
from sim.net.invites import BAD_HOST_NAME, parse_invite
from sim.net.server import is_local
from sim.net.visibility import restore_texts, with_outcomes
from sim.runs.session import Note
from sim.runs.view import DrillState

#: reconnection back-off, seconds
BACKOFF_FIRST = 0.2
BACKOFF_MAX = 5.0
#: seconds a request waits for its answer, with nothing else from the server either (not
#: a byte), before the connection is taken for dead: it is dropped, and the request sent
#: again (with its key) once the client has reconnected
ANSWER_TIMEOUT = 10.0
#: keepalive: a ping every PING_INTERVAL seconds; a server from which nothing at all has
#: come (neither the answer nor a byte of anything else) PING_TIMEOUT seconds after it
#: is taken for gone (a silent link is noticed in under 20 s)
PING_INTERVAL = 5.0
PING_TIMEOUT = 10.0
#: seconds closing a connection waits for the server's side before dropping it
CLOSE_TIMEOUT = 2.0


class DrillConnectionError(Exception):
    """The server cannot be reached, or the connection was lost; one line for the user."""


class JoinRefused(DrillConnectionError):
    """The server refused this invitation (unknown or revoked token, other version)."""


class Unanswered(DrillConnectionError):
    """A request went to the server, but no answer to it can come any more (the client
    cannot reconnect, the server was restarted, the client was closed): it may have been
    carried out. Sending it again as a new request could do it twice."""


class Unrecorded(Unanswered):
    """The server carried the command out but could not write it to the drill's journal
    (a full disk, say): the drill is halted, and the server keeps the command, to record
    it once it can. Not a refusal: sending it again would do it twice."""


#: seconds a request carried out waits for the events it caused
EVENTS_WAIT = 30.0

#: what a request sent, but never answered, was: it may have been carried out
UNSURE = ("the drill server's answer was lost ({why}): the command may have been carried "
          "out; check the drill before sending it again")


def event_of(data: dict[str, Any]) -> Event:
    return Event.make(int(data["seq"]), float(data["time"]), str(data["type"]), data.get("actor"),
                      data.get("incident"), dict(data.get("details") or {}))


def _note(n: P.NoteState) -> Note:
    return Note(n.id, n.drill_time, n.wall, n.who, n.text, n.expectation, n.team)


#: a rating taken back (the server's record, from an earlier copy of its journal, holds
#: none): as the review keeps an expectation not rated
NO_RATING: dict[str, str] = {"rating": "", "note": "", "who": ""}


def _rating(r: P.RatingState) -> dict[str, str]:
    """A rating as the review keeps it (``Review.ratings``)."""
    return {"rating": r.rating, "note": r.note, "who": r.who}


class CafileError(DrillConnectionError):
    """``--cafile`` names no file that can be read as a certificate."""


class FrameTooLarge(DrillConnectionError):
    """The server sent a frame larger than this client accepts (the connection was closed
    with code 1009): the same frame would come again on every reconnection."""


class _Unreadable(Exception):
    """A frame from the server that this client cannot read; one line for the user."""


def _too_big(exc: ConnectionClosed) -> bool:
    """Whether the connection was closed for a message too big (code 1009): this client's
    limit (its own close frame), or the server's or a proxy's (theirs)."""
    if isinstance(exc.__cause__, PayloadTooBig):
        return True
    return any(frame is not None and frame.code == CloseCode.MESSAGE_TOO_BIG
               for frame in (exc.sent, exc.rcvd))


def _too_large(what: str) -> FrameTooLarge:
    limit = f"{P.MAX_SERVER_FRAME / (1024 * 1024):g} MiB"
    return FrameTooLarge(f"the drill's {what} larger than this client accepts ({limit} a "
                         "frame): the facilitator should make the drill's attached files smaller")


#: what reading a malformed event or scenario from the server can raise
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _event_seq(raw: str | bytes) -> str | None:
    """For a frame this client cannot read: its sequence number when it is (or may be) an
    event, "?" when it cannot tell which; None when it is no event."""
    try:
        data = json.loads(raw)
    except RecursionError:
        return "?"  # nested too deeply to tell: an event's text, most likely
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "event":
        return None
    seq = data.get("seq")
    return str(seq) if isinstance(seq, int) and not isinstance(seq, bool) else "?"


def client_tls(url: str, cafile: str | None) -> ssl.SSLContext | None:
    """The TLS context of a ``wss://`` invitation (None for ``ws://``); ``cafile`` is the
    certificate of a server whose certificate no public authority signed."""
    if not url.startswith("wss://"):
        return None
    try:
        ctx = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        # an SSLError is an OSError too: its reason is OpenSSL's, not the file's
        why = "not a PEM certificate" if isinstance(exc, ssl.SSLError) else \
            exc.strerror or type(exc).__name__
        raise CafileError(f"--cafile {cafile}: cannot load it: {why}") from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def crosses_network_unencrypted(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "ws" and not is_local(parts.hostname or "")


class _Clock:
    """The server's drill clock, followed locally between clock frames."""

    def __init__(self) -> None:
        self.base = 0.0
        self.at = time.monotonic()
        self.running = False
        self.speed = 60.0
        self.finished = False

    def set(self, state: P.ClockState) -> None:
        self.base, self.at = state.drill_time, time.monotonic()
        self.running, self.speed, self.finished = state.running, state.speed, state.finished

    def drill_time(self) -> float:
        if not self.running:
            return self.base
        return self.base + (time.monotonic() - self.at) * self.speed / 60.0


class _Connection(ClientConnection):
    """A connection to the drill server that notes when bytes last came from it: a link
    that brings a large frame slowly is alive while the frame is arriving, before it is
    whole (the answers to pings and requests wait behind it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: when bytes last came in from the server (time.monotonic())
        self.heard = time.monotonic()

    def data_received(self, data: bytes) -> None:
        self.heard = time.monotonic()
        super().data_received(data)


class DrillClient:
    """See the module docstring."""

    def __init__(self, url: str, *, cafile: str | None = None, reconnect: bool = True,
                 on_status: Callable[[str], None] | None = None,
                 tls: ssl.SSLContext | None = None, answer_timeout: float = ANSWER_TIMEOUT,
                 ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT):
        self.base, self._token = parse_invite(url)
        #: see :data:`ANSWER_TIMEOUT`, :data:`PING_INTERVAL` and :data:`PING_TIMEOUT`
        self.answer_timeout = answer_timeout
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self._tls = tls if tls is not None else client_tls(self.base, cafile)
        self.reconnect = reconnect
        self.on_status = on_status or (lambda line: None)
        self.access: str | None = None
        self.role: str | None = None
        self.token_id: str | None = None
        self.drill: str | None = None
        self.scenario: Scenario | None = None
        self.state: DrillState | None = None
        self.human_roles: dict[str, bool] = {}
        #: expectation id -> drill time the server's engine anchored it (its deadline is
        #: that plus the expectation's ``within``), for the expectations this token may see
        self.anchors: dict[str, float] = {}
        self.clock = _Clock()
        self.seq = 0
        #: the fingerprint of the events held, 1 to :attr:`seq` (sent in the hello: the
        #: server starts this client again when its own stream holds other events)
        self.mark = P.NO_MARK
        self.event_at: float | None = None
        self.connected = False
        self._ws: _Connection | None = None
        self._listeners: list[Callable[[Event], None]] = []
        self._reset_listeners: list[Callable[[], None]] = []
        self._clock_listeners: list[Callable[[P.ClockState], None]] = []
        self._replies: dict[int, asyncio.Future[P.Result]] = {}
        #: the requests sent and not yet answered, by id, as sent: after a reconnection
        #: they are sent again with the same key, and the server answers each only once
        self._unanswered: dict[int, str] = {}
        #: the run of the server the unanswered requests went to (see Welcome.instance)
        self._instance: str | None = None
        self._ids = 0
        self._seq_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._closing = False
        self.failure: BaseException | None = None
        #: the evaluators' notes (facilitator and observer tokens), as the server keeps them
        self.notes: list[Note] = []
        self._note_listeners: list[Callable[[Note], None]] = []
        #: the expectations' ratings (facilitator and observer tokens), as the journal keeps
        #: them: expectation id -> {"rating", "note", "who"}
        self.ratings: dict[str, dict[str, str]] = {}
        self._rating_listeners: list[Callable[[str, dict[str, str]], None]] = []
        #: the facilitator's breaks as the server keeps them (facilitator and observers)
        self.breaks: P.BreaksState | None = None
        self._breaks_listeners: list[Callable[[P.BreaksState], None]] = []

    # --- reading -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        ev_now = self.state.now if self.state is not None else 0.0
        return max(ev_now, self.clock.drill_time()) if self.clock.running else max(
            ev_now, self.clock.base)

    @property
    def finished(self) -> bool:
        return self.clock.finished or (self.state is not None and self.state.finished)

    def listen(self, fn: Callable[[Event], None]) -> None:
        self._listeners.append(fn)

    def on_reset(self, fn: Callable[[], None]) -> None:
        """``fn()`` whenever the server says to start again from nothing (a ``reset``
        welcome, or a reconnection into another drill): whatever was built from the events
        so far is to be thrown away. It is called once :attr:`state` is the new, empty read
        model, before the welcome's clock is told to :meth:`on_clock` and before the events
        sent again."""
        self._reset_listeners.append(fn)

    def on_clock(self, fn: Callable[[P.ClockState], None]) -> None:
        """``fn(clock)`` for every clock frame, and the clock of every welcome (after a
        reconnection: the server's drill time, which may be earlier than before)."""
        self._clock_listeners.append(fn)

    def on_note(self, fn: Callable[[Note], None]) -> None:
        """``fn(note)`` for every evaluator note written from now on (by anyone)."""
        self._note_listeners.append(fn)

    def on_rating(self, fn: Callable[[str, dict[str, str]], None]) -> None:
        """``fn(expectation, rating)`` for every rating given from now on (by anyone),
        those given while this client was away included (once it is back); ``rating``
        holds ``rating``, ``note`` and ``who``, all empty (:data:`NO_RATING`) for a rating
        the server's record no longer holds."""
        self._rating_listeners.append(fn)

    def on_breaks(self, fn: Callable[[P.BreaksState], None]) -> None:
        """``fn(breaks)`` whenever the server's plan of breaks changes (one is planned,
        begins or ends)."""
        self._breaks_listeners.append(fn)

    def clock_state(self) -> P.ClockState:
        """The drill clock as it stands now, in step with the server's."""
        return P.ClockState(drill_time=self.now, running=self.clock.running,
                            speed=self.clock.speed, finished=self.finished)

    # --- connecting ----------------------------------------------------------------------

    async def connect(self, timeout: float = 10.0) -> None:
        """Connect and join; afterwards the client keeps itself connected until :meth:`close`.

        ``timeout`` is for reaching the server, and for the welcome as long as nothing of
        it comes: a welcome that keeps coming (a large one over a slow link) is waited for."""
        ws = await self._open(timeout)
        self._runner = asyncio.create_task(self._run(ws))

    async def _open(self, timeout: float) -> _Connection:
        try:
            # the keepalive is this client's own (see _keepalive), not the library's
            ws = await asyncio.wait_for(connect(
                self.base, ssl=self._tls, max_size=P.MAX_SERVER_FRAME, compression=None,
                open_timeout=timeout, ping_interval=None, close_timeout=CLOSE_TIMEOUT,
                create_connection=_Connection), timeout)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, UnicodeError) as exc:
            why = getattr(exc, "strerror", None) or type(exc).__name__
            if isinstance(exc, ssl.SSLError):
                why = f"TLS: {exc.reason or exc}"
            elif isinstance(exc, UnicodeError):  # a host name looking it up cannot encode
                why = BAD_HOST_NAME
            raise DrillConnectionError(f"cannot reach the drill server at {self.base}: {why}") from None
        assert isinstance(ws, _Connection)
        try:
            await ws.send(P.encode(P.Hello(version=P.PROTOCOL_VERSION, token=self._token,
                                           since=self.seq, drill=self.drill,
                                           mark=self.mark)))
            first = P.server_adapter.validate_json(await self._first_frame(ws, timeout))
        except ConnectionClosed as exc:
            await ws.close()
            if _too_big(exc):
                raise _too_large("scenario is") from None
            raise DrillConnectionError(f"the drill server did not answer the hello "
                                       f"({type(exc).__name__})") from None
        except (TimeoutError, ValueError) as exc:
            await ws.close()
            raise DrillConnectionError(f"the drill server did not answer the hello "
                                       f"({type(exc).__name__})") from None
        if isinstance(first, P.Error):
            await ws.close()
            raise JoinRefused(f"the drill server refused to join: {first.message}")
        if not isinstance(first, P.Welcome):
            await ws.close()
            raise DrillConnectionError("the drill server did not welcome this client")
        try:
            restarted = self._welcome(first)
        except _MALFORMED:
            await ws.close()
            raise DrillConnectionError("the drill server sent a scenario this client cannot "
                                       "read (another version of acid-drill?)") from None
        self._ws = ws
        self.connected = True
        if restarted:
            # the drill started again from the server's record: what was sent before was
            # meant for the drill as it was, and is not sent again
            self._fail_pending(Unanswered(UNSURE.format(
                why="the drill started again from the server's record")))
        elif first.instance is None or first.instance != self._instance:
            # another run of the server (the host was restarted): it does not know what
            # the earlier run answered, and would carry a request out again
            self._fail_pending(Unanswered(UNSURE.format(
                why="the host restarted the drill server before it answered")))
        self._instance = first.instance
        if restarted:
            for fn in self._reset_listeners:
                fn()
        # told once whatever was built from the earlier events is gone
        for tell in self._clock_listeners:
            tell(first.clock)
        return ws

    @staticmethod
    async def _first_frame(ws: _Connection, timeout: float) -> str | bytes:
        """The server's first frame (its answer to the hello), however long it takes to
        arrive as long as its bytes keep coming; TimeoutError when nothing at all has come
        for ``timeout`` seconds."""
        first = asyncio.ensure_future(ws.recv())
        since = time.monotonic()
        try:
            while not first.done():
                left = max(since, ws.heard) + timeout - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                await asyncio.wait((first,), timeout=left)
            return first.result()
        finally:
            first.cancel()  # nothing when it came

    def _welcome(self, w: P.Welcome) -> bool:
        """Take the welcome in; True when it starts an earlier read model again."""
        restarted = False
        if w.reset or self.drill != w.drill or self.scenario is None:
            restarted = self.scenario is not None
            # each artefact file's text comes once: give it back to every inject with it
            self.scenario = Scenario.model_validate(restore_texts(w.scenario), context=RECORDED)
            self.state = DrillState(self.scenario)
            self.seq = 0
            self.mark = P.NO_MARK
            self.event_at = None
            self.anchors = {}
        self.access, self.role, self.token_id, self.drill = w.access, w.role, w.token_id, w.drill
        self.human_roles = dict.fromkeys(self.scenario.actors, False)
        for role in w.human:
            self.human_roles[role] = True
        self.notes = [_note(n) for n in w.notes]
        ratings = {r.expectation: _rating(r) for r in w.ratings}
        before, self.ratings = self.ratings, ratings
        # given (or taken back) while this client was away: an open review shows them
        for eid in [*ratings, *(e for e in before if e not in ratings)]:
            if ratings.get(eid) != before.get(eid):
                for listener in self._rating_listeners:
                    listener(eid, ratings.get(eid, dict(NO_RATING)))
        if w.breaks is not None:
            self.breaks = w.breaks
            for hook in self._breaks_listeners:
                hook(w.breaks)
        self._clock(w.clock, welcome=True)
        return restarted

    async def _run(self, ws: _Connection) -> None:
        delay = BACKOFF_FIRST
        while True:
            keepalive = asyncio.create_task(self._keepalive(ws))
            try:
                async for raw in ws:
                    self._frame(raw)
                    delay = BACKOFF_FIRST
            except ConnectionClosed as exc:
                if _too_big(exc):
                    # the same frame would come again on every reconnection: stop, say so
                    await self._stop(ws, _too_large("events are"))
                    return
            except _Unreadable as exc:
                # the same frame would come again on every reconnection: stop, and say so
                await self._stop(ws, DrillConnectionError(str(exc)))
                return
            finally:
                keepalive.cancel()
            self.connected = False
            self._ws = None
            # the requests not yet answered wait for the reconnection: they are sent again
            # then, with the same keys, so that the server carries none out twice
            if self._closing or not self.reconnect:
                self._fail_pending(Unanswered(UNSURE.format(why="the connection was lost")))
                return
            self.on_status("connection lost; reconnecting")
            while True:
                await asyncio.sleep(delay * (0.75 + random.random() / 2))
                delay = min(delay * 2, BACKOFF_MAX)
                try:
                    ws = await self._open(10.0)
                    self.on_status("reconnected")
                    break
                except (JoinRefused, FrameTooLarge) as exc:
                    self.failure = exc
                    self._fail_pending(Unanswered(UNSURE.format(
                        why="the connection was lost, and could not be made again")))
                    self.on_status(str(exc))
                    return
                except DrillConnectionError:
                    if self._closing:
                        self._fail_pending(Unanswered(UNSURE.format(
                            why="the connection was lost")))
                        return
            await self._send_again(ws)

    async def _keepalive(self, ws: _Connection) -> None:
        """Ping the server every :attr:`ping_interval` seconds, and take the connection for
        dead (drop it) when nothing at all has come from the server for
        :attr:`ping_timeout` seconds since a ping went: neither its answer nor a byte of
        anything else. Over a slow link the answer waits behind a large frame, which
        keeps the connection alive for as long as it keeps coming."""
        while True:
            await asyncio.sleep(self.ping_interval)
            sent = time.monotonic()
            try:
                pong = asyncio.ensure_future(await ws.ping())
            except ConnectionClosed:
                return  # the reading loop sees it
            while not pong.done():
                left = max(sent, ws.heard) + self.ping_timeout - time.monotonic()
                if left <= 0:
                    self._drop(ws)
                    return
                await asyncio.wait((pong,), timeout=left)
            if pong.cancelled() or pong.exception() is not None:
                return  # the connection closed: the reading loop sees it

    def _drop(self, ws: ClientConnection) -> None:
        """Take a silent connection for dead: drop it at once (a closing handshake would
        wait on the silent link). The reading loop then says so, reconnects, and sends
        the requests not yet answered again."""
        if ws is not self._ws:
            return  # gone already
        self.connected = False
        self._ws = None
        ws.transport.abort()

    async def _send_again(self, ws: ClientConnection) -> None:
        """Send the requests not yet answered again, in order, with the keys they had: the
        server answers one it carried out with the answer it gave, and carries out the
        others. A connection lost meanwhile is seen by the reading loop."""
        for rid in sorted(self._unanswered):
            frame = self._unanswered.get(rid)
            if frame is None:
                continue
            try:
                await ws.send(frame)
            except ConnectionClosed:
                return

    async def _stop(self, ws: ClientConnection, failure: DrillConnectionError) -> None:
        """Stop for good (no reconnection) and say why, in one line."""
        self.failure = failure
        self.connected = False
        self._ws = None
        self._fail_pending(Unanswered(f"{failure}; a command sent meanwhile may have been "
                                      "carried out: check the drill before sending it again"))
        self.on_status(str(failure))
        with contextlib.suppress(ConnectionClosed):
            await ws.close()

    def _frame(self, raw: str | bytes) -> None:
        try:
            msg = P.server_adapter.validate_json(raw)
        except ValueError:
            seq = _event_seq(raw)
            if seq is None:
                return  # a server speaking nonsense, not an event: ignore the frame
            # skipping an event would leave a gap that drops every later one: stop, and say so
            raise _Unreadable(f"the drill server sent an event this client cannot read "
                              f"(event {seq}); another version of acid-drill?") from None
        match msg:
            case P.EventMsg():
                if msg.seq != self.seq + 1:
                    return  # never a gap or a duplicate in the read model
                try:
                    # a player's event may bring the outcomes of its own expectations that
                    # it tells the role of (see sim.net.visibility): they follow it
                    evs = [event_of(e) for e in with_outcomes(msg.event)]
                    if self.state is not None:
                        for ev in evs:
                            self.state.apply(ev)
                except _MALFORMED:
                    raise _Unreadable(f"the drill server sent an event this client cannot "
                                      f"read (event {msg.seq}); another version of "
                                      "acid-drill?") from None
                self.seq = msg.seq
                self.mark = P.stream_mark(self.mark, msg.event)
                #: the server's wall-clock time when the engine produced the event in hand
                self.event_at = msg.at
                for ev in evs:
                    if ev.type == "role_changed" and ev.actor in self.human_roles:
                        self.human_roles[ev.actor] = ev.details.get("played_by") == "human"
                    if ev.type == "drill_ended":
                        self.clock.finished = True
                    for fn in self._listeners:
                        fn(ev)
                self._wake_seq()
            case P.ClockState():
                self._clock(msg)
            case P.Due():
                self.anchors = dict(msg.anchors)
            case P.NoteState():
                note = _note(msg)
                if all(n.id != note.id for n in self.notes):
                    self.notes.append(note)
                    for hook in self._note_listeners:
                        hook(note)
            case P.BreaksState():
                self.breaks = msg
                for on_breaks in self._breaks_listeners:
                    on_breaks(msg)
            case P.RatingState():
                self.ratings[msg.expectation] = _rating(msg)
                for listener in self._rating_listeners:
                    listener(msg.expectation, _rating(msg))
            case P.Result():
                self._unanswered.pop(msg.id, None)
                fut = self._replies.pop(msg.id, None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
            case P.Error():
                if msg.id is not None:
                    self._unanswered.pop(msg.id, None)
                fut = self._replies.pop(msg.id, None) if msg.id is not None else None
                if fut is not None and not fut.done():
                    fut.set_exception(Unrecorded(msg.message) if msg.code == "unrecorded"
                                      else ActionError(msg.message))
                else:
                    self.on_status(f"server: {msg.message}")

    def _clock(self, state: P.ClockState, welcome: bool = False) -> None:
        """Take a clock frame in, or the clock of a ``welcome``.

        Within one connection the drill time shown never goes back: a frame may say a
        moment earlier than the time this client has moved its clock on to meanwhile (the
        frame was on its way), and the events it holds may be ahead of the last frame. A
        welcome's drill time is the server's as it stands, and is taken as it is: after a
        reconnection to a drill resumed from an earlier copy of its journal, it may be
        earlier than the time shown before. (The welcome's clock is told to the
        :meth:`on_clock` listeners once the welcome is taken in.)"""
        self.clock.set(state)
        if self.state is not None:
            self.state.now = (state.drill_time if welcome
                              else max(self.state.now, state.drill_time))
        if not welcome:
            for fn in self._clock_listeners:
                fn(state)

    def _wake_seq(self) -> None:
        keep = []
        for want, fut in self._seq_waiters:
            if self.seq >= want:
                if not fut.done():
                    fut.set_result(None)
            else:
                keep.append((want, fut))
        self._seq_waiters = keep

    def _fail_pending(self, exc: Exception) -> None:
        """Give up on every request not yet answered, for good (it is not sent again)."""
        for fut in self._replies.values():
            if not fut.done():
                fut.set_exception(exc)
        self._replies.clear()
        self._unanswered.clear()

    async def wait_for_seq(self, seq: int, timeout: float = 10.0) -> None:
        """Wait until the read model holds event ``seq`` of this client's stream."""
        if self.seq >= seq:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq_waiters.append((seq, fut))
        await asyncio.wait_for(fut, timeout)

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self.connected = False
        self._fail_pending(Unanswered(UNSURE.format(why="the terminal left the drill")))

    # --- requests ------------------------------------------------------------------------

    async def request(self, msg_type: str, timeout: float | None = None,
                      **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its result (and the events it caused).

        The request carries a random key. When the connection is lost before the answer
        comes, it is sent again, with the same key, once the client has reconnected: the
        server carries it out once, and answers again with what it answered the first
        time. A connection that brings neither the answer nor anything else for
        ``timeout`` seconds (by default :attr:`answer_timeout`) is taken for dead and
        dropped, so that the request is sent again on the next. It fails with
        :class:`Unanswered` (it may have been carried out) only when no answer can come:
        the client cannot reconnect, reconnects to another run of the server or to a
        drill started again, or is closed."""
        wait = self.answer_timeout if timeout is None else timeout
        ws = self._ws
        if ws is None:
            raise DrillConnectionError("not connected to the drill server")
        self._ids += 1
        rid = self._ids
        key = secrets.token_urlsafe(16)
        frame = json.dumps({"type": msg_type, "id": rid, "key": key, **fields},
                           ensure_ascii=False)
        size = len(frame.encode("utf-8", "surrogatepass"))
        if size > P.MAX_CLIENT_FRAME:
            # the server would refuse it, or past its hard limit close the connection (1009):
            # the connection stays up, and a 1009 from the server is never about this client
            raise ActionError(f"this is too large to send to the drill server ({-(-size // 1024)} "
                              f"KiB; it accepts at most {P.MAX_CLIENT_FRAME // 1024} KiB)")
        fut: asyncio.Future[P.Result] = asyncio.get_running_loop().create_future()
        self._replies[rid] = fut
        self._unanswered[rid] = frame
        with contextlib.suppress(ConnectionClosed):
            # lost on the way: sent again with its key once the client has reconnected
            await ws.send(frame)
        result = await self._answer(fut, wait)
        # carried out: its events follow (a connection lost meanwhile sends them again)
        with contextlib.suppress(TimeoutError):
            await self.wait_for_seq(result.last, max(wait, EVENTS_WAIT))
        return result.data

    async def _answer(self, fut: asyncio.Future[P.Result], timeout: float) -> P.Result:
        """The answer ``fut`` brings. A connection silent for ``timeout`` seconds (since
        the request went, or since the last bytes it brought) is dropped: the request is
        sent again once the client has reconnected, and waits on the next."""
        since = time.monotonic()
        while not fut.done():
            # every byte from the server counts: a large frame may be arriving slowly,
            # with the answer behind it
            heard = self._ws.heard if self._ws is not None else since
            left = max(since, heard) + timeout - time.monotonic()
            if left <= 0:
                if self._ws is not None:
                    self._drop(self._ws)
                since, left = time.monotonic(), timeout  # the clock starts again
            try:
                await asyncio.wait((fut,), timeout=left)
            except asyncio.CancelledError:
                fut.cancel()  # nobody waits for the answer any more
                raise
        return fut.result()

    async def command(self, kind: str, payload: dict[str, Any]) -> None:
        """Any session command, in the session's vocabulary (``kind`` and ``payload``)."""
        await self.request("command", kind=kind, payload=payload)

    async def act(self, action: Action) -> None:
        await self.command("act", asdict(action))

    async def answer_task(self, actor: str, task: str, text: str) -> None:
        """A player's answer to a task it was asked (a player answers only as its role)."""
        await self.command("answer_task", {"actor": actor, "task": task, "text": text})

    async def fire_inject(self, inject_id: str) -> None:
        await self.command("fire_inject", {"id": inject_id})

    async def skip_inject(self, inject_id: str) -> None:
        await self.command("skip_inject", {"id": inject_id})

    async def delay_inject(self, inject_id: str, minutes: float) -> None:
        await self.command("delay_inject", {"id": inject_id, "minutes": minutes})

    async def add_inject(self, inject: Inject) -> None:
        await self.command("add_inject", {"inject": json.loads(inject.model_dump_json())})

    async def set_human(self, actor: str, human: bool) -> None:
        await self.command("set_human", {"actor": actor, "human": human})

    async def pause(self) -> None:
        await self.request("clock", op="pause")

    async def resume(self) -> None:
        await self.request("clock", op="resume")

    async def set_speed(self, speed: float) -> None:
        await self.request("clock", op="speed", speed=speed)

    async def next_inject(self) -> None:
        await self.request("clock", op="next_inject")

    async def jump(self, to: float) -> None:
        """Move the drill on to drill time ``to`` (minutes): everything until then happens."""
        await self.request("clock", op="jump", to=to)

    async def add_note(self, text: str, expectation: str = "", team: str = "") -> None:
        """An evaluator's note, kept in the drill's journal (facilitator and observers)."""
        await self.request("note", text=text, expectation=expectation, team=team)

    async def plan_break(self, at_wall_iso: str, minutes: float) -> None:
        """The facilitator plans a break at a wall-clock time (ISO, with its offset): the
        server pauses the drill clock then, for ``minutes``, and keeps the plan."""
        await self.request("breaks", op="add", at_wall_iso=at_wall_iso, minutes=minutes)

    async def end_break(self) -> None:
        """The facilitator ends the break under way early: the clock runs again."""
        await self.request("breaks", op="end")

    async def rate(self, expectation: str, rating: str, note: str = "") -> None:
        """An expectation's rating and note, kept in the drill's journal (facilitator and
        observers); a later one replaces it."""
        await self.request("rate", expectation=expectation, rating=rating, note=note)

    async def invite(self, access: str, role: str | None = None) -> str:
        return str((await self.request("invite", access=access, role=role))["url"])

    async def revoke(self, token_id: str) -> None:
        await self.request("revoke", token_id=token_id)

    async def tokens(self) -> list[dict[str, Any]]:
        return list((await self.request("tokens"))["tokens"])
