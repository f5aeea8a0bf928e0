"""Escalation-timing metrics: pure functions of an event log.

Nothing here looks at the engine or the scenario: everything is read off the
events, so a log saved to disk gives the same figures as a live run. All times are
minutes after the drill start; durations are minutes. The one exception is what the
log cannot say, the stages the scenario's framework routes no request through
(:func:`not_routed`): whoever has the scenario passes them to :func:`compute`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sim.engine.events import Event

if TYPE_CHECKING:
    from scenarios.loader import LoadedScenario
    from scenarios.model import Scenario

#: The law-enforcement chain: (hop name, verb, recipient kind or None for any).
#: Preservation is the urgent first step, so it comes right after the referral; police
#: reach foreign police directly (INTERPOL National Central Bureaus, liaison officers)
#: or through an international channel where a scenario models one. For formal mutual
#: legal assistance the police hand the case to their own central authority, which
#: sends the MLA request to the central authority of the country holding the data.
LAW_ENFORCEMENT_HOPS: tuple[tuple[str, str, str | None], ...] = (
    ("CERT -> national police", "refer_police", None),
    ("preservation request", "request_preservation", None),
    ("police -> international channel", "request_assistance", "intl_police_channel"),
    ("police -> foreign police", "request_assistance", "national_police"),
    ("police -> central authority", "refer_central_authority", "central_authority"),
    ("formal MLA request", "request_mla", "central_authority"),
)


#: The scenario's name (drill.names) for each hop of LAW_ENFORCEMENT_HOPS, in order.
STAGE_KEYS = ("police_referral", "preservation", "international_channel", "foreign_police",
              "central_authority", "mla")

#: The stages reached only by a delivery to a body of a country hosting the
#: infrastructure: a preservation request preserves nothing until it gets there (the
#: police passing it to their own country's 24/7 point of contact is a step on the
#: way). A log that does not say where the recipient is counts the delivery.
TO_HOSTING_COUNTRY = frozenset({"preservation"})

#: What reports call the regional coordinator when the metrics give no name (their
#: ``regional_coordinator`` is left out): the drill's ANSAC.
DEFAULT_COORDINATOR = "ANSAC"

#: What reports call the regional coordinator when neither the scenario (drill.names)
#: nor the run says which body it is: no regional council was reached or addressed, and
#: the drill has none, or several and none of them ANSAC. It names no body.
UNNAMED_COORDINATOR = "regional coordinator"

#: What each stage needs in the drill to happen at all: bodies of a kind, in at least so
#: many countries (a request to foreign police, or between central authorities, crosses
#: a border). A drill without them does not have the stage.
STAGE_NEEDS: dict[str, tuple[str, int]] = {
    "police_referral": ("national_police", 1),
    "preservation": ("national_police", 1),
    "international_channel": ("intl_police_channel", 1),
    "foreign_police": ("national_police", 2),
    "central_authority": ("central_authority", 1),
    "mla": ("central_authority", 2),
}


#: What :func:`not_modelled` calls the regional coordinator, among the stages of
#: STAGE_NEEDS: the drill has none when it has no regional council.
COORDINATOR = "regional_coordinator"

#: The stages a drill has only where its framework routes requests through them: police
#: reach foreign police directly, and go through an international police channel
#: (INTERPOL) only where a rule sends their requests there (:func:`not_routed`).
ROUTED_STAGES = frozenset({"international_channel"})

#: scenario -> :func:`not_routed` of it, worked out once per scenario
_ROUTED_CACHE: dict[int, tuple[Any, frozenset[str]]] = {}


def not_modelled(actors: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """What a drill with ``actors`` (by id, each with its ``kind`` and ``country``, as
    the log's head gives them) has no bodies for: the stages of STAGE_NEEDS it lacks,
    and :data:`COORDINATOR` when it has no regional council. Nothing when no actor
    is known (a log without its head)."""
    if not actors:
        return frozenset()
    countries: dict[str, set[Any]] = {}
    for a in actors.values():
        countries.setdefault(a["kind"], set()).add(a.get("country"))
    missing = {key for key, (kind, least) in STAGE_NEEDS.items()
               if len(countries.get(kind, ())) < least}
    if "regional_council" not in countries:
        missing.add(COORDINATOR)
    return frozenset(missing)


def not_routed(scenario: Scenario | LoadedScenario) -> frozenset[str]:
    """The stages of :data:`ROUTED_STAGES` that no framework rule of ``scenario`` (of
    those switched on) carries out: no rule sends the stage's request to a body of the
    stage's kind, whatever the incident and whichever of the actors it binds acts (a
    rule that answers its ``sender`` can, where the drill has such a body). A drill
    without such a body at all routes nothing through it. A person playing a role may
    still send such a request: :func:`compute` counts a stage as not in the drill only
    while nothing was sent for it."""
    from sim.engine.per_scenario import shared

    return shared(_ROUTED_CACHE, getattr(scenario, "scenario", scenario), _not_routed)


def _not_routed(scenario: Scenario) -> frozenset[str]:
    from sim.engine.knowledge import View
    from sim.engine.policy import RuleBook

    book = RuleBook.of(scenario)
    actors = scenario.actors
    # the widest incident: every country of the drill affected, and hosting
    view = View()
    view.affected = view.hosted_in = sorted({a.country for a in actors.values() if a.country})
    stages = {key: (verb, kind) for (_, verb, kind), key in zip(LAW_ENFORCEMENT_HOPS, STAGE_KEYS,
                                                                 strict=True)}
    out = set()
    for key in sorted(ROUTED_STAGES):
        verb, kind = stages[key]
        bodies = {aid for aid, a in actors.items() if a.kind == kind}

        def routes(rid: str, to: list[str], bodies: set[str]) -> bool:
            """Whether rule ``rid`` (of the stage's verb) may send to one of ``bodies``:
            answering its sender, it may answer one of them."""
            if "sender" in to:
                return bool(bodies)
            return any(aid in bodies for sel in to for actor in book.binds[rid]
                       for aid, _ in book.directory.select(sel, actors[actor].country, view,
                                                           None))

        if not any(rule.action == verb and routes(rid, rule.to, bodies)
                   for rid, (_, rule) in book.rules.items()):
            out.add(key)
    return frozenset(out)


def not_in_drill(figure: Mapping[str, Any] | None) -> bool:
    """Whether a law-enforcement hop, or the regional coordinator's figure
    (``ansac_reached``), is one the drill has no bodies for (:func:`not_modelled`)."""
    return figure is not None and figure.get("modelled") is False


def undelivered(hop: Mapping[str, Any]) -> str | None:
    """What became of a law-enforcement step sent but never delivered: "lost" or
    "bounced" (its last attempt), else "in transit"; None when it arrived or was never
    sent. The run report and the after-action report say the same."""
    if hop["at"] is not None or hop.get("sent_at") is None:
        return None
    outcome = hop.get("outcome", "in_transit")
    return outcome if outcome in ("lost", "bounced") else "in transit"


def short_name(name: str) -> str:
    """An organisation's name without the spelt-out form in brackets after it: 'ANSAC'
    for 'ANSAC (ASEAN Network Security Action Council)'."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", name) or name


