"""The escalation report: metrics rendered for people (plain text) or programs (JSON).

Names and titles come from scenario files: the text report shows them with
:func:`~sim.safe.text.one_line`, so no terminal control sequence is ever printed.
Both forms carry the drill's TLP label (:func:`drill_tlp`) when it is given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scenarios.durations import clock_minute, format_duration, format_lateness, on_clock
from scenarios.model import TLP_ORDER, Scenario
from sim.analysis.metrics import DEFAULT_COORDINATOR, not_in_drill, undelivered
from sim.engine.events import Event
from sim.safe.text import json_text, one_line

#: The events that give an inject's label during the drill: an inject delivered, one
#: added for later, one whose label the facilitator changed.
TLP_EVENTS = frozenset({"inject_delivered", "inject_added", "inject_edited"})


def drill_tlp(scenario: Scenario, events: Iterable[Event] = ()) -> str:
    """The drill's TLP label, e.g. ``"AMBER"`` (without the ``TLP:`` prefix).

    The scenario's own label (``drill.tlp``), raised to the most restrictive label of
    any inject it holds, and of any inject added or edited during the drill
    (``events``: :data:`TLP_EVENTS`), delivered or not. An inject's title and text are
    in the drill's events as soon as it is added or edited, so in its journal, its
    review's timeline and the console's log: a report or screen about the drill is
    never labelled below what it may show, and never lowered again.
    """
    labels = [scenario.drill.tlp]
    for inj in scenario.injects:
        labels += [inj.tlp, inj.facts_tlp]
    for e in events:
        if e.type in TLP_EVENTS:
            labels.append(e.details.get("tlp"))
    return max((t for t in labels if t in TLP_ORDER), key=TLP_ORDER.index)


#: What "every affected CERT reached" says of an incident whose affected countries have
#: no CERT in the drill.
NO_CERT = "no affected CERT in this drill"
#: What a step says when the drill has no bodies for it: a law-enforcement step without
#: its police or central authorities, the regional coordinator without a regional council.
NOT_IN_DRILL = "not in this drill"


def _t(at: float | None) -> str:
    """A drill moment as the clock's minute, as the console showed it ("—" for none)."""
    return "—" if at is None else clock_minute(at)


def shown_lateness(x: dict[str, Any]) -> str:
    """How late expectation ``x`` (from :func:`sim.analysis.metrics.compute`) was done,
    or how overdue it was when the drill ended if never done, as people read it beside
    its clock times (:func:`~scenarios.durations.format_lateness`); "" for none."""
    lateness, due = x.get("lateness"), x.get("deadline_at")
    if lateness is None:
        return ""
    if due is None:
        return format_duration(lateness)
    done = x["at"] if x["status"] == "late" and x.get("at") is not None else due + lateness
    return format_lateness(done, due)


def _h(minutes: float | None) -> str:
    return "" if minutes is None else f"{minutes / 60:6.2f} h"


def _row(label: str, timing: dict[str, Any] | None, note: str = "") -> str:
    if timing is None or timing.get("at") is None:
        return f"    {label:<34}{'never':>10}{'':>10}  {note}".rstrip()
    return f"    {label:<34}{_t(timing['at']):>10}{_h(timing['after']):>10}  {note}".rstrip()


