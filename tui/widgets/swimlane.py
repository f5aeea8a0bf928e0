"""The review's timeline: one lane per team, a mark per event, and its legend."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from scenarios.durations import format_drill_time, format_duration
from sim.analysis.review import Review
from sim.safe.text import one_line

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
