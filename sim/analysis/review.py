"""After the drill: where the time went, expectations rated, human play against the model.

Everything here is computed from an event log (a journal's, or a run's), so a drill
played by people and a run of the automated policy are reviewed the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios import collector
from scenarios.durations import clock_minute
from scenarios.model import MESSAGE_VERBS, Scenario
from sim.analysis.metrics import _item_ref, as_events, compute, hops_with_attempts, not_routed
from sim.analysis.stats import percent
from sim.engine import Engine
from sim.engine.events import Event
from sim.engine.messaging import VERB_EVENT
from sim.safe.text import one_line

#: The parts a hop's duration is split into, in display order. The split follows the
#: attempt acknowledged first, else the first to arrive, as the run report's does.
#: "lost on earlier attempts" is the time from the first attempt to that one, whatever
#: became of those before it (lost, bounced, held in an outage, or overtaken:
#: :attr:`Hop.failed` says which); "held in an outage" is the hold of that attempt. Both
#: are the run report's ``lost_time`` and ``held_time``.
PARTS = (
    "waiting for working hours",
    "in the channel",
    "queued behind other work",
    "analysing",
    "lost on earlier attempts",
    "held in an outage",
)
HOURS, CHANNEL, QUEUED, ANALYSING, LOST, HELD = PARTS
#: The events of an action done (each verb's, sim.engine.messaging.VERB_EVENT): what
#: "People vs model" counts, for a person and for the automated policy alike.
ACTION_EVENTS = frozenset(VERB_EVENT.values())
#: The key under which :func:`role_metrics` (with ``reached``) and so
#: :func:`model_distribution` record, per incident, when something about it first
#: reached the role: (incident, REACHED). It is not a metric compared.
REACHED = "reached"
RATINGS = {
    "P": "performed without challenges",
    "S": "performed with some challenges",
    "M": "performed with major challenges",
    "U": "unable to be performed",
}


@dataclass
class _Message:
    """One logical message from a sender to one recipient, as a hop starts."""

    dispatch: str
    sender: str
    recipient: str
    verb: str
    incident: str
    rule: str | None
    trigger_at: float
    first_sent_at: float


@dataclass
class Hop(_Message):
    """One message hop and where its time went (the parts add up to the duration)."""

    delivered_at: float | None
    end_at: float
    acknowledged: bool
    parts: dict[str, float]
    #: what became of each attempt before the one the split follows, in order: "lost
    #: (stale contact)", "bounced (outage)", "held in an outage", "overtaken" and the like
    failed: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.end_at - self.trigger_at


@dataclass
class NotDelivered(_Message):
    """A hop whose message never arrived: it has no duration and no split (the run
    report leaves it out of the slowest hops too), only what became of it."""

    last_sent_at: float
    attempts: int
    #: "lost" or "bounced" (its last attempt), or "in transit" while one is on its way
    outcome: str
    #: when the last attempt was lost or bounced (None in transit)
    outcome_at: float | None
    #: why: "stale_contact", "no_contact", "channel_failure" or "outage" (None in transit)
    reason: str | None
    #: in transit, held in an outage until then (None when not held)
    held_until: float | None

    def fate(self) -> str:
        """What became of its last attempt, and why: 'lost (stale contact) at T+02:00',
        or 'in transit at the end'. Its times are the clock's minute, as the console
        showed them."""
        t = clock_minute
        if self.outcome == "in transit":
            return "in transit at the end" + (
                f", held in an outage until {t(self.held_until)}"
                if self.held_until is not None else "")
        why = f" ({self.reason.replace('_', ' ')})" if self.reason else ""
        at = f" at {t(self.outcome_at)}" if self.outcome_at is not None else ""
        return f"{self.outcome}{why}{at}"

    def describe(self) -> str:
        """What became of it: 'lost (stale contact) at T+02:00; sent T+01:55'."""
        t = clock_minute
        sent = f"sent {t(self.first_sent_at)}"
        if self.attempts > 1:
            sent += f", {self.attempts} attempts, the last at {t(self.last_sent_at)}"
        return f"{self.fate()}; {sent}"


def hop_breakdown(log: Iterable[Event | Mapping[str, Any]]) -> list[Hop]:
    """Every hop whose message arrived, with its duration split into :data:`PARTS`
    (those that never arrived: :func:`undelivered_hops`)."""
    return _breakdown(as_events(log))[0]


def undelivered_hops(log: Iterable[Event | Mapping[str, Any]]) -> list[NotDelivered]:
    """Every hop whose message never arrived, with what became of it."""
    return _breakdown(as_events(log))[1]


def _attempt_fate(fate: tuple[str, str | None, float] | None, held: bool) -> str:
    """What became of an attempt before the one the split follows, in words (``held``:
    it was held in an outage on its way)."""
    if fate is None or fate[0] in ("delivered", "held"):
        # arrived, or still on its way, but another was acknowledged or arrived first
        return "held in an outage" if held else "overtaken"
    outcome, reason, _ = fate
    return f"{outcome} ({reason.replace('_', ' ')})" if reason else outcome


def _breakdown(events: list[Event]) -> tuple[list[Hop], list[NotDelivered]]:
    """The hops that arrived, split into :data:`PARTS`, and those that never did."""
    acks_by_dispatch: dict[str, Event] = {}
    #: per (actor, incident), the automated policy's acknowledgements and analyses
    own: dict[tuple[str, str], list[Event]] = {}
    #: per (actor, incident), the automated policy's actions, each once as it was drafted
    #: (a message to several recipients, or chased, is one draft)
    drafts: dict[tuple[str, str], list[Event]] = {}
    #: per (actor, incident), the messages people sent, each once (its action's event)
    people: dict[tuple[str, str], list[Event]] = {}
    sent: dict[str, Event] = {}
    #: per dispatch, its attempts (message ids) in the order they were sent
    attempts: dict[str, list[str]] = {}
    #: per message: ("lost" | "bounced" | "held" | "delivered", reason, when), the last
    #: the log says of it
    fates: dict[str, tuple[str, str | None, float]] = {}
    held_until: dict[str, float] = {}
    #: per (actor, incident), when the duty officer took over an analysis at the office's
    #: closing (it then waited for the duty desk, not for the office to open)
    taken_at_closing: dict[tuple[str, str], set[float]] = {}
    for e in events:
        if e.type in ACTION_EVENTS:
            if e.type == "acknowledged":
                for did in e.details.get("dispatches", ()):
                    acks_by_dispatch.setdefault(did, e)
            if e.actor is None or e.incident is None:
                continue
            by = e.details.get("by")
            if by == "policy":
                mine = own if e.type in ("acknowledged", "analysed") else drafts
                mine.setdefault((e.actor, e.incident), []).append(e)
            elif by == "human" and "spans" in e.details:
                people.setdefault((e.actor, e.incident), []).append(e)
        elif e.type == "message_sent":
            sent[e.details["msg"]] = e
            attempts.setdefault(e.details["dispatch"], []).append(e.details["msg"])
        elif e.type == "message_delivered":
            fates[e.details["msg"]] = ("delivered", None, e.time)
        elif e.type in ("message_lost", "message_bounced") and "dispatch" in e.details:
            reason = e.details.get("reason")
            fates[e.details["msg"]] = ("lost" if e.type == "message_lost" else "bounced",
                                       reason if isinstance(reason, str) else None, e.time)
        elif e.type == "message_held" and "dispatch" in e.details:
            until = e.details["until"]
            if (isinstance(until, bool) or not isinstance(until, (int, float))
                    or not math.isfinite(until)):
                raise ValueError("a held message without the time it is held until")
            fates[e.details["msg"]] = ("held", None, e.time)
            held_until[e.details["msg"]] = float(until)
        elif (e.type == "on_call_answered" and e.details.get("at_closing") == "analysing"
              and e.actor is not None and e.incident is not None):
            taken_at_closing.setdefault((e.actor, e.incident), set()).add(e.time)
    first_sent = {}
    for e in sent.values():
        first_sent.setdefault(e.details["dispatch"], e)
    #: the log says when the minutes of its pieces of work fell where it matters (a
    #: piece without ``spans`` was worked at one go): not one written before it did
    exact = any("spans" in e.details for e in events)
    out = []
    lost: list[NotDelivered] = []
    # each hop split on the attempt the run report splits it on: the one acknowledged
    # first, else the first to arrive
    for h, msg in hops_with_attempts(events):
        if msg is None:
            lost.append(_not_delivered(h, attempts.get(h["dispatch"], []), fates, held_until))
            continue
        parts = dict.fromkeys(PARTS, 0.0)
        first = first_sent[h["dispatch"]]
        t0, t1 = h["trigger_at"], h["first_sent_at"]
        # the sender, from learning of it to the first attempt
        sender_side = t1 - t0
        by = first.details.get("by")
        if by in ("policy", "human") and sender_side > 0:
            # the sender's own work on the incident within the hop: acknowledging what
            # it received of it, analysing it (in this handling or another: the
            # analysis is the team's, whoever runs it, and the office's part of one
            # the duty officer finished counts too), then drafting; the time its
            # office was closed meanwhile is waiting for working hours, and anything
            # between is queued behind other work. Drafting its other messages and
            # actions about the incident is other work, but the time its office was
            # closed while it drafted one is still waiting for working hours (a
            # preservation request drafted overnight, then a request for assistance).
            # A person's message counts as their handling from when the role took in
            # what it rests on, but for the time the office was closed meanwhile
            # (waiting for working hours) and any time the automated policy held the
            # role before (its work as its own, the rest queued), as their message's
            # spans say; one without spans was handled by a person in office hours
            key = (h["from"], h["incident"])
            done = own.get(key, [])
            closings = taken_at_closing.get(key, set())
            pieces = [p for e in done for p in _pieces(e, done, closings, exact)]
            drafted = drafts.get(key, [])
            if by == "human":
                theirs = next((e for e in people.get(key, ()) if _person_sent(e, first)),
                              None)
                pieces.append(_piece(theirs, exact) if theirs is not None
                              else _Work(t0, t1, spans=((t0, t1, "worked"),)))
            else:
                this = next((e for e in drafted if _same_draft(e, first)), None)
                if this is not None and "spans" in this.details:
                    pieces.append(_piece(this, exact))
                else:
                    draft = first.details.get("draft") or {}
                    worked, off_duty = draft.get("worked", 0.0), draft.get("off_duty", 0.0)
                    pieces.append(_block(t1, float(worked), float(off_duty), exact))
            others = [_piece(e, exact) for e in drafted if not _same_draft(e, first)]
            _add_pieces(parts, t0, t1, pieces, others)
        # the rest of the sender's side, its other drafts included, is queued
        parts[QUEUED] = sender_side - parts[HOURS] - parts[ANALYSING]
        # attempts before that one, whatever became of them
        arrived_at = h["delivered_at"]
        tried = attempts.get(h["dispatch"], [])
        failed = [_attempt_fate(fates.get(m), m in held_until)
                  for m in (tried[:tried.index(msg)] if msg in tried else [])]
        attempt_sent = h["sent_at"]
        parts[LOST] += attempt_sent - t1
        # that attempt, split as the run report splits it
        # (sim.analysis.metrics.hop_metrics): held in an outage, in the channel, and
        # the rest of its way waiting for the receiver's working hours
        on_the_way = arrived_at - attempt_sent
        parts[HELD] += h["held_time"]
        parts[CHANNEL] += h["transit"]
        parts[HOURS] += on_the_way - h["held_time"] - h["transit"]
        end = arrived_at
        # the recipient, from arrival to acknowledgement
        if h["acknowledged_at"] is not None:
            # the acknowledgement that first answered this hop: that attempt's
            ack = acks_by_dispatch.get(h["dispatch"])
            receiver_side = h["acknowledged_at"] - arrived_at
            if ack is not None and ack.details.get("by") == "policy":
                # off duty: every minute the desk was closed, waiting for a place
                # included; queued: the rest of the wait for a place
                hours = ack.details.get("off_duty", 0.0)
                work = ack.details.get("worked", 0.0)
                parts[HOURS] += hours
                parts[ANALYSING] += work
                parts[QUEUED] += receiver_side - hours - work
            elif ack is not None and "spans" in ack.details:
                # a person who took the role while it waited: the automated policy's
                # wait before (the office closed, or queued), then their handling
                for began, ended, what in _spans(ack) or ():
                    minutes = min(ended, ack.time) - max(began, arrived_at)
                    if minutes > 0:
                        parts[_RECEIVER_PARTS[what]] += minutes
            else:  # a person: their handling time
                parts[ANALYSING] += receiver_side
            end = h["acknowledged_at"]
        # event times are rounded to the microminute: sweep the dust into the largest part
        # so that no part is negative and the parts still add up exactly
        for k, v in parts.items():
            if abs(v) < 1e-5:
                parts[k] = 0.0
        biggest = max(parts, key=lambda k: parts[k])
        parts[biggest] += (end - t0) - sum(parts.values())
        out.append(Hop(h["dispatch"], h["from"], h["to"], h["verb"], h["incident"], h["rule"],
                       t0, t1, h["delivered_at"], end, h["acknowledged_at"] is not None, parts,
                       failed))
    return out, lost


def _not_delivered(h: Mapping[str, Any], tried: list[str],
                   fates: Mapping[str, tuple[str, str | None, float]],
                   held_until: Mapping[str, float]) -> NotDelivered:
    """A hop that never arrived, with what became of it as the run report says it of a
    law-enforcement step (sim.analysis.metrics.undelivered): "in transit" while an
    attempt is still on its way (held in an outage, or with nothing more said of it),
    else what became of the last attempt, "lost" or "bounced"."""
    on_the_way = [m for m in tried if fates.get(m, ("", None, 0.0))[0] not in ("lost", "bounced")]
    outcome, reason, at, until = "in transit", None, None, None
    if on_the_way:
        held = [held_until[m] for m in on_the_way if m in held_until]
        until = max(held) if held else None
    elif tried:
        outcome, reason, at = fates[tried[-1]]
    return NotDelivered(h["dispatch"], h["from"], h["to"], h["verb"], h["incident"], h["rule"],
                        h["trigger_at"], h["first_sent_at"], h["last_sent_at"], h["attempts"],
                        outcome, at, reason, until)


#: The parts a piece of work's minutes fall in, as the log's ``spans`` name them.
_SPAN_PARTS = ("worked", "off_duty", "queued")
#: The part of a hop each of a person's acknowledgement's spans counts in.
_RECEIVER_PARTS = {"worked": ANALYSING, "off_duty": HOURS, "queued": QUEUED}


@dataclass(frozen=True)
class _Work:
    """A piece of the sender's work, from ``start`` to ``end``: with ``spans``, when its
    minutes fell, each (start, end, part) worked or off duty (the time it queued is not
    work, and is left out); without (a log written before they were logged), only how
    many minutes it worked and was off duty, all of them taken to fall in any part of
    it that counts."""

    start: float
    end: float
    worked: float = 0.0
    off_duty: float = 0.0
    spans: tuple[tuple[float, float, str], ...] | None = None

    def order(self) -> tuple[float, float, float, float]:
        return (self.start, self.end, self.worked, self.off_duty)


def _spans(e: Event) -> tuple[tuple[float, float, str], ...] | None:
    """When the minutes of an event's piece of work fell (``spans``), checked; None when
    it does not say (a person's work, or a log written before they were logged)."""
    raw = e.details.get("spans")
    if raw is None:
        return None
    if not isinstance(raw, (list, tuple)):
        raise TypeError("spans is not a list")
    out: list[tuple[float, float, str]] = []
    last = -math.inf
    for span in raw:
        if not isinstance(span, (list, tuple)) or len(span) != 3:
            raise TypeError("a span is not [start, end, part]")
        start, end, part = span
        if part not in _SPAN_PARTS:
            raise ValueError("a span of no known part")
        if not all(isinstance(t, (int, float)) and not isinstance(t, bool)
                   and math.isfinite(t) for t in (start, end)):
            raise TypeError("a span's start or end is not a time")
        if not last <= start <= end:
            raise ValueError("spans out of order")
        last = end
        out.append((float(start), float(end), part))
    if not out:
        raise ValueError("no spans")
    return tuple(out)


def _piece(e: Event, exact: bool) -> _Work:
    """The work an event records as it ends: its minutes worked and off duty, where they
    fell (its ``spans``) or back from when it was done (:func:`_block`)."""
    spans = _spans(e)
    if spans is not None:
        work = tuple(s for s in spans if s[2] != "queued")
        start = work[0][0] if work else e.time
        return _Work(start, e.time, spans=work)
    return _block(e.time, float(e.details.get("worked", 0.0)),
                  float(e.details.get("off_duty", 0.0)), exact)


def _block(end: float, worked: float, off_duty: float, exact: bool) -> _Work:
    """A piece of work that ended at ``end``, as its minutes worked and off duty say:
    from a log that says when minutes fell where it matters (``exact``), one without
    minutes off duty was worked at one go until ``end``."""
    start = end - worked - off_duty
    if exact and not off_duty:
        return _Work(start, end, spans=((start, end, "worked"),) if end > start else ())
    return _Work(start, end, worked, off_duty)


def _began(ack: Event) -> float:
    """When an acknowledgement began to wait: its item's arrival, or its hand-back."""
    spans = _spans(ack)
    if spans is not None:
        return spans[0][0]
    d = ack.details
    return ack.time - sum(float(d.get(k) or 0.0) for k in ("worked", "off_duty", "queued"))


def _same_draft(action: Event, sent: Event) -> bool:
    """Whether an action done is the draft a message's first attempt carries (one action
    event per draft, however many recipients it went to)."""
    details = action.details
    return (action.time == sent.time and details.get("rule") == sent.details.get("rule")
            and sent.details.get("to") in details.get("targets", ()))


def _person_sent(action: Event, sent: Event) -> bool:
    """Whether a person's action is the one a message's first attempt carries."""
    details = action.details
    return (action.time == sent.time and details.get("action") == sent.details.get("verb")
            and sent.details.get("to") in details.get("targets", ()))


def _pieces(e: Event, own: list[Event], closings: set[float], exact: bool) -> list[_Work]:
    """The work an acknowledgement or an analysis records, as it ends: its minutes worked
    and off duty, where they fell (an acknowledgement's wait for a place at the desk
    before them is not work). An analysis the duty officer finished after the office
    closed has the office's part too, back from when it closed (``handed_over``), unless
    its spans hold it already: the wait for the duty desk between the two is not work
    either. But an analysis the office left when it closed, and the duty officer took up
    later as an item about the incident reached the duty desk (a night call), waited
    for working hours until that item arrived: the item's handling, which ends as the
    duty officer takes it up (``own``: the team's acknowledgements and analyses of the
    incident), follows; ``closings``: when the duty officer took over an analysis at
    the office's closing; ``exact``: as for :func:`_block` (a log without spans is
    reviewed as it always was)."""
    details = e.details
    piece = _piece(e, exact)
    pieces = [piece]
    office = details.get("handed_over") if e.type == "analysed" else None
    if office is not None:
        if not isinstance(office, Mapping):
            raise TypeError("handed_over is not a mapping")
        at = float(office["at"])
        worked, off_duty = float(office["worked"]), float(office["off_duty"])
        if "spans" not in details or piece.start >= at:  # else they hold the office's part
            pieces.append(_block(at, worked, off_duty, exact))
        if not exact or any(abs(at - closed) < 1e-6 for closed in closings):
            # a log without spans places work as it always did; taken over at closing,
            # the analysis waited for the duty desk
            return pieces
        taken_up = float(details["started_at"])
        for ack in own:
            if ack.type == "acknowledged" and abs(ack.time - taken_up) < 1e-6:
                arrived = min(_began(ack), taken_up)
                if arrived > at:
                    pieces.append(_Work(at, arrived, spans=((at, arrived, "off_duty"),)))
                break
    return pieces


def _add_pieces(parts: dict[str, float], t0: float, t1: float, pieces: list[_Work],
                others: list[_Work] | None = None, part: str = ANALYSING) -> None:
    """Add the sender's pieces of work to a hop from ``t0`` to ``t1``, each clipped to
    the hop and every minute counted once, so that they never add up to more than the
    hop: a minute any piece was worked in is ``part`` (another item acknowledged while
    the incident was analysed), else one a piece was off duty in is waiting for working
    hours. A piece that says only how many minutes it worked and was off duty (from a
    log without ``spans``) fills what the others leave, in the order they began.
    ``others``, its other drafts about the incident, fill only what the pieces leave:
    their minutes worked are queued behind other work, their minutes off duty waiting
    for working hours."""
    clipped = [(max(s, t0), min(e, t1), what) for piece in pieces
               for s, e, what in piece.spans or () if min(e, t1) > max(s, t0)]
    worked = _union([(s, e) for s, e, what in clipped if what == "worked"])
    covered = _union([(s, e) for s, e, _ in clipped])
    parts[part] += _length(worked)
    parts[HOURS] += _length(covered) - _length(worked)
    for piece in sorted((p for p in pieces if p.spans is None), key=_Work.order):
        budget = [piece.worked, piece.off_duty]
        for start, end in _free(covered, max(piece.start, t0), min(piece.end, t1)):
            _add_work(parts, start, end, budget, part)
            covered = _cover(covered, start, end)
    if others:
        for start, end in _free(covered, t0, t1):
            _add_pieces(parts, start, end, others, part=QUEUED)


def _free(covered: list[tuple[float, float]], start: float,
          end: float) -> list[tuple[float, float]]:
    """The stretches from ``start`` to ``end`` that none of ``covered`` (in time order,
    apart) takes up."""
    out = []
    t = start
    for s, e in covered:
        if e <= t:
            continue
        if s >= end:
            break
        if s > t:
            out.append((t, s))
        t = max(t, e)
    if t < end:
        out.append((t, end))
    return out


def _union(stretches: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The time ``stretches`` take up, as stretches in time order, apart."""
    out: list[tuple[float, float]] = []
    for s, e in sorted(stretches):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _cover(covered: list[tuple[float, float]], start: float,
           end: float) -> list[tuple[float, float]]:
    """``covered`` (stretches in time order, apart) with the stretch from ``start`` to
    ``end`` taken up too."""
    return _union([*covered, (start, end)])


def _length(stretches: list[tuple[float, float]]) -> float:
    return sum(e - s for s, e in stretches)


def _add_work(parts: dict[str, float], t0: float, done_at: float, budget: list[float],
              part: str = ANALYSING) -> None:
    """Add the stretch from ``t0`` to ``done_at`` of a piece of the sender's work that
    says only how many minutes it worked and was off duty (``budget``, what is left of
    them, used up as they are counted): its minutes off duty to waiting for working
    hours first, the rest to ``part``."""
    worked, off_duty = budget
    span = min(worked + off_duty, done_at - t0)
    hours = min(off_duty, span)
    parts[HOURS] += hours
    parts[part] += span - hours
    budget[0], budget[1] = worked - (span - hours), off_duty - hours


def suggest_rating(x: Mapping[str, Any]) -> str:
    """An HSEEP rating for an expectation, for the evaluator to confirm or override,
    from its timing alone: P when met with at least a quarter of the time allowed
    (``within``) still to go, S when met with less, M when done late, U when not done;
    none while it is open."""
    status = x["status"]
    if status == "met":
        margin = (x["deadline_at"] - x["at"]) / x["within"] if x["within"] else 1.0
        return "P" if margin >= 0.25 else "S"
    if status == "late":
        return "M"
    if status == "missed":
        return "U"
    return ""


def not_in_play(x: Mapping[str, Any]) -> str:
    """What the review and the after-action report say of an expectation that never came
    into play (counted from an inject that was skipped, as the run report marks it):
    "not in play (inject 4 skipped)"; "" for one in play."""
    return f"not in play (inject {x['skipped']} skipped)" if "skipped" in x else ""


def shown_status(x: Mapping[str, Any]) -> str:
    """An expectation's status as the review and the report tables show it: met, late,
    missed, open, or :func:`not_in_play`."""
    return not_in_play(x) or str(x["status"])


def shown_due(x: Mapping[str, Any], none: str = "") -> str:
    """An expectation's deadline as the review and the report tables show it: the
    clock's minute it falls due; for an open one of a drill under way whose countdown
    has not begun, why it has none (``no_deadline_because``, in the run report's words:
    :func:`sim.analysis.metrics.not_due_yet`); otherwise ``none``. Plain text: each
    format escapes it as it shows it."""
    if x.get("deadline_at") is not None:
        return clock_minute(x["deadline_at"])
    return str(x.get("no_deadline_because") or none)


def shown_rating(rating: str, by_evaluator: bool) -> str:
    """A rating as the review and the reports show it: the evaluator's as given, a
    suggested one marked "(suggested)", and none as nothing."""
    return rating if by_evaluator or not rating else f"{rating} (suggested)"


# --- human play against the model -------------------------------------------------


def role_metrics(log: Iterable[Event | Mapping[str, Any]], actor: str,
                 by: str | None = None, reached: bool = False) -> dict[tuple[str, str], float]:
    """One actor's timings per incident: acknowledgement, and the first of each action
    done (a message kept back to respect its TLP label was not sent: it does not count).
    With ``reached``, also when something about each incident first reached the role,
    whoever held it, under (incident, :data:`REACHED`).

    ``first_ack`` runs from the actor's first receipt; an action's time runs from
    the incident's opening. With ``by`` ("human" or "policy") only what was done by
    that hand counts: a person is credited with a person's own actions, never with
    the automated policy's work for the same role. ``first_ack`` then runs from when
    that hand first had an item about the incident to acknowledge, as the policy's
    runs time theirs from when the role first had one: the item's arrival, or the
    moment the hand took the role with the item waiting (what was acknowledged
    before it took over was not left to it). A hand that acknowledged without
    holding the role is timed from the first receipt.
    """
    events = as_events(log)
    opened: dict[str, float] = {}
    first_receipt: dict[str, float] = {}
    #: per incident, when the hand ``by`` first held the role with an item about it
    #: waiting to be acknowledged
    in_front: dict[str, float] = {}
    #: per incident, the items that reached the role and are not yet acknowledged
    waiting: dict[str, set[str | None]] = {}
    holds = by is None  # whether the hand ``by`` plays the role now
    ended = False  # a role changed after the drill ended is put right for the review only
    out: dict[tuple[str, str], float] = {}
    for e in events:
        if e.type == "incident_opened":
            opened[e.incident] = e.time
        elif e.type == "drill_started" and by is not None:
            human = e.details.get("human")
            holds = (actor in human if isinstance(human, list) else False) == (by == "human")
        elif e.type == "drill_ended":
            ended = True
        elif e.type == "role_changed" and e.actor == actor and by is not None and not ended:
            holds = e.details.get("played_by") == by
            if holds:
                for incident, items in waiting.items():
                    if items:
                        in_front.setdefault(incident, e.time)
        if e.actor != actor or e.incident is None:
            continue
        if e.type in ("inject_delivered", "message_delivered"):
            first_receipt.setdefault(e.incident, e.time)
            waiting.setdefault(e.incident, set()).add(_item_ref(e))
            if holds:
                in_front.setdefault(e.incident, e.time)
            continue
        if e.type == "acknowledged":
            refs = e.details.get("refs")
            if isinstance(refs, (list, tuple)):
                waiting.get(e.incident, set()).difference_update(
                    r for r in refs if isinstance(r, str))
        if by is not None and e.details.get("by") != by:
            continue
        if e.type == "acknowledged" and e.incident in first_receipt:
            since = in_front.get(e.incident, first_receipt[e.incident])
            out.setdefault((e.incident, "first_ack"), e.time - since)
        elif (e.type in ACTION_EVENTS and e.details.get("action") in MESSAGE_VERBS
              and e.incident in opened):
            # the action done: never a message kept back (withheld) or one passed on
            # beyond its label (tlp_violation), which name the action too
            out.setdefault((e.incident, e.details["action"]), e.time - opened[e.incident])
    if reached:
        out.update({(incident, REACHED): t for incident, t in first_receipt.items()})
    return out


def percentile_rank(value: float, simulated: list[float]) -> float:
    """Share of simulated values slower than ``value`` (ties count half), 0..1."""
    if not simulated:
        return math.nan
    slower = sum(1 for s in simulated if s > value)
    ties = sum(1 for s in simulated if s == value)
    return (slower + ties / 2) / len(simulated)


@dataclass
class Comparison:
    actor: str
    incident: str
    metric: str
    human: float | None  # None: the person never did it
    simulated: list[float]
    runs: int
    #: the drill time a drill stopped at before its end, which the runs were simulated up
    #: to as well (None: the drill was played to its end, and so were the runs)
    until: float | None = None
    #: whether anything about the incident reached the role in the drill: a person whose
    #: role nothing reached had no chance to do it, and is not said to have never done it
    reached: bool = True
    #: the runs in which something about the incident reached the role (None: taken as
    #: all of them); an acknowledgement, timed from receipt, is compared with those only
    received: int | None = None

    @property
    def compared(self) -> int:
        """The runs the person is compared with: for an acknowledgement, those in which
        something about the incident reached the role; else all of them."""
        if self.metric == "first_ack" and self.received is not None:
            return self.received
        return self.runs

    @property
    def faster_than(self) -> float:
        """Share of the runs compared (:attr:`compared`) slower than the person (ties
        count half).

        A run in which the policy never did it is slower than a person who did, and
        ties with a person who never did either.
        """
        never = [math.inf] * max(0, self.compared - len(self.simulated))
        return percentile_rank(math.inf if self.human is None else self.human,
                               self.simulated + never)

    @property
    def shown_faster_than(self) -> float | None:
        """:attr:`faster_than` where it says something: None when the person never did
        it (the sentence says so instead, or that nothing reached the role) or there
        were no runs to compare with. A person who did what the policy never did in any
        run is faster than all of them."""
        return self.faster_than if self.human is not None and self.compared > 0 else None

    @property
    def model_did_it(self) -> float:
        """Share of the runs compared (:attr:`compared`) in which the policy did it."""
        return len(self.simulated) / self.compared if self.compared else math.nan

    def sentence(self, name: str) -> str:
        return self._sentence(name) + stopped_note(self.until)

    def _runs_said(self, name: str) -> str:
        """The runs compared, in words: "40 simulated runs", or "the 31 of 40 simulated
        runs in which something about the incident reached MyCERT"."""
        if self.compared == self.runs:
            return f"{self.runs} simulated runs"
        return (f"the {self.compared} of {self.runs} simulated runs in which something "
                f"about the incident reached {name}")

    def _sentence(self, name: str) -> str:
        what = "acknowledged" if self.metric == "first_ack" else self.metric.replace("_", " ")
        did = percent(self.model_did_it) if self.compared else ""
        if self.human is None and not self.reached:
            nothing = f"Nothing about the incident reached {name}"
            if self.metric != "first_ack":
                return (f"{nothing}, so it had no chance to {what}; the automated policy "
                        f"did it in {did} of {self.runs} simulated runs")
            return (f"{nothing}, so it had nothing to acknowledge; something reached it in "
                    f"{self.compared} of {self.runs} simulated runs, and the automated "
                    f"policy acknowledged in {did} of them")
        if self.human is None:
            return (f"{name} never did: {what}; the automated policy did it in "
                    f"{did} of {self._runs_said(name)}")
        if not self.compared:
            return (f"{name} {what}; nothing about the incident reached it in any of "
                    f"{self.runs} simulated runs")
        if not self.simulated:
            return f"{name} {what}; the automated policy never did in {self._runs_said(name)}"
        never = ("; the runs in which it never did count as slower"
                 if len(self.simulated) < self.compared else "")
        of = (str(self.runs) if self.compared == self.runs else
              f"the {self.compared} of {self.runs} in which something about the incident "
              f"reached {name}")
        return (f"{name} {what} faster than {percent(self.faster_than)} of simulated runs "
                f"(the policy did it in {did} of {of}{never})")


def stopped_note(until: float | None) -> str:
    """What a comparison adds when the drill stopped early: how far the runs went."""
    if until is None:
        return ""
    return f", compared up to {clock_minute(until)}, when the drill stopped"


def stopped_at(scenario: Scenario, events: list[Event],
               meta: Mapping[str, Any] | None = None) -> float | None:
    """The drill time a drill stopped at before its end (None when it reached its end):
    the time the journal says it reached (``meta["progress"]``), and at least its last
    event's. A drill stopped early is compared with the model's runs up to that time
    only: what was not yet due is not counted as never done."""
    if any(e.type == "drill_ended" for e in reversed(events)):
        return None
    reached = events[-1].time if events else 0.0
    progress = (meta or {}).get("progress")
    if (isinstance(progress, (int, float)) and not isinstance(progress, bool)
            and math.isfinite(progress)):
        reached = max(reached, float(progress))
    return None if reached >= scenario.drill.duration else reached


#: Told after each simulated run: (runs done, runs in all). It may raise to stop the runs.
Progress = Callable[[int, int], None]

#: The comparison with the model that every review makes of a journal (``drill review``,
#: ``drill report`` and the review at a drill's end): as many automated runs (the
#: commands' ``--runs`` default), from this seed (not the drill's own), so that all of
#: them show the same figures and find the same runs kept in the journal.
MODEL_RUNS = 200
MODEL_SEED = 0


def model_distribution(scenario: Scenario, actors: list[str], runs: int = MODEL_RUNS,
                       seed: int = MODEL_SEED, progress: Progress | None = None,
                       until: float | None = None,
                       ) -> dict[str, list[dict[tuple[str, str], float]]]:
    """Each actor's role metrics in ``runs`` runs of the automated policy: to the drill's
    end, or with ``until`` up to that drill time (a drill that stopped there); with when
    something about each incident first reached the role (:data:`REACHED`)."""
    from sim.runs.batch import replication_seed

    out: dict[str, list[dict[tuple[str, str], float]]] = {a: [] for a in actors}
    for i in range(runs):
        engine = Engine(scenario, seed=replication_seed(seed, i), words=False)
        if until is None:
            log = engine.run()
        else:
            engine.run_until(until)
            log = engine.log
        for a in actors:
            out[a].append(role_metrics(log, a, reached=True))
        if progress is not None:
            progress(i + 1, runs)
    return out


def human_roles(events: list[Event]) -> list[str]:
    """Roles a person played: the person acted in them, or held them throughout.

    A role handed to a person and back without the person doing anything was not
    played by a person; what the automated policy did for it stays the policy's.
    """
    roles: list[str] = []
    start: list[str] = []
    changed: set[str] = set()
    for e in events:
        if e.type == "drill_started":
            start = [a for a in e.details.get("human", []) if isinstance(a, str)]
        elif e.type == "role_changed" and e.actor is not None:
            changed.add(e.actor)
        elif e.details.get("by") == "human" and e.actor is not None and e.actor not in roles:
            roles.append(e.actor)
    held = [a for a in start if a not in changed and a not in roles]
    return held + roles


def compare(log: Iterable[Event | Mapping[str, Any]], scenario: Scenario,
            runs: int = MODEL_RUNS, seed: int = MODEL_SEED, roles: list[str] | None = None,
            progress: Progress | None = None, until: float | None = None) -> list[Comparison]:
    """What each person did beside ``runs`` runs of the model, simulated to the drill's
    end or, with ``until``, up to the drill time the drill stopped at (:func:`stopped_at`)."""
    events = as_events(log)
    roles = human_roles(events) if roles is None else roles
    if not roles:
        return []
    return comparisons(events, roles,
                       model_distribution(scenario, roles, runs, seed, progress, until=until),
                       runs, until)


def comparisons(events: list[Event], roles: list[str],
                model: dict[str, list[dict[tuple[str, str], float]]],
                runs: int, until: float | None = None) -> list[Comparison]:
    """What each person did beside what the model did in ``runs`` runs
    (:func:`model_distribution`, simulated up to ``until`` when the drill stopped there),
    each with whether anything about the incident reached the role in the drill and in
    how many of the runs it did."""
    out = []
    for actor in roles:
        metrics = role_metrics(events, actor, by="human", reached=True)
        heard = {incident for incident, metric in metrics if metric == REACHED}
        done = {k: v for k, v in metrics.items() if k[1] != REACHED}
        # what the person did, then what the policy did in some run but the person never did
        keys = list(done) + sorted({k for m in model[actor] for k in m if k[1] != REACHED}
                                   - set(done))
        for key in keys:
            simulated = [m[key] for m in model[actor] if key in m]
            received = sum(1 for m in model[actor] if (key[0], REACHED) in m)
            out.append(Comparison(actor, key[0], key[1], done.get(key), simulated, runs, until,
                                  reached=key[0] in heard, received=received))
    return out


#: Where a journal keeps its comparison with the model (see :class:`ModelRuns`).
CACHE_NAME = "model_comparison"
#: how a person's times are measured against the runs: a new measure (2: a person who
#: took the role mid-drill is timed from the first item left to them; 3: whether anything
#: reached the role, and an acknowledgement set only against the runs in which something
#: reached it) makes comparisons kept by an earlier one be computed again
MEASURE = 3


def comparison_key(runs: int, seed: int, head: tuple[int, str] | None,
                   until: float | None = None) -> dict[str, Any] | None:
    """What a cached comparison depends on: the runs asked for, the seed, the version
    that simulates them, how a person's times are measured (:data:`MEASURE`), the
    journal's events (their number and last checksum) and, for
    a drill stopped early, the drill time it stopped at (``until``). None when the events
    cannot be named (a journal without checksums): no cache."""
    if head is None:
        return None
    from sim.runs.session import product_version

    key: dict[str, Any] = {"runs": runs, "seed": seed, "version": product_version(),
                           "measure": MEASURE, "events": head[0], "last": head[1]}
    if until is not None:
        key["until"] = until
    return key


#: the longest time a comparison holds (minutes: ten years, far past any drill)
_LONGEST = 10 * 366 * 24 * 60.0


def _number(v: Any) -> bool:
    """A time a comparison may hold: minutes from 0 to :data:`_LONGEST`."""
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            and 0 <= v <= _LONGEST)


def _comparison_of(d: Any, runs_asked: int, until: float | None = None) -> Comparison | None:
    """A cached comparison of ``runs_asked`` runs (up to ``until``), checked (the journal
    may come from anyone)."""
    if not isinstance(d, dict):
        return None
    actor, incident, metric = d.get("actor"), d.get("incident"), d.get("metric")
    human, simulated, runs = d.get("human"), d.get("simulated"), d.get("runs")
    reached, received = d.get("reached"), d.get("received")
    if not all(isinstance(v, str) for v in (actor, incident, metric)):
        return None
    if not isinstance(reached, bool) or not isinstance(received, int) or isinstance(
            received, bool) or not 0 <= received <= runs_asked:
        return None
    if not (human is None or _number(human)) or not isinstance(simulated, list):
        return None
    if not all(_number(v) for v in simulated) or not isinstance(runs, int) or isinstance(runs, bool):
        return None
    if runs != runs_asked or len(simulated) > runs or (human is None and not simulated):
        return None  # other runs, more values than runs, or nothing compared with nothing
    if metric == "first_ack" and len(simulated) > received:
        return None  # more acknowledgements than runs with something to acknowledge
    return Comparison(actor, incident, metric, None if human is None else float(human),
                      [float(v) for v in simulated], runs, until, reached, received)


@dataclass
class ModelRuns:
    """The "People vs model" comparison of a drill: ``runs`` seeded runs of the automated
    policy, computed once (inline, or in the background with progress) and kept in the
    journal under :func:`comparison_key`, so that opening the review again is instant."""

    scenario: Scenario
    events: list[Event]
    runs: int
    seed: int = 0
    key: dict[str, Any] | None = None
    #: simulate in a child process: the runs then use the other core instead of taking
    #: the interpreter from the screen that shows the rest of the review
    apart: bool = False
    #: the drill time the drill stopped at before its end: the runs go that far only
    until: float | None = None

    def __post_init__(self) -> None:
        self.roles = human_roles(self.events)

    @property
    def needed(self) -> bool:
        """False when there is nothing to simulate (no runs asked for, or no person played)."""
        return bool(self.runs and self.roles)

    def compute(self, progress: Progress | None = None) -> list[Comparison]:
        if not self.needed:
            return []
        if self.apart:
            return self._compute_apart(progress)
        return compare(self.events, self.scenario, runs=self.runs, seed=self.seed,
                       roles=self.roles, progress=progress, until=self.until)

    def _compute_apart(self, progress: Progress | None) -> list[Comparison]:
        """The same runs, in a child process; ``progress`` is called here, in this one.

        An exception from ``progress`` (the screen closed) stops the child at once.
        """
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # never fork a process with threads
        mine, theirs = ctx.Pipe(duplex=False)
        # what the child needs, as plain data: the scenario and the roles, not the drill's
        # events (the people's own times are taken from them here, afterwards)
        payload = (self.scenario.model_dump(mode="json"), self.roles, self.runs, self.seed,
                   self.until)
        child = ctx.Process(target=_simulate_apart, args=(payload, theirs), daemon=True,
                            name="acid-drill model runs")
        _start_with_real_stderr(child)
        theirs.close()
        try:
            while True:
                # a child that dies before it took its end of the pipe never closes it
                while not mine.poll(0.2):
                    if not child.is_alive() and not mine.poll(0):
                        raise RuntimeError("the process simulating the model stopped")
                try:
                    message = mine.recv()
                except EOFError:
                    raise RuntimeError("the process simulating the model stopped") from None
                match message:
                    case ("progress", int(done), int(runs)):
                        if progress is not None:
                            progress(done, runs)
                    case ("done", dict(model)):
                        return comparisons(self.events, self.roles, model, self.runs,
                                           self.until)
                    case ("error", str(why)):
                        raise RuntimeError(why)
        finally:
            mine.close()
            if child.is_alive():
                child.terminate()
            child.join(5)

    def cached(self, journal: Any) -> list[Comparison] | None:
        """The comparison kept in ``journal`` for this key, or None."""
        if journal is None or self.key is None:
            return None
        saved = journal.derived(CACHE_NAME)
        if not isinstance(saved, dict) or saved.get("key") != self.key:
            return None
        rows = saved.get("comparisons")
        if not isinstance(rows, list):
            return None
        out = [_comparison_of(d, self.runs, self.until) for d in rows]
        return None if any(c is None for c in out) else out  # type: ignore[return-value]

    def save(self, journal: Any, comparisons: list[Comparison]) -> bool:
        """Keep the comparison in ``journal``; False if it cannot be (read-only, no key)."""
        if journal is None or self.key is None:
            return False
        return journal.set_derived(CACHE_NAME, {"key": self.key, "comparisons": [
            {"actor": c.actor, "incident": c.incident, "metric": c.metric, "human": c.human,
             "simulated": c.simulated, "runs": c.runs, "reached": c.reached,
             "received": c.runs if c.received is None else c.received}
            for c in comparisons]})


def _start_with_real_stderr(child: Any) -> None:
    """Start ``child`` with the process's own stderr: a UI that captured ``sys.stderr``
    (Textual does) leaves one without a file descriptor, which a child cannot inherit."""
    import sys

    saved = sys.stderr
    try:
        if saved.fileno() < 0:
            raise ValueError
    except (AttributeError, OSError, ValueError):
        sys.stderr = sys.__stderr__
    try:
        child.start()
    finally:
        sys.stderr = saved


def _simulate_apart(payload: tuple[dict, list[str], int, int, float | None], pipe: Any) -> None:
    """In the child process: the runs, with progress and the model's times sent back."""
    try:
        scenario, roles, runs, seed, until = payload
        model = model_distribution(Scenario.model_validate(scenario), roles, runs, seed,
                                   lambda done, runs: pipe.send(("progress", done, runs)),
                                   until=until)
        pipe.send(("done", model))
    except Exception as exc:  # said in the parent, which shows it on screen
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


def with_model(review: Review, runs: int, seed: int = 0, journal: Any = None,
               head: tuple[int, str] | None = None, background: bool = False) -> Review:
    """Give ``review`` its comparison with the model: from the journal's cache, else
    computed now (and kept in the journal if it can be written), or with ``background``
    left in ``review.pending`` for the screen to compute while it shows the rest.

    A drill that stopped before its end (:func:`stopped_at`) is compared with runs
    simulated up to the same drill time."""
    until = stopped_at(review.scenario, review.events, review.meta)
    model = ModelRuns(review.scenario, review.events, runs, seed,
                      comparison_key(runs, seed, head, until), until=until)
    if not model.needed:
        review.comparisons = []
        return review
    cached = model.cached(journal)
    if cached is not None:
        review.comparisons = cached
    elif background:
        model.apart = True
        review.pending = model
    else:
        review.comparisons = model.compute()
        model.save(journal, review.comparisons)
    return review


# --- the whole review ----------------------------------------------------------------


@dataclass
class Review:
    """Everything the review screen and the after-action report show."""

    scenario: Scenario
    events: list[Event]
    metrics: dict[str, Any]
    hops: list[Hop]
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: the comparison with the model, when it is still to be computed (in the background)
    pending: ModelRuns | None = None
    #: the evaluators' notes taken during play (sim.runs.session.Note)
    notes: list[Any] = field(default_factory=list)
    #: the hops whose message never arrived (``hops`` are those that did)
    undelivered: list[NotDelivered] = field(default_factory=list)

    def never_arrived(self) -> list[NotDelivered]:
        """The messages that never arrived, in the order they were first sent (as the
        after-action report lists each incident's)."""
        return sorted(self.undelivered, key=lambda h: (h.first_sent_at, h.dispatch))

    def name(self, actor: str | None) -> str:
        if actor in self.scenario.actors:
            return self.scenario.actors[actor].name
        return actor or ""

    def rating(self, expectation: str) -> tuple[str, str, bool]:
        """(rating, note, set by the evaluator?)."""
        saved = self.ratings.get(expectation)
        if saved and saved.get("rating"):
            return saved["rating"], saved.get("note", ""), True
        x = next(x for x in self.metrics["expectations"] if x["id"] == expectation)
        return suggest_rating(x), (saved or {}).get("note", ""), False

    def task_answers(self) -> list[dict[str, Any]]:
        """Every player task as asked of each actor, with the latest answer and the answer
        key, in the order they were asked ('answer' is empty when none was given)."""
        keys = {t.id: t.answer_key for t in self.scenario.tasks}
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for e in self.events:
            d = e.details
            if e.type == "task_set" and e.actor is not None:
                rows[(str(d.get("task")), e.actor)] = {
                    "task": str(d.get("task")), "question": str(d.get("question", "")),
                    "actor": e.actor, "asked_at": e.time, "answer": "", "answered_at": None,
                    "answer_key": keys.get(str(d.get("task")), "")}
            elif e.type == "task_answered":
                row = rows.get((str(d.get("task")), e.actor or ""))
                if row is not None:
                    row["answer"], row["answered_at"] = str(d.get("text", "")), e.time
        return list(rows.values())

    def lanes(self, incident: str) -> list[str]:
        """Actors involved in an incident, in order of first involvement."""
        order: list[str] = []
        for e in self.events:
            if e.incident != incident:
                continue
            for a in (e.actor, e.details.get("sender"), e.details.get("to")):
                if isinstance(a, str) and a in self.scenario.actors and a not in order:
                    order.append(a)
        return order


def build_review(scenario: Scenario, events: list[Event], ratings: dict | None = None,
                 runs: int = 0, seed: int = 0, meta: dict | None = None) -> Review:
    hops, undelivered = _breakdown(as_events(events))
    # a stage the scenario's framework routes no request through is not in this drill
    metrics = compute(events, slowest=10, unrouted=not_routed(scenario))
    review = Review(scenario, events, metrics, hops, ratings or {},
                    meta=meta or {}, undelivered=undelivered)
    if runs:
        review.comparisons = compare(events, scenario, runs=runs, seed=seed,
                                     until=stopped_at(scenario, events, review.meta))
    return review


#: What a damaged event can make the metrics raise.
_DAMAGE = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError,
           StopIteration)


