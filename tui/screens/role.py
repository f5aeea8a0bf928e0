"""A team's own view: its inbox, its to-do list and its actions. Nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

from sim.engine import Action

from ..forms import ActionForm
from ..plain import line, text
from ..widgets.tables import fill_table, shorten
from .live import LiveScreen, actor_name, clock_line, fmt_time, time_left

if TYPE_CHECKING:
    from ..app import DrillApp


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
        self.query_one("#clock", Static).update(clock_line(app))
        by = "a person" if st.played_by[self.role] == "human" else "the automated policy"
        self.query_one("#rolebar", Static).update(line(
            f" {actor.name} ({self.role})  {st.local_time(self.role)} local, {duty}"
            f"  played by {by}"))
        fill_table(self.query_one("#inbox", DataTable), [
            (item.ref, (" " if item.acknowledged else "●", fmt_time(item.at), item.tlp,
                        item.title or item.kind, shorten(actor_name(st, item.sender), 16)))
            for item in reversed(st.inbox[self.role])
        ], fit=3)
        fill_table(self.query_one("#todo", DataTable), [
            (x.id, (x.status, fmt_time(x.deadline_at), time_left(x.deadline_at, st.now, x.status),
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
            f"From {actor_name(app.state, item.sender)} via {item.channel} at {fmt_time(item.at)}",
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

