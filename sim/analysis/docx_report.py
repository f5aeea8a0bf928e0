"""The HSEEP after-action report and improvement plan as a Word document.

The same content as the Markdown and HTML reports (``sim.analysis.aar``), with real
Word headings (so the navigation pane and a table of contents work), real tables, the
swimlane timeline of each incident as a picture, and the evaluators' ratings and notes.

Names, titles, notes and answers come from scenario files and people: every one goes
in as plain text (:func:`_clean`), with control and bidirectional-formatting
characters shown as visible escapes, as the other formats show them
(:func:`sim.safe.text.plain`).

Written with python-docx (maintained, pure Python, the usual way to write .docx) and
the timelines drawn with Pillow (python-docx embeds raster pictures, not SVG); both
are imported only when a Word report is asked for. The pictures draw each name in an
installed font that has its letters (:mod:`sim.analysis.fonts`): Thai, Khmer, Lao,
Myanmar, Chinese, Japanese, Korean and Vietnamese names as well as Latin ones. A name
that no installed font can draw shows as boxes, as in Pillow's bundled font, and the
report says so above the pictures.
"""

from __future__ import annotations

import io
from typing import Any

from scenarios.durations import clock_minute, format_duration, on_clock
from sim.analysis import fonts
from sim.analysis.aar import (
    EARLIER,
    LANE_COLOURS,
    NOT_DELIVERED,
    SUGGESTED,
    Labels,
    _earlier,
    _h,
    _improvements,
    _not_delivered,
    _objectives,
    _participants,
    _slowest_hops,
    _t,
    _timing_rows,
    along,
    note_groups,
    note_when,
)
from sim.analysis.report import drill_tlp
from sim.analysis.review import (
    PARTS,
    RATINGS,
    Review,
    shown_due,
    shown_rating,
    shown_status,
)
from sim.safe.text import plain, xml_safe

TLP_RGB = {"RED": (0xFF, 0x2B, 0x2B), "AMBER": (0xFF, 0xC0, 0x00),
           "AMBER+STRICT": (0xFF, 0xC0, 0x00), "GREEN": (0x33, 0xFF, 0x00),
           "CLEAR": (0xFF, 0xFF, 0xFF)}


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


#: the longest lane name drawn in a timeline picture, in characters (the tables give it whole)
LANE_NAME_CHARS = 28


def unlettered_note(names: list[str]) -> str:
    """What the report says of the names that its pictures show as boxes."""
    why = ("no installed font has all their letters" if fonts.installed_faces() else
           "no installed font could be read (fonts are found with fontconfig, or in the "
           "system's font folders with the fontTools package)")
    return (f"Some names show as boxes in the timeline pictures because {why}: "
            f"{'; '.join(names)}. The tables show them as written.")


