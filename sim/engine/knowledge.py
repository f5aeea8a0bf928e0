"""What is known about an incident: each actor's picture, and the ground truth.

Knowledge is kept as **facts**, short strings that one inject or message can state:

* ``type:botnet``, ``severity:high``;
* ``affected:PH`` (a country with victims), ``hosted:MY`` (a country hosting the
  malicious infrastructure);
* ``crime`` (a crime is suspected);
* ``indicator:<name>`` (an artefact: logs, a sample, a capture).

An actor's :class:`Picture` of an incident holds the facts that have reached it (in
injects addressed to it and messages sent to it), each with the minute it learnt
them (when the item arrived, or, for one that reached a closed office, when the team
read (acknowledged) it) and how far it may pass them on (the laxest TLP label of the
items that told it, and, for a fact first held under a label that kept it back, when
a laxer one let it go). The automated policy reads nothing else. The
:class:`GroundTruth` is exercise control's record of the incident, built from every
inject: it drives metrics, the facilitator's console, expectations' targets and what
a takedown actually removes, but never an actor's decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scenarios.model import SEVERITY_ORDER, Artefact, Incident

#: How far a fact held under each TLP label may be passed on, as a rank (smaller goes
#: further): the labels anyone in the drill's community may be told count as one.
LABEL_RANK: dict[str, int] = {"CLEAR": 1, "GREEN": 1, "AMBER": 2, "AMBER+STRICT": 3,
                              "RED": 4}
#: the rank of a fact anyone in the community may be told
OPEN_RANK = 1

#: Facts implied by the act of sending a message, whatever else it carries: a police
#: referral or a preservation request says that a crime is suspected.
IMPLIED_FACTS: dict[str, tuple[str, ...]] = {
    "refer_police": ("crime",),
    "request_preservation": ("crime",),
    "refer_central_authority": ("crime",),
    "request_mla": ("crime",),
}


def stated_facts(spec: Incident, artefacts: Iterable[Artefact] = ()) -> tuple[str, ...]:
    """The facts an inject states about its incident, in a stable order."""
    out: list[str] = []
    if spec.type:
        out.append(f"type:{spec.type}")
    if spec.severity:
        out.append(f"severity:{spec.severity}")
    out.extend(f"affected:{c}" for c in spec.affected or ())
    out.extend(f"hosted:{c}" for c in spec.hosted_in or ())
    if spec.crime_suspected:
        out.append("crime")
    # an artefact file counts by the name players see
    out.extend(f"indicator:{a if isinstance(a, str) else a.label}" for a in artefacts)
    return tuple(dict.fromkeys(out))


class View:
    """The incident properties rules and selectors read, derived from facts."""

    __slots__ = ("affected", "crime_suspected", "hosted_in", "severity", "type")

    def __init__(self) -> None:
        self.type = ""
        self.severity = ""
        self.affected: list[str] = []
        self.hosted_in: list[str] = []
        self.crime_suspected = False

    def _add(self, fact: str) -> None:
        kind, _, value = fact.partition(":")
        if kind == "affected":
            self.affected.append(value)
        elif kind == "indicator":
            return  # an artefact tells the view nothing
        elif kind == "hosted":
            self.hosted_in.append(value)
        elif kind == "crime":
            self.crime_suspected = True
        elif kind == "severity" and (
            not self.severity or SEVERITY_ORDER.index(value) > SEVERITY_ORDER.index(self.severity)
        ):
            # a team acts on the most severe assessment it has heard
            self.severity = value

    def _retype(self, facts: Sequence[str], stated: str, fresh: bool) -> bool:
        """The type the team acts on, once an item stating ``facts`` has joined what it
        knows: ``stated``, the item's last type fact (``fresh``: new to the team). True
        when the type changed.

        An item states its types oldest first: the last is the type its sender acts on
        (an inject states one). That type becomes the team's when the team had none,
        when it is new to the team, or when the item states the team's current type
        before it (its sender heard of that type and moved on). An older type the team
        had already heard, restated without the current one, does not take the team
        back to it."""
        value = stated[5:]
        current = self.type
        if value == current:
            return False
        if fresh or not current or f"type:{current}" in facts:
            self.type = value
            return True
        return False


def _last_type(facts: Sequence[str]) -> str:
    """The last type fact among ``facts`` ("" when none)."""
    for f in reversed(facts):
        if f.startswith("type:"):
            return f
    return ""


class Picture(View):
    """One actor's picture of one incident: the facts that have reached it, and the
    items that brought them (not mail still waiting unread in a closed office)."""

    __slots__ = ("analysis", "armed", "done", "items", "labels", "learnt", "memo",
                 "opened", "restricted", "unread_severity")

    def __init__(self) -> None:
        super().__init__()
        #: fact -> drill minute it first reached the actor
        self.learnt: dict[str, float] = {}
        #: fact -> how far the actor may pass it on: the rank (:data:`LABEL_RANK`) of the
        #: laxest label among the items that told it the fact
        self.labels: dict[str, int] = {}
        #: how many facts it holds only under a label that keeps them back (AMBER,
        #: AMBER+STRICT, RED)
        self.restricted = 0
        #: fact -> drill minute it came under a label anyone in the community may be told
        #: (CLEAR, GREEN), for a fact first held only under one that kept it back
        self.opened: dict[str, float] = {}
        self.items: list[Any] = []
        self.analysis = "none"  # none | busy | done
        self.done: Any = None
        #: trigger (an item kind or ``after:<rule>``) -> first minute it happened
        self.armed: dict[str, float] = {}
        #: what the policy worked out from this picture, by question: (the number of
        #: facts known then, the answer); an answer holds while no fact is added
        self.memo: dict[Any, tuple[int, Any]] = {}
        #: the most severe assessment stated by mail waiting unread ("" when none)
        self.unread_severity = ""

    def learn(self, facts: Iterable[str], at: float) -> list[str]:
        """Add facts that reached the actor at ``at`` (under no label that keeps them
        back); returns the new ones."""
        new = []
        learnt = self.learnt
        facts = tuple(facts)
        stated = _last_type(facts)
        fresh = stated not in learnt
        for f in facts:
            if f not in learnt:
                learnt[f] = at
                self.labels[f] = OPEN_RANK
                self._add(f)
                new.append(f)
        if stated:
            self._retype(facts, stated, fresh)
        return new

    def take(self, facts: Sequence[str], label: str | Callable[[str], str],
             at: float) -> tuple[bool, bool]:
        """Add the facts of an item that reached the actor at ``at``, all under ``label``,
        or each under the label ``label`` gives it. Returns whether a fact was new, and
        whether the item let the actor pass on a fact it held before only under a
        stricter label. An item that moves the team on to a type it knew already
        (:meth:`View._retype`) counts as one that added a fact: what the team acts on
        changed."""
        new = widened = False
        learnt = self.learnt
        labels = self.labels
        add = self._add
        stated = _last_type(facts)
        fresh = stated not in labels
        label_of: Callable[[str], str] | None = None
        if isinstance(label, str):
            rank = LABEL_RANK[label]
        else:
            label_of, rank = label, OPEN_RANK
        for f in facts:
            if label_of is not None:
                # fact by fact, each under its own label
                rank = LABEL_RANK[label_of(f)]
            if f not in labels:
                learnt[f] = at
                labels[f] = rank
                if rank > OPEN_RANK:
                    self.restricted += 1
                add(f)
                new = True
            elif rank < labels[f]:
                if labels[f] > OPEN_RANK >= rank:
                    self.restricted -= 1
                    self.opened[f] = at
                labels[f] = rank
                widened = True
        if stated and self._retype(facts, stated, fresh) and not new:
            # what the policy worked out rests on the type it acted on before
            self.memo.clear()
            new = True
        return new, widened

    def passable_since(self, may_pass: Callable[[Any, str], bool]) -> dict[str, float]:
        """When each fact became one the actor may pass on, in the order it learnt them:
        from when it was learnt, for a fact never held only under a label that keeps it
        back; otherwise from the first item ``may_pass`` lets it pass on from (asked with
        the item and the fact; a recipient's rules, say). A fact no item lets pass is left
        out."""
        learnt = self.learnt
        labels = self.labels
        opened = self.opened
        kept = {f for f in learnt if f in opened or labels.get(f, OPEN_RANK) > OPEN_RANK}
        if not kept:
            return dict(learnt)
        first: dict[str, float] = {}
        for item in self.items:  # in the order they joined the picture
            for f in item.facts:
                if f in kept and f not in first and may_pass(item, f):
                    first[f] = item.known_at
        return {f: first[f] if f in kept else at for f, at in learnt.items()
                if f not in kept or f in first}

    def unread(self, facts: Iterable[str]) -> bool:
        """Mail stating ``facts`` waits unread; True when it says the incident is more
        severe than anything heard before (its desk's queue moves)."""
        before = self.triage()
        for f in facts:
            if f.startswith("severity:"):
                value = f[9:]
                if not self.unread_severity or (SEVERITY_ORDER.index(value)
                                                > SEVERITY_ORDER.index(self.unread_severity)):
                    self.unread_severity = value
        return self.triage() != before

    def triage(self) -> str:
        """The most severe assessment of the incident that has reached the actor, read
        or not ("" when none): what its desks sort the waiting work by."""
        unread = self.unread_severity
        known = self.severity
        if not unread or (known and SEVERITY_ORDER.index(known)
                          >= SEVERITY_ORDER.index(unread)):
            return known
        return unread

    @classmethod
    def of(cls, facts: Iterable[str]) -> Picture:
        """A picture holding ``facts`` from the start (for authoring tools)."""
        p = cls()
        p.learn(facts, 0.0)
        return p


@dataclass
class GroundTruth:
    """Exercise control's record of one incident, from every inject sent about it.

    This is the ground truth: metrics, the facilitator console and expectations read
    it; no actor's decisions do.
    """

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

    def update(self, spec: Incident) -> None:
        for name in ("type", "title", "severity", "crime_suspected"):
            value = getattr(spec, name)
            if value is not None:
                setattr(self, name, value)
        if spec.affected is not None:
            self.affected = list(spec.affected)
        if spec.hosted_in is not None:
            self.hosted_in = list(spec.hosted_in)
