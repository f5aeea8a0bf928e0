"""The review's timeline: one lane per team, a mark per event, and its legend."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from scenarios.durations import clock_minute, format_duration
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


#: terminal cells for a lane's name (a wide character, CJK say, takes two)
LABEL = 20


def lane_label(name: str) -> str:
    """A lane's name cut or padded to :data:`LABEL` terminal cells, so that every lane's
    marks start in the same column whatever the script of its name."""
    return set_cell_size(one_line(name), LABEL)


def _h(minutes: float | None) -> str:
    return "" if minutes is None else f"{minutes / 60:.2f} h"


class Swimlane(Widget, can_focus=True):
    """Actors as lanes, events as marks along drill time; scroll, zoom, select.

    Lanes that do not all fit the widget's height are shown a window at a time, which
    follows the selected mark's lane (as the columns follow its time); the page keys
    and the mouse wheel move through the lanes. ←/→ move the columns half a width,
    from drill start to the last mark, through stretches without marks as well."""

    BINDINGS = [
        Binding("left", "scroll(-1)", "Earlier", id="timeline.earlier"),
        Binding("right", "scroll(1)", "Later", id="timeline.later"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", id="timeline.zoom_in"),
        Binding("minus", "zoom(2)", "Zoom out", id="timeline.zoom_out"),
        Binding("down,j", "select(1)", "Next mark", id="timeline.next"),
        Binding("up,k", "select(-1)", "Previous mark", id="timeline.previous"),
        Binding("i", "next_incident", "Incident", id="timeline.incident"),
        Binding("pageup", "lanes(-1)", "Lanes above", id="timeline.lanes_up", show=False),
        Binding("pagedown", "lanes(1)", "Lanes below", id="timeline.lanes_down", show=False),
    ]

    def __init__(self, review: Review, **kwargs):
        super().__init__(**kwargs)
        self.review = review
        self.incidents = [i["id"] for i in review.metrics["incidents"]]
        self.incident = self.incidents[0] if self.incidents else ""
        self.minutes_per_col = 15.0
        self.selected = 0
        self._start = 0.0
        #: the first lane shown, and whether the lanes shown follow the selected mark
        self._top = 0
        self._follow = True
        #: whether the columns follow the selected mark (not once scrolled to where no mark is)
        self._track = True
        self._load()

    def _load(self) -> None:
        self.lanes = self.review.lanes(self.incident)
        self.marks = [e for e in self.review.events
                      if e.incident == self.incident and e.type in MARKS and e.actor in self.lanes]
        self.deadlines = [x["deadline_at"] for x in self.review.metrics["expectations"]
                          if x["incident"] == self.incident and x["deadline_at"] is not None]
        self.selected = 0
        self._start = self.marks[0].time if self.marks else 0.0
        self._top, self._follow, self._track = 0, True, True

    def lane_room(self) -> int:
        """How many lanes fit: the widget's height less the header, the line under the
        lanes and the legend (all of them before the widget is laid out)."""
        if not self.size.height:
            return max(1, len(self.lanes))
        key = len(legend().wrap(self.app.console, max(1, self.size.width)))
        return max(1, self.size.height - 2 - key)

    def shown_lanes(self) -> list[str]:
        """The lanes on screen: a window of :meth:`lane_room` lanes from the first shown,
        moved to take in the selected mark's lane (unless the lanes were paged away from
        it, to lanes where no mark is)."""
        room = self.lane_room()
        sel = self.selected_event()
        if self._follow and sel is not None and sel.actor in self.lanes:
            row = self.lanes.index(sel.actor)
            self._top = max(min(self._top, row), row - room + 1)
        self._top = max(0, min(self._top, len(self.lanes) - room))
        return self.lanes[self._top:self._top + room]

    def render(self) -> Text:
        width = max(20, self.size.width - LABEL - 2)
        out = Text()
        if not self.marks:
            return Text("No events for this incident.")
        sel = self.marks[self.selected]
        if self._track and not self._start <= sel.time < self._start + width * self.minutes_per_col:
            self._start = max(0.0, sel.time - width * self.minutes_per_col / 4)
        start, step = self._start, self.minutes_per_col
        head = "incident " + one_line(self.incident)
        out.append(head + " " * max(0, LABEL - cell_len(head)) + "  ", style="bold")
        out.append(f"{clock_minute(start)}  {format_duration(step)} a column, "
                   f"{clock_minute(start + width * step)} at the right edge\n", style="dim")
        deadline_cols = {int((d - start) / step) for d in self.deadlines
                         if start <= d < start + width * step}
        shown = self.shown_lanes()
        for lane in shown:
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
            out.append(lane_label(self.review.name(lane)) + "│ ",
                       style="bold" if lane == sel.actor else "")
            for ch, st in zip(row, styles, strict=True):
                out.append(ch, style=st)
            out.append("\n")
        if len(shown) < len(self.lanes):
            out.append(f"lanes {self._top + 1} to {self._top + len(shown)} of {len(self.lanes)}",
                       style="dim")
        out.append("\n")
        out.append_text(legend())
        return out

    def selected_event(self):
        return self.marks[self.selected] if self.marks else None

    def action_scroll(self, direction: int) -> None:
        """Move the columns half a width later (or earlier), never before drill start nor
        past the last mark. The selection moves to the first (or last) mark now on
        screen; with none there it stays where it was, off screen, until a mark is chosen
        or comes into view, and the columns stay where they were moved to."""
        width = max(20, self.size.width - LABEL - 2)
        last = max((e.time for e in self.marks), default=0.0)
        start = self._start + direction * width * self.minutes_per_col / 2
        self._start = max(0.0, min(start, last))
        visible = [i for i, e in enumerate(self.marks)
                   if self._start <= e.time < self._start + width * self.minutes_per_col]
        if visible:
            self.selected = visible[0] if direction > 0 else visible[-1]
        self._track = bool(visible)
        self._follow = True
        self._changed()

    def action_lanes(self, direction: int) -> None:
        """The next (or previous) lanes, a window at a time."""
        self._move_lanes(direction * self.lane_room())

    def _move_lanes(self, by: int) -> None:
        """Move the lanes shown by ``by`` lanes. The selection moves to the mark on them
        nearest in time to it, if there is one; else it stays where it was, off screen,
        until another mark is chosen."""
        room = self.lane_room()
        top = max(0, min(self._top + by, len(self.lanes) - room))
        if top == self._top:
            return
        self._top = top
        shown = set(self.lanes[top:top + room])
        on = [i for i, e in enumerate(self.marks) if e.actor in shown]
        self._follow = bool(on)
        if on:
            at = self.marks[self.selected].time
            self.selected = min(on, key=lambda i: (abs(self.marks[i].time - at), i))
            self._track = True
        self._changed()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move_lanes(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move_lanes(-1)

    def action_zoom(self, factor: float) -> None:
        self.minutes_per_col = min(24 * 60, max(1.0, self.minutes_per_col * factor))
        self._changed()

    def action_select(self, step: int) -> None:
        if self.marks:
            self.selected = (self.selected + step) % len(self.marks)
            self._follow = self._track = True
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