def timeline_png(review: Review, incident: str, width: int = 1400,
                 missing: list[str] | None = None) -> bytes | None:
    """The swimlane timeline of one incident as a PNG (as ``aar.swimlane_svg`` draws it,
    its labels kept inside the picture and off one another by :class:`aar.Labels`).

    Names that no installed font can draw are added to ``missing``, when given."""
    from PIL import Image, ImageDraw

    lanes = review.lanes(incident)
    events = [e for e in review.events if e.incident == incident]
    if not events or not lanes:
        return None
    deadlines = [x["deadline_at"] for x in review.metrics["expectations"]
                 if x["incident"] == incident and x["deadline_at"] is not None]
    t0 = min(e.time for e in events)
    t1 = max([e.time for e in events] + deadlines + [t0 + 60])
    lane_h, left, top = 40, 260, 40
    height = top + lane_h * len(lanes) + 40
    font, small = fonts.Lettering(16), fonts.Lettering(13)
    shown: dict[str, str] = {}  # each lane's name as drawn, and the whole name
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    labels = Labels(width, height)
    texts: list[tuple[tuple[float, float], str, tuple[int, int, int] | str]] = []

    def label(spots: list[tuple[float, float]], content: str,
              colour: tuple[int, int, int] | str) -> None:
        """Write ``content`` small at the first free spot (top lefts), over the lines;
        at none, leave it out."""
        at = labels.place(spots, small.width(content), small.size * 1.25)
        if at is not None:
            texts.append((at, content, colour))

    def on_line(x0: float, y0: float, x1: float, y1: float,
                content: str) -> list[tuple[float, float]]:
        return along(x0, y0, x1, y1, small.width(content), small.size * 1.25, 3)

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (width - left - 30)

    def y(actor: str) -> float:
        return top + lane_h * lanes.index(actor) + lane_h / 2

    for i, a in enumerate(lanes):
        yy = top + lane_h * i
        draw.rectangle([0, yy, width, yy + lane_h], fill="#f4f6f8" if i % 2 == 0 else "#ffffff")
        name = plain("".join(fonts.clusters(review.name(a))[:LANE_NAME_CHARS]))
        shown[name] = plain(review.name(a))
        labels.take((8, yy + lane_h / 2 - 8, 8 + min(left - 16, font.width(name)),
                     yy + lane_h / 2 - 8 + font.size * 1.25))
        font.draw(draw, (8, yy + lane_h / 2 - 8), name, "#000000", width=left - 16)
    for k in range(9):
        t = t0 + (t1 - t0) * k / 8
        draw.line([x(t), top, x(t), height - 40], fill="#e0e0e0")
        mark = clock_minute(t)
        label([(x(t) - small.width(mark) / 2, height - 30)], mark, "#000000")
    for d in deadlines:
        for yy in range(top - 10, height - 40, 8):
            draw.line([x(d), yy, x(d), yy + 4], fill="#d62728", width=2)
    for nd in review.undelivered:
        if nd.incident != incident or nd.sender not in lanes or nd.recipient not in lanes:
            continue
        # a message that never arrived: a dashed line that stops halfway, with no dot
        colour = _rgb(LANE_COLOURS.get(nd.verb, "#444444"))
        gone = min(t1, nd.outcome_at if nd.outcome_at is not None else t1)
        x0, y0 = x(nd.first_sent_at), y(nd.sender)
        x1, y1 = x(gone), (y(nd.sender) + y(nd.recipient)) / 2
        steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) // 6))
        for k in range(0, steps, 2):
            f0, f1 = k / steps, min(1.0, (k + 1) / steps)
            draw.line([x0 + (x1 - x0) * f0, y0 + (y1 - y0) * f0,
                       x0 + (x1 - x0) * f1, y0 + (y1 - y0) * f1], fill=colour, width=2)
        label(on_line(x0, y0, x1, y1, plain(nd.outcome)), plain(nd.outcome), colour)
    for hop in review.hops:
        if hop.incident != incident or hop.sender not in lanes or hop.recipient not in lanes:
            continue
        colour = _rgb(LANE_COLOURS.get(hop.verb, "#444444"))
        end = hop.delivered_at if hop.delivered_at is not None else hop.end_at
        x0, y0, x1, y1 = x(hop.first_sent_at), y(hop.sender), x(end), y(hop.recipient)
        draw.line([x0, y0, x1, y1], fill=colour, width=2)
        draw.ellipse([x1 - 4, y1 - 4, x1 + 4, y1 + 4], fill=colour)
        took = format_duration(hop.duration)
        label(on_line(x0, y0, x1, y1, took), took, colour)
    for e in events:
        if e.actor not in lanes:
            continue
        cx, cy = x(e.time), y(e.actor)
        if e.type == "inject_delivered":
            draw.rectangle([cx - 6, cy - 6, cx + 6, cy + 6], fill="#2ca02c")
        elif e.type == "acknowledged":
            draw.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill="#222222")
        elif e.type == "message_lost":
            draw.line([cx - 6, cy - 6, cx + 6, cy + 6], fill="#d62728", width=3)
            draw.line([cx - 6, cy + 6, cx + 6, cy - 6], fill="#d62728", width=3)
    for at, content, ink in texts:
        small.draw(draw, at, content, ink)
    for cut in font.missing + small.missing:
        if missing is not None and shown.get(cut, cut) not in missing:
            missing.append(shown.get(cut, cut))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _table(doc: Any, headers: list[str], rows: list[list[str]]) -> Any:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = _clean(text)
    return table




def _clean(text: Any) -> str:
    """Plain text for Word: every control and bidirectional-formatting character shown
    as a visible escape (:func:`plain`, as in the other formats), and so is any other
    character XML 1.0 forbids. Newlines and tabs are kept (line breaks and tabs)."""
    return xml_safe(plain(str(text)))


def _tlp_line(doc: Any, label: str) -> None:
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import RGBColor

    p = doc.add_paragraph()
    run = p.add_run(f"TLP:{label}")
    run.bold = True
    run.font.color.rgb = RGBColor(*TLP_RGB.get(label, (0, 0, 0)))
    run.font.highlight_color = WD_COLOR_INDEX.BLACK