def as_events(log: Iterable[Event | Mapping[str, Any]]) -> list[Event]:
    return [e if isinstance(e, Event) else Event.from_dict(e) for e in log]


def _timing(at: float | None, since: float | None, **extra: Any) -> dict[str, Any] | None:
    if at is None:
        return None
    out = {"at": at, "after": None if since is None else at - since}
    out.update(extra)
    return out


def incident_metrics(events: list[Event],
                     unrouted: Collection[str] = ()) -> list[dict[str, Any]]:
    """Per incident: acknowledgement, notification, the regional coordinator, police and
    containment.

    The regional coordinator is called what the scenario names it (drill.names), else by
    the short name (:func:`short_name`) of the regional council the incident reached, or
    of the one the scenario binds as its coordinator (``coordinator`` in
    ``drill_started``), or of the first one any message of the run went to, or of the
    drill's only one; else
    :data:`DEFAULT_COORDINATOR` when one of the drill's councils goes by it, and
    :data:`UNNAMED_COORDINATOR` when none does: a report never names a body the drill
    does not have. The preservation stage counts only requests that reach
    a body of a country hosting the infrastructure (:data:`TO_HOSTING_COUNTRY`). A
    law-enforcement step the drill has no bodies for, and the regional coordinator of a
    drill without a regional council, say so: ``modelled: false`` (:func:`not_modelled`);
    so does a stage of ``unrouted`` (:func:`not_routed`: the scenario's framework routes
    no request through it) for which nothing was sent.

    A team first hears of an incident when it takes in an item about it: as the item
    arrives, or, for one that reached its closed office and waited unread (its
    delivery says ``unread``), when the team reads it: when its duty officer answers it
    (a call out of hours, ``on_call_answered``), when it acknowledges it, or when a
    person takes the role during the drill and reads everything at once (a role changed
    after the drill ended reads nothing)."""
    kinds: dict[str, str] = {}
    #: actor -> what the log says of it (its name, kind and country)
    heads: dict[str, Mapping[str, Any]] = {}
    control_counts = False
    names: dict[str, str] | None = None
    bound: str | None = None
    for e in events:
        if e.type == "drill_started":
            bound = e.details.get("coordinator")
            heads = dict(e.details["actors"])
            kinds = {aid: a["kind"] for aid, a in heads.items()}
            control_counts = bool(e.details.get("control_counts_as_reach", False))
            names = e.details.get("names")
    # each stage by its key (STAGE_KEYS), shown by the name the scenario gives it, if any:
    # two stages may be given the same name
    law_hops = tuple((key, name if names is None else names.get(key, name), verb, kind)
                     for (name, verb, kind), key in zip(LAW_ENFORCEMENT_HOPS, STAGE_KEYS,
                                                        strict=True))
    shown = {key: name for key, name, _, _ in law_hops}
    #: what the drill has no bodies for (a log without its head: nothing)
    absent = not_modelled(heads)

    def hosts(aid: str | None, inc: dict[str, Any]) -> bool:
        """Whether ``aid`` is a body of a country hosting the incident's infrastructure
        (as known then); True when the log does not say where it is."""
        head = heads.get(aid) if aid is not None else None
        return head is None or "country" not in head or head["country"] in inc["hosted_in"]

    councils = sorted(aid for aid, kind in kinds.items() if kind == "regional_council")
    #: the regional council the first message to one went to, of any incident
    addressed: str | None = None
    incidents: dict[str, dict[str, Any]] = {}
    #: what became of each message attempt (by message id), as far as the log goes
    fate: dict[Any, dict[str, Any]] = {}
    reached: dict[str, dict[str, float]] = {}
    by_peers: dict[str, dict[str, float]] = {}
    heard: dict[str, dict[str, dict[str, Any]]] = {}
    #: per actor, the deliveries that reached its closed office and wait unread
    unread: dict[str, list[Event]] = {}

    def hear(delivery: Event, at: float) -> None:
        """The team ``delivery`` reached takes it in at ``at``: it first heard of the
        incident then, unless it had before."""
        iid, aid = delivery.incident, delivery.actor
        if iid is None or aid is None or aid in heard[iid]:
            return
        heard[iid][aid] = {
            "at": at, "after": at - incidents[iid]["opened_at"],
            "from": delivery.details["sender"],
            "via": "control" if delivery.type == "inject_delivered" else "peer",
        }

    #: the drill ended: a role changed after that is put right for the review, and
    #: reads nothing (the engine carries out nothing after the end)
    ended = False
    for e in events:
        if e.type == "drill_ended":
            ended = True
        if e.type == "role_changed" and e.details.get("played_by") == "human" and not ended:
            # a person taking the role reads everything that waited unread
            for delivery in unread.pop(e.actor, []) if e.actor is not None else []:
                hear(delivery, e.time)
            continue
        if e.incident is None:
            continue
        inc = incidents.get(e.incident)
        if e.type == "incident_opened":
            inc = incidents[e.incident] = {
                "id": e.incident,
                "title": e.details["title"],
                "type": e.details["type"],
                "severity": e.details["severity"],
                "opened_at": e.time,
                "affected": list(e.details["affected"]),
                "hosted_in": list(e.details["hosted_in"]),
                "affected_certs": list(e.details["affected_certs"]),
                "_first_ack": None,
                "_ansac": None,
                "_hops": {},
                "_sent": {},
                "_attempts": {},
                "_takedowns": [],
                "_contained": None,
            }
            reached[e.incident] = {}
            by_peers[e.incident] = {}
            heard[e.incident] = {}
            continue
        if inc is None:
            continue
        if e.type == "incident_updated":
            # the incident as last known: its title, type and severity may change too
            for key in ("title", "type", "severity"):
                if key in e.details:
                    inc[key] = e.details[key]
            inc["affected"] = list(e.details["affected"])
            inc["hosted_in"] = list(e.details["hosted_in"])
            inc["affected_certs"] = list(e.details["affected_certs"])
        elif e.type in ("inject_delivered", "message_delivered"):
            reached[e.incident].setdefault(e.actor, e.time)
            if e.details.get("unread") and e.actor is not None:
                # it reached a closed office: the team hears of it once it reads it
                unread.setdefault(e.actor, []).append(e)
            else:
                hear(e, e.time)
            if e.type == "message_delivered":
                by_peers[e.incident].setdefault(e.actor, e.time)
                if inc["_ansac"] is None and kinds.get(e.actor) == "regional_council":
                    inc["_ansac"] = (e.time, e.details["sender"], e.actor)
                for key, _, verb, kind in law_hops:
                    if (e.details["verb"] == verb and (kind is None or kinds.get(e.actor) == kind)
                            and (key not in TO_HOSTING_COUNTRY or hosts(e.actor, inc))):
                        inc["_hops"].setdefault(key, (e.time, e.details["sender"], e.actor))
        elif e.type == "message_sent":
            if addressed is None and e.details["to_kind"] == "regional_council":
                addressed = e.details.get("to")
            for key, _, verb, kind in law_hops:
                if (e.details["verb"] == verb and kind in (None, e.details["to_kind"])
                        and (key not in TO_HOSTING_COUNTRY or hosts(e.details.get("to"), inc))):
                    inc["_sent"].setdefault(key, e.time)
                    inc["_attempts"].setdefault(key, []).append(e.details.get("msg"))
        elif e.type in ("message_lost", "message_bounced") and "msg" in e.details:
            fate[e.details["msg"]] = {
                "outcome": "lost" if e.type == "message_lost" else "bounced",
                "outcome_at": e.time, "reason": e.details.get("reason")}
        elif e.type == "message_held" and "msg" in e.details:
            fate[e.details["msg"]] = {"outcome": "in_transit",
                                      "held_until": e.details.get("until")}
        elif e.type == "acknowledged":
            if inc["_first_ack"] is None:
                inc["_first_ack"] = (e.time, e.actor)
            waiting = unread.get(e.actor) if e.actor is not None else None
            if waiting:
                # acknowledging an item that waited unread reads it
                named = e.details.get("refs")
                refs = {r for r in named if isinstance(r, str)} \
                    if isinstance(named, (list, tuple)) else set()
                for delivery in [d for d in waiting if d.incident == e.incident
                                 and _item_ref(d) in refs]:
                    waiting.remove(delivery)
                    hear(delivery, e.time)
        elif e.type == "on_call_answered":
            waiting = unread.get(e.actor) if e.actor is not None else None
            if waiting:
                # the duty officer answering a call that waited takes it in
                ref = e.details.get("ref")
                for delivery in [d for d in waiting if d.incident == e.incident
                                 and _item_ref(d) == ref]:
                    waiting.remove(delivery)
                    hear(delivery, e.time)
        elif e.type == "takedown_completed" and not e.details.get("nothing_hosted"):
            inc["_takedowns"].append({"country": e.details["country"], "at": e.time,
                                      "after": e.time - inc["opened_at"], "by": e.actor})
        elif e.type == "contained":
            inc["_contained"] = e.time

    def coordinator(reached: str | None) -> str:
        """What the report calls the regional coordinator of an incident that reached
        the council ``reached`` (None: none)."""
        if names is not None and names.get("regional_coordinator"):
            return names["regional_coordinator"]
        aid = reached or bound or addressed or (councils[0] if len(councils) == 1 else None)
        if aid is not None and aid in heads:
            return short_name(str(heads[aid].get("name") or aid))
        # which council cannot be told: ANSAC only when the drill has it
        present = {short_name(str(heads[c].get("name") or c)) for c in councils}
        return DEFAULT_COORDINATOR if DEFAULT_COORDINATOR in present else UNNAMED_COORDINATOR

    out = []
    for iid, inc in incidents.items():
        opened = inc["opened_at"]
        certs = inc["affected_certs"]
        peers = _reach(by_peers[iid], certs, opened, "peers")
        anyone = _reach(reached[iid], certs, opened, "control or peers")
        hops = []
        last = None
        reached_at = [opened]
        for key, name, _, _ in law_hops:
            hit = inc["_hops"].get(key)
            stage = {} if names is None else {"stage": key}
            if hit is None:
                # sent but not yet arrived (a formal MLA request takes weeks), lost or
                # bounced, or never sent; a stage the drill has no bodies for could not be
                sent_at = inc["_sent"].get(key)
                # a stage the framework routes nothing through, unless someone sent one
                unused = key in absent or (key in unrouted and sent_at is None)
                hops.append({"hop": name, "at": None, "after": None, "hop_duration": None,
                             "sent_at": sent_at, **stage,
                             **_outcome(inc["_attempts"].get(key, []), fate),
                             **({"modelled": False} if unused else {})})
                continue
            at, sender, to = hit
            # a hop's own duration runs from the latest earlier step reached before it
            # (steps can overlap: preservation may go out before the relay arrives)
            previous = max(t for t in reached_at if t <= at)
            hops.append({
                "hop": name, "from": sender, "to": to, "at": at, "after": at - opened,
                "hop_duration": at - previous, **stage,
            })
            reached_at.append(at)
            if last is None or at >= inc["_hops"][last][0]:
                last = key
        ack = inc["_first_ack"]
        ansac = inc["_ansac"]
        out.append({
            "id": iid,
            "title": inc["title"],
            "type": inc["type"],
            "severity": inc["severity"],
            "opened_at": opened,
            "affected": inc["affected"],
            "hosted_in": inc["hosted_in"],
            "first_acknowledgement": _timing(ack and ack[0], opened, by=ack and ack[1]),
            "all_affected_certs_reached": anyone if control_counts else peers,
            "all_affected_certs_reached_by_peers": peers,
            "all_affected_certs_reached_incl_control": anyone,
            "first_heard": heard[iid],
            # a drill without a regional council has no coordinator to reach: it says so
            "ansac_reached": ({"at": None, "after": None, "by": None, "modelled": False}
                              if COORDINATOR in absent else
                              _timing(ansac and ansac[0], opened, by=ansac and ansac[1])),
            "law_enforcement": {
                "hops": hops,
                "end_to_end": None if last is None else {
                    "to": shown[last], "after": inc["_hops"][last][0] - opened,
                    "at": inc["_hops"][last][0], **({} if names is None else {"stage": last}),
                },
            },
            "takedowns": inc["_takedowns"],
            "contained": _timing(inc["_contained"], opened),
        })
        called = coordinator(ansac and ansac[2])
        if names is not None or called != DEFAULT_COORDINATOR:
            out[-1]["regional_coordinator"] = called
    return out


