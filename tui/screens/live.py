"""What the console and the role views share: the clock line, a screen redrawn from
the read model, and how times and names are shown."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.screen import Screen

from scenarios.durations import clock_floor, clock_minute, format_drill_time, format_duration
from sim.engine.events import Event
from sim.runs.view import DrillState

from ..plain import line, tlp_label

if TYPE_CHECKING:
    from ..app import DrillApp


def clock_line(app: DrillApp) -> Text:
    """The header of the console and role views: drill time, the TLP label, the title.

    The label is the drill's as its reports give it, raised by the injects delivered,
    added and edited so far (:attr:`DrillState.tlp`)."""
    state = app.state
    status = "ENDED" if state.finished else ("running" if app.clock.running else "paused")
    status = f"{status} at {app.clock.speed:g}x"
    brk = app.break_note() if not state.finished else ""
    if brk:  # the break under way replaces the clock's state; the next one follows it
        status = brk if brk.startswith("BREAK") else f"{status}  {brk}"
    if app.link_note:  # a drill served elsewhere: the connection is down
        status = f"{status}  {app.link_note.upper()}"
    drill = app.session.scenario.drill
    # both clocks show the same whole minute: drill time is floored (at the event log's
    # precision, as every moment shown is), never rounded up
    minute = clock_floor(app.session.now)
    moment = (drill.start + timedelta(minutes=minute)).astimezone(ZoneInfo(drill.clock_timezone))
    return Text.assemble(
        f" {format_drill_time(minute)}  {moment:%a %d %b %H:%M} "
        f"{moment.tzname()}  {status}  ",
        tlp_label(state.tlp), " ", line(drill.title), end="")


def describe(ev: Event, state: DrillState) -> str:
    """A log line that says who did what to whom, in words (see DrillState.describe)."""
    return state.describe(ev)


class LiveScreen(Screen):
    """A screen drawn from the drill's read model, redrawn as the drill moves on.

    ``ready`` is set once the screen has been laid out: only then do the tables know
    their real width, which fitted columns are measured against.
    """

    ready = False

    def add_columns(self) -> None:
        raise NotImplementedError

    def refresh_view(self) -> None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys this terminal does not offer (a token's limits over the network) are hidden."""
        return self.app.may(action)  # type: ignore[attr-defined,no-any-return]

    def on_mount(self) -> None:
        self.add_columns()
        self.refresh_view()
        self.call_after_refresh(self._laid_out)

    def _laid_out(self) -> None:
        self.ready = True
        self.refresh_view()

    def on_resize(self) -> None:
        if self.ready:
            self.refresh_view()

    def on_screen_resume(self) -> None:
        if self.ready:
            self.refresh_view()



def fmt_time(at: float | None) -> str:
    """A drill time as the clock's minute: rounded down, as the header shows the time
    (what happened at 213.8 shows as T+03:33, never a minute ahead of the clock). The
    time is first taken to the event log's precision (a millionth of a minute)."""
    return "" if at is None else clock_minute(at)


def time_left(deadline: float | None, now: float, status: str) -> str:
    if deadline is None or status not in ("due", "waiting"):
        return ""
    left = deadline - now
    return format_duration(left) if left >= 0 else "overdue"


def actor_name(state: DrillState, aid: str | None) -> str:
    return state.scenario.actors[aid].name if aid in state.scenario.actors else str(aid)

