"""Where a message travels: actions carried out, dispatches, channels, bounces, chases.

One :class:`Dispatch` is one logical message from a sender to one recipient. It
tries the rule's channel and then its fallbacks:

* no point of contact on a channel: the sender knows at once and moves on;
* a stale point of contact on a channel that **bounces** (e-mail to a dead address,
  a phone number nobody answers): the sender hears of the failure after the
  channel's bounce delay and moves to the next channel at once (``message_bounced``);
* **silent loss** (a stale contact on a channel that does not bounce, the channel's
  share of silently lost messages to stale contacts, or the channel's random loss):
  the sender waits for its follow-up timer, then chases on the next channel
  (``message_lost``, later ``message_chased``).

A sender learns that its message was acknowledged only when the recipient's receipt
reaches it, back over the channel the message came by (:meth:`Messaging.receipt`): it
chases what it has not heard of in time, however long ago the recipient read it.

A message carries the facts its sender may pass on to that recipient under the
TLP labels of what it received, each under the label it came under (never laxer than
the message's chosen label): a RED item forwarded with them does not make GREEN facts
RED. What the labels do not allow stays with the sender (``withheld``), unless the
sender breaches the label (``tlp_violation``). A message
that would say what only the withheld items told the sender (the facts that make its
recipient one, what the act states, what its rule's condition rests on) does not go.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from weakref import proxy as _weak
from zoneinfo import ZoneInfo

from simpy.events import EventPriority

from scenarios.model import MESSAGE_VERBS, TLP_ORDER, Condition

from .actors import ActorState, AlwaysOn, Received
from .clock import Shift
from .distributions import sample
from .drift import Window, pair_latency
from .knowledge import IMPLIED_FACTS
from .per_scenario import shared
from .wording import (
    TLP_RULES,
    channel_in_words,
    deadline_in_words,
    facts_in_words,
    reply_by,
    templates,
)

if TYPE_CHECKING:
    from .core import Engine
    from .streams import Stream

#: The priority a chase is decided at. SimPy runs the events due at one time by priority
#: (urgent 0, normal 1: everything the drill does), and each priority in the order it was
#: queued: a sender whose follow-up time runs out decides whether to chase once
#: everything else due at that moment has happened (a receipt arriving then is read
#: first, and the message is not chased), and before exercise control's decisions of
#: the moment (:data:`~.expectations.DECIDE_MISS`: what the chase does is in time).
DECIDE_CHASE = EventPriority(2)

#: Event type recorded for each verb an actor performs.
VERB_EVENT: dict[str, str] = {
    "acknowledge": "acknowledged",
    "analyse": "analysed",
    "report": "notified",
    "notify": "notified",
    "broadcast": "notified",
    "share": "notified",
    "escalate": "escalated",
    "refer_police": "escalated",
    "request_takedown": "requested",
    "request_assistance": "requested",
    "request_preservation": "requested",
    "refer_central_authority": "escalated",
    "request_mla": "requested",
    "takedown": "takedown_completed",
    "preserve": "preserved",
    "publish": "published",
    "close": "closed",
}

#: the same facts come back in message after message, run after run
_facts_words = functools.lru_cache(maxsize=4096)(facts_in_words)

CLIENT_KINDS = ("victim", "isp")
#: labels anything may be passed on under, to anyone in the community
OPEN_LABELS = frozenset(("CLEAR", "GREEN"))
_RANK = {label: i for i, label in enumerate(TLP_ORDER)}


@dataclass(slots=True)
class Dispatch:
    """One logical message from a sender to one recipient, over one or more attempts."""

    id: str
    sender: str
    recipient: str
    incident: str
    verb: str
    rule: str | None
    tlp: str
    channels: list[str]
    trigger_at: float
    named: tuple[str, ...]
    refs: tuple[str, ...]
    facts: list[str]
    automated: bool
    deadline_at: float = math.inf
    #: its sender knows it was acknowledged: a receipt has reached it
    acked: bool = False
    delivered: bool = False
    attempts: int = 0
    index: int = 0
    text: str = ""
    subject: str = ""
    #: what it passes on, as its recipient reads it (titles, never internal ids)
    attached: tuple[str, ...] = ()
    #: the incident's title as the sender gives it ("" when it knows none, or the
    #: message is not worded)
    incident_title: str = ""
    trigger: str | None = None
    set_off_by: str | None = None
    draft: dict[str, float] = field(default_factory=dict)
    #: the clock of the desk that sent it (its follow-up time runs on it); None: the
    #: sender's office hours
    desk: Shift | AlwaysOn | None = None
    #: the templates and values its subject and text were written from, to write them
    #: again for an attempt by another channel (None: a person's own words, or unworded)
    worded: tuple[str, str, dict[str, str]] | None = None
    #: the facts it carries under a laxer label than its own, each with that label
    fact_labels: dict[str, str] | None = None
    #: the label of the incident's title it gives, when laxer than its own
    title_tlp: str | None = None
    #: attempts sent to a point of contact, and how many of them came back (bounced):
    #: once every one has, with no channel left that has a contact, it told its recipient
    #: nothing
    tried: int = 0
    bounced: int = 0
    #: its sender knows it bounced on every channel it could try: it told nothing
    undelivered: bool = False


def current_type_last(facts: dict[str, None], current: str) -> dict[str, None]:
    """A message's facts with the type its sender acts on (``current``) as the last of
    the types it states, as an item states its types oldest first (so that its
    recipient does not take an older type it restates for the newer one)."""
    if current not in facts:
        return facts
    order = list(facts)
    where = [i for i, f in enumerate(order) if f.startswith("type:")]
    if order[where[-1]] == current:
        return facts
    order.remove(current)
    order.insert(where[-1], current)
    return dict.fromkeys(order)


def allowed(label: str, named: tuple[str, ...], sender: ActorState,
            target: ActorState | None) -> bool:
    """Whether something labelled ``label`` may pass from ``sender`` to ``target``
    (None: the public)."""
    if label == "CLEAR":
        return True
    if target is None:
        return False
    if label == "GREEN":
        return True
    if label == "RED":
        return target.id in named
    mine = sender.spec.organisation
    if mine is not None and target.spec.organisation == mine:
        return True  # AMBER and AMBER+STRICT: within the sender's own organisation
    if label == "AMBER":
        t = target.spec
        return t.kind in CLIENT_KINDS and t.country == sender.spec.country
    return False  # AMBER+STRICT: the recipient's own organisation only


#: how far from the start, the half and the end of a minute of drill time a deadline
#: must fall to be read as the others in that minute are: far more than the
#: microsecond drill time is kept to
_EDGE = 1e-6
#: deadlines further out than this (about 190 years) are read one by one
_FAR = 1e8
_MINUTE = timedelta(minutes=1)


def _reads_by_minute(scenario) -> bool:
    """Whether :func:`~.wording.deadline_in_words` reads the same for every deadline
    within one minute of drill time, clear of its start, half and end (it gives the
    drill time to the nearest minute, and the wall-clock minute): the drill starts on a
    whole minute, in a zone whose UTC offset is a whole number of minutes, as every
    zone's has been (and changed on a whole minute) since the 1970s."""
    start = scenario.drill.start
    offset = start.utcoffset()
    if offset is None or start.second or start.microsecond or offset % _MINUTE:
        return False
    local = start.astimezone(ZoneInfo(scenario.drill.clock_timezone)).utcoffset()
    return local is not None and not local % _MINUTE