def _item_ref(delivery: Event) -> str | None:
    """The reference an acknowledgement names a delivered item by: its message id, or
    an inject's ``inject:<id>``."""
    ref = delivery.details.get("msg" if delivery.type == "message_delivered" else "ref")
    return ref if isinstance(ref, str) else None


def _outcome(attempts: list[Any], fate: Mapping[Any, dict[str, Any]]) -> dict[str, Any]:
    """What became of a law-enforcement step that was never delivered: ``outcome`` is
    None when nothing was sent, ``in_transit`` while an attempt is still on its way
    (``held_until`` when it waits out an outage), else what became of the last attempt
    sent: ``lost`` or ``bounced``, ``outcome_at`` and the ``reason``."""
    if not attempts:
        return {"outcome": None}
    # an attempt the log says nothing more of is on its way
    states = [fate.get(m, {"outcome": "in_transit"}) for m in attempts]
    on_the_way = [f for f in states if f["outcome"] == "in_transit"]
    if on_the_way:
        held = [f["held_until"] for f in on_the_way if f.get("held_until") is not None]
        return {"outcome": "in_transit", **({"held_until": max(held)} if held else {})}
    return dict(states[-1])


def _reach(seen: Mapping[str, float], certs: list[str], opened: float,
           counts: str) -> dict[str, Any]:
    """When every CERT in ``certs`` had been reached, by the deliveries in ``seen``; no
    time when one never was, or when there was none to reach (``of`` is 0: no affected
    country has a CERT in the drill)."""
    missing = [c for c in certs if c not in seen]
    at = max(seen[c] for c in certs) if certs and not missing else None
    return {**(_timing(at, opened) or {"at": None, "after": None}),
            "reached": len(certs) - len(missing), "of": len(certs), "missing": missing,
            "counts": counts}


