"""The words of a message: subject and body written from per-verb templates.

A message from the automated policy says who writes, about which incident, what the
sender knows (the facts it may pass on, in words), what it asks, by when and under
which TLP label. Items passed on are written out (an inject's title, text and
artefacts; a message's subject), never named by an internal id.

A scenario may override a verb's subject or body under ``drill.message_templates``
with ``{placeholders}`` from :data:`scenarios.model.MESSAGE_PLACEHOLDERS`.
Values are inserted as plain text: nothing in them is read as a placeholder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from scenarios.durations import clock_minute
from scenarios.model import Scenario

#: What each verb is called in a sentence ("ThaiCERT sent a takedown request").
NOUNS: dict[str, str] = {
    "report": "a report",
    "notify": "a notification",
    "broadcast": "an alert",
    "share": "information",
    "escalate": "an escalation",
    "request_takedown": "a takedown request",
    "refer_police": "a police referral",
    "request_assistance": "a request for assistance",
    "request_preservation": "a preservation request",
    "refer_central_authority": "a case for a mutual legal assistance request",
    "request_mla": "a mutual legal assistance request",
}

#: The subject line's opening words for each verb.
HEADINGS: dict[str, str] = {
    "report": "Incident report",
    "notify": "Incident notification",
    "broadcast": "Alert",
    "share": "Information sharing",
    "escalate": "Escalation",
    "request_takedown": "Takedown request",
    "refer_police": "Police referral",
    "request_assistance": "Request for assistance",
    "request_preservation": "Preservation request",
    "refer_central_authority": "Case for mutual legal assistance",
    "request_mla": "Mutual legal assistance request",
}

#: What the sender asks the recipient to do.
ASKS: dict[str, str] = {
    "report": "We report this incident to you for your records and action.",
    "notify": "Please check whether your constituency is affected and act on it.",
    "broadcast": "Please check your constituency for these indicators and warn those at risk.",
    "share": "We share this for your awareness; please tell us if you see related activity.",
    "escalate": "We escalate this incident to you for a decision and coordination.",
    "request_takedown": "Please have the malicious infrastructure hosted in your country "
                        "taken down and tell us when it is done.",
    "refer_police": "We refer this incident to you for criminal investigation.",
    "request_assistance": "We ask for your assistance with analysis and response.",
    "request_preservation": "Please preserve the logs and data related to this incident "
                            "pending a formal request for evidence.",
    "refer_central_authority": "We send you our case file and ask you to request mutual "
                               "legal assistance of the countries where the evidence is held.",
    "request_mla": "We request mutual legal assistance to obtain the evidence held in "
                   "your jurisdiction.",
}

DEFAULT_SUBJECT = "[TLP:{tlp}] {heading}: {incident}"
DEFAULT_BODY = (
    "To {recipient}, from {sender}.\n"
    "\n"
    "{heading} about {incident}.\n"
    "\n"
    "What we know:\n"
    "{facts}\n"
    "\n"
    "{ask}\n"
    "Please reply {deadline}.\n"
    "{forwarded}"
    "\n"
    "Sent by {channel} under TLP:{tlp}: {tlp_rule}"
)

TLP_RULES: dict[str, str] = {
    "CLEAR": "no limit on disclosure.",
    "GREEN": "share within your community, not publicly.",
    "AMBER": "share only within your organisation and its clients who need to know.",
    "AMBER+STRICT": "share only within your organisation.",
    "RED": "for the named recipients only; do not pass on.",
}

COUNTRIES: dict[str, str] = {
    "BN": "Brunei", "KH": "Cambodia", "ID": "Indonesia", "LA": "Laos", "MY": "Malaysia",
    "MM": "Myanmar", "PH": "the Philippines", "SG": "Singapore", "TH": "Thailand",
    "VN": "Vietnam", "TL": "Timor-Leste", "AU": "Australia", "CN": "China", "JP": "Japan",
    "KR": "South Korea", "IN": "India", "NZ": "New Zealand", "US": "the United States",
    "GB": "the United Kingdom", "HK": "Hong Kong", "TW": "Taiwan",
}

CHANNEL_KINDS: dict[str, str] = {
    "email": "e-mail", "phone": "phone", "portal": "portal", "police_network": "police network",
    "network_247": "24/7 network", "mla": "MLA channel",
}


def country(code: str) -> str:
    return COUNTRIES.get(code, code)


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def facts_in_words(facts: Iterable[str]) -> str:
    """The facts of a message as lines a person reads."""
    kind = severity = ""
    affected: list[str] = []
    hosted: list[str] = []
    indicators: list[str] = []
    crime = False
    for fact in facts:
        key, _, value = fact.partition(":")
        if key == "type":
            kind = value
        elif key == "severity":
            severity = value
        elif key == "affected":
            affected.append(country(value))
        elif key == "hosted":
            hosted.append(country(value))
        elif key == "indicator":
            indicators.append(value)
        elif key == "crime":
            crime = True
    lines = []
    if kind and severity:
        lines.append(f"- Type: {kind}, severity: {severity}")
    elif kind or severity:
        lines.append(f"- Type: {kind}" if kind else f"- Severity: {severity}")
    if affected:
        lines.append(f"- Victims in {_and(affected)}")
    if hosted:
        lines.append(f"- Malicious infrastructure hosted in {_and(hosted)}")
    if crime:
        lines.append("- A crime is suspected")
    if indicators:
        lines.append("- Indicators: " + ", ".join(indicators))
    return "\n".join(lines) if lines else "- Nothing beyond what this message says"


#: when a message asks for a reply that has no time to give
AS_SOON = "as soon as you can"


def deadline_in_words(scenario: Scenario, deadline_at: float) -> str:
    """'by T+02:30 (Wed 19 Aug 11:30 +08)', or 'as soon as you can' without a deadline."""
    if not math.isfinite(deadline_at):
        return AS_SOON
    drill = scenario.drill
    moment = (drill.start + timedelta(minutes=deadline_at)).astimezone(
        ZoneInfo(drill.clock_timezone))
    return f"by {clock_minute(deadline_at)} ({moment:%a %d %b %H:%M} {moment.tzname()})"


def reply_by(scenario: Scenario, deadline_at: float, written_at: float,
             in_words: Callable[[float], str] | None = None) -> str:
    """When a message written at drill minute ``written_at`` asks for a reply (its
    ``{deadline}``): by its deadline (:func:`deadline_in_words`, or ``in_words``), or 'as
    soon as you can' when it has none or the deadline is already past (a message sent
    late never asks for a reply by a time gone by; one due the very moment it is
    written still gives it)."""
    if deadline_at < written_at:
        return AS_SOON
    return deadline_in_words(scenario, deadline_at) if in_words is None \
        else in_words(deadline_at)


def channel_in_words(scenario: Scenario, channel: str, short: bool = False) -> str:
    """A channel's display name, or (``short``) what sort of channel it is: 'e-mail'."""
    ch = scenario.channels.get(channel)
    if ch is None:
        return channel
    kind = CHANNEL_KINDS.get(ch.kind, ch.kind)
    return kind if short else ch.name or kind


