"""Semantic checks beyond validation: what is legal but almost certainly a mistake.

Findings are reported at the line of the scenario file they concern. Findings about
things that come from the shared regional library (``scenarios/library``) are left
out: the library is not the organiser's to fix, and a scenario rarely uses all of it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from scenarios.durations import (
    clock_minute,
    format_drill_time,
    format_duration,
    parse_drill_time,
)
from scenarios.loader import LoadedScenario, library_dir
from scenarios.model import (
    MESSAGE_VERBS,
    SEVERITY_ORDER,
    Constant,
    Empirical,
    Exponential,
    Inject,
    LogNormal,
    Rule,
    Scenario,
    Triangular,
    Uniform,
    parse_range,
)
from scenarios.yamlsrc import Mark
from sim.engine.clock import scenario_shift
from sim.engine.distributions import minimum
from sim.engine.drift import Window, covering, outage_windows
from sim.engine.knowledge import IMPLIED_FACTS, Picture, stated_facts
from sim.engine.policy import Directory, applies
from sim.safe.text import one_line


@dataclass(frozen=True)
class Finding:
    mark: Mark | None
    path: str
    code: str
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        """The finding as one line: a line break or tab in a name it quotes, or in the
        file's name, is shown as an escape."""
        where = str(self.mark) if self.mark else "?"
        return one_line(f"{where}: {self.level}: {self.path}: {self.message} [{self.code}]")


def incidents(sc: Scenario) -> dict[str, Picture]:
    """Each incident as a picture of everything its injects say (its fullest extent)."""
    facts: dict[str, dict[str, None]] = {}
    for inj in sc.injects:
        facts.setdefault(inj.incident.id, {}).update(dict.fromkeys(stated_facts(inj.incident)))
    return {iid: Picture.of(f) for iid, f in facts.items()}


