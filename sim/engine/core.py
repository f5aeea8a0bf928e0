"""The drill engine: a SimPy model of CERTs, ANSAC, police, ISPs and victims.

One :class:`Engine` is one run: one SimPy environment, the actors with their desks
and pictures (:mod:`.actors`, :mod:`.knowledge`), the automated policy that decides
for every role no person plays (:mod:`.policy`), messages travelling over channels
(:mod:`.messaging`), the MSEL (:mod:`.msel`) and the expectations
(:mod:`.expectations`). This class wires them together and is the only way in.

The engine is driven from outside through a narrow boundary:

* ``run_until(t)`` / ``step()`` / ``run()`` advance simulated time;
* ``act(Action(...))`` applies a person's action at the current time, in the
  same vocabulary the policy uses;
* ``fire_inject`` / ``skip_inject`` / ``delay_inject`` / ``add_inject`` and
  ``set_human`` are the facilitator's commands;
* ``subscribe(fn)`` receives every domain :class:`~sim.engine.events.Event`.

Times are minutes after the drill start.

The collaborators refer back to their engine weakly, and a finished drill lets go of
its SimPy state (see ``Engine._release``): a run that is dropped is freed at once by
reference counting, without waiting for the cyclic garbage collector.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from heapq import heappop as _heappop
from types import MappingProxyType, MethodType
from typing import Any

import simpy

from scenarios import collector
from scenarios.durations import parse_drill_time
from scenarios.loader import LoadedScenario, Problem
from scenarios.model import MESSAGE_VERBS, TLP_ORDER, VERBS, Inject, Scenario, StageNames

from .actors import ActorState, AlwaysOn, Received, TimedCall, timed_work
from .clock import Shift, scenario_shifts
from .distributions import sample
from .drift import Drift, uses_drift
from .events import Event, record
from .expectations import LOST_EVENTS, WATCHED, Expectations
from .knowledge import LABEL_RANK, OPEN_RANK, GroundTruth, Picture
from .messaging import VERB_EVENT, Dispatch, Messaging
from .msel import ActionError, Msel, ScheduledInject
from .policy import HANDED_OVER, Policy, Slot
from .streams import Streams

_SimEvent = simpy.Event
_new_event = object.__new__

_NORMAL = simpy.events.NORMAL
_URGENT = simpy.events.URGENT

#: The events the policy logs as it finishes a piece of timed work besides an
#: acknowledgement (which logs its wait too): an analysis, and the actions it drafts.
#: Each says when its minutes fell (``spans``).
_TIMED = frozenset(VERB_EVENT.values()) - {"acknowledged"}
#: How far the parts of a piece of work, added up from when they fell, may be from the
#: totals it logs (the sums of floats differ in their last digits).
_SPAN_SLACK = 1e-6


@functools.cache
def _default_names() -> StageNames:
    """The stage names of a scenario that names none of its own (built once, on first
    use: comparing with it is cheaper than building it for every run)."""
    return StageNames()


__all__ = ["Action", "ActionError", "Engine", "ScheduledInject", "preflight",
           "run_scenario"]


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


class Engine:
    """One run of one scenario with one seed."""

    def __init__(
        self,
        loaded: LoadedScenario | Scenario,
        seed: int = 0,
        human: tuple[str, ...] | list[str] = (),
        words: bool = True,
    ):
        """``words=False`` leaves the policy's messages unwritten: their subject, text and
        attachments are empty in the log, and nothing else changes (the same events at
        the same times, the same draws). Runs read for their timings and counts alone
        (a batch, the review's model runs, the assumptions page's lifetime check) save
        the twentieth or so of a drill that writing messages costs."""
        scenario = loaded.scenario if isinstance(loaded, LoadedScenario) else loaded
        self.words = words
        self.scenario = scenario
        self.seed = int(seed)
        self.env = simpy.Environment(initial_time=0.0)  # always float: replays match
        self.streams = Streams(self.seed)
        self.start = scenario.drill.start
        self.end = scenario.drill.duration
        self.log: list[Event] = []
        self._subscribers: list[Callable[[Event], None]] = []
        self._seq = itertools.count()
        self._now_raw = math.nan  # never equal: the first event rounds its time
        self._now_rounded = 0.0
        self.channels = scenario.channels
        shifts = scenario_shifts(scenario)
        self.actors: dict[str, ActorState] = {
            aid: ActorState(self.env, aid, spec, shifts[aid])
            for aid, spec in scenario.actors.items()
        }
        for aid in human:
            if aid not in self.actors:
                raise ActionError(f"unknown role {aid!r}")
            self.actors[aid].human = True
            self.actors[aid].hands = [(0.0, True)]
        #: (actor, incident, action) for every action done, as exercise control sees them
        self.acted: set[tuple[str, str | None, str]] = set()
        #: the dispatches whose receipt the sender has read (see :meth:`dispatch_acked`)
        self._read_receipts: set[str] = set()
        #: the last change of hands while nothing else has happened since (see
        #: :meth:`set_human`): its dropped work is logged once anything does
        self._turn: _Turn | None = None
        #: actor -> how many times the role was handed back to the policy: only the last
        #: hand-back's take-up (:meth:`_take_up`) runs
        self._hand_backs: dict[str, int] = {}
        #: while a person's message is sent (:meth:`act`): the actor, and when the minutes
        #: of their handling fell (:meth:`_handling_spans`), for its action's event
        self._handled: tuple[str, list[list[Any]]] | None = None
        self.policy = Policy(self)
        self.messaging = Messaging(self)
        self.expectations = Expectations(self)
        self._watched = WATCHED | LOST_EVENTS if self.expectations.watch_lost else WATCHED
        self.msel = Msel(self)
        self.drift = Drift(self) if uses_drift(scenario) else None
        self._ended = False
        self.emit(
            "drill_started",
            None,
            None,
            scenario=scenario.drill.id,
            title=scenario.drill.title,
            start=self.start.isoformat(),
            duration=self.end,
            clock_timezone=scenario.drill.clock_timezone,
            control_counts_as_reach=scenario.drill.control_counts_as_reach,
            # only a scenario that names its own stages says so: logs stay as they were
            **({"names": scenario.drill.names.model_dump()}
               if scenario.drill.names != _default_names() else {}),
            # the council bound as the regional coordinator, which the reports name
            **({"coordinator": scenario.roles["regional_coordinator"]}
               if "regional_coordinator" in scenario.roles else {}),
            seed=self.seed,
            human=sorted(human),
            actors={
                aid: {"name": a.name, "kind": a.kind, "country": a.country, "timezone": a.timezone}
                for aid, a in scenario.actors.items()
            },
            expectations=[
                {
                    "id": e.id, "actors": list(e.actors), "require": e.require,
                    "reach": e.reach, "action": e.action, "target": e.target,
                    "incident": e.incident, "after": e.after, "within": e.within,
                    "score": e.score, "objective": e.objective, "description": d.description,
                }
                for e, d in zip(self.expectations.states.values(),
                                scenario.expectation_units(), strict=True)
            ],
        )
        with collector.paused():  # a big scenario schedules tens of thousands of injects
            self.msel.start()
            if self.drift is not None:
                self.drift.start()

    # --- outside interface -------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def finished(self) -> bool:
        return self._ended

    @property
    def incidents(self) -> dict[str, GroundTruth]:
        """Exercise control's ground truth of each incident (never read by the policy)."""
        return self.msel.incidents

    @property
    def injects(self) -> dict[str, ScheduledInject]:
        return self.msel.injects

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
        if self._turn is not None:
            self._settle()
        if self.env.peek() >= self.end:
            self._finish()
            return False
        self.env.step()
        return True

    def run_until(self, t: float) -> None:
        """Advance simulated time to ``t`` (capped at the drill's end).

        The cyclic garbage collector is paused meanwhile: a run leaves no cyclic
        garbage (what it drops is freed at once), while its log and pictures grow, and
        every collection would walk them again (a fifth of a drill's time)."""
        if self._ended:
            return
        with collector.paused():
            target = float(min(t, self.end))
            if target > self.env.now:
                self._advance(target)
            if t >= self.end:
                self._finish()

    def _advance(self, target: float) -> None:
        """``env.run(until=target)``, step for step, in one loop: the same stop event
        (scheduled first at ``target``, so it comes before anything else due then),
        and each event's callbacks called as ``env.step`` calls them."""
        if self._turn is not None:
            self._settle()
        env = self.env
        until = _new_event(_SimEvent)
        until.env = env
        until.callbacks = []
        until._ok = True
        until._value = None
        env.schedule(until, _URGENT, target - env._now)
        queue = env._queue
        while True:
            env._now, _, _, event = _heappop(queue)
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            if event is until:
                return
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                # as env.step: a failed event nobody handled stops the run
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc

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

    # --- facilitator -------------------------------------------------------------------

    def set_human(self, actor: str, human: bool) -> None:
        """Give a role to a person (True) or hand it back to the automated policy.

        The policy's unfinished work for the role is dropped, and logged as
        ``work_dropped`` once anything else happens (time moves on, a person acts, an
        event is logged). A role that goes back where it was at the same moment, nothing
        having happened in between, loses only the work that had begun: the work that
        only waited its turn (:attr:`Slot.begun`) is taken up again at once as it was,
        or, handed back and straight over again, never started; it is not logged.

        A role handed to a person reads the mail its closed office left unread, at the
        moment of the change, once anything else happens: a role handed straight back
        reads none of it. A role handed back to the policy has what it left undone
        taken up (:meth:`_hand_back`)."""
        st = self.actor(actor)
        if st.human == human:
            return
        turn = self._turn
        if turn is not None and turn.actor != actor:
            turn = None  # another role's change: its dropped work is logged first
        if turn is not None:
            # back where it was before the last change: the work that change dropped
            # that had begun is lost, and logged
            self._turn = None
            lost = [entry for entry, begun in turn.dropped if begun]
            if lost:
                self.emit("work_dropped", actor, None, items=lost)
        st.human = human
        st.hands.append((self.env.now, human))
        self.emit("role_changed", actor, None, played_by="human" if human else "policy")
        dropped = self._drop_work(st)
        # a person reads the whole inbox, mail the closed office left unread too: once
        # anything else happens (see _settle), not at all if the change is undone first
        reads = human and not self._ended
        if turn is not None:
            # the work the undone change started never began, and is not logged; the
            # work it dropped that had not begun is taken up again now (to be logged
            # after all should this change be undone in turn), and the work that it had
            # taken up again in the same way is dropped once more
            self._turn = _Turn(actor, turn.kept + [d for d in dropped if d[1]],
                               [d for d in turn.dropped if not d[1]], reads)
        else:
            self._turn = _Turn(actor, dropped, [], reads)
        if self._ended:
            return  # who played the role is put right for the review: nothing more happens
        if not human:
            self._hand_back(st)

    def _hand_back(self, st: ActorState) -> None:
        """The role is back with the policy: it handles afresh every item not yet
        acknowledged (its waiting counted from its arrival), runs each follow-on whose
        receipts were all read meanwhile and takes up again each incident whose items
        were acknowledged (by the person, or by the policy before its work was dropped),
        where it still owes something (:meth:`_take_up`), and makes each retry and chase
        that fell due meanwhile (at once, or when the desk that sent the message is next
        on duty)."""
        for item in st.received:
            if not item.acknowledged:
                self._policy_handles(st, item, since=item.at)
        # once the work the hand-over dropped has stopped (what it was drafting is
        # drafted no more), what the policy still owes is known
        turn = self._hand_backs[st.id] = self._hand_backs.get(st.id, 0) + 1
        self.soon(functools.partial(self._take_up, st, turn))
        owed, st.sends_owed = st.sends_owed, []
        for desk, send in owed:
            self.soon(functools.partial(self.spend, desk, 0.0, send))

    def _take_up(self, st: ActorState, turn: int) -> None:
        """The policy, the role back, runs each follow-on still owed that leaves it
        something to do, and takes up again each incident whose items were
        acknowledged, from the latest of them, where it still owes something (a message
        being drafted when the role was handed over, say): unless the role has gone to
        a person again meanwhile (and back: the later hand-back takes it up)."""
        if st.human or self._ended or self._hand_backs[st.id] != turn:
            return
        for item in list(st.after_owed):
            if self.policy.owes(st, item, [item.kind]):
                slot = Slot()
                self.policy.start(st, self.policy.follow_on(st, item, slot), item, slot)
            else:
                st.after_owed = [i for i in st.after_owed if i is not item]
        latest: dict[str, Received] = {}
        for item in st.received:
            if item.acknowledged and item.known_at is not None:
                latest[item.incident] = item
        for item in latest.values():
            self.policy.take_up(st, item)

    def _drop_work(self, st: ActorState) -> list[tuple[dict[str, str], bool]]:
        """The role changed hands: the policy's unfinished work for it is dropped.
        Returns what each piece was handling and how far it had got, for the log, with
        whether it had begun."""
        live = [(proc, item, slot) for proc, (item, slot) in st.work.items() if proc.is_alive]
        st.work.clear()
        for proc, _item, _slot in live:
            proc.interrupt("hand-over")
        return [({"ref": item.ref, "incident": item.incident, "stage": slot.stage}, slot.begun)
                for _proc, item, slot in live]

    def _settle(self) -> None:
        """Something happens after a role changed hands: the work the change dropped is
        logged now, at the moment of the change."""
        turn = self._turn
        self._turn = None
        if turn is None:
            return
        if turn.dropped:
            self.emit("work_dropped", turn.actor, None,
                      items=[entry for entry, _begun in turn.dropped])
        if turn.reads:
            st = self.actors[turn.actor]
            for item in st.received:
                if item.known_at is None:
                    self._learn(st, st.pictures[item.incident], item)

    def _policy_handles(self, st: ActorState, item: Received,
                        since: float | None = None) -> None:
        slot = Slot()
        self.policy.start(st, self.policy.handle(st, item, slot, since=since), item, slot)

    def fire_inject(self, inject_id: str) -> None:
        """Deliver an inject now (a scheduled, skipped or contingency one)."""
        self.msel.fire(inject_id)

    def skip_inject(self, inject_id: str) -> None:
        self.msel.skip(inject_id)

    def delay_inject(self, inject_id: str, minutes: float) -> None:
        self.msel.delay(inject_id, minutes)

    def answer_task(self, actor: str, task_id: str, text: str) -> None:
        """A player answers a task it was asked (a later answer replaces the earlier)."""
        self.msel.answer_task(actor, task_id, text)

    def add_inject(self, inject: Inject, fire_now: bool = True) -> None:
        """Add an ad-hoc inject to the MSEL, and deliver it now unless told otherwise."""
        self.msel.add(inject, fire_now)

    def reschedule_inject(self, inject_id: str, at: float) -> None:
        """Move a waiting inject to drill minute ``at`` (not in the past)."""
        self.msel.reschedule(inject_id, at)

    def edit_inject(self, inject_id: str, changes: dict) -> None:
        """Change a waiting or skipped inject's title, text, recipients or TLP."""
        self.msel.edit(inject_id, changes)

    def unskip_inject(self, inject_id: str, at: float | None = None) -> None:
        """A skipped inject waits again, at its own time or at ``at``."""
        self.msel.unskip(inject_id, at)

    # --- people's actions --------------------------------------------------------------

    def act(self, action: Action) -> list[Event]:
        """Carry out a person's action at the current simulated time.

        Returns the events it produced at once; messages then travel as usual, each due
        from when the role took in what it rests on (:meth:`_rests_since`). An action
        whose fields are not of their types (text that is a number or a list, say) is
        refused before anything changes, as is one the engine cannot carry out.
        """
        for name in ("actor", "verb", "incident", "text"):
            if not isinstance(getattr(action, name), str):
                raise ActionError(f"an action's {name} must be text")
        for name in ("channel", "tlp"):
            value = getattr(action, name)
            if value is not None and not isinstance(value, str):
                raise ActionError(f"an action's {name} must be text, or none")
        for name in ("targets", "refs"):
            value = getattr(action, name)
            if not isinstance(value, (tuple, list)) or not all(isinstance(x, str) for x in value):
                raise ActionError(f"an action's {name} must be a list of ids")
        st = self.actor(action.actor)
        if action.verb not in VERBS:
            raise ActionError(f"unknown action {action.verb!r}; one of: {', '.join(VERBS)}")
        picture = st.pictures.get(action.incident)
        if picture is None:
            raise ActionError(f"{action.actor} has received nothing about {action.incident!r}")
        first = len(self.log)
        refs = set(action.refs)
        # what reached the role about the incident, read or not: a person acting for a
        # role the policy plays sees mail waiting unread in the closed office too
        received = [i for i in st.received if i.incident == action.incident]
        held = {i.ref: i for i in received}
        for r in refs:
            if r not in held:
                raise ActionError(f"{action.actor} has not received {r!r} about {action.incident}")
        passes = [held[r] for r in sorted(refs)]
        channel, tlp = "", ""
        if action.verb in MESSAGE_VERBS:
            if not action.targets:
                raise ActionError(f"{action.verb} needs at least one recipient")
            for t in action.targets:
                self.actor(t)
            channel = action.channel or self._default_channel(action.targets)
            if channel not in self.channels:
                raise ActionError(f"unknown channel {channel!r}")
            tlp = (action.tlp or "AMBER").upper().removeprefix("TLP:")
            if tlp not in TLP_ORDER:
                raise ActionError(f"unknown TLP label {action.tlp!r}")
        if self._turn is not None:
            # a role just handed to this person: the dropped work is logged, and the
            # mail the office left unread read, before the action
            self._settle()
        if action.verb == "acknowledge":
            # acknowledging reads what waited unread (Engine.acknowledge)
            items = passes or [i for i in received if not i.acknowledged]
            self.acknowledge(st, items, by="human")
        elif action.verb == "analyse":
            picture.analysis = "done"
            if not picture.done.triggered:
                picture.done.succeed()
            self.emit("analysed", st.id, action.incident, by="human")
        elif action.verb in MESSAGE_VERBS:
            due = self._rests_since(st, action.verb, action.incident, action.targets,
                                    passes, received)
            trigger_at = max(due.values())
            spans = self._handling_spans(st, min(due.values()))
            self._handled = None if spans is None else (st.id, spans)
            try:
                self.messaging.perform(
                    st, action.verb, action.incident, list(action.targets), [channel], tlp,
                    rule=None, trigger_at=trigger_at, passes=passes, by="human",
                    text=action.text,
                    due_from=None if all(t == trigger_at for t in due.values()) else due,
                )
            finally:
                self._handled = None
        else:
            self.messaging.perform(
                st, action.verb, action.incident, list(action.targets), [], "CLEAR",
                rule=None, trigger_at=self.env.now, passes=passes, by="human", text=action.text,
            )
            # an effect the person carried out is the role's: the policy does not
            # carry it out again
            st.person_done.add((action.incident, action.verb))
        st.person_acted.add(action.incident)
        return self.log[first:]

    def _rests_since(self, st: ActorState, verb: str, incident: str,
                     targets: tuple[str, ...] | list[str], passes: list[Received],
                     received: list[Received]) -> dict[str, float]:
        """When a person's message to each of ``targets`` became due: when the role took
        in the first item it rests on that is new to that recipient. It rests on the
        items it passes on, or, passing on none the team has taken in, on every item
        about the incident the team has taken in; an item is new to a recipient unless
        the team took it in before it last sent that recipient this action (the
        person, or the automated policy). A message resting on nothing new is due as
        it is sent."""
        now = self.env.now
        basis = [i.known_at for i in passes if i.known_at is not None] or [
            i.known_at for i in received if i.known_at is not None]
        last: dict[str, float] = {}
        if basis:
            for e in self.log:
                d = e.details
                if (e.type == "message_sent" and e.actor == st.id and e.incident == incident
                        and d.get("verb") == verb and d.get("attempt") == 1):
                    last[d["to"]] = e.time
        due = {}
        for target in targets:
            since = last.get(target, -math.inf)
            due[target] = min((at for at in basis if at > since), default=now)
        return due

    def _handling_spans(self, st: ActorState, start: float) -> list[list[Any]] | None:
        """When the minutes of a person's handling of a message, from ``start`` (when it
        became due) to now, fell (:func:`_spans`): "off_duty" while the role's office was
        closed, otherwise "worked" while a person held the role and "queued" while the
        automated policy did. None when a person held it all along, in office hours."""
        now = self.env._now
        stretches: list[tuple[float, float, str]] = []
        hands = st.hands
        for i, (since, human) in enumerate(hands):
            begin = max(since, start)
            end = min(hands[i + 1][0] if i + 1 < len(hands) else now, now)
            if end > begin:
                stretches.extend(_by_shift(st.shift, begin, end,
                                           "worked" if human else "queued"))
        if all(part == "worked" for _, _, part in stretches):
            return None
        sums = {part: sum(e - s for s, e, p in stretches if p == part)
                for part in ("worked", "off_duty", "queued")}
        return _spans(stretches, sums["worked"], sums["off_duty"], sums["queued"])

    def _default_channel(self, targets: tuple[str, ...]) -> str:
        for cid in self.channels:
            if all(cid in self.actors[t].spec.contacts for t in targets):
                return cid
        return next(iter(self.channels))

    # --- shared by the collaborators ---------------------------------------------------

    def actor(self, aid: str) -> ActorState:
        st = self.actors.get(aid)
        if st is None:
            raise ActionError(f"unknown actor {aid!r}")
        return st

    def emit(self, type_: str, actor: str | None, incident: str | None, **details: Any) -> Event:
        if self._turn is not None:
            self._settle()  # the work a role's change of hands dropped comes first
        # as Event.make, inlined: this runs for every domain event, and many events
        # share their time, rounded once
        now = self.env._now
        if now != self._now_raw:
            self._now_raw = now
            self._now_rounded = float(round(now, 6))
        if type_ == "on_call_answered" and actor is not None:
            # the call is taken in as it is answered (before those told of the answer
            # look at the picture)
            self._picked_up(self.actors[actor], details["ref"])
        if type_ in _TIMED and "worked" in details and details.get("by") == "policy" \
                and actor is not None and (details.get("off_duty") or "handed_over" in details
                                           or timed_work(self.env._active_proc)):
            # a piece of work not done at one go: when its minutes fell
            spans = self._work_spans(actor, details)
            if spans is not None:
                details["spans"] = spans
        elif self._handled is not None and type_ in _TIMED and actor == self._handled[0] \
                and details.get("by") == "human":
            # a person's message: when the minutes of their handling fell
            details["spans"] = self._handled[1]
        ev = record(next(self._seq), self._now_rounded, type_, actor, incident,
                    MappingProxyType(details))
        self.log.append(ev)
        if self._subscribers:
            for fn in tuple(self._subscribers):
                fn(ev)
        if type_ in self._watched and actor is not None:
            self.expectations.on_event(ev)
        return ev

    def draw(self, dist: object, name: str) -> float:
        streams = self.streams
        return sample(dist, streams.get(name) or streams(name))

    def after(self, delay: float, fn: Callable[[], None],
              priority: simpy.events.EventPriority = _NORMAL) -> None:
        """Call ``fn`` after ``delay`` minutes (a plain callback: cheaper than a process).

        The event is scheduled exactly as ``env.timeout(delay)`` would be (same time,
        priority and place in the queue), without the Timeout class around it; or, with
        a later ``priority`` (:data:`~.expectations.DECIDE_MISS`, ``DECIDE_BRANCH``),
        once everything else due at that moment has happened."""
        _after(self.env, delay, fn, priority)

    def soon(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` now, after what is under way: queued as a SimPy process's start
        is (urgent, at the current time)."""
        _after(self.env, 0.0, fn, _URGENT)

    def spend(self, shift: Shift | AlwaysOn, minutes: float, fn: Callable[[], None],
              priority: simpy.events.EventPriority = _NORMAL) -> None:
        """Call ``fn`` once ``minutes`` of worked time on ``shift``, from now, are spent.

        The time passes in the steps :func:`~.actors.work` takes (waiting for the shift,
        working to its end, waiting again), each timed when the one before ends, so
        ``fn`` comes exactly where a process spending the time would resume: the same
        moment, and the same place among the events of that moment; or, with a later
        ``priority`` (:data:`~.messaging.DECIDE_CHASE`), once everything else due at
        that moment has happened. Nothing is called when the shift never comes on
        again."""
        _Spending(self.env, shift, minutes, fn, priority).on_shift()

    def receive(self, st: ActorState, item: Received, taken_in: bool | None = None) -> None:
        """An item reaches an actor: its facts join the actor's picture at once, unless
        it reaches an office that is closed (off duty, and not on a channel someone
        answers around the clock). Such mail waits unread: it tells the team nothing,
        and arms no rule, until the team acknowledges it (a person playing the role
        reads it at once, and one taking the role reads all of it), or, a call on an
        on-call channel, until the duty officer answers it (``on_call_answered``:
        :meth:`_picked_up`); its delivery is logged with ``unread: true``.
        ``taken_in``: :meth:`takes_in`, when the caller has asked it already (to log the
        delivery)."""
        picture = st.pictures.get(item.incident)
        if picture is None:
            picture = st.pictures[item.incident] = Picture()
            picture.done = self.env.event()
        if taken_in is None:
            taken_in = self.takes_in(st, item.channel)
        if taken_in:
            self._learn(st, picture, item)
        elif picture.unread(item.facts):
            st.rerank(item.incident)  # what waits is sorted by what reached the team
        st.received.append(item)
        if not st.human:
            self._policy_handles(st, item)

    def takes_in(self, st: ActorState, channel: str | None) -> bool:
        """Whether what reaches ``st`` on ``channel`` now is taken in as it arrives: a
        person plays the role, the team is on duty, or the channel is answered around
        the clock. What is not waits unread, and its delivery is logged ``unread``: a
        call on an on-call channel too, until the duty officer answers it (should the
        incident be severe enough) or the office reads it."""
        if st.human:
            return True
        now = self.env._now
        if st.shift.on_duty(now):
            return True
        spec = self.channels.get(channel) if channel is not None else None
        return spec is not None and spec.handled_around_the_clock

    def _picked_up(self, st: ActorState, ref: str) -> None:
        """The duty officer answers the call ``ref`` (``on_call_answered``): what it says
        joins the picture now, if it waited unread."""
        for item in st.received:
            if item.ref == ref and item.known_at is None:
                self._learn(st, st.pictures[item.incident], item)

    def _answered_on(self, st: ActorState, channel: str | None) -> bool:
        """Whether someone at ``st`` reads a receipt arriving on ``channel`` now: on duty,
        or on a channel answered around the clock or on call."""
        now = self.env._now
        if st.shift.on_duty(now):
            return True
        spec = self.channels.get(channel) if channel is not None else None
        around = spec is not None and spec.handled_around_the_clock
        return st.answering(channel, around).on_duty(now)

    def _learn(self, st: ActorState, picture: Picture, item: Received) -> None:
        """``item``'s facts join the actor's picture now, each under the label the item
        gives it, and it arms the rules it sets off. A message tells the actor, from now
        on, that its sender knows what it says (it is no secret to the sender, and it
        need not be told it back)."""
        now = self.env._now
        item.known_at = now
        # most items state every fact under one label: no need to ask fact by fact
        label = item.tlp if item.fact_labels is None and (
            item.facts_tlp is None or LABEL_RANK[item.facts_tlp] == LABEL_RANK[item.tlp]) \
            else item.label_of
        item.grew, item.widened = picture.take(item.facts, label, now)
        if item.dispatch is not None and item.sender is not None:
            heard = st.heard.get((item.incident, item.sender))
            if heard is None:
                heard = st.heard[(item.incident, item.sender)] = set()
            if picture.restricted and not item.widened:
                labels = picture.labels
                if any(labels[f] > OPEN_RANK for f in item.facts if f not in heard):
                    # a fact held under a label that keeps it back: the sender may now
                    # be told what rests on it
                    item.widened = True
            heard.update(item.facts)
        picture.armed.setdefault(item.kind, now)
        picture.items.append(item)

    def acknowledge(self, st: ActorState, items: list[Received], by: str, **details: Any) -> None:
        """``st`` acknowledges ``items`` now (``acknowledged``). The sender of each message
        among them learns of it only when its receipt reaches it
        (:meth:`~.messaging.Messaging.receipt`)."""
        items = [i for i in items if not i.acknowledged]
        if not items:
            return
        for item in items:
            item.acknowledged = True
            if item.known_at is None:
                # mail that waited unread in a closed office is read now
                self._learn(st, st.pictures[item.incident], item)
        first = items[0]
        if by == "policy" and "worked" in details and (
                details.get("off_duty") or timed_work(self.env._active_proc)):
            # not a wait for a place, if any, then work done at one go: when its minutes fell
            spans = self._ack_spans(st, details)
            if spans is not None:
                details["spans"] = spans
        elif by == "human":
            # the items may have waited for the policy first (the role changed hands),
            # or for the office to open
            spans = self._person_spans(st, min(items, key=lambda i: i.at))
            if spans is not None:
                details["spans"] = spans
        if len(items) == 1:  # the policy acknowledges one item at a time
            refs, senders, received_at = [first.ref], [first.sender], first.at
            dispatches = [first.dispatch.id] if first.dispatch is not None else []
        else:
            refs, senders = [i.ref for i in items], [i.sender for i in items]
            received_at = min(i.at for i in items)
            dispatches = [i.dispatch.id for i in items if i.dispatch is not None]
        self.emit(
            "acknowledged", st.id, first.incident, by=by, refs=refs, senders=senders,
            dispatches=dispatches, received_at=received_at, **details,
        )
        receipt = self.messaging.receipt
        for item in items:
            if item.dispatch is not None:
                receipt(item, by)

    def _ack_spans(self, st: ActorState, details: dict[str, Any]) -> list[list[Any]] | None:
        """When the minutes of the policy's acknowledgement, ending now, fell, from the
        moment it began to wait (:func:`_spans`): its wait, then its work. The work is
        as it was done (:func:`~.actors.timed_work`); in the wait, the minutes off duty
        (``off_duty`` less those of the work) are the first the office was closed: the
        hours before the item was handled again after a hand-back, the wait for the
        office to open or for the duty officer to answer, and the nights spent waiting
        for a place at the desk. None when they need no saying (a wait for a place, if
        any, then the minutes worked at one go: as its totals say), or when they do not
        add up to what it logs."""
        now = self.env._now
        worked = float(details.get("worked") or 0.0)
        off_duty = float(details.get("off_duty") or 0.0)
        queued = float(details.get("queued") or 0.0)
        calls = _carried_on(timed_work(self.env._active_proc))
        if not off_duty and _at_one_go(calls):
            return None
        work = _work_stretches(calls, now - worked, now)
        if work is None:
            return None
        began = now - worked - off_duty - queued
        started = work[0][0] if work else now
        owed = off_duty - sum(e - s for s, e, part in work if part == "off_duty")
        wait: list[tuple[float, float, str]] = []
        for s, e, part in _by_shift(st.shift, began, started, "queued"):
            if part == "off_duty" and owed > 0:
                cut = min(e, s + owed)
                owed -= cut - s
                wait.append((s, cut, "off_duty"))
                s = cut
            if e > s:
                wait.append((s, e, "queued"))
        return _spans(wait + work, worked, off_duty, queued)

    def _person_spans(self, st: ActorState, item: Received) -> list[list[Any]] | None:
        """When the minutes of a person's acknowledgement, ending now, fell, from the
        arrival of ``item`` (the first of what it acknowledges) (:func:`_spans`), split by
        the hours of whoever answers on the item's channel, as the policy's own waits
        are: off duty while they were off; the rest is the person's handling ("worked")
        while a person held the role, and queued while the automated policy did. None
        when a person held the role all along, in those hours (all of it their
        handling)."""
        now = self.env._now
        channel = self.channels.get(item.channel) if item.channel is not None else None
        shift = st.answering(item.channel, channel is not None
                             and channel.handled_around_the_clock)
        stretches: list[tuple[float, float, str]] = []
        hands = st.hands
        for i, (since, human) in enumerate(hands):
            start = max(since, item.at)
            end = min(hands[i + 1][0] if i + 1 < len(hands) else now, now)
            if end <= start:
                continue
            stretches.extend(_by_shift(shift, start, end, "worked" if human else "queued"))
        if all(part == "worked" for _, _, part in stretches):
            return None
        sums = {part: sum(e - s for s, e, p in stretches if p == part)
                for part in ("worked", "off_duty", "queued")}
        return _spans(stretches, sums["worked"], sums["off_duty"], sums["queued"])

    def _work_spans(self, actor: str, details: dict[str, Any]) -> list[list[Any]] | None:
        """When the minutes of the piece of timed work the policy finishes now (an
        analysis, an action drafted) fell (:func:`_spans`), the office's part of an
        analysis the duty officer finished after closing included (``handed_over``:
        worked at the office desk from when it began, up to ``at``). None when they need
        no saying (worked at one go, as its totals say), or when they do not add up to
        what it logs."""
        now = self.env._now
        worked = float(details.get("worked") or 0.0)
        off_duty = float(details.get("off_duty") or 0.0)
        office = details.get("handed_over")
        calls = _carried_on(timed_work(self.env._active_proc))
        if not off_duty and office is None and _at_one_go(calls):
            return None
        stretches = _work_stretches(calls, now - worked, now)
        if stretches is None:
            return None
        if isinstance(office, dict):
            at, done, closed = (float(office[k]) for k in ("at", "worked", "off_duty"))
            worked += done
            off_duty += closed
            if len(calls) < 2:
                # taken over by the duty officer in its own work: the office's part was
                # worked on the office's hours up to ``at``
                stretches = [*_by_shift(self.actors[actor].shift, at - done - closed, at,
                                        "worked"), *stretches]
        return _spans(stretches, worked, off_duty)

    def dispatch_acked(self, d: Dispatch, channel: str) -> None:
        """A receipt, arriving on ``channel``, tells ``d``'s sender that its message was
        acknowledged: it chases it no more, and its ``after:`` rule follows once every
        message of the rule's batch is known to be acknowledged.

        A receipt is read as mail is: at once when someone takes in what arrives on its
        channel now (the sender is on duty, or the channel is answered around the clock
        or on call), else when the desk that sent the message is next on duty. The
        rule is armed, and due, from the moment the last receipt of the batch is read.
        Chases stop at the receipt's arrival: the desk chases only while on duty, and
        by then it has read what arrived overnight."""
        if d.acked:
            return
        d.acked = True
        if d.rule is None:
            return
        if f"after:{d.rule}" not in self.policy.by_trigger:
            return
        sender = self.actors[d.sender]
        if self._answered_on(sender, channel):
            self._receipt_read(d)
            return
        self.spend(d.desk if d.desk is not None else sender.shift, 0.0,
                   lambda: self._receipt_read(d))

    def _receipt_read(self, d: Dispatch) -> None:
        """The sender has read the receipt for ``d``: once it has read those of every
        message of the rule's batch, the ``after:`` rule is armed and followed."""
        self._read_receipts.add(d.id)
        sender = self.actors[d.sender]
        assert d.rule is not None
        batch = sender.sent.get((d.incident, d.rule), [])
        if not batch or not all(x.id in self._read_receipts for x in batch):
            return
        trigger = f"after:{d.rule}"
        now = self.env.now
        item = Received(trigger, trigger, None, d.sender, d.incident, "CLEAR", None, now, ())
        sender.pictures[d.incident].armed.setdefault(trigger, now)
        # owed until it has run: a person playing the role now leaves it to the policy
        # when the role comes back (as does a hand-over that drops it)
        sender.after_owed.append(item)
        if sender.human:
            return
        slot = Slot()
        self.policy.start(sender, self.policy.follow_on(sender, item, slot), item, slot)

    def takedown(self, st: ActorState, inc_id: str, base: dict[str, Any]) -> None:
        """The actor takes down what is hosted in its country (on the ground truth)."""
        inc = self.msel.incidents[inc_id]
        country = st.spec.country
        if country in inc.hosted_in and country not in inc.taken_down:
            inc.taken_down.append(country)
            self.emit("takedown_completed", st.id, inc_id, country=country, **base)
            if inc.contained_at is None and all(c in inc.taken_down for c in inc.hosted_in):
                inc.contained_at = self.env.now
                self.emit("contained", None, inc_id, countries=list(inc.hosted_in),
                          by_actor=st.id)
        else:
            self.emit("takedown_completed", st.id, inc_id, country=country,
                      nothing_hosted=True, **base)

    # --- end ---------------------------------------------------------------------------

    def _finish(self) -> None:
        if self._ended:
            return
        if self.env.now < self.end:
            self._advance(self.end)
        # an inject still waiting is skipped first: a contingency set off by an
        # expectation falling due at the very end could only go out after the drill
        self.msel.skip_unsent()
        self.expectations.finish(self.end)
        self._ended = True
        self.emit(
            "drill_ended", None, None,
            open_expectations=[e.id for e in self.expectations.states.values()
                               if e.status == "pending"],
        )
        self._release()

    def _release(self) -> None:
        """Let go of what only a running drill needs: the work under way, the desks'
        queues and the events still scheduled. They refer to one another in cycles,
        which only the garbage collector could free; without them, a finished run is
        freed at once when its last reference goes (a batch runs thousands)."""
        queue = self.env._queue
        for st in self.actors.values():
            for proc in st.work:
                _stop(proc)
            st.work.clear()
            st.sends_owed.clear()
            for desk in (st.office, st._duty):
                if desk is not None:
                    desk.clear()
        for *_, event in queue:
            for callback in event.callbacks or ():
                proc = getattr(callback, "__self__", None)
                if isinstance(proc, simpy.Process):
                    _stop(proc)  # waiting for a timer: an inject held for office hours
            event.callbacks = None  # type: ignore[assignment]
        queue.clear()
        # SimPy binds ``env.timeout``, ``env.process`` and the like to the environment
        # itself (a cycle); the class's own attributes do the same without one
        env_attrs = vars(self.env)
        for name in [k for k, v in env_attrs.items()
                     if type(v) is MethodType and v.__self__ is self.env]:
            del env_attrs[name]


@dataclass(slots=True)
class _Turn:
    """A role's last change of hands, while nothing else has happened since."""

    actor: str
    #: the work it dropped, to be logged (each piece's entry, and whether it had begun)
    dropped: list[tuple[dict[str, str], bool]]
    #: the work that had not begun which the change before it dropped, and which this
    #: change (putting the role back) took up again: dropped after all if this change is
    #: undone in turn
    kept: list[tuple[dict[str, str], bool]]
    #: the role went to a person, who reads the mail its closed office left unread
    reads: bool = False


def _after(env: simpy.Environment, delay: float, fn: Callable[[], None],
           priority: simpy.events.EventPriority = _NORMAL) -> None:
    """``fn`` called after ``delay`` minutes, queued as ``env.timeout(delay)`` would be
    (or, ``_URGENT``, as a process's start is)."""
    ev = _new_event(_SimEvent)
    ev.env = env
    ev.callbacks = [lambda _event: fn()]
    ev._ok = True
    ev._value = None
    env.schedule(ev, priority, delay if delay > 0.0 else 0.0)


class _Spending:
    """Worked time being spent for :meth:`Engine.spend`, step by step as ``work`` spends
    it. It holds the environment, not the engine, and nothing holds it but its next
    step's event: once done, or once the drill lets go of its queue, it is freed."""

    __slots__ = ("env", "fn", "priority", "remaining", "shift")

    def __init__(self, env: simpy.Environment, shift: Shift | AlwaysOn, minutes: float,
                 fn: Callable[[], None],
                 priority: simpy.events.EventPriority = _NORMAL) -> None:
        self.env = env
        self.shift = shift
        self.remaining = minutes
        self.fn = fn
        self.priority = priority

    def on_shift(self) -> None:
        """Wait for the shift if it is off, then work."""
        now = self.env._now
        on = self.shift.next_on(now)
        if on > now:
            if not math.isinf(on):
                _after(self.env, on - now, self.at_work)
            return
        self.at_work()

    def at_work(self) -> None:
        """Work to the end of the time, or of the shift and then wait again."""
        now = self.env._now
        shift_end = self.shift.shift_end(now)
        if self.remaining <= shift_end - now:
            if self.remaining > 0 or self.priority != _NORMAL:
                _after(self.env, self.remaining, self.fn, self.priority)
            else:
                self.fn()
            return
        self.remaining -= shift_end - now
        _after(self.env, shift_end - now, self.on_shift)


def _carried_on(calls: list[TimedCall]) -> list[TimedCall]:
    """The calls of timed work that make up the piece the last of ``calls`` ends: it,
    and before it the office's part of work the duty officer took over at closing."""
    first = len(calls) - 1
    while first > 0 and calls[first - 1].cause == HANDED_OVER:
        first -= 1
    return calls[max(first, 0):]


def _by_shift(shift: Shift | AlwaysOn, start: float, end: float,
              part: str) -> list[tuple[float, float, str]]:
    """``start`` to ``end`` in stretches: "off_duty" while ``shift`` is off, ``part``
    while it is on."""
    out: list[tuple[float, float, str]] = []
    t = start
    while t < end:
        on = shift.next_on(t)
        if on > t:
            stop, what = min(on, end), "off_duty"
        else:
            stop, what = min(shift.shift_end(t), end), part
        if stop <= t:
            break
        out.append((t, stop, what))
        t = stop
    return out


def _at_one_go(calls: list[TimedCall]) -> bool:
    """Whether the piece of timed work of ``calls`` (:func:`_carried_on`) was worked at one
    go: no call kept (:func:`~.actors.timed_work`), or one that worked one stretch."""
    if not calls:
        return True
    if len(calls) > 1:
        return False
    stretches = calls[0].stretches
    return not stretches or (len(stretches) == 1 and stretches[0][2] == "worked")


def _work_stretches(calls: list[TimedCall], start: float,
                    end: float) -> list[tuple[float, float, str]] | None:
    """The stretches of a piece of timed work ending at ``end``: "worked" and "off_duty"
    as each call spent them, and between two calls (from the office's closing to a place
    at the duty desk) "queued", off duty while the desk the work goes on at is closed.
    With no call kept, worked at one go from ``start``; None when the calls kept end
    before ``end`` (another piece's)."""
    if not calls:
        return [(start, end, "worked")] if end > start else []
    if abs(calls[-1].end - end) > _SPAN_SLACK:
        return None
    out: list[tuple[float, float, str]] = []
    last: float | None = None
    for call in calls:
        if last is not None:
            out.extend(_by_shift(call.shift, last, call.start, "queued"))
        out.extend(call.stretches)
        last = call.end
    return out


def _spans(stretches: list[tuple[float, float, str]], worked: float, off_duty: float,
           queued: float | None = None) -> list[list[Any]] | None:
    """``stretches`` as the log gives them: ``[start, end, part]`` in time order, each
    rounded as event times are and joined to the one before when of the same part;
    None unless they add up to the minutes ``worked``, ``off_duty`` and (unless None)
    ``queued``."""
    w = o = q = 0.0
    for s, e, part in stretches:
        if part == "worked":
            w += e - s
        elif part == "off_duty":
            o += e - s
        else:
            q += e - s
    if abs(w - worked) > _SPAN_SLACK or abs(o - off_duty) > _SPAN_SLACK or (
            queued is not None and abs(q - queued) > _SPAN_SLACK):
        return None
    out: list[list[Any]] = []
    last: list[Any] | None = None
    for s, e, part in stretches:
        start, end = float(round(s, 6)), float(round(e, 6))
        if end <= start:
            continue
        if last is not None and last[2] == part and last[1] == start:
            last[1] = end
        else:
            last = [start, end, part]
            out.append(last)
    return out


def _stop(proc: simpy.Process) -> None:
    """End a process that waits: its code, and the links between it and its event."""
    proc._generator.close()
    proc.callbacks = None  # type: ignore[assignment]
    proc._target = None  # type: ignore[assignment]


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