#: The events of an inject going out to a recipient: delivered, held on its way, or lost
#: (a ``message_lost`` of an inject names it).
INJECT_OUT = frozenset({"inject_delivered", "inject_held", "message_lost"})


class Anchors:
    """When the countdowns of expectations begin, read off the log event by event (feed
    every event, in order): when each incident opened, and when each inject went out
    (its recipients' first event: delivered, held on its way, or lost), as the engine
    anchors them; and the injects skipped and neither put back nor sent since, which
    put the expectations counted from them out of play.

    The one rule the run report (:func:`expectation_metrics`) and the console's
    countdowns (:class:`sim.runs.view.Countdowns`) share."""

    def __init__(self) -> None:
        #: when each incident opened, and when each inject went out (its first event)
        self.opened: dict[str | None, float] = {}
        self.sent: dict[str, float] = {}
        #: injects a condition (or exercise control) skipped, and neither put back nor
        #: sent since, with the incident each is about
        self.skipped: dict[str, str | None] = {}

    def feed(self, e: Event) -> None:
        """Read the next event of the log."""
        inject = e.details.get("inject")
        if e.type in INJECT_OUT and isinstance(inject, str) and not (
                e.type == "message_lost" and e.details.get("verb") != "inject"):
            self.sent.setdefault(inject, e.time)
        if e.type == "inject_skipped":
            self.skipped[str(inject)] = e.incident
        elif e.type == "inject_unskipped" or (e.type in INJECT_OUT and "inject" in e.details):
            # put back, or sent all the same (exercise control fired it): in play again,
            # counted from when it went out
            self.skipped.pop(str(inject), None)
        elif e.type == "incident_opened":
            self.opened.setdefault(e.incident, e.time)

    def anchor(self, after: Any, incident: Any) -> float | None:
        """When the countdown of an expectation counted from ``after`` (an inject's id,
        or ``"incident"``: the opening of ``incident``) began; None while it has not."""
        if after == "incident":
            return self.opened.get(incident)
        return self.sent.get(str(after))

    def deadline(self, after: Any, incident: Any, within: Any) -> float | None:
        """When such an expectation falls due: its anchor plus ``within``, the engine's
        own sum and the deadline it is scored against; None while it has no anchor."""
        anchor = self.anchor(after, incident)
        if anchor is None or not isinstance(within, int | float):
            return None
        return anchor + within

    def not_in_play(self, after: Any, incident: Any) -> str | None:
        """The skipped inject an open expectation counted from ``after`` (of
        ``incident``) counts from, or, counted from the opening of an incident that never
        opened, the first of that incident's injects skipped (the one that would have
        opened it): it is not in play while that inject is neither put back nor sent.
        None for one in play."""
        if after in self.skipped:
            return str(after)
        if after == "incident" and incident not in self.opened:
            return next((inject for inject, about in self.skipped.items()
                         if about == incident), None)
        return None