class _ScenarioWords:
    """What every message of a scenario's runs shares, worked out once per scenario
    (scenarios are frozen): each verb's templates, channels and deadlines in words."""

    _cache: dict[int, tuple[Any, _ScenarioWords]] = {}

    def __init__(self, scenario) -> None:
        self.scenario = scenario
        self._templates: dict[str, tuple[str, str, str, str]] = {}
        self._channels: dict[str, str] = {}
        #: by the deadline, or by its minute of drill time and which half of it
        self._deadlines: dict[float | tuple[int, bool], str] = {}
        #: whether deadlines are read by the minute (None: not known yet)
        self._by_minute: bool | None = None

    @classmethod
    def of(cls, scenario) -> _ScenarioWords:
        return shared(cls._cache, scenario, cls)

    def templates(self, verb: str) -> tuple[str, str, str, str]:
        """:func:`~.wording.templates` of ``verb``."""
        words = self._templates.get(verb)
        if words is None:
            words = self._templates[verb] = templates(self.scenario, verb)
        return words

    def channel(self, channel: str) -> str:
        """:func:`~.wording.channel_in_words` of ``channel``."""
        words = self._channels.get(channel)
        if words is None:
            words = self._channels[channel] = channel_in_words(self.scenario, channel)
        return words

    def deadline(self, deadline_at: float) -> str:
        """:func:`~.wording.deadline_in_words`: many deadlines come back, in the
        messages of one rule and run after run, and most read as every other one in the
        same half of a minute of drill time does."""
        key: float | tuple[int, bool] = deadline_at
        if -_FAR < deadline_at < _FAR:
            by_minute = self._by_minute
            if by_minute is None:
                by_minute = self._by_minute = _reads_by_minute(self.scenario)
            if by_minute:
                minute = math.floor(deadline_at)
                part = deadline_at - minute  # exact
                if _EDGE < part < 0.5 - _EDGE or 0.5 + _EDGE < part < 1.0 - _EDGE:
                    key = (minute, part > 0.5)
        words = self._deadlines.get(key)
        if words is None:
            if len(self._deadlines) >= 65536:
                self._deadlines.clear()
            words = self._deadlines[key] = deadline_in_words(self.scenario, deadline_at)
        return words


