"""Actors at run time: their shifts, desks, inboxes and pictures.

An actor works in its own time zone and working week (:mod:`sim.engine.clock`).
Work waits on a **desk**: the office desk has the team's capacity and keeps its
office hours; a team that is not staffed 24/7 also has a **duty desk**, one person
on call around the clock, which handles requests arriving over a 24/7 channel (the
preservation network) without holding an office desk overnight. A team with an
``on_call`` tier is reachable out of hours on its on-call channels: its duty officer
picks a message up after a delay and handles it at the duty desk when the incident,
as the team knows it, is severe enough, unless the office opens first; anything less
waits for office hours. When the office closes, the duty officer takes over such work
still at the office desk, queued (:meth:`Desk.hand_over` moves it) or in hand (being
acknowledged, analysed or drafted). A tier that names the actions its duty officer
carries out (``on_call.actions``) leaves the drafting of any other action to the
office (:meth:`ActorState.duty_carries_out`). Mail waiting unread in a closed office is
no part of what the team knows (:meth:`~sim.engine.core.Engine.receive`), and neither is
a call on an on-call channel until the duty officer answers it.

Items wait for a desk in priority order: the incident's severity as stated in what
has reached the actor, read or not, when a place is given (most severe first), then
the deadline the sender is working to, then arrival. An item waiting while the team
hears that its incident is more severe moves up the queue; work that waited
overnight is let in at opening by what has reached the team then. ``policy.queue:
fifo`` serves them strictly in arrival order instead.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Callable, Generator, Hashable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any
from weakref import proxy as _weak

import simpy

from scenarios.model import SEVERITY_ORDER, Actor

from .clock import Shift
from .knowledge import Picture


class AlwaysOn:
    """A shift that never ends: 24/7 handling."""

    @staticmethod
    def on_duty(t: float) -> bool:
        return True

    @staticmethod
    def next_on(t: float) -> float:
        return t

    @staticmethod
    def shift_end(t: float) -> float:
        return math.inf


ALWAYS = AlwaysOn()


@dataclass(slots=True)
class Received:
    """Something in an actor's inbox: an inject or a message."""

    ref: str
    kind: str  # "inject", a message verb, or "after:<rule>" for a follow-on
    sender: str | None
    recipient: str
    incident: str
    tlp: str
    channel: str | None
    at: float
    named: tuple[str, ...]
    facts: tuple[str, ...] = ()
    dispatch: object | None = None
    text: str = ""
    title: str = ""
    artefacts: tuple[str, ...] = ()
    #: label of the incident facts it states (and of the incident's title), when they
    #: may travel further than the rest
    facts_tlp: str | None = None
    #: the incident's title as the item gives it ("" when it gives none)
    incident_title: str = ""
    #: the sender's own deadline for what this asks (for the desk's priority)
    deadline_at: float = math.inf
    #: it added facts to the recipient's picture
    grew: bool = False
    #: it let the recipient pass on a fact it held only under a stricter label, or told
    #: it that its sender knows a fact the recipient held under a restricted one
    widened: bool = False
    acknowledged: bool = False
    #: when its facts joined the recipient's picture: its arrival, or, for mail that
    #: reached a closed office, its acknowledgement, and for a call on an on-call
    #: channel out of hours, its answer by the duty officer or else its acknowledgement
    #: (None while it waits unread)
    known_at: float | None = None
    #: a message's facts that travel under a laxer label than the message's own (they
    #: came in items of laxer labels than others it passes on), each with that label
    fact_labels: dict[str, str] | None = None
    #: a message's: the label of the incident's title it gives, when laxer than its own
    title_tlp: str | None = None

    def label_of(self, fact: str) -> str:
        """The TLP label one of its facts travels under: a message's, as its sender gave
        it; an inject's incident facts, under ``facts_tlp`` when it has one; anything
        else (an artefact), under the item's own label."""
        labels = self.fact_labels
        if labels is not None:
            return labels.get(fact, self.tlp)
        if self.facts_tlp is not None and not fact.startswith("indicator:"):
            return self.facts_tlp
        return self.tlp


