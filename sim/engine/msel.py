"""The MSEL at run time: scheduled injects and the facilitator's commands on them.

An inject updates exercise control's ground truth of its incident, and reaches each
recipient with the facts it states itself, and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from weakref import proxy as _weak

import simpy
from pydantic import ValidationError

from scenarios.durations import check_ahead, clock_minute, parse_drill_time
from scenarios.loader import cross_references, format_path
from scenarios.model import TLP_ORDER, ActionSeen, ArtefactFile, Inject, InjectCondition, Task
from sim.safe.text import one_line

from .actors import ActorState, Received
from .expectations import DECIDE_BRANCH
from .knowledge import GroundTruth, stated_facts

if TYPE_CHECKING:
    from .core import Engine


def _number(x: object) -> bool:
    """A finite number of minutes (not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class ActionError(ValueError):
    """An action or command from outside the engine that cannot be carried out."""


#: What the facilitator may change in an inject before it is delivered.
EDITABLE = ("title", "text", "to", "tlp")
#: The parts of an ad-hoc inject whose names the scenario must have, with its
#: ``objective`` (see :meth:`Msel._unknown_reference`)
_REFERENCES = ("when", "after_action", "artefacts")


def relabelled_facts(old: Inject, tlp: str) -> str | None:
    """The label of an inject's incident facts (``facts_tlp``) once the facilitator
    labels the inject ``tlp``: None (the default for the new label) when they travelled
    under the default for the old one; the new label when they travelled under the
    inject's own label; else the laxer label the scenario gave them, kept, but never
    stricter than the new one."""
    facts = old.facts_label
    if old.facts_tlp is None or facts == old.model_copy(update={"facts_tlp": None}).facts_label:
        return None
    if facts == old.tlp:
        return tlp
    return facts if TLP_ORDER.index(facts) <= TLP_ORDER.index(tlp) else tlp


@dataclass
class ScheduledInject:
    inject: Inject
    at: float | None
    state: str = "pending"  # pending | fired | skipped


class Msel:
    """The inject timeline of one run."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        self.env = engine.env
        self.injects: dict[str, ScheduledInject] = {}
        #: exercise control's record of each incident (ground truth)
        self.incidents: dict[str, GroundTruth] = {}
        for inj in engine.scenario.injects:
            at = parse_drill_time(inj.at, engine.start) if inj.at is not None else None
            self.injects[inj.id] = ScheduledInject(inj, at)
        #: injects waiting for an action (after_action), in MSEL order
        self.watching = [s for s in self.injects.values() if s.inject.after_action is not None]
        #: task id -> the actors it has been asked of; (task, actor) -> latest answer
        self.tasks = {t.id: t for t in engine.scenario.tasks}
        self.asked: dict[str, list[str]] = {}
        self.answers: dict[tuple[str, str], str] = {}

    def start(self) -> None:
        for sched in self.injects.values():
            if sched.at is not None:
                self.schedule(sched)
        for task in self.tasks.values():
            if task.at is not None:
                at = parse_drill_time(task.at, self.engine.start)
                self.engine.after(at - self.env.now, partial(self._ask_all, task))

    def _ask_all(self, task: Task) -> None:
        for actor in task.to:
            self.ask(task, actor)

    # --- facilitator commands ----------------------------------------------------------

    def get(self, inject_id: str) -> ScheduledInject:
        sched = self.injects.get(str(inject_id))
        if sched is None:
            raise ActionError(f"unknown inject {inject_id!r}")
        return sched

    def fire(self, inject_id: str) -> None:
        sched = self.get(inject_id)
        if sched.state == "fired":
            raise ActionError(f"inject {inject_id!r} has already been delivered")
        sched.state = "fired"
        self.deliver(sched.inject)

    def skip(self, inject_id: str) -> None:
        sched = self.get(inject_id)
        if sched.state != "pending":
            raise ActionError(f"inject {inject_id!r} is already {sched.state}")
        sched.state = "skipped"
        self.engine.emit("inject_skipped", None, sched.inject.incident.id, inject=inject_id)

    def delay(self, inject_id: str, minutes: float) -> None:
        sched = self.get(inject_id)
        if sched.state != "pending":
            raise ActionError(f"inject {inject_id!r} is not waiting to be delivered")
        if sched.at is None:
            raise ActionError(f"inject {inject_id!r} has no time yet (it waits for its "
                              "trigger), so there is none to delay: give it one with "
                              "Reschedule")
        if not _number(minutes) or minutes <= 0:
            raise ActionError("a delay is a number of minutes greater than zero")
        sched.at = self._ahead(max(self.env.now, sched.at) + minutes)
        self.engine.emit("inject_rescheduled", None, sched.inject.incident.id, inject=inject_id,
                         at=sched.at)
        self.schedule(sched)

    def add(self, inject: Inject, fire_now: bool = True) -> None:
        """Add an inject to the MSEL: delivered now, or (``fire_now`` False) at its time."""
        engine = self.engine
        if inject.id in self.injects:
            raise ActionError(f"inject id {inject.id!r} is already used")
        for aid in (inject.sender, *inject.to):
            engine.actor(aid)
        if inject.via not in engine.channels:
            raise ActionError(f"unknown channel {inject.via!r}")
        if inject.incident.id not in self.incidents and not inject.incident.type:
            raise ActionError(f"a new incident {inject.incident.id!r} needs a type")
        unknown = self._unknown_reference(inject)
        if unknown is not None:
            raise ActionError(unknown)
        at = parse_drill_time(inject.at, engine.start) if inject.at else None
        if not fire_now:
            if at is None:
                raise ActionError("an inject scheduled for later needs a time")
            at = self._ahead(at)
        sched = ScheduledInject(inject, at)
        self.injects[inject.id] = sched
        if fire_now:
            self.fire(inject.id)
            return
        engine.emit("inject_added", None, inject.incident.id, inject=inject.id, at=at,
                    type=inject.type, title=inject.title, text=inject.text,
                    sender=inject.sender, to=list(inject.to), via=inject.via, tlp=inject.tlp)
        self._arm(sched)

    def _unknown_reference(self, inject: Inject) -> str | None:
        """The first thing an ad-hoc inject names that the scenario does not have (a
        phase, an expectation, an actor or team, an incident no inject opens, an
        objective, a password's channel), in one line, as the loader words it for an
        inject of the scenario's MSEL (:func:`~scenarios.loader.cross_references`); None
        when there is none. Its sender, recipients and channel are checked by
        :meth:`add`; its timing follows the rules of ad-hoc injects (now, or at a time)."""
        data = self.engine.scenario.model_dump(mode="json", exclude={"injects"})
        # the injects it is checked beside: the MSEL as it stands, ad-hoc injects added
        # earlier included (one may name the incident such an inject opened)
        data["injects"] = [
            *(s.inject.model_dump(mode="json", exclude={"artefacts"})
              for s in self.injects.values()),
            inject.model_dump(mode="json")]
        here = ("injects", len(data["injects"]) - 1)
        for path, message in cross_references(data):
            if tuple(path[:2]) != here or len(path) < 3:
                continue
            part = path[2]
            if part == "objective" or (part in _REFERENCES and len(path) > 3):
                return one_line(f"{format_path(tuple(path[2:]))}: {message}")
        return None

    def reschedule(self, inject_id: str, at: float) -> None:
        """Move a waiting inject to drill time ``at`` (now or later)."""
        sched = self.get(inject_id)
        if sched.state != "pending":
            raise ActionError(f"inject {inject_id!r} is {self._state(sched)}: only a waiting "
                              "inject can be rescheduled")
        sched.at = self._ahead(at)
        self.engine.emit("inject_rescheduled", None, sched.inject.incident.id, inject=inject_id,
                         at=sched.at)
        self._arm(sched)

    def edit(self, inject_id: str, changes: dict) -> None:
        """Change a waiting or skipped inject's title, text, recipients or TLP. A new TLP
        label takes the incident facts' label with it (:func:`relabelled_facts`)."""
        sched = self.get(inject_id)
        if sched.state == "fired":
            raise ActionError(f"inject {inject_id!r} has already been delivered: only a waiting "
                              "or skipped inject can be edited")
        if not isinstance(changes, dict) or not changes:
            raise ActionError("nothing to change")
        other = sorted(str(k) for k in changes if k not in EDITABLE)
        if other:
            raise ActionError(f"an inject's {other[0][:40]!r} cannot be edited; only its "
                              f"{', '.join(EDITABLE)}")
        if "to" in changes:
            to = changes["to"]
            if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
                raise ActionError("the recipients must be a list of at least one actor")
            for aid in to:
                self.engine.actor(aid)
            if len(set(to)) != len(to):
                raise ActionError("a recipient is listed twice")
        if "tlp" in changes and changes["tlp"] not in TLP_ORDER:
            raise ActionError(f"the TLP label must be one of {', '.join(TLP_ORDER)}")
        for key in ("title", "text"):
            if key in changes and not isinstance(changes[key], str):
                raise ActionError(f"the {key} must be text")
        old = sched.inject
        data = {**old.model_dump(mode="json", exclude_unset=True), **changes}
        if "tlp" in changes and changes["tlp"] != old.tlp:
            facts = relabelled_facts(old, changes["tlp"])
            if facts is None:
                data.pop("facts_tlp", None)
            else:
                data["facts_tlp"] = facts
        try:
            new = Inject.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ActionError(f"the edited inject is not valid: {first.get('msg', '')}") from None
        changed = [k for k in EDITABLE if getattr(new, k) != getattr(old, k)]
        if not changed:
            raise ActionError("nothing changed")
        sched.inject = new
        details = {k: getattr(new, k) for k in changed}
        if new.facts_label != old.facts_label:
            # a new label relabels the incident facts: the label they now travel under,
            # as the inject's delivery will carry it
            changed.append("facts_tlp")
            details["facts_tlp"] = new.facts_label
        self.engine.emit("inject_edited", None, old.incident.id, inject=inject_id,
                         changed=changed, **details)

    def unskip(self, inject_id: str, at: float | None = None) -> None:
        """A skipped inject waits again: at its own time if still ahead, else at ``at``.

        It goes back in the MSEL as it was: a branch inject (``when``) is decided by its
        condition again when that time comes, now included, as a rescheduled one is
        (delivered if it holds, else skipped again); :meth:`fire` delivers it whatever
        its condition."""
        sched = self.get(inject_id)
        if sched.state != "skipped":
            raise ActionError(f"inject {inject_id!r} is {self._state(sched)}, not skipped")
        if at is None:
            if sched.at is None:
                raise ActionError(f"inject {inject_id!r} has no time of its own: give a time, "
                                  "or now")
            if sched.at < self.env.now:
                raise ActionError(f"inject {inject_id!r} was due at {clock_minute(sched.at)}, "
                                  "which has passed: give a new time, or now")
            at = sched.at
        sched.at = self._ahead(at)
        sched.state = "pending"
        self.engine.emit("inject_unskipped", None, sched.inject.incident.id, inject=inject_id,
                         at=sched.at)
        self._arm(sched)

    @staticmethod
    def _state(sched: ScheduledInject) -> str:
        return {"fired": "already delivered", "pending": "waiting"}.get(sched.state, sched.state)

    def _ahead(self, at: float) -> float:
        """``at`` as a delivery time: not in the past (the current minute counts as now),
        and before the drill's end (the drill ends before anything due at that instant)."""
        if not _number(at):
            raise ActionError("the time must be a number of minutes")
        now = self.env.now
        why = check_ahead(at, now, self.engine.end)
        if why is not None:
            raise ActionError(why)
        return max(float(at), now)

    def _arm(self, sched: ScheduledInject) -> None:
        """Deliver a waiting inject whose time has come, or schedule it. A branch inject
        (``when``) is decided as at any other time, even when its time is now: once
        everything due at this moment has happened (see :meth:`schedule`)."""
        assert sched.at is not None
        if sched.at <= self.env.now and sched.inject.when is None:
            sched.state = "fired"
            self.deliver(sched.inject)
        else:
            self.schedule(sched)

    def contingency(self, inject_id: str) -> None:
        """Fire a contingency inject after its delay (an expectation was missed, met,
        late or lost). The first trigger wins: one already timed (by an earlier trigger,
        or by the facilitator) keeps its time."""
        sched = self.injects[inject_id]
        if sched.state == "pending" and sched.at is None:
            self._time(sched, "contingency")

    def _time(self, sched: ScheduledInject, reason: str) -> None:
        """Give a waiting inject without a time its time: its delay from now. The log
        says so (``inject_timed``, the time rounded as event times are), as a console
        built from the events shows it."""
        sched.at = self.env.now + sched.inject.delay
        self.engine.emit("inject_timed", None, sched.inject.incident.id,
                         inject=sched.inject.id, at=float(round(sched.at, 6)),
                         reason=reason)
        self.schedule(sched)

    def skip_unsent(self) -> None:
        """At the drill's end: skip each inject still waiting, so that what is counted
        from it is not in play, as for a branch whose condition did not hold. It waited
        for a trigger that never came (a contingency, or an inject timed by an action:
        ``not_triggered``), or for a time at or after the end (a contingency set off too
        late, an inject delayed past the end: ``after_end``)."""
        for sched in self.injects.values():
            if sched.state == "pending":
                sched.state = "skipped"
                self.engine.emit("inject_skipped", None, sched.inject.incident.id,
                                 inject=sched.inject.id,
                                 reason="not_triggered" if sched.at is None else "after_end")

    def next_time(self) -> float | None:
        times = [s.at for s in self.injects.values()
                 if s.state == "pending" and s.at is not None and s.at >= self.env.now]
        return min(times) if times else None

    # --- delivery ----------------------------------------------------------------------

    def schedule(self, sched: ScheduledInject) -> None:
        at = sched.at
        assert at is not None

        def fire() -> None:
            if sched.state == "pending" and sched.at == at:
                sched.state = "fired"
                self.deliver(sched.inject)

        def decide() -> None:
            if sched.state == "pending" and sched.at == at:
                assert sched.inject.when is not None
                if not self.holds(sched.inject.when):
                    sched.state = "skipped"
                    self.engine.emit("inject_skipped", None, sched.inject.incident.id,
                                     inject=sched.inject.id, reason="condition")
                    return
                fire()

        if sched.inject.when is None:
            self.engine.after(at - self.env.now, fire)
        else:
            # a branch is decided once everything else due at that moment has happened,
            # an expectation falling due then missed first
            self.engine.after(at - self.env.now, decide, DECIDE_BRANCH)

    def _update_truth(self, inj: Inject) -> None:
        engine = self.engine
        spec = inj.incident
        inc = self.incidents.get(spec.id)
        new = inc is None
        if inc is None:
            inc = self.incidents[spec.id] = GroundTruth(spec.id, opened_at=self.env.now)
        before = inc.properties()
        inc.update(spec)
        if not inc.title:
            inc.title = inj.title or spec.id
        if new or inc.properties() != before:
            select = engine.policy.directory.select
            engine.emit(
                "incident_opened" if new else "incident_updated", None, inc.id, inject=inj.id,
                **inc.properties(),
                affected_certs=[a for a, _ in select("affected_certs", None, inc, None)],
                hosting_certs=[a for a, _ in select("hosting_certs", None, inc, None)],
            )
        if new:
            engine.expectations.incident_opened(inc.id)

    def deliver(self, inj: Inject) -> None:
        self._update_truth(inj)
        engine = self.engine
        facts = stated_facts(inj.incident, inj.artefact_names)
        for to in inj.to:
            self._ring(inj, engine.actors[to], 0.0, facts)
        engine.expectations.inject_delivered(inj.id)

    def _when_on_duty(self, inj: Inject, st: ActorState, facts: tuple[str, ...],
                      before: float, on: float) -> Iterator[simpy.Event]:
        """Deliver once someone answers, at drill minute ``on``; ``before``: minutes it
        already waited for that."""
        wait = on - self.env.now
        yield self.env.timeout(wait)
        self._to(inj, st, before + wait, facts)

    def _ring(self, inj: Inject, st: ActorState, duty_wait: float,
              facts: tuple[str, ...]) -> None:
        """Deliver to ``st`` now, or, on a channel that needs someone at the desk (a phone
        call), once someone is there to answer: when the inject is sent, and again when
        service comes back after a holding outage. On an on-call channel it rings at
        once, out of hours too, and waits unread until the duty officer answers it or
        the office reads it (:meth:`~sim.engine.core.Engine.takes_in`)."""
        channel = self.engine.channels[inj.via]
        if channel.needs_receiver_on_duty:
            answering = st.answering(inj.via, channel.handled_around_the_clock)
            if not answering.on_duty(self.env.now):
                on = answering.next_on(self.env.now)
                if math.isinf(on):
                    self.engine.emit("message_lost", st.id, inj.incident.id,
                                     ref=f"inject:{inj.id}", inject=inj.id, sender=inj.sender,
                                     channel=inj.via, reason="never_on_duty", verb="inject")
                    return
                self._held(inj, st, "off_duty", on)
                self.env.process(self._when_on_duty(inj, st, facts, duty_wait, on))
                return
        self._to(inj, st, duty_wait, facts)

    def _held(self, inj: Inject, st: ActorState, reason: str, until: float) -> None:
        """An inject waits to reach ``st`` until drill minute ``until`` (when it is tried
        again): exercise control sees that it went out, and why it has not arrived."""
        self.engine.emit("inject_held", st.id, inj.incident.id, ref=f"inject:{inj.id}",
                         inject=inj.id, sender=inj.sender, channel=inj.via, reason=reason,
                         until=until, type=inj.type, title=inj.title)

    def _to(self, inj: Inject, st: ActorState, duty_wait: float, facts: tuple[str, ...]) -> None:
        engine = self.engine
        inc_id = inj.incident.id
        contact = st.spec.contacts.get(inj.via)
        ref = f"inject:{inj.id}"
        drift = engine.drift
        if drift is not None and contact is not None:
            # an outage of either end: the recipient's, or that of the sender
            # exercise control sends it as
            window = drift.outage(inj.via, inj.sender, st.id)
            if window is not None and window.effect == "hold":
                self._held(inj, st, "outage", window.end)
                engine.after(window.end - self.env.now,
                             lambda: self._ring(inj, st, duty_wait, facts))
                return
            if window is not None:
                engine.emit("message_lost", st.id, inc_id, ref=ref, inject=inj.id,
                            sender=inj.sender, channel=inj.via, reason="outage", verb="inject")
                return
        if contact is None or (contact.stale if drift is None
                               else drift.is_stale(st.id, inj.via, contact)):
            engine.emit(
                "message_lost", st.id, inc_id, ref=ref, inject=inj.id, sender=inj.sender,
                channel=inj.via, reason="no_contact" if contact is None else "stale_contact",
                verb="inject",
            )
            return
        item = Received(
            ref, "inject", inj.sender, st.id, inc_id, inj.tlp, inj.via, self.env.now,
            tuple(inj.to), facts, None, inj.text, inj.title, tuple(inj.artefact_names),
            facts_tlp=inj.facts_label, incident_title=inj.incident.title or "",
        )
        files = inj.artefact_files
        # artefact files add their hashes; injects without them log as they always did
        extra: dict[str, Any] = {"files": [_file_details(a) for a in files]} if files else {}
        taken_in = engine.takes_in(st, inj.via)
        if not taken_in:
            # it waits unread: in a closed office, or for the duty officer to answer
            extra["unread"] = True
        engine.emit(
            "inject_delivered", st.id, inc_id, ref=ref, inject=inj.id, sender=inj.sender,
            channel=inj.via, channel_kind=engine.channels[inj.via].kind, tlp=inj.tlp,
            facts_tlp=inj.facts_label,
            title=inj.title, type=inj.type, duty_wait=duty_wait, text=inj.text,
            artefacts=inj.artefact_names, expected_actions=list(inj.expected_actions),
            facts=list(facts), **extra,
        )
        for art in files:
            if art.protected is not None:
                engine.after(art.protected.delay, partial(self._password, inj, st, art, 0.0))
        engine.receive(st, item, taken_in)
        if self.tasks:
            for task in self.tasks.values():
                if task.inject == inj.id and st.id in task.to:
                    self.ask(task, st.id)

    def _password(self, inj: Inject, st: ActorState, art: ArtefactFile, waited: float) -> None:
        """The password of a protected artefact, on its own channel, to one recipient:
        lost without a usable contact or in an outage, held by a holding outage, and on a
        channel that needs someone at the desk, kept until the recipient is on duty."""
        assert art.protected is not None
        engine = self.engine
        via = art.protected.password_via
        now = self.env.now
        about = {"inject": inj.id, "artefact": art.label, "sender": inj.sender, "channel": via}
        contact = st.spec.contacts.get(via)
        drift = engine.drift
        window = drift.outage(via, inj.sender, st.id) if drift is not None and contact \
            else None
        if window is not None and window.effect == "hold":
            engine.after(window.end - now,
                         partial(self._password, inj, st, art, waited + window.end - now))
            return
        stale = contact is not None and (contact.stale if drift is None
                                         else drift.is_stale(st.id, via, contact))
        if contact is None or stale or window is not None:
            reason = "outage" if window is not None else \
                "no_contact" if contact is None else "stale_contact"
            engine.emit("password_lost", st.id, inj.incident.id, **about, reason=reason)
            return
        channel = engine.channels[via]
        if channel.needs_receiver_on_duty:
            on = st.answering(via, channel.handled_around_the_clock).next_on(now)
            if math.isinf(on):
                engine.emit("password_lost", st.id, inj.incident.id, **about,
                            reason="never_on_duty")
                return
            if on > now:
                engine.after(on - now, partial(self._password, inj, st, art, waited + on - now))
                return
        engine.emit("password_delivered", st.id, inj.incident.id, **about,
                    password=art.protected.password, duty_wait=waited)

    # --- branches: conditions and actions ----------------------------------------------

    def holds(self, cond: InjectCondition) -> bool:
        """Whether an inject's condition holds now, as exercise control sees the drill."""
        states = self.engine.expectations.states

        def status(eid: str) -> set[str]:
            units = [x for k, x in states.items() if k == eid or k.startswith(f"{eid}.")]
            return {x.status for x in units} if units else {"unknown"}

        if cond.met is not None and any(status(e) != {"met"} for e in cond.met):
            return False
        if cond.missed is not None and any("missed" not in status(e) for e in cond.missed):
            return False
        for wanted, checks in ((True, cond.done), (False, cond.not_done)):
            for check in checks or ():
                if self.seen(check) != wanted:
                    return False
        if cond.phase is not None:
            drill = self.engine.scenario.drill
            now = self.env.now
            if not any(b <= now < e for b, e in map(drill.phase_window, cond.phase)):
                return False
        return True

    def seen(self, check: ActionSeen) -> bool:
        """Whether anyone check.by names has done check.action (on check.incident)."""
        who = set(self.engine.scenario.expand(check.by)) if check.by else None
        return any(verb == check.action and (who is None or actor in who)
                   and (check.incident is None or inc == check.incident)
                   for actor, inc, verb in self.engine.acted)

    def on_action(self, ev, verb: str) -> None:
        """An action was done: time the injects waiting for it (after_action)."""
        for sched in list(self.watching):
            after = sched.inject.after_action
            assert after is not None
            if sched.state != "pending" or after.action != verb:
                continue
            if after.incident is not None and ev.incident != after.incident:
                continue
            if after.by and ev.actor not in self.engine.scenario.expand(after.by):
                continue
            self.watching.remove(sched)
            if sched.at is None:  # a time exercise control gave it meanwhile stands
                self._time(sched, "after_action")

    # --- player tasks ------------------------------------------------------------------

    def ask(self, task, actor: str) -> None:
        """Ask a player a task's question (once per actor)."""
        asked = self.asked.setdefault(task.id, [])
        if actor in asked:
            return
        asked.append(actor)
        self.engine.emit("task_set", actor, task.incident, task=task.id,
                         question=task.question)

    def answer_task(self, actor: str, task_id: str, text: str) -> None:
        if task_id not in self.tasks or actor not in self.asked.get(task_id, ()):
            # one refusal for both: a player must not learn other teams' task ids by
            # telling a task put to someone else from one that does not exist
            raise ActionError(f"no task {task_id!r} was asked of {actor}")
        text = text.strip()
        if not text:
            raise ActionError("an answer needs some text")
        self.answers[(task_id, actor)] = text
        self.engine.emit("task_answered", actor, self.tasks[task_id].incident, task=task_id,
                         text=text)


def _file_details(art: ArtefactFile) -> dict[str, object]:
    """An artefact file as the inject_delivered event records it."""
    out: dict[str, object] = {"name": art.label, "file": art.file, "sha256": art.sha256,
                              "bytes": art.size}
    if art.protected is not None:
        out["password_via"] = art.protected.password_via
    return out
