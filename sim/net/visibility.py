"""What each token may see: TLP and need-to-know, decided on the server.

A player's role sees its own inbox (injects and messages delivered to it), what it
sent and what became of it as its sender learns of it (bounced, not sent for want of a
contact on the channel, chased, delivered on a phone call, which connects only when
someone answers, acknowledged: the recipient's acknowledgement of one of its messages,
once the receipt reaches the role, as the engine's sender learns of it, and never when
the receipt is lost), its own actions, its own expectations, the tasks put to it and
its answers, the passwords that reach it, and the public state of the drill (started,
who plays which role, ended). Mail, a fax, a portal or a network says nothing of a
message's arrival, so the role is not told that one of its messages on such a channel
arrived, nor that one was lost without a word (to a stale contact that takes mail
nobody reads, in an outage, by the channel's own losses): it stays as sent until its
acknowledgement's receipt comes back, as the automated policy knows it until it chases.
Everything else (exercise control's ground truth, the MSEL, outages, stale contacts,
the organisers' notes, how the automated policy plays each team, the framework rules
it chose not to follow for a team, even one a person plays now, other teams' items and
expectations, TLP violations) is for the facilitator and observers only.

The role is told how one of its own expectations turned out (``expectation_met``,
``_late``, ``_missed``) no sooner than its to-do list shows it
(:meth:`~sim.runs.view.DrillState.shown`): one that a message of its own may meet
once delivered or acknowledged reads ``sent`` there until something comes back that
shows a message got through (a call that connected, the recipient's receipt), so its
outcome is kept back until then, and comes with the event that tells the role (in that
event's ``outcomes``); one it sent a message for in time is never told missed while
that message may have got through. A delivered e-mail and one lost without a word look
alike to their sender, down to the expectations still open at the end. The outcome of
an expectation the role shares with other teams reaches it no sooner than the team
whose message met it learns of it (and none says missed or late while a message sent
in time, another team's or its own, may have met it): when that team's receipt tells
it, the outcome is sent to the role on its own, at once.

Events are filtered whole: a role receives an event or not (a receipt reaching it is
shown as the acknowledgement it tells of). The few fields of its own events that are
exercise control's (an inject's expected actions, which event met an expectation and
which other team did it, a deadline counted from a moment the role was not told of,
an inject it is not sent that one of its expectations counts from, the seed, other
teams' expectations) are removed; the text of the artefact files it was sent is added
(for a protected file, once its password has reached the role), since a player's
scenario holds no injects to read it from, and so is, on an inject that tells the
role when the countdown of one of its expectations began, when that was
(``countdowns``: see :class:`~sim.runs.view.Countdowns`). An event type not listed
here is not shown to players until it is: a new kind of event is kept from them by
default.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Collection, Mapping
from typing import Any

from scenarios.model import MESSAGE_VERBS, Policy
from sim.engine.events import Event
from sim.runs.view import Countdowns, DrillState, sender_hears_of_loss

#: seen by everyone
PUBLIC = frozenset({"drill_started", "role_changed", "drill_ended"})
#: exercise control only
CONTROL = frozenset({"incident_opened", "incident_updated", "inject_skipped",
                     "inject_rescheduled", "tlp_violation", "contained",
                     # the MSEL as the facilitator changes it
                     "inject_edited", "inject_unskipped", "inject_added",
                     # outages and contact changes are exercise control's surprises: a
                     # player learns of them as its messages bounce, go unanswered or wait
                     "outage_started", "outage_ended", "contact_changed",
                     # a framework rule the automated policy chose not to follow, and how
                     # likely it was to follow it: how the policy plays a team (a team that
                     # seldom follows the framework) is a surprise, and a person who takes
                     # the team over learns its past from what it received and sent
                     "declined"})
#: a role's own doings: seen by the event's actor
OWN = frozenset({"message_sent", "message_bounced", "message_chased", "on_call_answered",
                 "acknowledged", "analysed", "notified", "requested", "escalated", "held",
                 "withheld", "takedown_completed", "preserved", "published", "closed",
                 "work_dropped", "inject_delivered", "message_delivered",
                 # a message of its own waiting for an outage to end
                 "message_held",
                 # the questions put to it, and its answers (the answer key never leaves
                 # the server: it is in no event and not in the scenario players get)
                 "task_set", "task_answered",
                 # the password of a protected artefact, reaching it on its own channel (a
                 # password lost on the way is exercise control's to know: it never comes)
                 "password_delivered"})
EXPECTATION = frozenset({"expectation_met", "expectation_missed", "expectation_late"})

#: fields of an event that belong to exercise control, removed for players
_CONTROL_FIELDS: dict[str, tuple[str, ...]] = {
    "drill_started": ("seed",),
    "inject_delivered": ("expected_actions",),
    "expectation_met": ("event",),
    "expectation_missed": ("done_by", "contingency"),
    "expectation_late": ("event",),
    # when the outage ends is exercise control's knowledge
    "message_held": ("until",),
    # whether the chased message had arrived: its sender chases because it does not know
    "message_chased": ("delivered",),
}


#: an expectation's outcomes, as a to-do list shows them
OUTCOMES = frozenset({"met", "late", "missed"})
#: what reading an event made by hand (without what the engine's carry) can raise
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class RoleExpectations(frozenset[str]):
    """A role's own expectations (their ids), and what the role has been told of how
    they turned out: one for each player's stream, given (through :func:`for_role`)
    every event of the drill, in order. It reads the drill as exercise control's read
    model does (:class:`~sim.runs.view.DrillState`), and asks it what the role's to-do
    list shows of each expectation (:meth:`~sim.runs.view.DrillState.shown`): an
    outcome the role's to-do list does not show yet is kept back until it does."""

    role: str
    #: exercise control's read model: None when no outcome of the role's is ever kept
    #: back (none of its expectations is met by a message's delivery or acknowledgement)
    state: DrillState | None
    #: by expectation, the role's copies of the outcomes kept back from it, in order
    held: dict[str, list[dict[str, Any]]]
    #: the engine numbers of the outcomes not sent on their own (kept back, or sent later
    #: with the event that told the role)
    kept: set[int]
    #: the role's expectations in the scenario's order
    order: tuple[str, ...]
    last: int
    #: whose countdowns each actor may know the start of, read from every event
    countdowns: Countdowns
    #: the role's expectations whose countdown it knows the start of, so far
    known: set[str]
    #: what each of the role's expectations says it is counted from, as the role is told
    #: (:func:`player_anchor`)
    afters: dict[str, str]

    def __new__(cls, scenario: Any, role: str) -> RoleExpectations:
        units = [x for x in scenario.expectation_units() if role in x.actors]
        self = super().__new__(cls, (x.id for x in units))
        self.role, self.order, self.held, self.kept, self.last = (
            role, tuple(x.id for x in units), {}, set(), -1)
        masked = any(x.action in MESSAGE_VERBS and x.reach != "sent" for x in units)
        self.state = DrillState(scenario) if masked else None
        self.countdowns, self.known = Countdowns(scenario), set()
        self.afters = {x.id: player_anchor(scenario, x.after, role) for x in units}
        return self

    def learn(self, ev: Event) -> dict[str, float]:
        """For ``ev``, an inject reaching the role, the countdowns of the role's own
        expectations it tells the start of (:class:`~sim.runs.view.Countdowns`), the same
        when ``ev`` is given again; nothing for any other event. Every event is to be
        given, in order."""
        learnt = self.countdowns.feed(ev)  # every event: when each inject went out
        if ev.actor != self.role:
            return {}
        self.known.update(learnt)
        return learnt

    def feed(self, ev: Event) -> bool:
        """Read ``ev``; False when it was read before (it is not read twice)."""
        if ev.seq <= self.last:
            return False
        self.last = ev.seq
        if self.state is not None:
            # an event the read model cannot read (one made by hand, without what the
            # engine's carry) tells it nothing
            with contextlib.suppress(*_UNREADABLE):
                self.state.apply(ev)
        return True

    def shows(self, xid: str) -> str | None:
        """The outcome the role's to-do list shows of the expectation ``xid`` (met, late
        or missed), or None while it shows none."""
        assert self.state is not None  # nothing is kept back without it
        status = self.state.shown(self.state.expectations[xid], self.role).status
        return status if status in OUTCOMES else None

    def knows(self, xid: str, outcome: str) -> bool:
        """Whether the role's to-do list shows that the expectation ``xid`` turned out
        ``outcome``: a late one is not told while the list shows it missed (the role
        knows only that it sent nothing in time), nor a missed one the role sent for in
        time while the list shows it sent."""
        if self.state is None or xid not in self.state.expectations:
            return True
        return self.shows(xid) == outcome

    def tell(self, ev: Event, out: dict[str, Any] | None) -> dict[str, Any] | None:
        """The role's copy ``out`` of ``ev`` (just read), as the role is sent it: an
        outcome the role does not know yet is kept back (None); an event the role is
        sent carries in ``outcomes`` those kept back that the role knows from now on.
        One the role learns with an event it is not sent (another team's receipt, which
        tells that team that its message met an expectation they share) is sent itself,
        at once, with the others it learns then in its ``outcomes``."""
        if out is None:
            told = [o for xid in list(self.held) for o in self._told(xid)]
            if not told:
                return None
            first, *rest = sorted(told, key=lambda o: int(o["seq"]))
            return {**first, "outcomes": rest} if rest else first
        if ev.type in EXPECTATION:
            xid = str(ev.details.get("expectation"))
            if not self.knows(xid, _outcome(out)):
                self.held.setdefault(xid, []).append(out)
                self.kept.add(ev.seq)
                return None
            self.held.pop(xid, None)  # this one says how it stands now
        if ev.type == "drill_ended" and "open_expectations" in out["details"]:
            # one whose outcome the role was not told is still open to it
            still = {*out["details"]["open_expectations"], *self.held}
            out = {**out, "details": {**out["details"], "open_expectations": [
                x for x in self.order if x in still]}}
        told = [o for xid in list(self.held) for o in self._told(xid)]
        if told:
            out = {**out, "outcomes": sorted(told, key=lambda o: int(o["seq"]))}
        return out

    def _told(self, xid: str) -> list[dict[str, Any]]:
        """The outcomes of ``xid`` kept back that the role's to-do list shows from now
        on: all of them once it shows the last (a missed one the role then learns was
        met late), else those it shows (a missed one, while a late one waits)."""
        shown, held = self.shows(xid), self.held[xid]
        if shown is None:
            return []
        if shown == _outcome(held[-1]):
            return self.held.pop(xid)
        told = [o for o in held if _outcome(o) == shown]
        self.held[xid] = [o for o in held if _outcome(o) != shown]
        return told