class Desk:
    """Where an actor's work waits its turn: a priority queue of requests, and a shift.

    It behaves as a SimPy ``PriorityResource`` step for step (the same events, created
    and scheduled in the same order) without its generic machinery: a request is
    granted at once when a place is free and it heads the queue; a release frees its
    place at once and lets the head of the queue in when the release event is
    processed. Unlike a ``PriorityResource``, a waiting request's priority may change:
    a request made for a ``group`` (an incident) starts with the group's rank, and
    :meth:`rerank` moves the group's waiting requests when its rank changes. Before
    each grant the desk calls ``refresh`` (when given), which reranks what has
    changed since.
    """

    __slots__ = ("_deferred", "_groups", "_openings", "_queue", "_users", "capacity", "env",
                 "refresh", "shift")

    def __init__(self, env: simpy.Environment, capacity: int, shift: Shift | AlwaysOn,
                 refresh: Callable[[], None] | None = None):
        self.env = env
        self.capacity = capacity
        self.shift = shift
        self.refresh = refresh
        self._openings: dict[float, list[tuple[Callable[[], tuple], simpy.Event]]] = {}
        #: waiting requests as (priority, event, group), smallest priority first;
        #: priorities are unique, so neither event nor group is ever compared
        self._queue: list[tuple[tuple, simpy.Event, Hashable]] = []
        #: group -> its waiting requests (event -> priority), to rerank them
        self._groups: dict[Hashable, dict[simpy.Event, tuple]] = {}
        #: granted requests not released yet
        self._users: set[simpy.Event] = set()
        #: the opening at which a place freed while the desk was closed is given out
        self._deferred: float | None = None

    def opening(self, at: float, key: Callable[[], tuple]) -> simpy.Event:
        """An event at the desk's opening time ``at``; work that waited overnight is let
        in at opening in priority order, not in the order it arrived. ``key`` gives the
        work's priority when the desk opens (the team may have learnt more overnight)."""
        waiting = self._openings.get(at)
        if waiting is None:
            waiting = self._openings[at] = []

            def open_desk(_event: simpy.Event) -> None:
                ranked = [(rank(), ev) for rank, ev in self._openings.pop(at)]
                ranked.sort(key=itemgetter(0))
                for _, ev in ranked:
                    ev.succeed()

            self.env.timeout(at - self.env.now).callbacks.append(open_desk)
        ev = self.env.event()
        waiting.append((key, ev))
        return ev

    def request(self, priority: tuple, group: Hashable | None = None) -> simpy.Event:
        """A request for a place at the desk, triggered once granted (smaller
        ``priority`` first; each request's priority is unique). A request for a
        ``group`` is reranked with it (:meth:`rerank`): its priority's first part is
        the group's rank."""
        req = simpy.Event(self.env)
        if not self._queue and len(self._users) < self.capacity \
                and self.shift.on_duty(self.env._now):  # type: ignore[attr-defined]
            # nothing waits and a place is free: let it in now, as _grant would
            if self.refresh is not None:
                self.refresh()
            self._users.add(req)
            req.succeed()
            return req
        insort(self._queue, (priority, req, group))
        if group is not None:
            self._groups.setdefault(group, {})[req] = priority
        self._grant()
        return req

    def rerank(self, group: Hashable, rank: object) -> None:
        """The ``group``'s rank is now ``rank``: its waiting requests move to their
        places in the queue by it (the rest of each priority unchanged)."""
        waiting = self._groups.get(group)
        if not waiting:
            return
        queue = self._queue
        for req, key in waiting.items():
            if key[0] == rank:
                continue
            # priorities are unique: the request's entry is the first at or after (key,)
            del queue[bisect_left(queue, (key,))]
            new = (rank, *key[1:])
            waiting[req] = new
            insort(queue, (new, req, group))

    def hand_over(self, reqs: set[simpy.Event], other: Desk) -> list[simpy.Event]:
        """Move these waiting requests to the ``other`` desk, each keeping its priority
        (and its group, to be reranked there), and let the head of that desk's queue in;
        returns those moved, in priority order."""
        moved = []
        for entry in [e for e in self._queue if e[1] in reqs]:
            priority, req, group = entry
            self._queue.remove(entry)
            if group is not None:
                self._forget(group, req)
                other._groups.setdefault(group, {})[req] = priority
            insort(other._queue, entry)
            moved.append(req)
        if moved:
            other._grant()
        return moved

    def _forget(self, group: Hashable, req: simpy.Event) -> None:
        waiting = self._groups[group]
        del waiting[req]
        if not waiting:
            del self._groups[group]

    def release(self, req: simpy.Event) -> None:
        """Give back a granted place; the next request is let in when the release
        event is processed."""
        self._users.discard(req)
        done = simpy.Event(self.env)
        done.callbacks.append(self._grant)
        done.succeed()

    def cancel(self, req: simpy.Event) -> None:
        """Withdraw a request not granted yet."""
        if req.triggered:
            return
        for i, (_, waiting, group) in enumerate(self._queue):
            if waiting is req:
                del self._queue[i]
                if group is not None:
                    self._forget(group, req)
                return

    def clear(self) -> None:
        """Forget every request and opening (the drill is over)."""
        self._openings.clear()
        self._queue.clear()
        self._groups.clear()
        self._users.clear()

    def _grant(self, _event: simpy.Event | None = None) -> None:
        """Let the head of the queue in if there is a free place (one at a time), by the
        priorities as they stand now. A place that comes free while the desk is closed
        (at closing time) is given out when it opens, after the work that waited for the
        opening has queued: nobody picks up new work on the way out."""
        if self._queue and len(self._users) < self.capacity:
            now = self.env._now  # type: ignore[attr-defined]
            if not self.shift.on_duty(now):
                on = self.shift.next_on(now)
                if self._deferred != on and not math.isinf(on):
                    self._deferred = on
                    # ranked after every piece of work waiting for that opening
                    self.opening(on, _LAST).callbacks.append(self._reopen)
                return
            if self.refresh is not None:
                self.refresh()
            _, req, group = self._queue.pop(0)
            if group is not None:
                self._forget(group, req)
            self._users.add(req)
            req.succeed()

    def _reopen(self, _event: simpy.Event) -> None:
        self._deferred = None
        self._grant()


