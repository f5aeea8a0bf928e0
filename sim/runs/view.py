"""What a drill looks like from outside: a read model built only from domain events.

A UI, or a remote client of a future server, keeps one :class:`DrillState` and
feeds it every event; it never looks inside the engine. The scenario supplies the
static parts (the directory of actors, the MSEL as planned).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scenarios.durations import parse_drill_time
from scenarios.model import Scenario
from sim.engine.clock import scenario_shift
from sim.engine.events import Event


@dataclass
class InboxItem:
    """An inject or message as its recipient sees it."""

    ref: str
    kind: str  # "inject" or the verb of the message
    sender: str
    incident: str
    tlp: str
    at: float
    title: str = ""
    text: str = ""
    artefacts: list[str] = field(default_factory=list)
    channel: str = ""
    acknowledged: bool = False


@dataclass
class MselRow:
    id: str
    type: str
    at: float | None
    to: list[str]
    title: str
    status: str = "pending"  # pending | delivered | skipped
    delivered_at: float | None = None


@dataclass
class ExpectationRow:
    id: str
    description: str
    actors: list[str]
    action: str
    incident: str
    score: float
    within: float
    after: str
    status: str = "waiting"  # waiting | due | met | missed | late
    deadline_at: float | None = None
    done_at: float | None = None


class DrillState:
    """The drill as seen through its events."""

    def __init__(self, scenario: Scenario, recent: int = 200):
        self.scenario = scenario
        self.now = 0.0
        self.finished = False
        self.shifts = {aid: scenario_shift(scenario, aid) for aid in scenario.actors}
        self.msel: dict[str, MselRow] = {}
        for inj in scenario.injects:
            at = parse_drill_time(inj.at, scenario.drill.start) if inj.at else None
            self.msel[inj.id] = MselRow(inj.id, inj.type, at, list(inj.to), inj.title)
        self.inbox: dict[str, list[InboxItem]] = {aid: [] for aid in scenario.actors}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.known: dict[str, list[str]] = {aid: [] for aid in scenario.actors}
        self.closed: dict[str, set[str]] = {aid: set() for aid in scenario.actors}
        self.played_by: dict[str, str] = {aid: "policy" for aid in scenario.actors}
        self.expectations: dict[str, ExpectationRow] = {
            e.id: ExpectationRow(e.id, e.description, list(e.actors), e.action, e.incident,
                                 e.score, e.within, e.after)
            for e in scenario.expectations
        }
        self.recent: deque[Event] = deque(maxlen=recent)
        self.events = 0

    # --- feeding -----------------------------------------------------------------

    def apply(self, ev: Event) -> None:
        self.events += 1
        self.now = max(self.now, ev.time)
        self.recent.append(ev)
        d = ev.details
        match ev.type:
            case "drill_started":
                for aid in d.get("human", []):
                    self.played_by[aid] = "human"
            case "role_changed":
                self.played_by[ev.actor] = d["played_by"]
            case "incident_opened" | "incident_updated":
                self.incidents[ev.incident] = {k: d[k] for k in
                                              ("type", "title", "severity", "affected",
                                               "hosted_in", "crime_suspected")}
                self._expectations_anchor(ev)
            case "inject_delivered":
                row = self.msel.get(d["inject"])
                if row is None:
                    row = self.msel[d["inject"]] = MselRow(
                        d["inject"], d.get("type", "event"), None, [], d.get("title", ""))
                row.status = "delivered"
                row.delivered_at = row.delivered_at if row.delivered_at is not None else ev.time
                if ev.actor not in row.to:
                    row.to.append(ev.actor)
                self._receive(ev.actor, InboxItem(
                    d["ref"], "inject", d["sender"], ev.incident, d["tlp"], ev.time,
                    d.get("title", ""), d.get("text", ""), list(d.get("artefacts", [])),
                    d["channel"]))
                self._expectations_anchor(ev)
            case "inject_skipped":
                self.msel[d["inject"]].status = "skipped"
            case "inject_rescheduled":
                self.msel[d["inject"]].at = d["at"]
            case "message_delivered":
                self._receive(ev.actor, InboxItem(
                    d["msg"], d["verb"], d["sender"], ev.incident, d["tlp"], ev.time,
                    d["verb"].replace("_", " "), d.get("text", ""), list(d.get("refs", [])),
                    d["channel"]))
            case "acknowledged":
                refs = set(d["refs"])
                for item in self.inbox.get(ev.actor, []):
                    if item.ref in refs:
                        item.acknowledged = True
            case "closed":
                self.closed[ev.actor].add(ev.incident)
            case "expectation_met":
                x = self.expectations[d["expectation"]]
                x.status, x.done_at, x.deadline_at = "met", ev.time, d["deadline_at"]
            case "expectation_missed":
                x = self.expectations[d["expectation"]]
                x.status, x.deadline_at = "missed", d["deadline_at"]
            case "expectation_late":
                x = self.expectations[d["expectation"]]
                x.status, x.done_at = "late", ev.time
            case "drill_ended":
                self.finished = True

    def _receive(self, actor: str, item: InboxItem) -> None:
        self.inbox[actor].append(item)
        if item.incident not in self.known[actor]:
            self.known[actor].append(item.incident)

    def _expectations_anchor(self, ev: Event) -> None:
        for x in self.expectations.values():
            if x.deadline_at is not None or x.status != "waiting":
                continue
            if (ev.type == "incident_opened" and x.after == "incident"
                    and x.incident == ev.incident) or (
                    ev.type == "inject_delivered" and x.after == ev.details["inject"]):
                x.deadline_at = ev.time + x.within
                x.status = "due"

    # --- questions ---------------------------------------------------------------

    def on_duty(self, actor: str, t: float | None = None) -> bool:
        return self.shifts[actor].on_duty(self.now if t is None else t)

    def local_time(self, actor: str, t: float | None = None) -> str:
        return self.shifts[actor].local(self.now if t is None else t).strftime("%a %H:%M")

    def unread(self, actor: str) -> int:
        return sum(1 for i in self.inbox[actor] if not i.acknowledged)

    def open_incidents(self, actor: str) -> list[str]:
        return [i for i in self.known[actor] if i not in self.closed[actor]]

    def todo(self, actor: str) -> list[ExpectationRow]:
        """The role's expectations, soonest deadline first."""
        rows = [x for x in self.expectations.values() if actor in x.actors]
        return sorted(rows, key=lambda x: (x.deadline_at is None, x.deadline_at or 0, x.id))

    def item(self, actor: str, ref: str) -> InboxItem | None:
        return next((i for i in self.inbox[actor] if i.ref == ref), None)