def _outcome(event: Mapping[str, Any]) -> str:
    """The outcome an expectation's event says: met, late or missed."""
    return str(event["type"]).removeprefix("expectation_")


def role_expectations(scenario: Any, role: str) -> RoleExpectations:
    """The role's own expectations, for its stream (see :class:`RoleExpectations`)."""
    return RoleExpectations(scenario, role)


#: (inject id, artefact name) -> the file's text and whether it is password-protected
ArtefactTexts = Mapping[tuple[str, str], tuple[str, bool]]


def artefact_texts(scenario: Any) -> dict[tuple[str, str], tuple[str, bool]]:
    """The text of each artefact file the role view shows (as a local ``drill play``
    shows it from the scenario), by inject and artefact name, and whether the file is
    password-protected. A player's scenario holds no injects: its copy of an
    ``inject_delivered`` carries the text instead (see :func:`for_role`)."""
    return {(inj.id, art.label): (art.content, art.protected is not None)
            for inj in scenario.injects for art in inj.artefact_files
            if art.content is not None}


def for_role(ev: Event, role: str, expectations: frozenset[str],
             texts: ArtefactTexts | None = None,
             anchored: Collection[str] = frozenset(),
             calls: Collection[str] = frozenset()) -> dict[str, Any] | None:
    """The event as ``role`` may see it, or None when it may not.

    With the role's :class:`RoleExpectations` (:func:`role_expectations`), given every
    event in order, an outcome of the role's own expectation waits until the role's
    to-do list shows it, and comes in the ``outcomes`` of the event that tells the role
    (a receipt, a call that connected; see :class:`RoleExpectations`), or on its own
    when that event is another team's (the receipt of a team sharing it); the role's
    ``drill_ended`` lists as open the expectations whose outcome it was not told. An
    event given again is the role's as it was sent then, without those outcomes. With
    a plain set of ids, each event is judged alone.

    The arrival of the role's own message is shown to it only on a phone call
    (``calls``: the scenario's :func:`~sim.runs.view.call_channels`; none by default):
    mail, a fax, a portal or a network says nothing of it, and the role learns of it from the
    acknowledgement's receipt.

    With ``texts`` (:func:`artefact_texts`), the role's own ``inject_delivered`` carries
    the text of each artefact file it shows (``content``), except a protected one's:
    that file is marked ``shows_text`` and its text comes with the role's own
    ``password_delivered``, once the password has reached the role.

    An expectation's events name the team whose action met it only when that is
    ``role`` itself (a shared expectation met by another team says it was met, not by
    whom); ``anchored`` lists the role's expectations whose countdown it may know the
    start of (:func:`~sim.runs.view.player_sees_anchor`): the deadline of another one
    that is met is exercise control's, and is withheld (``deadline_at`` null). With
    :class:`RoleExpectations`, the role also knows the start of those it learnt with an
    inject (:class:`~sim.runs.view.Countdowns`: one counted from the opening of an
    incident it was told of as it began), and its copy of that ``inject_delivered``
    says which, in ``countdowns`` (expectation id -> when its countdown began): the
    to-do list counts down to them from then on, as a hot-seat role view does.

    A player's ``drill_started`` names, in each expectation's ``after``, no inject the
    scenario does not send the role (:func:`player_anchor`)."""
    learnt: Mapping[str, float] = {}
    if isinstance(expectations, RoleExpectations):
        learnt = expectations.learn(ev)
        anchored = {*anchored, *expectations.known}
    out = _for_role(ev, role, expectations, texts, anchored, calls, learnt)
    if not isinstance(expectations, RoleExpectations):
        return out
    if not expectations.feed(ev):
        return None if ev.seq in expectations.kept else out
    return expectations.tell(ev, out)


