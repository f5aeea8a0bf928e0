"""Channels and contacts that change during a drill: outages, per-pair latency, contacts
that go out of date or are repaired.

Nothing here runs unless a scenario uses ``outages``, ``contact_changes`` or a channel's
``pair_latency``: a scenario without them plays exactly as before.

* An **outage** takes a channel, or one actor's end of it, out of service between two
  drill times. A message is judged when it is sent: during the window it bounces, is
  lost or is held until service returns (:attr:`Window.effect`).
* A **contact change** marks a point of contact stale, or repaired, from a drill time on.
* A **pair latency** replaces a channel's latency between particular actors.
"""

from __future__ import annotations

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
            r = (a is not None) + (b is not None)
            if r > rank:
                best, rank = p.latency, r
    return ch.latency if best is None else best


class Drift:
    """The engine's view of outages and contact changes as drill time passes."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        sc = engine.scenario
        self.windows = outage_windows(sc)
        self.stale: dict[tuple[str, str], bool] = {}
        self.changes = [(parse_drill_time(c.at, sc.drill.start), i, c)
                        for i, c in enumerate(sc.contact_changes)]

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
        self.stale[(c.actor, c.channel)] = c.stale
        self.engine.emit("contact_changed", c.actor, None, change=index, channel=c.channel,
                         stale=c.stale)

    def is_stale(self, actor: str, cid: str, contact: Contact) -> bool:
        return self.stale.get((actor, cid), contact.stale)

    def outage(self, cid: str, sender: str | None, recipient: str) -> Window | None:
        """The outage a message sent now on ``cid`` runs into, if any."""
        now = self.engine.env.now
        for w in self.windows:
            if w.covers(cid, sender, recipient, now):
                return w
        return None


def uses_drift(sc: Scenario) -> bool:
    return bool(sc.outages or sc.contact_changes)
