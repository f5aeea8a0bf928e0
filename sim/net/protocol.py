"""The multi-site drill protocol: every message a client and the drill server exchange.

Each WebSocket text frame holds one JSON object whose ``type`` field names the
message. Every message is a pydantic model here, and :data:`ClientMessage` /
:data:`ServerMessage` are the discriminated unions a side accepts. The protocol is
documented in ``docs/protocol.md``; :data:`PROTOCOL_VERSION` is checked in the
``hello``/``welcome`` handshake and changes whenever a message changes shape.

Commands travel in the live session's own vocabulary: a ``command`` frame carries
``kind`` and ``payload`` exactly as :meth:`sim.runs.session.DrillSession._command`
records them (for ``act`` the payload is ``dataclasses.asdict(Action)``, checked
field by field by :class:`ActPayload` before the session sees it; ``answer_task``'s is
checked by :class:`AnswerTaskPayload`), so a new session command needs no change here.
What a token may send is decided by the server (:data:`PERMISSIONS` in
:mod:`sim.net.server`). Every request carries the client's ``id`` for it and (version
6 on) a random ``key``, the same when it is sent again after a reconnection, so that
the server carries it out once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from sim.net.invites import MAX_TOKEN_ID

#: Changes whenever a message changes shape. A client says in its hello which version it
#: speaks; the server serves every version from :data:`OLDEST_VERSION` to this one, and
#: sends a client of an older version only the messages, and the fields, that it knows.
PROTOCOL_VERSION = 7
#: The oldest version the server still serves: 5, whose clients send no request ``key``.
OLDEST_VERSION = 5
#: The first version whose hello says which events the client holds (``mark``, see
#: :func:`stream_mark`): an older client is sent its stream again from the start only
#: when its ``since`` is ahead of the stream or it followed another drill.
MARKED_VERSION = 7

#: Largest frame a client may send (bytes); larger ones get a ``too_large`` error.
MAX_CLIENT_FRAME = 64 * 1024
#: Frames larger than this are not even read: the connection is closed (code 1009).
HARD_CLIENT_FRAME = 1024 * 1024
#: Largest frame a client accepts from the server (the welcome holds the scenario).
MAX_SERVER_FRAME = 16 * 1024 * 1024
#: Longest token, command kind and identifiers accepted.
MAX_TOKEN = 200
MAX_KIND = 64
#: Longest text of an ``act`` (characters), and most recipients or items it names.
MAX_ACT_TEXT = 16_000
MAX_ACT_ITEMS = 256
#: Longest answer to a task (characters): the session's own limit for an answer.
MAX_ANSWER_TEXT = 4000
#: Most a player's ``act`` may carry in all: its text's length (characters) times its
#: recipients (at least one). A message over it is refused: a shorter text, or fewer
#: recipients at a time.
MAX_ACT_VOLUME = 100_000
#: Each player's and observer's token (not the facilitator's, who runs the drill) has a
#: budget of requests: up to REQUEST_BURST at once, then REQUEST_RATE a minute. A request
#: over it is refused, and the connection kept.
REQUEST_BURST = 60
REQUEST_RATE = 60
#: Each player's token has a budget of what its messages carry in all (text times
#: recipients, as :data:`MAX_ACT_VOLUME` counts it): VOLUME_BURST characters at once,
#: then VOLUME_RATE a minute. A message over it is refused.
VOLUME_BURST = 400_000
VOLUME_RATE = 100_000
#: Seconds a new connection has to say hello.
HELLO_TIMEOUT = 10.0
#: Protocol errors on one connection before it is closed (refused commands do not count).
MAX_STRIKES = 5
#: Answers the server keeps, per token, to requests that carried a ``key``: a request
#: sent again with the same key (its answer was lost with the connection) is answered
#: from here instead of being carried out twice.
REMEMBERED_ANSWERS = 256

Access = Literal["facilitator", "player", "observer"]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- client to server -------------------------------------------------------------


class Hello(Message):
    """First frame of every connection: the protocol version, the token, where to resume."""

    type: Literal["hello"] = "hello"
    version: int
    token: Annotated[str, Field(min_length=1, max_length=MAX_TOKEN)]
    #: the last event sequence number this client holds (0: none)
    since: Annotated[int, Field(ge=0)] = 0
    #: the drill this client was following, if any (from an earlier welcome)
    drill: Annotated[str, Field(max_length=64)] | None = None
    #: the fingerprint of the events this client holds, 1 to ``since`` (version 7 on;
    #: see :func:`stream_mark`): the server starts it again from nothing when its own
    #: stream holds other events up to there
    mark: Annotated[str, Field(max_length=64)] | None = None


#: A request's key: random, chosen by the client, the same when the request is sent
#: again after a reconnection (version 6 on; see :data:`REMEMBERED_ANSWERS`).
RequestKey = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Request(Message):
    """What every request has: the client's number for it, answered with the same
    ``id``, and (version 6 on) its ``key``, kept when the request is sent again."""

    id: Annotated[int, Field(ge=0)]
    key: RequestKey | None = None


class CommandMsg(Request):
    """A session command, as DrillSession records it: ``kind`` and ``payload``."""

    type: Literal["command"] = "command"
    kind: Annotated[str, Field(min_length=1, max_length=MAX_KIND)]
    payload: dict[str, Any] = Field(default_factory=dict)


class ClockMsg(Request):
    """Facilitator: run, pause, change speed, jump to the next inject or to a drill time."""

    type: Literal["clock"] = "clock"
    op: Literal["pause", "resume", "speed", "next_inject", "jump"]
    speed: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)] | None = None
    #: for ``jump``: the drill time (minutes) to move on to; everything until then happens
    to: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None


class InviteMsg(Request):
    """Facilitator: a new invitation for a role (or for the facilitator or observers)."""

    type: Literal["invite"] = "invite"
    access: Access
    role: Annotated[str, Field(max_length=MAX_KIND)] | None = None


class RevokeMsg(Request):
    """Facilitator: revoke a token by its public id; its connections are closed."""

    type: Literal["revoke"] = "revoke"
    token_id: Annotated[str, Field(min_length=1, max_length=MAX_TOKEN_ID)]


class TokensMsg(Request):
    """Facilitator: list the tokens (public ids, what they are for, whether revoked)."""

    type: Literal["tokens"] = "tokens"


class NoteMsg(Request):
    """Facilitator or observer (evaluator): an observation for the journal, taken at the
    drill time the server receives it. Not a session command: it changes nothing in the
    drill and is not replayed."""

    type: Literal["note"] = "note"
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    expectation: Annotated[str, Field(max_length=MAX_KIND)] = ""
    team: Annotated[str, Field(max_length=MAX_KIND)] = ""


class BreaksMsg(Request):
    """Facilitator: plan a break (``add``: the drill clock pauses at the wall-clock time
    ``at_wall_iso``, with its offset, for ``minutes``), or end the break under way early
    (``end``: the clock runs again). The server keeps the plan in the drill's journal and
    pauses and resumes the clock itself (version 6 on)."""

    type: Literal["breaks"] = "breaks"
    op: Literal["add", "end"]
    at_wall_iso: Annotated[str, Field(max_length=64)] | None = None
    minutes: Annotated[float, Field(gt=0, le=24 * 60, allow_inf_nan=False)] | None = None


class RateMsg(Request):
    """Facilitator or observer (evaluator), in the review: an expectation's HSEEP rating
    (``P``, ``S``, ``M`` or ``U``) and the evaluator's note on it, kept in the drill's
    journal as ``drill review`` keeps them (a later rating of the same expectation
    replaces it). Not a session command: it changes nothing in the drill."""

    type: Literal["rate"] = "rate"
    #: an expectation as scored: ``E1``, or one team's share of it, ``E3.certph``
    expectation: Annotated[str, Field(min_length=1, max_length=2 * MAX_KIND + 1)]
    #: checked by the server, which says which ratings there are
    rating: Annotated[str, Field(max_length=MAX_KIND)]
    note: Annotated[str, Field(max_length=4000)] = ""


Ident = Annotated[str, Field(min_length=1, max_length=MAX_KIND)]


class ActPayload(BaseModel):
    """The payload of an ``act`` command: an :class:`~sim.engine.Action`, field for field,
    with every type checked strictly (no coercion: a number is not text) before the drill
    sees it. The session's own checks come after (an unknown actor or verb, an incident
    the role has not heard of, a recipient it cannot reach)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    actor: Ident
    verb: Ident
    incident: Ident
    targets: Annotated[list[Ident], Field(max_length=MAX_ACT_ITEMS)] = Field(
        default_factory=list)
    channel: Annotated[str, Field(max_length=MAX_KIND)] | None = None
    tlp: Annotated[str, Field(max_length=MAX_KIND)] | None = None
    #: an item's ref: ``inject:`` and an inject id, or a message id such as ``m12``
    refs: Annotated[list[Annotated[str, Field(min_length=1, max_length=2 * MAX_KIND)]],
                    Field(max_length=MAX_ACT_ITEMS)] = Field(default_factory=list)
    text: Annotated[str, Field(max_length=MAX_ACT_TEXT)] = ""

    @field_validator("targets")
    @classmethod
    def _once(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a recipient is listed twice")
        return v


class AnswerTaskPayload(BaseModel):
    """The payload of an ``answer_task`` command: a player's answer to a task put to it,
    each field text (strictly: a number or a list is not text), no other field. The
    session's own checks come after (a task not asked of the role, an empty answer)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    actor: Ident
    task: Ident
    text: Annotated[str, Field(max_length=MAX_ANSWER_TEXT)]


#: The payloads the server checks before the session sees them, by command kind.
COMMAND_PAYLOADS: dict[str, type[BaseModel]] = {"act": ActPayload,
                                                "answer_task": AnswerTaskPayload}


ClientMessage = Annotated[
    Hello | CommandMsg | ClockMsg | InviteMsg | RevokeMsg | TokensMsg | NoteMsg | RateMsg
    | BreaksMsg,
    Field(discriminator="type"),
]
CLIENT_TYPES = frozenset({"hello", "command", "clock", "invite", "revoke", "tokens", "note",
                          "rate", "breaks"})


# --- server to client -------------------------------------------------------------


class ClockState(Message):
    """The drill clock: drill minutes at the moment the frame was sent, running, speed."""

    type: Literal["clock"] = "clock"
    drill_time: float
    running: bool
    speed: float
    finished: bool = False


class NoteState(Message):
    """An evaluator's note as kept in the journal; sent to facilitator and observer tokens."""

    type: Literal["note"] = "note"
    id: int
    drill_time: float | None
    wall: float | None
    who: str
    text: str
    expectation: str = ""
    team: str = ""


class RatingState(Message):
    """An expectation's rating as kept in the journal; sent to facilitator and observer
    tokens when it is given, and in their welcome (version 6 on)."""

    type: Literal["rating"] = "rating"
    expectation: str
    rating: str
    note: str = ""
    #: ``facilitator`` or ``evaluator``
    who: str = ""


class BreaksState(Message):
    """The facilitator's breaks as the server keeps them (version 6 on): those to come,
    the one under way, and whether the clock runs again when it is over (it was running
    when the break began). Sent to facilitator and observer tokens in their welcome and
    whenever the plan changes; each frame replaces the one before."""

    type: Literal["breaks"] = "breaks"
    #: the breaks to come, earliest first: ``{"at_wall_iso", "minutes"}`` (as the journal
    #: keeps them)
    planned: list[dict[str, Any]] = Field(default_factory=list)
    #: the break under way, or None
    current: dict[str, Any] | None = None
    resumes: bool = False


class Welcome(Message):
    """The answer to a good hello: who this token is, the drill, and what follows."""

    type: Literal["welcome"] = "welcome"
    version: int = PROTOCOL_VERSION
    access: Access
    role: str | None = None
    token_id: str
    #: the drill's id (its journal id): the same across a server restart and --resume
    drill: str
    #: the scenario as this token may see it (a player's holds no injects); each artefact
    #: file's text once, at the first inject attaching it (see sim.net.visibility)
    scenario: dict[str, Any]
    #: roles played by people now
    human: list[str]
    #: the sequence number of the last event this token's stream holds
    last: int
    #: true when the client's ``since`` did not fit this drill: start again from nothing
    reset: bool = False
    clock: ClockState
    #: the evaluators' notes so far (facilitator and observer tokens only; players: none)
    notes: list[NoteState] = Field(default_factory=list)
    #: the expectations' ratings so far (version 6 on; facilitator and observer tokens only)
    ratings: list[RatingState] = Field(default_factory=list)
    #: the facilitator's breaks (version 6 on; facilitator and observer tokens only)
    breaks: BreaksState | None = None
    #: a random id of this run of the server (version 6 on): a client that reconnects to
    #: another run (the host was restarted) does not send its unanswered requests again,
    #: since the new run has not kept their answers
    instance: str | None = None


class Due(Message):
    """When the engine started each expectation's countdown (drill minutes), for the
    expectations this token may see: the deadline it scores against is the anchor plus
    the expectation's ``within``. Every anchor so far, sent after the welcome and again
    whenever one is added; the latest frame replaces the earlier ones."""

    type: Literal["due"] = "due"
    anchors: dict[str, float] = Field(default_factory=dict)


class EventMsg(Message):
    """One domain event this token may see, numbered in this token's own stream."""

    type: Literal["event"] = "event"
    seq: int
    event: dict[str, Any]
    #: the server's wall-clock time when the engine produced it (None when replayed)
    at: float | None = None


class Result(Message):
    """A command, clock, invite, revoke or tokens request was carried out."""

    type: Literal["result"] = "result"
    id: int
    #: the last event sequence number after the command: its events are up to here
    last: int
    data: dict[str, Any] = Field(default_factory=dict)


ErrorCode = Literal[
    "bad_frame",      # not JSON, or not a valid message
    "too_large",      # over MAX_CLIENT_FRAME
    "unknown_type",   # a type this server does not know
    "version",        # the client speaks another protocol version
    "unauthorized",   # forged, foreign or revoked token
    "forbidden",      # the token may not do this
    "refused",        # the drill refused the command (the engine's reason)
    "unrecorded",     # carried out, but not yet in the drill's journal (version 7 on)
    "not_ready",      # a frame before hello
]


class Error(Message):
    """Something was wrong with a frame; ``id`` names the request when known."""

    type: Literal["error"] = "error"
    id: int | None = None
    code: ErrorCode
    message: str


ServerMessage = Annotated[
    Welcome | EventMsg | ClockState | NoteState | RatingState | BreaksState | Due | Result
    | Error,
    Field(discriminator="type"),
]

client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
server_adapter: TypeAdapter[Any] = TypeAdapter(ServerMessage)

#: Close codes used by the server (RFC 6455: 1008 is "policy violation").
CLOSE_POLICY = 1008
CLOSE_GOING_AWAY = 1001


#: Fields of server messages added after :data:`OLDEST_VERSION`, and the version that
#: added each: a client of an earlier version is not sent them (it refuses unknown fields).
ADDED_FIELDS: dict[tuple[str, str], int] = {("welcome", "instance"): 6,
                                             ("welcome", "ratings"): 6,
                                             ("welcome", "breaks"): 6}
#: Server messages added after :data:`OLDEST_VERSION`, and the version that added each: a
#: client of an earlier version is not sent them.
ADDED_TYPES: dict[str, int] = {"rating": 6, "breaks": 6}
#: Error codes added after :data:`OLDEST_VERSION`, and the version that added each: a
#: client of an earlier version is sent ``refused`` instead, with the same message.
ADDED_CODES: dict[str, int] = {"unrecorded": 7}


def known_to(msg_type: str, version: int) -> bool:
    """Whether a client of protocol ``version`` knows server messages of ``msg_type``."""
    return ADDED_TYPES.get(msg_type, OLDEST_VERSION) <= version


def encode(msg: Message, version: int = PROTOCOL_VERSION) -> str:
    """One frame, as a client of protocol ``version`` reads it (without the fields added
    after its version)."""
    kind = getattr(msg, "type", "")
    if isinstance(msg, Error) and ADDED_CODES.get(msg.code, OLDEST_VERSION) > version:
        msg = msg.model_copy(update={"code": "refused"})
    newer = {name for (t, name), added in ADDED_FIELDS.items() if t == kind and added > version}
    return msg.model_dump_json(exclude=newer) if newer else msg.model_dump_json()


#: The fingerprint of no events (a client that holds none).
NO_MARK = ""


def event_text(event: Mapping[str, Any]) -> str:
    """An event as its ``event`` frame holds it (compact JSON, in its own field order)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def stream_mark(previous: str, event: Mapping[str, Any]) -> str:
    """The fingerprint of a stream's events up to ``event``, from ``previous``, the
    fingerprint of those before it (:data:`NO_MARK` for the first). Each side works it
    out from the events as sent (the server) or received (the client): two streams whose
    events differ anywhere up to there, as after the host resumed an earlier copy of its
    journal, have different fingerprints."""
    text = event_text(event).encode("utf-8", "surrogatepass")
    return hashlib.sha256(previous.encode("ascii") + b"\n" + text).hexdigest()[:32]
