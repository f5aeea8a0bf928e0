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
:mod:`sim.net.server`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

#: Changes whenever a message changes shape; client and server must agree.
PROTOCOL_VERSION = 5

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
#: Seconds a new connection has to say hello.
HELLO_TIMEOUT = 10.0
#: Protocol errors on one connection before it is closed (refused commands do not count).
MAX_STRIKES = 5

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


class CommandMsg(Message):
    """A session command, as DrillSession records it: ``kind`` and ``payload``."""

    type: Literal["command"] = "command"
    id: Annotated[int, Field(ge=0)]
    kind: Annotated[str, Field(min_length=1, max_length=MAX_KIND)]
    payload: dict[str, Any] = Field(default_factory=dict)


class ClockMsg(Message):
    """Facilitator: run, pause, change speed, jump to the next inject or to a drill time."""

    type: Literal["clock"] = "clock"
    id: Annotated[int, Field(ge=0)]
    op: Literal["pause", "resume", "speed", "next_inject", "jump"]
    speed: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)] | None = None
    #: for ``jump``: the drill time (minutes) to move on to; everything until then happens
    to: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None


class InviteMsg(Message):
    """Facilitator: a new invitation for a role (or for the facilitator or observers)."""

    type: Literal["invite"] = "invite"
    id: Annotated[int, Field(ge=0)]
    access: Access
    role: Annotated[str, Field(max_length=MAX_KIND)] | None = None


class RevokeMsg(Message):
    """Facilitator: revoke a token by its public id; its connections are closed."""

    type: Literal["revoke"] = "revoke"
    id: Annotated[int, Field(ge=0)]
    token_id: Annotated[str, Field(min_length=1, max_length=MAX_KIND)]


class TokensMsg(Message):
    """Facilitator: list the tokens (public ids, what they are for, whether revoked)."""

    type: Literal["tokens"] = "tokens"
    id: Annotated[int, Field(ge=0)]


class NoteMsg(Message):
    """Facilitator or observer (evaluator): an observation for the journal, taken at the
    drill time the server receives it. Not a session command: it changes nothing in the
    drill and is not replayed."""

    type: Literal["note"] = "note"
    id: Annotated[int, Field(ge=0)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    expectation: Annotated[str, Field(max_length=MAX_KIND)] = ""
    team: Annotated[str, Field(max_length=MAX_KIND)] = ""


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
    Hello | CommandMsg | ClockMsg | InviteMsg | RevokeMsg | TokensMsg | NoteMsg,
    Field(discriminator="type"),
]
CLIENT_TYPES = frozenset({"hello", "command", "clock", "invite", "revoke", "tokens", "note"})


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
    "not_ready",      # a frame before hello
]


class Error(Message):
    """Something was wrong with a frame; ``id`` names the request when known."""

    type: Literal["error"] = "error"
    id: int | None = None
    code: ErrorCode
    message: str


ServerMessage = Annotated[
    Welcome | EventMsg | ClockState | NoteState | Due | Result | Error,
    Field(discriminator="type"),
]

client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
server_adapter: TypeAdapter[Any] = TypeAdapter(ServerMessage)

#: Close codes used by the server (RFC 6455: 1008 is "policy violation").
CLOSE_POLICY = 1008
CLOSE_GOING_AWAY = 1001


def encode(msg: Message) -> str:
    return msg.model_dump_json()
