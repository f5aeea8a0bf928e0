"""The live-drill terminal app: facilitator console and participant role views.

The app drives a :class:`~sim.runs.session.DrillSession` (commands in, domain events
out) and draws a :class:`~sim.runs.view.DrillState` fed only by those events.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from scenarios.durations import format_drill_time, format_duration
from scenarios.model import Inject
from sim.engine import Action, ActionError
from sim.engine.events import Event
from sim.runs.session import DrillClock, DrillSession, JournalError
from sim.runs.view import DrillState

from .forms import ActionForm, Confirm, ConfirmQuit, HelpScreen, InjectForm, PinPrompt
from .plain import PlainTextApp, cells, line, text, tlp_label, tlp_of

SPEEDS = (1, 10, 60, 300, 600, 3600)
TICK = 0.2  # seconds between clock ticks


def _clock_line(app: DrillApp) -> Text:
    """The header of the console and role views: drill time, the TLP label, the title."""
    state = app.state
    status = "ENDED" if state.finished else ("running" if app.clock.running else "paused")
    drill = app.session.scenario.drill
    # both clocks show the same whole minute: drill time is floored, never rounded up
    minute = math.floor(app.session.now)
    moment = (drill.start + timedelta(minutes=minute)).astimezone(ZoneInfo(drill.clock_timezone))
    return Text.assemble(
        f" {format_drill_time(minute)}  {moment:%a %d %b %H:%M} "
        f"{moment.tzname()}  {status} at {app.clock.speed:g}x  ",
        tlp_label(tlp_of(app.session.scenario)), " ", line(drill.title), end="")


def _describe(ev: Event, state: DrillState) -> str:
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


class FacilitatorScreen(LiveScreen):
    """The high controller's seat: MSEL, actors, expectations, the event log."""

    BINDINGS = [
        Binding("f", "fire", "Fire", id="msel.fire"),
        Binding("s", "skip", "Skip inject", id="msel.skip", show=False),
        Binding("d", "delay", "Delay inject 30m", id="msel.delay", show=False),
        Binding("a", "adhoc", "Ad-hoc", id="msel.adhoc"),
        Binding("r", "toggle_role", "Person/policy", id="actors.toggle_role", show=False),
        Binding("v", "role_view", "Role", id="actors.role_view"),
        Binding("1", "show_tab('tab-msel')", "MSEL tab", id="tabs.msel", show=False),
        Binding("2", "show_tab('tab-actors')", "Actors tab", id="tabs.actors", show=False),
        Binding("3", "show_tab('tab-expectations')", "Expectations tab",
                id="tabs.expectations", show=False),
        Binding("4", "show_tab('tab-log')", "Log tab", id="tabs.log", show=False),
    ]

    #: which tab each table lives on, and what its keys are called there
    TAB_OF = {"msel": ("tab-msel", "MSEL", "1"), "actors": ("tab-actors", "Actors", "2")}

    def compose(self) -> ComposeResult:
        yield Static(id="clock", classes="clockbar")
        with TabbedContent(id="tabs"):
            with TabPane("MSEL", id="tab-msel"):
                yield DataTable(id="msel", cursor_type="row", zebra_stripes=True)
            with TabPane("Actors", id="tab-actors"):
                yield DataTable(id="actors", cursor_type="row", zebra_stripes=True)
            with TabPane("Expectations", id="tab-expectations"):
                yield DataTable(id="expectations", cursor_type="row", zebra_stripes=True)
            with TabPane("Log", id="tab-log"):
                yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def add_columns(self) -> None:
        self.query_one("#msel", DataTable).add_columns(
            "Id", "Time", "Status", "Type", "Title", "To")
        self.query_one("#actors", DataTable).add_columns(
            "Id", "Name", "Local time", "Duty", "Unread", "Open incidents", "Played by")
        self.query_one("#expectations", DataTable).add_columns(
            "Id", "Status", "Due", "Left", "Who", "Action", "Incident", "Score")
        self.query_one("#log", DataTable).add_columns("Time", "Event")

    def refresh_view(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        self.query_one("#clock", Static).update(_clock_line(app))
        _fill(self.query_one("#msel", DataTable), [
            (r.id, (r.id, _t(r.delivered_at if r.delivered_at is not None else r.at), r.status,
                    r.type, r.title, ", ".join(r.to) if len(r.to) < 3 else f"{len(r.to)} teams"))
            for r in sorted(st.msel.values(),
                            key=lambda r: (r.at is None, r.at if r.at is not None else 0, r.id))
        ], fit=4)
        _fill(self.query_one("#actors", DataTable), [
            (aid, (aid, a.name, st.local_time(aid), "on" if st.on_duty(aid) else "off",
                   str(st.unread(aid)), ", ".join(st.open_incidents(aid)), st.played_by[aid]))
            for aid, a in st.scenario.actors.items()
        ])
        _fill(self.query_one("#expectations", DataTable), [
            (x.id, (x.id, x.status, _t(x.deadline_at), _left(x.deadline_at, st.now, x.status),
                    ", ".join(x.actors), x.action, x.incident, f"{x.score:g}"))
            for x in st.expectations.values()
        ])
        _fill(self.query_one("#log", DataTable), [
            (str(e.seq), (_t(e.time), _describe(e, st))) for e in reversed(st.recent)
        ])

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        with suppress(NoMatches):
            self.query_one(f"#{tab} DataTable", DataTable).focus()

    def _selected(self, table_id: str, what: str = "") -> str | None:
        """The row under the cursor of ``table_id``, only while its tab is shown.

        A key meant for one tab does nothing on another (the cursor of a hidden table
        is not a choice anyone can see): it says where it works instead.
        """
        tab, title, key = self.TAB_OF[table_id]
        if self.query_one("#tabs", TabbedContent).active != tab:
            self.notify(f"{what or 'That key'} works on the {title} tab (press {key}).",
                        severity="warning", timeout=4)
            return None
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        return str(key.value)

    def _msel_command(self, name: str, *args: object, what: str = "") -> None:
        inject = self._selected("msel", what)
        if inject is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        app.command(lambda: getattr(app.session, name)(inject, *args),
                    f"{name.replace('_', ' ')} {inject}")

    def action_fire(self) -> None:
        self._msel_command("fire_inject", what="Fire (f)")

    def action_skip(self) -> None:
        """Skip the selected inject, after asking; ``f`` delivers a skipped inject after all."""
        inject = self._selected("msel", "Skip (s)")
        if inject is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        row = app.state.msel[inject]
        if row.status != "pending":
            self.notify(f"Inject {inject} is {row.status}: only a waiting inject can be skipped.",
                        severity="warning", timeout=4)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                app.command(lambda: app.session.skip_inject(inject),
                            f"skipped inject {inject}; to undo, select it and press f "
                            "to deliver it after all")

        app.push_screen(Confirm(f"Skip inject {inject}?",
                                f"{row.title}\nIt will not be delivered unless you fire it "
                                "later with f."), answer)

    def action_delay(self) -> None:
        self._msel_command("delay_inject", 30.0, what="Delay (d)")

    def action_adhoc(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.push_screen(InjectForm(app.state), app.send_adhoc)

    def action_toggle_role(self) -> None:
        actor = self._selected("actors", "Person/policy (r)")
        if actor is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        human = app.state.played_by[actor] != "human"
        app.command(lambda: app.session.set_human(actor, human),
                    f"{actor} now played by {'a person' if human else 'the policy'}")

    def action_role_view(self) -> None:
        """The selected actor's view on the Actors tab; else the first person's role."""
        app: DrillApp = self.app  # type: ignore[assignment]
        if self.query_one("#tabs", TabbedContent).active == "tab-actors":
            actor = self._selected("actors")
            if actor is not None:
                app.open_role(actor)
            return
        app.next_role("")


class ParticipantScreen(LiveScreen):
    """One role's view: its inbox, its actions, its to-do list. Nothing else."""

    BINDINGS = [
        Binding("k", "acknowledge", "Ack", id="role.acknowledge"),
        Binding("a", "act", "Action", id="role.act"),
        Binding("n", "notify_ansac", "Notify ANSAC", id="role.notify_ansac", show=False),
        Binding("h", "next_role", "Next person", id="role.next", show=False),
        Binding("escape", "console", "Console", id="role.console"),
    ]

    def __init__(self, role: str):
        super().__init__(name=f"role-{role}")
        self.role = role

    def compose(self) -> ComposeResult:
        yield Static(id="clock", classes="clockbar")
        yield Static(id="rolebar", classes="rolebar")
        with Horizontal(id="role-body"):
            with Vertical(id="inbox-pane"):
                yield DataTable(id="inbox", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="todo", cursor_type="row")
            yield Static(id="detail")
        yield Footer(compact=True)

    def add_columns(self) -> None:
        self.query_one("#inbox", DataTable).add_columns("", "Time", "TLP", "Subject", "From")
        self.query_one("#todo", DataTable).add_columns("Status", "Due", "Left", "To do")

    def refresh_view(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        actor = st.scenario.actors[self.role]
        duty = "on duty" if st.on_duty(self.role) else "off duty"
        self.query_one("#clock", Static).update(_clock_line(app))
        by = "a person" if st.played_by[self.role] == "human" else "the automated policy"
        self.query_one("#rolebar", Static).update(line(
            f" {actor.name} ({self.role})  {st.local_time(self.role)} local, {duty}"
            f"  played by {by}"))
        _fill(self.query_one("#inbox", DataTable), [
            (item.ref, (" " if item.acknowledged else "●", _t(item.at), item.tlp,
                        item.title or item.kind, _shorten(_name(st, item.sender), 16)))
            for item in reversed(st.inbox[self.role])
        ], fit=3)
        _fill(self.query_one("#todo", DataTable), [
            (x.id, (x.status, _t(x.deadline_at), _left(x.deadline_at, st.now, x.status),
                    x.description or f"{x.action} ({x.incident})"))
            for x in st.todo(self.role)
        ], fit=3)
        self._show_detail()

    def _selected_item(self):
        table = self.query_one("#inbox", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        app: DrillApp = self.app  # type: ignore[assignment]
        return app.state.item(self.role, str(key.value))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "inbox":
            self._show_detail()

    def _show_detail(self) -> None:
        item = self._selected_item()
        detail = self.query_one("#detail", Static)
        if item is None:
            detail.update("Nothing received yet.")
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        lines = [
            f"TLP:{item.tlp}   {app.state.incident_title(item.incident)}",
            f"From {_name(app.state, item.sender)} via {item.channel} at {_t(item.at)}",
            "",
            item.title,
            "",
            item.text or "(no text)",
        ]
        if item.artefacts:
            lines += ["", "Attached: " + ", ".join(item.artefacts)]
        lines += ["", "acknowledged" if item.acknowledged else "not yet acknowledged"]
        detail.update(text("\n".join(lines)))

    def action_acknowledge(self) -> None:
        item = self._selected_item()
        if item is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        app.command(lambda: app.session.act(
            Action(self.role, "acknowledge", item.incident, refs=(item.ref,))),
            f"acknowledged {item.ref}")

    def _form(self, verb: str, targets: tuple[str, ...] = ()) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        if not app.state.known[self.role]:
            self.notify("Nothing has been received yet.", severity="warning")
            return
        item = self._selected_item()
        app.push_screen(ActionForm(app.state, self.role, item.incident if item else None, verb),
                        app.send_action)

    def action_act(self) -> None:
        self._form("notify")

    def action_notify_ansac(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        item = self._selected_item()
        sc = app.state.scenario
        bound = sc.roles.get("regional_coordinator")
        council = [bound] if bound else [
            a for a, x in sc.actors.items() if x.kind == "regional_council"]
        if item is None or not council:
            self.notify("Select an inbox item first." if council else "No regional council.",
                        severity="warning")
            return
        app.command(lambda: app.session.act(Action(
            self.role, "escalate", item.incident, targets=tuple(council),
            channel=app.default_channel(council), tlp="GREEN")),
            "ANSAC notified")

    def action_next_role(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.next_role(self.role)

    def action_console(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.as_facilitator(app.pop_screen, "Back to the console")


def _t(at: float | None) -> str:
    return "" if at is None else format_drill_time(at)


def _left(deadline: float | None, now: float, status: str) -> str:
    if deadline is None or status not in ("due", "waiting"):
        return ""
    left = deadline - now
    return format_duration(left) if left >= 0 else "overdue"


def _name(state: DrillState, aid: str | None) -> str:
    return state.scenario.actors[aid].name if aid in state.scenario.actors else str(aid)


def _shorten(value: str, width: int) -> str:
    """``value`` cut to ``width`` terminal cells, ending in an ellipsis when cut."""
    if cell_len(value) <= width:
        return value
    out = ""
    for ch in value:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _fit(table: DataTable, rows: list[tuple[str, tuple[object, ...]]], column: int,
         floor: int = 8) -> list[tuple[str, tuple[object, ...]]]:
    """Shorten one long column so that every column fits the table's width.

    The other columns keep their full text; the long one (a title, a description)
    ends in an ellipsis rather than pushing the columns after it off the screen.
    """
    width = table.size.width
    if not width or not rows:
        return rows
    others = 0
    for i, col in enumerate(table.ordered_columns):
        if i != column:
            longest = max([cell_len(str(col.label)),
                           *(cell_len(str(r[1][i])) for r in rows)])
            others += longest + 2 * table.cell_padding
    room = max(floor, width - others - 2 * table.cell_padding - 1)  # 1: the scrollbar
    return [(key, (*vals[:column], _shorten(str(vals[column]), room), *vals[column + 1:]))
            for key, vals in rows]


def _fill(table: DataTable, rows: Iterable[tuple[str, tuple[object, ...]]],
          fit: int | None = None) -> None:
    """Replace a table's rows, keeping the cursor on the same row key.

    Every cell is shown as plain text (see :mod:`tui.plain`). ``fit``: the index of a
    column shortened so that the whole row fits the table (see :func:`_fit`).
    """
    rows = list(rows)
    if fit is not None:
        rows = _fit(table, rows, fit)
    rows = [(key, cells(values)) for key, values in rows]
    keys = [k for k, _ in rows]
    current = None
    if table.row_count:
        current = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
    old_keys = [str(r.value) for r in table.rows]
    if old_keys == keys:
        changed = [(key, col, value) for key, row in rows
                   for col, value in zip(table.columns, row, strict=False)
                   if table.get_cell(key, col) != value]
        if fit is None or not changed:
            for key, col, value in changed:
                table.update_cell(key, col, value, update_width=True)
            return
        # a fitted column may have to shrink, which updating cells never does
    table.clear()
    if fit is not None:
        for column in table.columns.values():
            if column.auto_width:
                column.content_width = cell_len(str(column.label))
    for key, row in rows:
        table.add_row(*row, key=key)
    if current in keys:
        table.move_cursor(row=keys.index(current), animate=False)


def _pin_hash(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 100_000)


#: actions a player in a role view may not take when the console is locked with a PIN
FACILITATOR_ONLY = frozenset({
    "toggle_clock", "faster", "slower", "next_inject", "review", "quit_drill", "quit",
})


class DrillApp(PlainTextApp):
    """A live drill: the facilitator console and participants' role views."""

    CSS_PATH = Path(__file__).with_name("drill.tcss")  # absolute: subclasses live elsewhere
    TITLE = "acid-drill"
    BINDINGS = [
        Binding("space", "toggle_clock", "Run/pause", id="clock.toggle"),
        Binding("plus,equals_sign", "faster", "Faster", id="clock.faster", show=False),
        Binding("minus", "slower", "Slower", id="clock.slower", show=False),
        Binding("j", "next_inject", "Next", id="clock.next_inject"),
        Binding("R", "review", "Review", id="app.review", show=False),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit_drill", "Quit", id="app.quit"),
    ]

    def __init__(self, session: DrillSession, speed: float = 60.0,
                 roles: Iterable[str] = (), clock: DrillClock | None = None,
                 tick: float = TICK, pin: str | None = None):
        super().__init__()
        # hot seat: the facilitator's PIN, kept only as a salted hash
        self._pin_salt = secrets.token_bytes(16)
        self._pin_hash = _pin_hash(pin, self._pin_salt) if pin else None
        self.session = session
        self.state = DrillState(session.scenario)
        for event in session.engine.log:
            self.state.apply(event)
        session.listen(self.state.apply)
        self.clock = clock or DrillClock(speed=speed, start=session.now)
        self.start_roles = list(roles)
        self.tick_seconds = tick
        self._shown = -1

    # --- lifecycle ---------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(FacilitatorScreen())
        for role in self.start_roles[:1]:
            self.open_role(role)
        if self.session.path:
            self.notify(f"Journal: {self.session.path}", timeout=6)
        self.set_interval(self.tick_seconds, self.tick)

    #: why the drill was halted (the journal could not be written), or None
    halted: str | None = None

    def _halt(self, exc: JournalError) -> None:
        """Stop the drill where the journal stops: nothing is played that is not recorded."""
        self.clock.pause()
        self.halted = (f"{exc} The drill is halted at the last recorded step: quit, make room, "
                       "and carry on with drill play --resume.")
        self.notify(self.halted, severity="error", timeout=30)

    def tick(self) -> None:
        """Advance the engine to the clock's drill time and redraw what changed."""
        if self.halted is None and not self.state.finished and self.clock.running:
            target = self.clock.drill_time()
            if target > self.session.now:
                try:
                    self.session.advance_to(target)
                except JournalError as exc:
                    self._halt(exc)
                    return
            if self.session.finished:
                self.clock.pause()
                self.notify("The drill has ended.", timeout=10)
                self.action_review()
        self.redraw()

    def redraw(self) -> None:
        # the read model knows time from events; between events the clock moves on
        self.state.now = max(self.state.now, self.session.now)
        screen = self.screen
        if isinstance(screen, FacilitatorScreen | ParticipantScreen) and screen.ready:
            with suppress(NoMatches):  # the screen is being torn down (closing the app)
                screen.refresh_view()

    def on_unmount(self) -> None:
        self.session.close()

    # --- commands ----------------------------------------------------------------

    def command(self, fn, done: str) -> None:
        """Run a session command; show its refusal instead of raising."""
        if self.halted is not None:
            self.notify(self.halted, severity="error", timeout=10)
            return
        try:
            fn()
        except ActionError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        except JournalError as exc:
            self._halt(exc)
            return
        self.notify(done, timeout=3)
        self.redraw()

    def send_action(self, action: Action | None) -> None:
        if action is not None:
            self.command(lambda: self.session.act(action), f"{action.verb.replace('_', ' ')} sent")

    def send_adhoc(self, spec: dict | None) -> None:
        if spec is None:
            return
        n = sum(1 for i in self.state.msel if i.startswith("adhoc-")) + 1
        control = next((a for a, x in self.state.scenario.actors.items()
                        if x.kind == "exercise_control"), spec["to"][0])
        incident = {"id": spec["incident"]}
        if spec["incident"] not in self.state.incidents:
            incident["type"] = "other"
        inject = Inject(id=f"adhoc-{n}", sender=control, to=spec["to"], via=spec["via"],
                        tlp=spec["tlp"], title=spec["title"], text=spec["text"],
                        incident=incident, type="information")
        self.command(lambda: self.session.add_inject(inject), f"inject adhoc-{n} sent")

    def default_channel(self, targets: list[str]) -> str:
        sc = self.state.scenario
        for cid in sc.channels:
            if all(cid in sc.actors[t].contacts for t in targets):
                return cid
        return next(iter(sc.channels))

    def open_role(self, role: str) -> None:
        if not isinstance(self.screen, FacilitatorScreen):
            self.pop_screen()
        self.push_screen(ParticipantScreen(role))

    def next_role(self, current: str) -> None:
        """Hot seat: hand the view to the next role a person plays."""
        people = [a for a, by in self.state.played_by.items() if by == "human"]
        if not people:
            self.notify("No role is played by a person.", severity="warning")
            return
        nxt = people[(people.index(current) + 1) % len(people)] if current in people else people[0]
        self.open_role(nxt)

    # --- hot seat: the console is the facilitator's ----------------------------

    @property
    def locked(self) -> bool:
        """A player holds the keyboard: a role view is open and a PIN guards the console."""
        if self._pin_hash is None:
            return False
        return any(isinstance(s, ParticipantScreen) for s in self.screen_stack)

    def pin_matches(self, pin: str) -> bool:
        if self._pin_hash is None:
            return True
        return hmac.compare_digest(_pin_hash(pin, self._pin_salt), self._pin_hash)

    def as_facilitator(self, fn, what: str) -> None:
        """Run ``fn`` now, or once the facilitator's PIN is given (hot seat)."""
        if not self.locked:
            fn()
            return

        def answer(ok: bool | None) -> None:
            if ok:
                fn()

        self.push_screen(PinPrompt(what, self.pin_matches), answer)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """Keys, clicks and the palette all come here: facilitator actions ask for the PIN."""
        name = action if isinstance(action, str) else action[1]
        bare = name.split("(")[0].rsplit(".", 1)[-1]
        if self.locked and bare in FACILITATOR_ONLY and not isinstance(self.screen, PinPrompt):
            run = super().run_action
            self.as_facilitator(
                lambda: self.call_later(run, action, default_namespace, namespaces),
                "That is for the facilitator")
            return True
        return await super().run_action(action, default_namespace, namespaces)

    # --- clock actions -----------------------------------------------------------

    def action_toggle_clock(self) -> None:
        if self.state.finished:
            return
        if self.clock.running:
            self.clock.pause()
        else:
            self.clock.resume()
        self.redraw()

    def action_faster(self) -> None:
        faster = [s for s in SPEEDS if s > self.clock.speed]
        self.clock.set_speed(faster[0] if faster else self.clock.speed)
        self.redraw()

    def action_slower(self) -> None:
        slower = [s for s in SPEEDS if s < self.clock.speed]
        self.clock.set_speed(slower[-1] if slower else self.clock.speed)
        self.redraw()

    def action_next_inject(self) -> None:
        t = self.session.next_inject_time()
        if t is None:
            self.notify("No inject is waiting.", severity="warning")
            return
        if self.halted is not None:
            self.notify(self.halted, severity="error", timeout=10)
            return
        self.clock.jump_to(t)
        try:
            self.session.advance_to(t)
            # deliver injects due at exactly this time
            self.session.advance_to(t + 1e-6)
        except JournalError as exc:
            self._halt(exc)
            return
        self.clock.jump_to(self.session.now)
        self.redraw()

    def action_review(self, runs: int = 50) -> None:
        """The review screen for the drill so far (at the end: the hot wash)."""
        from sim.analysis.review import build_review

        from .review import ReviewScreen

        journal = self.session.journal
        review = build_review(self.session.scenario, list(self.session.engine.log),
                              journal.ratings() if journal else {}, runs=runs,
                              seed=self.session.seed,
                              meta=journal.meta() if journal else {})
        self.push_screen(ReviewScreen(review, journal))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._binding_rows()))

    async def action_quit(self) -> None:
        """ctrl+q: the same question as q while the drill runs."""
        self.action_quit_drill()

    def action_quit_drill(self) -> None:
        if isinstance(self.screen, ConfirmQuit):
            return
        if self.state.finished:
            self.exit()
            return
        path = str(self.session.path) if self.session.path else None

        def answer(quit_: bool | None) -> None:
            if quit_:
                self.exit()

        self.push_screen(ConfirmQuit(path), answer)

    # --- help and the command palette -------------------------------------------

    def _drill_bindings(self, screen: Screen | None = None) -> list[tuple[Binding, object]]:
        out = []
        for owner in (screen or self.screen, self):
            for b in owner.BINDINGS:
                if isinstance(b, Binding) and b.id:
                    out.append((b, owner))
        return out

    def key_names(self, binding: Binding) -> str:
        """A binding's keys as people write them: ``+ =``, ``? F1``, ``esc``."""
        names = []
        for key in binding.key.split(","):
            shown = self.get_key_display(Binding(key.strip(), ""))
            names.append(shown.upper() if re.fullmatch(r"f\d+", shown) else shown)
        return " ".join(names)

    def _binding_rows(self) -> list[tuple[str, str, str]]:
        return [(self.key_names(b), b.description, b.id or "") for b, _ in self._drill_bindings()]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # one Quit: the drill's own, which asks first
        yield from (c for c in super().get_system_commands(screen) if c.title != "Quit")
        for b, owner in self._drill_bindings(screen):
            yield SystemCommand(
                b.description, f"key: {self.key_names(b)}",
                lambda b=b, owner=owner: owner.run_action(b.action),  # type: ignore[union-attr]
            )