class Messaging:
    """Carries out actions and moves messages over channels."""

    def __init__(self, engine: Engine):
        self.engine = _weak(engine)
        self.env = engine.env
        self.channels = engine.channels
        self._msg_ids = itertools.count(1)
        self._dispatch_ids = itertools.count(1)
        self.dispatches: dict[str, Dispatch] = {}
        self._words = _ScenarioWords.of(engine.scenario)
        #: write each message's subject and text (``Engine(words=False)``: not)
        self.wording = engine.words
        #: id(item) -> (item, incident title, written out, as an attachment)
        self._blocks: dict[int, tuple[Received, str, str, str]] = {}
        #: (channel, sender, recipient) -> the stream and latency of the messages, and of
        #: the receipts, from one to the other by that channel
        self._links: dict[tuple[str, str, str], tuple[Stream, Any]] = {}
        self._receipts: dict[tuple[str, str, str], tuple[Stream, Any]] = {}

    # --- performing actions ----------------------------------------------------------

    def perform(
        self,
        st: ActorState,
        verb: str,
        inc_id: str,
        targets: list[str],
        channels: list[str],
        tlp: str,
        *,
        rule: str | None,
        trigger_at: float,
        passes: list[Received],
        by: str,
        deadline: float | None = None,
        worked: float | None = None,
        off_duty: float | None = None,
        trigger: str | None = None,
        text: str = "",
        relied: list[str] | None = None,
        set_off_by: str | None = None,
        justification: dict[str, tuple[str, ...]] | None = None,
        desk: Shift | AlwaysOn | None = None,
        due_from: dict[str, float] | None = None,
        set_off: dict[str, str] | None = None,
    ) -> bool:
        """Carry out ``verb``; False when nothing was done (a publication withheld).
        ``desk``: the clock of the desk that did it (the duty desk's chases its own
        messages on it), None for the office's; ``due_from``: when
        each recipient's message became due, where that is not ``trigger_at`` (the
        action's, from the newest fact it rests on); ``set_off``: what set off each
        recipient's message (what its due time rests on), where that is not
        ``set_off_by`` (the action's)."""
        engine = self.engine
        base: dict[str, Any] = {"action": verb, "by": by}
        if rule is not None:
            base["rule"] = rule
        if deadline is not None:
            base["deadline_at"] = trigger_at + deadline
            base["late_by"] = max(0.0, self.env.now - (trigger_at + deadline))
        if off_duty is not None:
            base["off_duty"] = off_duty
        if worked is not None:
            base["worked"] = worked
        if trigger is not None:
            base["trigger"] = trigger
        base["trigger_at"] = trigger_at
        if relied is not None:
            base["relied"] = relied
            base["set_off_by"] = set_off_by
        if verb in MESSAGE_VERBS:
            sent = []
            everyone = tuple(targets)
            needs = justification or {}
            # the action is told under the strictest label its messages went under (what
            # they pass on may have raised it), with the one chosen when that differs
            top = _RANK[tlp]
            for target in targets:
                label = self._dispatch(
                    st, verb, inc_id, target, everyone, channels, tlp, rule,
                    due_from.get(target, trigger_at) if due_from else trigger_at,
                    passes, by, deadline, worked, off_duty, trigger, text,
                    set_off.get(target, set_off_by) if set_off else set_off_by,
                    needs.get(target, ()), relied or (), desk)
                if label is not None:
                    sent.append(target)
                    top = max(top, _RANK[label])
            if sent:
                went = TLP_ORDER[top]
                asked = {"tlp_asked": tlp} if went != tlp else {}
                engine.emit(VERB_EVENT[verb], st.id, inc_id, targets=sent,
                            channel=channels[0], tlp=went, **asked, **base)
            return True
        if verb == "takedown":
            engine.takedown(st, inc_id, base)
            return True
        if verb == "publish" and not self._may_publish(st, inc_id, passes, by, relied or ()):
            return False
        engine.emit(VERB_EVENT[verb], st.id, inc_id, text=text, **base)
        return True

    def _may_publish(self, st: ActorState, inc_id: str, passes: list[Received], by: str,
                     relied: list[str] | tuple[str, ...]) -> bool:
        """Whether a publication goes out, as a message to the public would: what only
        CLEAR allows is withheld (a person, or the policy with its ``tlp_breach``
        probability, publishes it anyway, a TLP violation), and nothing is published
        when everything the team holds about the incident is withheld, or when the
        facts it rests on could only come from what is withheld."""
        engine = self.engine
        restricted, kept = self.publication_kept_back(st, passes, relied)
        if not restricted:
            return True
        if self._breach(st, inc_id, by):
            for item in restricted:
                engine.emit("tlp_violation", st.id, inc_id, ref=item.ref, tlp=item.tlp,
                            to="public", action="publish", by=by, named=list(item.named))
            return True
        refs = [item.ref for item in restricted]
        if kept:
            engine.emit("withheld", st.id, inc_id, refs=refs, to="public", facts=kept,
                        action="publish", reason="no message without restricted facts")
            return False
        engine.emit("withheld", st.id, inc_id, refs=refs, to="public")
        return True

    def publication_kept_back(self, st: ActorState, passes: list[Received],
                              relied: list[str] | tuple[str, ...]
                              ) -> tuple[list[Received], list[str]]:
        """For a publication resting on ``relied``: the items only CLEAR would let go
        to the public, and the facts for which nothing may be published (everything the
        team holds, when it holds nothing it may make public; else those of ``relied``
        that only restricted items tell it), empty when the rest may be published.
        Nothing is recorded."""
        restricted = [item for item in passes
                      if item.recipient == st.id and not allowed(item.tlp, item.named, st, None)]
        if not restricted:
            return [], []
        if len(restricted) == len(passes) and not any(map(_partly_public, restricted)):
            # nothing it holds may be made public: a publication would have nothing to say
            return restricted, list(dict.fromkeys(f for item in restricted
                                                  for f in item.facts))
        public = {f for item in passes if item not in restricted for f in item.facts}
        public.update(f for item in restricted for f in item.facts
                      if item.label_of(f) == "CLEAR")
        return restricted, [f for f in relied if f not in public]

    def kept_back(self, st: ActorState, verb: str, inc_id: str, target: str,
                  passes: list[Received], needed: tuple[str, ...],
                  relied: list[str] | tuple[str, ...],
                  when: Condition | None = None) -> tuple[list[Received], list[str]]:
        """For a sender that never passes on what a label forbids: the restricted items
        and the facts for which a message to ``target`` would be withheld (as
        :meth:`perform` would decide when it is sent, ``when`` being the rule's
        condition), or two empty lists when it may go. Nothing is recorded."""
        if not needed and not relied and not IMPLIED_FACTS.get(verb) \
                and (inc_id, verb, target) not in st.told:
            return [], []  # due once whatever the incident, and stating nothing by itself
        shared, withheld, partly = _split(st, self.engine.actors[target], passes)
        if not withheld:
            return [], []
        carried = _carried(shared, partly)
        due = _due_again(st, verb, inc_id, target, withheld, carried, needed, relied)
        if not due:
            due = self._unsaid(st, verb, inc_id, target, withheld, carried, needed, relied,
                               when)
        return (withheld, due) if due else ([], [])

    def _unsaid(self, st: ActorState, verb: str, inc_id: str, target: str,
                withheld: list[Received], carried: set[str], needed: tuple[str, ...],
                relied: list[str] | tuple[str, ...], when: Condition | None) -> list[str]:
        """The facts a message could state only by passing on restricted items: those
        that make its recipient one, what the act itself states (a referral says
        "crime") when the sender knows it only from what it may not pass on, and what
        the rule's condition ``when`` rests on (an escalation says "two member states
        are affected") unless the condition also holds on what may be passed on."""
        kept = {f for item in withheld for f in item.facts}
        stated = [f for f in IMPLIED_FACTS.get(verb, ()) if f in kept]
        unsaid = [f for f in dict.fromkeys((*needed, *stated)) if f not in carried]
        if when is None or all(f in carried for f in relied):
            return unsaid
        from .policy import applies, holds_on  # the policy module imports this one

        # facts the recipient itself told the sender are no secret to it
        told = st.heard.get((inc_id, target), ())
        picture = st.pictures[inc_id]
        policy = self.engine.policy
        country = st.spec.country
        rests_on = applies(when, country, picture, policy.groups) or []
        missing = [f for f in rests_on if f not in carried and f not in told]
        if not missing:
            return unsaid
        may = dict.fromkeys(f for f in picture.learnt if f in carried or f in told)
        if picture.type:
            may = current_type_last(may, f"type:{picture.type}")  # the type it acts on
        if holds_on(when, country, may, policy.groups):
            return unsaid  # what it may pass on is reason enough
        return list(dict.fromkeys((*unsaid, *missing)))

    def _dispatch(self, st: ActorState, verb: str, inc_id: str, target: str,
                  everyone: tuple[str, ...], channels: list[str], tlp: str, rule: str | None,
                  trigger_at: float,
                  passes: list[Received], by: str, deadline: float | None,
                  worked: float | None, off_duty: float | None, trigger: str | None,
                  text: str, set_off_by: str | None, needed: tuple[str, ...],
                  relied: list[str] | tuple[str, ...],
                  desk: Shift | AlwaysOn | None = None) -> str | None:
        """Send one message: the label it went under, or None when the facts it is
        about may not be passed on."""
        engine = self.engine
        shared, withheld, partly = _split(st, engine.actors[target], passes)
        carried = _carried(shared, partly) if withheld else set()
        due = withheld and _due_again(st, verb, inc_id, target, withheld, carried, needed,
                                      relied)
        if due:
            engine.emit("withheld", st.id, inc_id, refs=[i.ref for i in withheld],
                        to=target, facts=due, action=verb,
                        reason="no message without restricted facts")
            return None
        # one decision per message: pass on what the labels forbid (a person always may)
        breach = bool(withheld) and self._breach(st, inc_id, by)
        if withheld and breach:
            for item in withheld:
                engine.emit("tlp_violation", st.id, inc_id, ref=item.ref, tlp=item.tlp,
                            to=target, action=verb, by=by, named=list(item.named))
            shared.extend(withheld)
        elif withheld:
            missing = self._unsaid(st, verb, inc_id, target, withheld, carried, needed,
                                   relied, None if rule is None
                                   else engine.policy.rules[rule][1].when)
            if missing:
                # the recipient could only be told by passing on restricted facts
                engine.emit("withheld", st.id, inc_id, refs=[i.ref for i in withheld],
                            to=target, facts=missing, action=verb,
                            reason="no message without restricted facts")
                return None
            engine.emit("withheld", st.id, inc_id, refs=[i.ref for i in withheld], to=target)
        picture = st.pictures.get(inc_id)
        if breach:
            partly = []  # the items it comes from go whole, with what was withheld
        if (not withheld or breach) and picture is not None and passes is picture.items:
            # everything the sender holds goes: its facts in the order it learnt them
            facts = dict.fromkeys(picture.learnt)
        else:
            facts = dict.fromkeys(f for item in shared for f in item.facts)
            for _, fs in partly:
                facts.update(dict.fromkeys(fs))
        implied = IMPLIED_FACTS.get(verb)
        if implied:
            facts.update(dict.fromkeys(implied))
        if picture is not None and picture.type:
            facts = current_type_last(facts, f"type:{picture.type}")
        # a message is labelled at least as strictly as anything it passes on; each of its
        # facts travels under the laxest label of the items it came from, never laxer
        # than the message's own chosen label
        rank, labels = _labels(_RANK[tlp], shared, partly, facts)
        label = TLP_ORDER[rank]
        named: tuple[str, ...] = (target,)
        if label == "RED":
            # a RED message names those of its recipients to whom every label of what it
            # passes on would let it go (and its own recipient, even when the sender
            # breached a label): never someone a label kept the material from
            actors = engine.actors
            held = [(i.tlp, i.named) for i in shared if i.tlp not in OPEN_LABELS]
            held += [(lbl, i.named) for i, fs in partly
                     for lbl in dict.fromkeys(i.label_of(f) for f in fs)]
            named = tuple(t for t in everyone if t == target or all(
                allowed(lbl, n, st, actors[t]) for lbl, n in held))
        # what the sender has now told this recipient: only what the message carries. A
        # fact withheld stays untold, so the recipient is due again once it may be told
        told = st.told.get((inc_id, verb, target))
        if told is None:
            told = st.told[(inc_id, verb, target)] = set()
        told.update(facts)
        if by != "policy":
            st.person_sent.add((inc_id, verb, target))
        d = Dispatch(
            f"d{next(self._dispatch_ids)}", st.id, target, inc_id, verb, rule, label,
            list(channels), trigger_at,
            named,
            tuple([i.ref for i in shared]), list(facts), automated=by == "policy",
            deadline_at=trigger_at + deadline if deadline is not None else math.inf,
            text=text, trigger=trigger, set_off_by=set_off_by,
            draft={"worked": worked or 0.0, "off_duty": off_duty or 0.0}, desk=desk,
            fact_labels=labels,
        )
        if self.wording:
            self._word(d, st, shared, tlp)
        self.dispatches[d.id] = d
        if rule is not None:
            st.sent.setdefault((inc_id, rule), []).append(d)
        self.send(d, 0)
        return label

    def _word(self, d: Dispatch, st: ActorState, shared: list[Received], tlp: str) -> None:
        """Write the subject and body its recipient reads, and what it passes on (``tlp``:
        the label the sender chose for it, before what it passes on raised it)."""
        engine = self.engine
        names = engine.actors
        # the title is one the message's own label allows: wording never changes a
        # message's label, nor whom it may go on to
        d.incident_title, title_tlp = self._known_title(st, d)
        rank = max(_RANK[tlp], _RANK[title_tlp])
        if d.incident_title and rank < _RANK[d.tlp]:
            d.title_tlp = TLP_ORDER[rank]  # the title travels as the facts do
        incident = d.incident_title or d.incident
        forwarded: list[str] = []
        attached: list[str] = []
        blocks = self._blocks
        for item in shared:
            # an item is written out the same way each time it is passed on, while the
            # incident keeps its title
            hit = blocks.get(id(item))
            if hit is None or hit[0] is not item or hit[1] != incident:
                hit = blocks[id(item)] = (item, incident, *self._forward(item, incident))
            forwarded.append(hit[2])
            attached.append(hit[3])
        verb = d.verb
        words = self._words
        subject, body, heading, ask = words.templates(verb)
        values = {
            "sender": st.spec.name,
            "recipient": names[d.recipient].spec.name,
            "incident": incident,
            "facts": _facts_words(tuple(d.facts)),
            # written now: a deadline already past is not given
            "deadline": reply_by(words.scenario, d.deadline_at, self.env.now, words.deadline),
            "tlp": d.tlp,
            "channel": words.channel(d.channels[0]) if d.channels else "",
            "forwarded": "\n" + "\n\n".join(forwarded) + "\n" if forwarded else "",
            "verb": verb.replace("_", " "),
            "heading": heading,
            "ask": ask,
            "tlp_rule": TLP_RULES.get(d.tlp, ""),
        }
        # as wording.compose: values are inserted as plain text, never re-read
        d.subject = subject.format_map(values)
        d.attached = tuple(attached)
        if d.text:
            # a person's own words, with what they pass on written out
            d.text += "".join("\n\n" + f for f in forwarded)
        else:
            d.text = body.format_map(values)
            d.worded = (subject, body, values)

    def _written_for(self, d: Dispatch, cid: str) -> tuple[str, str]:
        """The subject and text of an attempt of ``d`` by channel ``cid``: as written,
        or, by a channel other than the first, written again to name it."""
        if d.worded is None or cid == d.channels[0]:
            return d.subject, d.text
        subject, body, values = d.worded
        values = {**values, "channel": self._words.channel(cid)}
        return subject.format_map(values), body.format_map(values)

    def _known_title(self, st: ActorState, d: Dispatch) -> tuple[str, str]:
        """The incident's title as the sender knows it, from what it may pass to this
        recipient under the message's own label, with the label it holds it under: the
        title it was last given that it may (an incident fact, under the label of the
        incident facts of the item that gave it, or, in a message, the label its sender
        gave the title), or else, as exercise control names an incident that was given
        none, the title of the first inject about it that it may pass on (the title is
        part of the report itself, under the inject's own label, not its
        ``facts_tlp``); "" when it may pass on none, and the message names the
        incident by its id.

        A title may head the message when its label is laxer than the message's, or
        the same (a RED title, when it may go to everyone the RED message names): a
        title known only under a stricter label gives way to an older one, so that
        the message says nothing its label does not cover."""
        picture = st.pictures.get(d.incident)
        if picture is None:
            return "", "CLEAR"
        actors = self.engine.actors
        recipient = actors[d.recipient]
        top = _RANK[d.tlp]

        def fits(label: str, named: tuple[str, ...]) -> bool:
            rank = _RANK[label]
            if rank > top:
                return False
            if label in OPEN_LABELS:
                return True
            if not allowed(label, named, st, recipient):
                return False
            # a RED message may go on to those it names: the title must be allowed
            # to each of them too
            return rank < top or label != "RED" or all(
                allowed(label, named, st, actors[n]) for n in d.named)

        for item in reversed(picture.items):
            if item.incident_title:
                label = item.title_tlp or item.facts_tlp or item.tlp
                if fits(label, item.named):
                    return item.incident_title, label
        for item in picture.items:
            if item.kind == "inject" and item.title and fits(item.tlp, item.named):
                return item.title, item.tlp
        return "", "CLEAR"

    def _forward(self, item: Received, incident: str) -> tuple[str, str]:
        """How a message writes out an item it passes on, and the item as listed among
        the message's attachments."""
        if item.kind == "inject":
            title = item.title or f"report on {incident}"
            block = [f"Forwarded: {title}"]
            if item.text:
                block.append(item.text)
            if item.artefacts:
                block.append("Artefacts: " + ", ".join(item.artefacts))
            return "\n".join(block), title + (f" ({', '.join(item.artefacts)})"
                                              if item.artefacts else "")
        names = self.engine.actors
        who = names[item.sender].spec.name if item.sender in names else ""
        title = item.title or f"message about {incident}"
        return f"Forwarded: {title}" + (f" (from {who})" if who else ""), title

    def _breach(self, st: ActorState, inc_id: str, by: str) -> bool:
        p = st.spec.policy.tlp_breach
        return by == "human" or (p > 0 and self.engine.streams(f"{st.id}/tlp/{inc_id}").random() < p)

    # --- channels ------------------------------------------------------------------

    def send(self, d: Dispatch, index: int, retry: str | None = None) -> None:
        """Send attempt ``index`` of a dispatch, skipping channels with no contact."""
        engine = self.engine
        while index < len(d.channels):
            cid = d.channels[index]
            d.index = index
            recipient = engine.actors[d.recipient]
            d.attempts += 1
            msg_id = f"m{next(self._msg_ids)}"
            common = {
                "msg": msg_id, "dispatch": d.id, "to": d.recipient,
                "to_kind": recipient.spec.kind, "channel": cid,
                "verb": d.verb, "tlp": d.tlp, "attempt": d.attempts,
                "subject": d.subject if d.worded is None or cid == d.channels[0]
                else self._written_for(d, cid)[0],
            }
            extra: dict[str, Any] = {"retry": retry} if retry else {}
            if d.fact_labels:
                extra["fact_labels"] = dict(d.fact_labels)
            if not d.automated:
                # a person's own words (and what they pass on), kept whatever becomes of
                # the message; the policy's are written out in its delivery alone
                extra["text"] = d.text
            engine.emit(
                "message_sent", d.sender, d.incident, rule=d.rule, trigger_at=d.trigger_at,
                trigger=d.trigger, set_off_by=d.set_off_by, draft=d.draft,
                by="policy" if d.automated else "human", refs=list(d.refs),
                facts=d.facts, **extra, **common,
            )
            contact = recipient.spec.contacts.get(cid)
            if contact is None:
                engine.emit("message_lost", d.recipient, d.incident, reason="no_contact",
                            sender=d.sender, **common)
                index += 1
                retry = "no_contact"
                continue
            drift = engine.drift
            stale = contact.stale if drift is None else drift.is_stale(d.recipient, cid, contact)
            d.tried += 1
            self._transmit(d, cid, msg_id, common, stale)
            return

    def _link(self, links: dict[tuple[str, str, str], tuple[Stream, Any]], cid: str,
              sender: str, recipient: str, suffix: str = "") -> tuple[Stream, Any]:
        """The stream of what goes from ``sender`` to ``recipient`` by channel ``cid``
        (``suffix``: "/receipt" for receipts) and its latency there, kept in ``links``
        for the rest of the run."""
        ch = self.channels[cid]
        link = links[(cid, sender, recipient)] = (
            self.engine.streams(f"channel/{cid}/{sender}>{recipient}{suffix}"),
            pair_latency(ch, sender, recipient) if ch.pair_latency else ch.latency)
        return link

    def _transmit(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                  stale: bool) -> None:
        ch = self.channels[cid]
        engine = self.engine
        # one stream per channel and pair; every message draws its latency and then a
        # loss number, lossy channel or not, so changing a loss keeps the latencies
        links = self._links
        rng, latency_of = links.get((cid, d.sender, d.recipient)) \
            or self._link(links, cid, d.sender, d.recipient)
        latency = sample(latency_of, rng)
        failed = rng.random() < ch.loss
        index = d.index
        if engine.drift is not None:
            window = engine.drift.outage(cid, d.sender, d.recipient)
            if window is not None:
                self._outage(d, cid, msg_id, common, window, latency, failed)
                return
        if stale and ch.bounce is not None and self._bounces(d, index, cid, common):
            return
        engine.after(latency, lambda: self._arrive(d, cid, msg_id, common, latency, failed,
                                                   stale))
        if d.automated and index + 1 < len(d.channels):
            self._follow_up(d, index)

    def _bounces(self, d: Dispatch, index: int, cid: str, common: dict[str, Any]) -> bool:
        """A message to a stale point of contact on a channel that bounces: it comes back
        after the channel's bounce delay (True), unless it is one of those lost without
        a word (the channel's ``silent_when_stale``, or the contact's ``bounces:
        false``: False)."""
        ch = self.channels[cid]
        assert ch.bounce is not None
        brng = self.engine.streams(f"channel/{cid}/{d.sender}>{d.recipient}/bounce")
        delay = sample(ch.bounce, brng)
        # the draw is made whatever the contact says, so that saying it changes no
        # other draw
        silent = brng.random() < ch.silent_when_stale
        bounces = self.engine.actors[d.recipient].spec.contacts[cid].bounces
        if bounces is not None:
            silent = not bounces
        if silent:
            return False
        self.engine.after(delay, lambda: self._bounced(d, index, common, delay))
        return True

    def _back_in_service(self, d: Dispatch, index: int, cid: str, msg_id: str,
                         common: dict[str, Any], latency: float, failed: bool) -> None:
        """Service returns for a held message: it goes on to the point of contact as it
        is now, as one sent now would (from a stale contact on a channel that bounces, it
        comes back after the bounce delay and the sender moves to its fallback), without
        a second chase."""
        engine = self.engine
        drift = engine.drift
        assert drift is not None
        contact = engine.actors[d.recipient].spec.contacts[cid]
        stale = drift.is_stale(d.recipient, cid, contact)
        if stale and self.channels[cid].bounce is not None \
                and self._bounces(d, index, cid, common):
            return
        engine.after(latency, lambda: self._arrive(d, cid, msg_id, common, latency, failed,
                                                   stale))

    def _outage(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                window: Window, latency: float, failed: bool) -> None:
        """A message sent into an outage bounces, is lost, or waits for service: until no
        outage that holds messages covers it any more (one ``message_held``, ``until``
        then), and is then judged again, as control's injects are."""
        engine = self.engine
        index = d.index
        if window.effect == "bounce":
            self._stopped(d, index, cid, common, window, latency)
            return
        if window.effect == "lose":
            self._stopped(d, index, cid, common, window, latency)
        else:
            drift = engine.drift
            assert drift is not None
            until, then = drift.released(window, cid, d.sender, d.recipient)
            wait = until - self.env.now
            engine.emit("message_held", d.sender, d.incident, reason="outage",
                        until=until, **common)
            if then is None:
                engine.after(wait, lambda: self._back_in_service(d, index, cid, msg_id, common,
                                                                 latency, failed))
            else:
                # service comes back into an outage that bounces or loses the message
                engine.after(wait, lambda: self._stopped(d, index, cid, common, then, latency))
        if d.automated and index + 1 < len(d.channels):
            self._follow_up(d, index)

    def _stopped(self, d: Dispatch, index: int, cid: str, common: dict[str, Any],
                 window: Window, latency: float) -> None:
        """A message (attempt ``index``) runs into an outage that bounces or loses it."""
        engine = self.engine
        if window.effect == "bounce":
            ch = self.channels[cid]
            delay = 0.0
            if ch.bounce is not None:
                delay = sample(ch.bounce, engine.streams(
                    f"channel/{cid}/{d.sender}>{d.recipient}/outage"))
            engine.after(delay, lambda: self._bounced(d, index, common, delay, "outage"))
            return
        engine.after(latency, lambda: engine.emit(
            "message_lost", d.recipient, d.incident, reason="outage", sender=d.sender,
            latency=latency, **common))

    def _bounced(self, d: Dispatch, index: int, common: dict[str, Any], delay: float,
                 reason: str = "stale_contact") -> None:
        engine = self.engine
        d.bounced += 1
        # every attempt came back, and no channel is left that the recipient has a
        # contact on: the message is finally undelivered (``final``)
        final = d.bounced == d.tried and not self._channel_left(d)
        engine.emit("message_bounced", d.sender, d.incident, reason=reason,
                    after=delay, **common, **({"final": True} if final else {}))
        if not d.automated:
            if final:
                self._undelivered(d)  # the person sees it bounced: nothing is sent again
            return
        # the bounce may come back after hours: the sender reads it, and tries the next
        # channel, once its desk is on duty again (at once when it is on duty now)
        engine.spend(_desk(engine.actors[d.sender], d), 0.0,
                     functools.partial(self._retry, d, index, final))

    def _channel_left(self, d: Dispatch) -> bool:
        """Whether a channel after the last one ``d`` was tried on has a point of contact
        of its recipient: one it could still be sent by."""
        contacts = self.engine.actors[d.recipient].spec.contacts
        return any(cid in contacts for cid in d.channels[d.index + 1:])

    def _retry(self, d: Dispatch, index: int, final: bool = False) -> None:
        """The sender of ``d`` has read that attempt ``index`` bounced: it tries the next
        channel, unless a person plays the role now (the policy tries when the role is
        back, should the person not have sent the recipient that action meanwhile).
        ``final``: every attempt bounced, and no channel is left: its recipient was not
        told, and the rule still owes it the message (:meth:`_undelivered`)."""
        sender = self.engine.actors[d.sender]
        if d.acked or (d.index != index and not final) or _reached(sender, d):
            return
        if sender.human:
            sender.sends_owed.append((_desk(sender, d),
                                      functools.partial(self._retry, d, index, final)))
            return
        if d.index == index:
            self.send(d, index + 1, retry="bounced")
        if final:
            self._undelivered(d)

    def _undelivered(self, d: Dispatch) -> None:
        """The sender knows that ``d`` bounced on every channel it could try: it told its
        recipient nothing. The facts it carried count as told only where another of the
        sender's messages of that verb to that recipient carried them, and its rule is
        not done: it still owes the recipient the message, and sends it again at its
        next look (a message of the rule's that a follow-on waits on is this one no
        more: the one sent again is)."""
        engine = self.engine
        st = engine.actors[d.sender]
        key = (d.incident, d.verb, d.recipient)
        d.undelivered = True
        told: set[str] | None = None
        for x in self.dispatches.values():
            if (not x.undelivered and x.sender == d.sender and x.recipient == d.recipient
                    and x.incident == d.incident and x.verb == d.verb):
                if told is None:
                    told = set()
                told.update(x.facts)
        if told is None:
            st.told.pop(key, None)
        else:
            st.told[key] = told
        if d.automated and d.rule is not None:
            batch = st.sent.get((d.incident, d.rule))
            if batch is not None:
                batch[:] = [x for x in batch if x is not d]
            engine.policy.done.discard((d.sender, d.incident, d.rule))

    def _arrive(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                latency: float, failed: bool, stale: bool) -> None:
        engine = self.engine
        recipient = engine.actors[d.recipient]
        if stale:
            engine.emit("message_lost", d.recipient, d.incident, reason="stale_contact",
                        sender=d.sender, latency=latency, **common)
            return
        if failed:
            engine.emit("message_lost", d.recipient, d.incident, reason="channel_failure",
                        sender=d.sender, latency=latency, **common)
            return
        channel = self.channels[cid]
        if channel.needs_receiver_on_duty:
            on = recipient.answering(cid, channel.handled_around_the_clock).next_on(self.env.now)
            if on >= engine.end:
                # nobody is at the desk to answer before the drill ends: lost, as
                # silently as any call nobody picks up
                engine.emit("message_lost", d.recipient, d.incident, reason="never_on_duty",
                            sender=d.sender, latency=latency, **common)
                return
            wait = on - self.env.now
            if wait > 0:
                engine.after(wait, lambda: self._deliver(d, cid, msg_id, common, latency, wait))
                return
        self._deliver(d, cid, msg_id, common, latency, 0.0)

    def _deliver(self, d: Dispatch, cid: str, msg_id: str, common: dict[str, Any],
                 latency: float, duty_wait: float) -> None:
        engine = self.engine
        recipient = engine.actors[d.recipient]
        d.delivered = True
        subject, text = (d.subject, d.text) if d.worded is None or cid == d.channels[0] \
            else self._written_for(d, cid)
        item = Received(
            msg_id, d.verb, d.sender, d.recipient, d.incident, d.tlp, cid, self.env.now,
            d.named, d.facts, d, text, subject, deadline_at=d.deadline_at,
            incident_title=d.incident_title, fact_labels=d.fact_labels, title_tlp=d.title_tlp,
        )
        extra: dict[str, Any] = {"fact_labels": dict(d.fact_labels)} if d.fact_labels else {}
        taken_in = engine.takes_in(recipient, cid)
        if not taken_in:
            # it waits unread: in a closed office, or for the duty officer to answer
            extra["unread"] = True
        engine.emit(
            "message_delivered", d.recipient, d.incident, sender=d.sender,
            sender_kind=engine.actors[d.sender].spec.kind, recipient_kind=recipient.spec.kind,
            latency=latency, duty_wait=duty_wait, text=text, refs=list(d.refs),
            attached=list(d.attached),
            facts=d.facts, **extra, **common,
        )
        engine.receive(recipient, item, taken_in)

    def receipt(self, item: Received, by: str) -> None:
        """The recipient of message ``item`` acknowledged it now: a receipt goes back to
        the sender over the channel the message came by, with that channel's latency
        between the two, drawn from a stream of its own (so that no other draw moves).
        It meets the channel's outages in that direction as a message does: held until
        service returns, or lost (one that would bounce is lost too: nobody sends a
        receipt again). The sender learns of the acknowledgement when it arrives
        (``acknowledgement_received``), and never if it is lost. A receipt is no message:
        no desk writes or reads it, and nothing counts it among the messages."""
        d = item.dispatch
        cid = item.channel
        assert isinstance(d, Dispatch) and cid is not None
        engine = self.engine
        receipts = self._receipts
        rng, latency_of = receipts.get((cid, d.recipient, d.sender)) \
            or self._link(receipts, cid, d.recipient, d.sender, "/receipt")
        latency = sample(latency_of, rng)
        acknowledged_at = self.env.now

        def arrive() -> None:
            engine.emit("acknowledgement_received", d.sender, d.incident, ref=item.ref,
                        dispatch=d.id, to=d.recipient, verb=d.verb, channel=cid,
                        acknowledged_by=by, acknowledged_at=acknowledged_at, latency=latency)
            engine.dispatch_acked(d, cid)

        drift = engine.drift
        if drift is not None:
            window = drift.outage(cid, d.recipient, d.sender)
            if window is not None:
                if window.effect != "hold":
                    return
                until, then = drift.released(window, cid, d.recipient, d.sender)
                if then is None:  # else service comes back into an outage that stops it
                    engine.after(until - self.env.now, lambda: engine.after(latency, arrive))
                return
        engine.after(latency, arrive)

    def _follow_up(self, d: Dispatch, index: int) -> None:
        """Chase a message on the next channel, once the sender has worked its
        follow-up time without hearing that it was acknowledged (no receipt has reached
        it, one arriving at that very moment included: :data:`DECIDE_CHASE`): timed
        callbacks that start, wait and end where a process spending that time would
        (cheaper than a process)."""
        engine = self.engine

        def start() -> None:
            sender = engine.actors[d.sender]
            wait = engine.draw(sender.spec.policy.followup_after,
                               f"{d.sender}/followup/{d.incident}")
            engine.spend(_desk(sender, d), wait, functools.partial(self._chase, d, index, wait),
                         DECIDE_CHASE)

        engine.soon(start)

    def _chase(self, d: Dispatch, index: int, wait: float) -> None:
        """The sender of ``d`` has worked its follow-up time (``wait``) without hearing
        that attempt ``index`` was acknowledged: it chases on the next channel, unless a
        person plays the role now (the policy chases when the role is back, should the
        person not have sent the recipient that action meanwhile)."""
        engine = self.engine
        sender = engine.actors[d.sender]
        if d.acked or d.index != index or _reached(sender, d):
            return
        if sender.human:
            # made at the hand-back, decided as this one is: after that moment's events
            chase = functools.partial(self._chase, d, index, wait)
            sender.sends_owed.append((_desk(sender, d), functools.partial(
                engine.after, 0.0, chase, DECIDE_CHASE)))
            return
        engine.emit("message_chased", d.sender, d.incident, dispatch=d.id,
                    to=d.recipient, verb=d.verb, channel=d.channels[index],
                    waited=wait, delivered=d.delivered)
        self.send(d, index + 1, retry="unacknowledged")


