"""Immutable domain events: the engine's log.

Every event has a sequence number, the simulated time in minutes after the drill
start, a type, the actor and incident it concerns, and JSON-ready details.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

#: Every event type the engine emits, with its meaning.
EVENT_TYPES: dict[str, str] = {
    "drill_started": "the drill clock started; details describe the run",
    "incident_opened": "an inject opened an incident",
    "incident_updated": "an inject changed an incident's properties",
    "inject_delivered": "an inject reached a recipient",
    "inject_skipped": "the facilitator skipped an inject, or its condition did not hold "
    "when it was due (reason: condition), or at the end it was still waiting: nothing "
    "had set it off (a contingency or after_action inject; reason: not_triggered), or it "
    "was due at or after the end (reason: after_end)",
    "inject_timed": "a waiting inject without a time of its own got one: an expectation's "
    "outcome set off a contingency (reason: contingency), or the action an after_action "
    "inject waits for was done (reason: after_action); at is when it is due",
    "inject_rescheduled": "the facilitator moved a waiting inject to a new drill time",
    "inject_edited": "the facilitator changed a waiting inject's title, text, recipients or TLP",
    "inject_unskipped": "the facilitator put a skipped inject back in the MSEL",
    "inject_added": "the facilitator added an ad-hoc inject to deliver later",
    "inject_held": "an inject waits to reach a recipient: for a holding outage to end "
    "(reason: outage) or for someone at a desk that takes calls only when open (reason: "
    "off_duty); until is when it is tried again",
    "password_delivered": "the password of a protected artefact reached a recipient on its "
    "own channel",
    "password_lost": "the password of a protected artefact could not reach a recipient (no or "
    "stale contact, outage, never on duty)",
    "task_set": "a player task (a free-text question) was put to an actor",
    "task_answered": "a player answered a task",
    "message_sent": "an actor sent a message on a channel",
    "message_delivered": "a message reached its recipient",
    "message_lost": "a message was lost (stale contact, no contact, channel failure, outage)",
    "message_bounced": "a message to a stale point of contact, or sent during an outage, came "
    "back to its sender",
    "message_held": "a message sent during an outage waits for service to return",
    "outage_started": "a channel, or one actor's end of it, went out of service",
    "outage_ended": "a channel, or one actor's end of it, is back in service",
    "contact_changed": "a point of contact went out of date or was repaired",
    "message_chased": "a message was chased on the next channel: its sender had not heard, "
    "in its follow-up time, that it was acknowledged",
    "on_call_answered": "an out-of-hours duty officer picked up a severe incident's message, "
    "or, at the office's closing, took over such a message (on an on-call channel) still "
    "at the office desk (at_closing: queued, or acknowledging, analysing or drafting when "
    "that work was under way)",
    "acknowledged": "an actor acknowledged what it received",
    "acknowledgement_received": "the receipt of a message's acknowledgement reached the "
    "message's sender, who learns of the acknowledgement only now",
    "analysed": "an actor finished analysing an incident",
    "notified": "an actor notified, reported, shared or broadcast",
    "requested": "an actor requested takedown, assistance, preservation or MLA",
    "escalated": "an actor escalated to the regional council or referred to police",
    "declined": "the automated policy did not carry out a rule: it chose not to follow it "
    "(reason: policy), or its condition no longer held once its action was drafted "
    "(reason: condition)",
    "held": "the automated policy holds a rule's action until other rules are done",
    "withheld": "restricted information was kept back to respect its TLP label",
    "takedown_completed": "malicious infrastructure in one country was taken down",
    "contained": "every piece of malicious infrastructure of an incident is down",
    "preserved": "data was preserved on request",
    "published": "a public advisory was issued",
    "closed": "an actor closed an incident",
    "tlp_violation": "information was passed on beyond its TLP label",
    "expectation_met": "an expected action happened by its deadline",
    "expectation_missed": "an expected action had not happened by its deadline",
    "expectation_late": "a missed expected action happened after its deadline",
    "role_changed": "a role was handed to a person or back to the policy",
    "work_dropped": "the role changed hands and the policy's unfinished work for it was "
    "dropped",
    "drill_ended": "the drill clock reached the drill's end",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in a run."""

    seq: int
    time: float
    type: str
    actor: str | None
    incident: str | None
    details: Mapping[str, Any]

    @classmethod
    def make(
        cls, seq: int, time: float, type: str, actor: str | None, incident: str | None,
        details: dict[str, Any],
    ) -> Event:
        # ``details`` is the emitter's own fresh keyword dict: wrap it, don't copy it
        return cls(seq, float(round(time, 6)), type, actor, incident, MappingProxyType(details))

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "type": self.type,
            "actor": self.actor,
            "incident": self.incident,
            "details": dict(self.details),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        return cls(
            d["seq"], d["time"], d["type"], d.get("actor"), d.get("incident"),
            MappingProxyType(dict(d.get("details") or {})),
        )


_new_record = object.__new__
_set_fields = tuple(Event.__dict__[f].__set__
                    for f in ("seq", "time", "type", "actor", "incident", "details"))


def record(seq: int, time: float, type_: str, actor: str | None, incident: str | None,
           details: Mapping[str, Any]) -> Event:
    """``Event(seq, time, type_, actor, incident, details)``, built without the frozen
    dataclass's checked ``__init__`` (the engine makes one for every domain event).
    ``time`` must already be rounded, ``details`` read-only."""
    ev = _new_record(Event)
    s0, s1, s2, s3, s4, s5 = _set_fields
    s0(ev, seq)
    s1(ev, time)
    s2(ev, type_)
    s3(ev, actor)
    s4(ev, incident)
    s5(ev, details)
    return ev


def log_to_jsonl(events: list[Event]) -> str:
    """The log as JSON lines: byte-identical for identical runs."""
    return "".join(e.to_json() + "\n" for e in events)
