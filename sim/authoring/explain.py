"""A scenario printed for a person to check: the MSEL in everyone's local time, the
directory of actors, and the escalation path each incident will take.

Names, titles and notes come from the scenario file: every line goes through
:func:`~sim.safe.text.one_line` (a name before it is padded to its column), so a line
break or tab in one is shown as ``\\n`` or ``\\t`` and can never start a line of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from scenarios.durations import clock_minute, format_duration, on_clock, parse_drill_time
from scenarios.model import (
    MESSAGE_VERBS,
    TLP_ORDER,
    WEEKDAYS,
    ActionSeen,
    Actor,
    Condition,
    Constant,
    Inject,
    InjectCondition,
    LogNormal,
    Members,
    Rule,
    Scenario,
)
from sim.authoring.lint import INJECT_LOST, Reach, hold_never_lifts, incidents, unreached
from sim.engine.clock import scenario_shift
from sim.engine.knowledge import IMPLIED_FACTS, LABEL_RANK, OPEN_RANK, Picture, stated_facts
from sim.engine.messaging import allowed, current_type_last
from sim.engine.policy import Directory, applies, holds_on
from sim.safe.text import one_line

EFFECTS = {
    "takedown": "takes the infrastructure down",
    "preserve": "preserves the data",
    "publish": "publishes an advisory",
    "close": "closes the incident",
    "acknowledge": "acknowledges",
    "analyse": "analyses",
}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _seen(a: ActionSeen) -> str:
    """An action as exercise control sees it: 'request_takedown by mycert on ransom'."""
    by = f" by {_or(list(a.by))}" if a.by else " (anyone's)"
    on = f" on incident {a.incident}" if a.incident else ""
    return f"{a.action}{by}{on}"


def _phases(phases: list[str]) -> str:
    return f"the drill is in phase {_or(list(phases))}"


def inject_condition(cond: InjectCondition) -> list[str]:
    """An inject's ``when`` in words, one clause per field."""
    out = []
    if cond.met:
        out.append(f"{_and(list(cond.met))} {'was' if len(cond.met) == 1 else 'were'} met")
    if cond.missed:
        out.append(f"{_and(list(cond.missed))} {'was' if len(cond.missed) == 1 else 'were'} "
                   "missed")
    out += [f"{_seen(a)} was done" for a in cond.done or ()]
    out += [f"{_seen(a)} was not done" for a in cond.not_done or ()]
    if cond.phase:
        out.append(_phases(cond.phase))
    return out


def rule_condition(cond: Condition) -> list[str]:
    """The situational parts of a rule's ``when`` in words (the incident's facts are
    checked by the escalation walk itself)."""
    out = []
    if cond.received:
        out.append(f"inject {_and(list(cond.received))} reached it")
    if cond.phase:
        out.append(_phases(cond.phase))
    if cond.local_time:
        out.append(f"its local time is {cond.local_time}")
    for a in cond.done or ():
        out.append(f"it did {a.action}" if a.by == "self"
                   else f"it knows {a.action} was done (by it or anyone who told it)")
    for a in cond.not_done or ():
        out.append(f"it has not done {a.action}" if a.by == "self"
                   else f"it knows of no {a.action} (by it or anyone who told it)")
    return out


def _contingency_triggers(sc: Scenario) -> dict[str, list[str]]:
    """For each contingency inject, what fires it, in words."""
    words = {"met": "{x} is met in time", "late": "{x} is met late",
             "missed": "{x} is missed", "lost": "a message that would meet {x} is lost or bounces"}
    out: dict[str, list[str]] = {}
    for x in sc.expectations:
        for kind, inject in x.contingencies().items():
            out.setdefault(inject, []).append(words[kind].format(x=x.id))
    return out


def branching(inj: Inject, fired_by: list[str]) -> list[str]:
    """When an inject is delivered, beyond its time: the MSEL's branches in words."""
    lines = []
    delay = format_duration(inj.delay) if inj.delay else ""
    if inj.after_action is not None:
        first = f"the first {_seen(inj.after_action)}"
        lines.append(f"{delay} after {first}" if delay else f"at {first}")
    elif inj.type == "contingency" or not inj.at:
        if fired_by:
            lines.append(f"fires {delay} after {_or(fired_by)}" if delay
                         else f"fires when {_or(fired_by)}")
        else:
            lines.append("never fires: no expectation names it")
    if inj.when is not None and (clauses := inject_condition(inj.when)):
        lines.append(f"only if {_and(clauses)}; skipped otherwise")
    return lines


def never_reaches(reach: Reach, inj: Inject, to: str) -> tuple[float | None, str] | None:
    """When and why inject ``inj`` never reaches ``to``, as a run loses it (an inject is
    never bounced nor sent on another channel): for one at a drill time, the moment the
    engine judges it lost (once someone answers on a channel that needs someone at the
    desk, once service returns after a holding outage); for one set off during the
    drill, None as the moment, when the contact is out of date from the start to the
    end, so that it is lost whenever it goes. None when it can arrive."""
    if inj.id in reach.at:
        got = reach.lost(to, inj.via, reach.at[inj.id], inj.sender)
        return None if got is None else (got[0], INJECT_LOST[got[1]].format(via=inj.via))
    if reach.stale_from(to, inj.via, 0.0):
        return None, INJECT_LOST["stale_contact"].format(via=inj.via)
    return None