def render_docx(review: Review) -> bytes:
    """The after-action report as the bytes of a .docx file."""
    from docx import Document
    from docx.shared import Inches

    sc = review.scenario
    m = review.metrics
    tlp = drill_tlp(sc, review.events)
    doc = Document()
    doc.core_properties.title = _clean(f"After-action report: {sc.drill.title}")
    doc.core_properties.author = "acid-drill"
    section = doc.sections[0]
    for part in (section.header, section.footer):
        part.paragraphs[0].text = f"TLP:{tlp}"
    _tlp_line(doc, tlp)
    doc.add_heading(_clean(f"After-action report: {sc.drill.title}"), level=0)

    doc.add_heading("Overview", level=1)
    created = f", recorded {review.meta['created']}" if review.meta.get("created") else ""
    for label, value in (
        ("Scenario", f"{sc.drill.id}, {sc.drill.title}"),
        ("Drill clock", f"{on_clock(sc.drill.start, sc.drill.clock_timezone)} ({sc.drill.clock_timezone}), "
                        f"{format_duration(sc.drill.duration)}"),
        ("Run", f"seed {m['seed']}{created}"),
        ("Score", f"{m['score']['earned']:g} of {m['score']['possible']:g} "
                  f"({m['score']['met']} of {m['score']['of']} expectations met)"),
    ):
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"{label}: ").bold = True
        p.add_run(_clean(value))
    if sc.drill.description:
        doc.add_paragraph(_clean(sc.drill.description))
    doc.add_heading("Objectives", level=2)
    for o in sc.drill.objectives:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(_clean(o.id) + " ").bold = True
        p.add_run(_clean(o.text))
    doc.add_heading("Participants", level=2)
    for who in _participants(review):
        doc.add_paragraph(_clean(who), style="List Bullet")

    doc.add_heading("Analysis of objectives", level=1)
    for obj in _objectives(review):
        doc.add_heading(_clean((obj["id"] + ": " if obj["id"] else "") + obj["text"]), level=2)
        for title, items in (("Strengths", obj["strengths"]),
                             ("Areas for improvement", obj["areas"])):
            doc.add_heading(title, level=3)
            for item in items or ["none recorded"]:
                doc.add_paragraph(_clean(item), style="List Bullet")
        for title, items in (("Not in play", obj["not_in_play"]),
                             ("Not yet due when the drill ended", obj["not_yet_due"])):
            if items:
                doc.add_heading(title, level=3)
                for item in items:
                    doc.add_paragraph(_clean(item), style="List Bullet")

    doc.add_heading("Expectations", level=1)
    rows = []
    for x in m["expectations"]:
        rating, note, by_evaluator = review.rating(x["id"])
        rows.append([x["id"], shown_status(x), shown_due(x, "—"), _t(x["at"]),
                     shown_rating(rating, by_evaluator), note])
    _table(doc, ["Id", "Status", "Due", "Done", "Rating", "Note"], rows)
    doc.add_paragraph("Ratings: " + "; ".join(f"{k}: {v}" for k, v in RATINGS.items()))
    doc.add_paragraph(SUGGESTED)

    tasks = review.task_answers()
    if tasks:
        doc.add_heading("Player tasks", level=1)
        _table(doc, ["Task", "Team", "Asked", "Answer", "Answer key"],
               [[f"{t['task']}: {t['question']}", review.name(t["actor"]), _t(t["asked_at"]),
                 t["answer"] or "no answer", t["answer_key"]] for t in tasks])

    doc.add_heading("Timing", level=1)
    unlettered: list[str] = []
    pictures = [timeline_png(review, inc["id"], missing=unlettered) for inc in m["incidents"]]
    if unlettered:
        doc.add_paragraph(_clean(unlettered_note(unlettered)))
    for inc, png in zip(m["incidents"], pictures, strict=True):
        doc.add_heading(_clean(f"Incident {inc['id']}: {inc['title']}"), level=2)
        if png is not None:
            doc.add_picture(io.BytesIO(png), width=Inches(6.5))
            doc.add_paragraph(
                "Swimlane timeline: lines are messages (labelled with the hop's duration "
                "where there is room, a dot where they arrive), dashed lines that stop "
                "halfway messages that "
                "never arrived, squares injects, small dots acknowledgements, crosses lost "
                "messages, dashed red lines deadlines.", style="Caption")
        _table(doc, ["Step", "Drill time", "After opening"],
               [list(r) for r in _timing_rows(inc)])
        doc.add_paragraph("Where the time went, slowest hops first:")
        _table(doc, ["Hop", "Duration", *(p.capitalize() for p in PARTS), EARLIER],
               [[f"{review.name(h.sender)} -> {review.name(h.recipient)} ({h.verb})",
                 _h(h.duration), *(_h(h.parts[p]) for p in PARTS), _earlier(h)]
                for h in _slowest_hops(review, inc["id"])])
        lost = _not_delivered(review, inc["id"])
        if lost:
            doc.add_paragraph(NOT_DELIVERED)
            for line in lost:
                doc.add_paragraph(_clean(line), style="List Bullet")

    if review.comparisons:
        doc.add_heading("Human play against the model", level=1)
        for c in review.comparisons:
            took = f"; {_h(c.human)}" if c.human is not None else ""
            doc.add_paragraph(_clean(f"{c.sentence(review.name(c.actor))} (incident "
                                     f"{c.incident}{took})"), style="List Bullet")
    if review.notes:
        doc.add_heading("Evaluator notes", level=1)
        for title, notes in note_groups(review):
            doc.add_heading(_clean(title), level=2)
            for n in notes:
                doc.add_paragraph(_clean(f"{note_when(review, n)}, {n.who or 'evaluator'}: "
                                         f"{n.text}"), style="List Bullet")

    doc.add_heading("Improvement plan", level=1)
    plan = [[r["expectation"], r["action"], r["owner"], r["due"]] for r in _improvements(review)]
    _table(doc, ["Expectation", "Corrective action", "Owner", "Due date"],
           plan or [["—", "No expectation was missed.", "", ""]])
    _tlp_line(doc, tlp)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
