"""Channels and contacts that change during a drill: outages, per-pair latency, contacts
that go out of date or are repaired.

Nothing here runs unless a scenario uses ``outages``, ``contact_changes`` or a channel's
``pair_latency``: a scenario without them plays exactly as before.

* An **outage** takes a channel, or one actor's end of it, out of service between two
  drill times. A message is judged when it is sent: during the window it bounces, is
  lost or is held until service returns (:attr:`Window.effect`), that is until no
  outage that holds it covers it any more (:meth:`Drift.released`).
* A **contact change** marks a point of contact stale, or repaired, from a drill time on.
* A **pair latency** replaces a channel's latency between particular actors.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from weakref import proxy as _weak

from scenarios.durations import parse_drill_time

if TYPE_CHECKING:
    from scenarios.model import Channel, Contact, Scenario

    from .core import Engine


@dataclass(frozen=True)
class Window:
    """One outage in drill minutes."""

    index: int
    channel: str
    actor: str | None
    start: float
    end: float
    effect: str

    def covers(self, cid: str, sender: str | None, recipient: str, t: float) -> bool:
        if cid != self.channel or not self.start <= t < self.end:
            return False
        return self.actor is None or self.actor in (sender, recipient)


#: when outages overlap, the one that decides what becomes of a message: one that loses
#: it, else one that bounces it, else one that holds it (the first in the file among
#: those of the same effect), whatever order the file gives them in
_PRECEDENCE = {"lose": 0, "bounce": 1, "hold": 2}


def covering(windows: list[Window], cid: str, sender: str | None, recipient: str,
             t: float) -> Window | None:
    """The outage that decides what becomes of a message on ``cid`` at drill minute
    ``t``, if any covers it: a message any outage loses is lost, else one any outage
    bounces is bounced, else it is held."""
    best = None
    for w in windows:
        if w.covers(cid, sender, recipient, t) and (
                best is None or _PRECEDENCE[w.effect] < _PRECEDENCE[best.effect]):
            best = w
    return best


def outage_windows(sc: Scenario) -> list[Window]:
    """Every outage of a scenario in drill minutes, with its effect decided."""
    out = []
    for i, o in enumerate(sc.outages):
        ch = sc.channels.get(o.channel)
        effect = o.effect or ("bounce" if ch is not None and ch.bounce is not None else "lose")
        out.append(Window(i, o.channel, o.actor, parse_drill_time(o.start, sc.drill.start),
                          parse_drill_time(o.end, sc.drill.start), effect))
    return out


def pair_latency(ch: Channel, sender: str, recipient: str) -> Any:
    """The latency distribution between two actors on a channel."""
    best = None
    rank = -1
    for p in ch.pair_latency:
        for a, b in ((p.sender, p.recipient), (p.recipient, p.sender) if p.both_ways else (0, 0)):
            if a == 0:
                continue
            if (a is not None and a != sender) or (b is not None and b != recipient):
                continue
            # sender and recipient, then sender only, then recipient only: whatever the
            # order of the entries
            r = 2 * (a is not None) + (b is not None)
            if r > rank:
                best, rank = p.latency, r
    return ch.latency if best is None else best


class Drift:
    """The engine's view of outages and contact changes as drill time passes."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        sc = engine.scenario
        self.windows = outage_windows(sc)
        self.changes = [(parse_drill_time(c.at, sc.drill.start), i, c)
                        for i, c in enumerate(sc.contact_changes)]
        #: per (actor, channel): the times of its contact changes, in time order (the
        #: scenario's order within a minute), and whether the contact is stale from each
        self._contacts: dict[tuple[str, str], tuple[list[float], list[bool]]] = {}
        for at, _, c in sorted(self.changes, key=lambda x: (x[0], x[1])):
            times, states = self._contacts.setdefault((c.actor, c.channel), ([], []))
            times.append(at)
            states.append(c.stale)

    def start(self) -> None:
        """Schedule the start and end of each outage and each contact change."""
        engine = self.engine
        for w in self.windows:
            engine.after(w.start, partial(self._outage, w, "outage_started"))
            if w.end < engine.end:
                engine.after(w.end, partial(self._outage, w, "outage_ended"))
        for at, i, c in self.changes:
            engine.after(at, partial(self._contact, i, c))

    def _outage(self, w: Window, kind: str) -> None:
        details: dict[str, Any] = {"outage": w.index, "channel": w.channel, "effect": w.effect}
        if kind == "outage_started":
            details["until"] = w.end
        self.engine.emit(kind, w.actor, None, **details)

    def _contact(self, index: int, c: Any) -> None:
        """Log a contact change (:meth:`is_stale` reads the changes by the clock)."""
        self.engine.emit("contact_changed", c.actor, None, change=index, channel=c.channel,
                         stale=c.stale)

    def is_stale(self, actor: str, cid: str, contact: Contact, at: float | None = None) -> bool:
        """Whether ``actor``'s contact on ``cid`` is stale at drill minute ``at`` (default:
        now): as the last change due by then left it, else as the scenario gives it.

        A change counts from its minute on, whether or not its ``contact_changed`` event
        has been handled yet: what is sent that minute sees the new contact, as an outage
        starting that minute catches it (:meth:`Window.covers`)."""
        line = self._contacts.get((actor, cid))
        if line is None:
            return contact.stale
        times, states = line
        i = bisect_right(times, self.engine.env.now if at is None else at)
        return states[i - 1] if i else contact.stale

    def outage(self, cid: str, sender: str | None, recipient: str,
               at: float | None = None) -> Window | None:
        """The outage a message sent on ``cid`` at drill minute ``at`` (default: now) runs
        into, if any (:func:`covering`)."""
        return covering(self.windows, cid, sender, recipient,
                        self.engine.env.now if at is None else at)

    def released(self, window: Window, cid: str, sender: str | None,
                 recipient: str) -> tuple[float, Window | None]:
        """When a message held by ``window`` goes on, and the outage it then runs into.

        It goes on when ``window`` ends, unless another outage that holds messages covers
        it then: it waits on for that one's end, and so on, so that the order in which the
        outages are written does not matter. The outage returned (None when service is
        back) bounces or loses it."""
        t = window.end
        while True:
            w = self.outage(cid, sender, recipient, t)
            if w is None or w.effect != "hold":
                return t, w
            t = w.end  # w covers t, so t < w.end: the wait only grows


def uses_drift(sc: Scenario) -> bool:
    return bool(sc.outages or sc.contact_changes)