def hold_never_lifts(rules: Mapping, binds: Mapping[str, frozenset[str]], rid: str,
                     actor: str) -> tuple[str, str] | None:
    """Why ``actor``'s hold on rule ``rid`` (``hold_until``) never lifts, or None when it
    can: the rule it waits for, and why that rule is never carried out by ``actor``
    itself: ``off`` (switched off), ``other`` (the rule is not for ``actor``),
    ``circle`` (it waits for ``rid`` in turn) or ``held`` (its own hold never lifts).

    ``rules`` are the enabled rules (:meth:`Scenario.rules`), ``binds`` the actors each
    binds. The engine lifts a hold once the actor has itself carried out every rule
    named, for the incident.
    """
    def waits_for(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for first in rules[todo.pop()][1].hold_until:
                if first in rules and first not in seen:
                    seen.add(first)
                    todo.append(first)
        return seen

    def fails(held: str, visited: frozenset[str]) -> tuple[str, str] | None:
        for first in rules[held][1].hold_until:
            if first not in rules:
                return first, "off"
            if actor not in binds[first]:
                return first, "other"
            if first in visited or fails(first, visited | {first}) is not None:
                return first, "circle" if held in waits_for(first) else "held"
        return None

    return fails(rid, frozenset((rid,)))


#: selectors that name only actors of the acting actor's own country
_LOCAL = ("national_police", "central_authority", "local_isps", "regulators")
#: Malaysian states that take a Friday-Saturday weekend, by every code the holidays
#: package knows them by
_FRI_SAT_STATES = {code: state for state, codes in (
    ("Kedah", ("02", "KDH", "Kedah")),
    ("Kelantan", ("03", "KTN", "Kelantan")),
    ("Terengganu", ("11", "TRG", "Terengganu"))) for code in codes}


def unreached(sc: Scenario, rule: Rule, aid: str) -> str | None:
    """Why a message under ``rule`` never reaches ``aid``, in words, or None when it can.

    The engine sends it on the rule's channel, then on each of its fallbacks in turn,
    passing over at once every one on which ``aid`` has no point of contact
    (``no_contact``): with none on any of them, the message is lost for good. A rule
    that sends no message goes by no channel: None."""
    ways = [c for c in (rule.channel, *rule.fallback) if c]
    if not ways or any(c in sc.actors[aid].contacts for c in ways):
        return None
    return f"no contact on {_either(ways)}"


def contacted(sc: Scenario, rule: Rule, aid: str) -> bool:
    """Whether a message under ``rule`` can reach ``aid`` (see :func:`unreached`)."""
    return unreached(sc, rule, aid) is None


#: the letter keys, row by row, with how far each row is set in from the left
_KEYS = (("QWERTYUIOP", 0.0), ("ASDFGHJKL", 0.25), ("ZXCVBNM", 0.75))
_KEY_AT = {k: (r, n + shift) for r, (row, shift) in enumerate(_KEYS)
           for n, k in enumerate(row)}


def _next_keys(a: str, b: str) -> bool:
    """Whether letters ``a`` and ``b`` are neighbours on a QWERTY keyboard."""
    if a not in _KEY_AT or b not in _KEY_AT or a == b:
        return False
    (ra, xa), (rb, xb) = _KEY_AT[a], _KEY_AT[b]
    return abs(ra - rb) <= 1 and abs(xa - xb) <= (1 if ra == rb else 0.75)


def country_meant(code: str, known: Iterable[str]) -> list[str]:
    """The countries of ``known`` that ``code`` is likely a typo of: one letter struck a
    key away, or two letters swapped; else the one country a single letter away, when
    only one is."""
    near = [k for k in known if len(k) == len(code) and k != code]
    one = [k for k in near if sum(x != y for x, y in zip(k, code, strict=True)) == 1]
    slips = [k for k in one if all(x == y or _next_keys(x, y)
                                   for x, y in zip(k, code, strict=True))]
    slips += [k for k in near if len(k) == 2 and k == code[::-1]]
    if slips:
        return sorted(slips)
    return one if len(one) == 1 else []


def _least(dist: object) -> tuple[float, bool]:
    """The shortest duration ``dist`` can produce, and whether a draw can be exactly that
    (a constant or a listed value; a continuous distribution only approaches it)."""
    low = minimum(dist)
    exact = isinstance(dist, (Constant, Empirical)) \
        or (isinstance(dist, Exponential) and dist.mean <= 0)
    return low, exact


def _steps(e) -> str:
    """The steps of the automated policy to complete expectation ``e``, in words."""
    steps = ["acknowledge"]
    if e.action != "acknowledge":
        steps.append("analyse")
    if e.action not in ("acknowledge", "analyse"):
        steps.append(e.action.replace("_", " "))
    said = ", ".join(steps[:-1]) + " and " + steps[-1] if len(steps) > 1 else steps[0]
    if e.action in MESSAGE_VERBS and e.reach != "sent":
        said += ", then the message's latency"
    return said


def median(dist: object) -> float:
    """The duration ``dist`` draws as often below as above, in minutes: what it takes
    about."""
    if isinstance(dist, Constant):
        return dist.value
    if isinstance(dist, Uniform):
        return (dist.low + dist.high) / 2
    if isinstance(dist, Triangular):
        span = dist.high - dist.low
        if dist.mode - dist.low >= span / 2:
            return dist.low + math.sqrt(span * (dist.mode - dist.low) / 2)
        return dist.high - math.sqrt(span * (dist.high - dist.mode) / 2)
    if isinstance(dist, Empirical):
        weights = dist.weights or [1.0] * len(dist.values)
        ranked = sorted(zip(dist.values, weights, strict=False))
        half, total = sum(weights) / 2, 0.0
        for value, weight in ranked:
            total += weight
            if total >= half:
                return value
        return ranked[-1][0]
    value = 0.0
    if isinstance(dist, Exponential):
        value = dist.mean * math.log(2)
    elif isinstance(dist, LogNormal):
        value = math.exp(dist.params[0])
    cap = getattr(dist, "max", None)
    return min(value, cap) if cap is not None else value


#: why an inject is lost, by the engine's reason (``message_lost``), in words
INJECT_LOST = {"stale_contact": "STALE {via} contact", "outage": "an outage of {via}",
               "no_contact": "no {via} contact"}


class Reach:
    """When what is sent reaches each actor, and what the actor knows then, as the
    engine has it: outages, contact changes, a desk that keeps office hours, a duty desk
    for channels answered around the clock and an on-call duty officer."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.end = sc.drill.duration
        #: the drill minute of each inject given a time
        self.at = {inj.id: parse_drill_time(inj.at, sc.drill.start)
                   for inj in sc.injects if inj.at}
        self.windows = outage_windows(sc)
        #: each point of contact's changes, in time order (the file's order within a
        #: minute)
        self.changes: dict[tuple[str, str], list[tuple[float, bool]]] = {}
        for at, _, c in sorted(((parse_drill_time(c.at, sc.drill.start), i, c)
                                for i, c in enumerate(sc.contact_changes)),
                               key=lambda x: x[:2]):
            self.changes.setdefault((c.actor, c.channel), []).append((at, c.stale))
        self._messaged: frozenset[str] | None = None
        #: actors a framework rule that sends a message binds
        self._messengers: frozenset[str] | None = None
        #: each incident's timed injects that state a severity, in the file's order
        self._stating: dict[str, list] | None = None
        #: (actor, incident) -> see :meth:`_taken_in`
        self._taken: dict[tuple[str, str], tuple[list[float], list[int]]] = {}

    def stale_at(self, aid: str, via: str, t: float) -> bool:
        """Whether the contact is out of date at drill minute ``t``: as the last change due
        by then (a change counts from its minute on) left it, else as the actor gives it."""
        stale = self.sc.actors[aid].contacts[via].stale
        for at, to_stale in self.changes.get((aid, via), ()):
            if at > t:
                break
            stale = to_stale
        return stale

    def outage(self, cid: str, sender: str, aid: str, t: float) -> Window | None:
        """The outage that decides what becomes of what ``sender`` sends ``aid`` on
        ``cid`` at drill minute ``t``, as the engine judges an inject: one of the whole
        channel, of the recipient's end, or of the sender's (exercise control's own)."""
        return covering(self.windows, cid, sender, aid, t)

    def around_the_clock(self, cid: str) -> bool:
        """Whether the duty desk handles what comes on ``cid`` at once, at any hour
        (:meth:`sim.engine.policy.Policy.desk_for`)."""
        ch = self.sc.channels.get(cid)
        return ch is not None and ch.handled_around_the_clock

    def answers(self, aid: str, cid: str, t: float) -> float:
        """When someone at ``aid`` answers on ``cid``, from ``t`` on: at once on a channel
        answered around the clock or on one of its on-call channels, else when it is next
        on duty (:meth:`sim.engine.actors.ActorState.answering`). A call on an on-call
        channel gets through at any hour, but what it says is taken in only once someone
        picks it up (:meth:`takes_in`)."""
        on_call = self.sc.actors[aid].on_call
        if self.around_the_clock(cid) or (on_call is not None and cid in on_call.channels):
            return t
        return scenario_shift(self.sc, aid).next_on(t)

    def answered(self, aid: str, cid: str, t: float) -> float:
        """When a message on ``cid`` that reaches ``aid`` at ``t`` is taken: at once, or on
        a channel that needs someone at the desk (a phone call), once someone is there."""
        return self.answers(aid, cid, t) if self.sc.channels[cid].needs_receiver_on_duty \
            else t

    def _judged(self, aid: str, via: str, t: float,
                sender: str) -> tuple[float, str, bool, str | None]:
        """An inject sent to ``aid`` on ``via`` at ``t`` by ``sender``, as the engine
        judges it: on a channel that needs someone at the desk once someone answers,
        after any holding outage (of the channel, or of either end of it: the
        recipient's or the sender's), then lost in an outage that loses it, for want of a
        point of contact or to an out-of-date one. When it arrives or is lost, why it waited last (empty
        when it did not), whether it waited for someone at the desk, and why it is lost
        (the engine's reason: ``outage``, ``no_contact``, ``stale_contact``; None when
        it arrives, or would arrive only once the drill has ended)."""
        why, desk = "", False
        contacts = self.sc.actors[aid].contacts
        while t < self.end:
            on = self.answered(aid, via, t)
            if on > t:
                t, why, desk = on, f"on {via!r} it waits for someone at {aid}'s desk", True
                continue
            w = self.outage(via, sender, aid, t) if via in contacts else None
            if w is not None:
                if w.effect != "hold":
                    return t, why, desk, "outage"
                t, why = w.end, f"an outage of {via!r} holds it"
                continue
            if via not in contacts:
                return t, why, desk, "no_contact"
            if self.stale_at(aid, via, t):
                return t, why, desk, "stale_contact"
            break
        return t, why, desk, None

    def delivered(self, aid: str, via: str, t: float,
                  sender: str) -> tuple[float, str, bool] | None:
        """When an inject sent to ``aid`` on ``via`` at ``t`` arrives, as the engine
        delivers it: on a channel that needs someone at the desk once someone answers,
        and after any holding outage. With why it waited last (empty when it did not)
        and whether it waited for someone at the desk. A time at or after the drill's
        end (infinite: nobody is ever there) when it would arrive only then; None when it
        is lost (an outage, no point of contact or an out-of-date one)."""
        t, why, desk, lost = self._judged(aid, via, t, sender)
        return None if lost is not None else (t, why, desk)

    def lost(self, aid: str, via: str, t: float, sender: str) -> tuple[float, str, str] | None:
        """When and why an inject sent to ``aid`` on ``via`` at ``t`` is lost, as the
        engine loses it (see :meth:`_judged`), with why it waited before (empty when it
        did not); None when it arrives, or would arrive only once the drill has ended.
        An inject is never bounced nor sent again on another channel: lost, it is lost
        for good."""
        t, why, _, lost = self._judged(aid, via, t, sender)
        return None if lost is None else (t, lost, why)

    def stale_from(self, aid: str, via: str, t: float) -> bool:
        """Whether ``aid``'s contact on ``via`` is out of date from drill minute ``t`` to
        the end: out of date then, and no later change repairs it. An inject set off at
        ``t`` or later on ``via`` is lost to it, whenever it goes."""
        return via in self.sc.actors[aid].contacts and self.stale_at(aid, via, t) \
            and all(stale for at, stale in self.changes.get((aid, via), ()) if at > t)

    def reaches(self, aid: str, inj, at: float) -> float | None:
        """When inject ``inj``, sent at ``at``, reaches ``aid``; None when it does not
        (lost in an outage, an out-of-date contact, or after the drill ends)."""
        got = self.delivered(aid, inj.via, at, inj.sender)
        return got[0] if got is not None and got[0] < self.end else None

    def senders(self, aid: str, incident: str | None = None,
                teams: Iterable[str] | None = None) -> set[str]:
        """Whom a rule of ``aid`` that answers its ``sender`` may answer: whoever sends
        ``aid`` an inject (about ``incident``, when given: exercise control, or a victim
        reporting), and the teams whose rules may message it (``teams``; when not given,
        every team a framework rule that sends a message binds)."""
        if teams is None:
            if self._messengers is None:
                self._messengers = frozenset(
                    a for _, r in self.sc.rules().values() if r.action in MESSAGE_VERBS
                    for a in self.sc.binds(r))
            teams = self._messengers
        out = set(teams)
        out.update(i.sender for i in self.sc.injects
                   if aid in i.to and (incident is None or i.incident.id == incident))
        return out

    def messaged(self) -> frozenset[str]:
        """Actors a framework rule's message may reach about some incident, from another
        team that may pass on what its injects said."""
        if self._messaged is None:
            sc = self.sc
            directory = Directory.of(sc)
            pictures = incidents(sc).values()
            rules = [r for _, r in sc.rules().values() if r.action in MESSAGE_VERBS]
            out: set[str] = set()
            for rule in rules:
                for aid in sc.binds(rule):
                    country = sc.actors[aid].country
                    for sel in rule.to:
                        if sel == "sender":
                            out.update(self.senders(aid))
                            continue
                        out.update(t for inc in pictures
                                   for t, _ in directory.select(sel, country, inc, None)
                                   if t != aid and contacted(sc, rule, t))
            self._messaged = frozenset(out)
        return self._messaged

    def takes_in(self, aid: str, cid: str, t: float, picked_up: bool) -> float:
        """When ``aid`` takes in what reaches it on ``cid`` at ``t``, at the earliest, as
        the engine does (:meth:`sim.engine.core.Engine.takes_in`): at once on duty or on
        a channel answered around the clock; off duty, a call on one of its on-call
        channels that the duty officer picks up (``picked_up``: the incident severe
        enough, :meth:`on_call`) once answered, after the shortest ``answer_after``,
        unless the office opens first; anything else when the office next opens (it
        waits unread until the office acknowledges it)."""
        if self.around_the_clock(cid):
            return t
        opens = scenario_shift(self.sc, aid).next_on(t)
        if opens <= t:
            return t
        on_call = self.sc.actors[aid].on_call
        if picked_up and on_call is not None and cid in on_call.channels:
            return min(t + minimum(on_call.answer_after), opens)
        return opens

    def _taken_in(self, aid: str, incident: str) -> tuple[list[float], list[int]]:
        """When each timed inject about ``incident`` that states a severity counts
        towards what ``aid`` knows of it, as :meth:`severity` counts them, in time order;
        with the rank (:data:`SEVERITY_ORDER`) of the most severe stated by each of those
        times. An inject sent to ``aid`` counts once it is taken in (:meth:`takes_in`):
        a call below the on-call ``min_severity`` that reaches a closed office only when
        the office opens. A call on an on-call channel severe enough on its own word
        counts as it rings, as the engine judges a follow-up call about the incident
        with what it says while it waits to be answered. For an actor a framework rule's
        message may reach, an inject that goes to another team too counts as it goes
        out: that team may pass it on."""
        key = (aid, incident)
        found = self._taken.get(key)
        if found is not None:
            return found
        if self._stating is None:
            self._stating = {}
            for inj in self.sc.injects:
                if inj.id in self.at and inj.incident.severity:
                    self._stating.setdefault(inj.incident.id, []).append(inj)
        told = aid in self.messaged()
        on_call = self.sc.actors[aid].on_call
        taken: list[tuple[float, int]] = []
        #: the injects it learns of only from its own copy, in the order they reach it
        #: (the file's order within a minute)
        arrivals: list[tuple[float, int, Inject]] = []
        for n, inj in enumerate(self._stating.get(incident, ())):
            rank = SEVERITY_ORDER.index(inj.incident.severity)
            if told and any(t != aid for t in inj.to):
                taken.append((self.at[inj.id], rank))
            elif aid in inj.to and (arrived := self.reaches(aid, inj, self.at[inj.id])) \
                    is not None:
                arrivals.append((arrived, n, inj))
        for arrived, _, inj in sorted(arrivals, key=lambda a: a[:2]):
            stated, via = inj.incident.severity, inj.via
            rank = SEVERITY_ORDER.index(stated)
            picked_up = False
            if on_call is not None and via in on_call.channels:
                if on_call.acts_on(stated):
                    taken.append((arrived, rank))  # severe enough on its own word
                    continue
                # judged on what counts before it rings, with what it says
                known = max((r for t, r in taken if t <= arrived), default=-1)
                picked_up = on_call.acts_on(SEVERITY_ORDER[max(known, rank)])
            taken.append((self.takes_in(aid, via, arrived, picked_up), rank))
        taken.sort()
        times, ranks, top = [], [], -1
        for t, rank in taken:
            top = max(top, rank)
            times.append(t)
            ranks.append(top)
        self._taken[key] = times, ranks
        return times, ranks

    def severity(self, aid: str, incident: str, at: float,
                 stated: str | None = None) -> str | None:
        """The incident's severity as ``aid`` knows it at drill minute ``at``, as the
        engine's on-call test reads it (:meth:`sim.engine.actors.ActorState.on_call_takes`):
        the most severe stated by the timed injects sent to it that it has taken in by
        then (what reached a closed office at the earliest when the office opens; a call
        on an on-call channel once the duty officer can have answered it, or as it rings
        when severe enough on its own word) and by ``stated``, what the message being
        judged says itself; for an actor a framework rule's message may reach, by every
        timed inject due by then, which another team may have passed on. None when none
        states it (the duty officer counts that as medium)."""
        times, ranks = self._taken_in(aid, incident)
        n = bisect_right(times, at)
        top = ranks[n - 1] if n else -1
        if stated:
            top = max(top, SEVERITY_ORDER.index(stated))
        return SEVERITY_ORDER[top] if top >= 0 else None

    def on_call(self, aid: str, channels, incident: str, at: float,
                action: str | None = None, stated: str | None = None) -> float | None:
        """When the actor's duty officer takes a message arriving off duty at ``at`` on
        one of ``channels`` (the engine's on-call rule: an on-call channel, and the
        incident, as the actor knows it with what the message says, ``stated``, as
        severe as ``min_severity``), at the fastest; None when it does not, or when
        ``action`` is given and the duty officer does not carry it out (it always
        acknowledges and analyses)."""
        on_call = self.sc.actors[aid].on_call
        if on_call is None or not any(c in on_call.channels for c in channels):
            return None
        if action is not None and action not in ("acknowledge", "analyse") \
                and not on_call.carries_out(action):
            return None
        if not on_call.acts_on(self.severity(aid, incident, at, stated)):
            return None
        return at + minimum(on_call.answer_after)

    def duty(self, aid: str, t: float, inj=None) -> str:
        """Whether ``aid`` is on duty at drill minute ``t``, in words, as `drill explain`,
        the MSEL's local-time column and the controller's handout say it: on duty (or
        standing by), else off duty until when (and the holiday that keeps it off), and
        who takes inject ``inj`` meanwhile (the duty desk on a channel answered around
        the clock, or the on-call officer). An inject sent at ``t`` that a run loses for
        ``aid`` (:meth:`lost`) is said to be LOST, and why: at once, or when it is
        judged, once someone answers or service returns."""
        words = self._duty(aid, t, inj)
        lost = None if inj is None or self.at.get(inj.id) != t \
            else self.lost(aid, inj.via, t, inj.sender)
        if lost is None:
            return words
        when, reason, _ = lost
        why = INJECT_LOST[reason].format(via=inj.via)
        return f"LOST ({why})" if when == t else f"{words}; LOST at {clock_minute(when)} ({why})"

    def _duty(self, aid: str, t: float, inj=None) -> str:
        """:meth:`duty`, but for whether the inject is lost."""
        shift = scenario_shift(self.sc, aid)
        if shift.standby and shift.standing_by(t):
            return "on duty (standby)"
        if shift.on_duty(t):
            return "on duty"
        name = shift.holiday(shift.local(t).date())
        words = f"OFF duty{f' ({name})' if name else ''} until {shift.when(shift.next_on(t))}"
        if inj is None:
            return words
        on_call = self.sc.actors[aid].on_call
        if self.around_the_clock(inj.via):
            return words + (f"; the duty desk takes it at once ({inj.via} is answered around "
                            "the clock)")
        if on_call is not None and self.on_call(aid, [inj.via], inj.incident.id, t,
                                                stated=inj.incident.severity) is not None:
            return words + ("; on call takes it after about "
                            f"{format_duration(median(on_call.answer_after))}")
        return words

    def taken_up(self, aid: str, channels, incident: str, at: float,
                 action: str | None = None, stated: str | None = None) -> tuple[float, str]:
        """When work on what reaches ``aid`` at ``at`` (on one of ``channels``) can begin,
        at the fastest, and who takes it: ``now`` (on duty, or at the duty desk on a
        channel answered around the clock), ``on_call`` (the duty officer, before the
        office opens) or ``office`` (at its next opening), as the engine picks the desk
        (:meth:`sim.engine.policy.Policy.desk_for`). With ``action``: who can carry that
        action out, the office when the duty officer does not. ``stated``: the severity
        what reaches it states itself, which the duty officer weighs too."""
        if any(self.around_the_clock(c) for c in channels):
            return at, "now"
        opens = scenario_shift(self.sc, aid).next_on(at)
        if opens <= at:
            return at, "now"
        duty = self.on_call(aid, channels, incident, at, action, stated)
        if duty is not None and duty < opens:
            return duty, "on_call"
        return opens, "office"


def _utc(moment: datetime) -> str:
    """The UTC offset of ``moment``: 'UTC+07:00'."""
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:5]}"


