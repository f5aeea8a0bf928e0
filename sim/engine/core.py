"""The drill engine: a SimPy model of CERTs, ANSAC, police, ISPs and victims.

One :class:`Engine` is one run: one SimPy environment, one process per actor
with an inbox, messages travelling over channels, and an automated policy that
follows the scenario's frameworks for every role no person plays.

The engine is driven from outside through a narrow boundary:

* ``run_until(t)`` / ``step()`` / ``run()`` advance simulated time;
* ``act(Action(...))`` applies a person's action at the current time, in the
  same vocabulary the policy uses;
* ``fire_inject`` / ``skip_inject`` / ``delay_inject`` / ``add_inject`` and
  ``set_human`` are the facilitator's commands;
* ``subscribe(fn)`` receives every domain :class:`~sim.engine.events.Event`.

Times are minutes after the drill start.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import simpy

from scenarios.durations import parse_drill_time
from scenarios.loader import LoadedScenario, Problem
from scenarios.model import (
    ACTOR_KINDS,
    MESSAGE_VERBS,
    SELECTORS,
    SEVERITY_ORDER,
    TLP_ORDER,
    VERBS,
    Actor,
    Condition,
    Inject,
    Rule,
    Scenario,
)

from .clock import Shift, shift_for
from .distributions import sample
from .events import Event
from .streams import Streams

#: Event type recorded for each verb an actor performs.
VERB_EVENT: dict[str, str] = {
    "acknowledge": "acknowledged",
    "analyse": "analysed",
    "report": "notified",
    "notify": "notified",
    "broadcast": "notified",
    "share": "notified",
    "escalate": "escalated",
    "refer_police": "escalated",
    "request_takedown": "requested",
    "request_assistance": "requested",
    "request_preservation": "requested",
    "request_mla": "requested",
    "takedown": "takedown_completed",
    "preserve": "preserved",
    "publish": "published",
    "close": "closed",
}

CERT_KINDS = ("national_cert", "partner_cert")
CLIENT_KINDS = ("victim", "isp")


class ActionError(ValueError):
    """An action from outside the engine that cannot be carried out."""


@dataclass(frozen=True)
class Action:
    """A person's action, or the policy's, in the shared vocabulary.

    ``refs`` names received items (message ids such as ``m12`` or inject refs
    such as ``inject:3``): the ones acknowledged, or passed on by a message.
    """

    actor: str
    verb: str
    incident: str
    targets: tuple[str, ...] = ()
    channel: str | None = None
    tlp: str | None = None
    refs: tuple[str, ...] = ()
    text: str = ""


@dataclass
class Received:
    """Something in an actor's inbox: an inject or a message."""

    ref: str
    kind: str  # "inject" or a message verb
    sender: str | None
    recipient: str
    incident: str
    tlp: str
    channel: str | None
    at: float
    named: tuple[str, ...]
    dispatch: Dispatch | None = None
    text: str = ""
    title: str = ""
    artefacts: tuple[str, ...] = ()
    acknowledged: bool = False


@dataclass
class Dispatch:
    """One logical message from a sender to one recipient, over one or more attempts."""

    id: str
    sender: str
    recipient: str
    incident: str
    verb: str
    rule: str | None
    tlp: str
    channels: list[str]
    trigger_at: float
    named: tuple[str, ...]
    refs: tuple[str, ...]
    automated: bool
    acked: bool = False
    attempts: int = 0
    text: str = ""
    trigger: str | None = None
    draft: dict[str, float] = field(default_factory=dict)


@dataclass
class IncidentState:
    id: str
    type: str = ""
    title: str = ""
    severity: str = "medium"
    affected: list[str] = field(default_factory=list)
    hosted_in: list[str] = field(default_factory=list)
    crime_suspected: bool = False
    opened_at: float | None = None
    taken_down: list[str] = field(default_factory=list)
    contained_at: float | None = None

    def properties(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "severity": self.severity,
            "affected": list(self.affected),
            "hosted_in": list(self.hosted_in),
            "crime_suspected": self.crime_suspected,
        }


@dataclass
class Knowledge:
    """What one actor knows of one incident."""

    first_at: float
    items: list[Received] = field(default_factory=list)
    analysis: str = "none"  # none | busy | done
    done: simpy.Event | None = None


class ActorState:
    """Run-time state of one actor."""

    def __init__(self, env: simpy.Environment, aid: str, spec: Actor, shift: Shift):
        self.id = aid
        self.spec = spec
        self.shift = shift
        self.env = env
        self.inbox: simpy.Store = simpy.Store(env)
        self._slots: simpy.Resource | None = None
        self.human = False
        self.received: list[Received] = []
        self.knows: dict[str, Knowledge] = {}
        self.fired: set[tuple[str, str]] = set()
        self.sent: dict[tuple[str, str], list[Dispatch]] = {}
        #: (incident, verb, recipient) already sent: never sent twice by the policy
        self.addressed: set[tuple[str, str, str]] = set()

    @property
    def slots(self) -> simpy.Resource:
        """The team's desks (capacity), made when first needed."""
        if self._slots is None:
            self._slots = simpy.Resource(self.env, capacity=self.spec.capacity)
        return self._slots