def not_due_yet(x: Mapping[str, Any]) -> str:
    """Why open expectation ``x`` of a drill under way has no deadline: what its
    countdown starts from (its anchor) has not come. Every report and the review say
    it in these words (``no_deadline_because`` in :func:`expectation_metrics`)."""
    if x.get("after") == "incident":
        return f"not due yet: it counts from the opening of incident {x['incident']}, " \
               "which has not happened"
    if x.get("after"):
        return f"not due yet: it counts from inject {x['after']} going out, which has not happened"
    return "not due yet: its countdown has not begun"


def expectation_metrics(events: list[Event]) -> list[dict[str, Any]]:
    """Per expectation: met, missed, late or open, with lateness and score.

    While the drill is under way (the log has not ended), an open one says whether its
    countdown has begun (``anchored``), and one that has is due when the engine would
    miss it: its anchor (its incident's opening, or the moment its inject went out, its
    recipients' first events) plus ``within``, as the console shows it
    (:class:`Anchors`). One whose anchor has not come, or (in an ended drill) still
    open at the end, has no deadline (``deadline_at`` None); under way, the first also
    says why (``no_deadline_because``: :func:`not_due_yet`)."""
    specs: dict[str, dict[str, Any]] = {}
    end = None
    anchors = Anchors()
    for e in events:
        anchors.feed(e)
        if e.type == "drill_started":
            specs = {x["id"]: dict(x) for x in e.details["expectations"]}
            for x in specs.values():
                # "open": neither met nor missed (yet) when the log ends
                x.update(status="open", at=None, deadline_at=None, lateness=None, earned=0.0)
        elif e.type == "expectation_met":
            x = specs[e.details["expectation"]]
            x.update(status="met", at=e.time, deadline_at=e.details["deadline_at"],
                     earned=e.details["score"], by=e.actor)
        elif e.type == "expectation_missed":
            x = specs[e.details["expectation"]]
            x.update(status="missed", deadline_at=e.details["deadline_at"],
                     contingency=e.details.get("contingency"))
        elif e.type == "expectation_late":
            x = specs[e.details["expectation"]]
            x.update(status="late", at=e.time, lateness=e.details["late_by"], by=e.actor)
        elif e.type == "drill_ended":
            end = e.time
    for x in specs.values():
        skipped = anchors.not_in_play(x.get("after"), x.get("incident")) \
            if x["status"] == "open" else None
        if skipped is not None:
            # counted from an inject that was skipped, or from its incident's opening,
            # which a skipped inject would have made: it never came into play
            x["skipped"] = skipped
        if x["status"] == "open" and skipped is None and end is None:
            # the drill is under way (an ended one's is due after its end, or never was)
            x["anchored"] = anchors.anchor(x.get("after"), x.get("incident")) is not None
            deadline = anchors.deadline(x.get("after"), x.get("incident"), x.get("within"))
            if deadline is not None:
                x["deadline_at"] = deadline
            if not x["anchored"]:
                x["no_deadline_because"] = not_due_yet(x)
        if x["status"] == "missed" and end is not None:
            # never done: it was still overdue when the drill ended
            x["lateness"] = end - x["deadline_at"]
            x["never_done"] = True
    return list(specs.values())