def _first_bad_event(events: list[Event]) -> Event | None:
    """The event whose details the metrics cannot use: the end of the shortest failing prefix."""

    def works(k: int) -> bool:
        try:
            compute(events[:k], slowest=10)
            _breakdown(events[:k])
        except _DAMAGE:
            return False
        return True

    if works(len(events)):
        return None
    lo, hi = 0, len(events)  # events[:lo] works (nothing to fail on), events[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if works(mid):
            lo = mid
        else:
            hi = mid
    return events[hi - 1]


def checked_review(path: Any, scenario: Scenario, events: list[Event], ratings: dict | None = None,
                   meta: dict | None = None) -> Review:
    """:func:`build_review` of a journal's events; a damaged event is named, not raised."""
    from sim.runs.session import JournalError

    try:
        return build_review(scenario, events, ratings, meta=meta)
    except _DAMAGE as exc:
        bad = _first_bad_event(events)
        if bad is None:
            raise JournalError(f"{path}: the journal's events cannot be reviewed "
                               f"({type(exc).__name__})") from None
        raise JournalError(
            f"{path}: the journal is damaged: event {bad.seq} ({one_line(str(bad.type))[:40]}) "
            "lacks details such an event always has"
        ) from None


def load_review(path, runs: int = 0, seed: int = MODEL_SEED, *, readonly: bool = False,
                background: bool = False) -> tuple[Review, Any]:
    """A journal's review, and the open journal (to save ratings into).

    The journal is checked first (its checksums, then every event the review uses);
    ``readonly`` opens it without ever writing to it (a report). The comparison with
    ``runs`` runs of the model comes from the journal's cache if it holds one for these
    events; else it is computed, or with ``background`` left in ``review.pending``.
    """
    from sim.runs.session import Journal, JournalError, scenario_from_meta

    journal = Journal.open(path, readonly=readonly)
    try:
        with collector.paused():  # tens of thousands of objects, none of them garbage
            contents = journal.read()
            scenario = scenario_from_meta(path, contents.meta)
            events = contents.events
            if not events or events[0].type != "drill_started":
                raise JournalError(f"{path}: the journal is cut short (it has no drill in it)")
            review = checked_review(path, scenario, events, contents.ratings, contents.meta)
            review.notes = list(contents.notes)
        if runs:  # simulating makes garbage: not with the collector paused
            with_model(review, runs, seed, journal, journal.events_head(contents.meta),
                       background)
    except BaseException:
        journal.close()
        raise
    return review, journal