def _last() -> tuple[float]:
    return (math.inf,)


#: the rank that sorts after every piece of work waiting for an opening
_LAST = _last


class ActorState:
    """Run-time state of one actor."""

    def __init__(self, env: simpy.Environment, aid: str, spec: Actor, shift: Shift):
        self.id = aid
        self.spec = spec
        self.shift = shift
        self.env = env
        self.human = False
        #: each time the role changed hands, and whether a person took it, oldest first
        self.hands: list[tuple[float, bool]] = [(0.0, False)]
        self.fifo = spec.policy.queue == "fifo"
        #: what the desks call before letting work in (through a weak reference: no
        #: cycle between the actor and its desks)
        self._refresh = None if self.fifo else partial(ActorState._restate, _weak(self))
        self.office = Desk(env, spec.capacity, shift, self._refresh)
        self._duty: Desk | None = None
        self.received: list[Received] = []
        #: how many received items the priorities of work waiting at the desks reflect
        self._ranked = 0
        #: the policy's work under way for this role: process -> (item, slot)
        self.work: dict = {}
        self.pictures: dict[str, Picture] = {}
        #: (incident, rule) of effect rules carried out (an effect happens once)
        self.fired: set[tuple[str, str]] = set()
        #: (incident, rule) -> recipients of a message under the rule being drafted now
        #: (another item's handling leaves them to that draft)
        self.drafting: dict[tuple[str, str], set[str]] = {}
        #: (incident, rule) -> True to follow the rule, False when the policy declined it
        self.decided: dict[tuple[str, str], bool] = {}
        #: (incident, rule) -> what the labels kept back of a publication under the rule
        #: when it was last withheld (the items and facts: recorded again only if they
        #: change)
        self.unpublished: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        #: (incident, rule) -> every dispatch sent under the rule
        self.sent: dict[tuple[str, str], list] = {}
        #: (incident, verb, recipient) -> facts already told to that recipient with that verb
        self.told: dict[tuple[str, str, str], set[str]] = {}
        #: (incident, verb, recipient) of the messages a person playing the role sent
        self.person_sent: set[tuple[str, str, str]] = set()
        #: (incident, action) of the effects (a takedown, a preservation) a person
        #: carried out for the role
        self.person_done: set[tuple[str, str]] = set()
        #: incidents a person acted on for the role (acknowledged, sent, carried out)
        self.person_acted: set[str] = set()
        #: the follow-ons (``after:<rule>``) due, their receipts all read, that have not
        #: run yet: taken up when the role comes back to the policy
        self.after_owed: list[Received] = []
        #: retries after a bounce and chases that fell due while a person played the
        #: role, each with the clock of the desk that sent the message: the policy takes
        #: them up when the role comes back to it
        self.sends_owed: list[tuple[Shift | AlwaysOn, Callable[[], None]]] = []
        #: incidents the policy took up again, after a person who acted on them played
        #: the role, that nobody analysed: it analyses one before its first action on it
        self.analysis_owed: set[str] = set()
        #: (incident, actor) -> facts that actor has told this one (it knows them)
        self.heard: dict[tuple[str, str], set[str]] = {}

    @property
    def duty(self) -> Desk:
        """The 24/7 duty desk (the office desk itself for a team staffed 24/7)."""
        if self.spec.always_on:
            return self.office
        if self._duty is None:
            self._duty = Desk(self.env, 1, ALWAYS, self._refresh)
        return self._duty

    def answering(self, channel: str | None, around_the_clock: bool = False) -> Shift | AlwaysOn:
        """When a call on ``channel`` gets through: always on a channel the 24/7 point of
        contact handles (``around_the_clock``) or on an on-call channel (the duty
        officer's phone rings at any hour), else on duty. A call on an on-call channel
        is taken in only once someone picks it up
        (:meth:`~sim.engine.core.Engine.takes_in`)."""
        if around_the_clock:
            return ALWAYS
        on_call = self.spec.on_call
        if on_call is not None and channel is not None and channel in on_call.channels:
            return ALWAYS
        return self.shift

    def on_call_takes(self, item: Received, now: float, action: str | None = None) -> bool:
        """True when the duty officer takes ``item`` now, out of office hours: it came on
        an on-call channel and the incident is severe enough, as this team knows it (its
        picture: mail waiting unread in the closed office does not count) together with
        what ``item`` itself says, should it not be taken in yet (the call being
        answered); with ``action`` (the draft in hand), when the duty officer carries
        that out too."""
        on_call = self.spec.on_call
        if on_call is None or item.channel not in on_call.channels or self.shift.on_duty(now):
            return False
        if action is not None and not on_call.carries_out(action):
            return False
        picture = self.pictures.get(item.incident)
        severity = picture.severity if picture is not None else ""
        if item.known_at is None:
            severity = _graver(severity, item.facts)
        if not on_call.acts_on(severity or None):
            # a call about the incident that rang before, severe enough on its own word,
            # is one the duty officer answers: a follow-up about the same incident is
            # judged with what it says, though not answered yet
            for other in self.received:
                if other.known_at is None and other is not item \
                        and other.incident == item.incident \
                        and other.channel in on_call.channels:
                    stated = _graver("", other.facts)
                    if stated and on_call.acts_on(stated):
                        severity = _graver(severity, other.facts)
        return on_call.acts_on(severity or None)

    def duty_carries_out(self, action: str) -> bool:
        """Whether the duty desk carries out ``action``: every action, unless the on-call
        tier names those its duty officer does (the office drafts the rest). A team
        staffed 24/7 has no duty officer: its office desk does everything."""
        on_call = self.spec.on_call
        return on_call is None or self.spec.always_on or on_call.carries_out(action)

    def priority(self, item: Received, seq: int) -> tuple[float, float, float, int]:
        """Sort key of an item waiting for a desk (smaller goes first): its first part is
        the rank of the item's incident (:meth:`rank`), the rest never changes."""
        if self.fifo:
            return (0, 0.0, item.at, seq)
        return (self.rank(item.incident), item.deadline_at, item.at, seq)

    def rank(self, incident: str) -> int:
        """The incident's place in the queue by the most severe assessment of it that has
        reached this team, read or not (smaller goes first; an unknown severity counts
        as medium): sorting the inbox takes no more than its subject lines."""
        picture = self.pictures.get(incident)
        severity = (picture.triage() if picture is not None else "") or "medium"
        return -SEVERITY_ORDER.index(severity)

    def rerank(self, incident: str) -> None:
        """Move the work waiting about ``incident`` to its place by the incident's rank
        now (an unread item said it is more severe)."""
        if self.fifo:
            return
        rank = self.rank(incident)
        self.office.rerank(incident, rank)
        if self._duty is not None:
            self._duty.rerank(incident, rank)

    def _restate(self) -> None:
        """Before a desk lets work in: rerank the work waiting about each incident whose
        picture grew since the last look (an item that reached the team added facts,
        perhaps a higher severity)."""
        received = self.received
        seen, self._ranked = self._ranked, len(received)
        if seen == self._ranked:
            return
        grown = dict.fromkeys(item.incident for item in received[seen:] if item.grew)
        desks = (self.office,) if self._duty is None else (self.office, self._duty)
        for incident in grown:
            rank = self.rank(incident)
            for desk in desks:
                desk.rerank(incident, rank)


