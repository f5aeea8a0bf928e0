"""The facilitator's console: the MSEL, the teams, the expectations, the log."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from scenarios.durations import format_drill_time
from sim.engine.events import Event
from sim.runs.breaks import BreakPlan, parse_break, wall_clock
from sim.runs.session import DrillSession
from sim.runs.when import FORMATS, parse_when, when_in_words

from ..forms import BreakForm, Confirm, InjectForm, TimeForm
from ..forms.sending import Outcome
from ..plain import cells, line
from ..widgets.tables import FittedTable, fill_table, shorten
from .live import LiveScreen, clock_line, describe, fmt_time, time_left

if TYPE_CHECKING:
    from sim.runs.view import ExpectationRow

    from ..app import DrillApp


class FacilitatorScreen(LiveScreen):
    """The high controller's seat: MSEL, actors, expectations, the event log."""

    BINDINGS = [
        Binding("f", "fire", "Fire", id="msel.fire"),
        Binding("s", "skip", "Skip inject", id="msel.skip", show=False),
        Binding("d", "delay", "Delay inject 30m", id="msel.delay", show=False),
        Binding("a", "adhoc", "Ad-hoc", id="msel.adhoc"),
        Binding("t", "reschedule", "Reschedule inject", id="msel.reschedule", show=False),
        Binding("e", "edit_inject", "Edit inject", id="msel.edit", show=False),
        Binding("u", "unskip", "Un-skip inject", id="msel.unskip", show=False),
        Binding("g", "go_to", "Go to time", id="clock.go_to", show=False),
        Binding("b", "plan_break", "Schedule a break", id="clock.break", show=False),
        Binding("r", "toggle_role", "Person/policy", id="actors.toggle_role", show=False),
        Binding("v", "role_view", "Role", id="actors.role_view"),
        Binding("1", "show_tab('tab-overview')", "Overview tab", id="tabs.overview",
                show=False),
        Binding("2", "show_tab('tab-msel')", "MSEL tab", id="tabs.msel", show=False),
        Binding("3", "show_tab('tab-actors')", "Actors tab", id="tabs.actors", show=False),
        Binding("4", "show_tab('tab-expectations')", "Expectations tab",
                id="tabs.expectations", show=False),
        Binding("5", "show_tab('tab-log')", "Log tab", id="tabs.log", show=False),
        Binding("6", "show_tab('tab-notes')", "Notes tab", id="tabs.notes", show=False),
        Binding("o", "observe", "Note", id="notes.observe"),
    ]

    #: how long (wall seconds) a team's row stays marked after a person acted for it
    ACTED_MARK = 30.0
    #: at most this many toasts at once about what people did; more are summed up
    ACTED_TOASTS = 3

    #: which tab each table lives on, what it is called, and the binding that shows it
    TAB_OF = {"msel": ("tab-msel", "MSEL", "tabs.msel"),
              "actors": ("tab-actors", "Actors", "tabs.actors")}
    #: the overview's panel that stands for a table: its keys work there too
    OVERVIEW_OF = {"msel": "ov-msel"}
    #: injects already delivered or skipped that the overview keeps in sight
    RECENT_INJECTS = 2

    def compose(self) -> ComposeResult:
        yield Static(id="clock", classes="clockbar")
        with TabbedContent(id="tabs"):
            with TabPane("Overview", id="tab-overview"), Vertical(id="overview"):
                with Vertical(id="ov-injects", classes="panel") as box:
                    box.border_title = "Injects: recent and next"
                    yield FittedTable(id="ov-msel", cursor_type="row")
                with Horizontal(id="ov-middle"):
                    with Vertical(id="ov-teams-box", classes="panel") as box:
                        box.border_title = "Teams"
                        yield FittedTable(id="ov-teams", cursor_type="none", show_cursor=False)
                    with Vertical(id="ov-due-box", classes="panel") as box:
                        box.border_title = "Expectations due"
                        yield FittedTable(id="ov-due", cursor_type="none", show_cursor=False)
                with Vertical(id="ov-log-box", classes="panel") as box:
                    box.border_title = "Latest"
                    yield FittedTable(id="ov-log", cursor_type="none", show_cursor=False,
                                    show_header=False)
            with TabPane("MSEL", id="tab-msel"):
                yield FittedTable(id="msel", cursor_type="row", zebra_stripes=True)
            with TabPane("Actors", id="tab-actors"):
                yield FittedTable(id="actors", cursor_type="row", zebra_stripes=True)
            with TabPane("Expectations", id="tab-expectations"):
                yield FittedTable(id="expectations", cursor_type="row", zebra_stripes=True)
            with TabPane("Log", id="tab-log"):
                yield FittedTable(id="log", cursor_type="row", zebra_stripes=True)
            with TabPane("Notes", id="tab-notes"):
                yield FittedTable(id="notes", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def add_columns(self) -> None:
        self.query_one("#msel", DataTable).add_columns(
            "Id", "Time", "Status", "Type", "Title", "To")
        self.query_one("#actors", DataTable).add_columns(
            "Id", "Name", "Local time", "Duty", "Unread", "Open", "By", "Last acted")
        self.query_one("#expectations", DataTable).add_columns(
            "Id", "Status", "Due", "Left", "Who", "Action", "Incident", "Score")
        self.query_one("#log", DataTable).add_columns("Time", "Event")
        self.query_one("#notes", DataTable).add_columns("Time", "About", "Note")
        self.query_one("#ov-msel", DataTable).add_columns("Id", "Time", "Status", "Title", "To")
        self.query_one("#ov-teams", DataTable).add_columns(
            "Team", "Duty", "Unread", "Open", "By")
        self.query_one("#ov-due", DataTable).add_columns("Left", "Expected")
        self.query_one("#ov-log", DataTable).add_columns("Time", "Event")
        for tid in ("#ov-teams", "#ov-due", "#ov-log"):  # to read, not to choose from
            self.query_one(tid, DataTable).can_focus = False

    def refresh_view(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        self.query_one("#clock", Static).update(clock_line(app))
        fill_table(self.query_one("#msel", DataTable), [
            (r.id, (r.id, fmt_time(r.delivered_at if r.delivered_at is not None else r.at), r.status,
                    r.type, r.title, ", ".join(r.to) if len(r.to) < 3 else f"{len(r.to)} teams"))
            for r in sorted(st.msel.values(),
                            key=lambda r: (r.at is None, r.at if r.at is not None else 0, r.id))
        ], fit=4)
        marked = self._people_acted()
        fill_table(self.query_one("#actors", DataTable), [
            (aid, self._marked(aid in marked, (
                aid, a.name, st.local_time(aid), "on" if st.on_duty(aid) else "off",
                str(st.unread(aid)), ", ".join(st.open_incidents(aid)), st.played_by[aid],
                self._last_acted(aid))))
            for aid, a in st.scenario.actors.items()
        ], fit=(1, 0))  # the name, then the id, shortened to keep every column on screen
        fill_table(self.query_one("#expectations", DataTable), [
            (x.id, (x.id, _status(x), fmt_time(x.deadline_at),
                    time_left(x.deadline_at, st.now, x.status), ", ".join(x.actors), x.action,
                    x.incident, "—" if x.skipped else f"{x.score:g}"))
            for x in map(st.shown, st.expectations.values())
        ], fit=4)
        self._fill_log()
        self._fill_notes()
        self.refresh_overview()

    # --- the Log tab: the whole event log --------------------------------------------

    #: how many of the drill's events the Log tab lists, and the last of them
    _logged = 0
    _last_logged: Event | None = None

    def _whole_log(self) -> Sequence[Event]:
        """Every event of the drill this console reads, oldest first: the engine's log,
        or (a drill served elsewhere) every event the server sent."""
        app: DrillApp = self.app  # type: ignore[assignment]
        if app.remote is not None:
            return app.remote.events
        assert isinstance(app.session, DrillSession)
        return app.session.engine.log

    def _fill_log(self) -> None:
        """The Log tab: the whole event log, oldest first. Only the events new since the
        last look are added (a long drill holds thousands of them), and a cursor on the
        newest line follows the log as it grows. A log that started again (the drill
        server's reset) is listed anew."""
        app: DrillApp = self.app  # type: ignore[assignment]
        events = self._whole_log()
        table = self.query_one("#log", DataTable)
        listed = self._logged
        if listed > len(events) or (listed and events[listed - 1] is not self._last_logged):
            table.clear()
            listed = 0
        if listed == len(events):
            return
        follow = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        for i in range(listed, len(events)):
            event = events[i]
            table.add_row(*cells((fmt_time(event.time), describe(event, app.state))),
                          key=str(i))
        self._logged, self._last_logged = len(events), events[-1]
        if follow:
            table.move_cursor(row=table.row_count - 1, animate=False)

    # --- what people do: a toast, a marked row, the Last acted column ---------------

    #: the newest person's action already announced (None: not looked yet)
    _announced: int | None = None
    #: team -> wall time (monotonic) until which its Actors row stays marked
    _marks: dict[str, float]

    def forget_announced(self) -> None:
        """A drill served elsewhere started again (a reset from the server): the actions
        announced so far were the lost timeline's, and their numbers say nothing of the
        new one's. What the new read model holds at the next look is taken as known, and
        everything after it is news."""
        self._announced = None
        self._marks = {}

    def _last_acted(self, actor: str) -> str:
        app: DrillApp = self.app  # type: ignore[assignment]
        acted = app.state.last_acted.get(actor)
        if acted is None:
            return ""
        return f"{fmt_time(acted.at)} {'person' if acted.by == 'human' else 'policy'}"

    @staticmethod
    def _marked(mark: bool, row: tuple[str, ...]) -> tuple[object, ...]:
        """A row marked in more than colour: a ``►`` before the id, and reversed."""
        if not mark:
            return row
        return (line(f"► {row[0]}", style="bold reverse"),
                *(line(v, style="bold reverse") for v in row[1:]))

    def _people_acted(self) -> set[str]:
        """Toast what people did since the console last looked; the teams still marked."""
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        if not hasattr(self, "_marks"):
            self._marks = {}
        newest = st.person_actions[-1].seq if st.person_actions else -1
        if self._announced is None:  # what happened before the console opened is not news
            self._announced = newest
        now = time.monotonic()
        if app.screen is not self:
            # a role's view (or a dialog) is on top: its reader is not told what other
            # teams did; the console says it once the facilitator is back
            return {aid for aid, until in self._marks.items() if until > now}
        fresh = [a for a in st.person_actions if a.seq > self._announced]
        self._announced = max(self._announced, newest)
        for acted in fresh:
            self._marks[acted.actor] = now + self.ACTED_MARK
        shown = fresh if len(fresh) <= self.ACTED_TOASTS else fresh[-(self.ACTED_TOASTS - 1):]
        if len(fresh) > len(shown):
            teams = sorted({st.name(a.actor) for a in fresh})
            self.notify(f"People acted {len(fresh)} times ({', '.join(teams)}); "
                        "the latest:", timeout=8)
        for acted in shown:
            self.notify(self._toast(acted.actor, acted.what), timeout=8)
        return {aid for aid, until in self._marks.items() if until > now}

    def _toast(self, actor: str, what: str) -> str:
        """'CERT-PH (person) notified ANSAC': the log line, said of a person."""
        app: DrillApp = self.app  # type: ignore[assignment]
        who = app.state.name(actor)
        if what.startswith(who + " "):
            return f"{who} (person) {what[len(who) + 1:]}"
        return f"{who} (person): {what}"

    # --- evaluators' notes ------------------------------------------------------------

    def _fill_notes(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        rows = []
        for n in reversed(app.session.notes):
            about = (f"Expectation {n.expectation}" if n.expectation
                     else st.name(n.team) if n.team else "in general")
            rows.append((str(n.id), (fmt_time(n.drill_time), shorten(about, 24), n.text)))
        fill_table(self.query_one("#notes", DataTable), rows, fit=2)

    def action_observe(self) -> None:
        """A note about the expectation or team under the cursor, or the drill in general."""
        app: DrillApp = self.app  # type: ignore[assignment]
        active = self.query_one("#tabs", TabbedContent).active
        about = "-"
        for tab, table, kind in (("tab-expectations", "expectations", "expectation"),
                                 ("tab-actors", "actors", "team")):
            grid = self.query_one(f"#{table}", DataTable)
            if active == tab and grid.row_count:
                key = grid.coordinate_to_cell_key((grid.cursor_row, 0)).row_key
                about = f"{kind}:{key.value}"
        app.observe(about)

    def refresh_overview(self) -> None:
        """The Overview tab: the injects around now, the teams, what falls due, the log."""
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        by_time = sorted(st.msel.values(),
                         key=lambda r: (r.at is None, r.at if r.at is not None else 0, r.id))
        done = sorted((r for r in by_time if r.status != "pending"),
                      key=lambda r: (r.delivered_at if r.delivered_at is not None
                                     else r.at if r.at is not None else st.now, r.id))
        pending = [r for r in by_time if r.status == "pending"]
        injects = done[-self.RECENT_INJECTS:] + pending
        table = self.query_one("#ov-msel", DataTable)
        before = (table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
                  if table.row_count else None)
        fill_table(table, [
            (r.id, (r.id, fmt_time(r.delivered_at if r.delivered_at is not None else r.at),
                    r.status, r.title, ", ".join(r.to) if len(r.to) < 3 else f"{len(r.to)} teams"))
            for r in injects
        ], fit=3)
        row = st.msel.get(str(before)) if before is not None else None
        # the inject under the cursor left the list, or stopped waiting since the last
        # look (fired, skipped, delivered at its time): the next one is the one to act on.
        # A delivered or skipped row the facilitator moved to on purpose keeps the cursor.
        moved_on = before not in [r.id for r in injects] or (
            before in self._ov_waiting and row is not None and row.status != "pending")
        if moved_on and pending:
            table.move_cursor(row=injects.index(pending[0]), animate=False)
        self._ov_waiting = {r.id for r in pending}

        def attention(aid: str) -> tuple:
            return (st.played_by[aid] != "human", -len(st.open_incidents(aid)),
                    -st.unread(aid), not st.on_duty(aid), aid)

        fill_table(self.query_one("#ov-teams", DataTable), [
            (aid, (st.scenario.actors[aid].name, "on" if st.on_duty(aid) else "off",
                   str(st.unread(aid)), str(len(st.open_incidents(aid))),
                   "person" if st.played_by[aid] == "human" else "policy"))
            for aid in sorted(st.scenario.actors, key=attention)
        ], fit=0)
        due = sorted((x for x in map(st.shown, st.expectations.values())
                      if x.status in ("due", "waiting") and x.deadline_at is not None),
                     key=lambda x: (x.deadline_at, x.id))
        fill_table(self.query_one("#ov-due", DataTable), [
            (x.id, (time_left(x.deadline_at, st.now, x.status),
                    f"{', '.join(x.actors)}: {x.action.replace('_', ' ')}"))
            for x in due
        ], fit=(1, 0))  # the name, then the id, shortened to keep every column on screen
        fill_table(self.query_one("#ov-log", DataTable), [
            (str(e.seq), (fmt_time(e.time), describe(e, st)))
            for e in list(reversed(st.recent))[:50]
        ], fit=(1, 0))  # the name, then the id, shortened to keep every column on screen

    #: the Overview's injects that were waiting at its last look
    _ov_waiting: frozenset[str] | set[str] = frozenset()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        with suppress(NoMatches):
            self.query_one(f"#{tab} DataTable", DataTable).focus()

    def _selected(self, table_id: str, what: str = "") -> str | None:
        """The row under the cursor of ``table_id``, only while its tab is shown.

        A key meant for one tab does nothing on another (the cursor of a hidden table
        is not a choice anyone can see): it says where it works instead.
        """
        tab, title, shows = self.TAB_OF[table_id]
        active = self.query_one("#tabs", TabbedContent).active
        if active == "tab-overview" and table_id in self.OVERVIEW_OF:
            table_id = self.OVERVIEW_OF[table_id]
        elif active != tab:
            app: DrillApp = self.app  # type: ignore[assignment]
            self.notify(f"{what or 'That key'} works on the {title} tab "
                        f"(press {app.keys_of(shows)}).", severity="warning", timeout=4)
            return None
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        return str(key.value)

    def _named(self, what: str, binding_id: str) -> str:
        """``Fire (f)``: an action with the keys it is on (a keymap may have moved them)."""
        app: DrillApp = self.app  # type: ignore[assignment]
        return f"{what} ({app.keys_of(binding_id)})"

    def _msel_command(self, name: str, *args: object, what: str = "") -> None:
        inject = self._selected("msel", what)
        if inject is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        app.command(lambda: getattr(app.session, name)(inject, *args),
                    f"{name.replace('_', ' ')} {inject}")

    def action_fire(self) -> None:
        self._msel_command("fire_inject", what=self._named("Fire", "msel.fire"))

    def action_skip(self) -> None:
        """Skip the selected inject, after asking; ``f`` delivers a skipped inject after all."""
        inject = self._selected("msel", self._named("Skip", "msel.skip"))
        if inject is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        row = app.state.msel[inject]
        if row.status != "pending":
            self.notify(f"Inject {inject} is {row.status}: only a waiting inject can be skipped.",
                        severity="warning", timeout=4)
            return

        unskip = app.keys_of("msel.unskip")

        def answer(yes: bool | None) -> None:
            if yes:
                app.command(lambda: app.session.skip_inject(inject),
                            f"skipped inject {inject}; to undo, select it and press {unskip}")

        app.push_screen(Confirm(f"Skip inject {inject}?",
                                f"{row.title}\nIt will not be delivered unless you put it "
                                f"back with {unskip}."), answer)

    def action_delay(self) -> None:
        row = self._msel_row(self._named("Delay", "msel.delay"), ("pending",), "delayed")
        if row is None:
            return
        if row.at is None:  # a contingency waiting for its trigger
            self.notify(f"Inject {row.id} has no time yet (it waits for its trigger), so there "
                        "is none to delay: give it one with "
                        f"{self._named('Reschedule', 'msel.reschedule')}.",
                        severity="warning", timeout=6)
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        app.command(lambda: app.session.delay_inject(row.id, 30.0), f"delay inject {row.id}")

    def action_adhoc(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.push_screen(InjectForm(app.state, check_when=app.check_when, send=app.send_adhoc))

    def _msel_row(self, what: str, states: tuple[str, ...], doing: str):
        """The selected MSEL row when its status allows ``doing``; else say why not."""
        inject = self._selected("msel", what)
        if inject is None:
            return None
        app: DrillApp = self.app  # type: ignore[assignment]
        row = app.state.msel[inject]
        if row.status not in states:
            self.notify(f"Inject {inject} is {row.status}: only a {' or '.join(states)} "
                        f"inject can be {doing}.",
                        severity="warning", timeout=4)
            return None
        return row

    def action_reschedule(self) -> None:
        """Move the selected waiting inject to a drill time the facilitator types."""
        row = self._msel_row(self._named("Reschedule", "msel.reschedule"), ("pending",), "rescheduled")
        if row is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]

        def answer(when: str | None) -> None:
            if when:
                t = parse_when(when, app.state.scenario, app.session.now)
                words = when_in_words(app.state.scenario, t, app.session.now)
                app.command(lambda: app.session.reschedule_inject(row.id, t),
                            f"inject {row.id} rescheduled to {words}")

        now = app.session.now
        current = (f"It is due at {when_in_words(app.state.scenario, row.at, now)}."
                   if row.at is not None else "It has no time yet.")
        app.push_screen(TimeForm(
            f"Reschedule inject {row.id}",
            f"{current}\nDeliver it at: {FORMATS} (a clock time is today, or tomorrow once "
            "passed).",
            # the time to start from: the nearest minute (the clock's, rounded down, can
            # be one that has passed)
            "" if row.at is None else format_drill_time(row.at),
            lambda v: app.check_when(v, allow_now=False), "Reschedule"), answer)

    def action_edit_inject(self) -> None:
        """Change the selected inject's title, text, recipients or TLP before it is sent."""
        row = self._msel_row(self._named("Edit", "msel.edit"), ("pending", "skipped"), "edited")
        if row is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]

        def send(changes: dict, outcome: Outcome) -> None:
            app.command(lambda: app.session.edit_inject(row.id, changes),
                        f"inject {row.id} edited ({', '.join(changes)})", outcome)

        app.push_screen(InjectForm(app.state, edit=row, send=send))

    def action_unskip(self) -> None:
        """Put the selected skipped inject back: at its own time while that is ahead,
        else at a time the facilitator gives (or now)."""
        row = self._msel_row(self._named("Un-skip", "msel.unskip"), ("skipped",), "put back")
        if row is None:
            return
        app: DrillApp = self.app  # type: ignore[assignment]
        now = app.session.now
        if row.at is not None and row.at >= now:
            app.command(lambda: app.session.unskip_inject(row.id),
                        f"inject {row.id} is back for {fmt_time(row.at)}")
            return

        def answer(when: str | None) -> None:
            if when:
                t = parse_when(when, app.state.scenario, app.session.now, allow_now=True)
                app.command(lambda: app.session.unskip_inject(row.id, t),
                            f"inject {row.id} is back for {fmt_time(t)}")

        passed = (f"Its time, {fmt_time(row.at)}, has passed." if row.at is not None
                  else "It has no time of its own.")
        app.push_screen(TimeForm(
            f"Put back inject {row.id}", f"{passed}\nDeliver it at: {FORMATS}, or now.",
            "now", app.check_when, "Put back"), answer)

    def action_go_to(self) -> None:
        """Jump the drill clock to a time ahead: everything until then happens."""
        app: DrillApp = self.app  # type: ignore[assignment]
        if app.state.finished:
            return
        now = app.session.now

        def check(value: str) -> str | None:
            problem = app.check_when(value, allow_now=False)
            if problem is None and parse_when(value, app.state.scenario, now) <= now:
                return "Give a time ahead of now."
            return problem

        def answer(when: str | None) -> None:
            if when:
                t = parse_when(when, app.state.scenario, app.session.now)
                app.jump_to(t)
                app.notify("The drill moved on to "
                           f"{when_in_words(app.state.scenario, t, t)}.",
                           timeout=3)

        app.push_screen(TimeForm(
            "Go to a drill time",
            f"Everything until then happens, as with {app.keys_of('clock.next_inject')}. "
            f"Write {FORMATS}.",
            fmt_time(math.floor(now / 60) * 60 + 60), check, "Go"), answer)

    def action_plan_break(self) -> None:
        """Schedule a break: the drill clock pauses at a wall time, for a while."""
        app: DrillApp = self.app  # type: ignore[assignment]
        now = app.wall()
        planned = [f"{wall_clock(b.at, now)} for {b.minutes:g} min" for b in app.breaks.planned]

        def check(at: str, minutes: str) -> str | None:
            try:
                BreakPlan(list(app.breaks.planned)).add(parse_break(at, minutes, app.wall()))
            except ValueError as exc:
                return str(exc)
            return None

        def answer(value: tuple[str, str] | None) -> None:
            if value:
                app.plan_break(*value)

        app.push_screen(BreakForm(planned, check), answer)

    def action_toggle_role(self) -> None:
        actor = self._selected("actors", self._named("Person/policy", "actors.toggle_role"))
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


def _status(x: ExpectationRow) -> str:
    """An expectation's status on the Expectations tab: as the review says it of one
    not in play (which skipped inject it counts from)."""
    return f"not in play (inject {x.skipped} skipped)" if x.skipped else x.status