def _msel(sc: Scenario) -> list[str]:
    lines = ["MSEL (drill time; each recipient's local time, on or off duty)", ""]
    start = sc.drill.start
    triggers = _contingency_triggers(sc)
    reach = Reach(sc)
    for inj in sc.injects:
        when = (clock_minute(parse_drill_time(inj.at, start)) if inj.at
                else "on action" if inj.after_action is not None else "contingency")
        lines.append(f"  {inj.id:<6}{when:<12}{inj.type:<12}{sc.actors[inj.sender].name} "
                     f"-> via {inj.via}, TLP:{inj.tlp}: {inj.title or inj.incident.id}")
        lines.extend(f"  {'':<6}{line}" for line in branching(inj, triggers.get(inj.id, [])))
        for to in inj.to:
            actor = sc.actors[to]
            shown = one_line(actor.name)
            if inj.at:
                t = parse_drill_time(inj.at, start)
                shift = scenario_shift(sc, to)
                # LOST, with why, for an inject a run loses for it
                duty = reach.duty(to, t, inj)
                # a long name keeps a space before the local time
                lines.append(f"  {'':<18}{shown:<33} {shift.local(t):%a %d %b %H:%M} "
                             f"{shift.local(t):%Z}  {duty}")
            elif (lost := never_reaches(reach, inj, to)) is not None:
                lines.append(f"  {'':<18}{shown:<33} LOST ({lost[1]})")
            else:
                lines.append(f"  {'':<18}{shown}")
    return lines


def hours_in_words(actor: Actor, sep: str = ", ") -> str:
    """An actor's working hours for people: 24/7, a working pattern as a timetable (days
    off, lunch breaks), else hours and days (joined by ``sep``)."""
    if actor.always_on:
        return "24/7"
    if actor.working_pattern is not None:
        return timetable(actor.week)
    return f"{actor.working_hours} {sep.join(actor.working_days)}"


def _directory(sc: Scenario) -> list[str]:
    lines = ["Directory", ""]
    for aid, a in sc.actors.items():
        shift = scenario_shift(sc, aid)
        offset = shift.local(0).strftime("%z")
        hours = hours_in_words(a, sep=",")
        contacts = ", ".join(f"{c}{' (STALE)' if v.stale else ''}" for c, v in a.contacts.items())
        # a long id keeps a space before the name
        lines.append(f"  {aid:<13} {one_line(a.name)[:34]:<36}{a.kind:<20}{a.country or '--':<4}"
                     f"{a.timezone} (UTC{offset[:3]}:{offset[3:]})  {hours}")
        lines.append(f"  {'':<14}contacts: {contacts or 'none'}")
        if a.organisation is not None:
            lines.append(f"  {'':<14}organisation: {a.organisation} "
                         "(AMBER and AMBER+STRICT pass within it)")
        lines.extend(f"  {'':<14}{line}" for line in _calendar_lines(sc, aid, shift))
    lines += _legal_channels(sc)
    return lines


def _joined_later(members: list[str]) -> str:
    """The members given with a date after the drill's start, with that date, or ''."""
    later = members.joined_later() if isinstance(members, Members) else {}
    return ", ".join(f"{c} (from {d.isoformat()})" for c, d in later.items())


def _legal_channels(sc: Scenario) -> list[str]:
    """Which legal channels each country really has on the day the drill starts: rules
    offer only these. Members that joined later, and a group's, are named."""
    groups = {gid: later for gid, members in sc.groups.items()
              if (later := _joined_later(members))}
    if not sc.memberships and not sc.roles and not groups:
        return []
    lines = ["", "Legal channels and roles", ""]
    day = sc.drill.start_day.isoformat()
    for mid, m in sc.memberships.items():
        checked = f"; list checked {m.as_of.isoformat()}" if m.as_of else ""
        lines.append(f"  {mid:<15}{m.title}")
        lines.append(f"  {'':<15}members: {', '.join(m.countries) or 'none'}, as of {day} "
                     f"(the drill's start{checked})")
        if later := _joined_later(m.countries):
            lines.append(f"  {'':<15}not yet members: {later}")
    for gid, later in groups.items():
        lines.append(f"  group {gid}: not yet members: {later}")
    for role, aid in sc.roles.items():
        lines.append(f"  {role}: {sc.actors[aid].name} ({aid})")
    return lines


def timetable(week: tuple) -> str:
    """A working week for people: 'mon-thu 08:00-12:30,14:00-17:00; fri 08:00-12:15,...'."""
    def hhmm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    runs: list[tuple[int, int, tuple]] = []
    for d, ranges in enumerate(week):
        if runs and runs[-1][2] == ranges and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d, ranges)
        else:
            runs.append((d, d, ranges))
    parts = []
    for first, last, ranges in runs:
        if not ranges:
            continue
        days = WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]}-{WEEKDAYS[last]}"
        parts.append(f"{days} {','.join(f'{hhmm(a)}-{hhmm(b)}' for a, b in ranges)}")
    return "; ".join(parts) or "never"


