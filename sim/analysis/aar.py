"""The after-action report / improvement plan (HSEEP AAR/IP): Markdown, HTML, JSON or text.

The HTML report is one self-contained file (inline CSS and SVG, no scripts, no
external links) that can be e-mailed: each incident's swimlane timeline is a
picture, as are the distributions behind the human-against-model comparisons.

Names, titles and notes come from scenario files and people: every one is escaped
for the format it goes into (:func:`escape`, :func:`md`), and every report carries
the drill's TLP label at the top.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from html import escape as _html_escape
from typing import Any
from zoneinfo import ZoneInfo

from scenarios.durations import clock_minute, format_duration, on_clock
from sim.analysis.metrics import (
    DEFAULT_COORDINATOR,
    UNNAMED_COORDINATOR,
    not_in_drill,
    undelivered,
)
from sim.analysis.report import NO_CERT, NOT_IN_DRILL, drill_tlp, shown_lateness
from sim.analysis.report import render_text as _escalation_text
from sim.analysis.review import (
    PARTS,
    RATINGS,
    Comparison,
    Hop,
    Review,
    human_roles,
    not_in_play,
    shown_due,
    shown_rating,
    shown_status,
)
from sim.safe.text import json_text, one_line, plain

LANE_COLOURS = {
    "notify": "#1f77b4", "broadcast": "#1f77b4", "share": "#1f77b4", "report": "#1f77b4",
    "escalate": "#9467bd", "refer_police": "#d62728", "request_assistance": "#d62728",
    "request_preservation": "#d62728", "refer_central_authority": "#d62728",
    "request_mla": "#d62728", "request_takedown": "#ff7f0e",
}
PART_COLOURS = ["#bbbbbb", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#8c564b"]
#: how a rating no evaluator set is suggested (:func:`sim.analysis.review.suggest_rating`),
#: said under the expectations in every format
SUGGESTED = (
    'A suggested rating, marked "(suggested)", comes from the timing alone: P when met '
    "with at least a quarter of the time allowed still to go, S when met with less, M "
    "when done late, U when not done. An evaluator's rating overrides it."
)


def _t(at: float | None) -> str:
    """A drill moment as the clock's minute, as the console showed it ("—" for none)."""
    return "—" if at is None else clock_minute(at)


def _h(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes / 60:.2f} h"


# --- untrusted text: names, titles, notes come from scenario files and people ---------


def escape(value: Any) -> str:
    """Text for HTML: markup characters escaped, terminal controls shown as escapes."""
    return _html_escape(plain(str(value)), quote=True)


