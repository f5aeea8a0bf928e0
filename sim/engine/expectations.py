"""Expectations at run time: anchors, deadlines, met, missed and late.

An expectation of a message verb (notify, escalate, request_takedown...) is met when
the message gets as far as the expectation's ``reach`` requires: ``sent``,
``delivered`` (the default) or ``acknowledged`` by the recipient. A request sent to a
stale address that never arrives does not meet a ``delivered`` expectation. Whatever
the reach, a message counts by when it was first sent: towards an expectation anchored
on an inject, only one sent once that inject is out. Targets are read off exercise
control's ground truth: the evaluator knows where the infrastructure really is. A
message's target is its recipient; an acknowledgement's, whoever sent what it
acknowledges (exercise control, for an inject). Other actions are addressed to nobody,
and validation refuses a target on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from weakref import proxy as _weak

from simpy.events import EventPriority

from scenarios.model import MESSAGE_VERBS

from .events import Event
from .messaging import VERB_EVENT

if TYPE_CHECKING:
    from .core import Engine

ACTION_EVENTS = frozenset(VERB_EVENT.values())
_EVENT_VERB = {"acknowledged": "acknowledge", "analysed": "analyse"}
#: event types the expectations look at
WATCHED = ACTION_EVENTS | {"message_sent", "message_delivered"}
#: events of a message that never arrives, for contingencies fired on 'lost'
LOST_EVENTS = frozenset({"message_lost", "message_bounced"})

#: Priorities of the decisions exercise control takes at the end of a moment. SimPy runs
#: the events due at one time by priority (urgent 0, normal 1: everything the drill
#: does; 2: a sender's decision to chase, :data:`~.messaging.DECIDE_CHASE`), and each
#: priority in the order it was queued; these run after all of them, however late in
#: the moment they were queued. An expectation falling due is missed once everything
#: else due then has happened (an action at its deadline is in time), and a branch
#: inject (``when``) is decided after that (it reads the miss).
DECIDE_MISS = EventPriority(3)
DECIDE_BRANCH = EventPriority(4)


@dataclass
class ExpectationState:
    id: str
    actors: tuple[str, ...]
    require: str
    reach: str
    action: str
    target: str | None
    incident: str
    after: str
    within: float
    score: float
    contingency: str | None
    objective: str | None
    anchor_at: float | None = None
    #: how many anchors were out once this one was (1 for the first anchored)
    anchor_no: int | None = None
    status: str = "pending"  # pending | met | missed
    late_at: float | None = None
    done_by: dict[str, float] = field(default_factory=dict)
    #: contingency inject ids by what fires them: met, late, missed, lost
    fires: dict[str, str] = field(default_factory=dict)
    lost: bool = False

    @property
    def deadline_at(self) -> float | None:
        return None if self.anchor_at is None else self.anchor_at + self.within


class Expectations:
    """Every expectation of one run."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        self.states: dict[str, ExpectationState] = {
            e.id: ExpectationState(
                e.id, tuple(e.actors), e.require, e.reach, e.action, e.target, e.incident,
                e.after, e.within, e.score, e.contingency, e.objective,
                fires=e.contingencies(),
            )
            for e in engine.scenario.expectation_units()
        }
        self._actions = {e.action for e in self.states.values()}
        #: (action, reach, incident) -> the expectations of that action about that
        #: incident, in scenario order: those of that reach, or (reach None) all of them
        self._of_action: dict[tuple[str, str | None, str], list[ExpectationState]] = {}
        for exp in self.states.values():
            for reach in (exp.reach, None):
                self._of_action.setdefault((exp.action, reach, exp.incident), []).append(exp)
        #: True when some expectation fires a contingency when its message is lost
        self.watch_lost = any("lost" in e.fires for e in self.states.values())
        #: anchors out so far
        self._anchors = 0
        #: dispatch id -> how many anchors were out when its first attempt was sent
        self._sent_after: dict[str, int] = {}

    # --- anchors -----------------------------------------------------------------------

    def incident_opened(self, inc_id: str) -> None:
        for exp in self.states.values():
            if exp.incident == inc_id and exp.after == "incident":
                self._anchor(exp)

    def inject_delivered(self, inject_id: str) -> None:
        for exp in self.states.values():
            if exp.after == inject_id and exp.anchor_at is None:
                self._anchor(exp)

    def _anchor(self, exp: ExpectationState) -> None:
        engine = self.engine
        exp.anchor_at = engine.now
        self._anchors += 1
        exp.anchor_no = self._anchors
        if exp.status == "pending":
            assert exp.deadline_at is not None

            def deadline() -> None:
                if exp.status == "pending":
                    self._miss(exp)

            # the deadline is inclusive: what is done at that very moment, whatever its
            # place among the moment's events, is in time
            engine.after(exp.deadline_at - engine.now, deadline, DECIDE_MISS)

    def _miss(self, exp: ExpectationState) -> None:
        exp.status = "missed"
        self.engine.emit(
            "expectation_missed", None, exp.incident, expectation=exp.id,
            deadline_at=exp.deadline_at, done_by=dict(exp.done_by),
            contingency=exp.contingency,
        )
        if exp.contingency is not None:
            self.engine.msel.contingency(exp.contingency)

    def _fire(self, exp: ExpectationState, what: str) -> None:
        """Fire the contingency inject for ``what`` happened (met, late, lost)."""
        inject = exp.fires.get(what)
        if inject is not None:
            self.engine.msel.contingency(inject)

    def finish(self, end: float) -> None:
        for exp in self.states.values():
            if exp.status == "pending" and exp.deadline_at is not None and exp.deadline_at <= end:
                self._miss(exp)

    # --- what was done -----------------------------------------------------------------

    def on_event(self, ev: Event) -> None:
        """Look at one event for expectations it meets."""
        d = ev.details
        kind = ev.type
        if kind == "message_sent":
            self._sent_after.setdefault(d["dispatch"], self._anchors)
            return
        of_action = self._of_action
        if kind == "message_delivered":
            exps = of_action.get((d["verb"], "delivered", ev.incident))
            if exps:
                self._done(ev, exps, d["sender"], (ev.actor,), d["dispatch"])
            return
        if kind in LOST_EVENTS:
            self._lost(ev)
            return
        verb = d.get("action") or _EVENT_VERB.get(kind)
        if verb is not None:
            self.engine.acted.add((ev.actor, ev.incident, verb))
            if self.engine.msel.watching:
                self.engine.msel.on_action(ev, verb)
        if verb is None or (verb not in self._actions and verb != "acknowledge"):
            return
        if verb in MESSAGE_VERBS:
            exps = of_action.get((verb, "sent", ev.incident))
            if exps:
                self._done(ev, exps, ev.actor, tuple(d.get("targets", ())))
            return
        if kind == "acknowledged":
            dispatches = self.engine.messaging.dispatches
            for did in d.get("dispatches", ()):
                x = dispatches[did]
                exps = of_action.get((x.verb, "acknowledged", ev.incident))
                if exps:
                    self._done(ev, exps, x.sender, (x.recipient,), did)
            # an acknowledgement is towards whoever sent what it acknowledges
            exps = of_action.get((verb, None, ev.incident))
            if exps:
                self._done(ev, exps, ev.actor, tuple(d.get("senders", ())))
            return
        exps = of_action.get((verb, None, ev.incident))
        if exps:
            self._done(ev, exps, ev.actor, ())

    def _out_before(self, exp: ExpectationState, dispatch: str | None) -> bool:
        """Whether what is done now, or by a message (``dispatch``), comes before the
        expectation's anchor: anchored on an inject, only what is done once that inject
        is out counts, and a message counts by when it was first sent."""
        if exp.anchor_no is None:
            return exp.after != "incident"
        return (dispatch is not None
                and self._sent_after.get(dispatch, self._anchors) < exp.anchor_no)

    def _done(self, ev: Event, exps: list[ExpectationState], actor: str,
              recipients: tuple[str, ...], dispatch: str | None = None) -> None:
        """``actor`` did what the expectations ``exps`` (of one action, reach and
        incident) look for; ``dispatch``: the message delivered or acknowledged, for
        those reaches."""
        engine = self.engine
        for exp in exps:
            if (
                actor not in exp.actors
                or actor in exp.done_by
                or self._out_before(exp, dispatch)
            ):
                continue
            if exp.target is not None:
                truth = engine.msel.incidents[exp.incident]
                country = engine.actors[actor].spec.country
                wanted = {a for a, _ in engine.policy.directory.select(
                    exp.target, country, truth, None)}
                if not wanted & set(recipients):
                    continue
            exp.done_by[actor] = ev.time
            complete = exp.require == "any" or all(a in exp.done_by for a in exp.actors)
            if not complete:
                continue
            if exp.status == "pending":
                exp.status = "met"
                engine.emit(
                    "expectation_met", actor, exp.incident, expectation=exp.id,
                    deadline_at=exp.deadline_at, score=exp.score, event=ev.seq,
                )
                if exp.fires:
                    self._fire(exp, "met")
            elif exp.status == "missed" and exp.late_at is None:
                exp.late_at = ev.time
                engine.emit(
                    "expectation_late", actor, exp.incident, expectation=exp.id,
                    deadline_at=exp.deadline_at, late_by=ev.time - (exp.deadline_at or 0.0),
                    event=ev.seq,
                )
                if exp.fires:
                    self._fire(exp, "late")

    def _lost(self, ev: Event) -> None:
        """A message was lost or bounced: fire the 'lost' contingency of an expectation
        still pending that it would have met (once). A channel the recipient has no
        contact on loses nothing: the sender knows at once and goes on by its fallback."""
        d = ev.details
        if d.get("reason") == "no_contact":
            return
        sender = d.get("sender", ev.actor) if ev.type == "message_lost" else ev.actor
        recipient = ev.actor if ev.type == "message_lost" else d.get("to")
        engine = self.engine
        for exp in self.states.values():
            if ("lost" not in exp.fires or exp.lost or exp.action != d.get("verb")
                    or exp.incident != ev.incident or sender not in exp.actors
                    or exp.status != "pending" or self._out_before(exp, d.get("dispatch"))):
                continue
            if exp.target is not None:
                truth = engine.msel.incidents[exp.incident]
                country = engine.actors[sender].spec.country
                wanted = {a for a, _ in engine.policy.directory.select(
                    exp.target, country, truth, None)}
                if recipient not in wanted:
                    continue
            exp.lost = True
            self._fire(exp, "lost")