def _desk(sender: ActorState, d: Dispatch) -> Shift | AlwaysOn:
    """The clock of the desk that sent ``d``: its retries and chases wait for it."""
    return d.desk if d.desk is not None else sender.shift


def _reached(sender: ActorState, d: Dispatch) -> bool:
    """Whether a person playing ``d``'s sender sent its recipient that action about the
    incident: the policy's message is tried again, or chased, no more."""
    return bool(sender.person_sent) and (d.incident, d.verb, d.recipient) in sender.person_sent


def _partly_public(item: Received) -> bool:
    """Whether some of a restricted item may be made public: its incident facts, or the
    incident's title, under CLEAR."""
    labels = item.fact_labels
    return (item.facts_tlp == "CLEAR" or item.title_tlp == "CLEAR"
            or (labels is not None and "CLEAR" in labels.values()))


def _split(st: ActorState, recipient: ActorState, passes: list[Received]
           ) -> tuple[list[Received], list[Received], list[tuple[Received, list[str]]]]:
    """What the labels let a message from ``st`` to ``recipient`` pass on: the items
    shared, those withheld, and the withheld items some of whose facts carry a laxer
    label that lets them pass on (each with those facts)."""
    shared = [item for item in passes if item.tlp in OPEN_LABELS]
    if len(shared) == len(passes):
        return shared, [], []  # most often: nothing under a label that restricts it
    shared = []
    withheld: list[Received] = []
    for item in passes:
        if item.tlp in OPEN_LABELS or allowed(item.tlp, item.named, st, recipient):
            shared.append(item)
        else:
            withheld.append(item)
    # an item whose facts carry a laxer label than its text passes those on: an inject's
    # incident facts under its facts_tlp, a message's under the labels its sender gave
    partly: list[tuple[Received, list[str]]] = []
    for i in withheld:
        labels = i.fact_labels
        if labels is not None:
            fs = [f for f, lbl in labels.items() if allowed(lbl, i.named, st, recipient)]
            if fs:
                partly.append((i, fs))
        elif i.facts_tlp is not None and allowed(i.facts_tlp, i.named, st, recipient):
            partly.append((i, [f for f in i.facts if not f.startswith("indicator:")]))
    return shared, withheld, partly