def _for_role(ev: Event, role: str, expectations: frozenset[str],
              texts: ArtefactTexts | None, anchored: Collection[str],
              calls: Collection[str], learnt: Mapping[str, float]) -> dict[str, Any] | None:
    """The event as ``role`` may see it, judged alone (see :func:`for_role`)."""
    t, d = ev.type, ev.details
    if t in PUBLIC:
        seen = True
    elif t in EXPECTATION:
        seen = d.get("expectation") in expectations
    elif t == "message_lost":
        # a message that could not be sent at all is known to its sender; one lost
        # without a word (a stale contact, an outage, the channel's losses), and a lost
        # inject, to exercise control only: the sender's stays as sent, unacknowledged
        seen = d.get("verb") != "inject" and d.get("sender") == role \
            and sender_hears_of_loss(d.get("reason"))
    elif t == "message_delivered":
        # the recipient's; the sender's only when it made a call that connected
        seen = ev.actor == role or (d.get("sender") == role and d.get("channel") in calls)
    elif t == "acknowledgement_received":
        return _acknowledged_for_sender(ev) if ev.actor == role else None
    elif t in OWN:
        seen = ev.actor == role
    else:
        seen = False
    if not seen:
        return None
    out = ev.to_dict()
    drop = _CONTROL_FIELDS.get(t)
    if drop:
        out["details"] = {k: v for k, v in out["details"].items() if k not in drop}
    if t in EXPECTATION:
        if out["actor"] != role:
            out["actor"] = None  # another team's action: not the role's to know
        if t == "expectation_met" and d.get("expectation") not in anchored:
            # the deadline tells when exercise control started the countdown (an
            # incident's opening, an inject the role never received); a missed one's
            # is the time it was missed at, which its own event says
            out["details"] = {**out["details"], "deadline_at": None}
    if t == "drill_ended" and "open_expectations" in out["details"]:
        # the role's own expectations only: other teams' are theirs and control's
        out["details"] = {**out["details"], "open_expectations": [
            x for x in out["details"]["open_expectations"] if x in expectations]}
    if t == "drill_started" and "expectations" in out["details"]:
        # the same: who else is expected to do what, by when, is not this role's to know,
        # nor which other teams share one of its own, nor an inject it is not sent that
        # one of its own is counted from (see :func:`scenario_for_role`)
        afters = expectations.afters if isinstance(expectations, RoleExpectations) else {}
        out["details"] = {**out["details"], "expectations": [
            {**x, "actors": [role],
             **({"after": afters.get(str(x["id"]), _anchor_of(x))} if "after" in x else {})}
            for x in out["details"]["expectations"]
            if isinstance(x, Mapping) and x.get("id") in expectations]}
    if t == "inject_delivered" and learnt:
        # the countdowns the role learns the start of with this inject
        out["details"] = {**out["details"], "countdowns": dict(learnt)}
    if texts:
        if t == "inject_delivered" and out["details"].get("files"):
            out["details"] = {**out["details"], "files": [
                _with_text(f, texts.get((str(out["details"].get("inject")), str(f.get("name")))))
                if isinstance(f, Mapping) else f for f in out["details"]["files"]]}
        elif t == "password_delivered":
            found = texts.get((str(out["details"].get("inject")),
                               str(out["details"].get("artefact"))))
            if found is not None:
                out["details"] = {**out["details"], "content": found[0]}
    return out