def _graver(severity: str, facts: tuple[str, ...]) -> str:
    """The most severe of ``severity`` and the severities ``facts`` state ("" when
    none)."""
    for f in facts:
        if f.startswith("severity:"):
            value = f[9:]
            if not severity or SEVERITY_ORDER.index(value) > SEVERITY_ORDER.index(severity):
                severity = value
    return severity


@dataclass(slots=True)
class TimedCall:
    """One call of :func:`work`: the stretches it spent, each (start, end, "worked" or
    "off_duty", or "queued" for a wait before the work was taken up), oldest first, on
    which shift, and how it ended."""

    shift: Shift | AlwaysOn
    start: float
    stretches: list[tuple[float, float, str]]
    #: when it ended (ran to its end, or was interrupted)
    end: float = math.nan
    #: it ran to its end
    done: bool = False
    #: the cause of the interrupt that stopped it (None: not interrupted)
    cause: object = None


#: Where a process of the policy's work keeps its latest calls of :func:`work` that did
#: not work at one go (on the process itself, so that they go with it): those since the
#: last one that ran to its end, which only an interrupted call's successor carries on
#: (work handed over to the duty officer at closing goes on at the duty desk).
_TIMED = "drill_timed_work"


def timed_work(process: simpy.Process | None) -> list[TimedCall]:
    """The calls of :func:`work` ``process`` made last, oldest first: the one under way
    or last done, after those interrupted before it; empty when the last one worked at
    one go, from its start to its end (or when it made none)."""
    if process is None:
        return []
    calls: list[TimedCall] = process.__dict__.get(_TIMED, [])
    return calls


