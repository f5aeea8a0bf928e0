"""The facilitator's inject form."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList

from scenarios.model import TLP_ORDER
from sim.runs.view import DrillState

from ..plain import line
from .action import MarkedList


class InjectForm(ModalScreen[dict | None]):
    """An ad-hoc inject written by the facilitator and sent now."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, state: DrillState):
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        sc = self.state.scenario
        incidents = list(self.state.incidents) or ["adhoc"]
        with VerticalScroll(id="form"):
            yield Label("Ad-hoc inject", classes="title")
            yield Input(placeholder="Subject", compact=True, id="title")
            yield Input(placeholder="Text", compact=True, id="text")
            with Horizontal(classes="row"):
                yield Select([(line(i), i) for i in incidents], value=incidents[0],
                             allow_blank=False, compact=True, id="incident")
                yield Select([(line(c), c) for c in sc.channels], value=next(iter(sc.channels)),
                             allow_blank=False, compact=True, id="channel")
                yield Select([(f"TLP:{t}", t) for t in TLP_ORDER], value="GREEN",
                             allow_blank=False, compact=True, id="tlp")
            yield Label("Recipients")
            yield MarkedList(*[(line(f"{a.name} ({aid})"), aid)
                               for aid, a in sc.actors.items()], compact=True, id="to")
            with Horizontal(classes="buttons"):
                yield Button("Send now", variant="primary", compact=True, id="send")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()  # the form opens on its first field

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        to = list(self.query_one("#to", SelectionList).selected)
        if not to:
            self.notify("Pick at least one recipient.", severity="warning")
            return
        self.dismiss({
            "title": self.query_one("#title", Input).value or "Ad-hoc inject",
            "text": self.query_one("#text", Input).value,
            "incident": str(self.query_one("#incident", Select).value),
            "via": str(self.query_one("#channel", Select).value),
            "tlp": str(self.query_one("#tlp", Select).value),
            "to": to,
        })

    def action_cancel(self) -> None:
        self.dismiss(None)
