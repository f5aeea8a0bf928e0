"""A team's own view: its inbox, what it sent, its to-do list and its actions. Nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from sim.analysis.metrics import short_name
from sim.engine import Action
from sim.engine.wording import HEADINGS, channel_in_words
from sim.runs.view import Delivery, DrillState, SentItem
from sim.safe.text import one_line

from ..forms import ActionForm, TaskForm
from ..forms.sending import Outcome
from ..plain import line, text
from ..widgets.tables import FittedTable, fill_table, shorten
from .live import LiveScreen, actor_name, clock_line, fmt_time, time_left

if TYPE_CHECKING:
    from ..app import DrillApp


#: Below this many rows the Inbox and the Sent list take turns (``s``); above, both show.
BOTH_LISTS_FROM = 40

#: How each delivery state reads in the Sent list, and which word is the state itself.
STATE_WORDS = {"in transit": "in transit", "delivered": "delivered",
               "acknowledged": "acknowledged", "bounced": "bounced", "lost": "lost"}


def sent_what(state: DrillState, item: SentItem) -> str:
    """What a sent message was, in words: 'Takedown request: Banking botnet'."""
    heading = HEADINGS.get(item.verb, item.verb.replace("_", " ").capitalize())
    return f"{heading}: {state.incident_title(item.incident)}"


def delivery_line(state: DrillState, dl: Delivery) -> str:
    """'To MyCERT: bounced at T+02:32 (the contact is out of date)'."""
    how = channel_in_words(state.scenario, dl.channel, short=True) if dl.channel else ""
    words = dl.state
    if dl.at is not None and dl.state != "in transit":
        words += f" at {fmt_time(dl.at)}"
    if dl.reason:
        words += f" ({dl.reason})"
    tries = f", try {dl.attempts}" if dl.attempts > 1 else ""
    via = f" by {how}{tries}" if how else tries
    return f"To {actor_name(state, dl.recipient)}{via}: {words}"


#: a team's name is never shortened below this many cells in the role bar (the role id
#: after it names the team too)
NAME_FLOOR = 6


def role_name(name: str, status: str, width: int) -> str:
    """The team's name for the role bar, as one line of plain text, shortened (not the
    status after it: role id, local time, duty, who plays it) so that the bar fits
    ``width`` (0: not laid out yet)."""
    shown = one_line(name)
    if not width:
        return shown
    room = width - 1 - cell_len(one_line(status))  # 1: the space the bar starts with
    return shorten(shown, max(NAME_FLOOR, room))


class ParticipantScreen(LiveScreen):
    """One role's view: its inbox, what it sent, its to-do list. Nothing else."""

    BINDINGS = [
        Binding("k", "acknowledge", "Ack", id="role.acknowledge"),
        Binding("a", "act", "Action", id="role.act"),
        Binding("s", "toggle_sent", "Sent", id="role.sent"),
        Binding("t", "answer_task", "Answer task", id="role.answer_task", show=False),
        Binding("n", "notify_ansac", "Notify the regional coordinator", id="role.notify_ansac",
                show=False),
        Binding("h", "next_role", "Next person", id="role.next", show=False),
        Binding("o", "observe", "Note", id="role.observe", show=False),
        Binding("escape", "console", "Console", id="role.console"),
    ]

    def __init__(self, role: str):
        super().__init__(name=f"role-{role}")
        self.role = role
        #: which list the detail pane shows: "inbox" or "sent" (and, when short, which shows)
        self.showing = "inbox"
        #: what the detail pane shows (list and row): a new item is shown from its top
        self._detail_of: tuple[str, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="clock", classes="clockbar")
        yield Static(id="rolebar", classes="rolebar")
        with Horizontal(id="role-body"):
            with Vertical(id="inbox-pane"):
                yield FittedTable(id="inbox", cursor_type="row", zebra_stripes=True)
                yield FittedTable(id="sent", cursor_type="row", zebra_stripes=True)
                yield FittedTable(id="todo", cursor_type="row")
            # a long item (artefact files) scrolls: tab reaches the pane, the page keys
            # move it
            with VerticalScroll(id="detail-pane"):
                yield Static(id="detail")
        yield Footer(compact=True)

    def add_columns(self) -> None:
        self.query_one("#inbox", DataTable).add_columns("", "Time", "TLP", "Subject", "From")
        self.query_one("#sent", DataTable).add_columns("Time", "To", "State", "What")
        self.query_one("#todo", DataTable).add_columns("Status", "Due", "Left", "To do")

    def refresh_view(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        st = app.state
        actor = st.scenario.actors[self.role]
        duty = "on duty" if st.on_duty(self.role) else "off duty"
        self.query_one("#clock", Static).update(clock_line(app))
        by = "a person" if st.played_by[self.role] == "human" else "the automated policy"
        bar = self.query_one("#rolebar", Static)
        status = f" ({self.role})  {st.local_time(self.role)} local, {duty}  played by {by}"
        bar.update(line(" " + role_name(actor.name, status, bar.size.width) + status))
        fill_table(self.query_one("#inbox", DataTable), [
            (item.ref, (" " if item.acknowledged else "●", fmt_time(item.at), item.tlp,
                        item.title or item.kind, shorten(actor_name(st, item.sender), 16)))
            for item in reversed(st.inbox[self.role])
        ], fit=3)
        self._show_lists()
        names = 16 if self.query_one("#sent", DataTable).size.width >= 64 else 10
        fill_table(self.query_one("#sent", DataTable), [
            (dl.dispatch, (fmt_time(item.at), shorten(actor_name(st, dl.recipient), names),
                           STATE_WORDS.get(dl.state, dl.state), sent_what(st, item)))
            for item, dl in st.sent(self.role)
        ], fit=3)
        answers = app.keys_of("role.answer_task")  # where the keymap put it
        fill_table(self.query_one("#todo", DataTable), [
            (x.id, (x.status, fmt_time(x.deadline_at), time_left(x.deadline_at, st.now, x.status),
                    x.description or f"{x.action} ({x.incident})"))
            for x in st.todo(self.role)
        ] + [
            (f"task:{t.id}", ("answered" if t.answer else "asked", fmt_time(t.asked_at), "",
                              f"Task {t.id} ({answers} answers): {t.question}"))
            for t in st.tasks_of(self.role)
        ], fit=3)
        self._show_detail()

    @property
    def both_lists(self) -> bool:
        """Tall enough to show the Inbox and the Sent list at once."""
        return self.size.height >= BOTH_LISTS_FROM

    def _show_lists(self) -> None:
        both = self.both_lists
        self.query_one("#inbox", DataTable).display = both or self.showing == "inbox"
        self.query_one("#sent", DataTable).display = both or self.showing == "sent"

    def _selected_item(self):
        """The inbox item under the cursor, while the Inbox is shown."""
        table = self.query_one("#inbox", DataTable)
        if table.row_count == 0 or not table.display:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        app: DrillApp = self.app  # type: ignore[assignment]
        return app.state.item(self.role, str(key.value))

    def _selected_sent(self) -> tuple[SentItem, Delivery] | None:
        table = self.query_one("#sent", DataTable)
        if table.row_count == 0 or not table.display:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        app: DrillApp = self.app  # type: ignore[assignment]
        return app.state.sent_item(str(key.value))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id in ("inbox", "sent") and event.data_table.has_focus:
            self.showing = event.data_table.id
        if event.data_table.id == self.showing:
            self._show_detail()

    def on_descendant_focus(self, event) -> None:
        if getattr(event.widget, "id", None) in ("inbox", "sent"):
            self.showing = event.widget.id
            self._show_detail()

    def action_toggle_sent(self) -> None:
        """Short screens: the Inbox or the Sent list. Tall ones show both: go to the other."""
        self.showing = "sent" if self.showing == "inbox" else "inbox"
        self._show_lists()
        self.query_one(f"#{self.showing}", DataTable).focus()
        self._show_detail()

    def _shown_from_top(self, key: str | None) -> None:
        """Another item in the detail pane: show it from its top (the same one, redrawn
        as the clock ticks, keeps its place)."""
        about = (self.showing, key)
        if about != self._detail_of:
            self._detail_of = about
            self.query_one("#detail-pane", VerticalScroll).scroll_home(animate=False)

    def _show_detail(self) -> None:
        if self.showing == "sent":
            self._show_sent_detail()
            return
        item = self._selected_item()
        detail = self.query_one("#detail", Static)
        self._shown_from_top(item.ref if item is not None else None)
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
        for f in item.files:
            lines += ["", f"{f.get('name')}: SHA-256 {f.get('sha256')}, {f.get('bytes')} bytes"]
            if f.get("password_via"):
                lines.append("Password: " + item.passwords.get(
                    str(f.get("name")), f"protected; the password comes by {f['password_via']}"))
            if f.get("password_via") and f.get("name") not in item.unlocked:
                # a drill served elsewhere sends the text with the password: until then
                # the file is only marked as having text to show
                if f.get("content") is not None or f.get("shows_text"):
                    lines.append("(its text shows once the password has arrived)")
            elif f.get("content") is not None:
                lines += [f"--- {f.get('name')} ---", f["content"].rstrip("\n"),
                          f"--- end of {f.get('name')} ---"]
        lines += ["", "acknowledged" if item.acknowledged else "not yet acknowledged"]
        # str: a value that is not text (a server of another version) never stops the view
        detail.update(text("\n".join(map(str, lines))))

    def _show_sent_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        chosen = self._selected_sent()
        self._shown_from_top(None if chosen is None else chosen[1].dispatch)
        if chosen is None:
            detail.update("Nothing sent yet.")
            return
        item, chosen_delivery = chosen
        st = self.app.state  # type: ignore[attr-defined]
        who = "by a person" if item.by == "human" else "by the automated policy"
        lines = [
            f"TLP:{item.tlp}   {st.incident_title(item.incident)}",
            f"{sent_what(st, item).split(':')[0]} sent at {fmt_time(item.at)} {who}",
            "",
            *(delivery_line(st, dl) for dl in item.deliveries.values()),
        ]
        if item.subject:
            lines += ["", item.subject]
        # the text the chosen recipient was sent: the policy writes each its own
        body = chosen_delivery.text or item.text
        if body:
            lines += ["", body]
        detail.update(text("\n".join(map(str, lines))))

    def action_acknowledge(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        if self.showing == "sent" and not self.both_lists:
            self.notify(f"Acknowledge works on the Inbox (press {app.keys_of('role.sent')}).",
                        severity="warning", timeout=4)
            return
        item = self._selected_item()
        if item is None:
            return
        if item.acknowledged:  # nothing to do, and nothing to journal
            self.notify(f"{item.title or item.ref} is already acknowledged.",
                        severity="warning", timeout=4)
            return
        app.send_action(Action(self.role, "acknowledge", item.incident, refs=(item.ref,)),
                        sent=f"acknowledged {item.ref}")

    def _form(self, verb: str, targets: tuple[str, ...] = ()) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        if not app.state.known[self.role]:
            self.notify("Nothing has been received yet.", severity="warning")
            return
        item = self._selected_item()
        incident = item.incident if item else None
        sent = self._selected_sent() if self.showing == "sent" else None
        if sent is not None:
            incident = sent[0].incident
        app.push_screen(ActionForm(app.state, self.role, incident, verb,
                                   send=lambda action, outcome: app.send_action(
                                       action, outcome=outcome)))

    def action_act(self) -> None:
        self._form("notify")

    def action_notify_ansac(self) -> None:
        """Escalate the selected item's incident to the regional coordinator: the
        council bound in roles.regional_coordinator, else every council, but never this
        team itself. The toast calls it by the name reports give it."""
        app: DrillApp = self.app  # type: ignore[assignment]
        item = self._selected_item()
        sc = app.state.scenario
        bound = sc.roles.get("regional_coordinator")
        councils = [bound] if bound else [
            a for a, x in sc.actors.items() if x.kind == "regional_council"]
        council = [a for a in councils if a != self.role]
        if not council:
            self.notify(f"Nobody to notify: {app.state.name(self.role)} is the regional "
                        "council itself." if councils else "No regional council.",
                        severity="warning", timeout=4)
            return
        if item is None:
            self.notify("Select an inbox item first.", severity="warning")
            return
        called = sc.drill.names.regional_coordinator or ", ".join(
            short_name(sc.actors[a].name) for a in council)
        app.send_action(Action(self.role, "escalate", item.incident, targets=tuple(council),
                               channel=app.default_channel(council), tlp="GREEN"),
                        sent=f"{one_line(called)} notified")

    def action_answer_task(self) -> None:
        """Answer the task under the to-do cursor, or the first one not yet answered."""
        app: DrillApp = self.app  # type: ignore[assignment]
        tasks = app.state.tasks_of(self.role)
        if not tasks:
            self.notify("No task has been asked of this team.", severity="warning")
            return
        table = self.query_one("#todo", DataTable)
        chosen = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            chosen = next((t for t in tasks if f"task:{t.id}" == key), None)
        if chosen is None:
            chosen = next((t for t in tasks if not t.answer), tasks[0])

        def send(answer: dict, outcome: Outcome) -> None:
            app.command(lambda: app.session.answer_task(
                self.role, answer["task"], answer["text"]), f"answer to {answer['task']} sent",
                outcome)

        app.push_screen(TaskForm(chosen, send=send))

    def action_observe(self) -> None:
        """An evaluator's note about this team (asks for the PIN in hot seat)."""
        app: DrillApp = self.app  # type: ignore[assignment]
        app.observe(f"team:{self.role}")

    def action_next_role(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.next_role(self.role)

    def action_console(self) -> None:
        app: DrillApp = self.app  # type: ignore[assignment]
        app.as_facilitator(app.pop_screen, "Back to the console")