def _carried(shared: list[Received], partly: list[tuple[Received, list[str]]]) -> set[str]:
    """Every fact a message may carry, from what :func:`_split` found it may pass on
    (needed only when something is withheld)."""
    carried: set[str] = set()
    for item in shared:
        carried.update(item.facts)
    for _, fs in partly:
        carried.update(fs)
    return carried


def _labels(base: int, shared: list[Received], partly: list[tuple[Received, list[str]]],
            facts: dict[str, None]) -> tuple[int, dict[str, str] | None]:
    """The label of a message (its rank in TLP_ORDER) chosen under ``base`` that passes on
    the items ``shared`` and the facts ``partly`` of others, carrying ``facts``: at least
    as strict as anything it passes on; and the facts it carries under a laxer label
    than that, each with its label (None when none). A fact travels under the laxest
    label of the items it came from, never laxer than ``base``."""
    rank = base
    for i in shared:
        r = _RANK[i.tlp]
        if r > rank:
            rank = r
    if rank == base and (not partly or not any(
            _RANK[i.label_of(f)] > base for i, fs in partly for f in fs)):
        return base, None  # everything goes under the label chosen
    best: dict[str, int] = {}
    for i in shared:
        if _RANK[i.tlp] <= base:
            for f in i.facts:
                best[f] = base  # its facts are no stricter than the item
    for i, fs in [*((i, i.facts) for i in shared if _RANK[i.tlp] > base), *partly]:
        for f in fs:
            r = max(base, _RANK[i.label_of(f)])
            if r < best.get(f, len(TLP_ORDER)):
                best[f] = r
    for f in facts:
        r = best.get(f, base)  # what the act states, under the label chosen
        if r > rank:
            rank = r
    laxer = {f: TLP_ORDER[best.get(f, base)] for f in facts if best.get(f, base) < rank}
    return rank, laxer or None


def _due_again(st: ActorState, verb: str, inc_id: str, target: str,
               withheld: list[Received], carried: set[str], needed: tuple[str, ...],
               relied: list[str] | tuple[str, ...]) -> list[str]:
    """A recipient told before is due again for facts it has not been told (as the
    policy reads them), and a message goes again only when it may carry one of them:
    the facts due when none may be carried (the message is withheld), else none."""
    told = st.told.get((inc_id, verb, target))
    if not withheld or told is None:
        return []
    heard = st.heard.get((inc_id, target), ())
    due = [f for f in dict.fromkeys(needed or relied) if f not in told and f not in heard]
    if due and not any(f in carried for f in due):
        return due
    return []