def _calendar_lines(sc: Scenario, aid: str, shift) -> list[str]:
    """Special hours, the team's own and public holidays during the drill, on-call tier
    and standby."""
    a = sc.actors[aid]
    out = []
    if a.always_on:
        return out
    for s in a.special_hours:
        note = f" ({s.note})" if s.note else ""
        out.append(f"special hours {s.start}..{s.end}: {timetable(s.week(a.week))}{note}")
    first = shift.local(0).date()
    last = shift.local(sc.drill.duration).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    own = [f"{d:%a %d %b}" for d in sorted(shift.holidays) if first <= d <= last]
    if own:
        out.append(f"holidays of its own: {'; '.join(own)}")
    if shift.calendar is not None:
        country, subdivision = shift.calendar
        named = [f"{d:%a %d %b} {shift.holiday(d)}" for d in days[:400]
                 if d not in shift.holidays and shift.holiday(d)]
        where = f"{country}-{subdivision}" if subdivision else country
        out.append(f"public holidays of {where}: "
                   f"{'; '.join(named) if named else 'none during the drill'}")
    if a.on_call is not None:
        oc = a.on_call
        out.append(f"on call out of hours on {', '.join(oc.channels)}: acts on "
                   f"{oc.min_severity} severity and above, answers after "
                   f"{_dist(oc.answer_after)}; the rest waits for office hours")
    for begin, end in shift.standby:
        out.append(f"standby {clock_minute(begin)} to {clock_minute(end)} "
                   f"({shift.when(begin)} to {shift.when(end)} local)")
    return out


def _dist(d) -> str:
    if isinstance(d, Constant):
        return format_duration(d.value)
    if isinstance(d, LogNormal) and d.median is not None:
        return f"median {format_duration(d.median)}"
    return d.dist


#: one way a fact reached an actor: the label the fact came under, the label of the
#: report or message that carried it, and the recipients that report or message names
#: (a TLP:RED one may go whole to them, whatever its facts' own label)
_Way = tuple[str, str, tuple[str, ...]]
#: the facts an actor holds, each with every way it reached the actor
_Held = dict[str, tuple[_Way, ...]]


@dataclass(frozen=True)
class _Who:
    id: str
    spec: Actor


def _hold(held: _Held, facts: Iterable[str], label: str, whole: str,
          named: tuple[str, ...]) -> None:
    """The actor now holds ``facts``, each under ``label``, from a report or message
    labelled ``whole`` that names ``named``."""
    if "RED" not in (label, whole):
        named = ()  # only TLP:RED names whom it may go to
    way = (label, whole, named)
    for f in facts:
        ways = held.get(f, ())
        if way not in ways:
            held[f] = (*ways, way)


def _laxest(ways: tuple[_Way, ...]) -> str:
    """The laxest label a fact came under (what the actor may do with it at most)."""
    return min((w[0] for w in ways), key=TLP_ORDER.index)


def _passes(way: _Way, me: _Who, them: _Who) -> bool:
    """Whether a fact that reached ``me`` this way may go on to ``them``: its own label
    allows it, or the label of the report or message that carried it does, as the
    engine decides (messaging.py)."""
    label, whole, named = way
    return allowed(label, named, me, them) or (
        whole != label and allowed(whole, named, me, them))


def _message_ways(carried: _Held, implied: tuple[str, ...], tlp: str, me: _Who,
                  them: _Who, everyone: list[_Who]) -> tuple[str, _Held]:
    """The label of a message from ``me`` to ``them`` under a rule's label ``tlp``, and
    how the facts it carries reach it, as the engine labels the message (messaging.py):
    each fact under the laxest label it may go under, never laxer than ``tlp``; the
    message under the strictest of ``tlp``, those labels and the reports it passes on
    whole. A TLP:RED message names those of the rule's recipients (``everyone``) every
    such label lets it go to."""
    rank = TLP_ORDER.index
    base = rank(tlp)
    best = {f: max(base, min(rank(w[0]) for w in ways)) for f, ways in carried.items()}
    for f in implied:
        best.setdefault(f, base)
    whole = max([base, *best.values()])
    labels: set[tuple[str, tuple[str, ...]]] = set()
    for ways in carried.values():
        for label, item, names in ways:
            if allowed(item, names, me, them):
                whole = max(whole, rank(item))  # passed on whole
                labels.add((item, names))
            else:
                labels.add((label, names))
    message = TLP_ORDER[whole]
    named: tuple[str, ...] = (them.id,)
    if message == "RED":
        named = tuple(t.id for t in everyone if t.id == them.id or all(
            allowed(lbl, n, me, t) for lbl, n in labels))
    out: _Held = {}
    for f, r in best.items():
        _hold(out, (f,), TLP_ORDER[r], message, named)
    return message, out


@dataclass
class _Heard:
    """Whom each actor first heard each fact from on the walk, and what each team has
    told it.

    The engine never tells a team again what that team told the actor itself
    (``policy.py``, ``_new_targets``). The walk has no clock, so when an actor first
    looks at a rule it takes the first source of a fact as the one the actor acts on:
    the injects sent to it (all known before the walk), then messages in the order the
    walk sends them. A team that was the first to tell the actor every fact that makes
    it a recipient is not told back; one that told it only after another source did may
    well be (the actor can act before that team's message arrives), and is shown. When
    the actor looks at the rule again later on the walk, every fact a team has told it
    by then counts, as in the engine.
    """

    #: actor -> fact -> who first told it (an inject's sender, or a message's)
    first: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (actor, sender) -> every fact that sender's messages have told the actor
    every: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, actor: str, sender: str, facts: Iterable[str], message: bool = True) -> None:
        mine = self.first.setdefault(actor, {})
        facts = tuple(facts)
        for f in facts:
            mine.setdefault(f, sender)
        if message:
            self.every.setdefault((actor, sender), set()).update(facts)

    def told_by(self, actor: str, target: str, due: Iterable[str]) -> bool:
        """Whether ``target`` first told ``actor`` every fact in ``due`` (the facts that
        make it a recipient, or that the rule's condition rests on)."""
        due = tuple(due)
        mine = self.first.get(actor, {})
        return bool(due) and all(mine.get(f) == target for f in due)

    def said(self, target: str, actor: str) -> set[str]:
        """Every fact ``target`` has told ``actor`` so far on the walk."""
        return self.every.get((actor, target), set())


