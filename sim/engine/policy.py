"""The automated policy: where an actor decides.

For every role no person plays, the policy handles each received item at a desk:
it acknowledges the item, analyses the incident once, then carries out the
framework rules the item sets off. Rules read only the acting actor's
:class:`~sim.engine.knowledge.Picture`; each decision records the facts it relied
on, and the fact that set it off (each of its messages, the one that set off its own
recipient: what that recipient's deadline runs from).

A rule is **armed** for an incident once one of its triggers has happened (an
inject, a message verb received, or ``after:<rule>``). Whenever the actor's picture
grows, or an item lets it pass on a fact it held only under a stricter label, every
armed rule is evaluated again: a message rule tells only recipients
that have not yet been told the facts that make them a recipient, so a newly added
hosting country gets its takedown request, and a second escalation goes out only
when there is something new to escalate. An effect rule (a takedown, a
preservation) is carried out once. Once an action is drafted, the rule's condition
is checked again on what the actor knows then, and the action dropped if it no
longer holds; recipients of a message being drafted are left to that draft. Rules
waiting on the actor's own action (``when.done``) look again once it is done, rules
for a phase when the phase begins, and rules for some hours of the day
(``when.local_time``) when those hours next begin.

Selectors and conditions are plain functions of a picture, so ``drill lint`` and
``drill explain`` use them too.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from weakref import proxy as _weak

import simpy

from scenarios.model import (
    ACTOR_KINDS,
    MESSAGE_VERBS,
    SELECTORS,
    SEVERITY_ORDER,
    Condition,
    Rule,
    parse_range,
)

from .actors import ActorState, AlwaysOn, Desk, Received, work
from .clock import Shift
from .knowledge import Picture, View
from .messaging import OPEN_LABELS, VERB_EVENT, allowed
from .per_scenario import shared

if TYPE_CHECKING:
    from .core import Engine

CERT_KINDS = ("national_cert", "partner_cert")

#: a target chosen by a selector, with the facts that make it a target
Target = tuple[str, tuple[str, ...]]


class Directory:
    """The actors by kind and country, for selectors."""

    def __init__(self, actors: dict, sets: dict[str, list[str]] | None = None,
                 roles: dict[str, str] | None = None,
                 teams: dict[str, tuple[str, ...]] | None = None,
                 channel_kinds: dict[str, str] | None = None) -> None:
        self.ids = set(actors)
        #: named teams: their actor ids, in scenario order
        self.teams = teams or {}
        #: groups and memberships: country sets for ``to_members_of``
        self.sets = {k: frozenset(v) for k, v in (sets or {}).items()}
        self.coordinator = (roles or {}).get("regional_coordinator")
        self.country = {aid: a.country for aid, a in actors.items()}
        self.by_kind: dict[str, list[tuple[str, str | None]]] = {
            k: [] for k in (*ACTOR_KINDS, "cert")}
        for aid, a in actors.items():
            self.by_kind[a.kind].append((aid, a.country))
            if a.kind in CERT_KINDS:
                self.by_kind["cert"].append((aid, a.country))
        #: the 24/7 points of contact: actors reachable on a channel of kind network_247
        kinds = channel_kinds or {}
        self.points_247 = [(aid, a.country) for aid, a in actors.items()
                           if any(kinds.get(cid) == "network_247" for cid in a.contacts)]

    @classmethod
    def of(cls, scenario) -> Directory:
        """The directory of a scenario, with its memberships and roles."""
        return cls(scenario.actors, scenario.country_sets(), scenario.roles,
                   scenario.team_members if scenario.teams else None,
                   {cid: ch.kind for cid, ch in scenario.channels.items()})

    def select(self, selector: str, country: str | None, view: View,
               sender: str | None) -> list[Target]:
        """Actors a selector names, relative to the acting actor, in scenario order.

        Each comes with the facts of ``view`` that make it a target (none for selectors
        that do not depend on the incident).
        """
        by_kind = self.by_kind
        match selector:
            case "affected_certs":
                return _by_fact(by_kind["cert"], view.affected, "affected")
            case "hosting_certs":
                return _by_fact(by_kind["cert"], view.hosted_in, "hosted")
            case "hosting_police":
                return _by_fact(by_kind["national_police"], view.hosted_in, "hosted")
            case "victims":
                return _by_fact(by_kind["victim"], view.affected, "affected")
            case "member_certs":
                return [(a, ()) for a, _ in by_kind["national_cert"]]
            case "partner_certs":
                return [(a, ()) for a, _ in by_kind["partner_cert"]]
            case "regional_council":
                if self.coordinator is not None:
                    return [(self.coordinator, ())]
                return [(a, ()) for a, _ in by_kind["regional_council"]]
            case "central_authority":
                return _local(by_kind["central_authority"], country)
            case "hosting_central_authorities":
                return _by_fact(by_kind["central_authority"], view.hosted_in, "hosted")
            case "hosting_24_7_points":
                return _by_fact(self.points_247, view.hosted_in, "hosted")
            case "national_police":
                return _local(by_kind["national_police"], country)
            case "police_channels":
                return [(a, ()) for a, _ in by_kind["intl_police_channel"]]
            case "local_isps":
                return _local(by_kind["isp"], country)
            case "regulators":
                return _local(by_kind["regulator"], country)
            case "sender":
                return [(sender, ())] if sender in self.ids else []
            case "exercise_control":
                return [(a, ()) for a, _ in by_kind["exercise_control"]]
            case _:
                if selector in self.teams:
                    return [(a, ()) for a in self.teams[selector]]
                return [(selector, ())] if selector in self.ids else []

    def targets(self, rule: Rule, actor: str, country: str | None, view: View,
                sender: str | None) -> list[Target]:
        """Everyone a message rule addresses, without the actor itself or duplicates.

        Whoever sent the triggering item is left out unless named as ``sender``.
        """
        out: list[Target] = []
        seen = {actor}
        members = self.sets.get(rule.to_members_of) if rule.to_members_of else None
        for sel in rule.to:
            for aid, facts in self.select(sel, country, view, sender):
                if aid in seen or (aid == sender and sel != "sender"
                                   and (sel in SELECTORS or sel in self.teams)):
                    continue
                if members is not None and self.country.get(aid) not in members:
                    continue  # a channel only members of the treaty or network share
                seen.add(aid)
                out.append((aid, facts))
        return out


def _undraft(st: ActorState, inc_id: str, rid: str, recipients: list[str]) -> None:
    """The draft of a message under ``rid`` to ``recipients`` is over (sent, dropped or
    abandoned at a hand-over)."""
    if not recipients:
        return
    key = (inc_id, rid)
    drafting = st.drafting.get(key)
    if drafting is not None:
        drafting.difference_update(recipients)
        if not drafting:
            del st.drafting[key]


def _by_fact(actors: list[tuple[str, str | None]], countries: list[str],
             kind: str) -> list[Target]:
    if not countries:
        return []
    wanted = set(countries)
    return [(a, (f"{kind}:{c}",)) for a, c in actors if c in wanted]


def _local(actors: list[tuple[str, str | None]], country: str | None) -> list[Target]:
    return [(a, ()) for a, c in actors if c is not None and c == country]


def holds_on(cond: Condition, country: str | None, facts: Iterable[str],
             groups: dict[str, list[str]]) -> bool:
    """Whether a rule's condition holds on these facts alone: on what a sender may pass
    on to a recipient, say (the engine's messaging and ``drill explain`` both ask it)."""
    return applies(cond, country, Picture.of(facts), groups) is not None


def applies(cond: Condition, country: str | None, view: View,
            groups: dict[str, list[str]]) -> list[str] | None:
    """The facts a rule's condition relies on, or None when it does not hold.

    A condition that holds because something is *not* known (``crime_suspected:
    false``) relies on no fact.
    """
    relied: list[str] = []
    if cond.member_of is not None and country not in groups.get(cond.member_of, ()):
        return None
    if cond.types is not None:
        if view.type not in cond.types:
            return None
        relied.append(f"type:{view.type}")
    if cond.min_severity is not None:
        if not view.severity or SEVERITY_ORDER.index(view.severity) < SEVERITY_ORDER.index(
                cond.min_severity):
            return None
        relied.append(f"severity:{view.severity}")
    if cond.crime_suspected is not None:
        if view.crime_suspected != cond.crime_suspected:
            return None
        if view.crime_suspected:
            relied.append("crime")
    if cond.hosted_abroad is not None:
        abroad = [c for c in view.hosted_in if c != country]
        if bool(abroad) != cond.hosted_abroad:
            return None
        relied.extend(f"hosted:{c}" for c in abroad)
    if cond.hosted_locally is not None:
        local = country in view.hosted_in
        if local != cond.hosted_locally:
            return None
        if local:
            relied.append(f"hosted:{country}")
    if cond.hosted_abroad_in is not None:
        members = groups.get(cond.hosted_abroad_in, ())
        there = [c for c in view.hosted_in if c != country and c in members]
        if not there:
            return None
        relied.extend(f"hosted:{c}" for c in there)
    if cond.min_affected is not None:
        countries = view.affected
        if cond.affected_group is not None:
            group = set(groups.get(cond.affected_group, []))
            countries = [c for c in countries if c in group]
        if len(set(countries)) < cond.min_affected:
            return None
        relied.extend(f"affected:{c}" for c in countries)
    if cond.actor_affected is not None:
        mine = country in view.affected
        if mine != cond.actor_affected:
            return None
        if mine:
            relied.append(f"affected:{country}")
    return list(dict.fromkeys(relied))


def onset(cond: Condition, country: str | None, known: Mapping[str, float],
          groups: dict[str, list[str]], acted_on: str | None = None) -> list[str] | None:
    """The earliest facts that make a rule's condition hold, given when each fact counts
    from (``known``, in the order the facts were learnt): the condition came to hold
    when the newest of them did. None when the facts in ``known`` do not make it hold.
    ``acted_on``: the type the team acts on (its picture's, :meth:`View._retype`);
    None: the last type fact in ``known``.

    - ``types``: the fact of the type the team acts on; ``crime_suspected``,
      ``hosted_locally``, ``actor_affected``: ``crime``, or the actor's own country
      hosting or affected;
    - ``min_severity``: the earliest assessment at or above the threshold;
    - ``hosted_abroad``, ``hosted_abroad_in``: the earliest host abroad (in the group);
    - ``min_affected``: the earliest affected countries (in ``affected_group``), as
      many as it asks: the last of them made the count.

    Unlike :func:`applies`, which lists every fact that satisfies the condition, this
    lists only those that first did. A clause that holds because something is not known
    (``crime_suspected: false``) adds no fact and is taken to hold: ask :func:`applies`
    first.
    """
    if cond.member_of is not None and country not in groups.get(cond.member_of, ()):
        return None
    types: list[str] = []
    severities: list[str] = []
    affected: list[str] = []
    hosted: list[str] = []
    for f in known:
        kind = f[:f.find(":") + 1]
        if kind == "type:":
            types.append(f)
        elif kind == "severity:":
            severities.append(f)
        elif kind == "affected:":
            affected.append(f[9:])
        elif kind == "hosted:":
            hosted.append(f[7:])
    out: list[str] = []

    def earliest(facts: list[str], n: int = 1) -> list[str] | None:
        # the order learnt breaks a tie
        first = sorted(facts, key=known.__getitem__)[:n]
        return first if len(first) == n else None

    if cond.types is not None:
        # the type the team acts on (as :class:`View` reads it): not an older one it
        # heard restated later
        fact = f"type:{acted_on}" if acted_on is not None else types[-1] if types else ""
        if fact not in known or fact[5:] not in cond.types:
            return None
        out.append(fact)
    if cond.min_severity is not None:
        least = SEVERITY_ORDER.index(cond.min_severity)
        met = earliest([f for f in severities if SEVERITY_ORDER.index(f[9:]) >= least])
        if met is None:
            return None
        out.extend(met)
    if cond.crime_suspected:
        if "crime" not in known:
            return None
        out.append("crime")
    if cond.hosted_abroad:
        abroad = earliest([f"hosted:{c}" for c in hosted if c != country])
        if abroad is None:
            return None
        out.extend(abroad)
    if cond.hosted_locally:
        if f"hosted:{country}" not in known:
            return None
        out.append(f"hosted:{country}")
    if cond.hosted_abroad_in is not None:
        members = groups.get(cond.hosted_abroad_in, ())
        there = earliest([f"hosted:{c}" for c in hosted if c != country and c in members])
        if there is None:
            return None
        out.extend(there)
    if cond.min_affected is not None:
        countries = affected
        if cond.affected_group is not None:
            group = set(groups.get(cond.affected_group, []))
            countries = [c for c in countries if c in group]
        made = earliest([f"affected:{c}" for c in dict.fromkeys(countries)], cond.min_affected)
        if made is None:
            return None
        out.extend(made)
    if cond.actor_affected:
        if f"affected:{country}" not in known:
            return None
        out.append(f"affected:{country}")
    return list(dict.fromkeys(out))


def situation_holds(cond: Condition, st: ActorState, inc_id: str, engine: Engine,
                    clock: bool = True) -> bool:
    """The parts of a condition that read the acting actor's situation: the injects
    that reached it, the drill phase, its local time, and the actions it knows of.

    ``clock=False`` leaves out the parts that read the clock (phase, local time)."""
    if cond.received is not None:
        # an inject waiting unread in a closed office has not reached the team yet
        got = {item.ref for item in st.received if item.known_at is not None}
        if any(f"inject:{i}" not in got for i in cond.received):
            return False
    if clock and cond.phase is not None and not in_phase(cond.phase, engine):
        return False
    if clock and cond.local_time is not None:
        opening, closing = parse_range(cond.local_time)
        local = engine.local_time(st.id)
        minute = local.hour * 60 + local.minute
        if not opening <= minute < closing:
            return False
    for wanted, checks in ((True, cond.done), (False, cond.not_done)):
        for check in checks or ():
            if knows_done(st, inc_id, check.action, check.by, engine) != wanted:
                return False
    return True


def next_opening(window: str, shift: Shift, now: float) -> float:
    """The first drill minute after ``now`` at which a ``local_time`` window
    ('HH:MM-HH:MM') opens on ``shift``'s local wall clock."""
    opening, _closing = parse_range(window)
    today = shift.local(now).date()
    start = shift.start.astimezone(UTC)
    for ahead in range(3):
        day = today + timedelta(days=ahead)
        wall = datetime(day.year, day.month, day.day, opening // 60, opening % 60,
                        tzinfo=shift.tz)
        at = (wall.astimezone(UTC) - start) / timedelta(minutes=1)
        if at > now:
            return at
    return math.inf


def in_phase(phases: Iterable[str], engine: Engine) -> bool:
    """Whether the drill is in one of these phases now."""
    drill = engine.scenario.drill
    now = engine.now
    return any(begin <= now < end for begin, end in map(drill.phase_window, phases))


def situation_since(cond: Condition, st: ActorState, inc_id: str,
                    engine: Engine) -> float | None:
    """When the situational parts of a condition, which hold now, came to hold: the
    latest of the moments each clause began to hold, or None when none is known.

    - ``received``: the arrival at this actor of the last of the injects named (each
      counted from its first arrival; one that reached a closed office, from when it
      was read);
    - ``phase``: the start of the phase the drill is in (of the first of the phases
      named that follow on from one another without a gap);
    - ``local_time``: today's opening of the range, on the actor's local clock;
    - ``done``: the first time the actor did the action, or (``by: anyone``) the first
      message of that verb about the incident reached it, whichever came first.

    ``not_done`` holds because something has not happened: like a condition that holds
    because a fact is not known, it began to hold at no moment the engine can tell, and
    adds nothing.
    """
    since: list[float] = []
    if cond.received:
        first: dict[str, float] = {}
        for item in st.received:
            at = item.known_at
            if at is not None and (item.ref not in first or at < first[item.ref]):
                first[item.ref] = at
        since.append(max(first[f"inject:{i}"] for i in cond.received))
    if cond.phase:
        now = engine.now
        windows = [engine.scenario.drill.phase_window(p) for p in cond.phase]
        begin = min(b for b, e in windows if b <= now < e)
        while True:
            earlier = min((b for b, e in windows if b < begin <= e), default=None)
            if earlier is None:
                break
            begin = earlier
        since.append(begin)
    if cond.local_time is not None:
        opening, _closing = parse_range(cond.local_time)
        local = engine.local_time(st.id)
        minute = (local.hour * 60 + local.minute + local.second / 60
                  + local.microsecond / 60_000_000)
        # wall-clock minutes since the opening: a clock change between the opening and
        # now (daylight saving) is not allowed for
        since.append(engine.now - (minute - opening))
    for check in cond.done or ():
        at = first_done(st, inc_id, check.action, check.by, engine)
        if at is not None:
            since.append(at)
    return max(since) if since else None


def first_done(st: ActorState, inc_id: str, action: str, by: str,
               engine: Engine) -> float | None:
    """When the actor first knew ``action`` was done on the incident, as
    :func:`knows_done` reads it (None when it does not know)."""
    times = []
    if (st.id, inc_id, action) in engine.acted:
        kind = VERB_EVENT.get(action)
        for ev in engine.log:
            if (ev.type == kind and ev.actor == st.id and ev.incident == inc_id
                    and ev.details.get("action", action) == action):
                times.append(ev.time)
                break
    if by == "anyone":
        picture = st.pictures.get(inc_id)
        if picture is not None:
            times.extend(_known_at(i) for i in picture.items if i.kind == action)
    return min(times) if times else None


def _known_at(item: Received) -> float:
    """When an item in a picture joined it: its arrival, or when it was read."""
    return item.at if item.known_at is None else item.known_at


def knows_done(st: ActorState, inc_id: str, action: str, by: str, engine: Engine) -> bool:
    """Whether the actor did ``action`` on the incident, or (``by: anyone``) a message of
    that verb about it reached the actor: what it can know, not the ground truth."""
    if (st.id, inc_id, action) in engine.acted:
        return True
    if by == "anyone":
        picture = st.pictures.get(inc_id)
        return picture is not None and any(i.kind == action for i in picture.items)
    return False


#: the cause of the interrupt that tells an office analysis the duty officer finishes it
TAKEN_OVER = "analysis taken over by the duty officer"
#: the cause of the interrupt that tells office work in hand (an acknowledgement, an
#: analysis, a draft) to carry on at the duty desk (the office closed with it unfinished,
#: and the duty officer takes the item over)
HANDED_OVER = "work handed over to the duty officer at closing"


def worked_between(shift: Shift | AlwaysOn, start: float, end: float) -> float:
    """Minutes of worked time on ``shift`` between ``start`` and ``end``, counted in the
    steps :func:`~.actors.work` takes."""
    done = 0.0
    t = start
    while t < end:
        on = shift.next_on(t)
        if on >= end:
            break
        stop = min(shift.shift_end(on), end)
        done += stop - on
        t = stop
    return done


def _last_closing(shift: Shift | AlwaysOn, start: float, end: float) -> float:
    """The end of the last stretch of worked time on ``shift`` between ``start`` and
    ``end`` (``start`` when there is none)."""
    last = t = start
    while t < end:
        on = shift.next_on(t)
        if on >= end:
            break
        last = t = min(shift.shift_end(on), end)
    return last


class Slot:
    """What one piece of the policy's work holds: its desk request, the analysis it
    runs, the plan of what it has in hand (an acknowledgement, an analysis, a draft: the
    shift it is worked on, when it began, how long it takes), and the stage it has
    reached (for the log when the work is dropped, and at closing)."""

    __slots__ = ("analysing", "called", "desk", "plan", "req", "set_aside", "stage")

    def __init__(self) -> None:
        self.desk: Desk | None = None
        self.req: simpy.Event | None = None
        self.analysing: Picture | None = None
        self.plan: tuple[Shift | AlwaysOn, float, float] | None = None
        self.stage = "waiting"
        #: the duty officer was called out for the item (out of office hours)
        self.called = False
        #: when the role was handed back and the work began to wait for its desk: the
        #: first action drafted counts that wait as its own (None: nothing waits)
        self.set_aside: float | None = None

    @property
    def begun(self) -> bool:
        """Whether the work had begun: it is in hand (an acknowledgement, an analysis or
        a draft), or the duty officer was called out for it (the call-out starts over
        when the work is taken up again). Work that only waits its turn, for a desk,
        for the office to open or for an analysis under way elsewhere, has not."""
        return self.stage != "waiting" or self.called

    def hold(self, desk: Desk, req: simpy.Event) -> simpy.Event:
        self.desk, self.req = desk, req
        return req

    def release(self) -> None:
        req, desk = self.req, self.desk
        self.req = self.desk = None
        if req is None or desk is None:
            return
        if req.triggered:
            desk.release(req)
        else:
            desk.cancel(req)

    def drop(self) -> None:
        """The work is dropped: free the desk, and leave an unfinished analysis undone."""
        self.release()
        if self.analysing is not None and self.analysing.analysis == "busy":
            self.analysing.analysis = "none"
        self.analysing = self.plan = None


class RuleBook:
    """What the policy reads of a scenario, worked out once per scenario (scenarios are
    frozen): the directory, the enabled rules, their triggers and holds."""

    _cache: dict[int, tuple[Any, RuleBook]] = {}

    def __init__(self, scenario) -> None:
        self.directory = Directory.of(scenario)
        self.groups = scenario.country_sets()
        self.rules = scenario.rules()
        self.held_by: dict[str, list[str]] = {}
        for rid, (_, rule) in self.rules.items():
            for first in rule.hold_until:
                self.held_by.setdefault(first, []).append(rid)
        self.by_trigger: dict[str, list[tuple[str, Rule]]] = {}
        self.arming: dict[str, tuple[str, ...]] = {}
        for rid, (_, rule) in self.rules.items():
            triggers = (*rule.on, *(f"after:{a}" for a in rule.after))
            self.arming[rid] = triggers
            for trig in triggers:
                self.by_trigger.setdefault(trig, []).append((rid, rule))
        self.set_off: dict[tuple[frozenset[str], str], list[tuple[str, Rule, bool]]] = {}
        #: rule id -> the actors it binds (by kind, id, country, group or team)
        self.binds = {rid: scenario.binds(rule) for rid, (_, rule) in self.rules.items()}
        #: action -> the rules whose ``when.done`` names it, in scenario order
        self.done_names: dict[str, list[str]] = {}
        #: phase -> the rules whose ``when.phase`` names it, in scenario order
        self.phase_names: dict[str, list[str]] = {}
        #: verb -> the rules whose ``when.done`` a message of that verb can satisfy
        #: (``by: anyone``), in scenario order
        self.heard_names: dict[str, list[str]] = {}
        #: received item's ref (``inject:<id>``) -> the rules whose ``when.received``
        #: names it, in scenario order
        self.received_names: dict[str, list[str]] = {}
        for rid, (_, rule) in self.rules.items():
            for inject in dict.fromkeys(rule.when.received or ()):
                self.received_names.setdefault(f"inject:{inject}", []).append(rid)
            for action in dict.fromkeys(c.action for c in rule.when.done or ()):
                self.done_names.setdefault(action, []).append(rid)
            for action in dict.fromkeys(c.action for c in rule.when.done or ()
                                        if c.by == "anyone"):
                self.heard_names.setdefault(action, []).append(rid)
            for phase in rule.when.phase or ():
                self.phase_names.setdefault(phase, []).append(rid)

    @classmethod
    def of(cls, scenario) -> RuleBook:
        """The rule book of ``scenario``, shared by every run of it."""
        return shared(cls._cache, scenario, cls)


class Policy:
    """The automated policy of every actor no person plays."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        self.env = engine.env
        rules = RuleBook.of(engine.scenario)
        self.directory = rules.directory
        self.groups = rules.groups
        self.rules = rules.rules
        #: rule id -> the rules held until it is done (``hold_until``)
        self.held_by = rules.held_by
        #: trigger -> [(rule id, rule)] in scenario order
        self.by_trigger = rules.by_trigger
        #: rule id -> the triggers that arm it
        self.arming = rules.arming
        #: (set of triggers, actor) -> the rules they set off for it, in scenario order
        self._set_off = rules.set_off
        self.binds = rules.binds
        self.done_names = rules.done_names
        self.heard_names = rules.heard_names
        self.received_names = rules.received_names
        #: (actor, incident, rule) carried out by the policy
        self.done: set[tuple[str, str, str]] = set()
        #: (actor, incident) -> rules waiting for their hold_until rules
        self.waiting: dict[tuple[str, str], set[str]] = {}
        self._seq = 0
        #: actor -> the closing at which its on-call work at the office desk is looked at
        self._closing: dict[str, float] = {}
        #: (actor, incident, ``local_time`` window) -> the rules that look again when the
        #: window next opens
        self._windows: dict[tuple[str, str, str], set[str]] = {}
        drill = engine.scenario.drill
        for phase, rids in rules.phase_names.items():
            begin = drill.phase_window(phase)[0]
            if 0 < begin < engine.end:
                engine.after(begin, partial(self._phase_begins, phase, rids))

    # --- handling one item ---------------------------------------------------------

    def desk_for(self, st: ActorState, item: Received) -> Desk:
        channel = item.channel
        if channel is not None and self.engine.channels[channel].handled_around_the_clock:
            return st.duty
        if st.spec.on_call is not None and st.on_call_takes(item, self.env.now):
            return st.duty
        return st.office

    def _request(self, st: ActorState, desk: Desk, item: Received) -> simpy.Event:
        """Ask for a place at ``desk``; the request waits its turn by the item's priority,
        which follows the incident's severity as the team comes to know it."""
        self._seq += 1
        return desk.request(st.priority(item, self._seq), None if st.fifo else item.incident)

    def _until_open(self, st: ActorState, desk: Desk,
                    item: Received) -> Iterator[simpy.Event]:
        """Wait for the desk's next opening; False when it never opens again. Work that
        waited is let in by its priority when the desk opens, not when it arrived."""
        on = desk.shift.next_on(self.env.now)
        if on > self.env.now:
            if math.isinf(on):
                return False
            self._seq += 1
            yield desk.opening(on, partial(st.priority, item, self._seq))
        return True

    def start(self, st: ActorState, work_: Iterator[simpy.Event], item: Received,
              slot: Slot) -> None:
        """Run a piece of the policy's work for ``st`` as a process it can drop."""
        proc = self.env.process(self._droppable(work_, slot))
        st.work[proc] = (item, slot)
        proc.callbacks.append(lambda _ev: st.work.pop(proc, None))

    @staticmethod
    def _droppable(work_: Iterator[simpy.Event], slot: Slot) -> Iterator[simpy.Event]:
        try:
            yield from work_
        except simpy.Interrupt:
            slot.drop()

    def handle(self, st: ActorState, item: Received, slot: Slot | None = None,
               resume: bool = False, since: float | None = None) -> Iterator[simpy.Event]:
        """The automated policy handling one received item. ``resume``: the item was
        acknowledged already (by a person who played the role, or before the policy's work
        on it was dropped when the role changed hands), and the policy takes the incident
        up again: the analysis, if nobody finished it, then every armed rule. When a
        person acted on the incident, the analysis waits for the first action the policy
        still owes on it: none, when the person did everything the rules ask. An item
        someone acting for the role (exercise control) acknowledged first is not
        acknowledged again: the policy goes on with the analysis and the rules.

        ``since``: the item is handled again, the role back with the policy, and its
        acknowledgement counts its wait from then (its arrival): the time the office was
        closed meanwhile as off duty, the rest as queued (on the duty desk, when it
        handles the item without calling the duty officer out, all of it queued)."""
        slot = slot if slot is not None else Slot()
        engine = self.engine
        env = self.env
        pol = st.spec.policy
        inc_id = item.incident
        desk = self.desk_for(st, item)
        shift = desk.shift
        t0 = env.now
        if resume:
            # its wait for the desk, the office closed meanwhile, is its first draft's
            slot.set_aside = t0
        if not resume and desk is st.duty and st.spec.on_call is not None \
                and st.on_call_takes(item, env.now):
            # the duty officer picks it up after a while (wall-clock time), unless the
            # office opens first: then the office takes it up with the work that waited
            slot.called = True
            answer = engine.draw(st.spec.on_call.answer_after, f"{st.id}/on_call/{inc_id}")
            if st.office.shift.next_on(t0) <= t0 + answer:
                desk = st.office
                shift = desk.shift
            else:
                yield env.timeout(answer)
                engine.emit("on_call_answered", st.id, inc_id, ref=item.ref,
                            waited=env.now - t0)
        before: tuple[float, float] | None = None
        if since is not None and since < t0:
            # the wait before this handling, split by the office hours (by the duty
            # desk's, for an item it handles without calling the duty officer out)
            worked = worked_between(shift if desk is st.duty and not slot.called
                                    else st.office.shift, since, t0)
            before = (max(t0 - since - worked, 0.0), worked)
        if not (yield from self._until_open(st, desk, item)):
            return
        on_call = st.spec.on_call
        if desk is st.office and on_call is not None and item.channel in on_call.channels:
            # the duty officer may take it over if it is still at the office at closing
            self._watch_closing(st)
        off_duty = env.now - t0
        t1 = env.now
        req = slot.hold(desk, self._request(st, desk, item))
        yield req
        if slot.desk is not None and slot.desk is not desk:
            # the office closed while it waited: it moved to the duty desk
            desk = slot.desk
            shift = desk.shift
        if env.now > t1:
            # waiting for a place: the time the desk was closed meanwhile is time off
            # duty, the rest time queued behind other work
            queued = worked_between(shift, t1, env.now)
            off_duty += max(env.now - t1 - queued, 0.0)
        else:
            queued = 0.0
        if before is not None:
            off_duty += before[0]
            queued += before[1]
        if not resume and not item.acknowledged:
            slot.stage = "acknowledging"
            ack = engine.draw(pol.ack_delay, f"{st.id}/ack/{inc_id}")
            waited, duty_queued = yield from self._in_hand(slot, shift, ack)
            off_duty += waited
            queued += duty_queued
            if slot.desk is not None and slot.desk is not desk:
                # the office closed meanwhile and the duty officer took the item over
                desk = slot.desk
                shift = desk.shift
            if st.human:
                slot.release()
                return
            if not item.acknowledged:
                engine.acknowledge(st, [item], by="policy", off_duty=off_duty,
                                   queued=queued, worked=ack)
            # else someone acting for the role (exercise control) acknowledged it
            # meanwhile: the team goes on with the analysis and the rules
        elif st.human:
            slot.release()
            return
        picture = st.pictures[inc_id]
        if resume and picture.analysis == "none" and inc_id in st.person_acted:
            # the person acted on the incident but did not mark it analysed: the policy
            # analyses it before the first action it still owes on it, and not at all
            # when the person did everything the rules ask
            st.analysis_owed.add(inc_id)
        else:
            desk = yield from self._analysis(st, item, slot, desk)
            shift = desk.shift
        triggers = [item.kind]
        relook = item.grew or item.widened or resume
        if resume:
            # every armed rule looks again, but those a follow-on still to run takes up
            triggers = self.resumed_triggers(st, item)
        elif relook:
            # the picture grew with this item, or it may pass on more of it (a fact it
            # held only under a stricter label came again under a laxer one): every
            # armed rule looks again
            triggers.extend(picture.armed)
        yield from self.apply_rules(st, inc_id, triggers, item, shift, resume=resume)
        if not relook and st.unpublished and not st.human:
            # a publication the labels held back looks again on an item that lets the
            # team make something public (a GREEN fact come again under CLEAR)
            waiting = [r for i, r in st.unpublished if i == inc_id
                       and any(t in picture.armed for t in self.arming[r])]
            if waiting and any(self._may_publish(st, item, f) for f in item.facts):
                yield from self.apply_rules(
                    st, inc_id, [t for r in waiting for t in self.arming[r] if t in picture.armed],
                    item, shift, only=frozenset(waiting))
        if not relook and not st.human and (self.heard_names or self.received_names):
            # an item that adds no fact still says something: a message, that its
            # action was done (the armed rules waiting for that, ``done: by: anyone``,
            # look again); an inject, that it has arrived (the armed rules waiting for
            # it, ``when.received``, look again)
            named = self.heard_names.get(item.kind, ())
            awaited = self.received_names.get(item.ref)
            if awaited:
                named = [r for r in self.rules if r in named or r in awaited]
            woken = [r for r in named
                     if item.kind not in self.arming[r]
                     and any(t in picture.armed for t in self.arming[r])]
            if woken:
                yield from self.apply_rules(
                    st, inc_id, [t for r in woken for t in self.arming[r] if t in picture.armed],
                    item, shift, only=frozenset(woken))
        slot.release()

    def _watch_closing(self, st: ActorState) -> None:
        """Look at ``st``'s on-call work at the office desk when the office next closes
        (once per closing)."""
        shift = st.office.shift
        now = self.env.now
        closing = shift.shift_end(shift.next_on(now))
        if math.isinf(closing) or self._closing.get(st.id) == closing:
            return
        self._closing[st.id] = closing
        self.engine.after(closing - now, partial(self._at_closing, st, closing))

    def _at_closing(self, st: ActorState, closing: float) -> None:
        """The office closes: the duty officer takes over the work left at the office desk
        that came on an on-call channel about an incident severe enough for it (as the
        team knows it), unless it is drafting an action the duty officer does not carry
        out. Such work still queued moves to the duty desk in its priority order; such
        work in hand (an acknowledgement, an analysis or an action being drafted) is
        carried on there. The rest waits for the morning."""
        if self._closing.get(st.id) == closing:
            del self._closing[st.id]
        on_call = st.spec.on_call
        if st.human or on_call is None:
            return
        now = self.env.now
        office = st.office
        duty = st.duty
        queued: dict[simpy.Event, Received] = {}
        in_hand: list[tuple[tuple, simpy.Process, Received, Slot, float]] = []
        left_behind = False
        for proc, (item, slot) in list(st.work.items()):
            req = slot.req
            if slot.desk is not office or req is None or item.channel not in on_call.channels:
                continue
            if not st.on_call_takes(item, now, self._drafting(slot)):
                left_behind = True
                continue
            if not req.triggered:
                queued[req] = item
                continue
            plan = slot.plan
            left = 0.0 if plan is None else plan[2] - worked_between(plan[0], plan[1], now)
            if plan is None or plan[0] is not office.shift or left <= 1e-9:
                # between two steps, or finishing at this very moment: the office
                # finishes it
                left_behind = True
                continue
            in_hand.append((st.priority(item, len(in_hand)), proc, item, slot, left))
        # the work in hand goes first, the most urgent first; then what is queued
        for _key, proc, item, slot, left in sorted(in_hand, key=itemgetter(0)):
            stage = slot.stage.split(" ")[0]  # acknowledging, analysing or drafting
            slot.release()
            # the rest of the work is the duty officer's: others wait for it
            slot.plan = (duty.shift, now, left)
            slot.hold(duty, self._request(st, duty, item))
            proc.interrupt(HANDED_OVER)
            self.engine.emit("on_call_answered", st.id, item.incident, ref=item.ref,
                             waited=now - item.at, at_closing=stage)
        moved = office.hand_over(set(queued), duty)
        for req in moved:
            item = queued[req]
            for _item, slot in st.work.values():
                if slot.req is req:
                    slot.desk = duty
            self.engine.emit("on_call_answered", st.id, item.incident, ref=item.ref,
                             waited=now - item.at, at_closing="queued")
        if left_behind:
            self._watch_closing(st)

    def _drafting(self, slot: Slot) -> str | None:
        """The action ``slot``'s work is drafting, or waiting to draft (None when it is
        doing something else)."""
        stage, _, rid = slot.stage.partition(" ")
        found = self.rules.get(rid) if stage == "drafting" else None
        return None if found is None else found[1].action

    def _to_office(self, st: ActorState, slot: Slot,
                   item: Received) -> Generator[simpy.Event, object, Shift | AlwaysOn]:
        """Leave the rest of ``item``'s work at the duty desk to the office (a draft of an
        action the duty officer does not carry out): free the duty desk, then wait for
        the office to open and for a place at its desk; returns the office's clock."""
        slot.release()
        office = st.office
        if not (yield from self._until_open(st, office, item)):
            # the office never opens again: the work waits past the drill's end
            yield self.env.timeout(self.engine.end + 1 - self.env.now)
        on_call = st.spec.on_call
        if on_call is not None and item.channel in on_call.channels:
            # the duty officer may take over what follows if it is at the office at closing
            self._watch_closing(st)
        yield slot.hold(office, self._request(st, office, item))
        return office.shift

    def _analysis(self, st: ActorState, item: Received, slot: Slot,
                  desk: Desk) -> Generator[simpy.Event, object, Desk]:
        """Analyse ``item``'s incident at ``desk``, or wait for the analysis under way,
        unless it is done; returns the desk the work is at once it is (the duty desk,
        when the office closed meanwhile and the duty officer took the item over)."""
        env = self.env
        inc_id = item.incident
        shift = desk.shift
        picture = st.pictures[inc_id]
        if picture.analysis != "done":
            # the wait before the analysis is not a draft's
            slot.set_aside = None
        if picture.analysis == "none":
            spent = self.engine.draw(st.spec.policy.analysis_time, f"{st.id}/analysis/{inc_id}")
            started = env.now
            try:
                yield from self._analyse(st, inc_id, picture, slot, shift, spent)
            except simpy.Interrupt as stop:
                if stop.cause == HANDED_OVER and slot.plan is not None \
                        and slot.desk is not None:
                    # the office closed with the analysis unfinished and the duty
                    # officer took the item over: it carries out the rest, and the
                    # rules, at the duty desk
                    was, began, minutes = slot.plan
                    left = minutes - worked_between(was, began, env.now)
                    # the office's part: from when it began to the closing, now
                    office = (env.now, spent - left, env.now - started - (spent - left))
                    desk = slot.desk
                    shift = desk.shift
                    if slot.req is not None:
                        yield slot.req
                    yield from self._analyse(st, inc_id, picture, slot, shift, left, office)
                elif stop.cause != TAKEN_OVER:
                    raise
                else:
                    # the office closed with the analysis unfinished and the duty
                    # officer carries out the rest: wait for it without a desk
                    yield from self._await_analysis(st, desk, item, slot, picture)
        elif picture.analysis == "busy":
            if desk is st.office:
                # the analysis is under way at another desk: wait for it without a desk
                yield from self._await_analysis(st, desk, item, slot, picture)
            else:
                yield from self._duty_analysis(st, desk, item, slot, picture)
        if slot.desk is not None and slot.desk is not desk:
            # it waited for the office desk again and moved to the duty desk at closing
            desk = slot.desk
        return desk

    def _in_hand(self, slot: Slot, shift: Shift | AlwaysOn, minutes: float,
                 since: float | None = None) -> Generator[simpy.Event, object,
                                                          tuple[float, float]]:
        """Spend ``minutes`` of worked time on ``shift`` acknowledging an item or drafting
        an action, as :func:`~.actors.work` does; returns the off-duty minutes waited,
        and the minutes queued behind other work on the way (``since``: as for
        :func:`~.actors.work`, a draft the duty officer left for the office then, or the
        first draft of work taken up again after a hand-back: :attr:`Slot.set_aside`).
        When the office closes meanwhile and the duty officer takes the item over
        (:meth:`_at_closing`), the rest is worked at the duty desk once it has a place
        there: the wait for that place is queued (off duty while the desk is closed)."""
        env = self.env
        began = env.now
        if slot.set_aside is not None:
            since, slot.set_aside = slot.set_aside, None
        # the minutes off duty it waited before it began, should the work be interrupted
        ahead = 0.0 if since is None or since >= began else \
            max(began - since - worked_between(shift, since, began), 0.0)
        slot.plan = (shift, began, minutes)
        queued = 0.0
        try:
            waited = yield from work(env, shift, minutes, self.engine.end, since)
        except simpy.Interrupt as stop:
            plan = slot.plan
            if stop.cause != HANDED_OVER or plan is None or slot.desk is None:
                raise
            left = plan[2]
            # what was waited off duty before closing (the office was closed meanwhile)
            waited = ahead + max(env.now - began - (minutes - left), 0.0)
            desk = slot.desk
            if slot.req is not None:
                closed_at = env.now
                yield slot.req
                if env.now > closed_at:
                    queued = worked_between(desk.shift, closed_at, env.now)
                    waited += max(env.now - closed_at - queued, 0.0)
            waited += yield from work(env, desk.shift, left, self.engine.end)
        slot.plan = None
        return waited, queued

    def _analyse(self, st: ActorState, inc_id: str, picture: Picture, slot: Slot,
                 shift: Shift | AlwaysOn, spent: float,
                 office: tuple[float, float, float] | None = None) -> Iterator[simpy.Event]:
        """Analyse the incident for ``spent`` minutes of worked time on ``shift``.

        ``office``: the duty officer finishes an analysis the office began, and this is
        the office's part of it: when the office closed, the minutes it worked on it and
        those it was off duty meanwhile (``handed_over`` in the log)."""
        env = self.env
        engine = self.engine
        picture.analysis = "busy"
        slot.analysing = picture
        slot.stage = "analysing"
        t2 = env.now
        slot.plan = (shift, t2, spent)
        waited = yield from work(env, shift, spent, engine.end)
        picture.analysis = "done"
        slot.analysing = slot.plan = None
        if office is None:
            engine.emit("analysed", st.id, inc_id, by="policy", worked=spent,
                        off_duty=waited, started_at=t2)
        else:
            at, worked, off_duty = office
            engine.emit("analysed", st.id, inc_id, by="policy", worked=spent,
                        off_duty=waited, started_at=t2,
                        handed_over={"at": at, "worked": worked, "off_duty": off_duty})
        if not picture.done.triggered:  # a person may have marked it analysed meanwhile
            picture.done.succeed()

    def _await_analysis(self, st: ActorState, desk: Desk, item: Received, slot: Slot,
                        picture: Picture,
                        until: float = math.inf) -> Iterator[simpy.Event]:
        """Wait without a desk for the analysis under way (or until drill minute
        ``until``, whichever comes first), then for the desk again."""
        slot.release()
        slot.stage = "waiting"
        if math.isinf(until):
            yield picture.done
        else:
            yield picture.done | self.env.timeout(until - self.env.now)
        req = slot.hold(desk, self._request(st, desk, item))
        yield req

    def _duty_analysis(self, st: ActorState, desk: Desk, item: Received, slot: Slot,
                       picture: Picture) -> Iterator[simpy.Event]:
        """At the duty desk, with the analysis under way elsewhere: wait for it while the
        desk running it is on duty; when that desk is off duty (the office has closed
        with the analysis unfinished), carry out the rest of it here."""
        while picture.analysis == "busy":
            runner = self._analyst(st, picture)
            now = self.env.now
            plan = runner[1].plan if runner is not None else None
            if runner is None or plan is None:
                # not the policy's own work (nothing to take over): wait for it
                yield from self._await_analysis(st, desk, item, slot, picture)
                continue
            proc, other = runner
            shift, began, minutes = plan
            if shift.on_duty(now):
                # the analysis goes on: wait for it, or for the office to close
                yield from self._await_analysis(st, desk, item, slot, picture,
                                                until=shift.shift_end(now))
                continue
            left = minutes - worked_between(shift, began, now)
            if left <= 1e-9:
                # it is finishing at this very moment
                yield from self._await_analysis(st, desk, item, slot, picture)
                continue
            other.analysing = other.plan = None
            proc.interrupt(TAKEN_OVER)
            # the office's part: from when it began to when it last closed
            closed = _last_closing(shift, began, now)
            done = minutes - left
            yield from self._analyse(st, item.incident, picture, slot, desk.shift, left,
                                     (closed, done, max(closed - began - done, 0.0)))

    @staticmethod
    def _analyst(st: ActorState, picture: Picture) -> tuple[simpy.Process, Slot] | None:
        """The policy's work analysing ``picture`` now, with its slot."""
        for proc, (_item, slot) in st.work.items():
            if slot.analysing is picture:
                return proc, slot
        return None

    def follow_on(self, st: ActorState, item: Received, slot: Slot | None = None,
                  triggers: list[str] | None = None,
                  only: frozenset[str] | None = None) -> Iterator[simpy.Event]:
        """Read rules at the office desk without a new item to handle: the rules that
        follow once every message of another rule has been acknowledged (``item``'s own
        kind, ``after:<rule>``), or some armed rules again, ``only`` those, when a phase
        begins or a ``local_time`` window opens (``triggers``). Its wait for the office
        to open, and for a place at its desk, is its first draft's: off duty while the
        office is closed, queued the rest."""
        slot = slot if slot is not None else Slot()
        desk = st.office
        slot.set_aside = self.env.now
        if not (yield from self._until_open(st, desk, item)):
            return
        req = slot.hold(desk, self._request(st, desk, item))
        yield req
        yield from self.apply_rules(st, item.incident, triggers or [item.kind], item,
                                    desk.shift, only=only)
        slot.release()
        if triggers is None and not st.human:
            # the follow-on has run: a later hand-back does not run it again
            owed = st.after_owed
            for i, waiting in enumerate(owed):
                if waiting is item:
                    del owed[i]
                    break

    def _phase_begins(self, phase: str, rids: list[str]) -> None:
        """A drill phase begins: each team's armed rules that name it look again, for
        every incident it has finished analysing, or took up again unanalysed after a
        person who acted on it played the role (analysed first if a rule leaves it
        something to do); an analysis under way is followed by the handling reading the
        rules itself."""
        engine = self.engine
        for st in engine.actors.values():
            if st.human:
                continue
            mine = [r for r in rids if st.id in self.binds[r]]
            if not mine:
                continue
            for inc_id, picture in st.pictures.items():
                if picture.analysis != "done" and not (
                        picture.analysis == "none" and inc_id in st.analysis_owed):
                    continue  # its handling reads the rules once it is analysed
                woken = [r for r in mine if any(t in picture.armed for t in self.arming[r])]
                if not woken:
                    continue
                ref = f"phase:{phase}"
                item = Received(ref, ref, None, st.id, inc_id, "CLEAR", None, self.env.now, ())
                slot = Slot()
                triggers = [t for r in woken for t in self.arming[r] if t in picture.armed]
                self.start(st, self.follow_on(st, item, slot, triggers, frozenset(woken)),
                           item, slot)

    def _await_window(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                      message: bool, relied: list[str], sender: str | None) -> None:
        """Rule ``rid`` applies to ``st``'s incident but for its ``local_time``, whose
        window is closed: it looks again when the window next opens on the team's clock,
        if the drill lasts until then. Nothing is planned when something else keeps the
        rule back (a phase, an action not yet done: what brings it about wakes the rule),
        or when it has nobody new to tell."""
        cond = rule.when
        engine = self.engine
        if not situation_holds(cond, st, inc_id, engine, clock=False) or (
                cond.phase is not None and not in_phase(cond.phase, engine)):
            return
        if st.decided.get((inc_id, rid)) is False or (
                message and not self._new_targets(st, inc_id, rid, rule, relied, sender)):
            return
        window = cond.local_time
        assert window is not None
        key = (st.id, inc_id, window)
        waiting = self._windows.get(key)
        if waiting is not None:
            waiting.add(rid)  # the window's opening is planned already
            return
        at = next_opening(window, st.shift, engine.now)
        if at >= engine.end:
            return
        self._windows[key] = {rid}
        engine.after(at - engine.now, partial(self._window_opens, st, inc_id, window))

    def _window_opens(self, st: ActorState, inc_id: str, window: str) -> None:
        """A ``local_time`` window opens on ``st``'s clock: its rules that waited for it
        on the incident look again, at the office desk in office hours (its ``trigger``
        is ``local_time:<window>``). A role a person plays now is left to them: the
        policy looks again when the role comes back."""
        rids = self._windows.pop((st.id, inc_id, window), None)
        if not rids or st.human:
            return
        picture = st.pictures[inc_id]
        woken = [r for r in self.rules
                 if r in rids and any(t in picture.armed for t in self.arming[r])]
        if not woken:
            return
        ref = f"local_time:{window}"
        item = Received(ref, ref, None, st.id, inc_id, "CLEAR", None, self.env.now, ())
        slot = Slot()
        triggers = [t for r in woken for t in self.arming[r] if t in picture.armed]
        self.start(st, self.follow_on(st, item, slot, triggers, frozenset(woken)), item, slot)

    # --- the rules -----------------------------------------------------------------

    def apply_rules(self, st: ActorState, inc_id: str, triggers: list[str], item: Received,
                    shift, only: frozenset[str] | None = None,
                    resume: bool = False) -> Iterator[simpy.Event]:
        """Carry out every framework rule these triggers set off for this actor.

        ``only`` limits the rules to these ids (rules released from a hold). Whatever
        sets the rules off, what a person playing the role did is the role's: no message
        goes to a recipient the person sent that action to, no effect the person
        carried out is carried out again, and such a rule counts as done (rules held
        until it go on). ``resume``: the policy takes the incident up again after a
        hand-back, and a message rule with nobody left to tell counts as done too.
        """
        picture = st.pictures[inc_id]
        key = (frozenset(triggers), st.id)
        bound = self._set_off.get(key)
        if bound is None:
            bound = self._set_off[key] = self._rules_set_off(key[0], st.id)
        on_call = st.spec.on_call
        if on_call is not None and on_call.actions is not None:
            bound = self._duty_first(st, bound)
        for rid, rule, message in bound:
            if only is not None and rid not in only:
                continue
            for sender, asked_at in self._asked_by(picture, rule, item, message):
                if st.human:
                    return
                yield from self._apply(st, inc_id, rid, rule, message, item, shift, sender,
                                       asked_at, resume)

    def _duty_first(self, st: ActorState,
                    bound: list[tuple[str, Rule, bool]]) -> list[tuple[str, Rule, bool]]:
        """The rules in the order the desk this work holds takes them: at the duty desk,
        those whose action the duty officer carries out first (the rest wait for the
        office), each part in scenario order."""
        held = st.work.get(self.env.active_process)
        desk = None if held is None else held[1].desk
        if desk is None or st.spec.always_on or desk is not st.duty:
            return bound
        return sorted(bound, key=lambda entry: not st.duty_carries_out(entry[1].action))

    @staticmethod
    def _asked_by(picture: Picture, rule: Rule, item: Received,
                  message: bool) -> list[tuple[str | None, float | None]]:
        """Whom the ``sender`` selector names when a rule is looked at, each with the
        arrival of its first item that set the rule off (None when that does not
        matter).

        A rule that answers the ``sender`` is looked at once for each actor that sent
        an item of one of its ``on`` triggers (handled already), in the order of those
        items' arrival: an item that only grew the picture sets no answer off to its
        own sender. Any other rule reads the handled item's sender, left out of its
        other selectors.
        """
        if not message or "sender" not in rule.to:
            return [(item.sender, None)]
        first: dict[str, float] = {}
        on = rule.on
        for got in picture.items:
            if got.kind in on and got.acknowledged and got.sender is not None:
                first.setdefault(got.sender, _known_at(got))
        return list(first.items()) or [(None, None)]

    def _apply(self, st: ActorState, inc_id: str, rid: str, rule: Rule, message: bool,
               item: Received, shift, sender: str | None,
               asked_at: float | None, resume: bool = False) -> Iterator[simpy.Event]:
        """Carry out one rule, with ``sender`` for its ``sender`` selector (asking
        since ``asked_at``), if it applies (``resume``: see :meth:`apply_rules`)."""
        engine = self.engine
        picture = st.pictures[inc_id]
        pol = st.spec.policy
        if not message and (inc_id, rid) in st.fired:
            return
        # the condition reads only the picture: its answer holds until a fact is added
        memo = picture.memo
        known = len(picture.learnt)
        hit = memo.get(rid)
        if hit is not None and hit[0] == known:
            relied = hit[1]
        else:
            relied = applies(rule.when, st.spec.country, picture, self.groups)
            memo[rid] = (known, relied)
        if relied is None:
            return
        since = None
        if rule.when.situational:
            if not situation_holds(rule.when, st, inc_id, engine):
                if rule.when.local_time is not None:
                    self._await_window(st, inc_id, rid, rule, message, relied, sender)
                return
            # when the situation came about counts as much as when the facts did
            since = situation_since(rule.when, st, inc_id, engine)
        owed = st.analysis_owed
        if owed and inc_id in owed and self._owes(st, inc_id, rid, rule, message, relied,
                                                  sender):
            # taken up again after a person who acted on it played the role, the
            # incident was never analysed: the policy analyses it before its first
            # action on it, then looks at the rule again on what it knows by then
            owed.discard(inc_id)
            if picture.analysis != "done" and (yield from self._analyse_first(st, item)):
                yield from self._apply(st, inc_id, rid, rule, message, item, shift, sender,
                                       asked_at, resume)
                return
        if inc_id in st.person_acted and self._done_by_person(
                st, inc_id, rid, rule, message, relied, sender, resume):
            # what the person did is the role's, held rule or not: rules held until it,
            # and those waiting for it to be done, may go on
            if not message:
                st.fired.add((inc_id, rid))  # the person carried the effect out: once
            yield from self._rule_done(st, inc_id, rid, rule, item, shift)
            return
        if rule.hold_until and not self._released(st, inc_id, rid, rule):
            return
        targets: list[Target] = []
        if message:
            targets = self._new_targets(st, inc_id, rid, rule, relied, sender)
            person = st.person_sent
            if person:
                # whoever the person sent the action to is not sent it again
                targets = [t for t in targets if (inc_id, rule.action, t[0]) not in person]
            if not targets:
                return  # nobody (new) to tell yet: the rule may apply later
        else:
            st.fired.add((inc_id, rid))
        decided = st.decided.get((inc_id, rid))
        if decided is None:
            p = pol.rule_probability.get(rid, pol.follow_rules)
            decided = p >= 1.0 or engine.streams(f"{st.id}/decide/{rid}/{inc_id}").random() < p
            st.decided[(inc_id, rid)] = decided
            if not decided:
                engine.emit("declined", st.id, inc_id, rule=rid, reason="policy",
                            probability=p)
        if not decided:
            return
        if message and pol.tlp_breach <= 0:
            # a team that never passes on what a label forbids sees before drafting
            # which of its messages the labels keep back, and drafts none of them
            targets = self._not_kept_back(st, inc_id, rule, targets, relied)
            if not targets:
                return
        elif rule.action == "publish" and pol.tlp_breach <= 0:
            # nor a publication with nothing it may make public: the rule looks again
            # when the team may say more (a CLEAR report joins)
            restricted, kept = engine.messaging.publication_kept_back(st, picture.items,
                                                                      relied)
            if kept:
                st.fired.discard((inc_id, rid))
                refs = tuple(i.ref for i in restricted)
                if st.unpublished.get((inc_id, rid)) != (refs, tuple(kept)):
                    st.unpublished[(inc_id, rid)] = (refs, tuple(kept))
                    engine.emit("withheld", st.id, inc_id, refs=list(refs), to="public",
                                facts=kept, action="publish",
                                reason="no message without restricted facts")
                return
        armed_at = min(picture.armed[t] for t in self.arming[rid] if t in picture.armed)
        held = st.work.get(self.env.active_process)
        slot = None if held is None else held[1]
        # a draft at the duty desk of an action the duty officer does not carry out is
        # left to the office
        office_draft = False
        if slot is not None:
            slot.stage = f"drafting {rid}"
            if slot.desk is not None:
                # the desk the item is at now: the duty desk, when the duty officer took
                # it over at closing while an earlier action was drafted
                shift = slot.desk.shift
                office_draft = not st.duty_carries_out(rule.action) and slot.desk is st.duty
        dist = pol.action_time.get(rule.action, pol.drafting_time)
        spent = engine.draw(dist, f"{st.id}/draft/{rid}/{inc_id}")
        drafting = [t for t, _ in targets]
        if drafting:
            st.drafting.setdefault((inc_id, rid), set()).update(drafting)
        try:
            if slot is None:
                waited = yield from work(self.env, shift, spent, engine.end)
            elif office_draft:
                # its wait for the office is part of it: off duty until the office opens
                set_aside = self.env.now
                shift = yield from self._to_office(st, slot, item)
                waited, _queued = yield from self._in_hand(slot, shift, spent, set_aside)
            else:
                waited, _queued = yield from self._in_hand(slot, shift, spent)
        except simpy.Interrupt:
            # the role changed hands while this was drafted: it was never done
            st.fired.discard((inc_id, rid))
            _undraft(st, inc_id, rid, drafting)
            raise
        if slot is not None and slot.desk is not None:
            shift = slot.desk.shift  # the duty officer finished it: sent from its desk
        _undraft(st, inc_id, rid, drafting)
        if st.human:
            st.fired.discard((inc_id, rid))
            return
        if not self._still_applies(st, inc_id, rid, rule):
            # the picture grew while this was drafted and the condition no longer
            # holds (a crime became known while a takedown was drafted): the action
            # is dropped, and the rule may apply later
            st.fired.discard((inc_id, rid))
            engine.emit("declined", st.id, inc_id, rule=rid, reason="condition")
            return
        if message:
            # someone else's handling may have told them meanwhile; anyone who became
            # a recipient while this was drafted is left to the handling of what
            # made them one
            still = {t for t, _ in self._new_targets(st, inc_id, rid, rule, relied, sender)}
            targets = [t for t in targets if t[0] in still]
            if not targets:
                return
        facts = sorted({*relied, *(f for _, just in targets for f in just)})
        # each message is due from when its own recipient became due, not from the
        # newest fact of another recipient sent the same message with it, and is set off
        # by what that rests on; the action, by the last
        due, trigger_at, newest = self._due(st, inc_id, rule, relied, targets, armed_at,
                                            since, sender, asked_at,
                                            (inc_id, rid) in st.unpublished)
        set_off = {aid: item.kind if top is None or top[0] <= armed_at else top[1]
                   for aid, top in newest.items()}
        last = max((top for top in newest.values() if top is not None), default=None)
        set_off_by = item.kind if last is None or last[0] <= armed_at else last[1]
        done = engine.messaging.perform(
            st, rule.action, inc_id, [t for t, _ in targets],
            [rule.channel, *rule.fallback] if rule.channel else [], rule.tlp, rule=rid,
            trigger_at=trigger_at, passes=picture.items, by="policy",
            deadline=rule.deadline, worked=spent, trigger=item.ref, off_duty=waited,
            relied=facts, set_off_by=set_off_by,
            justification={t: just for t, just in targets}, desk=shift,
            due_from=None if all(t == trigger_at for t in due.values()) else due,
            set_off=None if all(s == set_off_by for s in set_off.values()) else set_off,
        )
        if not done:
            # a publication withheld at sending: the rule looks again when the team may
            # say more
            st.fired.discard((inc_id, rid))
            st.unpublished[(inc_id, rid)] = ((), ())
            return
        if st.unpublished:
            st.unpublished.pop((inc_id, rid), None)
        yield from self._rule_done(st, inc_id, rid, rule, item, shift)

    def _owes(self, st: ActorState, inc_id: str, rid: str, rule: Rule, message: bool,
              relied: list[str], sender: str | None) -> bool:
        """Whether a rule that applies leaves the policy something to do, as
        :meth:`_apply` would find it: a recipient to tell whom the person did not send
        that action to, or an effect the person did not carry out; nothing when the
        policy chose not to follow the rule."""
        if st.decided.get((inc_id, rid)) is False:
            return False
        if not message:
            return (inc_id, rule.action) not in st.person_done
        targets = self._new_targets(st, inc_id, rid, rule, relied, sender)
        person = st.person_sent
        return any((inc_id, rule.action, aid) not in person for aid, _ in targets)

    def _done_by_person(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                        message: bool, relied: list[str], sender: str | None,
                        resume: bool) -> bool:
        """Whether what a person playing the role did leaves the rule nothing to do: the
        effect was carried out, or nobody is left to tell but those the person sent the
        action to, one at least (``resume``: the policy taking the incident up again
        after a hand-back, nobody is left to tell at all)."""
        if not message:
            return (inc_id, rule.action) in st.person_done
        targets = self._new_targets(st, inc_id, rid, rule, relied, sender)
        person = st.person_sent
        if any((inc_id, rule.action, aid) not in person for aid, _ in targets):
            return False
        if resume or targets:
            return True
        return any((inc_id, rule.action, aid) in person
                   for aid, _ in self._addressed(st, inc_id, rid, rule, sender))

    def resumed_triggers(self, st: ActorState, item: Received) -> list[str]:
        """What sets off the rules when the policy takes ``item``'s incident up again:
        the item, and every armed trigger but the follow-ons still to run (they run
        apart, as they would have)."""
        picture = st.pictures[item.incident]
        pending = {i.kind for i in st.after_owed if i.incident == item.incident}
        return [item.kind, *(t for t in picture.armed if t not in pending)]

    def take_up(self, st: ActorState, item: Received) -> None:
        """The role is back with the policy: it takes ``item``'s incident up again (from
        ``item``, its latest acknowledged item) where it still owes something on it
        (:meth:`owes`). An incident a person acted on without marking it analysed is
        analysed before the first action the policy still owes on it."""
        inc_id = item.incident
        if st.pictures[inc_id].analysis == "none" and inc_id in st.person_acted:
            st.analysis_owed.add(inc_id)
        if self.owes(st, item):
            slot = Slot()
            self.start(st, self.handle(st, item, slot, resume=True), item, slot)

    def owes(self, st: ActorState, item: Received, triggers: list[str] | None = None) -> bool:
        """Whether taking ``item``'s incident up again would leave the policy something to
        do: an analysis nobody finished (on an incident no person acted on), or an armed
        rule that applies (its ``local_time`` is read when the policy gets to it), with
        a recipient to tell or an effect to carry out, and that is not held (or is held,
        but not yet waiting for its hold), or whose being done by the person lets a rule
        held until it go on. ``triggers``: a follow-on's, which reads only the rules
        they set off."""
        inc_id = item.incident
        picture = st.pictures[inc_id]
        if triggers is None:
            if picture.analysis != "done" and inc_id not in st.person_acted:
                return True
            triggers = self.resumed_triggers(st, item)
        rules = self._rules_set_off(frozenset(triggers), st.id)
        person = inc_id in st.person_acted
        did: set[str] = set()
        owing: list[tuple[str, Rule]] = []
        for rid, rule, message in rules:
            if not message and (inc_id, rid) in st.fired:
                continue
            relied = applies(rule.when, st.spec.country, picture, self.groups)
            if relied is None or (rule.when.situational
                                  and not self._may_hold(rule.when, st, inc_id)):
                continue
            if st.decided.get((inc_id, rid)) is False:
                continue
            for sender, _asked_at in self._asked_by(picture, rule, item, message):
                if person and self._done_by_person(st, inc_id, rid, rule, message, relied,
                                                   sender, resume=True):
                    if (st.id, inc_id, rid) not in self.done:
                        did.add(rid)
                elif not message or self._sendable(st, inc_id, rid, rule, relied, sender):
                    owing.append((rid, rule))
        done = self.done
        waiting = self.waiting.get((st.id, inc_id), ())
        for rid, rule in owing:
            if rid not in waiting or all((st.id, inc_id, r) in done or r in did
                                         for r in rule.hold_until):
                return True
        # what the person did, once marked done, lets a rule held until it go on
        bound = {rid for rid, _rule, _message in rules}
        return any(held in bound and (st.id, inc_id, held) not in done
                   for first in did for held in self.held_by.get(first, ()))

    def _sendable(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                  relied: list[str], sender: str | None) -> bool:
        """Whether a message rule has a recipient the policy would send it to now: one
        not yet told, whom the person did not send the action to and, for a team that
        never passes on what a label forbids, to whom the labels let it go."""
        person = st.person_sent
        targets = [t for t in self._new_targets(st, inc_id, rid, rule, relied, sender)
                   if (inc_id, rule.action, t[0]) not in person]
        if targets and st.spec.policy.tlp_breach <= 0:
            targets = self._not_kept_back(st, inc_id, rule, targets, relied, record=False)
        return bool(targets)

    def _may_hold(self, cond: Condition, st: ActorState, inc_id: str) -> bool:
        """Whether the situational parts of a condition hold now, or may once the policy
        gets to it: all but the local time, which it reads then."""
        if not situation_holds(cond, st, inc_id, self.engine, clock=False):
            return False
        return cond.phase is None or in_phase(cond.phase, self.engine)

    def _analyse_first(self, st: ActorState,
                       item: Received) -> Generator[simpy.Event, object, bool]:
        """Analyse ``item``'s incident at the desk this work holds, before the policy's
        first action on it since it took the incident up again; False when the work
        holds no desk to do it at."""
        held = st.work.get(self.env.active_process)
        slot = None if held is None else held[1]
        if slot is None or slot.desk is None:
            return False
        yield from self._analysis(st, item, slot, slot.desk)
        return True

    def _rule_done(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                        item: Received, shift) -> Iterator[simpy.Event]:
        """Rule ``rid`` is done for ``st``'s incident (by the policy, or by a person who
        played the role): the rules held until it, and those waiting for its action to
        be done, look again."""
        picture = st.pictures[inc_id]
        self.done.add((st.id, inc_id, rid))
        released = self._unheld(st, inc_id, rid)
        if released:
            triggers_of = [t for r in released for t in self.arming[r] if t in picture.armed]
            yield from self.apply_rules(st, inc_id, triggers_of, item, shift,
                                        only=frozenset(released))
        # rules waiting for this action to be done (``when.done``) look again
        woken = [r for r in self.done_names.get(rule.action, ()) if r != rid
                 and any(t in picture.armed for t in self.arming[r])]
        if woken and not st.human:
            triggers_of = [t for r in woken for t in self.arming[r] if t in picture.armed]
            yield from self.apply_rules(st, inc_id, triggers_of, item, shift,
                                        only=frozenset(woken))

    def _due(self, st: ActorState, inc_id: str, rule: Rule, relied: list[str],
             targets: list[Target], armed_at: float, since: float | None,
             sender: str | None, asked_at: float | None, withheld: bool = False
             ) -> tuple[dict[str, float], float, dict[str, tuple[float, str] | None]]:
        """When each recipient of a rule's action became due, when the action did (the
        last of them), and for each recipient the newest fact its due time rests on,
        with when it counts from (None when it rests on none; an action with no
        recipient, under "").

        A recipient is due from the latest of: when the rule's condition came to hold
        (the earliest facts that make it true, :func:`onset`), the facts that make it a
        recipient, the rule armed, the situation come about (``since``), for an answer
        to ``sender`` what it sent arrived (``asked_at``), and, for a recipient told
        some of it before (or that told the actor some of it), the first fact it is due
        for and has not been told (as :meth:`_new_targets` reads them).
        A fact counts from when it was learnt or, when a label kept it from that
        recipient, from the first item that lets the actor pass it on to it (a laxer
        label): unless the message goes only by passing on what the labels forbid. A
        publication the labels held back (``withheld``) counts its facts from the first
        item that lets the actor make them public.
        """
        picture = st.pictures[inc_id]
        learnt = picture.learnt
        country = st.spec.country
        # like the condition, its onset reads only the picture: it holds until a fact is
        # added (``onset`` memoised apart from the condition's own answer)
        memo = picture.memo
        hit = memo.get((id(rule), "onset"))
        if hit is not None and hit[0] == len(learnt):
            rests = hit[1]
        else:
            rests = onset(rule.when, country, learnt, self.groups, picture.type) or []
            memo[(id(rule), "onset")] = (len(learnt), rests)
        # whether a label ever kept a fact back: only then may a recipient be due later
        kept = bool(picture.restricted or picture.opened)
        newest: dict[str, tuple[float, str] | None] = {}
        due: dict[str, float] = {}
        # an action with no recipient (a takedown) is due as a first message would be
        for aid, just in targets or [("", ())]:
            counts: Mapping[str, float] = learnt
            mine = rests
            opened_at = None
            if kept and aid:
                passable = picture.passable_since(partial(self._may_pass, st, aid))
                held = onset(rule.when, country, passable, self.groups, picture.type)
                if held is not None and all(f in passable for f in just):
                    counts, mine = passable, held
            elif withheld:
                # a publication the labels held back counts from when they let it say
                # what it rests on, and at least something (a CLEAR report joined)
                public = self._public_since(st, picture)
                held = onset(rule.when, country, public, self.groups, picture.type)
                if held is not None and public:
                    counts, mine = public, held
                    opened_at = min(public.values())
            stamps = [(counts[f], f) for f in (*mine, *just)]
            told = st.told.get((inc_id, rule.action, aid), ())
            heard = st.heard.get((inc_id, aid), ())
            if told or heard:
                # a recipient already told some of it (or that told the actor) is due
                # from the first fact it has not been told: it was told the rest
                untold = [(counts.get(f, learnt[f]), f)
                          for f in just or dict.fromkeys((*relied, *mine))
                          if f not in told and f not in heard]
                if untold:
                    stamps.append(min(untold, key=lambda u: u[0]))
            at = armed_at
            top = None
            if stamps:
                top = max(stamps)
                # of the facts it rests on that came at that moment, the last by name
                top = max((top, *((t, f) for f in (*relied, *just)
                                  if (t := counts.get(f, learnt[f])) == top[0])))
                at = max(at, top[0])
            if opened_at is not None and opened_at > at:
                at = opened_at
            newest[aid] = top
            if since is not None:
                at = max(at, since)
            if asked_at is not None and aid == sender:
                at = max(at, asked_at)
            due[aid] = at
        if not targets:
            return {}, due[""], newest
        return due, max(due.values()), newest

    @staticmethod
    def _may_publish(st: ActorState, item: Received, fact: str) -> bool:
        """Whether ``item`` lets ``st`` make ``fact`` public: its label, or the fact's own,
        is CLEAR."""
        return (allowed(item.tlp, item.named, st, None)
                or allowed(item.label_of(fact), item.named, st, None))

    def _public_since(self, st: ActorState, picture: Picture) -> dict[str, float]:
        """When each fact became one the actor may make public (the first item that lets
        it), in the order it learnt them; a fact no item lets out is left out."""
        first: dict[str, float] = {}
        for item in picture.items:  # in the order they joined the picture
            for f in item.facts:
                if f not in first and self._may_publish(st, item, f):
                    first[f] = item.known_at
        return {f: first[f] for f in picture.learnt if f in first}

    def _may_pass(self, st: ActorState, aid: str, item: Received, fact: str) -> bool:
        """Whether ``item`` lets ``st`` pass ``fact`` on to ``aid``: its label, or the
        fact's own, allows it, or ``aid`` sent it (it knows what it said)."""
        if item.dispatch is not None and item.sender == aid:
            return True
        target = self.engine.actors[aid]
        return (allowed(item.tlp, item.named, st, target)
                or allowed(item.label_of(fact), item.named, st, target))

    def _not_kept_back(self, st: ActorState, inc_id: str, rule: Rule, targets: list[Target],
                       relied: list[str], record: bool = True) -> list[Target]:
        """The targets a message under ``rule`` may go to as the labels stand; each of
        the others is recorded as withheld, as sending would record it (``record``)."""
        picture = st.pictures[inc_id]
        if all(item.tlp in OPEN_LABELS for item in picture.items):
            return targets  # nothing restricted to keep back
        facts = sorted({*relied, *(f for _, just in targets for f in just)})
        kept_back = self.engine.messaging.kept_back
        out = []
        for target in targets:
            aid, just = target
            withheld, due = kept_back(st, rule.action, inc_id, aid, picture.items, just, facts,
                                      rule.when)
            if due:
                if record:
                    self.engine.emit("withheld", st.id, inc_id,
                                     refs=[i.ref for i in withheld], to=aid, facts=due,
                                     action=rule.action,
                                     reason="no message without restricted facts")
            else:
                out.append(target)
        return out

    def _still_applies(self, st: ActorState, inc_id: str, rid: str, rule: Rule) -> bool:
        """Whether a rule's condition still holds once its action is drafted, on what the
        actor knows now: its picture, the injects that reached it and the actions it
        knows of. The parts that read the clock (phase, local time) were met when the
        rule was taken up and are not read again: drafting past the end of a window
        does not undo the decision."""
        picture = st.pictures[inc_id]
        known = len(picture.learnt)
        hit = picture.memo.get(rid)
        if hit is not None and hit[0] == known:
            relied = hit[1]
        else:
            relied = applies(rule.when, st.spec.country, picture, self.groups)
            picture.memo[rid] = (known, relied)
        if relied is None:
            return False
        return not rule.when.situational or situation_holds(rule.when, st, inc_id,
                                                            self.engine, clock=False)

    def _rules_set_off(self, triggers: frozenset[str],
                       actor: str) -> list[tuple[str, Rule, bool]]:
        """The rules these triggers set off that bind ``actor``, in scenario order, each
        with whether it sends a message."""
        rules: dict[str, Rule] = {}
        for trig in triggers:
            for rid, rule in self.by_trigger.get(trig, ()):
                rules.setdefault(rid, rule)
        order = {rid: i for i, rid in enumerate(self.rules)}
        return [(rid, rule, rule.action in MESSAGE_VERBS)
                for rid, rule in sorted(rules.items(), key=lambda kv: order[kv[0]])
                if actor in self.binds[rid]]

    def _released(self, st: ActorState, inc_id: str, rid: str, rule: Rule) -> bool:
        """True when every rule this one is held until is done; otherwise it waits."""
        missing = [r for r in rule.hold_until if (st.id, inc_id, r) not in self.done]
        if not missing:
            return True
        waiting = self.waiting.setdefault((st.id, inc_id), set())
        if rid not in waiting:
            waiting.add(rid)
            self.engine.emit("held", st.id, inc_id, rule=rid, until=missing)
        return False

    def _unheld(self, st: ActorState, inc_id: str, rid: str) -> list[str]:
        """Rules waiting on ``rid`` whose every hold is now done, in scenario order."""
        waiting = self.waiting.get((st.id, inc_id))
        if not waiting:
            return []
        out = []
        for held in self.held_by.get(rid, ()):
            if held in waiting and all((st.id, inc_id, r) in self.done
                                       for r in self.rules[held][1].hold_until):
                waiting.discard(held)
                out.append(held)
        return out

    def _addressed(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                   sender: str | None) -> list[Target]:
        """Everyone the rule addresses on what the actor knows of the incident, told or
        not (:meth:`Directory.targets`)."""
        picture = st.pictures[inc_id]
        # whom the rule addresses reads only the picture (and the sender): the list
        # holds until a fact is added
        known = len(picture.learnt)
        hit = picture.memo.get((rid, sender))
        if hit is not None and hit[0] == known:
            return hit[1]
        addressed = self.directory.targets(rule, st.id, st.spec.country, picture, sender)
        picture.memo[(rid, sender)] = (known, addressed)
        return addressed

    def _new_targets(self, st: ActorState, inc_id: str, rid: str, rule: Rule,
                     relied: list[str], sender: str | None) -> list[Target]:
        """Recipients not yet told the facts that make them recipients.

        A recipient chosen for a fact (an affected or hosting country) is due when it
        has not been told that fact; one chosen whatever the incident (the regional
        council, the local police) is due when the condition now rests on a fact it has
        not been told. Facts this actor has read in the recipient's own messages count as
        told (not those of its mail still unread).
        """
        addressed = self._addressed(st, inc_id, rid, rule, sender)
        out = []
        drafting = st.drafting.get((inc_id, rid), ())
        told_of = st.told.get
        heard_of = st.heard.get
        action = rule.action
        for aid, just in addressed:
            if aid in drafting:
                continue  # a message to it under this rule is being drafted
            told = told_of((inc_id, action, aid))
            due = just or relied
            if told is None and not due:
                out.append((aid, just))  # chosen whatever the incident: due once
                continue
            before: Collection[str] = told if told is not None else ()
            heard = heard_of((inc_id, aid), ())
            for f in due:
                if f not in before and f not in heard:
                    out.append((aid, just))
                    break
        return out