def _either(names: Iterable[str]) -> str:
    """Names as 'A, B or C'."""
    out = list(names)
    return out[0] if len(out) == 1 else f"{', '.join(out[:-1])} or {out[-1]}"


def _and(names: Iterable[str]) -> str:
    """Names as 'A, B and C'."""
    out = list(names)
    return out[0] if len(out) == 1 else f"{', '.join(out[:-1])} and {out[-1]}"


def _soonest(span: tuple[float, bool]) -> tuple[float, bool]:
    """Sort key: the shortest first, of equal ones one a draw can reach exactly."""
    return span[0], not span[1]


@dataclass
class _Timeline:
    """When an incident's framework rules can first be carried out (see
    :meth:`_Linter._timeline`)."""

    incident: str
    #: (earliest drill minute, inject id) of each inject about it that can go out
    injects: list[tuple[float, str]]
    #: rule id -> the earliest drill minute it can be carried out (infinite: never)
    fire: dict[str, float]
    #: verb -> the earliest drill minute a rule can carry it out
    sent: dict[str, float]


class _Linter:
    def __init__(self, loaded: LoadedScenario):
        self.loaded = loaded
        self.sc = loaded.scenario
        self.directory = Directory.of(self.sc)
        self.findings: list[Finding] = []
        self.incidents = incidents(self.sc)
        self.start = self.sc.drill.start
        self.reach = Reach(self.sc)
        self.at = self.reach.at
        self.binds = {rid: self.sc.binds(rule) for rid, (_, rule) in self.sc.rules().items()}
        self.sets = self.sc.country_sets()
        self.states = self.incident_states()
        self._timelines: dict[str, _Timeline] = {}
        self._pictures: dict[tuple[str, float, frozenset[str]], Picture] = {}
        self._hears: dict[str, frozenset[str]] = {}
        self._uncontacted: dict[tuple[str, str], set[str]] | None = None

    def warn(self, code: str, path: tuple, message: str, key: bool = False) -> None:
        src = self.loaded.source
        mark = src.key_mark(path) if key else src.mark_for(path)
        dotted = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path)
        self.findings.append(Finding(mark, dotted.replace(".[", "["), code, message))

    # --- the checks --------------------------------------------------------------

    def injects_after_end(self) -> None:
        for i, inj in enumerate(self.sc.injects):
            at = self.at.get(inj.id)
            if at is not None and at >= self.sc.drill.duration:
                self.warn("inject-after-end", ("injects", i, "at"),
                          f"inject {inj.id} at {inj.at} comes after the drill ends "
                          f"({format_duration(self.sc.drill.duration)})")

    def used_channels(self) -> set[str]:
        """Channels that carry an inject, an artefact's password or a rule's message."""
        used = {inj.via for inj in self.sc.injects}
        used.update(art.protected.password_via for inj in self.sc.injects
                    for art in inj.artefacts
                    if not isinstance(art, str) and art.protected is not None)
        for _, rule in self.sc.rules().values():
            used.update(c for c in (rule.channel, *rule.fallback) if c)
        return used

    def unused_channels_and_contacts(self) -> None:
        used = self.used_channels()
        for cid in self.sc.channels:
            if cid not in used:
                self.warn("unused-channel", ("channels", cid),
                          f"channel {cid!r} is used by no inject and no rule", key=True)
        for aid, actor in self.sc.actors.items():
            for cid in actor.contacts:
                if cid not in used and cid in self.sc.channels:
                    self.warn("unused-contact", ("actors", aid, "contacts", cid),
                              f"{actor.name}'s contact on {cid!r} is never used", key=True)

    def reachable(self) -> set[str]:
        """Actors some inject or rule reaches (senders of injects take part too). A rule
        is followed for an incident only when its ``when`` holds for the actor in some
        state of that incident."""
        reached = {a for inj in self.sc.injects for a in (inj.sender, *inj.to)}
        rules = self.sc.rules()
        changed = True
        while changed:
            changed = False
            for rid, (_, rule) in rules.items():
                binds = self.binds[rid]
                for aid in list(reached):
                    spec = self.sc.actors[aid]
                    if aid not in binds:
                        continue
                    for iid, inc in self.incidents.items():
                        if all(applies(rule.when, spec.country, view, self.sets) is None
                               for view in self.states.get(iid, [inc])):
                            continue
                        for sel in rule.to:
                            for t, _ in self.directory.select(sel, spec.country, inc, None):
                                if t not in reached and contacted(self.sc, rule, t):
                                    reached.add(t)
                                    changed = True
        return reached

    def unreachable_actors(self) -> None:
        reached = self.reachable()
        # one a rule sends to on channels it has no contact on: said, with why, by
        # rule-recipient-no-contact
        addressed = {t for _, t in self.uncontacted()}
        for aid, actor in self.sc.actors.items():
            if aid not in reached and aid not in addressed:
                self.warn("unreachable-actor", ("actors", aid),
                          f"no inject or framework rule ever reaches {actor.name}", key=True)

    def rules_that_never_fire(self) -> None:
        rules = self.sc.rules()
        produced = {"inject"} if self.sc.injects else set()
        produced |= {r.action for _, r in rules.values()}
        for rid, (fid, rule) in rules.items():
            path = ("frameworks", fid, "rules", rid)
            if not self.binds[rid]:
                self.warn("rule-never-fires", path,
                          f"rule {rid!r}: no actor is {' or '.join(rule.by)}", key=True)
                continue
            if rule.on and not set(rule.on) & produced and not rule.after:
                self.warn("rule-never-fires", path,
                          f"rule {rid!r}: nothing ever sends {', '.join(rule.on)}", key=True)
                continue
            silent = [a for a in rule.after
                      if a in rules and rules[a][1].action not in MESSAGE_VERBS]
            if rule.after and len(silent) == len(rule.after) \
                    and not set(rule.on) & produced:
                # set off once the messages of the rules it follows are acknowledged:
                # an effect (a takedown, a publication) sends none
                self.warn("rule-never-fires", path,
                          f"rule {rid!r}: it follows only {', '.join(silent)}, which send"
                          f"{'s' if len(silent) == 1 else ''} no message to acknowledge",
                          key=True)
                continue
            if not self._may_apply(rule, rid):
                self.warn("rule-never-fires", path,
                          f"rule {rid!r}: its 'when' matches no incident of this drill", key=True)
                continue
            window = rule.when.local_time
            if window and not any(self._window_at_work(aid, window) for aid in self.binds[rid]):
                on_call = [self.sc.actors[a].name for a in sorted(self.binds[rid])
                           if self.sc.actors[a].on_call is not None]
                idle = "" if not on_call else (
                    f" (the duty officer of {_either(on_call)} is never called out: nothing "
                    "about an incident severe enough for it reaches it on its on-call "
                    "channels)")
                self.warn("rule-never-fires", ("frameworks", fid, "rules", rid, "when",
                                               "local_time"),
                          f"rule {rid!r}: its hours {window} never fall in the working hours "
                          "of a team that carries it out during the drill, and a team takes "
                          f"its rules up at work{idle}")

    def incident_states(self) -> dict[str, list[Picture]]:
        """Each incident as it stands after each of its injects, in the order they go out
        (one set off during the drill at the earliest it can, one nothing sets off last),
        as a team told everything so far sees it: a later inject can retype the incident,
        raise its severity, add affected and hosting countries or a suspected crime. Each
        state comes also with what the messages of the rules that can then be carried
        out imply (a police referral says a crime is suspected)."""
        order = sorted(enumerate(self.sc.injects), key=lambda pair: (
            math.inf if (out := self.earliest_out(pair[1])) is None else out, pair[0]))
        facts: dict[str, dict[str, None]] = {}
        states: dict[str, list[Picture]] = {}
        for _, inj in order:
            known = facts.setdefault(inj.incident.id, {})
            before = len(known)
            known.update(dict.fromkeys(stated_facts(inj.incident)))
            pictures = states.setdefault(inj.incident.id, [])
            if len(known) > before or not pictures:  # (facts are only ever added)
                pictures.append(Picture.of(known))
        implying = [(rid, rule) for rid, (_, rule) in self.sc.rules().items()
                    if IMPLIED_FACTS.get(rule.action)]
        for pictures in states.values():
            for picture in list(pictures):
                grown = dict.fromkeys(picture.learnt)
                while True:
                    now = Picture.of(grown)
                    more = [f for rid, rule in implying if self._may_apply(rule, rid, [now])
                            for f in IMPLIED_FACTS[rule.action] if f not in grown]
                    if not more:
                        break
                    grown.update(dict.fromkeys(more))
                    pictures.append(Picture.of(grown))
        return states

    def _timeline(self, incident: str) -> _Timeline:
        """When each framework rule can first be carried out about ``incident``, at the
        earliest, as far as is known before the drill.

        A rule is carried out once something sets it off (an inject about the incident,
        a message of a verb it is ``on``, the rules it comes ``after``) and its ``when``
        holds for an actor it binds, on what is known of the incident by then: what the
        injects that have gone out say, and what the messages that can have been sent
        imply (a police referral says a crime is suspected). Who hears what, latency,
        working hours and the time taken to act are left out, so each time is a lower
        bound."""
        found = self._timelines.get(incident)
        if found is not None:
            return found
        out = [(t, inj.id) for inj in self.sc.injects
               if inj.incident.id == incident and (t := self.earliest_out(inj)) is not None]
        rules = self.sc.rules()
        countries = {rid: {self.sc.actors[a].country for a in self.binds[rid]}
                     for rid in rules}
        line = _Timeline(incident, sorted(out), dict.fromkeys(rules, math.inf), {})
        changed = True
        while changed:
            changed = False
            line.sent = {}
            for rid, (_, rule) in rules.items():
                line.sent[rule.action] = min(line.sent.get(rule.action, math.inf),
                                             line.fire[rid])
            for rid, (_, rule) in rules.items():
                t = self._opens(line, rule, countries[rid])
                if t < line.fire[rid]:
                    line.fire[rid] = t
                    changed = True
        self._timelines[incident] = line
        return line

    def _known(self, line: _Timeline, t: float) -> Picture:
        """The incident of ``line`` as everything due by drill minute ``t`` tells it:
        the injects gone out and what the messages sent imply."""
        implied = frozenset(v for v in IMPLIED_FACTS if line.sent.get(v, math.inf) <= t)
        key = (line.incident, t, implied)
        if key not in self._pictures:
            facts: dict[str, None] = {}
            for inj in self.sc.injects:
                if inj.incident.id == line.incident \
                        and (out := self.earliest_out(inj)) is not None and out <= t:
                    facts.update(dict.fromkeys(stated_facts(inj.incident)))
            for verb in implied:
                facts.update(dict.fromkeys(IMPLIED_FACTS[verb]))
            self._pictures[key] = Picture.of(facts)
        return self._pictures[key]

    def _opens(self, line: _Timeline, rule: Rule, countries: Iterable[str | None]) -> float:
        """The earliest drill minute ``rule`` is set off and its ``when`` holds for an
        actor of one of ``countries`` on what is known of the incident then (see
        :meth:`_timeline`); infinite when it never is."""
        first = line.injects[0][0] if line.injects else math.inf
        starts = [first if "inject" in rule.on else math.inf]
        starts += [line.sent.get(v, math.inf) for v in rule.on if v != "inject"]
        if rule.after:
            starts.append(max(line.fire.get(r, math.inf) for r in rule.after))
        begin = min(starts)
        if math.isinf(begin):
            return math.inf
        grows = {t for t, _ in line.injects} | {
            t for v, t in line.sent.items() if v in IMPLIED_FACTS}
        for t in sorted({begin, *(m for m in grows if begin < m < math.inf)}):
            view = self._known(line, t)
            if any(applies(rule.when, c, view, self.sets) is not None for c in countries):
                return t
        return math.inf

    def _first_allowed(self, aid: str, e) -> tuple[float, str | None] | None:
        """When a framework rule giving ``aid`` the action of expectation ``e`` can first
        be carried out about its incident, at the earliest (:meth:`_timeline`), with the
        inject that goes out then (None when none does: what sets the rule off, or a
        message, comes then). None for an action a team takes without a rule
        (acknowledge, analyse), or when no such rule ever can be."""
        if e.action in ("acknowledge", "analyse"):
            return None
        line = self._timeline(e.incident)
        country = self.sc.actors[aid].country
        first = min((self._opens(line, rule, [country])
                     for rid, (_, rule) in self.sc.rules().items()
                     if rule.action == e.action and aid in self.binds[rid]),
                    default=math.inf)
        if math.isinf(first):
            return None
        return first, next((i for t, i in line.injects if t == first), None)

    def _window_at_work(self, aid: str, window: str) -> bool:
        """Whether some minute of the drill falls within ``window`` ('HH:MM-HH:MM') of
        ``aid``'s day while it is at work: always for a team staffed around the clock or
        with a duty officer who may be called out (:meth:`_called_out`: it may take a
        rule up at night)."""
        actor = self.sc.actors[aid]
        if actor.always_on or self._called_out(aid):
            return True
        opening, closing = parse_range(window)
        shift = scenario_shift(self.sc, aid)
        zone = ZoneInfo(actor.timezone)
        start = self.sc.drill.start
        for t in range(math.ceil(self.sc.drill.duration) + 1):
            local = (start + timedelta(minutes=t)).astimezone(zone)
            if opening <= local.hour * 60 + local.minute < closing and shift.on_duty(t):
                return True
        return False

    def _called_out(self, aid: str) -> bool:
        """Whether ``aid``'s duty officer may be called out during the drill: something
        may reach the team on one of its on-call channels (an inject that is not lost,
        or a framework rule's message that may go on such a channel) about an incident
        that can be severe enough for it (``min_severity``, as the most severe any
        inject states; an incident of no known severity counts as medium). Below that,
        a call waits unread for the office (:meth:`Reach.takes_in`), and the duty
        officer never takes anything up at night."""
        on_call = self.sc.actors[aid].on_call
        if on_call is None:
            return False
        calls = set(on_call.channels) & set(self.sc.actors[aid].contacts)
        if not calls:
            return False
        messages = any(rule.action in MESSAGE_VERBS and (
            rule.channel is None or calls & {rule.channel, *rule.fallback})
            for _, rule in self.sc.rules().values())
        for iid in self.incidents:
            about = [inj for inj in self.sc.injects if inj.incident.id == iid]
            stated = [i.incident.severity for i in about if i.incident.severity]
            if not on_call.acts_on(None) and not on_call.acts_on(
                    max(stated, key=SEVERITY_ORDER.index) if stated else None):
                continue
            if any(aid in inj.to and inj.via in calls and (
                    inj.id not in self.at or self.reach.reaches(aid, inj, self.at[inj.id])
                    is not None) for inj in about):
                return True
            if messages and aid in self.hears(iid):
                return True
        return False

    def _may_apply(self, rule: Rule, rid: str, pictures: list[Picture] | None = None) -> bool:
        """Whether the rule's ``when`` holds for an actor it binds in some state of some
        incident (or in one of ``pictures``)."""
        views = pictures if pictures is not None else \
            [p for states in self.states.values() for p in states]
        return any(applies(rule.when, self.sc.actors[aid].country, view, self.sets) is not None
                   for aid in self.binds[rid] for view in views)

    def _deadline(self, exp_index: int) -> tuple[float, float] | None:
        """(anchor, deadline) in drill minutes, when known before the drill."""
        e = self.sc.expectations[exp_index]
        if e.after == "incident":
            times = [self.at[i.id] for i in self.sc.injects
                     if i.incident.id == e.incident and i.id in self.at]
            anchor = min(times) if times else None
        else:
            anchor = self.at.get(e.after)
        return None if anchor is None else (anchor, anchor + e.within)

    def earliest_out(self, inj) -> float | None:
        """The earliest drill time inject ``inj`` can go out: its time; for one set off
        during the drill, its delay after the earliest that can set it off (an
        expectation that fires a contingency falling due, or its anchor, as far as that
        is known before the drill; an action, from the start). None when nothing sets
        it off."""
        if inj.id in self.at:
            return self.at[inj.id]
        if inj.after_action is not None:
            return inj.delay
        fired_by = [(n, how) for n, e in enumerate(self.sc.expectations)
                    for how, x in e.contingencies().items() if x == inj.id]
        if not fired_by:
            return None
        earliest = 0.0
        windows = [(self._deadline(n), how) for n, how in fired_by]
        if all(w is not None for w, _ in windows):
            earliest = min(w[1] if how in ("missed", "late") else w[0]
                           for w, how in windows if w is not None)
        return earliest + inj.delay

    def _anchor_inject(self, e) -> list:
        if e.after == "incident":
            injects = [i for i in self.sc.injects
                       if i.incident.id == e.incident and i.id in self.at]
            return sorted(injects, key=lambda i: self.at[i.id])[:1]
        return [i for i in self.sc.injects if i.id == e.after and i.id in self.at]

    def _opens_incident(self, e, anchor: float) -> bool:
        """Whether nothing about the expectation's incident can go out before its anchor:
        then no actor can have started on the incident (acknowledged, analysed or begun
        drafting) before it, and the fastest completion counts from the anchor."""
        return all(out is None or out >= anchor
                   for out in (self.earliest_out(i) for i in self.sc.injects
                               if i.incident.id == e.incident))

    def _message_latency(self, aid: str, verb: str) -> tuple[float, bool]:
        """The shortest time a message of ``verb`` from ``aid`` takes to arrive (and
        whether it can take exactly that): the channels of the rules it acts on,
        with their latencies between particular actors; every channel when a rule
        leaves the channel open."""
        ways: set[str] = set()
        for rid, (_, rule) in self.sc.rules().items():
            if rule.action != verb or aid not in self.binds[rid]:
                continue
            if rule.channel is None:
                ways = set(self.sc.channels)
                break
            ways.update(c for c in (rule.channel, *rule.fallback) if c)
        if not ways:
            ways = set(self.sc.channels)
        spans = [_least(d) for c in ways if c in self.sc.channels
                 for d in (self.sc.channels[c].latency,
                           *(p.latency for p in self.sc.channels[c].pair_latency))]
        return min(spans, key=_soonest) if spans else (0.0, True)

    def _taking_in(self, aid: str, e) -> tuple[float, bool]:
        """The shortest worked time ``aid`` takes to acknowledge the first item about
        an incident and, unless ``e`` asks only for the acknowledgement, analyse it
        (and whether it can take exactly that)."""
        pol = self.sc.actors[aid].policy
        steps = [_least(pol.ack_delay)]
        if e.action != "acknowledge":
            steps.append(_least(pol.analysis_time))
        return sum(m for m, _ in steps), all(exact for _, exact in steps)

    def _carrying_out(self, aid: str, e) -> tuple[float, bool]:
        """The shortest worked time ``aid`` takes to draft or carry out ``e``'s action
        once the incident is analysed, with, for a message that must be delivered or
        acknowledged, its channel's latency (and whether it can take exactly that);
        nothing for acknowledging or analysing."""
        if e.action in ("acknowledge", "analyse"):
            return 0.0, True
        pol = self.sc.actors[aid].policy
        steps = [_least(pol.action_time.get(e.action, pol.drafting_time))]
        if e.action in MESSAGE_VERBS and e.reach != "sent":
            steps.append(self._message_latency(aid, e.action))
        return sum(m for m, _ in steps), all(exact for _, exact in steps)

    def _acting_after(self, aid: str, e, since: float,
                      stated: str | None = None) -> tuple[float, bool]:
        """The earliest ``aid`` can complete the action of expectation ``e`` when a rule
        giving it that action can apply only from drill minute ``since`` on (and whether
        a draw can be exactly that): someone at its desk then (on duty, at a duty desk
        on a channel answered around the clock, or its on-call officer, who weighs the
        severity what reaches it then states, ``stated``), the shortest time its policy
        takes to draft the action and, for a message that must arrive, the message's
        latency."""
        actor = self.sc.actors[aid]
        ways = [c for c in actor.contacts if c in self.sc.channels]
        at, who_takes = self.reach.taken_up(aid, ways, e.incident, since, e.action,
                                            stated)
        exact = True
        if who_takes == "on_call":
            exact = _least(actor.on_call.answer_after)[1]  # type: ignore[union-attr]
        took, certain = self._carrying_out(aid, e)
        return at + took, exact and certain

    def deadlines_too_short(self) -> None:
        """Deadlines shorter than the fastest path: channel latency, working hours and
        the shortest times the actor's policy takes to act."""
        for n, e in enumerate(self.sc.expectations):
            window = self._deadline(n)
            if window is None:
                continue
            anchor, deadline = window
            direct = {a: inj for inj in self._anchor_inject(e) for a in inj.to}
            first = self._opens_incident(e, anchor)
            bounds = []
            heard = self.hears(e.incident)
            for aid in e.actors:
                if aid not in heard:
                    continue  # it never acts on the incident (expectation-never-met)
                actor = self.sc.actors[aid]
                arrival, exact = anchor, True
                # the severity the anchor inject states, which the duty officer weighs
                stated = None
                if aid not in direct:
                    ways = [c for c in actor.contacts if c in self.sc.channels]
                    lat = [_least(self.sc.channels[c].latency) for c in ways]
                    if lat:
                        least, exact = min(lat, key=_soonest)
                        arrival += least
                else:
                    # control's injects reach their recipients as they go out
                    ways = [direct[aid].via]
                    stated = direct[aid].incident.severity
                earliest, who_takes = self.reach.taken_up(aid, ways, e.incident, arrival,
                                                          stated=stated)
                if who_takes == "office":
                    exact = True
                elif who_takes == "on_call":
                    exact = _least(actor.on_call.answer_after)[1]  # type: ignore[union-attr]
                # the office, when the duty officer takes the item but does not carry
                # the action out: it drafts the action once it opens
                opens, who_acts = self.reach.taken_up(aid, ways, e.incident, arrival,
                                                      e.action, stated)
                if first:
                    took, certain = self._taking_in(aid, e)
                    earliest += took
                    exact = exact and certain
                    if who_acts != who_takes and opens > earliest:
                        # (at a tie, the duty officer's part must be exact too)
                        earliest, exact = opens, True
                    took, certain = self._carrying_out(aid, e)
                    earliest += took
                    exact = exact and certain
                elif who_acts != who_takes:
                    earliest, exact = opens, True
                allowed = self._first_allowed(aid, e)
                if allowed is not None and anchor <= allowed[0]:
                    # no rule has it take the action before a later inject: it drafts
                    # the action once that inject's facts may have reached it
                    later_inj = next((i for i in self.sc.injects if i.id == allowed[1]),
                                     None)
                    later, certain = self._acting_after(
                        aid, e, allowed[0],
                        later_inj.incident.severity
                        if later_inj is not None and aid in later_inj.to else None)
                    if later > earliest or (later == earliest and exact and not certain):
                        earliest, exact = later, certain
                    else:
                        allowed = None  # the path from the anchor is the longer
                else:
                    allowed = None
                bounds.append((earliest, not exact, aid, allowed))
            if not bounds:
                continue  # no actor to bound: none ever hears of the incident
            fastest, inexact, who, allowed = (min if e.require == "any" else max)(
                bounds, key=lambda b: b[:3])
            # what is done at the very minute of the deadline is in time; a fastest
            # completion that no draw reaches exactly is always later than that
            if fastest > deadline or (fastest == deadline and inexact):
                local = scenario_shift(self.sc, who).when(fastest)
                name = self.sc.actors[who].name
                span = format_duration(fastest - anchor)
                if allowed is not None:
                    since, iid = allowed
                    when = format_drill_time(since)
                    if iid is None:
                        until = f"before {when} at the earliest"
                    else:
                        soonest = "" if iid in self.at else " at the earliest"
                        until = (f"until inject {iid} ({when}{soonest}) gives the incident "
                                 "what the rule asks for")
                    more = "" if fastest > deadline else "just after "
                    self.warn("deadline-too-short", ("expectations", n, "within"),
                              f"expectation {e.id} is due {format_duration(e.within)} after "
                              f"its anchor, at {format_drill_time(deadline)}, but no rule has "
                              f"{name} {e.action} {until}, so it cannot complete it before "
                              f"{more}{format_drill_time(fastest)} ({local} local)")
                    continue
                if not first:
                    # it may have taken the incident up before the anchor
                    why = (f"{name} cannot act before {span} ({local} local, the start of "
                           "its working hours after the fastest delivery)")
                else:
                    more = "" if fastest > deadline else "more than "
                    why = (f"{name} cannot complete it in {more}{span} ({local} local: the "
                           "fastest delivery, its working hours and its shortest times to "
                           f"{_steps(e)})")
                self.warn("deadline-too-short", ("expectations", n, "within"),
                          f"expectation {e.id} is due {format_duration(e.within)} after its "
                          f"anchor, but {why}")

    def short_deadlines_off_duty(self) -> None:
        for n, e in enumerate(self.sc.expectations):
            window = self._deadline(n)
            if window is None:
                continue
            _, deadline = window
            for inj in self._anchor_inject(e):
                i = self.sc.injects.index(inj)
                for aid in inj.to:
                    if aid not in e.actors:
                        continue
                    shift = scenario_shift(self.sc, aid)
                    at = self.at[inj.id]
                    taken, who_takes = self.reach.taken_up(aid, [inj.via], inj.incident.id,
                                                           at, e.action,
                                                           inj.incident.severity)
                    if who_takes != "now" and taken >= deadline:
                        self.warn(
                            "off-duty-deadline", ("injects", i, "at"),
                            f"inject {inj.id} reaches {self.sc.actors[aid].name} at "
                            f"{shift.local(at):%a %H:%M} local, off duty until "
                            f"{shift.when(shift.next_on(at))}, after expectation "
                            f"{e.id}'s deadline")

    def injects_on_days_off(self) -> None:
        """Injects that reach a team on a public holiday or a day off in its week."""
        for i, inj in enumerate(self.sc.injects):
            at = self.at.get(inj.id)
            if at is None or at >= self.sc.drill.duration:
                continue  # after the end it never arrives (inject-after-end says so)
            for aid in dict.fromkeys(inj.to):
                actor = self.sc.actors[aid]
                shift = scenario_shift(self.sc, aid)
                if shift.on_duty(at) or self.reach.around_the_clock(inj.via):
                    continue  # (the duty desk takes what comes on a 24/7 channel at once)
                day = shift.local(at).date()
                until = shift.when(shift.next_on(at), "%a %d %b %H:%M")
                then = f"it waits until {until} local"
                if actor.on_call is not None and self.reach.on_call(
                        aid, [inj.via], inj.incident.id, at,
                        stated=inj.incident.severity) is not None:
                    # as off-duty-deadline: a severe enough call on an on-call channel
                    then = (f"its on-call officer takes it after about "
                            f"{format_duration(median(actor.on_call.answer_after))} (the "
                            f"office reopens {until} local)")
                name = shift.holiday(day)
                if name is not None:
                    if day in shift.holidays:
                        why = f"on {day:%a %d %b}, a holiday listed for {actor.name}"
                    else:
                        country, subdivision = shift.calendar or ("", None)
                        where = f"{country}-{subdivision}" if subdivision else country
                        why = f"on {name} ({day:%a %d %b}), a public holiday in {where}"
                    self.warn("inject-on-holiday", ("injects", i, "at"),
                              f"inject {inj.id} reaches {actor.name} {why}; {then}")
                elif not shift.ranges(day):
                    self.warn("inject-on-day-off", ("injects", i, "at"),
                              f"inject {inj.id} reaches {actor.name} on a {day:%A}, not a "
                              f"working day in its week; {then}")

    def injects_held_past_end(self) -> None:
        """Injects that would reach a recipient only once the drill has ended, held on a
        channel that waits for someone at the desk (a phone call to a closed office):
        they never arrive. For an inject set off during the drill (a contingency, one
        after an action), only when even its earliest time is too late: from then on
        nobody answers before the end."""
        end = self.sc.drill.duration
        for i, inj in enumerate(self.sc.injects):
            at = self.at.get(inj.id)
            out = at if at is not None else self.earliest_out(inj)
            if out is None or out >= end or not self.sc.channels[inj.via].needs_receiver_on_duty:
                continue  # never sent (inject-after-end, contingency-never-triggers), or sent
            late: dict[tuple[float, str], list[str]] = {}
            for aid in dict.fromkeys(inj.to):
                name = self.sc.actors[aid].name
                if inj.via not in self.sc.actors[aid].contacts:
                    continue
                if at is not None:
                    got = self.reach.delivered(aid, inj.via, at, inj.sender)
                    if got is None or got[0] < end or not got[2]:
                        continue  # in time, lost, or held by an outage alone
                    late.setdefault((got[0], got[1].replace(f"{aid}'s", f"{name}'s")),
                                    []).append(aid)
                elif (t := self.reach.answered(aid, inj.via, out)) >= end:
                    late.setdefault((t, f"on {inj.via!r} it waits for someone at {name}'s "
                                        "desk"), []).append(aid)
            what = f"inject {inj.id}" if at is not None else f"{inj.type} inject {inj.id}"
            sent = f"at {inj.at}" if at is not None else \
                f"at {format_drill_time(out)} at the earliest"
            for (t, why), who in late.items():
                names = [self.sc.actors[a].name for a in who]
                whom = names[0] if len(names) == 1 else \
                    ", ".join(names[:-1]) + " and " + names[-1]
                if math.isinf(t):
                    until = "and nobody is there again"
                else:
                    local = scenario_shift(self.sc, who[0]).when(t, "%a %d %b %H:%M")
                    until = f"until {format_drill_time(t)} ({local} local)"
                self.warn("inject-held-past-end", ("injects", i, "via"),
                          f"{what} goes to {whom} {sent}, but {why} {until}, after the "
                          f"drill ends ({format_duration(end)}): it never arrives")

    def calendar_entries(self) -> None:
        """Standby windows, holidays, special hours and on-call tiers that can never
        apply during the drill."""
        sc = self.sc
        end = sc.drill.duration
        for n, w in enumerate(sc.drill.standby):
            begin, _ = sc.drill.standby_window(w)
            if begin >= end:
                self.warn("standby-after-end", ("drill", "standby", n, "start"),
                          f"the standby of {', '.join(w.actors)} begins after the drill ends "
                          f"({format_duration(end)}), so it never applies")
        margin = timedelta(days=1)  # a date written in another time zone's terms
        for aid, actor in sc.actors.items():
            shift = scenario_shift(sc, aid)
            first, last = shift.local(0).date(), shift.local(end).date()
            during = f"the drill's dates ({first} to {last} in {actor.name}'s time zone)" \
                if first != last else f"the drill's date ({first} in {actor.name}'s time zone)"
            for k, day in enumerate(actor.holidays):
                if not first - margin <= day <= last + margin:
                    self.warn("holiday-outside-drill", ("actors", aid, "holidays", k),
                              f"{actor.name}'s holiday {day} falls outside {during}, so it "
                              "never applies")
            for k, special in enumerate(actor.special_hours):
                if special.end < first - margin or special.start > last + margin:
                    self.warn("holiday-outside-drill", ("actors", aid, "special_hours", k),
                              f"{actor.name}'s special hours {special.start}..{special.end} "
                              f"fall outside {during}, so they never apply")
            if actor.always_on and actor.on_call is not None:
                # at the on-call tier, unless only the library gives it: at the staffing
                path, key = self._mine(("actors", aid, "on_call"),
                                       ("actors", aid, "staffing"))
                self.warn("on-call-always-on", path,
                          f"{actor.name} is staffed 24/7, so it is never off duty and its "
                          "on-call tier never acts", key=not key)

    def weekends_of_subdivisions(self) -> None:
        """Teams in, or taking the public holidays of, a state with a Friday-Saturday
        weekend (the `holidays` package gives its holidays, not its weekend) that work
        on Friday or are off on Sunday."""
        default = self.sc.drill.public_holidays
        for aid, actor in self.sc.actors.items():
            if actor.always_on:
                continue  # never off duty: it has no weekend
            ph = actor.public_holidays
            calendar = actor.calendar(default)
            if calendar is not None and calendar[0] == "MY" \
                    and calendar[1] in _FRI_SAT_STATES:
                state, sub = _FRI_SAT_STATES[calendar[1]], calendar[1]
                where = f"takes the public holidays of {state} (MY subdivision {sub})"
                set_in = "public_holidays" if getattr(ph, "subdivision", None) else None
            elif actor.country == "MY" and actor.subdivision in _FRI_SAT_STATES:
                state, sub = _FRI_SAT_STATES[actor.subdivision], actor.subdivision
                where = f"works in {state} (MY subdivision {sub})"
                set_in = None
            else:
                continue
            week = actor.week
            wrong = [w for w, bad in (("works on Friday", bool(week[4])),
                                      ("is off on Sunday", not week[6])) if bad]
            if not wrong:
                continue
            if actor.working_pattern is not None:
                fix = ("run its working_pattern from Sunday to Thursday (sun-thu), with "
                       "Friday and Saturday off")
                hours = ("actors", aid, "working_pattern")
            else:
                fix = "give it working_days: [sun, mon, tue, wed, thu]"
                hours = ("actors", aid, "working_days")
            path = ("actors", aid, *((set_in,) if set_in else ()), "subdivision")
            written = self.loaded.source.mark_for(hours) is not None
            path, key = self._mine(path, *((hours,) if written else ()))
            self.warn("weekend-of-subdivision", path,
                      f"{actor.name} {where}, a state with a Friday-Saturday weekend, but "
                      f"{' and '.join(wrong)}: the holidays package gives the state's "
                      f"holidays, not its weekend; {fix}", key=key)

    def contingencies(self) -> None:
        #: for each contingency inject, (expectation index, what fires it)
        referenced: dict[str, list[tuple[int, str]]] = {}
        for n, e in enumerate(self.sc.expectations):
            for how, inject in e.contingencies().items():
                referenced.setdefault(inject, []).append((n, how))
        for i, inj in enumerate(self.sc.injects):
            if inj.type != "contingency":
                continue
            if inj.id not in referenced:
                self.warn("contingency-never-triggers", ("injects", i, "id"),
                          f"contingency inject {inj.id} is named by no expectation, so it "
                          "never fires")
                continue
            # an expectation is missed, or met late, only once it falls due; it can be met,
            # or a message for it lost, from its anchor on; the inject comes its delay later
            earliest = []
            for n, how in referenced[inj.id]:
                window = self._deadline(n)
                if window is None:
                    break  # anchored on what is known only during the drill
                earliest.append((window[1] if how in ("missed", "late") else window[0])
                                + inj.delay)
            else:
                end = self.sc.drill.duration
                if min(earliest) < end:
                    continue
                if not inj.delay and all(how in ("missed", "late")
                                         for _, how in referenced[inj.id]):
                    self.warn("contingency-never-triggers", ("injects", i, "id"),
                              f"contingency inject {inj.id}: every expectation that fires it "
                              "falls due after the drill ends")
                    continue
                when = (f"fires {format_duration(inj.delay)} after what fires it: at "
                        if inj.delay else "can fire at ")
                self.warn("contingency-never-triggers",
                          ("injects", i, "delay" if inj.delay else "id"),
                          f"contingency inject {inj.id} {when}"
                          f"{format_drill_time(min(earliest))} at the earliest, when the drill "
                          f"has ended ({format_duration(end)})")

    def hold_until_order(self) -> None:
        """Held rules whose hold can never lift, and expectations against the order.

        A rule held until another (``hold_until``) waits for its own actor to carry that
        one out: the hold never lifts when that rule is switched off, when no actor the
        held rule binds carries it out, or when it waits for the held rule in turn. A
        finding about a library rule that the scenario's own override causes is given at
        the override. An expectation that the held action happen by a deadline earlier
        than the one it sets for the rule held on contradicts that order.
        """
        rules = self.sc.rules()
        every = {rid: (fid, r) for fid, fw in self.sc.frameworks.items()
                 for rid, r in fw.rules.items()}
        for rid, (fid, rule) in rules.items():
            here = ("frameworks", fid, "rules", rid, "hold_until")
            off = [first for first in rule.hold_until if first not in rules and first in every]
            for first in off:
                ffid = every[first][0]
                # a library rule waiting for one the scenario switches off: at the switch
                switch = ("frameworks", ffid, "rules", first, "enabled") \
                    if not every[first][1].enabled else ("frameworks", ffid, "enabled")
                path, key = self._mine(here, switch)
                self.warn("hold-never-lifts", path,
                          f"rule {rid!r} waits for rule {first!r}, which is switched off, so "
                          f"its {rule.action} never happens", key=key)
            if off or not self.binds[rid]:
                continue  # switched off (said above), or for nobody (rule-never-fires)
            why = {hold_never_lifts(rules, self.binds, rid, a) for a in self.binds[rid]}
            if None in why:
                continue
            first, reason = min((w for w in why if w is not None),
                                key=lambda w: (rule.hold_until.index(w[0]), w[1]))
            fails = f"so its {rule.action} never happens"
            # (not the same for every actor it binds)
            if len({w[0] for w in why if w is not None}) > 1:
                said = (f"waits for rules {', '.join(map(repr, rule.hold_until))}, and none of "
                        "the actors it binds carries out all of them itself")
            elif len(why) > 1:
                said = (f"waits for rule {first!r}, which none of the actors it binds can "
                        "carry out itself")
            elif reason == "other":
                said = (f"waits for rule {first!r}, which none of its own actors carries out "
                        "(a hold waits for the acting actor itself)")
            elif reason == "circle":
                said = f"waits for rule {first!r}, which waits for it in turn"
            else:
                said = f"waits for rule {first!r}, whose own hold never lifts"
            path, key = self._mine(here, ("frameworks", rules[first][0], "rules", first, "by"),
                                   ("frameworks", fid, "rules", rid, "by"))
            self.warn("hold-never-lifts", path, f"rule {rid!r} {said}, {fails}", key=key)
        for n, e in enumerate(self.sc.expectations):
            window = self._deadline(n)
            if window is None:
                continue
            for rid, (_, rule) in rules.items():
                if rule.action != e.action or not set(e.actors) & self.binds[rid]:
                    continue
                for first in rule.hold_until:
                    action = rules[first][1].action if first in rules else None
                    for m, other in enumerate(self.sc.expectations):
                        other_window = self._deadline(m)
                        if (other.action != action or other.incident != e.incident
                                or not set(other.actors) & set(e.actors)
                                or other_window is None):
                            continue
                        if window[1] < other_window[1]:
                            self.warn(
                                "hold-until-order", ("expectations", n, "within"),
                                f"expectation {e.id} wants {e.action} by "
                                f"{format_duration(window[1])} into the drill, but rule "
                                f"{rid!r} holds it until {action} ({first!r}), which "
                                f"expectation {other.id} allows until "
                                f"{format_duration(other_window[1])}")

    # --- what can never be satisfied ----------------------------------------------

    def _mine(self, *paths: tuple) -> tuple[tuple, bool]:
        """Where to warn: the first of ``paths`` written in the scenario rather than in
        the library, where the organiser can change what the finding is about (a library
        rule's finding caused by the scenario's own override, given at its key); when
        every one is the library's, the first (left out, as any finding about the
        library). With whether to warn at the key."""
        mine = next((p for p in paths if not self._in_library(p)), paths[0])
        return mine, mine is not paths[0]

    def _in_library(self, path: tuple) -> bool:
        mark = self.loaded.source.mark_for(path)
        return mark is not None and str(Path(mark.file).resolve()).startswith(
            str(library_dir()))

    def _nobody(self, selector: str, aid: str, inc: Picture) -> bool:
        if selector == "sender":
            return False  # whoever set the rule off: not known before the drill
        spec = self.sc.actors[aid]
        return not [t for t, _ in self.directory.select(selector, spec.country, inc, None)
                    if t != aid]

    def hears(self, incident: str) -> frozenset[str]:
        """Actors that can hear of ``incident``: the recipients of its injects, and
        whoever a framework rule of an actor that hears of it addresses, in a state of
        the incident where the rule's ``when`` holds for that actor. A rule that answers
        its ``sender`` addresses whoever may have told the actor of the incident
        (:meth:`Reach.senders`): the senders of its injects to the actor, and the teams
        whose rules address the actor here."""
        if incident in self._hears:
            return self._hears[incident]
        heard = {a for inj in self.sc.injects if inj.incident.id == incident for a in inj.to}
        views = self.states.get(incident) or [
            self.incidents[i] for i in (incident,) if i in self.incidents]
        rules = [(rid, rule) for rid, (_, rule) in self.sc.rules().items()
                 if rule.action in MESSAGE_VERBS]
        answering = any("sender" in rule.to for _, rule in rules)
        #: actor -> the teams whose rules may message it about the incident
        told: dict[str, set[str]] = {}
        changed = True
        while changed:
            changed = False
            for rid, rule in rules:
                for aid in self.binds[rid] & heard:
                    country = self.sc.actors[aid].country
                    asked: list[str | None] = [None]
                    if "sender" in rule.to:
                        asked += sorted(self.reach.senders(aid, incident, told.get(aid, ())))
                    for view in views:
                        if applies(rule.when, country, view, self.sets) is None:
                            continue
                        for sender in asked:
                            for t, _ in self.directory.targets(rule, aid, country, view,
                                                               sender):
                                if not contacted(self.sc, rule, t):
                                    continue  # lost at once (rule-recipient-no-contact)
                                if t not in heard:
                                    heard.add(t)
                                    changed = True
                                if answering and aid not in told.setdefault(t, set()):
                                    told[t].add(aid)
                                    changed = True
        self._hears[incident] = frozenset(heard)
        return self._hears[incident]

    def uncontacted(self) -> dict[tuple[str, str], set[str]]:
        """Recipients that a message rule addresses but can never reach, having no point
        of contact on its channel or fallbacks: (rule id, recipient) -> the actors that
        hear of an incident and would send it, in a state of the incident where the
        rule's ``when`` holds for them, and that may receive what sets the rule off (an
        inject about the incident, or a message of a verb it is ``on``)."""
        if self._uncontacted is not None:
            return self._uncontacted
        found: dict[tuple[str, str], set[str]] = {}
        rules = [(rid, rule) for rid, (_, rule) in self.sc.rules().items()
                 if rule.action in MESSAGE_VERBS]
        for iid in self.incidents:
            heard = self.hears(iid)
            views = self.states.get(iid) or [self.incidents[iid]]
            #: what each actor may receive about the incident: an inject, or a message
            received: dict[str, set[str]] = {}
            for inj in self.sc.injects:
                if inj.incident.id == iid:
                    for a in inj.to:
                        received.setdefault(a, set()).add("inject")
            sends: list[tuple[str, Rule, str, list[str]]] = []
            for rid, rule in rules:
                for aid in sorted(self.binds[rid] & heard):
                    country = self.sc.actors[aid].country
                    found_here = [t for view in views
                                  if applies(rule.when, country, view, self.sets) is not None
                                  for t, _ in self.directory.targets(rule, aid, country, view,
                                                                     None)]
                    sends.append((rid, rule, aid, list(dict.fromkeys(found_here))))
                    for t in found_here:
                        if contacted(self.sc, rule, t):
                            received.setdefault(t, set()).add(rule.action)
            for rid, rule, aid, targets in sends:
                if not rule.after and not set(rule.on) & received.get(aid, set()):
                    continue  # nothing sets it off for this actor
                for t in targets:
                    if not contacted(self.sc, rule, t):
                        found.setdefault((rid, t), set()).add(aid)
        self._uncontacted = found
        return found

    def recipients_without_contact(self) -> None:
        """Recipients a rule's selector finds that have no point of contact on any of
        the rule's channels: the engine loses every message to them at once."""
        rules = self.sc.rules()
        for (rid, t), senders in self.uncontacted().items():
            fid, rule = rules[rid]
            target = self.sc.actors[t]
            ways = _either([c for c in (rule.channel, *rule.fallback) if c])
            whom = _and([self.sc.actors[a].name for a in sorted(senders)])
            path, key = self._mine(("frameworks", fid, "rules", rid, "to"),
                                   ("actors", t, "contacts"), ("actors", t))
            self.warn("rule-recipient-no-contact", path,
                      f"rule {rid!r} ({rule.action}) sends to {target.name} on {ways}, where "
                      f"it has no point of contact (it has: "
                      f"{', '.join(target.contacts) or 'none'}), so the message of {whom} "
                      "never reaches it", key=key)

    def _done_by_rule(self, aid: str, e, inc: Picture) -> tuple[bool, bool]:
        """Whether a framework rule has ``aid`` take ``e``'s action about its incident,
        and whether one does so towards ``e``'s target (for a message, a recipient the
        target names relative to ``aid``)."""
        country = self.sc.actors[aid].country
        views = self.states.get(e.incident) or [inc]
        wanted = None if e.target is None or e.action not in MESSAGE_VERBS else {
            t for t, _ in self.directory.select(e.target, country, inc, None)}
        acts = False
        for rid, (_, rule) in self.sc.rules().items():
            if rule.action != e.action or aid not in self.binds[rid]:
                continue
            held = [v for v in views if applies(rule.when, country, v, self.sets) is not None]
            if not held:
                continue
            acts = True
            if wanted is None or "sender" in rule.to or e.target == "sender":
                return True, True  # whoever set the rule off: not known before the drill
            if any(t in wanted for v in held
                   for t, _ in self.directory.targets(rule, aid, country, v, None)):
                return True, True
        return acts, False

    def _never_met_by(self, n: int, e, inc: Picture) -> bool:
        """Warn when the actors of expectation ``n`` never hear of its incident, or when
        no framework rule has them take its action towards its target (only a person
        playing one of them could then meet it). Whether it warned."""
        def blocks(stuck: list[str]) -> bool:
            return bool(stuck) and (e.require != "any" or len(stuck) == len(e.actors))

        heard = self.hears(e.incident)
        deaf = [a for a in e.actors if a not in heard]
        if blocks(deaf):
            who = _either(self.sc.actors[a].name for a in deaf)
            self.warn("expectation-never-met", ("expectations", n, "actors"),
                      f"expectation {e.id} can never be met: no inject or framework rule "
                      f"ever tells {who} of incident {e.incident!r}")
            return True
        if e.action in ("acknowledge", "analyse"):
            return False  # every team does them for what it hears of, with no rule
        done = {a: self._done_by_rule(a, e, inc) for a in e.actors}
        stuck = [a for a, (_, towards) in done.items() if not towards]
        if not blocks(stuck):
            return False
        who = _either(self.sc.actors[a].name for a in stuck)
        what = e.action.replace("_", " ")
        one = "it" if len(stuck) == 1 else "one of them"
        if e.target is not None and any(acts for a, (acts, _) in done.items() if a in stuck):
            path, what = ("expectations", n, "target"), f"{what} to {e.target!r}"
        else:
            path = ("expectations", n, "action")
        self.warn("expectation-never-met", path,
                  f"expectation {e.id} is never met by the simulated teams: no framework "
                  f"rule has {who} {what} about incident {e.incident!r} (only a person "
                  f"playing {one} can meet it)")
        return True

    def expectations_never_met(self) -> None:
        """Expectations whose target finds nobody for their actors (no recipient of a
        message, no sender of what is acknowledged), whose actors never hear of the
        incident or are led by no framework rule to take the action towards the target,
        or that fall due when the drill cannot judge them."""
        end = self.sc.drill.duration
        for n, e in enumerate(self.sc.expectations):
            inc = self.incidents.get(e.incident)
            warned = False
            if e.target is not None and inc is not None:
                stuck = [a for a in e.actors if self._nobody(e.target, a, inc)]
                if stuck and (e.require != "any" or len(stuck) == len(e.actors)):
                    who = ", ".join(self.sc.actors[a].name for a in stuck)
                    whom = "sender" if e.action == "acknowledge" else "recipient"
                    self.warn("expectation-never-met", ("expectations", n, "target"),
                              f"expectation {e.id} can never be met: {e.target!r} finds no "
                              f"{whom} for {who} (no such actor"
                              f"{' in its country' if e.target in _LOCAL else ''})")
                    warned = True
            if not warned and inc is not None:
                self._never_met_by(n, e, inc)
            window = self._deadline(n)
            if window is None:
                continue
            anchor, deadline = window
            if anchor >= end:
                self.warn("expectation-after-end", ("expectations", n, "after"),
                          f"expectation {e.id} is anchored at {format_duration(anchor)} into "
                          f"the drill, after it ends ({format_duration(end)}): it is never "
                          "judged")
            elif deadline > end:
                self.warn("expectation-after-end", ("expectations", n, "within"),
                          f"expectation {e.id} falls due {format_duration(deadline)} into "
                          f"the drill, after it ends ({format_duration(end)}): it can be met "
                          "but never missed, and is left open")

    def rules_without_recipient(self) -> None:
        """Message rules whose 'to' finds nobody for an actor they bind."""
        reached = self.reachable()
        for rid, (fid, rule) in self.sc.rules().items():
            if rule.action not in MESSAGE_VERBS or "sender" in rule.to:
                continue
            stuck = []
            bound = self.sc.binds(rule)  # by kind, id, country, group or team
            for aid, spec in self.sc.actors.items():
                if aid not in reached or aid not in bound:
                    continue
                views = [inc for inc in self.incidents.values()
                         if applies(rule.when, spec.country, inc, self.sc.country_sets())
                         is not None]
                if views and not any(self.directory.targets(rule, aid, spec.country, inc, None)
                                     for inc in views):
                    stuck.append(aid)
            if not stuck:
                continue
            path = ("frameworks", fid, "rules", rid, "to")
            names = ", ".join(self.sc.actors[a].name for a in stuck)
            message = (f"rule {rid!r} ({rule.action}) finds no recipient in "
                       f"{', '.join(rule.to)} for {names}, so it does nothing for "
                       f"{'it' if len(stuck) == 1 else 'them'}")
            if self._in_library(path):
                # the organiser's to fix: where the actor is written
                for a in stuck:
                    self.warn("rule-finds-nobody", ("actors", a), message, key=True)
            else:
                self.warn("rule-finds-nobody", path, message)

    def countries_without_actors(self) -> None:
        """Affected and hosting countries of an incident that no actor of the drill is
        in: no selector ever finds a CERT, police force or victim there, and a run
        counts the affected CERTs without it. Often a typo of one of the drill's own."""
        mine = sorted({a.country for a in self.sc.actors.values() if a.country})
        for i, inj in enumerate(self.sc.injects):
            for key, what in (("affected", "affected country"),
                              ("hosted_in", "hosting country")):
                for k, code in enumerate(getattr(inj.incident, key) or ()):
                    if code in mine:
                        continue
                    meant = country_meant(code, mine)
                    hint = f"; did you mean {_either(repr(m) for m in meant)}?" if meant else ""
                    self.warn("country-no-actor", ("injects", i, "incident", key, k),
                              f"{what} {code!r} of incident {inj.incident.id!r}: no actor of "
                              "this drill is in it, so no rule finds a CERT, police force or "
                              f"victim there{hint}")

    def drift(self) -> None:
        """Outages and contact changes that cannot have any effect."""
        end = self.sc.drill.duration
        used = self.used_channels()
        for i, o in enumerate(self.sc.outages):
            begin = parse_drill_time(o.start, self.start)
            if begin >= end:
                self.warn("outage-after-end", ("outages", i, "start"),
                          f"the outage of {o.channel!r} starts after the drill ends "
                          f"({format_duration(end)})")
            elif o.channel not in used:
                self.warn("outage-unused-channel", ("outages", i, "channel"),
                          f"the outage takes down {o.channel!r}, which no inject or rule uses")
        self.injects_in_outages()
        self.injects_to_stale_contacts()
        stale = {(a, c): ct.stale for a, actor in self.sc.actors.items()
                 for c, ct in actor.contacts.items()}
        changes = sorted(((parse_drill_time(c.at, self.start), i, c)
                          for i, c in enumerate(self.sc.contact_changes)), key=lambda x: x[:2])
        for at, i, c in changes:
            key = (c.actor, c.channel)
            if at >= end:
                self.warn("contact-change-after-end", ("contact_changes", i, "at"),
                          f"the change to {c.actor}'s {c.channel} contact comes after the "
                          f"drill ends ({format_duration(end)})")
            elif stale.get(key) == c.stale:
                self.warn("contact-change-no-effect", ("contact_changes", i, "stale"),
                          f"{c.actor}'s {c.channel} contact is already "
                          f"{'stale' if c.stale else 'working'} at {c.at}")
            stale[key] = c.stale
        for cid, ch in self.sc.channels.items():
            for i, p in enumerate(ch.pair_latency):
                for aid in (p.recipient,) if not p.both_ways else (p.recipient, p.sender):
                    if aid is not None and cid not in self.sc.actors[aid].contacts:
                        self.warn("pair-latency-unused", ("channels", cid, "pair_latency", i),
                                  f"{aid} has no point of contact on {cid!r}, so no message "
                                  "to it takes this latency")

    def injects_in_outages(self) -> None:
        """A timed inject sent on a channel during one of the scenario's own outages of
        it (of the whole channel, of a recipient's end, or of the end of the sender
        exercise control sends it as): the inject is lost, or held until service
        returns, as the engine judges it
        when it is sent (a channel that waits for someone at the desk is judged then,
        so it is left out here)."""
        windows = outage_windows(self.sc)
        for i, inj in enumerate(self.sc.injects):
            at = self.at.get(inj.id)
            ch = self.sc.channels.get(inj.via)
            if at is None or at >= self.sc.drill.duration or ch is None \
                    or ch.needs_receiver_on_duty:
                continue
            # each recipient's fate is the engine's: the outage that decides it
            fates = {r: covering(windows, inj.via, inj.sender, r, at) for r in inj.to
                     if inj.via in self.sc.actors[r].contacts}
            for w in sorted({w for w in fates.values() if w is not None},
                            key=lambda w: (w.effect == "hold", w.index)):
                hit = [r for r, decided in fates.items() if decided is w]
                fate = (f"held until {format_drill_time(w.end)}" if w.effect == "hold"
                        else "lost")
                self.warn("inject-in-outage", ("injects", i, "at"),
                          f"inject {inj.id} at {inj.at} goes by {inj.via!r} during outage "
                          f"{w.index} ({format_drill_time(w.start)} to "
                          f"{format_drill_time(w.end)}): it is {fate} for {', '.join(hit)}")
                break

    def injects_to_stale_contacts(self) -> None:
        """An inject sent to a recipient whose point of contact on its channel is out of
        date when the engine judges it: the inject is lost for it, since an inject is
        never bounced nor sent again on another channel. A timed inject is judged as the
        engine judges it (on a channel that needs someone at the desk once someone
        answers, after a holding outage once service returns); one set off during the
        drill only when the contact is out of date from the earliest it can go out to
        the end, so that it is lost whenever it goes. One lost in an outage first is
        left to ``inject-in-outage``."""
        reach = self.reach
        end = self.sc.drill.duration

        def contact(aid: str, via: str, when: float) -> str:
            """The out-of-date contact in words, with the change that made it so."""
            since = [at for at, stale in reach.changes.get((aid, via), ()) if at <= when]
            return (f"a point of contact out of date since {format_drill_time(since[-1])}"
                    if since else "an out-of-date point of contact")

        for i, inj in enumerate(self.sc.injects):
            at = self.at.get(inj.id)
            out = at if at is not None else self.earliest_out(inj)
            if out is None or out >= end:
                continue  # never sent (inject-after-end, contingency-never-triggers)
            found: dict[tuple[float, str, str], list[str]] = {}
            for aid in dict.fromkeys(inj.to):
                if inj.via not in self.sc.actors[aid].contacts:
                    continue
                if at is not None:
                    lost = reach.lost(aid, inj.via, at, inj.sender)
                    if lost is not None and lost[1] == "stale_contact":
                        found.setdefault((lost[0], lost[2], contact(aid, inj.via, lost[0])),
                                         []).append(aid)
                elif reach.stale_from(aid, inj.via, out):
                    found.setdefault((out, "", contact(aid, inj.via, out)), []).append(aid)
            for (when, why, words), who in found.items():
                if at is None:
                    sent = (f"{inj.type} inject {inj.id} goes by {inj.via!r} to {words}, "
                            f"whenever it is sent ({format_drill_time(out)} at the earliest)")
                elif when == at:
                    sent = f"inject {inj.id} at {inj.at} goes by {inj.via!r} to {words}"
                else:
                    sent = (f"inject {inj.id} at {inj.at} goes by {inj.via!r}, and {why} until "
                            f"{format_drill_time(when)}, when it finds {words}")
                self.warn("inject-to-stale-contact", ("injects", i, "to"),
                          f"{sent}: it is lost for {', '.join(who)}")

    def start_zone(self) -> None:
        """A start written at another UTC offset than the drill clock's at that instant:
        the same instant, but another time on the drill clock than the one written."""
        drill = self.sc.drill
        zone = drill.clock_timezone
        on_clock = drill.start.astimezone(ZoneInfo(zone))
        if drill.start.utcoffset() == on_clock.utcoffset():
            return
        # the time as written, read on the drill clock
        meant = drill.start.replace(tzinfo=ZoneInfo(zone))
        self.warn("start-other-zone", ("drill", "start"),
                  f"the start {drill.start.isoformat()} is written at {_utc(drill.start)}, "
                  f"but the drill clock ({zone}) is at {_utc(on_clock)} then, so the drill "
                  f"starts at {on_clock:%H:%M} on it: write {on_clock.isoformat()} for that, "
                  f"or {meant.isoformat()} to start at {meant:%H:%M} on the drill clock")

    def stage_names(self) -> None:
        """A coordinator named in drill.names that no actor can be."""
        names = self.sc.drill.names
        if (names.regional_coordinator != type(names)().regional_coordinator
                and not any(a.kind == "regional_council" for a in self.sc.actors.values())):
            self.warn("name-unused", ("drill", "names", "regional_coordinator"),
                      f"the report names the regional coordinator "
                      f"{names.regional_coordinator!r}, but no actor is a regional_council, "
                      "so it is never reached")

    def run(self) -> list[Finding]:
        for check in (self.injects_after_end, self.unused_channels_and_contacts,
                      self.unreachable_actors, self.rules_that_never_fire,
                      self.deadlines_too_short, self.short_deadlines_off_duty,
                      self.injects_on_days_off, self.injects_held_past_end,
                      self.calendar_entries, self.weekends_of_subdivisions,
                      self.contingencies, self.hold_until_order,
                      self.expectations_never_met, self.rules_without_recipient,
                      self.recipients_without_contact, self.countries_without_actors,
                      self.drift,
                      self.stage_names, self.start_zone, *branching_checks(self),
                      *artefact_checks(self)):
            check()
        lib = str(library_dir())
        mine = [f for f in self.findings
                if f.mark is None or not str(Path(f.mark.file).resolve()).startswith(lib)]
        return sorted(mine, key=lambda f: (f.mark.file, f.mark.line, f.mark.col)
                      if f.mark else ("", 0, 0))