@dataclass
class ScheduledInject:
    inject: Inject
    at: float | None
    state: str = "pending"  # pending | fired | skipped


@dataclass
class ExpectationState:
    id: str
    actors: tuple[str, ...]
    require: str
    action: str
    target: str | None
    incident: str
    after: str
    within: float
    score: float
    contingency: str | None
    objective: str | None
    anchor_at: float | None = None
    status: str = "pending"  # pending | met | missed
    late_at: float | None = None
    done_by: dict[str, float] = field(default_factory=dict)

    @property
    def deadline_at(self) -> float | None:
        return None if self.anchor_at is None else self.anchor_at + self.within


class Engine:
    """One run of one scenario with one seed."""

    def __init__(
        self,
        loaded: LoadedScenario | Scenario,
        seed: int = 0,
        human: tuple[str, ...] | list[str] = (),
    ):
        scenario = loaded.scenario if isinstance(loaded, LoadedScenario) else loaded
        self.scenario = scenario
        self.seed = int(seed)
        self.env = simpy.Environment(initial_time=0.0)  # always float: replays match
        self.streams = Streams(self.seed)
        self.start = scenario.drill.start
        self.end = scenario.drill.duration
        self.log: list[Event] = []
        self._subscribers: list[Callable[[Event], None]] = []
        self._seq = itertools.count()
        self._msg_ids = itertools.count(1)
        self._dispatch_ids = itertools.count(1)
        self.channels = scenario.channels
        self.actors: dict[str, ActorState] = {
            aid: ActorState(self.env, aid, spec, shift_for(spec, self.start))
            for aid, spec in scenario.actors.items()
        }
        for aid in human:
            if aid not in self.actors:
                raise ActionError(f"unknown role {aid!r}")
            self.actors[aid].human = True
        self.incidents: dict[str, IncidentState] = {}
        self._by_kind: dict[str, list[tuple[str, str | None]]] = {
            k: [] for k in (*ACTOR_KINDS, "cert")}
        for aid, a in scenario.actors.items():
            self._by_kind[a.kind].append((aid, a.country))
            if a.kind in CERT_KINDS:
                self._by_kind["cert"].append((aid, a.country))
        self.rules = scenario.rules()
        self._by_trigger: dict[str, list[tuple[str, Rule]]] = {}
        for rid, (_, rule) in self.rules.items():
            for trig in rule.on:
                self._by_trigger.setdefault(trig, []).append((rid, rule))
            for after in rule.after:
                self._by_trigger.setdefault(f"after:{after}", []).append((rid, rule))
        self.injects: dict[str, ScheduledInject] = {}
        for inj in scenario.injects:
            at = parse_drill_time(inj.at, self.start) if inj.at is not None else None
            self.injects[inj.id] = ScheduledInject(inj, at)
        self.expectations: dict[str, ExpectationState] = {
            e.id: ExpectationState(
                e.id, tuple(e.actors), e.require, e.action, e.target, e.incident,
                e.after, e.within, e.score, e.contingency, e.objective,
            )
            for e in scenario.expectations
        }
        self._ended = False
        self._emit(
            "drill_started",
            None,
            None,
            scenario=scenario.drill.id,
            title=scenario.drill.title,
            start=self.start.isoformat(),
            duration=self.end,
            clock_timezone=scenario.drill.clock_timezone,
            seed=self.seed,
            human=sorted(human),
            actors={
                aid: {"name": a.name, "kind": a.kind, "country": a.country, "timezone": a.timezone}
                for aid, a in scenario.actors.items()
            },
            expectations=[
                {
                    "id": e.id, "actors": list(e.actors), "require": e.require,
                    "action": e.action, "target": e.target, "incident": e.incident,
                    "after": e.after, "within": e.within, "score": e.score,
                    "objective": e.objective, "description": d.description,
                }
                for e, d in zip(self.expectations.values(), scenario.expectations, strict=True)
            ],
        )
        for st in self.actors.values():
            self.env.process(self._actor_loop(st))
        for sched in self.injects.values():
            if sched.at is not None:
                self._schedule_inject(sched)

    # --- outside interface -------------------------------------------------------

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def finished(self) -> bool:
        return self._ended

    def subscribe(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``fn`` with every event from now on; returns an unsubscribe function."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn)

    def peek(self) -> float:
        """Time of the next scheduled engine event (inf when none)."""
        return self.env.peek()

    def step(self) -> bool:
        """Process one engine event. Returns False once the drill has ended."""
        if self._ended:
            return False
        if self.env.peek() >= self.end:
            self._finish()
            return False
        self.env.step()
        return True

    def run_until(self, t: float) -> None:
        """Advance simulated time to ``t`` (capped at the drill's end)."""
        if self._ended:
            return
        target = float(min(t, self.end))
        if target > self.env.now:
            self.env.run(until=target)
        if t >= self.end:
            self._finish()

    def run(self) -> list[Event]:
        """Run to the drill's end and return the log."""
        self.run_until(self.end)
        return self.log

    def local_time(self, actor: str, t: float | None = None):
        """An actor's local date-time at drill minute ``t`` (default: now)."""
        return self.actors[actor].shift.local(self.env.now if t is None else t)

    def on_duty(self, actor: str) -> bool:
        return self.actors[actor].shift.on_duty(self.env.now)

    def inbox(self, actor: str) -> list[Received]:
        """Everything an actor has received, oldest first."""
        return list(self.actors[actor].received)

    # --- facilitator -------------------------------------------------------------

    def set_human(self, actor: str, human: bool) -> None:
        """Give a role to a person (True) or hand it back to the automated policy."""
        st = self._actor(actor)
        if st.human == human:
            return
        st.human = human
        self._emit("role_changed", actor, None, played_by="human" if human else "policy")
        if not human:
            for item in st.received:
                if not item.acknowledged:
                    self.env.process(self._handle(st, item))

    def fire_inject(self, inject_id: str) -> None:
        """Deliver an inject now (a scheduled, skipped or contingency one)."""
        sched = self._sched(inject_id)
        if sched.state == "fired":
            raise ActionError(f"inject {inject_id!r} has already been delivered")
        sched.state = "fired"
        self._deliver_inject(sched.inject)

    def skip_inject(self, inject_id: str) -> None:
        sched = self._sched(inject_id)
        if sched.state != "pending":
            raise ActionError(f"inject {inject_id!r} is already {sched.state}")
        sched.state = "skipped"
        self._emit("inject_skipped", None, sched.inject.incident.id, inject=inject_id)

    def delay_inject(self, inject_id: str, minutes: float) -> None:
        sched = self._sched(inject_id)
        if sched.state != "pending" or sched.at is None:
            raise ActionError(f"inject {inject_id!r} is not waiting to be delivered")
        sched.at = max(self.env.now, sched.at) + minutes
        self._emit("inject_rescheduled", None, sched.inject.incident.id, inject=inject_id,
                   at=sched.at)
        self._schedule_inject(sched)

    def add_inject(self, inject: Inject, fire_now: bool = True) -> None:
        """Add an ad-hoc inject to the MSEL, and deliver it now unless told otherwise."""
        if inject.id in self.injects:
            raise ActionError(f"inject id {inject.id!r} is already used")
        for aid in (inject.sender, *inject.to):
            self._actor(aid)
        if inject.via not in self.channels:
            raise ActionError(f"unknown channel {inject.via!r}")
        if inject.incident.id not in self.incidents and not inject.incident.type:
            raise ActionError(f"a new incident {inject.incident.id!r} needs a type")
        at = parse_drill_time(inject.at, self.start) if inject.at else None
        sched = ScheduledInject(inject, at)
        self.injects[inject.id] = sched
        if fire_now:
            self.fire_inject(inject.id)
        elif at is not None:
            self._schedule_inject(sched)

    # --- people's actions --------------------------------------------------------

    def act(self, action: Action) -> list[Event]:
        """Carry out a person's action at the current simulated time.

        Returns the events it produced at once; messages then travel as usual.
        """
        st = self._actor(action.actor)
        if action.verb not in VERBS:
            raise ActionError(f"unknown action {action.verb!r}; one of: {', '.join(VERBS)}")
        if action.incident not in st.knows:
            raise ActionError(f"{action.actor} has received nothing about {action.incident!r}")
        first = len(self.log)
        know = st.knows[action.incident]
        refs = {r for r in action.refs}
        held = {i.ref: i for i in know.items}
        for r in refs:
            if r not in held:
                raise ActionError(f"{action.actor} has not received {r!r} about {action.incident}")
        if action.verb == "acknowledge":
            items = [held[r] for r in sorted(refs)] if refs else [
                i for i in know.items if not i.acknowledged
            ]
            self._acknowledge(st, items, by="human")
        elif action.verb == "analyse":
            know.analysis = "done"
            if know.done is not None and not know.done.triggered:
                know.done.succeed()
            self._emit("analysed", st.id, action.incident, by="human")
        elif action.verb in MESSAGE_VERBS:
            if not action.targets:
                raise ActionError(f"{action.verb} needs at least one recipient")
            for t in action.targets:
                self._actor(t)
            channel = action.channel or self._default_channel(action.targets)
            if channel not in self.channels:
                raise ActionError(f"unknown channel {channel!r}")
            tlp = (action.tlp or "AMBER").upper().removeprefix("TLP:")
            if tlp not in TLP_ORDER:
                raise ActionError(f"unknown TLP label {action.tlp!r}")
            self._perform(
                st, action.verb, action.incident, list(action.targets), [channel], tlp,
                rule=None, trigger_at=self.env.now, passes=[held[r] for r in sorted(refs)],
                by="human", text=action.text,
            )
        else:
            self._perform(
                st, action.verb, action.incident, list(action.targets), [], "CLEAR",
                rule=None, trigger_at=self.env.now, passes=[held[r] for r in sorted(refs)],
                by="human", text=action.text,
            )
        return self.log[first:]

    def _default_channel(self, targets: tuple[str, ...]) -> str:
        for cid in self.channels:
            if all(cid in self.actors[t].spec.contacts for t in targets):
                return cid
        return next(iter(self.channels))

    # --- internals: helpers ------------------------------------------------------

    def _actor(self, aid: str) -> ActorState:
        st = self.actors.get(aid)
        if st is None:
            raise ActionError(f"unknown actor {aid!r}")
        return st

    def _sched(self, inject_id: str) -> ScheduledInject:
        sched = self.injects.get(str(inject_id))
        if sched is None:
            raise ActionError(f"unknown inject {inject_id!r}")
        return sched

    def _emit(self, type_: str, actor: str | None, incident: str | None, **details: Any) -> Event:
        ev = Event.make(next(self._seq), self.env.now, type_, actor, incident, details)
        self.log.append(ev)
        if self._subscribers:
            for fn in tuple(self._subscribers):
                fn(ev)
        if type_ in _ACTION_EVENTS and actor is not None:
            self._check_expectations(ev)
        return ev

    def _draw(self, dist: object, name: str) -> float:
        return sample(dist, self.streams(name))

    def _work(self, shift: Shift | _AlwaysOn, minutes: float) -> Iterator[simpy.Event]:
        """Spend ``minutes`` of worked time; returns the off-duty minutes waited."""
        waited = 0.0
        remaining = minutes
        env = self.env
        while True:
            on = shift.next_on(env.now)
            if on > env.now:
                if math.isinf(on):
                    yield env.timeout(self.end + 1 - env.now)
                    return waited
                waited += on - env.now
                yield env.timeout(on - env.now)
            end = shift.shift_end(env.now)
            if remaining <= end - env.now:
                if remaining > 0:
                    yield env.timeout(remaining)
                return waited
            remaining -= end - env.now
            yield env.timeout(end - env.now)

    # --- injects -----------------------------------------------------------------

    def _after(self, delay: float, fn: Callable[[], None]) -> None:
        """Call ``fn`` after ``delay`` minutes (a plain callback: cheaper than a process)."""
        self.env.timeout(max(0.0, delay)).callbacks.append(lambda _event: fn())

    def _schedule_inject(self, sched: ScheduledInject) -> None:
        at = sched.at
        assert at is not None

        def fire() -> None:
            if sched.state == "pending" and sched.at == at:
                sched.state = "fired"
                self._deliver_inject(sched.inject)

        self._after(at - self.env.now, fire)

    def _update_incident(self, inj: Inject) -> IncidentState:
        spec = inj.incident
        inc = self.incidents.get(spec.id)
        new = inc is None
        if inc is None:
            inc = self.incidents[spec.id] = IncidentState(spec.id, opened_at=self.env.now)
        before = inc.properties()
        for name in ("type", "title", "severity", "crime_suspected"):
            value = getattr(spec, name)
            if value is not None:
                setattr(inc, name, value)
        if spec.affected is not None:
            inc.affected = list(spec.affected)
        if spec.hosted_in is not None:
            inc.hosted_in = list(spec.hosted_in)
        if not inc.title:
            inc.title = inj.title or spec.id
        if new:
            self._emit(
                "incident_opened", None, inc.id, inject=inj.id, **inc.properties(),
                affected_certs=self._select("affected_certs", None, inc, None),
                hosting_certs=self._select("hosting_certs", None, inc, None),
            )
            for exp in self.expectations.values():
                if exp.incident == inc.id and exp.after == "incident":
                    self._anchor(exp)
        elif inc.properties() != before:
            self._emit(
                "incident_updated", None, inc.id, inject=inj.id, **inc.properties(),
                affected_certs=self._select("affected_certs", None, inc, None),
                hosting_certs=self._select("hosting_certs", None, inc, None),
            )
        return inc

    def _deliver_inject(self, inj: Inject) -> None:
        self._update_incident(inj)
        channel = self.channels[inj.via]
        for to in inj.to:
            st = self.actors[to]
            if channel.needs_receiver_on_duty and not st.shift.on_duty(self.env.now):
                # a phone call gets through once someone is at the desk
                self.env.process(self._inject_when_on_duty(inj, st))
            else:
                self._inject_to(inj, st, 0.0)
        for exp in self.expectations.values():
            if exp.after == inj.id and exp.anchor_at is None:
                self._anchor(exp)

    def _inject_when_on_duty(self, inj: Inject, st: ActorState) -> Iterator[simpy.Event]:
        on = st.shift.next_on(self.env.now)
        if math.isinf(on):
            return
        wait = on - self.env.now
        yield self.env.timeout(wait)
        self._inject_to(inj, st, wait)

    def _inject_to(self, inj: Inject, st: ActorState, duty_wait: float) -> None:
        inc_id = inj.incident.id
        contact = st.spec.contacts.get(inj.via)
        ref = f"inject:{inj.id}"
        if contact is None or contact.stale:
            self._emit(
                "message_lost", st.id, inc_id, ref=ref, inject=inj.id, sender=inj.sender,
                channel=inj.via, reason="no_contact" if contact is None else "stale_contact",
                verb="inject",
            )
            return
        item = Received(
            ref, "inject", inj.sender, st.id, inc_id, inj.tlp, inj.via, self.env.now,
            tuple(inj.to), None, inj.text, inj.title, tuple(inj.artefacts),
        )
        self._emit(
            "inject_delivered", st.id, inc_id, ref=ref, inject=inj.id, sender=inj.sender,
            channel=inj.via, channel_kind=self.channels[inj.via].kind, tlp=inj.tlp,
            title=inj.title, type=inj.type, duty_wait=duty_wait, text=inj.text,
            artefacts=list(inj.artefacts), expected_actions=list(inj.expected_actions),
        )
        self._receive(st, item)

    def _receive(self, st: ActorState, item: Received) -> None:
        know = st.knows.get(item.incident)
        if know is None:
            know = st.knows[item.incident] = Knowledge(self.env.now, done=self.env.event())
        know.items.append(item)
        st.received.append(item)
        st.inbox.put(item)

    # --- actors ------------------------------------------------------------------

    def _actor_loop(self, st: ActorState) -> Iterator[simpy.Event]:
        while True:
            item = yield st.inbox.get()
            if not st.human:
                self.env.process(self._handle(st, item))

    def _handle(self, st: ActorState, item: Received) -> Iterator[simpy.Event]:
        """The automated policy handling one received item."""
        env = self.env
        pol = st.spec.policy
        inc_id = item.incident
        t0 = env.now
        shift = st.shift
        if item.channel is not None and self.channels[item.channel].handled_around_the_clock:
            shift = _ALWAYS
        on = shift.next_on(t0)
        if on > t0:
            if math.isinf(on):
                return
            yield env.timeout(on - t0)
        off_duty = env.now - t0
        t1 = env.now
        req = st.slots.request()
        yield req
        queued = env.now - t1
        ack = self._draw(pol.ack_delay, f"{st.id}/ack/{inc_id}")
        off_duty += yield from self._work(shift, ack)
        if st.human or item.acknowledged:
            st.slots.release(req)
            return
        self._acknowledge(st, [item], by="policy", off_duty=off_duty, queued=queued, worked=ack)
        know = st.knows[inc_id]
        if know.analysis == "none":
            know.analysis = "busy"
            t2 = env.now
            work = self._draw(pol.analysis_time, f"{st.id}/analysis/{inc_id}")
            waited = yield from self._work(shift, work)
            know.analysis = "done"
            self._emit(
                "analysed", st.id, inc_id, by="policy", worked=work, off_duty=waited,
                started_at=t2,
            )
            assert know.done is not None
            know.done.succeed()
        elif know.analysis == "busy":
            st.slots.release(req)
            assert know.done is not None
            yield know.done
            req = st.slots.request()
            yield req
        yield from self._apply_rules(st, item.kind, item, shift)
        st.slots.release(req)

    def _acknowledge(
        self, st: ActorState, items: list[Received], by: str, **details: Any
    ) -> None:
        items = [i for i in items if not i.acknowledged]
        if not items:
            return
        for item in items:
            item.acknowledged = True
            if item.dispatch is not None:
                self._dispatch_acked(item.dispatch)
        first = items[0]
        self._emit(
            "acknowledged", st.id, first.incident, by=by,
            refs=[i.ref for i in items],
            senders=[i.sender for i in items],
            dispatches=[i.dispatch.id for i in items if i.dispatch is not None],
            received_at=min(i.at for i in items),
            **details,
        )

    def _dispatch_acked(self, d: Dispatch) -> None:
        if d.acked:
            return
        d.acked = True
        if d.rule is None:
            return
        sender = self.actors[d.sender]
        batch = sender.sent.get((d.incident, d.rule), [])
        if batch and all(x.acked for x in batch) and not sender.human:
            trigger = f"after:{d.rule}"
            if trigger in self._by_trigger:
                item = Received(
                    f"after:{d.rule}", trigger, None, d.sender, d.incident, "CLEAR", None,
                    self.env.now, (),
                )
                self.env.process(self._follow_on(sender, item))

    def _follow_on(self, st: ActorState, item: Received) -> Iterator[simpy.Event]:
        on = st.shift.next_on(self.env.now)
        if on > self.env.now:
            if math.isinf(on):
                return
            yield self.env.timeout(on - self.env.now)
        req = st.slots.request()
        yield req
        yield from self._apply_rules(st, item.kind, item)
        st.slots.release(req)

    # --- frameworks --------------------------------------------------------------

    def _applies(self, cond: Condition, st: ActorState, inc: IncidentState) -> bool:
        if cond.types is not None and inc.type not in cond.types:
            return False
        if cond.min_severity is not None and SEVERITY_ORDER.index(
            inc.severity
        ) < SEVERITY_ORDER.index(cond.min_severity):
            return False
        if cond.crime_suspected is not None and inc.crime_suspected != cond.crime_suspected:
            return False
        if cond.hosted_abroad is not None:
            abroad = any(c != st.spec.country for c in inc.hosted_in)
            if abroad != cond.hosted_abroad:
                return False
        if (
            cond.hosted_locally is not None
            and (st.spec.country in inc.hosted_in) != cond.hosted_locally
        ):
            return False
        if cond.min_affected is not None:
            countries = inc.affected
            if cond.affected_group is not None:
                group = set(self.scenario.groups.get(cond.affected_group, []))
                countries = [c for c in countries if c in group]
            if len(set(countries)) < cond.min_affected:
                return False
        return cond.actor_affected is None or (st.spec.country in inc.affected) == cond.actor_affected

    def _select(
        self, selector: str, st: ActorState | None, inc: IncidentState, sender: str | None
    ) -> list[str]:
        """Actor ids a selector names, relative to the acting actor, in scenario order."""
        country = st.spec.country if st is not None else None
        by_kind = self._by_kind
        match selector:
            case "affected_certs":
                return [a for a, c in by_kind["cert"] if c in inc.affected]
            case "hosting_certs":
                return [a for a, c in by_kind["cert"] if c in inc.hosted_in]
            case "member_certs":
                return [a for a, _ in by_kind["national_cert"]]
            case "partner_certs":
                return [a for a, _ in by_kind["partner_cert"]]
            case "regional_council":
                return [a for a, _ in by_kind["regional_council"]]
            case "national_police":
                return [a for a, c in by_kind["national_police"] if c is not None and c == country]
            case "hosting_police":
                return [a for a, c in by_kind["national_police"] if c in inc.hosted_in]
            case "police_channels":
                return [a for a, _ in by_kind["intl_police_channel"]]
            case "local_isps":
                return [a for a, c in by_kind["isp"] if c is not None and c == country]
            case "victims":
                return [a for a, c in by_kind["victim"] if c in inc.affected]
            case "regulators":
                return [a for a, c in by_kind["regulator"] if c is not None and c == country]
            case "sender":
                return [sender] if sender in self.actors else []
            case "exercise_control":
                return [a for a, _ in by_kind["exercise_control"]]
            case _:
                return [selector] if selector in self.actors else []

    def _targets(
        self, rule: Rule, st: ActorState, inc: IncidentState, sender: str | None
    ) -> list[str]:
        out: list[str] = []
        for sel in rule.to:
            for aid in self._select(sel, st, inc, sender):
                if aid == st.id or aid in out or (inc.id, rule.action, aid) in st.addressed:
                    continue
                if aid == sender and sel != "sender" and sel in SELECTORS:
                    continue
                out.append(aid)
        return out

    def _apply_rules(
        self, st: ActorState, trigger: str, item: Received, shift: Shift | _AlwaysOn | None = None
    ) -> Iterator[simpy.Event]:
        """Carry out every framework rule this trigger sets off for this actor."""
        inc = self.incidents[item.incident]
        pol = st.spec.policy
        for rid, rule in self._by_trigger.get(trigger, ()):
            if st.spec.kind not in rule.by or (inc.id, rid) in st.fired:
                continue
            if not self._applies(rule.when, st, inc):
                continue
            targets = self._targets(rule, st, inc, item.sender)
            if rule.action in MESSAGE_VERBS and not targets:
                continue  # nobody (new) to tell yet: the rule may apply later
            st.fired.add((inc.id, rid))
            p = pol.rule_probability.get(rid, pol.follow_rules)
            if p < 1.0 and self.streams(f"{st.id}/decide/{rid}/{inc.id}").random() >= p:
                self._emit("declined", st.id, inc.id, rule=rid, reason="policy", probability=p)
                continue
            dist = pol.action_time.get(rule.action, pol.drafting_time)
            work = self._draw(dist, f"{st.id}/draft/{rid}/{inc.id}")
            waited = yield from self._work(shift or st.shift, work)
            if rule.action in MESSAGE_VERBS:
                # someone else's handling may have told them meanwhile
                targets = [t for t in targets if (inc.id, rule.action, t) not in st.addressed]
                if not targets:
                    continue
            channels = [rule.channel, *rule.fallback] if rule.channel else []
            self._perform(
                st, rule.action, inc.id, targets, channels, rule.tlp, rule=rid,
                trigger_at=item.at, passes=list(st.knows[inc.id].items), by="policy",
                deadline=rule.deadline, worked=work, trigger=item.ref, off_duty=waited,
            )

    # --- performing actions ------------------------------------------------------

    def _allowed(self, item: Received, sender: ActorState, target: str | None) -> bool:
        """Whether passing ``item`` on to ``target`` respects its TLP label."""
        label = item.tlp
        if label == "CLEAR":
            return True
        if target is None:  # published to the public
            return False
        if label == "GREEN":
            return True
        if label == "RED":
            return target in item.named
        if label == "AMBER":
            t = self.actors[target].spec
            return t.kind in CLIENT_KINDS and t.country == sender.spec.country
        return False  # AMBER+STRICT: the recipient's own organisation only

    def _perform(
        self,
        st: ActorState,
        verb: str,
        inc_id: str,
        targets: list[str],
        channels: list[str],
        tlp: str,
        *,
        rule: str | None,
        trigger_at: float,
        passes: list[Received],
        by: str,
        deadline: float | None = None,
        worked: float | None = None,
        off_duty: float | None = None,
        trigger: str | None = None,
        text: str = "",
    ) -> None:
        inc = self.incidents[inc_id]
        base: dict[str, Any] = {"action": verb, "by": by}
        if rule is not None:
            base["rule"] = rule
        if deadline is not None:
            base["deadline_at"] = trigger_at + deadline
            base["late_by"] = max(0.0, self.env.now - (trigger_at + deadline))
        if off_duty is not None:
            base["off_duty"] = off_duty
        if worked is not None:
            base["worked"] = worked
        if trigger is not None:
            base["trigger"] = trigger
        base["trigger_at"] = trigger_at
        if verb in MESSAGE_VERBS:
            for target in targets:
                shared = []
                withheld = []
                for item in passes:
                    if self._allowed(item, st, target):
                        shared.append(item.ref)
                        continue
                    breach = by == "human" or (
                        st.spec.policy.tlp_breach > 0
                        and self.streams(f"{st.id}/tlp/{inc_id}").random()
                        < st.spec.policy.tlp_breach
                    )
                    if breach:
                        shared.append(item.ref)
                        self._emit(
                            "tlp_violation", st.id, inc_id, ref=item.ref, tlp=item.tlp,
                            to=target, action=verb, by=by, named=list(item.named),
                        )
                    else:
                        withheld.append(item.ref)
                if withheld:
                    self._emit("withheld", st.id, inc_id, refs=withheld, to=target)
                st.addressed.add((inc_id, verb, target))
                d = Dispatch(
                    f"d{next(self._dispatch_ids)}", st.id, target, inc_id, verb, rule, tlp,
                    list(channels), trigger_at, tuple(targets) if tlp == "RED" else (target,),
                    tuple(shared), automated=by == "policy", text=text, trigger=trigger,
                    draft={"worked": worked or 0.0, "off_duty": off_duty or 0.0},
                )
                if rule is not None:
                    st.sent.setdefault((inc_id, rule), []).append(d)
                self._send(d, 0)
            self._emit(
                VERB_EVENT[verb], st.id, inc_id, targets=list(targets), channel=channels[0],
                tlp=tlp, **base,
            )
            return
        # effect verbs
        if verb == "takedown":
            country = st.spec.country
            if country in inc.hosted_in and country not in inc.taken_down:
                inc.taken_down.append(country)
                self._emit("takedown_completed", st.id, inc_id, country=country, **base)
                if inc.contained_at is None and all(c in inc.taken_down for c in inc.hosted_in):
                    inc.contained_at = self.env.now
                    self._emit("contained", None, inc_id, countries=list(inc.hosted_in),
                               by_actor=st.id)
            else:
                self._emit("takedown_completed", st.id, inc_id, country=country,
                           nothing_hosted=True, **base)
            return
        if verb == "publish":
            for item in passes:
                if item.recipient == st.id and not self._allowed(item, st, None):
                    self._emit("tlp_violation", st.id, inc_id, ref=item.ref, tlp=item.tlp,
                               to="public", action=verb, by=by, named=list(item.named))
        self._emit(VERB_EVENT[verb], st.id, inc_id, text=text, **base)

    def _send(self, d: Dispatch, index: int) -> None:
        """Send attempt ``index`` of a dispatch, skipping channels with no contact."""
        while index < len(d.channels):
            cid = d.channels[index]
            recipient = self.actors[d.recipient]
            d.attempts += 1
            msg_id = f"m{next(self._msg_ids)}"
            common = {
                "msg": msg_id, "dispatch": d.id, "to": d.recipient,
                "to_kind": recipient.spec.kind, "channel": cid,
                "verb": d.verb, "tlp": d.tlp, "attempt": d.attempts,
            }
            self._emit(
                "message_sent", d.sender, d.incident, rule=d.rule, trigger_at=d.trigger_at,
                trigger=d.trigger, draft=d.draft, by="policy" if d.automated else "human",
                refs=list(d.refs), **common,
            )
            if cid not in recipient.spec.contacts:
                self._emit("message_lost", d.recipient, d.incident, reason="no_contact",
                           sender=d.sender, **common)
                index += 1
                continue
            self._transmit(d, cid, msg_id, common)
            if d.automated and index + 1 < len(d.channels):
                self.env.process(self._follow_up(d, index))
            return

    def _transmit(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any]) -> None:
        ch = self.channels[cid]
        # one stream per channel and pair; every message draws its latency and then a
        # loss number, lossy channel or not, so changing a loss keeps the latencies
        rng = self.streams(f"channel/{cid}/{d.sender}>{d.recipient}")
        latency = sample(ch.latency, rng)
        failed = rng.random() < ch.loss
        self._after(latency, lambda: self._arrive(d, cid, msg_id, common, latency, failed))

    def _arrive(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                latency: float, failed: bool) -> None:
        recipient = self.actors[d.recipient]
        if recipient.spec.contacts[cid].stale:
            self._emit("message_lost", d.recipient, d.incident, reason="stale_contact",
                       sender=d.sender, latency=latency, **common)
            return
        if failed:
            self._emit("message_lost", d.recipient, d.incident, reason="channel_failure",
                       sender=d.sender, latency=latency, **common)
            return
        if self.channels[cid].needs_receiver_on_duty:
            on = recipient.shift.next_on(self.env.now)
            if math.isinf(on):
                return
            wait = on - self.env.now
            if wait > 0:
                self._after(wait, lambda: self._deliver(d, cid, msg_id, common, latency, wait))
                return
        self._deliver(d, cid, msg_id, common, latency, 0.0)

    def _deliver(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                 latency: float, duty_wait: float) -> None:
        recipient = self.actors[d.recipient]
        item = Received(
            msg_id, d.verb, d.sender, d.recipient, d.incident, d.tlp, cid, self.env.now,
            d.named, d, d.text,
        )
        self._emit(
            "message_delivered", d.recipient, d.incident, sender=d.sender,
            sender_kind=self.actors[d.sender].spec.kind, recipient_kind=recipient.spec.kind,
            latency=latency, duty_wait=duty_wait, text=d.text, refs=list(d.refs), **common,
        )
        self._receive(recipient, item)

    def _follow_up(self, d: Dispatch, index: int) -> Iterator[simpy.Event]:
        """Chase an unacknowledged message on the next channel."""
        sender = self.actors[d.sender]
        wait = self._draw(sender.spec.policy.followup_after, f"{d.sender}/followup/{d.incident}")
        yield from self._work(sender.shift, wait)
        if not d.acked and not sender.human:
            self._send(d, index + 1)

    # --- expectations ------------------------------------------------------------

    def _anchor(self, exp: ExpectationState) -> None:
        exp.anchor_at = self.env.now
        if exp.status == "pending":
            assert exp.deadline_at is not None

            def deadline() -> None:
                if exp.status == "pending":
                    self._miss(exp)

            self._after(exp.deadline_at - self.env.now, deadline)

    def _miss(self, exp: ExpectationState) -> None:
        exp.status = "missed"
        self._emit(
            "expectation_missed", None, exp.incident, expectation=exp.id,
            deadline_at=exp.deadline_at, done_by=dict(exp.done_by),
            contingency=exp.contingency,
        )
        if exp.contingency is not None:
            sched = self.injects[exp.contingency]
            if sched.state == "pending":
                sched.at = self.env.now + sched.inject.delay
                self._schedule_inject(sched)

    def _check_expectations(self, ev: Event) -> None:
        verb = ev.details.get("action") or _EVENT_VERB.get(ev.type)
        if verb is None:
            return
        for exp in self.expectations.values():
            if (
                exp.action != verb
                or exp.incident != ev.incident
                or ev.actor not in exp.actors
                or ev.actor in exp.done_by
                # anchored on an inject: only what is done once that inject is out counts
                or (exp.after != "incident" and exp.anchor_at is None)
            ):
                continue
            if exp.target is not None:
                st = self.actors[ev.actor]
                wanted = set(self._select(exp.target, st, self.incidents[exp.incident], None))
                if not wanted & set(ev.details.get("targets", ())):
                    continue
            exp.done_by[ev.actor] = ev.time
            complete = exp.require == "any" or all(a in exp.done_by for a in exp.actors)
            if not complete:
                continue
            if exp.status == "pending":
                exp.status = "met"
                self._emit(
                    "expectation_met", ev.actor, exp.incident, expectation=exp.id,
                    deadline_at=exp.deadline_at, score=exp.score, event=ev.seq,
                )
            elif exp.status == "missed" and exp.late_at is None:
                exp.late_at = ev.time
                self._emit(
                    "expectation_late", ev.actor, exp.incident, expectation=exp.id,
                    deadline_at=exp.deadline_at, late_by=ev.time - (exp.deadline_at or 0.0),
                    event=ev.seq,
                )

    # --- end ---------------------------------------------------------------------

    def _finish(self) -> None:
        if self._ended:
            return
        if self.env.now < self.end:
            self.env.run(until=self.end)
        for exp in self.expectations.values():
            if exp.status == "pending" and exp.deadline_at is not None and exp.deadline_at <= self.end:
                self._miss(exp)
        self._ended = True
        self._emit(
            "drill_ended", None, None,
            open_expectations=[e.id for e in self.expectations.values() if e.status == "pending"],
        )