def render_text(m: dict[str, Any], names: dict[str, str] | None = None,
                tlp: str | None = None, slowest: bool = True) -> str:
    """A readable escalation report from :func:`sim.analysis.metrics.compute` output.

    ``tlp`` (see :func:`drill_tlp`) is shown on the first line, after the title; the
    slowest hops are left out when ``slowest`` is False (none were asked for).
    """
    names = names or {aid: a["name"] for aid, a in m.get("actors", {}).items()}

    def s(value: Any) -> str:
        return one_line(str(value))

    def who(aid: str | None) -> str:
        return "" if aid is None else s(names.get(aid, aid))

    sc = m["scenario"]
    lines = [
        s(sc["title"]) + (f"    TLP:{tlp}" if tlp else ""),
        f"  scenario {s(sc['id'])}, seed {m['seed']}; drill clock starts "
        f"{s(on_clock(sc['start'], sc['clock_timezone']))} "
        f"({s(sc['clock_timezone'])}), lasts {format_duration(sc['duration'] or 0)}",
        "  times are drill time (T+) and hours after the incident opened",
        "",
    ]
    for inc in m["incidents"]:
        lines.append(
            f"Incident {s(inc['id'])}: {s(inc['title'])} ({s(inc['type'])}, {s(inc['severity'])})"
        )
        lines.append(
            f"    affected {s(', '.join(inc['affected'])) or '—'}; "
            f"infrastructure in {s(', '.join(inc['hosted_in'])) or '—'}"
        )
        lines.append(f"    {'opened':<34}{_t(inc['opened_at']):>10}")
        ack = inc["first_acknowledgement"]
        lines.append(_row("first acknowledgement", ack, f"by {who(ack['by'])}" if ack else ""))
        # the headline is the figure the scenario asks for (drill.control_counts_as_reach),
        # the other one is beside it
        peers = inc["all_affected_certs_reached_by_peers"]
        anyone = inc["all_affected_certs_reached_incl_control"]
        headline = inc.get("all_affected_certs_reached", peers)
        rows: tuple[tuple[str, dict[str, Any], str], ...]
        if not headline.get("of"):
            # no affected country has a CERT in the drill: nobody to reach, ever
            lines.append(f"    {'every affected CERT reached':<34}{'—':>10}{'':>10}  "
                         f"{NO_CERT}")
            rows = ()
        elif headline.get("counts") == "control or peers":
            rows = (("every affected CERT reached", anyone, ", counting control's injects"),
                    ("  by other teams only", peers, ""))
        else:
            rows = (("every affected CERT reached", peers, ", by other teams"),
                    ("  counting control's injects", anyone, ""))
        for label, reach, counts in rows:
            note = f"{reach['reached']} of {reach['of']} CERTs" + counts
            if reach["missing"]:
                note += "; not reached: " + ", ".join(who(a) for a in reach["missing"])
            lines.append(_row(label, reach, note))
        ansac = inc["ansac_reached"]
        coordinator = f"{s(inc.get('regional_coordinator', DEFAULT_COORDINATOR))} reached"
        if not_in_drill(ansac):
            # no regional council in the drill: nobody to reach, ever
            lines.append(f"    {coordinator:<34}{'—':>10}{'':>10}  {NOT_IN_DRILL}")
        else:
            lines.append(_row(coordinator, ansac, f"from {who(ansac['by'])}" if ansac else ""))
        hops = inc["law_enforcement"]["hops"]
        if hops and all(map(not_in_drill, hops)):
            lines.append(f"    {'law enforcement':<34}{'—':>10}{'':>10}  {NOT_IN_DRILL}")
            hops = []
        else:
            lines.append("    law enforcement")
        for hop in hops:
            stage = s(hop["hop"])  # the scenario may name the stages
            outcome = undelivered(hop)
            if outcome in ("lost", "bounced"):
                # every attempt failed: what became of the last one
                reason = s(hop.get("reason") or "").replace("_", " ")
                lines.append(
                    f"      {stage:<32}{outcome:>10}{'':>10}"
                    f"  sent {_t(hop['sent_at'])}, {outcome} {_t(hop.get('outcome_at'))}"
                    + (f" ({reason})" if reason else "")
                )
            elif outcome == "in transit":
                held = ", held in an outage" if hop.get("held_until") is not None else ""
                lines.append(
                    f"      {stage:<32}{'in transit':>10}{'':>10}"
                    f"  sent {_t(hop['sent_at'])}{held}, not delivered by the end"
                )
            elif hop["at"] is None and not_in_drill(hop):
                lines.append(f"      {stage:<32}{'—':>10}{'':>10}  {NOT_IN_DRILL}")
            elif hop["at"] is None:
                lines.append(f"      {stage:<32}{'never':>10}")
            else:
                lines.append(
                    f"      {stage:<32}{_t(hop['at']):>10}{_h(hop['after']):>10}"
                    f"  hop {format_duration(hop['hop_duration'])}, "
                    f"{who(hop['from'])} -> {who(hop['to'])}"
                )
        e2e = inc["law_enforcement"]["end_to_end"]
        if hops:
            lines.append(_row("  end to end", e2e, f"to {s(e2e['to'])}" if e2e else ""))
        downs = ", ".join(
            f"{s(d['country'])} at {_t(d['at'])}" for d in inc["takedowns"]
        ) or "none"
        lines.append(_row("contained", inc["contained"], f"takedowns: {downs}"))
        lines.append("    first heard (team, when, from whom)")
        for aid, h in sorted(inc["first_heard"].items(), key=lambda kv: (kv[1]["at"], kv[0])):
            source = "exercise control" if h["via"] == "control" else who(h["from"])
            lines.append(f"      {who(aid)[:31]:<32}{_t(h['at']):>10}{_h(h['after']):>10}  from {source}")
        lines.append("")

    score = m["score"]
    lines.append(
        f"Expectations: {score['met']} of {score['of']} met, "
        f"score {score['earned']:g} of {score['possible']:g}"
    )
    for x in m["expectations"]:
        status = x["status"].upper() if x["status"] != "met" else "met"
        when = _t(x["at"]) if x["at"] is not None else ""
        extra = ""
        if x["status"] == "missed":
            # a drill stopped early: missed, but not yet overdue at an end it never reached
            extra = ("never done" if x.get("lateness") is None else
                     f"never done; overdue {shown_lateness(x)} at the end")
        elif x["status"] == "late":
            extra = f"late by {shown_lateness(x)}"
        elif x["status"] == "met":
            extra = f"by {who(x.get('by'))}"
        elif "skipped" in x:
            extra = f"not in play: inject {s(x['skipped'])} was skipped; not scored"
        elif x.get("no_deadline_because"):
            # under way, its countdown not begun: why it has no deadline
            extra = s(x["no_deadline_because"])
        deadline = f"due {_t(x['deadline_at'])}" if x["deadline_at"] is not None else "not due"
        lines.append(
            f"  {s(x['id']):<4} {status:<8}{when:>10}  {deadline:<14} "
            f"{s(x['description'] or x['action'])}"
        )
        if extra:
            lines.append(f"  {'':<23}{'':>10}{extra}")
    lines.append("")

    if slowest:
        lines.append("Slowest hops (from the sender's rule applying to the receiver's acknowledgement)")
        for i, h in enumerate(m["slowest_hops"], 1):
            parts = [f"handling {format_duration(h['handling'])}"]
            if h["lost"] or h["lost_time"] > 0:
                # on attempts before the one the split follows: lost, bounced, held in an
                # outage or overtaken
                reasons = ", ".join("held in an outage" if r == "held" else s(r).replace("_", " ")
                                    for r in h["lost"])
                parts.append(f"lost {format_duration(h['lost_time'])}"
                             + (f" ({reasons})" if reasons else ""))
            if h.get("held_time"):
                parts.append(f"held in an outage {format_duration(h['held_time'])}")
            if h["transit"] is not None:
                parts.append(f"transit {format_duration(h['transit'])}")
            if h.get("office_hours_wait"):
                parts.append(f"waiting for office hours {format_duration(h['office_hours_wait'])}")
            if h["awaiting_ack"] is not None:
                parts.append(f"awaiting acknowledgement {format_duration(h['awaiting_ack'])}")
            lines.append(
                f"  {i}. {who(h['from'])} -> {who(h['to'])}: {h['verb']} ({s(h['incident'])}) "
                f"{_h(h['duration']).strip()}"
            )
            lines.append(f"     {'; '.join(parts)}")
        if not m["slowest_hops"]:
            lines.append("  none")
        lines.append("")

    msgs = m["messages"]

    def by_reason(counts: dict[str, int]) -> str:
        return ", ".join(f"{s(k).replace('_', ' ')} {v}" for k, v in sorted(counts.items()))

    # the teams' messages; control's injects that never arrived are counted apart
    lost = sum(msgs["lost"].values())
    reasons = by_reason(msgs["lost"])
    injects = msgs.get("injects_lost", {})
    injects_lost = sum(injects.values())
    lines.append(
        f"Messages: {msgs['sent']} sent, {msgs['delivered']} delivered, {lost} lost"
        + (f" ({reasons})" if reasons else "")
        + f"; {msgs['bounced']} bounced, {msgs['chased']} chased"
        + (f"; {injects_lost} inject{'s' if injects_lost != 1 else ''} lost "
           f"({by_reason(injects)})" if injects_lost else "")
    )
    for x in msgs["lost_list"][:10]:
        inject = x.get("inject")
        lines.append(
            f"  {_t(x['at'])}  {who(x['from']) or 'control'} -> {who(x['to'])} on {s(x['channel'])}: "
            f"{s(x['reason']).replace('_', ' ')}" + (f" (inject {s(inject)})" if inject else "")
        )
    if len(msgs["lost_list"]) > 10:
        lines.append(f"  ... and {len(msgs['lost_list']) - 10} more")
    if m["tlp_violations"]:
        lines.append(f"TLP violations: {len(m['tlp_violations'])}")
        for v in m["tlp_violations"]:
            lines.append(
                f"  {_t(v['at'])}  {who(v['by'])} passed {s(v['ref'])} (TLP:{v['tlp']}) "
                f"to {who(v['to'])} in a {v['action']}"
            )
    else:
        lines.append("TLP violations: none")
    return "\n".join(lines) + "\n"


def render_json(m: dict[str, Any], tlp: str | None = None) -> str:
    """The metrics as a stable JSON document (see docs/json-output.md), with ``tlp``."""
    if tlp:
        m = {**m, "tlp": tlp}
    return json_text(json.dumps(m, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"