def lint(loaded: LoadedScenario) -> list[Finding]:
    """Every warning for a scenario that validates."""
    return _Linter(loaded).run()



# --- teams, conditions, branches and tasks ---------------------------------------------


def branching_checks(lt: _Linter) -> list:
    """Checks of teams, phases, conditions, timed-after-action injects and tasks."""
    sc = lt.sc
    end = sc.drill.duration

    def empty_teams() -> None:
        for tid, members in sc.team_members.items():
            if not members:
                lt.warn("empty-team", ("teams", tid),
                        f"team {tid!r} has no member, so nothing addressed to it arrives",
                        key=True)

    def phases() -> None:
        for name in sc.drill.phases:
            begin, _ = sc.drill.phase_window(name)
            if begin >= end:
                lt.warn("phase-after-end", ("drill", "phases", name),
                        f"phase {name!r} begins after the drill ends, so a condition on it "
                        "never holds", key=True)

    def rule_conditions() -> None:
        reach = {inj.id: set(inj.to) for inj in sc.injects}
        for rid, (fid, rule) in sc.rules().items():
            path = ("frameworks", fid, "rules", rid, "when")
            for iid in rule.when.received or ():
                if iid in reach and not reach[iid] & lt.binds[rid]:
                    lt.warn("condition-never-holds", (*path, "received"),
                            f"rule {rid!r} waits for inject {iid} to reach the actor, but "
                            "the inject goes to none of the actors the rule binds")
            for check in rule.when.done or ():
                doers = {aid for r, (_, other) in sc.rules().items()
                         if other.action == check.action for aid in lt.binds[r]}
                if check.by == "self" and not doers & lt.binds[rid] \
                        and check.action not in ("acknowledge", "analyse"):
                    lt.warn("condition-never-holds", (*path, "done"),
                            f"rule {rid!r} waits for its actor to {check.action}, which no "
                            "rule has it do (only a person playing the role could)")

    def phase_condition(i: int, inj, at: float) -> None:
        """A timed inject whose phases do not hold at its time: it is always skipped
        (unless the facilitator moves it)."""
        wanted = inj.when.phase
        windows = {name: sc.drill.phase_window(name) for name in sc.drill.phases}
        if any(b <= at < e for name, (b, e) in windows.items() if name in wanted):
            return
        now = [name for name, (b, e) in windows.items() if b <= at < e]
        asked = f"phase {' or '.join(wanted)}" if wanted else "a phase from an empty list"
        lt.warn("condition-never-holds", ("injects", i, "when", "phase"),
                f"inject {inj.id} at {inj.at} asks for {asked}, but the drill is then "
                f"in {'phase ' + ' and '.join(now) if now else 'no phase'}, so it is always "
                "skipped")

    def inject_conditions() -> None:
        for i, inj in enumerate(sc.injects):
            cond = inj.when
            at = lt.at.get(inj.id)
            if cond is not None and cond.phase is not None and at is not None and at < end:
                phase_condition(i, inj, at)
            if cond is not None and at is not None:
                for key in ("met", "missed"):
                    for eid in getattr(cond, key) or ():
                        n = next((k for k, e in enumerate(sc.expectations) if e.id == eid), None)
                        window = lt._deadline(n) if n is not None else None
                        if key == "missed" and window is not None and window[1] > at:
                            lt.warn("condition-never-holds", ("injects", i, "when", key),
                                    f"inject {inj.id} at {inj.at} asks whether expectation "
                                    f"{eid} was missed, but it falls due only at "
                                    f"{format_duration(window[1])} into the drill")
                        if key == "met" and window is not None and window[0] > at:
                            lt.warn("condition-never-holds", ("injects", i, "when", key),
                                    f"inject {inj.id} at {inj.at} asks whether expectation "
                                    f"{eid} was met before its anchor, at "
                                    f"{format_duration(window[0])}")
            after = inj.after_action
            if after is not None:
                who = set(sc.expand(after.by)) if after.by else set(sc.actors)
                doers = {aid for rid, (_, r) in sc.rules().items()
                         if r.action == after.action for aid in lt.binds[rid]}
                if not who & doers and after.action not in ("acknowledge", "analyse"):
                    lt.warn("after-action-never", ("injects", i, "after_action"),
                            f"inject {inj.id} waits for {after.action}, which no rule has "
                            f"{', '.join(after.by) or 'anyone'} do: under the automated "
                            "policy it never fires")

    def tasks() -> None:
        for i, task in enumerate(sc.tasks):
            if task.at is not None and parse_drill_time(task.at, lt.start) >= end:
                lt.warn("task-after-end", ("tasks", i, "at"),
                        f"task {task.id} is asked after the drill ends")
            if task.inject is not None:
                inj = next((x for x in sc.injects if x.id == task.inject), None)
                if inj is None:
                    continue
                never = [a for a in dict.fromkeys(task.to) if a not in inj.to]
                if len(never) == len(set(task.to)):
                    lt.warn("task-never-asked", ("tasks", i, "to"),
                            f"task {task.id} is asked when inject {task.inject} arrives, but "
                            "the inject goes to none of the actors it asks")
                elif never:
                    # a team the inject reaches only in part: the others are never asked
                    names = [sc.actors[a].name for a in never]
                    who = names[0] if len(names) == 1 else \
                        ", ".join(names[:-1]) + " and " + names[-1]
                    lt.warn("task-never-asked", ("tasks", i, "to"),
                            f"task {task.id} is asked when inject {task.inject} arrives, but "
                            f"the inject does not go to {who}, so it is never asked of "
                            f"{'it' if len(names) == 1 else 'them'}")

    return [empty_teams, phases, rule_conditions, inject_conditions, tasks]