@dataclass
class _Walk:
    """What the walk has done so far, kept as the engine keeps it for each actor."""

    #: actor -> the facts it holds, with their labels (only what messages carried)
    held: dict[str, _Held] = field(default_factory=dict)
    heard: _Heard = field(default_factory=_Heard)
    #: (actor, verb, recipient) -> the facts the actor's messages with that verb have
    #: told the recipient: only what they carried, so a fact withheld under its label
    #: is not told, and the recipient is due again once it may be (the engine's ``told``)
    told: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    #: (actor, rule) pairs looked at: an effect is carried out once; a message rule is
    #: looked at again whenever a message grows the actor's picture, as in the engine,
    #: and tells only the recipients that are due
    seen: set[tuple[str, str]] = field(default_factory=set)
    #: (actor, rule) of message rules that left a recipient due, a fact it is due
    #: withheld under its label: the fact goes once the actor may pass it on
    pending: set[tuple[str, str]] = field(default_factory=set)
    #: (actor, rule) pairs a trigger has set off on the walk (an inject, a verb
    #: received, ``after:<rule>``), whether or not the rule then applied: each is looked
    #: at again whenever a message grows the actor's picture (the engine's armed rules)
    armed: set[tuple[str, str]] = field(default_factory=set)
    #: rule id -> the actors it binds
    binds: dict[str, frozenset[str]] = field(default_factory=dict)
    #: actor -> its picture of the incident, fed each inject and message in the order
    #: the walk delivers them, so that it acts on the type a run's team would
    pictures: dict[str, Picture] = field(default_factory=dict)
    #: (actor, message rule) -> the recipients of its messages on the walk that never
    #: acknowledge them, with why: the rules that follow it (``after``) are never set off
    unacked: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    #: (actor, rule) whose followers (``after``) were set off, or shown never to be
    followed: set[tuple[str, str]] = field(default_factory=set)
    #: actors holding a report or message that may be made public, whole or in part
    #: (its label, or that of some of its facts, is CLEAR): only they may publish
    public: set[str] = field(default_factory=set)

    def take(self, actor: str, facts: Iterable[str], label: str, whole: str,
             named: tuple[str, ...]) -> bool:
        """The actor takes an item stating ``facts`` (in the order the item states
        them, its types oldest first) under ``label``, from a report or message labelled
        ``whole`` that names ``named``. True when the item grows its picture: a new fact,
        a fact under a laxer label than before, or a move to another type (as
        :meth:`Picture.take` in a run)."""
        facts = tuple(facts)
        held = self.held.setdefault(actor, {})
        was = {f: LABEL_RANK[_laxest(held[f])] for f in facts if f in held}
        _hold(held, facts, label, whole, named)
        if "CLEAR" in (label, whole):
            self.public.add(actor)
        return self.learn(actor, facts) or any(
            f not in was or LABEL_RANK[_laxest(held[f])] < was[f] for f in facts)

    def learn(self, actor: str, facts: tuple[str, ...]) -> bool:
        """The actor's picture takes an item stating ``facts``, in that order; True when
        it moves the actor to another type (:meth:`View._retype`, as in a run)."""
        picture = self.pictures.setdefault(actor, Picture())
        before = picture.type
        picture.learn(facts, 0.0)
        return picture.type != before


def _going_out(sc: Scenario) -> list[Inject]:
    """The injects in the order they go out: those at a drill time by that time (the
    file's order between those at the same time), then the rest as the file lists
    them."""
    start = sc.drill.start
    timed = sorted((i for i in sc.injects if i.at),
                   key=lambda i: parse_drill_time(i.at, start))
    return [*timed, *(i for i in sc.injects if not i.at)]