def hop_metrics(events: list[Event]) -> list[dict[str, Any]]:
    """Every message hop: from the moment the sender's rule applied (its condition became
    true in the sender's picture) to the receiver's acknowledgement.

    The hop's duration splits on one attempt: the one the receiver acknowledged first
    (the acknowledgement's ``refs`` name it), else the first to arrive. It splits into
    ``handling`` (sender, before the first send), ``lost_time`` (from the first attempt
    to that one: on attempts lost, bounced, held in an outage, or overtaken by it),
    ``held_time`` (that attempt, held in an outage before it could travel), ``transit``
    (the channel's latency), ``office_hours_wait`` (the receiver waiting to be at work: a
    call that rings once someone is on duty, a message that reaches a closed office, an
    acknowledgement that waits for the desk to open, the nights it waits queued behind
    other work, and, for a person's acknowledgement, the hours the office was closed
    while it waited, whoever held the role) and ``awaiting_ack``; the parts
    add up to the duration.
    """
    return [h for h, _ in hops_with_attempts(events)]


def hops_with_attempts(events: list[Event]) -> list[tuple[dict[str, Any], str | None]]:
    """Every hop of :func:`hop_metrics`, with the message id of the attempt its split
    follows (None when none arrived), for reports that split the hop further."""
    hops: dict[str, dict[str, Any]] = {}
    sent_at: dict[str, float] = {}
    held_until: dict[str, float] = {}
    #: per hop, its attempts (message ids) in the order they were sent
    tried: dict[str, list[str]] = {}
    #: per hop, [message id, reason] of each attempt that did not arrive, in log order
    fates: dict[str, list[list[Any]]] = {}
    #: per hop, its attempts that arrived, first arrived first, with their wait for duty
    arrivals: dict[str, dict[str, tuple[float, float]]] = {}
    #: per hop, the first acknowledgement: its off-duty time, the items it names, and,
    #: for a person's that took the role while the item waited, when its minutes fell
    acks: dict[str, tuple[float, list[Any], Any]] = {}
    for e in events:
        d = e.details
        if e.type == "message_sent":
            sent_at[d["msg"]] = e.time
            h = hops.get(d["dispatch"])
            if h is None:
                h = hops[d["dispatch"]] = {
                    "dispatch": d["dispatch"], "from": e.actor, "to": d["to"],
                    "verb": d["verb"], "incident": e.incident, "rule": d.get("rule"),
                    "trigger_at": d["trigger_at"], "first_sent_at": e.time,
                    "last_sent_at": e.time, "delivered_at": None, "acknowledged_at": None,
                    "attempts": 0, "lost": [],
                }
                fates[d["dispatch"]] = []
                tried[d["dispatch"]] = []
                arrivals[d["dispatch"]] = {}
            h["attempts"] += 1
            h["last_sent_at"] = e.time
            tried[d["dispatch"]].append(d["msg"])
        elif e.type == "message_held" and d.get("dispatch") in fates:
            held_until[d["msg"]] = d["until"]
            fates[d["dispatch"]].append([d["msg"], "held"])
        elif e.type in ("message_lost", "message_bounced") and d.get("dispatch") in fates:
            attempts = fates[d["dispatch"]]
            msg = d.get("msg")
            # an attempt held and then lost is lost: one reason per attempt
            attempts[:] = [a for a in attempts if not (a[1] == "held" and a[0] == msg)]
            attempts.append([msg, d["reason"] if e.type == "message_lost" else "bounced"])
        elif e.type == "message_delivered" and d.get("dispatch") in arrivals:
            arrivals[d["dispatch"]].setdefault(d["msg"], (e.time, d.get("duty_wait") or 0.0))
        elif e.type == "acknowledged":
            for did in d.get("dispatches", ()):
                h = hops.get(did)
                if h is not None and h["acknowledged_at"] is None:
                    h["acknowledged_at"] = e.time
                    # the time the receiver's desk was closed before it acknowledged:
                    # before a place was free as well as after
                    acks[did] = (d.get("off_duty") or 0.0, list(d.get("refs") or ()),
                                 d.get("spans") if d.get("by") == "human" else None)
    out: list[tuple[dict[str, Any], str | None]] = []
    for did, h in hops.items():
        arrived = arrivals[did]
        off_duty, refs, spans = acks.get(did, (0.0, [], None))
        # the attempt acknowledged first (the first of them to arrive, should one
        # acknowledgement name several), else the first to arrive
        msg = next((m for m in arrived if m in refs), next(iter(arrived), None))
        if msg is None:
            # never arrived: every attempt after the first was on the way to nothing
            h["lost"] = [reason for _, reason in fates[did]]
        else:
            h["delivered_at"], duty_wait = arrived[msg]
            h["sent_at"] = sent_at[msg]
            h["lost"] = _earlier_fates(tried[did][:tried[did].index(msg)], fates[did])
        end = h["acknowledged_at"] if h["acknowledged_at"] is not None else h["delivered_at"]
        h["duration"] = None if end is None else end - h["trigger_at"]
        h["handling"] = h["first_sent_at"] - h["trigger_at"]
        sent = h.get("sent_at", h["last_sent_at"])
        h["lost_time"] = sent - h["first_sent_at"]
        if msg is None:
            h["held_time"] = h["transit"] = h["office_hours_wait"] = h["awaiting_ack"] = None
            out.append((h, msg))
            continue
        on_the_way = h["delivered_at"] - sent
        held = min(max(held_until.get(msg, sent) - sent, 0.0), on_the_way)
        duty_wait = min(duty_wait, on_the_way - held)
        h["held_time"] = held
        h["transit"] = _dust(on_the_way - held - duty_wait)
        if h["acknowledged_at"] is None:
            h["office_hours_wait"] = duty_wait
            h["awaiting_ack"] = None
        else:
            waiting = h["acknowledged_at"] - h["delivered_at"]
            closed = min(off_duty, waiting) if spans is None else _closed(
                spans, h["delivered_at"], h["acknowledged_at"])
            h["office_hours_wait"] = duty_wait + closed
            h["awaiting_ack"] = _dust(waiting - closed)
        out.append((h, msg))
    return out


