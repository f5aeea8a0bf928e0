"""The review screen: the swimlane timeline, expectations with HSEEP ratings, where the
time went, and human play against the model."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Label, Static, TabbedContent, TabPane

from scenarios.durations import format_drill_time, format_duration
from sim.analysis.review import PARTS, RATINGS, Review
from sim.safe.text import one_line

from .plain import PlainTextApp, cells, line, tlp_label, tlp_of

MARKS = {
    "inject_delivered": ("■", "green"),
    "message_sent": ("→", "cyan"),
    "message_delivered": ("●", "cyan"),
    "message_lost": ("✗", "red"),
    "acknowledged": ("✓", "white"),
    "escalated": ("▲", "magenta"),
    "requested": ("◆", "yellow"),
    "notified": ("◇", "blue"),
    "takedown_completed": ("▼", "green"),
    "contained": ("★", "green"),
    "preserved": ("▣", "green"),
}
SPARK = "▁▂▃▄▅▆▇█"

#: what each timeline mark means, in words, for the legend under the lanes
MARK_NAMES = {
    "inject_delivered": "inject",
    "message_sent": "sent",
    "message_delivered": "delivered",
    "message_lost": "lost",
    "acknowledged": "acknowledged",
    "escalated": "escalated",
    "requested": "requested",
    "notified": "notified",
    "takedown_completed": "taken down",
    "contained": "contained",
    "preserved": "preserved",
}


def legend() -> Text:
    """The key to the timeline's marks: every mark, the deadline line, the selection."""
    out = Text("Key: ", style="dim")
    for kind, (mark, style) in MARKS.items():
        out.append(mark, style=style)
        out.append(f" {MARK_NAMES[kind]}  ")
    out.append("┊", style="red")
    out.append(" deadline  ")
    out.append("■", style="reverse bold")
    out.append(" selected")
    return out


def _h(minutes: float | None) -> str:
    return "" if minutes is None else f"{minutes / 60:.2f} h"