def _paths(sc: Scenario) -> list[str]:
    """Who would tell whom, by rule, starting from each incident's first recipients.

    Each actor decides on its own picture: the facts of the injects sent to it, and
    what the messages on the path pass on under their TLP labels. As in the engine, a
    recipient counts as told only the facts a message carried: one a label kept a
    fact from is due again, and is told once a message that grows the actor's
    picture lets it pass the fact on; a recipient told the facts that make it one
    (under any rule with that verb) is not told again. A message that tells an actor
    something new makes it look again at every rule set off for it so far: a team that
    learns of another affected country tells that country's CERT, on the line under
    the message that told it. So does a message that lets it pass on what it knew only
    under a stricter label (the same facts, restated in GREEN). Each fact a message
    carries keeps the label it came under, never laxer than the rule's. A fact may go
    wherever its own label allows, or wherever the report or message that brought it
    may go whole: a TLP:RED report goes to the teams it names, whatever the label of
    its facts. Only what is CLEAR may be made public: a team publishes nothing when it
    holds no report or message that may be, whole or in part, or when what its rule
    rests on came only under other labels.

    The paths use the incident's fullest extent, up to an inject that gives it
    another type: the injects at a drill time are taken in the order they go out, in
    stretches that each end before such an inject, and each stretch is walked, as if
    its injects were all known at once, before the next arrives. So a rule for the type
    an incident had before it was retyped is shown, as a run carries it out. A team
    takes the type it acts on as in a run (an item states its types oldest first, a
    message its sender's last): a type new to it, or one an item states after the
    type the team acts on; an older type restated later does not take it back.
    """
    directory = Directory.of(sc)
    rules = sc.rules()
    reach = Reach(sc)
    lines = ["Escalation paths under the frameworks (if every rule is followed)", ""]
    out = _going_out(sc)
    for iid, inc in incidents(sc).items():
        first = [i for i in out if i.incident.id == iid and i.at]
        # the type the incident ends with is the one its injects give last (as exercise
        # control's record of a run has it), whatever the order of the file
        typed = [i.incident.type for i in out if i.incident.id == iid and i.incident.type]
        lines.append(f"  incident {iid} ({typed[-1] if typed else inc.type}; "
                     f"affected {', '.join(inc.affected) or '--'}; "
                     f"hosted in {', '.join(inc.hosted_in) or '--'}; "
                     f"crime {'suspected' if inc.crime_suspected else 'not suspected'})")
        walk = _Walk(binds={rid: sc.binds(rule) for rid, (_, rule) in rules.items()})
        # the recipients an inject never reaches (as a run loses it): no path starts
        # from them, and they learn nothing from it
        lost = {(inj.id, to): gone[1] for inj in first for to in inj.to
                if (gone := never_reaches(reach, inj, to)) is not None}
        for inj in first:
            for to in inj.to:
                if (inj.id, to) not in lost:
                    walk.heard.add(to, inj.sender, stated_facts(inj.incident), message=False)
        for stretch in _stretches(first):
            grew: dict[str, bool] = {}
            for inj in stretch:
                facts = stated_facts(inj.incident)
                for to in inj.to:
                    if (inj.id, to) not in lost:
                        grew[to] = walk.take(to, facts, inj.facts_label, inj.tlp,
                                             tuple(inj.to)) or grew.get(to, False)
            for inj in stretch:
                for to in inj.to:
                    why = lost.get((inj.id, to))
                    if why is not None:
                        lines.append(f"    {sc.actors[to].name}: NEVER reached by inject "
                                     f"{inj.id} ({why})")
                        continue
                    # what the stretch told it grows its picture once: at its first walk
                    _walk(sc, directory, rules, walk, to, "inject", None, 2, lines,
                          grew.pop(to, False))
        lines.append("")
    return lines


def _stretches(injects: list[Inject]) -> list[list[Inject]]:
    """An incident's injects (in the order they go out) cut before each one that gives
    the incident another type than the last one given."""
    out: list[list[Inject]] = []
    typed = ""
    for inj in injects:
        given = inj.incident.type or typed
        if not out or given != typed:
            out.append([])
        typed = given
        out[-1].append(inj)
    return out


def _addressed(sc: Scenario, actor: Actor, channel: str | None, fallback: bool = True) -> str:
    """The recipient's name, flagged when its point of contact will lose the message
    (``fallback``: whether the rule has another channel to go on by)."""
    contact = actor.contacts.get(channel) if channel else None
    if channel and contact is None:
        return f"{actor.name} (no {channel} contact)"
    if channel and contact is not None and contact.stale:
        if sc.channels[channel].bounce is not None and contact.bounces is not False:
            fate = "bounces, then the fallback" if fallback else "bounces, and no fallback"
        else:
            fate = "lost until chased" if fallback else "lost, and no fallback"
        return f"{actor.name} (STALE {channel} contact: {fate})"
    return actor.name


def _sets_off(rule: Rule, trigger: str) -> bool:
    """Whether ``trigger`` (an inject, a verb received, ``after:<rule>``) arms ``rule``."""
    return trigger in rule.on or (trigger.startswith("after:") and trigger[6:] in rule.after)


