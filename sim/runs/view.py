"""What a drill looks like from outside: a read model built only from domain events.

A UI, or a remote client of a future server, keeps one :class:`DrillState` and
feeds it every event; it never looks inside the engine. The scenario supplies the
static parts (the directory of actors, the MSEL as planned).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# the clock's minute, kept importable from here for callers that read the state
from scenarios.durations import clock_floor as clock_floor
from scenarios.durations import clock_minute, parse_drill_time
from scenarios.model import MESSAGE_VERBS, TLP_ORDER, Inject, Scenario
from sim.analysis.metrics import Anchors
from sim.analysis.report import TLP_EVENTS, drill_tlp
from sim.engine.clock import scenario_shift
from sim.engine.events import Event
from sim.engine.wording import DONE, REASONS, channel_in_words, noun


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
    #: artefact files: name, file, sha256, bytes, password_via, and content when it is text
    files: list[dict[str, Any]] = field(default_factory=list)
    #: passwords of protected artefacts by artefact name, in words, as they arrived
    passwords: dict[str, str] = field(default_factory=dict)
    #: protected artefacts whose password has arrived
    unlocked: set[str] = field(default_factory=set)


#: What a message to one recipient has become, as exercise control knows it.
SENT_STATES = ("in transit", "delivered", "acknowledged", "bounced", "lost")

#: What it has become as its sender knows it, as its Sent list shows it: ``sent`` until
#: something comes back (it may be on its way, have arrived, or have vanished), then
#: ``delivered`` (a call that connected), ``acknowledged`` (the recipient's receipt
#: reached the sender), ``bounced``, or ``lost`` (it could not be sent at all).
SENDER_STATES = ("sent", "delivered", "acknowledged", "bounced", "lost")

#: Why a message may be lost that its sender knows of when it happens: it could not be
#: sent at all (the recipient has no point of contact on that channel). Any other loss
#: (a stale contact that takes mail nobody reads, an outage, the channel's own losses)
#: is silent: the sender hears nothing back, as the automated policy hears nothing until
#: its follow-up timer, and the message stays as sent, not yet acknowledged.
HEARD_LOSSES = frozenset({"no_contact"})


def sender_hears_of_loss(reason: object) -> bool:
    """Whether the sender of a message lost for ``reason`` (a ``message_lost`` event's)
    knows that it was lost: only when it could not be sent at all (:data:`HEARD_LOSSES`)."""
    return reason in HEARD_LOSSES


def sender_sees_delivery(scenario: Scenario, channel: object) -> bool:
    """Whether the sender of a message on ``channel`` (an id) knows when it arrives: on
    a phone call, which connects only when someone answers (a phone channel whose
    delivery waits for someone at the desk). E-mail, a fax, a portal, the police and
    24/7 networks and formal requests say nothing of a message's arrival: its sender
    learns of it from the recipient's acknowledgement, if that comes back."""
    ch = scenario.channels.get(channel) if isinstance(channel, str) else None
    return ch is not None and ch.kind == "phone" and ch.needs_receiver_on_duty


def call_channels(scenario: Scenario) -> frozenset[str]:
    """The scenario's channels whose deliveries their senders know of
    (:func:`sender_sees_delivery`)."""
    return frozenset(cid for cid in scenario.channels if sender_sees_delivery(scenario, cid))


#: Domain events that are an actor's own action (each says ``by``: person or policy).
ACTION_EVENTS = frozenset({"acknowledged", "analysed", "notified", "escalated", "requested",
                           "takedown_completed", "preserved", "published", "closed"})


@dataclass
class Delivery:
    """One recipient of a sent message: where the message stands for them."""

    recipient: str
    dispatch: str
    state: str = "in transit"  # one of SENT_STATES, or SENDER_STATES as the sender knows it
    reason: str = ""  # why it bounced or was lost, in words
    channel: str = ""
    attempts: int = 1
    at: float | None = None  # when it reached its state
    #: the text this recipient was sent (the policy writes each recipient its own)
    text: str = ""


@dataclass
class SentItem:
    """A message a role sent (one action), with its delivery to each recipient."""

    ref: str
    verb: str
    incident: str
    tlp: str
    at: float
    subject: str = ""
    text: str = ""
    by: str = "policy"
    rule: str | None = None
    deliveries: dict[str, Delivery] = field(default_factory=dict)


@dataclass
class Acted:
    """An actor's latest action: when, by whom (a person or the policy), in words."""

    seq: int
    at: float
    actor: str
    by: str
    what: str


@dataclass
class MselRow:
    """An inject as the MSEL tab lists it.

    ``status`` is ``pending`` (waiting for its time or its trigger), ``delivered`` (it
    reached at least one recipient), ``lost`` (it was lost for every recipient: no
    usable contact, an outage), ``held`` (sent, but it has neither reached nor been
    lost for anyone yet: a call waiting for someone at the desk, a holding outage;
    ``inject_held``) or ``skipped``."""

    id: str
    type: str
    at: float | None
    to: list[str]
    title: str
    status: str = "pending"  # pending | held | delivered | lost | skipped
    delivered_at: float | None = None
    text: str = ""
    tlp: str = ""
    sender: str = ""
    #: the recipients it was lost for, in the order it was lost
    lost: list[str] = field(default_factory=list)


def _through(x: ExpectationRow) -> tuple[str, ...]:
    """The states, as its sender knows them, of a message that has got as far as the
    expectation ``x`` needs."""
    return ("acknowledged",) if x.reach == "acknowledged" else ("delivered", "acknowledged")


def player_sees_anchor(after: str, received: Collection[str]) -> bool:
    """Whether a player may know when the engine started the countdown of one of its
    own expectations counted from an inject: once that inject has reached it. An inject
    that never reached it is exercise control's knowledge. (One counted from the opening
    of an incident is known only as :class:`Countdowns` tells.)"""
    return after != "incident" and after in received


class Countdowns:
    """Which expectations' countdowns each actor may know the start of, read from
    exercise control's whole log (every event, in order). An actor knows the start of
    one of its own expectations counted from an inject once that inject reaches it (the
    countdown started when the inject was sent). It knows the start of one counted from
    the opening of an incident once an inject about that incident sent at the very
    moment the incident opened reaches it (the inject that opened it, or one sent with
    it): it was told of the incident as it began. An actor that first hears of an
    incident later does not know when it began, and never learns it."""

    def __init__(self, scenario: Scenario):
        #: by actor, its expectations: (id, after, incident)
        self._of: dict[str, list[tuple[str, str, str]]] = {}
        #: every expectation: (after, incident, within)
        self._units: dict[str, tuple[str, str, float]] = {}
        for x in scenario.expectation_units():
            self._units[x.id] = (x.after, x.incident, x.within)
            for aid in x.actors:
                self._of.setdefault(aid, []).append((x.id, x.after, x.incident))
        #: when each incident opened and each inject was sent (its first event), and the
        #: injects skipped: the rule the run report reads the log by
        self.anchors = Anchors()

    @property
    def opened(self) -> dict[str | None, float]:
        """When each incident opened."""
        return self.anchors.opened

    @property
    def sent(self) -> dict[str, float]:
        """When each inject was sent (its first event)."""
        return self.anchors.sent

    def deadline(self, expectation: str) -> float | None:
        """When the expectation of that id falls due, as exercise control knows from the
        events read so far: its anchor plus ``within``, as the run report works it out
        (:class:`~sim.analysis.metrics.Anchors`); None while its anchor has not come."""
        after, incident, within = self._units[expectation]
        return self.anchors.deadline(after, incident, within)

    def feed(self, ev: Event) -> dict[str, float]:
        """Read ``ev``. For an inject reaching an actor, the countdowns of that actor's own
        expectations it tells the start of (expectation id -> when the countdown began),
        the same again if ``ev`` is read again; otherwise nothing."""
        self.anchors.feed(ev)
        inject = ev.details.get("inject")
        if ev.type != "inject_delivered" or ev.actor is None or not isinstance(inject, str):
            return {}
        sent = self.anchors.sent[inject]  # every recipient's first event
        opened = self.anchors.opened.get(ev.incident) if ev.incident is not None else None
        return {xid: sent for xid, after, incident in self._of.get(ev.actor, ())
                if after == inject or (after == "incident" and incident == ev.incident
                                       and opened == sent)}


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
    #: on a role's to-do list, also ``sent``; to exercise control, also ``not in play``
    #: (see :meth:`DrillState.shown`)
    status: str = "waiting"  # waiting | due | met | missed | late
    deadline_at: float | None = None
    done_at: float | None = None
    #: for a message action, how far the message must get to count: sent, delivered or
    #: acknowledged
    reach: str = "delivered"
    require: str = "any"  # any | all
    #: the actor whose action met it (or met it late), as the events name it
    by: str | None = None
    #: not in play: the skipped inject it counts from (or that would have opened its
    #: incident), as exercise control is shown it (see :meth:`DrillState.not_in_play`)
    skipped: str | None = None


@dataclass
class TaskRow:
    """A player task put to one actor, and its latest answer."""

    id: str
    question: str
    actor: str
    asked_at: float
    incident: str | None = None
    answer: str = ""
    answered_at: float | None = None


class DrillState:
    """The drill as seen through its events."""

    def __init__(self, scenario: Scenario, recent: int = 200):
        self.scenario = scenario
        #: whether the state reads exercise control's whole log (the console, a hot-seat
        #: drill), not one player's share of it (as the server sends it: see
        #: sim.net.visibility)
        self.whole_log = False
        self.now = 0.0
        self.finished = False
        self.shifts = {aid: scenario_shift(scenario, aid) for aid in scenario.actors}
        self.msel: dict[str, MselRow] = {}
        for inj in scenario.injects:
            at = parse_drill_time(inj.at, scenario.drill.start) if inj.at else None
            self.msel[inj.id] = MselRow(inj.id, inj.type, at, list(inj.to), inj.title,
                                        text=inj.text, tlp=inj.tlp, sender=inj.sender)
        self.inbox: dict[str, list[InboxItem]] = {aid: [] for aid in scenario.actors}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.known: dict[str, list[str]] = {aid: [] for aid in scenario.actors}
        self.closed: dict[str, set[str]] = {aid: set() for aid in scenario.actors}
        self.played_by: dict[str, str] = {aid: "policy" for aid in scenario.actors}
        #: the roles handed to a person during the drill, in the order they were handed
        #: over (one handed back leaves the list; handed again, it comes last)
        self.handed: list[str] = []
        self.expectations: dict[str, ExpectationRow] = {
            e.id: ExpectationRow(e.id, e.description, list(e.actors), e.action, e.incident,
                                 e.score, e.within, e.after, reach=e.reach, require=e.require)
            for e in scenario.expectation_units()
        }
        self.recent: deque[Event] = deque(maxlen=recent)
        self.events = 0
        #: each role's Sent list, oldest first
        self.outbox: dict[str, list[SentItem]] = {aid: [] for aid in scenario.actors}
        self._dispatches: dict[str, tuple[SentItem, Delivery]] = {}
        #: the same, as each sender knows them (:meth:`as_sender`): by dispatch, and each
        #: Sent entry by its ref
        self._told: dict[str, tuple[SentItem, Delivery]] = {}
        self._told_items: dict[str, SentItem] = {}
        #: by sender, the Sent entry of the action being carried out: its messages have
        #: left, the action's own event (notified, escalated, ...) has not come yet
        self._sending: dict[str, SentItem] = {}
        #: each actor's latest action, a person's or the policy's
        self.last_acted: dict[str, Acted] = {}
        #: actions people took, newest last (the console announces them)
        self.person_actions: deque[Acted] = deque(maxlen=recent)
        #: player tasks by (task, actor), in the order they were asked
        self.tasks: dict[tuple[str, str], TaskRow] = {}
        #: when the engine started each expectation's countdown (see :meth:`shown`)
        self.anchors: dict[str, float] = {}
        #: by actor, the countdowns of its own expectations it may know the start of, and
        #: when each began (:class:`Countdowns`; a player's copy of an inject says which)
        self.countdowns: dict[str, dict[str, float]] = {}
        #: (it also keeps the injects skipped and neither put back nor sent since, and the
        #: incidents opened: see :meth:`not_in_play`)
        self._countdowns = Countdowns(scenario)
        #: the drill's TLP label as the events so far raise it, by the rule of its reports
        #: (:func:`sim.analysis.report.drill_tlp`)
        self.tlp = drill_tlp(scenario)

    # --- feeding -----------------------------------------------------------------

    def apply(self, ev: Event) -> None:
        self.events += 1
        self.now = max(self.now, ev.time)
        self.recent.append(ev)
        d = ev.details
        learnt = self._countdowns.feed(ev)
        if ev.type in TLP_EVENTS:
            self.tlp = max(self.tlp, drill_tlp(self.scenario, (ev,)), key=TLP_ORDER.index)
        match ev.type:
            case "drill_started":
                for aid in d.get("human", []):
                    self.played_by[aid] = "human"
            case "role_changed":
                self.played_by[ev.actor] = d["played_by"]
                if ev.actor in self.handed:
                    self.handed.remove(ev.actor)
                if d["played_by"] == "human":
                    self.handed.append(ev.actor)
            case "incident_opened" | "incident_updated":
                # exercise control's events: this state reads the whole log, receipts
                # included (a player's terminal gets an acknowledgement at its receipt)
                self.whole_log = True
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
                    d["channel"], files=self._files(d)))
                self._expectations_anchor(ev)
                told = d.get("countdowns")
                if isinstance(told, Mapping):
                    # a player's copy: the server, which reads the whole log, says which
                    learnt = {str(k): float(v) for k, v in told.items()
                              if k in self.expectations and isinstance(v, int | float)}
                if learnt:
                    self.countdowns.setdefault(ev.actor, {}).update(learnt)
            case "password_delivered":
                # a password lost on the way (password_lost) is exercise control's to
                # know, as over the network: the role's item keeps waiting for it
                got = self.item(ev.actor, f"inject:{d.get('inject')}") \
                    if ev.actor in self.inbox else None
                if got is not None:
                    how = channel_in_words(self.scenario, str(d.get("channel", "")), short=True)
                    got.unlocked.add(str(d.get("artefact", "")))
                    if isinstance(d.get("content"), str):
                        # a served drill's player: the text comes with the password
                        for f in got.files:
                            if f.get("name") == d.get("artefact") and f.get("content") is None:
                                f["content"] = d["content"]
                    got.passwords[str(d.get("artefact", ""))] = (
                        f"{d.get('password') or '(given by exercise control)'} (by {how} at "
                        f"{clock_minute(ev.time)})")
            case "inject_held":
                self._inject_held(ev)
            case "inject_skipped":
                self.msel[d["inject"]].status = "skipped"
            case "inject_rescheduled" | "inject_timed":
                self.msel[d["inject"]].at = d["at"]
            case "inject_unskipped":
                row = self.msel[d["inject"]]
                row.status, row.at = "pending", d["at"]
            case "inject_edited":
                row = self.msel[d["inject"]]
                for key in ("title", "text", "tlp"):
                    if key in d:
                        setattr(row, key, d[key])
                if "to" in d:
                    row.to = list(d["to"])
            case "inject_added":
                self.msel[d["inject"]] = MselRow(
                    d["inject"], d.get("type", "event"), d["at"], list(d.get("to", [])),
                    d.get("title", ""), text=d.get("text", ""), tlp=d.get("tlp", ""),
                    sender=d.get("sender", ""))
            case "message_delivered":
                self._delivery(d, "delivered", ev.time, text=d.get("text", ""),
                               told=sender_sees_delivery(self.scenario, d.get("channel")))
                self._receive(ev.actor, InboxItem(
                    d["msg"], d["verb"], d["sender"], ev.incident, d["tlp"], ev.time,
                    d.get("subject") or d["verb"].replace("_", " "), d.get("text", ""),
                    list(d.get("attached", [])), d["channel"]))
            case "message_sent":
                self._sent(ev)
            case "message_bounced":
                self._delivery(d, "bounced", ev.time, REASONS.get(d.get("reason", ""),
                                                                  "undeliverable"), told=True)
            case "message_lost":
                self._delivery(d, "lost", ev.time, REASONS.get(
                    d.get("reason", ""), str(d.get("reason", "")).replace("_", " ")),
                    told=sender_hears_of_loss(d.get("reason")))
                if d.get("verb") == "inject" and isinstance(d.get("inject"), str):
                    self._inject_lost(ev)
            case "acknowledgement_received":
                # the receipt reaches the sender: it knows of the acknowledgement from now,
                # and so that its message arrived, with the words it arrived with
                told = self._told.get(d.get("dispatch", ""))
                if told is not None:
                    self._update(*told, "acknowledged", ev.time,
                                 text=self._dispatches[d["dispatch"]][1].text)
            case "acknowledged":
                refs = set(d["refs"])
                for item in self.inbox.get(ev.actor, []):
                    if item.ref in refs:
                        item.acknowledged = True
                for dispatch in d.get("dispatches", []):
                    # a player's terminal is sent the acknowledgement as its receipt
                    # arrives; in the whole log, the receipt comes on its own
                    self._delivery({"dispatch": dispatch}, "acknowledged", ev.time,
                                   told=not self.whole_log)
            case "closed":
                self.closed[ev.actor].add(ev.incident)
            case "expectation_met":
                x = self.expectations[d["expectation"]]
                x.status, x.done_at, x.deadline_at = "met", ev.time, d["deadline_at"]
                x.by = ev.actor
            case "expectation_missed":
                x = self.expectations[d["expectation"]]
                x.status, x.deadline_at = "missed", d["deadline_at"]
            case "expectation_late":
                x = self.expectations[d["expectation"]]
                x.status, x.done_at, x.by = "late", ev.time, ev.actor
            case "drill_ended":
                self.finished = True
            case "task_set":
                self.tasks[(d["task"], ev.actor)] = TaskRow(
                    d["task"], d.get("question", ""), ev.actor, ev.time, ev.incident)
            case "task_answered":
                task = self.tasks.get((d["task"], ev.actor))
                if task is not None:
                    task.answer, task.answered_at = d.get("text", ""), ev.time
        if ev.type in ACTION_EVENTS:
            self._sending.pop(ev.actor or "", None)  # the action is done: its messages are out
        if ev.type in ACTION_EVENTS and ev.actor in self.scenario.actors:
            by = "human" if d.get("by") == "human" else "policy"
            acted = Acted(ev.seq, ev.time, ev.actor, by, self.describe(ev))
            self.last_acted[ev.actor] = acted
            if by == "human":
                self.person_actions.append(acted)

    def _inject_lost(self, ev: Event) -> None:
        """An inject was lost for one recipient. It has been sent, so it no longer waits:
        it is lost once lost for every recipient, and held meanwhile (it has yet to reach
        the others, or be lost for them). An inject the MSEL does not list (an ad-hoc one
        sent now) is listed from here on, with what the event says of it."""
        d = ev.details
        row = self.msel.get(d["inject"])
        if row is None:
            row = self.msel[d["inject"]] = MselRow(
                d["inject"], "", ev.time, [], "", sender=str(d.get("sender", "")))
        if row.status == "pending":
            row.status = "held"
        if ev.actor and ev.actor not in row.lost:
            row.lost.append(ev.actor)
        if ev.actor and ev.actor not in row.to:
            row.to.append(ev.actor)
        self._settle(row)

    def _inject_held(self, ev: Event) -> None:
        """An inject went out but waits to reach one recipient (a holding outage, a desk
        that takes calls only when open): it no longer waits for its time. An inject
        the MSEL does not list (an ad-hoc one sent now, on another terminal) is listed
        from here on, with what the event says of it."""
        d = ev.details
        row = self.msel.get(d["inject"])
        if row is None:
            row = self.msel[d["inject"]] = MselRow(
                d["inject"], str(d.get("type", "")), ev.time, [], str(d.get("title", "")),
                sender=str(d.get("sender", "")))
        if row.status == "pending":
            row.status = "held"
        if ev.actor and ev.actor not in row.to:
            row.to.append(ev.actor)

    @staticmethod
    def _settle(row: MselRow) -> None:
        """A sent inject that reached nobody: lost once lost for all its recipients."""
        if row.status in ("pending", "held") and row.to and set(row.to) <= set(row.lost):
            row.status = "lost"

    def inject_sent(self, inject: Inject, at: float | None) -> None:
        """The facilitator's own ad-hoc inject, sent at drill time ``at`` (None: not
        known), as the command that sent it knows it, once its events have been fed. An
        inject that has neither reached nor been lost for anyone yet leaves no event
        until it does (a call waiting for someone at the desk, a holding outage): it is
        listed, ``held``, from here, with all its recipients."""
        row = self.msel.get(inject.id)
        if row is None:
            row = self.msel[inject.id] = MselRow(inject.id, inject.type, at, [], inject.title)
        if row.status == "pending":
            row.status = "held"
        row.type, row.title, row.text = inject.type, inject.title, inject.text
        row.tlp, row.sender = inject.tlp, inject.sender
        if row.at is None:
            row.at = at
        row.to = list(dict.fromkeys([*inject.to, *row.to]))
        if row.status == "lost" and not set(row.to) <= set(row.lost):
            row.status = "held"  # lost for some: still on its way to the others
        self._settle(row)

    def _sent(self, ev: Event) -> None:
        """A message leaves its sender: a new Sent entry, a new recipient, or a new try."""
        d = ev.details
        dispatch = d.get("dispatch", "")
        known = self._dispatches.get(dispatch)
        if known is not None:  # another try on the next channel
            for delivery, waiting in ((known[1], "in transit"), (self._told[dispatch][1], "sent")):
                if delivery.state not in ("delivered", "acknowledged"):
                    delivery.state, delivery.reason, delivery.at = waiting, "", None
                delivery.channel = d.get("channel", "")
                delivery.attempts = int(d.get("attempt", delivery.attempts + 1))
            return
        sent = self.outbox.setdefault(ev.actor, [])
        by = "human" if d.get("by") == "human" else "policy"
        # One action sends its messages one recipient after another, then logs its own
        # event (notified, escalated, ...) for all of them: a message joins the entry of
        # the action still being carried out, when it carries the same label and subject.
        # Another action, even at the same moment, starts an entry of its own.
        last = self._sending.get(ev.actor or "")
        if (last is None or last.at != ev.time or last.verb != d.get("verb")
                or last.incident != ev.incident or last.by != by or last.rule != d.get("rule")
                or last.tlp != d.get("tlp", "") or last.subject != d.get("subject", "")
                or d.get("to") in last.deliveries):
            last = SentItem(dispatch, d.get("verb", ""), ev.incident or "", d.get("tlp", ""),
                            ev.time, d.get("subject", ""), d.get("text", ""), by=by,
                            rule=d.get("rule"))
            sent.append(last)
            self._sending[ev.actor or ""] = last
            self._told_items[last.ref] = replace(last, deliveries={})
        delivery = Delivery(d.get("to", ""), dispatch, channel=d.get("channel", ""),
                            attempts=int(d.get("attempt", 1)))
        last.deliveries[delivery.recipient] = delivery
        self._dispatches[dispatch] = (last, delivery)
        told_item = self._told_items[last.ref]
        told = told_item.deliveries[delivery.recipient] = replace(delivery, state="sent")
        self._told[dispatch] = (told_item, told)

    def _delivery(self, d: dict[str, Any], state: str, at: float, reason: str = "",
                  text: str = "", told: bool = False) -> None:
        """What became of a message: as exercise control knows it, and (``told``) as its
        sender knows it too."""
        dispatch = d.get("dispatch", "")
        known = self._dispatches.get(dispatch)
        if known is None:
            return
        attempt = int(d.get("attempt", 0))
        self._update(*known, state, at, reason, text, attempt, d.get("channel"))
        if told:
            self._update(*self._told[dispatch], state, at, reason, text, attempt,
                         d.get("channel"))

    @staticmethod
    def _update(item: SentItem, delivery: Delivery, state: str, at: float, reason: str = "",
                text: str = "", attempt: int = 0, channel: str | None = None) -> None:
        if delivery.state == "acknowledged":
            return  # an acknowledged message stays acknowledged
        if state in ("bounced", "lost") and (
                delivery.state == "delivered" or attempt != delivery.attempts):
            return  # a try that failed after another got through, or one overtaken by a later try
        delivery.state, delivery.reason, delivery.at = state, reason, at
        if channel:
            delivery.channel = channel
        if text and not delivery.text:
            delivery.text = text
        if text and not item.text:
            item.text = text

    def _files(self, d: Any) -> list[dict[str, Any]]:
        """An inject's artefact files, with the text of those the scenario shows. A
        player of a drill served elsewhere holds no injects: the server's copy of the
        event carries the text of the files it was sent (see sim.net.visibility)."""
        files = [dict(f) for f in d.get("files", ()) if isinstance(f, dict)]
        if files:
            inj = next((x for x in self.scenario.injects if x.id == d.get("inject")), None)
            texts = {a.label: a.content for a in inj.artefact_files} if inj else {}
            for f in files:
                name = f.get("name", "")
                sent = f.get("content")
                f["content"] = texts[name] if name in texts else \
                    sent if isinstance(sent, str) else None
        return files

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

    def not_in_play(self, x: ExpectationRow) -> str | None:
        """The skipped inject an expectation still open counts from, or that would have
        opened its incident (one counted from the opening of an incident that never
        opened): it is not in play, as the run report says, for as long as that inject
        is neither put back nor sent. None for one in play."""
        if x.status not in ("waiting", "due"):
            return None
        return self._countdowns.anchors.not_in_play(x.after, x.incident)

    def use_anchors(self, anchors: Mapping[str, float]) -> None:
        """The engine's anchors (``session.anchors``), for :meth:`shown`."""
        self.anchors = dict(anchors)

    def shown(self, x: ExpectationRow, role: str | None = None) -> ExpectationRow:
        """The expectation as a view shows it: to exercise control (``role`` None), or
        on the to-do list of ``role``.

        Events alone anchor an expectation on an inject at the inject's delivery, which
        can come later than the engine's anchor, when the inject fired (a call waiting
        for someone at the desk, an outage), or never (a lost inject). An open
        expectation the engine has anchored is shown due from its anchor, with the very
        deadline it is scored against; met, missed and late ones carry it from their
        own events. A role sees that anchor only as a player over the network does
        (:meth:`sees_anchor`): once the inject it is counted from has reached the role,
        or (counted from the opening of an incident) once an inject sent as the incident
        opened has. Until then its expectation is waiting, with no deadline (not the one
        the read model took from events the role never saw), and one met is shown met
        with no deadline.

        On a role's list, an expectation its own message may meet once delivered or
        acknowledged says no more than the role's Sent list (:meth:`as_sender`): what
        the role knows of its messages. Once the role has sent such a message
        (:meth:`own_sends`), the expectation is ``sent`` (``done_at``: when it was
        first sent), whether the message arrived or vanished without a word, until
        something comes back that shows one got through (a call that connected, the
        recipient's receipt of acknowledgement): then it is shown as it stands. One
        missed that the role sent nothing for before its deadline is missed (late, once
        the role knows its message got through); one met by another team's action
        (which the role is told) is met. Another team's message that met it (the one
        that did, or for ``require: all`` each one) is no sooner known to the role than
        to that team: until that team hears that it got through, the expectation reads
        as it stood before (open, or missed for one met late). Nor does it read missed
        or late (which would say that no message arrived in time) while a team that
        shares it, the role included, sent a message in time that may have met it and
        has not heard how it fared; one that needs every team reads missed all the same
        to a role that sent nothing in time.

        Exercise control sees an open expectation counted from a skipped inject as
        ``not in play`` (:meth:`not_in_play`), with no deadline; a role, never told of
        the skip, sees it waiting."""
        if role is None and (inject := self.not_in_play(x)) is not None:
            return replace(x, status="not in play", skipped=inject, deadline_at=None,
                           done_at=None)
        row = self._shown(x, role)
        if role is None or x.action not in MESSAGE_VERBS or x.reach == "sent":
            return row
        # the teams whose messages met it: the one that did (any), or every one (all)
        acted = x.actors if x.require == "all" else [x.by]
        if x.status in ("met", "late") and any(
                a is not None and a != role and not self._heard(x, a) for a in acted):
            # another team's message met it, and that team has not heard it got through:
            # the role is told no sooner than that team, and sees it as it stood before
            x = replace(x, status="missed" if x.status == "late" else "due", done_at=None,
                        by=None)
            row = self._shown(x, role)
        closed = x.status in ("missed", "late")
        # missed, while another team that shares it sent a message in time that may have
        # met it and has not heard how it fared: the role is not told before that team
        held = closed and any(self._unheard(x, other) for other in x.actors if other != role)
        if x.status in ("met", "late") and x.by != role and x.require == "any" \
                and not (closed and self._unheard(x, role)):
            # another team's action met it: the role is told that much (but not that it
            # was late while a message of its own sent in time may have got through)
            return self._open(x, role) if held else row
        sends = self.own_sends(x, role)
        if any(dl.state in _through(x) for _, dl in sends):
            # the role knows one of its messages got through
            return self._open(x, role) if held else row
        at = [item.at for item, _ in sends
              if not closed or x.deadline_at is None or item.at <= x.deadline_at]
        if at:
            return replace(self._open(x, role), status="sent", done_at=min(at))
        if closed:
            if held and x.require != "all":
                # (one that needs every team is missed as soon as the role sent nothing)
                return self._open(x, role)
            return replace(x, status="missed", done_at=None)  # sent nothing in time
        return self._open(x, role) if x.status == "met" else row

    def _heard(self, x: ExpectationRow, role: str) -> bool:
        """Whether ``role`` knows that one of its messages that may meet ``x`` got
        through (its to-do list shows the outcome of ``x`` once it met it)."""
        return any(dl.state in _through(x) for _, dl in self.own_sends(x, role))

    def _unheard(self, x: ExpectationRow, role: str) -> bool:
        """Whether ``role`` sent a message in time that may have met ``x`` and has not
        heard whether it got through (its to-do list shows ``x`` as ``sent``)."""
        sends = self.own_sends(x, role)
        return not any(dl.state in _through(x) for _, dl in sends) and any(
            x.deadline_at is None or item.at <= x.deadline_at for item, _ in sends)

    def _shown(self, x: ExpectationRow, role: str | None) -> ExpectationRow:
        """The expectation as it stands, with the anchor the view may know (see
        :meth:`shown`)."""
        sees = role is None or self.sees_anchor(x, role)
        if x.status not in ("waiting", "due"):
            if x.status == "met" and not sees:
                # counted from a moment the role was never told of (a missed one's is
                # the time it was missed at, which its own event says)
                return replace(x, deadline_at=None)
            return x
        return self._open(x, role)

    def _open(self, x: ExpectationRow, role: str | None) -> ExpectationRow:
        """The expectation as the view would show it were it still open: due from the
        engine's anchor (or the one its events gave) when the view may know it,
        otherwise waiting with no deadline."""
        if role is not None and not self.sees_anchor(x, role):
            return replace(x, status="waiting", deadline_at=None, done_at=None)
        at = self.anchors.get(x.id)
        if at is None and role is not None:
            at = self.countdowns[role][x.id]  # a player's: as its inject told it
        if at is not None:  # the deadline is the engine's own sum
            return replace(x, status="due", deadline_at=at + x.within, done_at=None)
        if x.status in ("waiting", "due"):
            return x
        return replace(x, status="waiting" if x.deadline_at is None else "due", done_at=None)

    def own_sends(self, x: ExpectationRow, role: str) -> list[tuple[SentItem, Delivery]]:
        """The messages of ``role`` that may meet the expectation ``x``, one row per
        message and recipient as its Sent list shows them (:meth:`sent`): of the
        expectation's action, about its incident, sent once its countdown began as far
        as the role knows it (:meth:`sees_anchor`: any, for a countdown whose start the
        role cannot know), and not known to have failed (bounced, or not sent at all).
        Whom the expectation wants them sent to is read off exercise control's ground
        truth, and is not looked at."""
        since = -math.inf
        if self.sees_anchor(x, role):
            anchor = self.anchors.get(x.id, self.countdowns[role][x.id])
            since = anchor - 1e-6  # drill minutes: the difference of two sums
        return [(item, dl) for item, dl in self.sent(role)
                if item.verb == x.action and item.incident == x.incident
                and item.at >= since and dl.state not in ("bounced", "lost")]

    def sees_anchor(self, x: ExpectationRow, role: str) -> bool:
        """Whether ``role`` may know when the countdown of its expectation ``x`` began
        (:class:`Countdowns`): counted from an inject that has reached it, or from the
        opening of an incident it was told of as it began. A player over the network
        sees the same (sim.net.visibility)."""
        return x.id in self.countdowns.get(role, {})

    def received_injects(self, actor: str) -> set[str]:
        """The ids of the injects that reached ``actor``."""
        return {i.ref.removeprefix("inject:") for i in self.inbox.get(actor, ())
                if i.kind == "inject"}

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
        """The role's expectations as it sees them (:meth:`shown`), soonest deadline first."""
        rows = [self.shown(x, actor) for x in self.expectations.values() if actor in x.actors]
        return sorted(rows, key=lambda x: (x.deadline_at is None, x.deadline_at or 0, x.id))

    def tasks_of(self, actor: str) -> list[TaskRow]:
        """The tasks put to a role, in the order they were asked."""
        return [row for (_, aid), row in self.tasks.items() if aid == actor]

    def item(self, actor: str, ref: str) -> InboxItem | None:
        return next((i for i in self.inbox[actor] if i.ref == ref), None)

    def sent(self, actor: str, as_sender: bool = True) -> list[tuple[SentItem, Delivery]]:
        """The role's Sent list, newest first: one row per message and recipient, as
        the sender knows it (``as_sender``, :meth:`as_sender`: what a player's terminal
        shows), or as exercise control knows it."""
        items = reversed(self.outbox.get(actor, []))
        return [(item, dl) for item in (map(self.item_as_sender, items) if as_sender else items)
                for dl in item.deliveries.values()]

    def item_as_sender(self, item: SentItem) -> SentItem:
        """A Sent entry with each recipient's delivery as the sender knows it
        (:meth:`as_sender`), as the detail of a message lists them, and the text its
        sender knows (a person's own words; the policy's, written out as the message
        arrives, once the sender knows it arrived)."""
        return self._told_items.get(item.ref, item)

    def as_sender(self, dl: Delivery) -> Delivery:
        """A delivery as its sender knows it (one of :data:`SENDER_STATES`): ``sent``
        until something comes back; ``delivered`` once a call connected (not on mail, a
        fax, a portal or a network, which say nothing of arrival); ``acknowledged`` from
        when the recipient's receipt reached it; bounced; lost only when it could not
        be sent at all. One lost without a word (a stale contact, an outage, the
        channel's losses) stays as sent. A player's terminal is sent only what its
        sender knows, and reads the same."""
        told = self._told.get(dl.dispatch)
        return dl if told is None else told[1]

    def sent_item(self, dispatch: str) -> tuple[SentItem, Delivery] | None:
        """A message of a Sent list and its delivery, as the sender knows them (every
        recipient's, and this one's)."""
        return self._told.get(dispatch)

    # --- log lines -------------------------------------------------------------------

    def name(self, actor: str | None) -> str:
        """An actor's display name ("the public" and unknown ids as they are)."""
        if not actor:
            return ""
        spec = self.scenario.actors.get(actor)
        return spec.name if spec is not None else ("the public" if actor == "public" else actor)

    def incident_title(self, incident: str | None, control: bool = False) -> str:
        """How a view names an incident. A team's view (the default) names it by its id,
        as a player over the network sees it: the id comes with every item the team
        receives, the title is exercise control's. That title (``control``) is the
        ground truth as the injects so far have set it, those sent to other teams (at
        TLP:RED too) included: for exercise control's views only."""
        if not incident:
            return ""
        if not control:
            return incident
        return self.incidents.get(incident, {}).get("title") or incident

    def describe(self, ev: Event, control: bool = True) -> str:
        """One log line saying who did what to whom, in words: for exercise control's log,
        or (``control`` False) for the view of the team that acted, which names
        incidents as the team knows them (see :meth:`incident_title`)."""
        d = ev.details

        def named(incident: str | None) -> str:
            return self.incident_title(incident, control)

        who = self.name(ev.actor)
        how = channel_in_words(self.scenario, d["channel"], short=True) if d.get("channel") else ""
        tlp = f" (TLP:{d['tlp']})" if d.get("tlp") else ""
        verb = d.get("verb") or d.get("action") or ""
        match ev.type:
            case "message_sent":
                again = {"bounced": ", again after a bounce",
                         "unacknowledged": ", again as nobody answered",
                         "no_contact": ", on the next channel"}.get(d.get("retry", ""), "")
                return f"{who} sent {noun(verb)} to {self.name(d['to'])} by {how}{tlp}{again}"
            case "message_delivered":
                return f"{who} received {noun(verb)} from {self.name(d['sender'])} by {how}{tlp}"
            case "message_lost":
                why = REASONS.get(d.get("reason", ""), str(d.get("reason", "")).replace("_", " "))
                if verb == "inject":
                    row = self.msel.get(d.get("inject", ""))
                    what = f"Inject {row.title or row.id}" if row else "An inject"
                    return f"{what} for {who} by {how} was lost: {why}"
                return (f"{noun(verb).capitalize()} from {self.name(d.get('sender'))} to {who} "
                        f"by {how} was lost: {why}")
            case "message_bounced":
                return (f"{noun(verb).capitalize()} from {who} to {self.name(d['to'])} by {how} "
                        f"bounced: {REASONS.get(d.get('reason', ''), 'undeliverable')}")
            case "message_chased":
                return (f"{who} chased {self.name(d['to'])}: no answer to {noun(verb)} "
                        f"sent by {how}")
            case "inject_delivered":
                title = d.get("title") or d.get("inject", "")
                return (f"{who} received inject {d.get('inject', '')} from "
                        f"{self.name(d.get('sender'))} by {how}{tlp}: {title}")
            case "acknowledged":
                titles = [i.title or noun(i.kind) for ref in d.get("refs", [])
                          if (i := self.item(ev.actor, ref)) is not None] if ev.actor in self.inbox \
                    else []
                what = "; ".join(titles) if titles else f"news of {named(ev.incident)}"
                return f"{who} acknowledged {what}"
            case "analysed":
                return f"{who} analysed {named(ev.incident)}"
            case "takedown_completed":
                if d.get("nothing_hosted"):  # the team's country hosts none of it
                    return (f"{who} had nothing hosted in its country to take down "
                            f"({named(ev.incident)})")
                return f"{who} took down what {named(ev.incident)} had hosted"
            case "preserved":
                return f"{who} preserved evidence of {named(ev.incident)}"
            case "published":
                return f"{who} published a notice on {named(ev.incident)}"
            case "closed":
                return f"{who} closed {named(ev.incident)}"
            case "withheld":
                return (f"{who} withheld TLP-restricted material from {self.name(d.get('to'))}")
            case "tlp_violation":
                return (f"TLP VIOLATION: {who} passed TLP:{d.get('tlp')} material to "
                        f"{self.name(d.get('to'))}")
            case "incident_opened":
                return f"Incident opened: {named(ev.incident)}"
            case "incident_updated":
                return f"Incident updated: {named(ev.incident)}"
            case "expectation_met" | "expectation_missed" | "expectation_late":
                x = self.expectations.get(d.get("expectation", ""))
                what = (x.description or x.id) if x else d.get("expectation", "")
                return f"Expectation {ev.type.split('_')[1]}: {what}"
            case "role_changed":
                played = "a person" if d.get("played_by") == "human" else "the automated policy"
                return f"{who} is now played by {played}"
            case "work_dropped":
                stages = sorted({i.get("stage", "") for i in d.get("items", [])} - {""})
                titles = sorted({named(i["incident"])
                                 for i in d.get("items", []) if i.get("incident")})
                about = f" on {'; '.join(titles)}" if titles else ""
                doing = f" ({', '.join(stages)})" if stages else ""
                return (f"{who} changed hands: the automated policy's unfinished work{about} "
                        f"was dropped{doing}")
            case "message_held":
                return (f"{noun(verb).capitalize()} from {who} to {self.name(d.get('to'))} by "
                        f"{how} is held: the channel is out of service")
            case "outage_started" | "outage_ended":
                whose = f"{who}'s end of " if ev.actor else ""
                state = "out of service" if ev.type == "outage_started" else "back in service"
                return f"{whose}{how} {state}".capitalize() if not ev.actor else \
                    f"{whose}{how} {state}"
            case "contact_changed":
                state = "is out of date" if d.get("stale") else "was repaired"
                return f"{who}'s point of contact on {how} {state}"
            case "inject_skipped":
                why = {"condition": " (its condition did not hold)",
                       "not_triggered": " (nothing set it off before the end)",
                       "after_end": " (it was due at or after the end)"}.get(
                    d.get("reason", ""), "")
                if why:
                    return f"Inject {d.get('inject', '')} skipped{why}"
                return f"Facilitator skipped inject {d.get('inject', '')}"
            case "password_delivered":
                return (f"{who} received the password of {d.get('artefact', '')} (inject "
                        f"{d.get('inject', '')}) by {how}")
            case "password_lost":
                why = REASONS.get(d.get("reason", ""), str(d.get("reason", "")).replace("_", " "))
                return (f"The password of {d.get('artefact', '')} for {who} by {how} was lost: "
                        f"{why}")
            case "task_set":
                return f"{who} was asked task {d.get('task', '')}: {d.get('question', '')}"
            case "task_answered":
                return f"{who} answered task {d.get('task', '')}"
            case "inject_timed":
                why = {"contingency": "set off", "after_action": "timed by an action"}.get(
                    d.get("reason", ""), "timed")
                return f"Inject {d.get('inject', '')} {why}: due at {clock_minute(d['at'])}"
            case "inject_rescheduled":
                return (f"Facilitator rescheduled inject {d.get('inject', '')} to "
                        f"{clock_minute(d['at'])}")
            case "inject_edited":
                return (f"Facilitator edited inject {d.get('inject', '')} "
                        f"({', '.join(d.get('changed', []))})")
            case "inject_unskipped":
                return (f"Facilitator put back skipped inject {d.get('inject', '')} for "
                        f"{clock_minute(d['at'])}")
            case "inject_added":
                return (f"Facilitator added inject {d.get('inject', '')} from "
                        f"{self.name(d.get('sender'))} for {clock_minute(d['at'])}{tlp}: "
                        f"{d.get('title', '')}")
        if verb in DONE and d.get("targets"):
            to = ", ".join(self.name(t) for t in d["targets"])
            return f"{who} {DONE[verb].format(to=to)}{tlp}"
        return f"{who} {ev.type.replace('_', ' ')}".strip()