def write(template: str, values: Mapping[str, str]) -> str:
    """Fill a template checked by the scenario loader; values are never re-read."""
    return template.format_map(dict(values))


def templates(scenario: Scenario, verb: str) -> tuple[str, str, str, str]:
    """The verb's subject and body templates (the scenario's, if any), its heading and
    what it asks."""
    override = scenario.drill.message_templates.get(verb)
    subject = override.subject if override and override.subject is not None else DEFAULT_SUBJECT
    body = override.body if override and override.body is not None else DEFAULT_BODY
    return (subject, body, HEADINGS.get(verb, verb.replace("_", " ").capitalize()),
            ASKS.get(verb, ""))


def compose(scenario: Scenario, verb: str, values: dict[str, str]) -> tuple[str, str]:
    """Subject and body of a message with the verb's template (the scenario's, if any)."""
    subject, body, heading, ask = templates(scenario, verb)
    values = {**values, "heading": heading, "ask": values.get("ask") or ask,
              "tlp_rule": TLP_RULES.get(values.get("tlp", ""), "")}
    return write(subject, values), write(body, values)


#: What an actor did, for a log line: "{who} asked {to} for a takedown".
DONE: dict[str, str] = {
    "report": "reported the incident to {to}",
    "notify": "notified {to}",
    "broadcast": "sent an alert to {to}",
    "share": "shared information with {to}",
    "escalate": "escalated the incident to {to}",
    "request_takedown": "asked {to} for a takedown",
    "refer_police": "referred the incident to {to}",
    "request_assistance": "asked {to} for assistance",
    "request_preservation": "asked {to} to preserve evidence",
    "refer_central_authority": "sent the case to {to} for a mutual legal assistance request",
    "request_mla": "sent a mutual legal assistance request to {to}",
}

REASONS: dict[str, str] = {
    "no_contact": "no contact on that channel",
    "stale_contact": "the contact is out of date",
    "channel_failure": "the channel failed",
    "outage": "the channel is out of service",
    "never_on_duty": "nobody is on duty to answer before the drill ends",
}


def noun(verb: str) -> str:
    return NOUNS.get(verb, "a message" if not verb else f"a {verb.replace('_', ' ')} message")