def work(env: simpy.Environment, shift: Shift | AlwaysOn, minutes: float,
         end: float, since: float | None = None) -> Generator[simpy.Event, object, float]:
    """Spend ``minutes`` of worked time on ``shift``; returns the off-duty minutes waited.

    When its minutes fell is kept for the process doing the work (:func:`timed_work`),
    for the log, unless it works them at one go from now: the engine's scheduling is the
    same either way. ``since``: the work was set aside then for ``shift``'s desk (a draft
    the duty officer leaves for the office), and its wait since is part of it: off duty
    while ``shift`` is off (among the minutes returned), queued while it is on."""
    process = env._active_proc
    kept: dict[str, Any] = process.__dict__ if process is not None else {}
    calls: list[TimedCall] | None = kept.get(_TIMED)
    if calls is not None and (calls[-1].done or calls[-1].cause is None):
        calls = None  # nothing carried on
    now = env._now
    if since is not None and since >= now:
        since = None
    if calls is None and since is None and shift.next_on(now) <= now \
            and minutes <= shift.shift_end(now) - now:
        kept.pop(_TIMED, None)
        if minutes > 0:
            yield env.timeout(minutes)
        return 0.0
    call = TimedCall(shift, now if since is None else since, [])
    if calls is None:
        kept[_TIMED] = [call]
    else:
        calls.append(call)
    waited = 0.0 if since is None else _set_aside(shift, since, now, call.stretches)
    return waited + (yield from _timed(env, shift, minutes, end, call))


def _set_aside(shift: Shift | AlwaysOn, start: float, end: float,
               stretches: list[tuple[float, float, str]]) -> float:
    """Add the wait from ``start`` to ``end`` to ``stretches``: "off_duty" while
    ``shift`` is off, "queued" while it is on; returns the minutes off duty."""
    off = 0.0
    t = start
    while t < end:
        on = shift.next_on(t)
        if on > t:
            stop, part = min(on, end), "off_duty"
            off += stop - t
        else:
            stop, part = min(shift.shift_end(t), end), "queued"
        if stop <= t:
            break
        stretches.append((t, stop, part))
        t = stop
    return off


def _timed(env: simpy.Environment, shift: Shift | AlwaysOn, minutes: float, end: float,
           call: TimedCall) -> Generator[simpy.Event, object, float]:
    """:func:`work`, keeping its stretches in ``call``."""
    waited = 0.0
    remaining = minutes
    timeout = env.timeout
    stretches = call.stretches
    try:
        while True:
            now = env._now
            on = shift.next_on(now)
            if on > now:
                if math.isinf(on):
                    yield timeout(end + 1 - now)
                    return waited
                waited += on - now
                stretches.append((now, on, "off_duty"))
                yield timeout(on - now)
                now = env._now
            shift_end = shift.shift_end(now)
            if remaining <= shift_end - now:
                if remaining > 0:
                    stretches.append((now, now + remaining, "worked"))
                    yield timeout(remaining)
                call.end, call.done = env._now, True
                return waited
            remaining -= shift_end - now
            stretches.append((now, shift_end, "worked"))
            yield timeout(shift_end - now)
    except simpy.Interrupt as stop:
        # the stretch under way ends now
        if stretches:
            start, _, part = stretches[-1]
            stretches[-1] = (start, env._now, part)
        call.end = env._now
        call.cause = stop.cause if stop.cause is not None else "interrupted"
        raise
