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
the organisers' notes, other teams' items and expectations, TLP violations) is for the
facilitator and observers only.

Events are filtered whole: a role receives an event or not (a receipt reaching it is
shown as the acknowledgement it tells of). The few fields of its own events that are
exercise control's (an inject's expected actions, which event met an expectation and
which other team did it, a deadline counted from a moment the role was not told of,
the seed, other teams' expectations) are removed; the text of the artefact files it
was sent is added (for a protected file, once its password has reached the role),
since a player's scenario holds no injects to read it from. An event type not listed
here is not shown to players until it is: a new kind of event is kept from them by
default.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sim.engine.events import Event
from sim.runs.view import sender_hears_of_loss

#: seen by everyone
PUBLIC = frozenset({"drill_started", "role_changed", "drill_ended"})
#: exercise control only
CONTROL = frozenset({"incident_opened", "incident_updated", "inject_skipped",
                     "inject_rescheduled", "tlp_violation", "contained",
                     # the MSEL as the facilitator changes it
                     "inject_edited", "inject_unskipped", "inject_added",
                     # outages and contact changes are exercise control's surprises: a
                     # player learns of them as its messages bounce, go unanswered or wait
                     "outage_started", "outage_ended", "contact_changed"})
#: a role's own doings: seen by the event's actor
OWN = frozenset({"message_sent", "message_bounced", "message_chased", "on_call_answered",
                 "acknowledged", "analysed", "notified", "requested", "escalated", "declined",
                 "held", "withheld", "takedown_completed", "preserved", "published", "closed",
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


def role_expectations(scenario: Any, role: str) -> frozenset[str]:
    return frozenset(x.id for x in scenario.expectation_units() if role in x.actors)


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
    that is met is exercise control's, and is withheld (``deadline_at`` null)."""
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
        # the same: who else is expected to do what, by when, is not this role's to know
        out["details"] = {**out["details"], "expectations": [
            x for x in out["details"]["expectations"]
            if isinstance(x, Mapping) and x.get("id") in expectations]}
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
    expectations (those of :func:`role_expectations`, as scored), and no MSEL (the
    injects are exercise control's), with none of the organisers' notes: what the
    drill, its phases and each actor are about, which contacts are out of date (and
    whether messages to them bounce), and which contingency injects an expectation
    fires."""
    data = scenario.model_dump(mode="json")
    data["drill"]["description"] = ""
    for phase in data["drill"].get("phases", {}).values():
        phase["description"] = ""
    for actor in data["actors"].values():
        actor["description"] = ""
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
    # would name every other team it covers (and so who else is, or will be, involved)
    data["expectations"] = [
        {**x.model_dump(mode="json"), **dict.fromkeys(_CONTINGENCY_FIELDS)}
        for x in scenario.expectation_units() if role in x.actors]
    return data


#: an expectation's contingency injects, by what fires them: exercise control's
_CONTINGENCY_FIELDS = ("contingency", "on_met", "on_late", "on_lost")