class Swimlane(Widget, can_focus=True):
    """Actors as lanes, events as marks along drill time; scroll, zoom, select."""

    BINDINGS = [
        Binding("left", "scroll(-1)", "Earlier", id="timeline.earlier"),
        Binding("right", "scroll(1)", "Later", id="timeline.later"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", id="timeline.zoom_in"),
        Binding("minus", "zoom(2)", "Zoom out", id="timeline.zoom_out"),
        Binding("down,j", "select(1)", "Next mark", id="timeline.next"),
        Binding("up,k", "select(-1)", "Previous mark", id="timeline.previous"),
        Binding("i", "next_incident", "Incident", id="timeline.incident"),
    ]

    def __init__(self, review: Review, **kwargs):
        super().__init__(**kwargs)
        self.review = review
        self.incidents = [i["id"] for i in review.metrics["incidents"]]
        self.incident = self.incidents[0] if self.incidents else ""
        self.minutes_per_col = 15.0
        self.selected = 0
        self._start = 0.0
        self._load()

    def _load(self) -> None:
        self.lanes = self.review.lanes(self.incident)
        self.marks = [e for e in self.review.events
                      if e.incident == self.incident and e.type in MARKS and e.actor in self.lanes]
        self.deadlines = [x["deadline_at"] for x in self.review.metrics["expectations"]
                          if x["incident"] == self.incident and x["deadline_at"] is not None]
        self.selected = 0
        self._start = self.marks[0].time if self.marks else 0.0

    def render(self) -> Text:
        width = max(20, self.size.width - 22)
        out = Text()
        if not self.marks:
            return Text("No events for this incident.")
        sel = self.marks[self.selected]
        if not self._start <= sel.time < self._start + width * self.minutes_per_col:
            self._start = max(0.0, sel.time - width * self.minutes_per_col / 4)
        start, step = self._start, self.minutes_per_col
        out.append(f"{'incident ' + one_line(self.incident):<20}  ", style="bold")
        out.append(f"{format_drill_time(start)}  {format_duration(step)} a column, "
                   f"{format_drill_time(start + width * step)} at the right edge\n", style="dim")
        deadline_cols = {int((d - start) / step) for d in self.deadlines
                         if start <= d < start + width * step}
        for lane in self.lanes:
            row = [" "] * width
            styles = [""] * width
            for c in deadline_cols:
                row[c], styles[c] = "┊", "red"
            for e in self.marks:
                if e.actor != lane or not start <= e.time < start + width * step:
                    continue
                c = int((e.time - start) / step)
                row[c], styles[c] = MARKS[e.type]
                if e is sel:
                    styles[c] = "reverse bold"
            out.append(f"{one_line(self.review.name(lane))[:20]:<20}│ ",
                       style="bold" if lane == sel.actor else "")
            for ch, st in zip(row, styles, strict=True):
                out.append(ch, style=st)
            out.append("\n")
        out.append("\n")
        out.append_text(legend())
        return out

    def selected_event(self):
        return self.marks[self.selected] if self.marks else None

    def action_scroll(self, direction: int) -> None:
        width = max(20, self.size.width - 22)
        self._start = max(0.0, self._start + direction * width * self.minutes_per_col / 2)
        # keep the selection on screen
        visible = [i for i, e in enumerate(self.marks)
                   if self._start <= e.time < self._start + width * self.minutes_per_col]
        if visible:
            self.selected = visible[0] if direction > 0 else visible[-1]
        self._changed()

    def action_zoom(self, factor: float) -> None:
        self.minutes_per_col = min(24 * 60, max(1.0, self.minutes_per_col * factor))
        self._changed()

    def action_select(self, step: int) -> None:
        if self.marks:
            self.selected = (self.selected + step) % len(self.marks)
            self._changed()

    def action_next_incident(self) -> None:
        if self.incidents:
            i = self.incidents.index(self.incident)
            self.incident = self.incidents[(i + 1) % len(self.incidents)]
            self._load()
            self._changed()

    def _changed(self) -> None:
        self.refresh()
        self.post_message(self.Selected())

    class Selected(Message):
        """The selected mark changed."""


def _describe(review: Review, e) -> str:
    d = e.details
    parts = [f"{format_drill_time(e.time)}  {e.type.replace('_', ' ')}  {review.name(e.actor)}"]
    for key in ("inject", "verb", "action", "sender", "to", "channel", "tlp", "reason", "title"):
        if d.get(key):
            value = review.name(d[key]) if key in ("sender", "to") else d[key]
            parts.append(f"{key}: {value}")
    if d.get("targets"):
        parts.append("to: " + ", ".join(review.name(t) for t in d["targets"]))
    return "   ".join(str(p) for p in parts)


class NoteForm(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, expectation: str, note: str):
        super().__init__()
        self.expectation = expectation
        self.note = note

    def compose(self) -> ComposeResult:
        yield Label(line(f"Evaluator's note on {self.expectation} (enter saves)"),
                    id="note-label")
        # a one-line editor: a note from the journal is shown with its controls escaped
        yield Input(value=one_line(self.note), id="note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewScreen(Screen):
    """After the drill: timeline, expectations, time breakdown, human against model."""

    BINDINGS = [
        Binding("p", "rate('P')", "Rate P", id="rating.p", show=False),
        Binding("s", "rate('S')", "Rate S", id="rating.s", show=False),
        Binding("m", "rate('M')", "Rate M", id="rating.m", show=False),
        Binding("u", "rate('U')", "Rate U", id="rating.u", show=False),
        Binding("n", "note", "Note", id="rating.note"),
        Binding("q,escape", "close", "Close", id="review.close"),
    ]

    def __init__(self, review: Review, journal=None):
        super().__init__()
        self.review = review
        self.journal = journal

    def compose(self) -> ComposeResult:
        m = self.review.metrics
        yield Static(Text.assemble(
            " Review ", tlp_label(tlp_of(self.review.scenario)),
            f" score {m['score']['earned']:g} of {m['score']['possible']:g}, "
            f"{m['score']['met']} of {m['score']['of']} expectations met   ",
            line(self.review.scenario.drill.title), end=""),
            classes="clockbar")
        with TabbedContent(id="review-tabs"):
            with TabPane("Timeline", id="tab-timeline"):
                yield Swimlane(self.review, id="swimlane")
                yield Static(id="mark-detail")
            with TabPane("Expectations", id="tab-exp"):
                yield DataTable(id="exp", cursor_type="row", zebra_stripes=True)
                yield Static("p s m u: rate the selected expectation (HSEEP); n: add a note. "
                             + "  ".join(f"{k}={v}" for k, v in RATINGS.items()), classes="hint")
            with TabPane("Where the time went", id="tab-breakdown"):
                yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
            with TabPane("People vs model", id="tab-model"):
                yield DataTable(id="model", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        exp = self.query_one("#exp", DataTable)
        exp.add_columns("Id", "Status", "Due", "Done", "Lateness", "Score", "Rating", "Note",
                        "Expectation")
        self._fill_expectations()
        bd = self.query_one("#breakdown", DataTable)
        bd.add_columns("Hop", "Duration", "Split", *[p.split(" ")[0] for p in PARTS])
        for h in sorted(self.review.hops, key=lambda h: -h.duration):
            colours = ["grey50", "cyan", "yellow", "green", "red"]
            split = Text()
            for i, p in enumerate(PARTS):
                if h.duration:
                    split.append("█" * round(12 * h.parts[p] / h.duration), style=colours[i])
            bd.add_row(*cells([f"{self.review.name(h.sender)} → {self.review.name(h.recipient)} "
                               f"({h.verb.replace('_', ' ')}, {h.incident})", _h(h.duration),
                               split, *[_h(h.parts[p]) for p in PARTS]]))
        model = self.query_one("#model", DataTable)
        model.add_columns("Role", "Incident", "What", "Person", "Faster than", "Model did it",
                          "Simulated times")
        for c in self.review.comparisons:
            model.add_row(*cells([
                self.review.name(c.actor), c.incident, c.metric.replace("_", " "),
                _h(c.human) if c.human is not None else "never",
                f"{c.faster_than:.0%}" if c.simulated and c.human is not None else "—",
                f"{c.model_did_it:.0%}",
                _spark(c.simulated, c.human if c.human is not None else max(c.simulated))]))
        if not self.review.comparisons:
            model.add_row("No role was played by a person, or no comparison was asked for "
                          "(--runs 0).", "", "", "", "", "", "")
        self._show_mark()
        self.query_one("#swimlane").focus()

    def _fill_expectations(self) -> None:
        exp = self.query_one("#exp", DataTable)
        row = exp.cursor_row
        exp.clear()
        for x in self.review.metrics["expectations"]:
            rating, note, mine = self.review.rating(x["id"])
            late = (format_duration(x["lateness"]) if x.get("lateness") and x["status"] != "met"
                    else "")
            exp.add_row(*cells([
                x["id"], x["status"], format_drill_time(x["deadline_at"])
                if x["deadline_at"] is not None else "",
                format_drill_time(x["at"]) if x.get("at") is not None else "", late,
                f"{x['earned']:g}/{x['score']:g}",
                rating + ("" if mine else " (suggested)"), note,
                x["description"] or x["action"]]), key=x["id"])
        if row < exp.row_count:
            exp.move_cursor(row=row, animate=False)

    def on_swimlane_selected(self, _message) -> None:
        self._show_mark()

    def _show_mark(self) -> None:
        e = self.query_one("#swimlane", Swimlane).selected_event()
        self.query_one("#mark-detail", Static).update(
            line(_describe(self.review, e)) if e else "")

    def _expectation(self) -> str | None:
        exp = self.query_one("#exp", DataTable)
        if exp.row_count == 0:
            return None
        return str(exp.coordinate_to_cell_key((exp.cursor_row, 0)).row_key.value)

    def action_rate(self, rating: str) -> None:
        if self.query_one("#review-tabs", TabbedContent).active != "tab-exp":
            self.notify("Ratings are given on the Expectations tab.", severity="warning")
            return
        eid = self._expectation()
        if eid is None:
            return
        _, note, _ = self.review.rating(eid)
        self._save(eid, rating, note)

    def action_note(self) -> None:
        eid = self._expectation()
        if eid is None:
            return
        rating, note, _ = self.review.rating(eid)

        def done(text: str | None) -> None:
            if text is not None:
                self._save(eid, rating, text)

        self.app.push_screen(NoteForm(eid, note), done)

    def _save(self, eid: str, rating: str, note: str) -> None:
        self.review.ratings[eid] = {"rating": rating, "note": note, "who": "evaluator"}
        if self.journal is not None:
            self.journal.set_rating(eid, rating, note)
        self._fill_expectations()
        self.notify(f"{eid} rated {rating}" + (" (saved in the journal)" if self.journal else ""))

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()


def _spark(values: list[float], human: float, bins: int = 16) -> Text:
    if not values:
        return Text("")
    lo, hi = min([*values, human]), max([*values, human])
    if hi == lo:
        hi = lo + 1
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    top = max(counts)
    mark = min(bins - 1, int((human - lo) / (hi - lo) * bins))
    out = Text()
    for i, n in enumerate(counts):
        out.append(SPARK[round(n / top * (len(SPARK) - 1))], style="bold red" if i == mark else "cyan")
    return out


class ReviewApp(PlainTextApp):
    """`drill review JOURNAL`."""

    CSS_PATH = Path(__file__).with_name("drill.tcss")
    TITLE = "acid-drill review"

    def __init__(self, review: Review, journal=None):
        super().__init__()
        self.review = review
        self.journal = journal

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.review, self.journal))
