"""The facilitator's inject form: an ad-hoc inject (now or later), or changes to a
waiting inject of the MSEL."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from scenarios.model import TLP_ORDER
from sim.runs.view import DrillState, MselRow
from sim.safe.text import one_line, plain

from ..plain import line
from .action import MarkedList
from .sending import Send, SendingForm

#: what an ad-hoc inject may be (contingency injects answer a missed expectation)
ADHOC_TYPES = ("information", "event", "media")
NEW = "+new"  # the incident choice that opens a new incident


def incident_types(state: DrillState) -> list[str]:
    """The scenario's incident types, and ``other``."""
    types = {inj.incident.type for inj in state.scenario.injects if inj.incident.type}
    types |= {str(i.get("type")) for i in state.incidents.values() if i.get("type")}
    return [*sorted(types - {"other"}), "other"]


def senders(state: DrillState) -> list[tuple[str, str]]:
    """Who an inject may come from: exercise control (the simulated outside world)
    first, then every other actor."""
    actors = state.scenario.actors
    order = sorted(actors, key=lambda a: actors[a].kind != "exercise_control")
    return [(f"from {actors[a].name}", a) for a in order]


def shown_tlp(row: MselRow) -> str:
    """The TLP the edit form shows for an inject (GREEN when it has none it knows)."""
    return row.tlp if row.tlp in TLP_ORDER else "GREEN"


class TextField(TextArea):
    """An inject's text of several lines, edited whole. ``value`` is its text, as an
    Input's would be."""

    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.text = text


class InjectForm(SendingForm[dict]):
    """An ad-hoc inject, sent now or at a time; or (``edit``) changes to a waiting one.
    With ``send``, the form stays open until the inject is added (or changed): refused,
    it shows why, with everything typed as it was."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]
    FIRST_FIELD = "#title"

    DEFAULT_CSS = """
    InjectForm .row Input { width: 1fr; margin-right: 1; }
    InjectForm .row Select { width: 1fr; }
    InjectForm SelectCurrent Static#label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    InjectForm #problem { height: auto; }
    InjectForm TextField { height: auto; min-height: 3; max-height: 8; }
    """

    def __init__(self, state: DrillState, edit: MselRow | None = None,
                 check_when: Callable[[str], str | None] | None = None,
                 send: Send[dict] | None = None):
        super().__init__(send)
        self.state = state
        self.edit = edit
        self.check_when = check_when or (lambda _text: None)

    def compose(self) -> ComposeResult:
        sc = self.state.scenario
        row = self.edit
        chosen = set(row.to) if row else set()
        with VerticalScroll(id="form"):
            if row is not None:
                yield Label(line(f"Edit inject {row.id} (before it is delivered)"),
                            classes="title")
            else:
                yield Label("Ad-hoc inject", classes="title")
            # the inject's own title and text come from a scenario file or a journal: shown
            # as plain text (controls escaped), never sent to the terminal as they are
            yield Input(value=one_line(row.title) if row else "", placeholder="Subject",
                        compact=True, id="title")
            if row is not None:  # every line of the text, to edit whole
                yield TextField(plain(row.text), placeholder="Text", compact=True, id="text")
            else:
                yield Input(placeholder="Text", compact=True, id="text")
            tlp = Select([(f"TLP:{t}", t) for t in TLP_ORDER],
                         value=shown_tlp(row) if row else "GREEN",
                         allow_blank=False, compact=True, id="tlp")
            if row is None:
                who = senders(self.state)
                with Horizontal(classes="row"):
                    yield Select([(line(label), a) for label, a in who], value=who[0][1],
                                 allow_blank=False, compact=True, id="sender")
                    yield Select([(t, t) for t in ADHOC_TYPES], value="information",
                                 allow_blank=False, compact=True, id="type")
                    yield tlp
                known = list(self.state.incidents)
                types = incident_types(self.state)
                with Horizontal(classes="row"):
                    yield Select([*((line(f"Incident {self.state.incident_title(i, control=True)}"), i)
                                    for i in known), ("New incident:", NEW)],
                                 value=known[0] if known else NEW, allow_blank=False,
                                 compact=True, id="incident")
                    yield Input(placeholder="new incident id", compact=True, id="new-id",
                                disabled=bool(known))
                    yield Select([(line(t), t) for t in types], value=types[0],
                                 allow_blank=False, compact=True, id="new-type",
                                 disabled=bool(known))
                with Horizontal(classes="row"):
                    yield Select([(line(f"via {c}"), c) for c in sc.channels],
                                 value=next(iter(sc.channels)), allow_blank=False, compact=True,
                                 id="channel")
                    yield Input(placeholder="send now, or at T+02:30 or 14:30 (drill clock)",
                                compact=True, id="when")
            else:
                yield tlp
            yield Label("Recipients")
            yield MarkedList(*[(line(f"{a.name} ({aid})"), aid, aid in chosen)
                               for aid, a in sc.actors.items()], compact=True, id="to")
            yield Static("", id="problem")
            with Horizontal(classes="buttons"):
                yield Button("Save" if row else "Send", variant="primary", compact=True,
                             id="send")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()  # the form opens on its first field

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "incident":
            new = event.value == NEW
            self.query_one("#new-id", Input).disabled = not new
            self.query_one("#new-type", Select).disabled = not new

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        to = list(self.query_one("#to", SelectionList).selected)
        if not to:
            self.problem("Pick at least one recipient.")
            return
        title = self.query_one("#title", Input).value
        field = self.query_one("#text")
        body = field.value if isinstance(field, Input | TextField) else ""
        tlp = str(self.query_one("#tlp", Select).value)
        row = self.edit
        if row is not None:
            # a field left as shown is not a change: compared with what the form showed
            # (controls escaped), and the recipients whatever their order
            changes = {k: v for k, v, changed in (
                ("title", title, title != one_line(row.title)),
                ("text", body, body != plain(row.text)),
                ("to", to, set(to) != set(row.to)),
                ("tlp", tlp, tlp != shown_tlp(row))) if changed}
            if not changes:
                self.problem("Nothing changed.")
                return
            self.submit(changes)
            return
        incident = str(self.query_one("#incident", Select).value)
        new = incident == NEW
        if new:
            incident = self.query_one("#new-id", Input).value.strip()
            if not incident:
                self.problem("Give the new incident an id.")
                return
            if incident in self.state.incidents:
                self.problem(f"Incident {incident} exists already: choose it in the list.")
                return
        when = self.query_one("#when", Input).value.strip() or "now"
        problem = self.check_when(when)
        if problem:
            self.problem(problem)
            return
        self.submit({
            "title": title or "Ad-hoc inject",
            "text": body,
            "incident": incident,
            "incident_type": str(self.query_one("#new-type", Select).value) if new else None,
            "via": str(self.query_one("#channel", Select).value),
            "tlp": tlp,
            "to": to,
            "sender": str(self.query_one("#sender", Select).value),
            "type": str(self.query_one("#type", Select).value),
            "when": when,
        })

    def action_cancel(self) -> None:
        self.dismiss(None)