def _walk(sc: Scenario, directory: Directory, rules: dict, walk: _Walk, actor: str,
          trigger: str, sender: str | None, depth: int, lines: list[str],
          grew: bool = False) -> None:
    """The rules ``trigger`` sets off for ``actor`` and, when what it was told ``grew``
    its picture (or let it pass on a fact it held only under a stricter label), every
    rule set off for it before, as the engine looks at its armed rules again: an effect
    is carried out once, a message goes to the recipients now due (one that found
    nobody at first may find someone now). A message rule a team's message sets off
    again looks again too, as the engine applies it on each trigger: a recipient it
    left out as the sender of the message that first set it off may be due now."""
    spec = sc.actors[actor]
    me = _Who(actor, spec)
    groups = sc.country_sets()
    held = walk.held.setdefault(actor, {})
    # what it knows, and the type it acts on: more as messages on the walk tell it
    picture = walk.pictures.setdefault(actor, Picture())
    heard = walk.heard
    for rid, (_, rule) in rules.items():
        if actor not in walk.binds[rid]:
            continue
        # set off by this trigger, or armed before and looked at again as the picture grew
        again = grew and (actor, rid) in walk.armed
        if not _sets_off(rule, trigger) and not again:
            continue
        walk.armed.add((actor, rid))
        message = rule.action in MESSAGE_VERBS
        first_look = (actor, rid) not in walk.seen
        # set off again by a team's message, a message rule looks again, as in a run:
        # the team whose message sets it off is left out of its recipients (or is the
        # one, under ``sender``), so one left out before may be due now
        afresh = sender is not None and _sets_off(rule, trigger)
        if not first_look and not (message and (again or afresh
                                                or (actor, rid) in walk.pending)):
            continue  # an effect is carried out once; a message has nothing new to tell
        relied = applies(rule.when, spec.country, picture, groups)
        if relied is None:
            continue
        walk.seen.add((actor, rid))
        deadline = f" within {format_duration(rule.deadline)}" if rule.deadline else ""
        clauses = rule_condition(rule.when)
        only = f", only if {_and(clauses)}" if clauses else ""
        if message:
            targets = []
            found = directory.targets(rule, actor, spec.country, picture, sender)
            # what the act itself states (a referral says "crime") goes with it: the
            # engine sends nothing that would pass on a fact held only under a label
            # that forbids it (messaging.py, "no message without restricted facts")
            implied = IMPLIED_FACTS.get(rule.action, ())
            stated = [f for f in implied if f in held]
            tellers, withheld, already = [], [], []
            #: found, but with no point of contact on the rule's channels (and why): the
            #: engine sends it and loses it at once, on each of them
            cut_off: list[tuple[str, str]] = []
            short = False  # a recipient left due a fact a label keeps from it
            for t, needed in found:
                due = needed or relied
                before = walk.told.get((actor, rule.action, t))
                # the facts it is due: not told by the actor (a withheld fact was not)
                # nor told the actor itself (policy.py)
                said = heard.said(t, actor)
                untold = [f for f in dict.fromkeys(due)
                          if f not in (before or ()) and f not in said]
                if first_look and before is None:
                    if heard.told_by(actor, t, due):
                        tellers.append(t)  # it told the actor these facts itself
                        continue
                elif not (untold if due else before is None):
                    already.append(t)
                    continue
                lost = unreached(sc, rule, t)
                if lost is not None:
                    # as in a run, what it was sent counts as told: it is not sent again
                    # unless it is due something new
                    cut_off.append((t, lost))
                    walk.told.setdefault((actor, rule.action, t), set()).update(due)
                    continue
                them = _Who(t, sc.actors[t])
                carried = {f: ways for f, v in held.items()
                           if (ways := tuple(w for w in v if _passes(w, me, them)))}
                if before is not None and len(carried) < len(held) and due \
                        and not any(f in carried for f in untold):
                    # told before, it hears again only when the message may carry
                    # something it is due (messaging.py)
                    withheld.append(t)
                    short = True
                elif all(f in carried for f in (*needed, *stated)) \
                        and not _rests_on_kept(rule.when, spec.country, picture, held,
                                               carried, relied, said, groups):
                    targets.append((t, carried))
                    short = short or any(f not in carried and f not in implied
                                         for f in untold)
                else:
                    withheld.append(t)
                    short = True
            if short:
                walk.pending.add((actor, rid))
            else:
                walk.pending.discard((actor, rid))
            # the messages sent: those a recipient never acknowledges keep the rules that
            # follow this one from ever being set off (core.py, ``_receipt_read``)
            unacked = [(t, why) for t, _ in targets
                       if (why := _unacknowledged(sc, rule, t)) is not None]
            if unacked or cut_off:
                walk.unacked.setdefault((actor, rid), []).extend([*unacked, *cut_off])
            if not targets:
                if first_look or cut_off:
                    # said, not dropped: a rule that reaches nobody is a scenario's
                    # mistake (looked at again, it waits for what it may pass on, or
                    # finds the recipients of what it has learnt since)
                    why = _nobody(sc, tellers, withheld, already, cut_off)
                    lines.append(f"{'  ' * depth}{spec.name} --{rule.action}{only}--> NOBODY: "
                                 f"{', '.join(rule.to)} {why}   [{rid}]")
                continue
            named = {t: _addressed(sc, sc.actors[t], rule.channel, any(
                c in sc.actors[t].contacts for c in rule.fallback)) for t, _ in targets}
            named.update((t, f"{sc.actors[t].name} ({lost}: never reached)")
                         for t, lost in cut_off)
            names = ", ".join(named[t] for t, _ in found if t in named)
            lines.append(f"{'  ' * depth}{spec.name} --{rule.action} via {rule.channel}"
                         f"{deadline}, TLP:{rule.tlp}{only}--> {names}   [{rid}]")
            # the message goes to all of them at once; then each takes it up, but one
            # whose every contact on the rule's channels is out of date, which never
            # receives it (lost or bounced, with nothing to chase it on)
            grows = {}
            never = {t for t, _ in unacked}
            everyone = [_Who(t, sc.actors[t]) for t, _ in targets]
            for t, carried in targets:
                # its facts in the order the sender learnt them, the type the sender acts
                # on the last of its types (messaging.py)
                says = tuple(current_type_last(dict.fromkeys((*carried, *implied)),
                                                f"type:{picture.type}"))
                if t in never:
                    # as in a run, what it was sent counts as told: not sent again
                    walk.told.setdefault((actor, rule.action, t), set()).update(says)
                    continue
                theirs = walk.held.setdefault(t, {})
                was = {f: LABEL_RANK[_laxest(theirs[f])] for f in says if f in theirs}
                # each fact travels under the label it came under, never laxer than the
                # message's own (messaging.py)
                labelled, ways_of = _message_ways(carried, implied, rule.tlp, me,
                                                  _Who(t, sc.actors[t]), everyone)
                for f, ways in ways_of.items():
                    for label, whole, named in ways:
                        _hold(theirs, (f,), label, whole, named)
                if labelled == "CLEAR" or any(_open(ways) for ways in ways_of.values()):
                    walk.public.add(t)  # it may make (some of) the message public
                told = heard.said(actor, t)
                # it learns something, or may pass on more of what it knew: a fact it
                # held only under a stricter label now comes under a laxer one, or the
                # actor, now known to know a fact held under a restricted label, may be
                # told what rests on it (core.py, Engine._learn)
                grows[t] = walk.learn(t, says) or any(
                    f not in was or LABEL_RANK[_laxest(theirs[f])] < was[f]
                    or (f not in told and was[f] > OPEN_RANK) for f in says)
                heard.add(t, actor, says)
                walk.told.setdefault((actor, rule.action, t), set()).update(says)
            for t, _ in targets:
                if t not in never:
                    _walk(sc, directory, rules, walk, t, rule.action, actor, depth + 1,
                          lines, grows[t])
        else:
            doing = EFFECTS.get(rule.action, rule.action.replace("_", " "))
            waits = f" once {', '.join(rule.hold_until)} is done" if rule.hold_until else ""
            stuck = hold_never_lifts(rules, walk.binds, rid, actor) if rule.hold_until \
                else None
            if stuck is not None:
                # the engine holds it for good: said, with the reason, not promised
                lines.append(f"{'  ' * depth}{spec.name} {doing}{deadline}{only}: NEVER, it "
                             f"waits for {stuck[0]}, {_HELD[stuck[1]]}   [{rid}]")
                continue
            if rule.action == "publish" and not _may_publish(walk, actor, relied):
                # the engine publishes nothing the labels keep from the public: said, not
                # promised (the rules held until it still follow, as in a run)
                lines.append(f"{'  ' * depth}{spec.name} {doing}{deadline}{waits}{only}: "
                             f"NEVER, it withholds it from the public (TLP)   [{rid}]")
            else:
                lines.append(f"{'  ' * depth}{spec.name} {doing}{deadline}{waits}{only}   "
                             f"[{rid}]")
        _follow(sc, directory, rules, walk, actor, rid, rule, sender, depth + 1, lines)