class _AlwaysOn:
    """A shift that never ends: 24/7 handling."""

    @staticmethod
    def next_on(t: float) -> float:
        return t

    @staticmethod
    def shift_end(t: float) -> float:
        return math.inf


_ALWAYS = _AlwaysOn()
_ACTION_EVENTS = frozenset(VERB_EVENT.values())
_EVENT_VERB = {"acknowledged": "acknowledge", "analysed": "analyse"}


def preflight(loaded: LoadedScenario) -> list[Problem]:
    """Reasons a valid scenario cannot give a meaningful run, positioned in the file."""
    sc = loaded.scenario
    start, end = sc.drill.start, sc.drill.duration
    scheduled = [
        (i, parse_drill_time(inj.at, start)) for i, inj in enumerate(sc.injects) if inj.at
    ]
    if not scheduled:
        return [Problem(loaded.mark("injects") or loaded.mark(), "injects",
                        "the MSEL schedules no inject, so nothing would happen")]
    if all(at >= end for _, at in scheduled):
        i = min(scheduled, key=lambda x: x[1])[0]
        return [Problem(loaded.mark("injects", i, "at"), f"injects[{i}].at",
                        "every inject is timed after the drill ends "
                        f"(the drill lasts {sc.drill.duration / 60:g} h)")]
    return []


def run_scenario(loaded: LoadedScenario | Scenario, seed: int = 0) -> list[Event]:
    """Run a scenario to its end with the automated policy playing every role."""
    return Engine(loaded, seed=seed).run()