def _earlier_fates(earlier: list[str], fates: list[list[Any]]) -> list[str]:
    """What became of each attempt sent before the one a hop splits on, in the order
    they were sent: a reason of loss, "bounced", "held" (in an outage) or "overtaken"
    (it arrived, or was on its way, but that attempt was the one acknowledged or the
    first to arrive). A loss the log does not tie to an attempt goes to the first
    attempt without one."""
    known = {m: reason for m, reason in fates if m is not None}
    untied = [reason for m, reason in fates if m is None]
    out: list[str] = []
    for m in earlier:
        if m in known:
            out.append(known[m])
        elif untied:
            out.append(untied.pop(0))
        else:
            out.append("overtaken")
    return out


def _closed(spans: Any, start: float, end: float) -> float:
    """The minutes off duty a person's acknowledgement's ``spans`` (the office closed
    while the item waited, whoever held the role) hold from ``start`` to ``end``."""
    if not isinstance(spans, (list, tuple)):
        raise TypeError("spans is not a list")
    closed = 0.0
    for s, e, part in spans:
        if part == "off_duty":
            closed += max(min(float(e), end) - max(float(s), start), 0.0)
    return closed


def _dust(minutes: float) -> float:
    """Event times are rounded to the microminute: a difference of parts may come out a
    hair below zero."""
    return 0.0 if -1e-5 < minutes < 0 else minutes