def _follow(sc: Scenario, directory: Directory, rules: dict, walk: _Walk, actor: str,
            rid: str, rule: Rule, sender: str | None, depth: int, lines: list[str]) -> None:
    """The rules that follow rule ``rid`` of ``actor`` (their ``after``), set off as a run
    sets them off: once every message the actor sent under ``rid`` has been
    acknowledged, and the receipts read (core.py, ``_receipt_read``). A rule that sends
    no message, or one with a message a recipient never acknowledges, sets off nothing:
    each rule that would follow it is shown NEVER, with why, once (set off before, it
    is not set off again)."""
    key = (actor, rid)
    if rule.action in MESSAGE_VERBS:
        never = walk.unacked.get(key)
        if not never:
            walk.followed.add(key)
            _walk(sc, directory, rules, walk, actor, f"after:{rid}", sender, depth, lines)
            return
        if len(never) == 1:
            t, lost = never[0]
            why = f"{sc.actors[t].name} never acknowledges its message ({lost})"
        else:
            why = (f"{_and([f'{sc.actors[t].name} ({lost})' for t, lost in never])} never "
                   "acknowledge its message")
    else:
        why = f"{rid} sends no message to acknowledge"
    if key in walk.followed:
        return
    walk.followed.add(key)
    spec = sc.actors[actor]
    picture = walk.pictures.setdefault(actor, Picture())
    groups = sc.country_sets()
    for fid, (_, follower) in rules.items():
        if actor not in walk.binds[fid] or not _sets_off(follower, f"after:{rid}") \
                or applies(follower.when, spec.country, picture, groups) is None:
            continue
        deadline = f" within {format_duration(follower.deadline)}" if follower.deadline else ""
        clauses = rule_condition(follower.when)
        only = f", only if {_and(clauses)}" if clauses else ""
        if follower.action in MESSAGE_VERBS:
            lines.append(f"{'  ' * depth}{spec.name} --{follower.action} via "
                         f"{follower.channel}{deadline}, TLP:{follower.tlp}{only}--> NEVER "
                         f"after {rid}: {why}   [{fid}]")
        else:
            doing = EFFECTS.get(follower.action, follower.action.replace("_", " "))
            lines.append(f"{'  ' * depth}{spec.name} {doing}{deadline}{only}: NEVER after "
                         f"{rid}: {why}   [{fid}]")


