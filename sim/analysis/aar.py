"""The after-action report / improvement plan (HSEEP AAR/IP), in Markdown or HTML.

The HTML report is one self-contained file (inline CSS and SVG, no scripts, no
external links) that can be e-mailed: each incident's swimlane timeline is a
picture, as are the distributions behind the human-against-model comparisons.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from scenarios.durations import format_drill_time, format_duration
from sim.analysis.review import PARTS, RATINGS, Comparison, Review

LANE_COLOURS = {
    "notify": "#1f77b4", "broadcast": "#1f77b4", "share": "#1f77b4", "report": "#1f77b4",
    "escalate": "#9467bd", "refer_police": "#d62728", "request_assistance": "#d62728",
    "request_preservation": "#d62728", "request_mla": "#d62728", "request_takedown": "#ff7f0e",
}
PART_COLOURS = ["#bbbbbb", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]


def _t(at: float | None) -> str:
    return "—" if at is None else format_drill_time(at)


def _h(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes / 60:.2f} h"


# --- the content, shared by both formats ---------------------------------------------


def _objectives(review: Review) -> list[dict]:
    """Per objective: its expectations, strengths and areas for improvement."""
    drill = review.scenario.drill
    by_objective: dict[str | None, list[dict]] = {}
    for x in review.metrics["expectations"]:
        by_objective.setdefault(x.get("objective"), []).append(x)
    out = []
    objectives = [(o.id, o.text) for o in drill.objectives]
    if None in by_objective:
        objectives.append((None, "Other expected actions"))
    for oid, text in objectives:
        strengths, areas = [], []
        for x in by_objective.get(oid, []):
            rating, note, _ = review.rating(x["id"])
            line = f"{x['id']}: {x['description'] or x['action']}"
            if x["status"] == "met":
                line += f" (met at {_t(x['at'])}, due {_t(x['deadline_at'])}; rated {rating})"
            elif x["status"] == "late":
                line += f" (done {format_duration(x['lateness'])} late; rated {rating})"
            elif x["status"] == "missed":
                line += f" (not done; due {_t(x['deadline_at'])}; rated {rating})"
            else:
                line += " (not yet due when the drill ended)"
            if note:
                line += f". Evaluator: {note}"
            (strengths if rating in ("P", "S") else areas).append(line)
        out.append({"id": oid, "text": text, "strengths": strengths, "areas": areas})
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


def _participants(review: Review) -> list[str]:
    human = set(review.meta.get("human", []))
    for e in review.events:
        if e.type == "role_changed" and e.details.get("played_by") == "human":
            human.add(e.actor)
    return [f"{review.name(a)} ({a})" + (", played by a person" if a in human else "")
            for a in _involved(review)]


def _involved(review: Review) -> list[str]:
    seen: list[str] = []
    for inc in review.metrics["incidents"]:
        for a in review.lanes(inc["id"]):
            if a not in seen:
                seen.append(a)
    return seen


def _timing_rows(inc: dict) -> list[tuple[str, str, str]]:
    rows = [("Opened", _t(inc["opened_at"]), "")]
    for label, key in (("First acknowledgement", "first_acknowledgement"),
                       ("Every affected CERT reached", "all_affected_certs_reached"),
                       ("ANSAC reached", "ansac_reached"), ("Contained", "contained")):
        t = inc[key]
        rows.append((label, _t(t and t.get("at")), _h(t and t.get("after"))))
    for hop in inc["law_enforcement"]["hops"]:
        rows.append((f"Law enforcement: {hop['hop']}", _t(hop["at"]), _h(hop["after"])))
    return rows


# --- Markdown -------------------------------------------------------------------------


def render_markdown(review: Review) -> str:
    sc = review.scenario
    m = review.metrics
    out = [f"# After-action report: {sc.drill.title}", ""]
    out += ["## Overview", "",
            f"- **Scenario:** {sc.drill.id}, {sc.drill.title}",
            f"- **Drill clock:** {sc.drill.start.isoformat()} ({sc.drill.clock_timezone}), "
            f"{format_duration(sc.drill.duration)}",
            f"- **Run:** seed {m['seed']}"
            + (f", recorded {review.meta['created']}" if review.meta.get("created") else ""),
            f"- **Score:** {m['score']['earned']:g} of {m['score']['possible']:g} "
            f"({m['score']['met']} of {m['score']['of']} expectations met)", ""]
    if sc.drill.description:
        out += [sc.drill.description, ""]
    out += ["### Objectives", ""] + [f"- **{o.id}** {o.text}" for o in sc.drill.objectives] + [""]
    out += ["### Participants", ""] + [f"- {p}" for p in _participants(review)] + [""]
    out += ["## Analysis of objectives", ""]
    for obj in _objectives(review):
        out += [f"### {obj['id'] + ': ' if obj['id'] else ''}{obj['text']}", "", "**Strengths**", ""]
        out += [f"- {s}" for s in obj["strengths"]] or ["- none recorded"]
        out += ["", "**Areas for improvement**", ""]
        out += [f"- {a}" for a in obj["areas"]] or ["- none recorded"]
        out.append("")
    out += ["## Expectations", "", "| Id | Status | Due | Done | Rating | Note |",
            "|---|---|---|---|---|---|"]
    for x in m["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        out.append(f"| {x['id']} | {x['status']} | {_t(x['deadline_at'])} | {_t(x['at'])} | "
                   f"{rating}{'' if by_evaluator else ' (suggested)'} | {note} |")
    out += ["", "Ratings: " + "; ".join(f"{k}: {v}" for k, v in RATINGS.items()), ""]
    out += ["## Timing", ""]
    for inc in m["incidents"]:
        out += [f"### Incident {inc['id']}: {inc['title']}", "", "| Step | Drill time | After opening |",
                "|---|---|---|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in _timing_rows(inc)]
        out += ["", "Where the time went, slowest hops first:", "",
                "| Hop | Duration | " + " | ".join(p.capitalize() for p in PARTS) + " |",
                "|---|---|" + "---|" * len(PARTS)]
        hops = sorted((h for h in review.hops if h.incident == inc["id"]),
                      key=lambda h: -h.duration)[:10]
        for h in hops:
            out.append(f"| {review.name(h.sender)} -> {review.name(h.recipient)} ({h.verb}) | "
                       f"{_h(h.duration)} | " + " | ".join(_h(h.parts[p]) for p in PARTS) + " |")
        out.append("")
    if review.comparisons:
        out += ["## Human play against the model", ""]
        out += [f"- {c.sentence(review.name(c.actor))} (incident {c.incident}"
                + (f"; {_h(c.human)})" if c.human is not None else ")")
                for c in review.comparisons]
        out.append("")
    out += ["## Improvement plan", "", "| Expectation | Corrective action | Owner | Due date |",
            "|---|---|---|---|"]
    out += [f"| {r['expectation']} | {r['action']} | {r['owner']} | {r['due']} |"
            for r in _improvements(review)] or ["| — | No expectation was missed. | | |"]
    out.append("")
    return "\n".join(out)


# --- HTML -----------------------------------------------------------------------------


def swimlane_svg(review: Review, incident: str, width: int = 960) -> str:
    """The incident's swimlane timeline: actors are lanes, messages are arrows."""
    lanes = review.lanes(incident)
    lane_h, left, top = 28, 190, 30
    events = [e for e in review.events if e.incident == incident]
    if not events or not lanes:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>"
    deadlines = [x["deadline_at"] for x in review.metrics["expectations"]
                 if x["incident"] == incident and x["deadline_at"] is not None]
    t0 = min(e.time for e in events)
    t1 = max([e.time for e in events] + deadlines + [t0 + 60])
    height = top + lane_h * len(lanes) + 30

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (width - left - 20)

    def y(actor: str) -> float:
        return top + lane_h * lanes.index(actor) + lane_h / 2

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
           'fill="#444"/></marker></defs>', f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, a in enumerate(lanes):
        yy = top + lane_h * i
        fill = "#f4f6f8" if i % 2 == 0 else "#ffffff"
        out.append(f'<rect x="0" y="{yy}" width="{width}" height="{lane_h}" fill="{fill}"/>')
        out.append(f'<text x="6" y="{yy + lane_h / 2 + 4}">{escape(review.name(a))[:28]}</text>')
    steps = 8
    for k in range(steps + 1):
        t = t0 + (t1 - t0) * k / steps
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{height - 30}" '
                   'stroke="#e0e0e0"/>')
        out.append(f'<text x="{x(t):.1f}" y="{height - 12}" text-anchor="middle">'
                   f'{format_drill_time(t)}</text>')
    for d in deadlines:
        out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{top - 8}" y2="{height - 30}" '
                   'stroke="#d62728" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{x(d) + 2:.1f}" y="{top - 10}" fill="#d62728">deadline</text>')
    for h in review.hops:
        if h.incident != incident or h.sender not in lanes or h.recipient not in lanes:
            continue
        colour = LANE_COLOURS.get(h.verb, "#444")
        end = h.delivered_at if h.delivered_at is not None else h.end_at
        out.append(f'<line x1="{x(h.first_sent_at):.1f}" y1="{y(h.sender):.1f}" '
                   f'x2="{x(end):.1f}" y2="{y(h.recipient):.1f}" stroke="{colour}" '
                   f'stroke-width="1.5" marker-end="url(#arrow)"><title>{escape(h.verb)} '
                   f'{escape(review.name(h.sender))} to {escape(review.name(h.recipient))}: '
                   f'{_h(h.duration)}</title></line>')
        mid_x = (x(h.first_sent_at) + x(end)) / 2
        mid_y = (y(h.sender) + y(h.recipient)) / 2
        out.append(f'<text x="{mid_x:.1f}" y="{mid_y - 3:.1f}" fill="{colour}" font-size="9">'
                   f'{format_duration(h.duration)}</text>')
    for e in events:
        if e.type == "inject_delivered" and e.actor in lanes:
            out.append(f'<rect x="{x(e.time) - 4:.1f}" y="{y(e.actor) - 4:.1f}" width="8" '
                       f'height="8" fill="#2ca02c"><title>inject {escape(str(e.details["inject"]))}'
                       '</title></rect>')
        elif e.type == "acknowledged" and e.actor in lanes:
            out.append(f'<circle cx="{x(e.time):.1f}" cy="{y(e.actor):.1f}" r="2.5" fill="#222"/>')
        elif e.type == "message_lost" and e.actor in lanes:
            cx, cy = x(e.time), y(e.actor)
            out.append(f'<path d="M {cx - 4:.1f} {cy - 4:.1f} L {cx + 4:.1f} {cy + 4:.1f} '
                       f'M {cx - 4:.1f} {cy + 4:.1f} L {cx + 4:.1f} {cy - 4:.1f}" stroke="#d62728" '
                       f'stroke-width="2"><title>lost: {escape(e.details["reason"])}</title></path>')
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
"""


def render_html(review: Review) -> str:
    sc = review.scenario
    m = review.metrics
    e = escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>After-action report: {e(sc.drill.title)}</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>After-action report: {e(sc.drill.title)}</h1>", "<h2>Overview</h2><ul>",
           f"<li><b>Scenario:</b> {e(sc.drill.id)}</li>",
           f"<li><b>Drill clock:</b> {e(sc.drill.start.isoformat())} ({e(sc.drill.clock_timezone)}), "
           f"{format_duration(sc.drill.duration)}</li>",
           f"<li><b>Run:</b> seed {m['seed']}"
           + (f", recorded {e(str(review.meta['created']))}" if review.meta.get("created") else "")
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
                   + "</ul>")
    out.append("<h2>Expectations</h2><table><tr><th>Id</th><th>Status</th><th>Due</th>"
               "<th>Done</th><th>Rating</th><th>Note</th></tr>")
    for x in m["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        out.append(f"<tr><td>{e(x['id'])}</td><td class='{x['status']}'>{x['status']}</td>"
                   f"<td>{_t(x['deadline_at'])}</td><td>{_t(x['at'])}</td>"
                   f"<td>{rating}{'' if by_evaluator else ' (suggested)'}</td><td>{e(note)}</td></tr>")
    out.append("</table>")
    out.append("<h2>Timing</h2>")
    for inc in m["incidents"]:
        out.append(f"<h3>Incident {e(inc['id'])}: {e(inc['title'])}</h3>")
        out.append(f"<figure>{swimlane_svg(review, inc['id'])}<figcaption>Swimlane timeline: "
                   "arrows are messages (labelled with the hop's duration), squares injects, "
                   "dots acknowledgements, crosses lost messages, dashed lines deadlines."
                   "</figcaption></figure>")
        out.append("<table><tr><th>Step</th><th>Drill time</th><th>After opening</th></tr>"
                   + "".join(f"<tr><td>{e(a)}</td><td>{b}</td><td>{c}</td></tr>"
                             for a, b, c in _timing_rows(inc)) + "</table>")
        out.append("<p>Where the time went, slowest hops first:</p><table><tr><th>Hop</th>"
                   "<th>Duration</th><th>Split</th>"
                   + "".join(f"<th>{e(p)}</th>" for p in PARTS) + "</tr>")
        hops = sorted((h for h in review.hops if h.incident == inc["id"]),
                      key=lambda h: -h.duration)[:10]
        for h in hops:
            bar = "".join(
                f"<span class='bar' style='width:{120 * h.parts[p] / h.duration:.1f}px;"
                f"background:{PART_COLOURS[i]}' title='{e(p)}'></span>"
                for i, p in enumerate(PARTS) if h.duration > 0 and h.parts[p] > 0)
            out.append(f"<tr><td>{e(review.name(h.sender))} &rarr; {e(review.name(h.recipient))} "
                       f"({e(h.verb)})</td><td>{_h(h.duration)}</td><td>{bar}</td>"
                       + "".join(f"<td>{_h(h.parts[p])}</td>" for p in PARTS) + "</tr>")
        out.append("</table>")
    if review.comparisons:
        out.append("<h2>Human play against the model</h2>")
        for c in review.comparisons:
            took = f"; {_h(c.human)}" if c.human is not None else ""
            out.append(f"<p>{e(c.sentence(review.name(c.actor)))} (incident {e(c.incident)}"
                       f"{took})</p>")
            if c.simulated and c.human is not None:
                out.append(distribution_svg(c))
    out.append("<h2>Improvement plan</h2><table><tr><th>Expectation</th><th>Corrective action</th>"
               "<th>Owner</th><th>Due date</th></tr>")
    rows = _improvements(review)
    out += [f"<tr><td>{e(r['expectation'])}</td><td>{e(r['action'])}</td><td>{e(r['owner'])}</td>"
            f"<td>{r['due']}</td></tr>" for r in rows] or [
        "<tr><td colspan='4'>No expectation was missed.</td></tr>"]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