def actor_metrics(events: list[Event]) -> dict[str, dict[str, Any]]:
    """Per actor: acknowledgement latency (receipt to acknowledgement)."""
    lat: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    for e in events:
        if e.type == "drill_started":
            names = {aid: a["name"] for aid, a in e.details["actors"].items()}
        elif e.type == "acknowledged":
            lat.setdefault(e.actor, []).append(e.time - e.details["received_at"])
    return {
        aid: {
            "name": names.get(aid, aid),
            "acknowledgements": len(v),
            "mean_ack_latency": sum(v) / len(v) if v else None,
            "max_ack_latency": max(v) if v else None,
        }
        for aid, v in sorted((a, lat.get(a, [])) for a in {*names, *lat})
    }


def compute(log: Iterable[Event | Mapping[str, Any]], slowest: int = 5,
            unrouted: Collection[str] = ()) -> dict[str, Any]:
    """Every metric of a run, as a JSON-ready document, with the ``slowest`` slowest
    hops (0: none listed). ``unrouted``: the law-enforcement stages the scenario's
    framework routes no request through (:func:`not_routed` of the scenario), which
    the log cannot tell: each one nothing was sent for is not in the drill."""
    if isinstance(slowest, bool) or not isinstance(slowest, int) or slowest < 0:
        raise ValueError(f"slowest must be a whole number, 0 or more (got {slowest!r})")
    events = as_events(log)
    head = events[0].details if events and events[0].type == "drill_started" else {}
    #: per reason, the teams' messages lost, and apart from them control's injects
    lost: dict[str, int] = {}
    injects_lost: dict[str, int] = {}
    lost_list = []
    sent = delivered = bounced = chased = 0
    violations = []
    for e in events:
        if e.type == "message_sent":
            sent += 1
        elif e.type == "message_delivered":
            delivered += 1
        elif e.type == "message_bounced":
            bounced += 1
        elif e.type == "message_chased":
            chased += 1
        elif e.type == "message_lost":
            inject = e.details.get("inject")
            counts = lost if inject is None else injects_lost
            counts[e.details["reason"]] = counts.get(e.details["reason"], 0) + 1
            lost_list.append({
                "at": e.time, "to": e.actor, "from": e.details.get("sender"),
                "channel": e.details["channel"], "reason": e.details["reason"],
                "incident": e.incident, "inject": inject,
            })
        elif e.type == "tlp_violation":
            violations.append({
                "at": e.time, "by": e.actor, "to": e.details["to"], "ref": e.details["ref"],
                "tlp": e.details["tlp"], "action": e.details["action"], "incident": e.incident,
            })
    exps = expectation_metrics(events)
    hops = hop_metrics(events)
    done = sorted((h for h in hops if h["duration"] is not None),
                  key=lambda h: (-h["duration"], h["dispatch"]))
    return {
        "format": "drill-run",
        "version": 1,
        "scenario": {
            "id": head.get("scenario"),
            "title": head.get("title"),
            "start": head.get("start"),
            "clock_timezone": head.get("clock_timezone"),
            "duration": head.get("duration"),
        },
        "seed": head.get("seed"),
        "incidents": incident_metrics(events, unrouted),
        "expectations": exps,
        "score": {
            "earned": sum(x["earned"] for x in exps),
            # an expectation whose inject was skipped was never in play
            "possible": sum(x["score"] for x in exps if "skipped" not in x),
            "met": sum(1 for x in exps if x["status"] == "met"),
            "of": sum(1 for x in exps if "skipped" not in x),
        },
        "slowest_hops": done[:slowest],
        "actors": actor_metrics(events),
        "messages": {"sent": sent, "delivered": delivered, "lost": lost,
                     "injects_lost": injects_lost, "lost_list": lost_list,
                     "bounced": bounced, "chased": chased},
        "tlp_violations": violations,
        "events": len(events),
    }