_ENTITY_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_ACTIVE = re.compile(r"[\\`*\[\]|~<>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_LINE_START = re.compile(r"^([#+=-]|\d+(?=[.)]))")


def _md_char(m: re.Match[str]) -> str:
    c = m.group(0)
    return {"<": "&lt;", ">": "&gt;"}.get(c, "\\" + c)


def md(value: Any, inline: bool = True) -> str:
    """Text for Markdown that shows as written: no raw HTML, links, emphasis, code,
    table breaks, headings or list markers. Ordinary words and punctuation are left
    as they are, so the Markdown still reads well.

    ``inline`` (table cells, list items) puts everything on one line.
    """
    text = plain(str(value))
    lines = [" ".join(text.split())] if inline else [ln.strip() for ln in text.splitlines()]
    out = []
    for line in lines:
        line = _MD_ACTIVE.sub(_md_char, _ENTITY_AMP.sub("&amp;", line))
        m = _MD_LINE_START.match(line)
        if m:
            cut = m.end() if m.group(1)[0].isdigit() else 0
            line = line[:cut] + "\\" + line[cut:]
        out.append(line)
    return "\n".join(out)


# --- the content, shared by both formats ---------------------------------------------


def _objectives(review: Review) -> list[dict]:
    """Per objective: its expectations, strengths and areas for improvement, and apart
    from both those not in play (counted from an inject that was skipped: left out of
    the score, as the text report says) and those not yet due when the drill ended
    (still open: neither done nor overdue)."""
    drill = review.scenario.drill
    by_objective: dict[str | None, list[dict]] = {}
    for x in review.metrics["expectations"]:
        by_objective.setdefault(x.get("objective"), []).append(x)
    out = []
    objectives = [(o.id, o.text) for o in drill.objectives]
    if None in by_objective:
        objectives.append((None, "Other expected actions"))
    for oid, text in objectives:
        strengths: list[str] = []
        areas: list[str] = []
        not_in_play: list[str] = []
        not_yet_due: list[str] = []
        for x in by_objective.get(oid, []):
            rating, note, by_evaluator = review.rating(x["id"])
            line = f"{x['id']}: {x['description'] or x['action']}"
            if "skipped" in x:
                line += f" (not in play: inject {x['skipped']} was skipped)"
                if note:
                    line += f". Evaluator: {note}"
                not_in_play.append(line)
                continue
            if x["status"] not in ("met", "late", "missed"):
                # still open at the end: neither done nor yet overdue
                if by_evaluator:
                    line += f" (rated {rating})"
                if note:
                    line += f". Evaluator: {note}"
                not_yet_due.append(line)
                continue
            rated = shown_rating(rating, by_evaluator)
            if x["status"] == "met":
                line += f" (met at {_t(x['at'])}, due {_t(x['deadline_at'])}; rated {rated})"
            elif x["status"] == "late":
                line += f" (done {shown_lateness(x)} late; rated {rated})"
            else:
                line += f" (not done; due {_t(x['deadline_at'])}; rated {rated})"
            if note:
                line += f". Evaluator: {note}"
            (strengths if rating in ("P", "S") else areas).append(line)
        out.append({"id": oid, "text": text, "strengths": strengths, "areas": areas,
                    "not_in_play": not_in_play, "not_yet_due": not_yet_due})
    return out


def _improvements(review: Review) -> list[dict]:
    """The improvement plan, pre-filled from the expectations not met on time."""
    today = date.today()
    rows = []
    for x in review.metrics["expectations"]:
        if x["status"] not in ("missed", "late"):
            continue
        rating, note, _ = review.rating(x["id"])
        owner = ", ".join(review.name(a) for a in x["actors"])
        action = note or (
            f"Review why '{x['description'] or x['action']}' was "
            f"{'late' if x['status'] == 'late' else 'not done'}; check points of contact, "
            "duty cover and procedures for this step"
        )
        rows.append({"expectation": x["id"], "action": action, "owner": owner,
                     "due": (today + timedelta(days=90)).isoformat(), "rating": rating})
    return rows


def note_groups(review: Review) -> list[tuple[str, list[Any]]]:
    """The evaluators' notes by what they are about, each group in order of drill time:
    the expectations (in the scenario's order), then the teams, then the drill in general."""
    sc = review.scenario
    described = {x.id: x.description or x.action for x in sc.expectation_units()}
    groups: dict[tuple[int, int, str], list[Any]] = {}
    order = {x.id: i for i, x in enumerate(sc.expectation_units())}
    teams = {a: i for i, a in enumerate(sc.actors)}
    for n in review.notes:
        if n.expectation:
            key = (0, order.get(n.expectation, len(order)), n.expectation)
        elif n.team:
            key = (1, teams.get(n.team, len(teams)), n.team)
        else:
            key = (2, 0, "")
        groups.setdefault(key, []).append(n)
    out = []
    for (kind, _, about), notes in sorted(groups.items()):
        if kind == 0:
            title = f"Expectation {about}" + (f": {described[about]}" if about in described else "")
        elif kind == 1:
            title = f"Team {review.name(about)}"
        else:
            title = "The drill in general"
        notes.sort(key=lambda n: (n.drill_time is None, n.drill_time or 0.0, n.id))
        out.append((title, notes))
    return out


def note_when(review: Review, note: Any) -> str:
    """'T+01:20 (wall clock 19 Aug 10:42 Asia/Singapore)': drill time, and the wall-clock
    time the note was taken in the drill's clock zone, named (so that the report reads
    the same wherever it is written, and nobody takes it for their own zone's time)."""
    drill = _t(note.drill_time)
    if note.wall is None:
        return drill
    zone = review.scenario.drill.clock_timezone
    try:
        wall = datetime.fromtimestamp(note.wall, ZoneInfo(zone))
    except (OverflowError, OSError, ValueError):
        return drill
    return f"{drill} (wall clock {wall:%d %b %H:%M} {zone})"


def _participants(review: Review) -> list[str]:
    """Every actor involved in an incident, in order of first involvement, then every
    other role a person played (in the scenario's order): a person took part even in a
    role no incident ever reached."""
    human = set(human_roles(review.events))
    involved = _involved(review)
    order = {a: i for i, a in enumerate(review.scenario.actors)}
    others = sorted(human - set(involved), key=lambda a: (order.get(a, len(order)), a))
    return [f"{review.name(a)} ({a})" + (", played by a person" if a in human else "")
            for a in involved + others]


def _involved(review: Review) -> list[str]:
    seen: list[str] = []
    for inc in review.metrics["incidents"]:
        for a in review.lanes(inc["id"]):
            if a not in seen:
                seen.append(a)
    return seen


#: the two counts of "every affected CERT reached", each labelled by what it counts
BY_PEERS = "Every affected CERT reached by other teams"
BY_ANYONE = "Every affected CERT reached, counting control's injects"


def _reach_rows(inc: dict) -> list[tuple[str, dict | None]]:
    """"Every affected CERT reached" as the run report gives it: the figure the scenario
    asks for (``drill.control_counts_as_reach``) first, the other after it, each
    labelled by what it counts; none when there is no affected CERT in the drill
    (:func:`_no_cert`)."""
    if _no_cert(inc):
        return []
    peers = inc["all_affected_certs_reached_by_peers"]
    anyone = inc["all_affected_certs_reached_incl_control"]
    if inc.get("all_affected_certs_reached", peers).get("counts") == "control or peers":
        return [(BY_ANYONE, anyone), (BY_PEERS + " only", peers)]
    return [(BY_PEERS, peers), (BY_ANYONE, anyone)]


def _no_cert(inc: dict) -> bool:
    """Whether no affected country of the incident has a CERT in the drill: there is
    nobody to reach (the run report says so too)."""
    peers = inc["all_affected_certs_reached_by_peers"]
    return not inc.get("all_affected_certs_reached", peers).get("of")


def _coordinator(inc: dict) -> str:
    """What the incident's row calls the regional coordinator: its name as the run
    report gives it, "Regional coordinator" at the start of a row when no name can
    be told (:data:`~sim.analysis.metrics.UNNAMED_COORDINATOR`)."""
    called = str(inc.get("regional_coordinator", DEFAULT_COORDINATOR))
    return called.capitalize() if called == UNNAMED_COORDINATOR else called


def _timing_rows(inc: dict) -> list[tuple[str, str, str]]:
    """The incident's milestones as (step, drill time, after opening), as the run report
    gives them: one the drill cannot have says why in place of its time."""
    rows = [("Opened", _t(inc["opened_at"]), "")]
    steps: list[tuple[str, dict | None]] = [("First acknowledgement", inc["first_acknowledgement"])]
    steps += _reach_rows(inc)
    steps += [(f"{_coordinator(inc)} reached", inc["ansac_reached"]),
              ("Contained", inc["contained"])]
    for label, t in steps:
        if not_in_drill(t):  # no regional council in the drill
            rows.append((label, NOT_IN_DRILL, "—"))
            continue
        rows.append((label, _t(t and t.get("at")), _h(t and t.get("after"))))
    if _no_cert(inc):
        rows.insert(2, ("Every affected CERT reached", NO_CERT, "—"))
    for hop in inc["law_enforcement"]["hops"]:
        if not_in_drill(hop):
            continue
        rows.append((f"Law enforcement: {hop['hop']}", undelivered(hop) or _t(hop["at"]), _h(hop["after"])))
    return rows


#: the column after the parts: what became of each attempt before the one the split
#: follows (the one acknowledged first, else the first to arrive)
EARLIER = "Earlier attempts"
#: said before the list of an incident's messages that never arrived
NOT_DELIVERED = "Messages that never arrived (not ranked above: they have no duration):"


def _slowest_hops(review: Review, incident: str) -> list[Hop]:
    """The incident's ten slowest hops, of those whose message arrived."""
    return sorted((h for h in review.hops if h.incident == incident),
                  key=lambda h: -h.duration)[:10]


def _earlier(hop: Hop) -> str:
    """What became of the attempts before the one the split follows ("—": there were
    none)."""
    return ", ".join(hop.failed) or "—"


def _not_delivered(review: Review, incident: str) -> list[str]:
    """The incident's messages that never arrived, with what became of each, in the
    order they were first sent."""
    return [f"{review.name(h.sender)} -> {review.name(h.recipient)} ({h.verb}): {h.describe()}"
            for h in sorted((h for h in review.undelivered if h.incident == incident),
                            key=lambda h: (h.first_sent_at, h.dispatch))]


# --- Markdown -------------------------------------------------------------------------


def render_markdown(review: Review) -> str:
    sc = review.scenario
    m = review.metrics
    tlp = drill_tlp(sc, review.events)
    out = [f"**TLP:{tlp}**", "", f"# After-action report: {md(sc.drill.title)}", ""]
    out += ["## Overview", "",
            f"- **Scenario:** {md(sc.drill.id)}, {md(sc.drill.title)}",
            f"- **Drill clock:** {on_clock(sc.drill.start, sc.drill.clock_timezone)} "
            f"({md(sc.drill.clock_timezone)}), "
            f"{format_duration(sc.drill.duration)}",
            f"- **Run:** seed {m['seed']}"
            + (f", recorded {md(review.meta['created'])}" if review.meta.get("created") else ""),
            f"- **Score:** {m['score']['earned']:g} of {m['score']['possible']:g} "
            f"({m['score']['met']} of {m['score']['of']} expectations met)", ""]
    if sc.drill.description:
        out += [md(sc.drill.description, inline=False), ""]
    out += ["### Objectives", ""] + [f"- **{md(o.id)}** {md(o.text)}"
                                     for o in sc.drill.objectives] + [""]
    out += ["### Participants", ""] + [f"- {md(p)}" for p in _participants(review)] + [""]
    out += ["## Analysis of objectives", ""]
    for obj in _objectives(review):
        title = (obj["id"] + ": " if obj["id"] else "") + obj["text"]
        out += [f"### {md(title)}", "", "**Strengths**", ""]
        out += [f"- {md(s)}" for s in obj["strengths"]] or ["- none recorded"]
        out += ["", "**Areas for improvement**", ""]
        out += [f"- {md(a)}" for a in obj["areas"]] or ["- none recorded"]
        if obj["not_in_play"]:
            out += ["", "**Not in play**", ""]
            out += [f"- {md(x)}" for x in obj["not_in_play"]]
        if obj["not_yet_due"]:
            out += ["", "**Not yet due when the drill ended**", ""]
            out += [f"- {md(x)}" for x in obj["not_yet_due"]]
        out.append("")
    out += ["## Expectations", "", "| Id | Status | Due | Done | Rating | Note |",
            "|---|---|---|---|---|---|"]
    for x in m["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        out.append(f"| {md(x['id'])} | {md(shown_status(x))} | {md(shown_due(x, '—'))} | "
                   f"{_t(x['at'])} | {md(shown_rating(rating, by_evaluator))} | {md(note)} |")
    out += ["", "Ratings: " + "; ".join(f"{k}: {v}" for k, v in RATINGS.items()), "",
            SUGGESTED, ""]
    tasks = review.task_answers()
    if tasks:
        out += ["## Player tasks", "", "| Task | Team | Asked | Answer | Answer key |",
                "|---|---|---|---|---|"]
        out += [f"| {md(t['task'])}: {md(t['question'])} | {md(review.name(t['actor']))} | "
                f"{_t(t['asked_at'])} | {md(t['answer']) or 'no answer'} | "
                f"{md(t['answer_key'])} |" for t in tasks]
        out.append("")
    out += ["## Timing", ""]
    for inc in m["incidents"]:
        out += [f"### Incident {md(inc['id'])}: {md(inc['title'])}", "",
                "| Step | Drill time | After opening |", "|---|---|---|"]
        out += [f"| {md(a)} | {b} | {c} |" for a, b, c in _timing_rows(inc)]
        out += ["", "Where the time went, slowest hops first:", "",
                "| Hop | Duration | " + " | ".join(p.capitalize() for p in PARTS)
                + f" | {EARLIER} |",
                "|---|---|" + "---|" * (len(PARTS) + 1)]
        for h in _slowest_hops(review, inc["id"]):
            out.append(f"| {md(review.name(h.sender))} -> {md(review.name(h.recipient))} "
                       f"({md(h.verb)}) | {_h(h.duration)} | "
                       + " | ".join(_h(h.parts[p]) for p in PARTS) + f" | {md(_earlier(h))} |")
        lost = _not_delivered(review, inc["id"])
        if lost:
            out += ["", NOT_DELIVERED, ""] + [f"- {md(line)}" for line in lost]
        out.append("")
    if review.comparisons:
        out += ["## Human play against the model", ""]
        out += [f"- {md(c.sentence(review.name(c.actor)))} (incident {md(c.incident)}"
                + (f"; {_h(c.human)})" if c.human is not None else ")")
                for c in review.comparisons]
        out.append("")
    if review.notes:
        out += ["## Evaluator notes", ""]
        for title, notes in note_groups(review):
            out += [f"### {md(title)}", ""]
            out += [f"- {md(note_when(review, n))}, {md(n.who or 'evaluator')}: {md(n.text)}"
                    for n in notes]
            out.append("")
    out += ["## Improvement plan", "", "| Expectation | Corrective action | Owner | Due date |",
            "|---|---|---|---|"]
    out += [f"| {md(r['expectation'])} | {md(r['action'])} | {md(r['owner'])} | {r['due']} |"
            for r in _improvements(review)] or ["| — | No expectation was missed. | | |"]
    out.append("")
    return "\n".join(out)


# --- HTML -----------------------------------------------------------------------------


#: The room, in pixels, left between the edge of a timeline picture and any label in it.
LABEL_MARGIN = 4

#: Widths of characters in ems, for estimating how wide an SVG label is drawn: at least
#: those of DejaVu Sans, the usual sans-serif on Linux, which is wider than Arial or
#: Helvetica. Any other character counts as 0.64, and one past ASCII as a full em.
_EMS = {**dict.fromkeys("'ijlIJ,. /:;\\|", 0.34), **dict.fromkeys("f-()[]t!r\"", 0.46),
        **dict.fromkeys("ABCDGHKNOQRUVXZ&w", 0.8), **dict.fromkeys("#+<=>^~M", 0.87),
        **dict.fromkeys("mW%@", 1.0)}


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` pixels in a sans-serif font, in
    pixels; never less than a usual font draws it."""
    return size * sum(_EMS.get(ch, 0.64 if ch.isascii() else 1.0) for ch in text)


Box = tuple[float, float, float, float]
#: A white outline under a label drawn on the lines of a timeline, so it reads over them.
HALO = ' stroke="white" stroke-width="2.5" paint-order="stroke"'


class Labels:
    """Where the labels of one picture go: each inside the picture (one that would cross
    an edge is moved in to end :data:`LABEL_MARGIN` from it), and none over another nor
    closer to it than ``gap`` pixels. A label with no free place is left out (the HTML
    report's picture still gives it in a tooltip)."""

    def __init__(self, width: float, height: float | None = None,
                 margin: float = LABEL_MARGIN, gap: float = 1.5) -> None:
        self.width, self.height, self.margin, self.gap = width, height, margin, gap
        self.taken: list[Box] = []

    def take(self, box: Box) -> None:
        """Keep ``box`` (left, top, right, bottom) free of labels: a label drawn there."""
        self.taken.append(box)

    def place(self, spots: Iterable[tuple[float, float]], w: float,
              h: float) -> tuple[float, float] | None:
        """The top left of a label ``w`` by ``h`` pixels at the first of ``spots`` (top
        lefts, best first) where, moved in from the picture's edges, it overlaps no
        label placed before; None where there is no such spot."""
        for left, top in spots:
            left = max(self.margin, min(left, self.width - self.margin - w))
            if self.height is not None:
                top = max(self.margin, min(top, self.height - self.margin - h))
            box = (left, top, left + w, top + h)
            if not any(_overlap(box, other, self.gap) for other in self.taken):
                self.taken.append(box)
                return left, top
        return None


def _overlap(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether boxes ``a`` and ``b`` overlap, or come closer than ``gap``."""
    return (a[0] < b[2] + gap and b[0] < a[2] + gap
            and a[1] < b[3] + gap and b[1] < a[3] + gap)


def along(x0: float, y0: float, x1: float, y1: float, w: float, h: float,
          rise: float) -> list[tuple[float, float]]:
    """Where a label ``w`` by ``h`` pixels may go for the line from (x0, y0) to (x1, y1),
    as top lefts, best first: centred above its middle, its bottom ``rise`` pixels above
    the line, then further along the line either way, then a line of text above and
    below its middle."""
    spots = []
    for f in (0.5, 0.35, 0.65, 0.2, 0.8):
        px, py = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
        spots.append((px - w / 2, py - rise - h))
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    spots += [(mx - w / 2, my - rise - 2 * h - 2), (mx - w / 2, my + rise + 2)]
    return spots


def swimlane_svg(review: Review, incident: str, width: int = 960) -> str:
    """The incident's swimlane timeline: actors are lanes, messages are arrows (one that
    never arrived is a dashed line that stops halfway to its recipient). Labels stay
    inside the picture and off one another (:class:`Labels`); a hop's duration left out
    for want of room is in its arrow's tooltip."""
    lanes = review.lanes(incident)
    lane_h, left, top = 28, 190, 30
    events = [e for e in review.events if e.incident == incident]
    if not events or not lanes:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>"
    due = [(x["id"], x["deadline_at"]) for x in review.metrics["expectations"]
           if x["incident"] == incident and x["deadline_at"] is not None]
    deadlines = [d for _, d in due]
    t0 = min(e.time for e in events)
    t1 = max([e.time for e in events] + deadlines + [t0 + 60])
    height = top + lane_h * len(lanes) + 30
    labels = Labels(width, height)

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (width - left - 20)

    def y(actor: str) -> float:
        return top + lane_h * lanes.index(actor) + lane_h / 2

    texts: list[str] = []  # drawn last, over the lines

    def label(spots: list[tuple[float, float]], content: str, size: float,
              attrs: str = "") -> None:
        """Write ``content`` at the first free spot (top lefts); at none, leave it out."""
        w, h = text_width(content, size), size * 1.05
        at = labels.place(spots, w, h)
        if at is not None:
            font = "" if size == 11 else f' font-size="{size:g}"'
            texts.append(f'<text x="{at[0]:.1f}" y="{at[1] + size * 0.8:.1f}"{attrs}{font}>'
                         f"{escape(content)}</text>")

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
           'fill="#444"/></marker></defs>', f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, a in enumerate(lanes):
        yy = top + lane_h * i
        fill = "#f4f6f8" if i % 2 == 0 else "#ffffff"
        name = review.name(a)[:28]
        base = yy + lane_h / 2 + 4
        labels.take((6, base - 11 * 0.8, 6 + text_width(name, 11), base + 11 * 0.25))
        out.append(f'<rect x="0" y="{yy}" width="{width}" height="{lane_h}" fill="{fill}"/>')
        out.append(f'<text x="6" y="{base}">{escape(name)}</text>')
    steps = 8
    for k in range(steps + 1):
        t = t0 + (t1 - t0) * k / steps
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{height - 30}" '
                   'stroke="#e0e0e0"/>')
        mark = clock_minute(t)
        label([(x(t) - text_width(mark, 11) / 2, height - 12 - 11 * 0.8)], mark, 11)
    for eid, d in due:
        out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{top - 8}" y2="{height - 30}" '
                   f'stroke="#d62728" stroke-dasharray="4 3"><title>{escape(eid)} due '
                   f'{clock_minute(d)}</title></line>')
        w = text_width("deadline", 11)
        # to the right of its line, else to the left; one over another is left out
        label([(x(d) + 2, top - 10 - 11 * 0.8), (x(d) - 2 - w, top - 10 - 11 * 0.8)],
              "deadline", 11, ' fill="#d62728"')
    for nd in review.undelivered:
        if nd.incident != incident or nd.sender not in lanes or nd.recipient not in lanes:
            continue
        # a message that never arrived: a dashed line that stops halfway to the recipient
        colour = LANE_COLOURS.get(nd.verb, "#444")
        gone = min(t1, nd.outcome_at if nd.outcome_at is not None else t1)
        x0, y0 = x(nd.first_sent_at), y(nd.sender)
        x1, y1 = x(gone), (y(nd.sender) + y(nd.recipient)) / 2
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="3 3">'
                   f'<title>{escape(nd.verb)} {escape(review.name(nd.sender))} to '
                   f'{escape(review.name(nd.recipient))}: not delivered, '
                   f'{escape(nd.describe())}</title></line>')
        label(along(x0, y0, x1, y1, text_width(nd.outcome, 9), 9 * 1.05, 3 - 9 * 0.25),
              nd.outcome, 9, f' fill="{colour}"{HALO}')
    for h in review.hops:
        if h.incident != incident or h.sender not in lanes or h.recipient not in lanes:
            continue
        colour = LANE_COLOURS.get(h.verb, "#444")
        end = h.delivered_at if h.delivered_at is not None else h.end_at
        x0, y0, x1, y1 = x(h.first_sent_at), y(h.sender), x(end), y(h.recipient)
        took = format_duration(h.duration)
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'stroke="{colour}" stroke-width="1.5" marker-end="url(#arrow)"><title>'
                   f'{escape(h.verb)} {escape(review.name(h.sender))} to '
                   f'{escape(review.name(h.recipient))}: {took}</title></line>')
        label(along(x0, y0, x1, y1, text_width(took, 9), 9 * 1.05, 3 - 9 * 0.25),
              took, 9, f' fill="{colour}"{HALO}')
    for e in events:
        if e.type == "inject_delivered" and e.actor in lanes:
            out.append(f'<rect x="{x(e.time) - 4:.1f}" y="{y(e.actor) - 4:.1f}" width="8" '
                       f'height="8" fill="#2ca02c"><title>inject {escape(e.details.get("inject", ""))}'
                       '</title></rect>')
        elif e.type == "acknowledged" and e.actor in lanes:
            out.append(f'<circle cx="{x(e.time):.1f}" cy="{y(e.actor):.1f}" r="2.5" fill="#222"/>')
        elif e.type == "message_lost" and e.actor in lanes:
            cx, cy = x(e.time), y(e.actor)
            out.append(f'<path d="M {cx - 4:.1f} {cy - 4:.1f} L {cx + 4:.1f} {cy + 4:.1f} '
                       f'M {cx - 4:.1f} {cy + 4:.1f} L {cx + 4:.1f} {cy - 4:.1f}" stroke="#d62728" '
                       f'stroke-width="2"><title>lost: {escape(e.details.get("reason", ""))}</title></path>')
    out += texts
    out.append("</svg>")
    return "\n".join(out)


def distribution_svg(c: Comparison, width: int = 320, height: int = 90) -> str:
    """A small histogram of the simulated times with the human's time marked."""
    values = c.simulated
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    lo = min([*values, c.human])
    hi = max([*values, c.human])
    if hi == lo:
        hi = lo + 1
    bins = 24
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    top = max(counts) or 1
    bw = (width - 20) / bins
    for i, n in enumerate(counts):
        bh = (height - 30) * n / top
        out.append(f'<rect x="{10 + i * bw:.1f}" y="{height - 20 - bh:.1f}" width="{bw - 1:.1f}" '
                   f'height="{bh:.1f}" fill="#9ecae1"/>')
    hx = 10 + (c.human - lo) / (hi - lo) * (width - 20)
    out.append(f'<line x1="{hx:.1f}" x2="{hx:.1f}" y1="8" y2="{height - 20}" stroke="#d62728" '
               'stroke-width="2"/>')
    out.append(f'<text x="10" y="{height - 6}">{lo / 60:.1f} h</text>')
    out.append(f'<text x="{width - 10}" y="{height - 6}" text-anchor="end">{hi / 60:.1f} h</text>')
    out.append("</svg>")
    return "\n".join(out)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; font-size: 13px; }
th { background: #eef1f4; }
.bar { display: inline-block; height: 10px; }
.met { color: #2a7a2a; } .missed, .late { color: #b02020; }
.tlp { display: inline-block; background: #000; font: bold 15px monospace; padding: 2px 8px; }
.tlp-red { color: #ff2b2b; } .tlp-amber, .tlp-amber-strict { color: #ffc000; }
.tlp-green { color: #33ff00; } .tlp-clear { color: #fff; }
"""


def render_html(review: Review) -> str:
    sc = review.scenario
    m = review.metrics
    e = escape
    tlp = drill_tlp(sc, review.events)
    banner = (f"<p class='tlp tlp-{e(tlp.lower().replace('+', '-'))}'>TLP:{e(tlp)}</p>")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>After-action report: {e(sc.drill.title)} (TLP:{e(tlp)})</title>",
           f"<style>{CSS}</style></head><body>", banner,
           f"<h1>After-action report: {e(sc.drill.title)}</h1>", "<h2>Overview</h2><ul>",
           f"<li><b>Scenario:</b> {e(sc.drill.id)}</li>",
           f"<li><b>Drill clock:</b> {e(on_clock(sc.drill.start, sc.drill.clock_timezone))} "
           f"({e(sc.drill.clock_timezone)}), "
           f"{e(format_duration(sc.drill.duration))}</li>",
           f"<li><b>Run:</b> seed {e(m['seed'])}"
           + (f", recorded {e(review.meta['created'])}" if review.meta.get("created") else "")
           + "</li>",
           f"<li><b>Score:</b> {m['score']['earned']:g} of {m['score']['possible']:g} "
           f"({m['score']['met']} of {m['score']['of']} expectations met)</li></ul>"]
    if sc.drill.description:
        out.append(f"<p>{e(sc.drill.description)}</p>")
    out.append("<h3>Objectives</h3><ul>"
               + "".join(f"<li><b>{e(o.id)}</b> {e(o.text)}</li>" for o in sc.drill.objectives)
               + "</ul>")
    out.append("<h3>Participants</h3><ul>" + "".join(f"<li>{e(p)}</li>" for p in _participants(review))
               + "</ul>")
    out.append("<h2>Analysis of objectives</h2>")
    for obj in _objectives(review):
        out.append(f"<h3>{e((obj['id'] + ': ') if obj['id'] else '')}{e(obj['text'])}</h3>")
        out.append("<p><b>Strengths</b></p><ul>"
                   + ("".join(f"<li>{e(s)}</li>" for s in obj["strengths"]) or "<li>none recorded</li>")
                   + "</ul><p><b>Areas for improvement</b></p><ul>"
                   + ("".join(f"<li>{e(a)}</li>" for a in obj["areas"]) or "<li>none recorded</li>")
                   + "</ul>"
                   + ("<p><b>Not in play</b></p><ul>"
                      + "".join(f"<li>{e(x)}</li>" for x in obj["not_in_play"]) + "</ul>"
                      if obj["not_in_play"] else "")
                   + ("<p><b>Not yet due when the drill ended</b></p><ul>"
                      + "".join(f"<li>{e(x)}</li>" for x in obj["not_yet_due"]) + "</ul>"
                      if obj["not_yet_due"] else ""))
    out.append("<h2>Expectations</h2><table><tr><th>Id</th><th>Status</th><th>Due</th>"
               "<th>Done</th><th>Rating</th><th>Note</th></tr>")
    for x in m["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        out.append(f"<tr><td>{e(x['id'])}</td><td class='{e(x['status'])}'>{e(shown_status(x))}"
                   f"</td><td>{e(shown_due(x, '—'))}</td><td>{e(_t(x['at']))}</td>"
                   f"<td>{e(shown_rating(rating, by_evaluator))}</td><td>{e(note)}</td></tr>")
    out.append("</table>")
    out.append("<p>Ratings: " + e("; ".join(f"{k}: {v}" for k, v in RATINGS.items()))
               + f"</p><p>{e(SUGGESTED)}</p>")
    tasks = review.task_answers()
    if tasks:
        out.append("<h2>Player tasks</h2><table><tr><th>Task</th><th>Team</th><th>Asked</th>"
                   "<th>Answer</th><th>Answer key</th></tr>")
        out += [f"<tr><td>{e(t['task'])}: {e(t['question'])}</td>"
                f"<td>{e(review.name(t['actor']))}</td><td>{e(_t(t['asked_at']))}</td>"
                f"<td>{e(t['answer']) or 'no answer'}</td><td>{e(t['answer_key'])}</td></tr>"
                for t in tasks]
        out.append("</table>")
    out.append("<h2>Timing</h2>")
    for inc in m["incidents"]:
        out.append(f"<h3>Incident {e(inc['id'])}: {e(inc['title'])}</h3>")
        out.append(f"<figure>{swimlane_svg(review, inc['id'])}<figcaption>Swimlane timeline: "
                   "arrows are messages (labelled with the hop's duration where there is "
                   "room; point at an arrow to see it), dashed lines that "
                   "stop halfway messages that never arrived, squares injects, dots "
                   "acknowledgements, crosses lost messages, dashed red lines deadlines."
                   "</figcaption></figure>")
        out.append("<table><tr><th>Step</th><th>Drill time</th><th>After opening</th></tr>"
                   + "".join(f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{e(c)}</td></tr>"
                             for a, b, c in _timing_rows(inc)) + "</table>")
        out.append("<p>Where the time went, slowest hops first:</p><table><tr><th>Hop</th>"
                   "<th>Duration</th><th>Split</th>"
                   + "".join(f"<th>{e(p)}</th>" for p in PARTS) + f"<th>{e(EARLIER)}</th></tr>")
        for h in _slowest_hops(review, inc["id"]):
            bar = "".join(
                f"<span class='bar' style='width:{120 * h.parts[p] / h.duration:.1f}px;"
                f"background:{PART_COLOURS[i]}' title='{e(p)}'></span>"
                for i, p in enumerate(PARTS) if h.duration > 0 and h.parts[p] > 0)
            out.append(f"<tr><td>{e(review.name(h.sender))} &rarr; {e(review.name(h.recipient))} "
                       f"({e(h.verb)})</td><td>{_h(h.duration)}</td><td>{bar}</td>"
                       + "".join(f"<td>{_h(h.parts[p])}</td>" for p in PARTS)
                       + f"<td>{e(_earlier(h))}</td></tr>")
        out.append("</table>")
        lost = _not_delivered(review, inc["id"])
        if lost:
            out.append(f"<p>{e(NOT_DELIVERED)}</p><ul>"
                       + "".join(f"<li>{e(line)}</li>" for line in lost) + "</ul>")
    if review.comparisons:
        out.append("<h2>Human play against the model</h2>")
        for c in review.comparisons:
            took = f"; {_h(c.human)}" if c.human is not None else ""
            out.append(f"<p>{e(c.sentence(review.name(c.actor)))} (incident {e(c.incident)}"
                       f"{took})</p>")
            if c.simulated and c.human is not None:
                out.append(distribution_svg(c))
    if review.notes:
        out.append("<h2>Evaluator notes</h2>")
        for title, notes in note_groups(review):
            out.append(f"<h3>{e(title)}</h3><ul>" + "".join(
                f"<li>{e(note_when(review, n))}, {e(n.who or 'evaluator')}: "
                f"{e(n.text).replace(chr(10), '<br>')}</li>" for n in notes) + "</ul>")
    out.append("<h2>Improvement plan</h2><table><tr><th>Expectation</th><th>Corrective action</th>"
               "<th>Owner</th><th>Due date</th></tr>")
    rows = _improvements(review)
    out += [f"<tr><td>{e(r['expectation'])}</td><td>{e(r['action'])}</td><td>{e(r['owner'])}</td>"
            f"<td>{e(r['due'])}</td></tr>" for r in rows] or [
        "<tr><td colspan='4'>No expectation was missed.</td></tr>"]
    out.append("</table>" + banner + "</body></html>")
    return "\n".join(out) + "\n"


# --- JSON and plain text ----------------------------------------------------------------


def render_json(review: Review) -> str:
    """The report as one JSON document: the run's metrics, the ratings and the plan."""
    sc = review.scenario
    expectations = []
    for x in review.metrics["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        expectations.append({"id": x["id"], "status": x["status"], "rating": rating,
                             "note": note, "rated_by_evaluator": by_evaluator})
    doc = {
        "format": "acid-drill-aar",
        "version": 1,
        "tlp": drill_tlp(sc, review.events),
        "scenario": {"id": sc.drill.id, "title": sc.drill.title},
        "recorded": review.meta.get("created"),
        "ratings": expectations,
        "improvement_plan": _improvements(review),
        "notes": [
            {"about": title, "expectation": n.expectation or None, "team": n.team or None,
             "drill_time": n.drill_time, "wall": n.wall, "who": n.who, "text": n.text}
            for title, notes in note_groups(review) for n in notes
        ],
        "comparisons": [
            {"actor": c.actor, "incident": c.incident, "metric": c.metric, "human": c.human,
             "runs": c.runs, "runs_reached": c.received,
             "model_did_it": c.model_did_it if c.compared else None,
             "faster_than": c.shown_faster_than, "until": c.until, "reached": c.reached}
            for c in review.comparisons
        ],
        "metrics": review.metrics,
    }
    tasks = review.task_answers()
    if tasks:
        doc["tasks"] = tasks
    return json_text(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def render_text(review: Review) -> str:
    """The report as plain text: the escalation report, the ratings, the messages that
    never arrived, human play against the model, the notes and the plan."""
    tlp = drill_tlp(review.scenario, review.events)
    names = {a: one_line(review.name(a)) for a in review.scenario.actors}
    out = [_escalation_text(review.metrics, names, tlp=tlp).rstrip("\n"), "", "Ratings"]
    for x in review.metrics["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        out.append(f"  {one_line(x['id'])}: {one_line(shown_rating(rating, by_evaluator)) or '-'}"
                   + "".join(f"; {one_line(said)}" for said in (not_in_play(x), note) if said))
    tasks = review.task_answers()
    if tasks:
        out += ["", "Player tasks"]
        for t in tasks:
            out.append(f"  {one_line(t['task'])} ({one_line(review.name(t['actor']))}): "
                       f"{one_line(t['question'])}")
            out.append(f"    answer: {one_line(t['answer']) or 'no answer'}; answer key: "
                       f"{one_line(t['answer_key']) or '-'}")
    lost = [(inc["id"], _not_delivered(review, inc["id"])) for inc in review.metrics["incidents"]]
    if any(lines for _, lines in lost):
        out += ["", "Messages that never arrived (not among the slowest hops: they have no "
                "duration)"]
        for incident, lines in lost:
            if lines:
                out.append(f"  Incident {one_line(incident)}")
                out += [f"    {one_line(line)}" for line in lines]
    if review.comparisons:
        out += ["", "Human play against the model"]
        out += [f"  {one_line(c.sentence(review.name(c.actor)))} (incident {one_line(c.incident)}"
                + (f"; {_h(c.human)})" if c.human is not None else ")")
                for c in review.comparisons]
    if review.notes:
        out += ["", "Evaluator notes"]
        for title, notes in note_groups(review):
            out.append(f"  {one_line(title)}")
            out += [f"    {one_line(note_when(review, n))}, {one_line(n.who or 'evaluator')}: "
                    f"{one_line(n.text)}" for n in notes]
    out += ["", "Improvement plan"]
    plan = _improvements(review)
    out += [f"  {one_line(r['expectation'])} (owner {one_line(r['owner'])}, due {r['due']}): "
            f"{one_line(r['action'])}" for r in plan] or ["  no expectation was missed"]
    return "\n".join(out) + "\n"