#: what a player's expectation says it is counted from when that is an inject the
#: scenario does not send the role: nothing it may know
UNKNOWN_ANCHOR = ""


def player_anchor(scenario: Any, after: str, role: str) -> str:
    """What a player's expectation counted from ``after`` says it is counted from: the
    opening of its incident, or an inject the scenario sends ``role``, as written; any
    other inject (one the role is never sent) is not named (:data:`UNKNOWN_ANCHOR`): its
    id would tell the role that the inject exists. The role learns when a countdown
    began from the inject that tells it (``countdowns``, see :func:`for_role`)."""
    if after == "incident" or any(inj.id == after and role in inj.to
                                  for inj in scenario.injects):
        return after
    return UNKNOWN_ANCHOR


def _anchor_of(x: Mapping[str, Any]) -> str:
    """An expectation's anchor as a player may be told it when the scenario is not to
    hand (an event judged alone): the opening of its incident only."""
    return "incident" if x.get("after") == "incident" else UNKNOWN_ANCHOR


def with_outcomes(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events a player's copy of an event (as :func:`for_role` gives it) stands for,
    in the order the role learns them: itself, without ``outcomes``, then the outcomes of
    its own expectations that come with it."""
    told = event.get("outcomes") or []
    if not isinstance(told, list) or not all(isinstance(o, Mapping) for o in told):
        raise ValueError("an event's outcomes are a list of events")
    return [{k: v for k, v in event.items() if k != "outcomes"}, *map(dict, told)]


def _acknowledged_for_sender(ev: Event) -> dict[str, Any] | None:
    """The receipt of a recipient's acknowledgement, as the sender it reached sees it:
    that recipient's acknowledgement of the sender's message, at the receipt's arrival
    (when the sender learns of it), naming only that message (its ref and dispatch), so
    that the sender's Sent list can say it was acknowledged; nothing of the other items
    acknowledged with it, nor of the other team's desk (its waits, its work)."""
    d = ev.details
    recipient, ref, dispatch = d.get("to"), d.get("ref"), d.get("dispatch")
    if not (isinstance(recipient, str) and isinstance(ref, str) and isinstance(dispatch, str)):
        return None
    return {"seq": ev.seq, "time": ev.time, "type": "acknowledged", "actor": recipient,
            "incident": ev.incident,
            "details": {"by": d.get("acknowledged_by"), "refs": [ref],
                        "senders": [ev.actor], "dispatches": [dispatch]}}


def _with_text(file: Mapping[str, Any], found: tuple[str, bool] | None) -> dict[str, Any]:
    """An artefact file of a role's own inject, with its text when the role view shows
    it: at once, or (protected) marked to come with the password."""
    out = dict(file)
    if found is not None:
        text, protected = found
        out["shows_text"] = True
        if not protected:
            out["content"] = text
    return out


def control_scenario(scenario: Any) -> dict[str, Any]:
    """The scenario as the facilitator and observers get it in their welcome: whole, but
    with each artefact file's text once. A file attached to several injects (the same
    bytes: the same SHA-256) keeps its text (``content``) at the first inject that
    attaches it; the later ones carry ``content: null``, and the client gives the text
    back to them (:func:`restore_texts`). A drill that attaches one large log to many
    injects would otherwise send its text once per inject, in one frame."""
    data = scenario.model_dump(mode="json")
    sent: set[str] = set()
    for inj in data.get("injects", ()):
        for art in inj.get("artefacts", ()):
            if not isinstance(art, dict) or art.get("content") is None or not art.get("sha256"):
                continue
            if art["sha256"] in sent:
                art["content"] = None
            else:
                sent.add(art["sha256"])
    return data


def restore_texts(data: Any) -> Any:
    """A welcome's scenario (as :func:`control_scenario` sent it) with the text of each
    artefact file given back to every inject that attaches it, the very same string
    (the text is held once). An entry gets the text of the entry with the same SHA-256
    that has it, unless its text is not to be shown (``show_text: false``). Anything
    of another shape is left as it is, for the scenario's own validation to refuse."""
    if not isinstance(data, dict) or not isinstance(data.get("injects"), list):
        return data
    entries = [art for inj in data["injects"] if isinstance(inj, dict)
               and isinstance(inj.get("artefacts"), list)
               for art in inj["artefacts"] if isinstance(art, dict)
               and isinstance(art.get("sha256"), str)]
    texts: dict[str, str] = {}
    for art in entries:
        if isinstance(art.get("content"), str):
            texts.setdefault(art["sha256"], art["content"])
    for art in entries:
        if art.get("content") is None and art.get("show_text") is not False \
                and art["sha256"] in texts:
            art["content"] = texts[art["sha256"]]
    return data


def scenario_for_role(scenario: Any, role: str) -> dict[str, Any]:
    """The scenario as a player sees it: the directory and channels, its own
    expectations (those of :func:`role_expectations`, as scored, each naming the role
    alone), and no MSEL (the injects are exercise control's), with none of the
    organisers' notes: what the drill, its phases and each actor are about, which
    contacts are out of date (and whether messages to them bounce), how the automated
    policy plays each actor (every actor's ``policy`` is the default: a staged leak or
    a team's delays are surprises), which contingency injects an expectation fires, and
    which inject the role is not sent an expectation counts from
    (:func:`player_anchor`). The drill's title and objectives, the
    addresses and the expectations' descriptions are sent as written."""
    data = scenario.model_dump(mode="json")
    data["drill"]["description"] = ""
    for phase in data["drill"].get("phases", {}).values():
        phase["description"] = ""
    defaults = Policy().model_dump(mode="json")
    for actor in data["actors"].values():
        actor["description"] = ""
        # how the automated teams play (a staged leak, a team that seldom follows the
        # framework, how long each takes) is exercise control's: every actor's is the
        # default; nothing a player's terminal shows reads it
        actor["policy"] = copy.deepcopy(defaults)
        for contact in actor.get("contacts", {}).values():
            # a stale contact is a surprise: the player learns of it as messages fail
            # (a contact that always bounces, or never does, is a stale one)
            contact["stale"] = False
            contact["bounces"] = None
            contact["note"] = ""
    data["injects"] = []
    # outages and contact changes are exercise control's surprises
    data["outages"] = []
    data["contact_changes"] = []
    # tasks reach each role as it is asked (task_set); the answer keys are evaluators'
    data["tasks"] = []
    # the expectations as the engine scores them: one that scores each team on its own
    # (require: each) is the role's own share of it (E3.<role>), never the whole, which
    # would name every other team it covers (and so who else is, or will be, involved);
    # one shared with other teams (require: any or all) names the role alone, and says
    # only that it is shared (its 'require')
    # and none is counted from an inject the role is never sent (player_anchor)
    data["expectations"] = [
        {**x.model_dump(mode="json"), "actors": [role], **dict.fromkeys(_CONTINGENCY_FIELDS),
         "after": player_anchor(scenario, x.after, role)}
        for x in scenario.expectation_units() if role in x.actors]
    return data


#: an expectation's contingency injects, by what fires them: exercise control's
_CONTINGENCY_FIELDS = ("contingency", "on_met", "on_late", "on_lost")