def _unacknowledged(sc: Scenario, rule: Rule, aid: str) -> str | None:
    """Why ``aid`` never acknowledges a message under ``rule``, as a run has it: none of
    the rule's channels (its channel, then its fallbacks, each tried in turn when the
    one before bounces or goes unacknowledged) has a point of contact for it that is up
    to date. None when one has."""
    contacts = sc.actors[aid].contacts
    ways = [c for c in (rule.channel, *rule.fallback) if c]
    if any(c in contacts and not contacts[c].stale for c in ways):
        return None
    stale = [c for c in ways if c in contacts]
    if not stale:
        return unreached(sc, rule, aid)
    return f"STALE {_and(stale)} contact{'s' if len(stale) > 1 else ''}"


def _may_publish(walk: _Walk, actor: str, relied: list[str]) -> bool:
    """Whether ``actor`` publishes under a rule whose condition rests on ``relied``, as
    the engine decides (messaging.py): only what is CLEAR may be made public, so it
    publishes nothing when it holds no report or message that may be made public, whole
    or in part, or when what the rule rests on came only under other labels."""
    if actor not in walk.public:
        return False
    held = walk.held.get(actor, {})
    return all(_open(held.get(f, ())) for f in relied)


def _open(ways: tuple[_Way, ...]) -> bool:
    """Whether a fact that reached an actor these ways may be made public: it came under
    CLEAR, or in a report or message labelled CLEAR."""
    return any("CLEAR" in (label, whole) for label, whole, _ in ways)


def _rests_on_kept(when: Condition, country: str | None, picture: Picture, held: _Held,
                   carried: _Held, relied: list[str], said: set[str],
                   groups: dict[str, list[str]]) -> bool:
    """Whether a message under a rule whose condition ``when`` rests on ``relied`` would
    state what the sender may not pass on to its recipient: the condition holds only on
    facts a label keeps from it (``carried``: what may go) that the recipient did not
    tell the sender itself (``said``), as the engine decides (messaging.py), the type
    the sender acts on (its ``picture``'s) read as the newest of those it may state."""
    if all(f in carried or f in said for f in relied):
        return False
    may = dict.fromkeys(f for f in held if f in carried or f in said)
    return not holds_on(when, country, current_type_last(may, f"type:{picture.type}"), groups)


#: why a rule held until another never acts: the other rule is, for the acting actor,
#: switched off, not one it carries out, waiting for the held rule in turn, or held for
#: good itself
_HELD = {"off": "which is switched off",
         "other": "which it does not carry out itself",
         "circle": "which waits for it in turn",
         "held": "which is itself held for good"}


def _nobody(sc: Scenario, tellers: list[str], withheld: list[str],
            already: list[str] | None = None,
            cut_off: list[tuple[str, str]] | None = None) -> str:
    """Why a message rule tells nobody: nobody found, everyone found told the actor
    what it would say or was told it already, the labels of what it knows keep it
    from them, or it has no point of contact on the rule's channels (each of
    ``cut_off``, with why)."""
    def names(ids: list[str]) -> str:
        return _and([sc.actors[t].name for t in ids])

    already = already or []
    cut_off = cut_off or []
    if cut_off:
        lost_to = _and([f"{sc.actors[t].name} ({lost})" for t, lost in cut_off])
        if not tellers and not withheld and not already:
            return f"finds only {lost_to}"
        return "; ".join([_nobody(sc, tellers, withheld, already), f"cannot reach {lost_to}"])
    if not tellers and not withheld and not already:
        return "finds no recipient"
    parts = []
    if withheld:
        parts.append(f"withholds it from {', '.join(sc.actors[t].name for t in withheld)} (TLP)")
    if tellers:
        parts.append(f"{names(tellers)} told it" if withheld or already
                     else f"finds only {names(tellers)}, which told it")
    if already:
        parts.append(f"has told {names(already)} already" if withheld or tellers
                     else f"finds only {names(already)}, which it has told already")
    return "; ".join(parts)


def explain(sc: Scenario) -> str:
    drill = sc.drill
    # the start on the drill clock: in its own zone, however the file writes it
    start = on_clock(drill.start, drill.clock_timezone)
    head = [f"{drill.title} ({drill.id})",
            f"drill clock starts {start} ({drill.clock_timezone}), "
            f"lasts {format_duration(drill.duration)}", ""]
    lines = [*head, *_msel(sc), "", *_directory(sc), "", *_drift(sc), *_paths(sc)]
    # every line is one line: whatever a name or note holds is shown, never a line break
    return "\n".join(one_line(line) for line in lines) + "\n"


def _drift(sc: Scenario) -> list[str]:
    """Outages, contact changes and per-pair latencies, when the scenario has any."""
    from sim.engine.drift import outage_windows

    lines = []
    for w in outage_windows(sc):
        whose = f"{sc.actors[w.actor].name}'s " if w.actor else ""
        lines.append(f"  outage: {whose}{w.channel} {format_duration(w.start)} to "
                     f"{format_duration(w.end)} into the drill; messages {w.effect}")
    for c in sc.contact_changes:
        lines.append(f"  at {c.at}: {sc.actors[c.actor].name}'s {c.channel} contact "
                     f"{'goes stale' if c.stale else 'is repaired'}")
    for cid, ch in sc.channels.items():
        for p in ch.pair_latency:
            pair = f"{p.sender or 'anyone'} -> {p.recipient or 'anyone'}"
            lines.append(f"  {cid} {pair}{' (both ways)' if p.both_ways else ''}: latency "
                         f"{_dist(p.latency)}")
    return ["Outages and changes during the drill", *lines, ""] if lines else []