# --- artefact files --------------------------------------------------------------------


def artefact_checks(lt: _Linter) -> list:
    """Artefact files shown as text that are not, and passwords that cannot arrive apart."""
    sc = lt.sc
    end = sc.drill.duration
    reach = lt.reach
    changes = reach.changes
    stale_at, answered, outage, reaches = \
        reach.stale_at, reach.answered, reach.outage, reach.reaches

    def judged(aid: str, via: str, t: float, sender: str) -> float | None:
        """When the engine finds ``aid``'s contact on ``via`` out of date as it sends the
        password at ``t``: it sends it, after any holding outage, and on a channel that
        needs someone at the desk sends it again once someone is there, judging the
        contact each time. None when it is never out of date then (an outage that loses
        the password is no reason to warn of a contact that works). An outage of the
        end of ``sender``, the inject's, holds or loses it as one of ``aid``'s does."""
        while t < end:
            w = outage(via, sender, aid, t)
            if w is not None and w.effect == "hold":
                t = w.end
                continue
            if stale_at(aid, via, t):
                return t  # (lost in an outage too, when one covers it)
            if w is not None:
                return None  # lost in the outage, but not for the contact
            on = answered(aid, via, t)
            if on == t:
                return None
            t = on
        return None

    def out_of_date(aid: str, inj, via: str, delay: float, label: str) -> str | None:
        """Why the password never reaches ``aid``, whose contact on ``via`` is out of date
        when the engine judges it (None when it can reach it).

        The engine sends the password ``delay`` after the inject reaches the recipient,
        and judges the contact then. For a timed inject that time is known before the
        drill; for one that is not (a contingency, an inject after an action) it is some
        time of the drill, so the password is sure to be lost only when the contact is
        out of date from the start on."""
        line = changes.get((aid, via), [])
        head = f"{aid} has only an out-of-date point of contact on {via!r}"
        never = f"so the password of {label} never reaches it"
        at = lt.at.get(inj.id)
        if at is not None:
            reached = reaches(aid, inj, at)
            when = None if reached is None else judged(aid, via, reached + delay, inj.sender)
            if when is None:
                return None
            if not line:
                return f"{head}, {never}"
            later = next((t for t, to_stale in line if t > when and not to_stale), None)
            repaired = f" (it is repaired only at {format_drill_time(later)})" if later else ""
            return (f"{head} at {format_drill_time(when)}, when the password of {label} is "
                    f"sent{repaired}, so the password never reaches it")
        if not stale_at(aid, via, delay) or any(not s for t, s in line if t > delay):
            return None  # it may well be sent while the contact works
        since = [t for t, _ in line if t <= delay]  # the last left it out of date
        return f"{head} from {format_drill_time(since[-1])} on, {never}" if since \
            else f"{head}, {never}"

    def too_late(aid: str, inj, via: str, delay: float) -> tuple[float, float, str] | None:
        """For a timed inject: (when the password is sent, when it would reach ``aid``,
        why it waits) when that is at or after the drill's end, where the engine sends
        it ``delay`` after the inject reaches ``aid``, holds it through a holding outage
        and, on a channel that needs someone at the desk, keeps it until someone is
        there; None when it reaches ``aid`` in time, or is lost for another reason (an
        out-of-date contact, an outage, the inject itself not arriving)."""
        at = lt.at.get(inj.id)
        reached = None if at is None else reaches(aid, inj, at)
        if reached is None:
            return None
        sent = t = reached + delay
        why = ""
        while t < end:
            w = outage(via, inj.sender, aid, t)
            if w is not None and w.effect == "hold":
                t, why = w.end, f"an outage of {via!r} holds it"
                continue
            if w is not None or stale_at(aid, via, t):
                return None
            on = answered(aid, via, t)
            if on == t:
                return None
            t, why = on, f"on {via!r} it waits for someone at {aid}'s desk"
        return sent, t, why

    def after_end(here: tuple, inj, art) -> None:
        """A password the engine would send only once the drill has ended."""
        assert art.protected is not None
        via, delay = art.protected.password_via, art.protected.delay
        ends = f"after the drill ends ({format_duration(end)})"
        if inj.id not in lt.at:
            # set off during the drill: only a password sure to come too late
            out = lt.earliest_out(inj)
            if delay and out is not None and out < end <= out + delay:
                lt.warn("password-after-end", (*here, "protected", "delay"),
                        f"the password of {art.label} is sent {format_duration(delay)} after "
                        f"inject {inj.id} reaches a recipient, and the inject goes out at "
                        f"{format_drill_time(out)} at the earliest, so the password goes at "
                        f"{format_drill_time(out + delay)} or later, {ends}: nobody gets it")
            return
        late: dict[tuple[float, float, str], list[str]] = {}
        for aid in dict.fromkeys(inj.to):
            if via in sc.actors[aid].contacts:
                found = too_late(aid, inj, via, delay)
                if found is not None:
                    late.setdefault(found, []).append(aid)
        for (sent, t, why), who in late.items():
            names = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]
            if sent >= end:
                lt.warn("password-after-end", (*here, "protected", "delay"),
                        f"the password of {art.label} is sent {format_duration(delay)} after "
                        f"inject {inj.id} reaches {names}, at {format_drill_time(sent)}, "
                        f"{ends}: it is never sent, so the file cannot be opened")
                continue
            until = f"until {format_drill_time(t)}, {ends}" if not math.isinf(t) else \
                f"and nobody is there again before the drill ends ({format_duration(end)})"
            lt.warn("password-after-end", (*here, "protected", "password_via"),
                    f"the password of {art.label} is sent to {names} at "
                    f"{format_drill_time(sent)}, but {why} {until}: it never arrives, so "
                    "the file cannot be opened")

    def files() -> None:
        for i, inj in enumerate(sc.injects):
            for j, art in enumerate(inj.artefacts):
                if isinstance(art, str):
                    continue
                here = ("injects", i, "artefacts", j)
                if art.show_text and art.content is None:
                    lt.warn("artefact-not-text", (*here, "show_text"),
                            f"{art.file!r} is not UTF-8 text, so its text cannot be shown; "
                            "remove show_text, or give a text file")
                if art.protected is None:
                    continue
                via = art.protected.password_via
                if via == inj.via:
                    lt.warn("password-same-channel", (*here, "protected", "password_via"),
                            f"the password of {art.label} travels on {via!r}, the channel that "
                            "carries the file itself; send it on another channel")
                for aid in inj.to:
                    if via not in sc.actors[aid].contacts:
                        message: str | None = (f"{aid} has no point of contact on {via!r}, so "
                                               f"the password of {art.label} never reaches it")
                    else:
                        message = out_of_date(aid, inj, via, art.protected.delay, art.label)
                    if message is not None:
                        lt.warn("password-unreachable", (*here, "protected", "password_via"),
                                message)
                after_end(here, inj, art)

    return [files]
