"""An evaluator's observation during play: free text about an expectation, a team, or
the drill in general. The form shows no earlier notes, so it can open in a role view."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select

from scenarios.durations import clock_minute
from sim.runs.session import NOTE_LIMIT
from sim.runs.view import DrillState

from ..plain import line
from .sending import Send, SendingForm, hidden_problem

GENERAL = "-"


def about_options(state: DrillState) -> list[tuple[Text | str, str]]:
    """What a note can be about: the drill in general, an expectation, a team."""
    out: list[tuple[Text | str, str]] = [("The drill in general", GENERAL)]
    out += [(line(f"Expectation {x.id}: {x.description or x.action}"), f"expectation:{x.id}")
            for x in state.expectations.values()]
    out += [(line(f"Team {a.name} ({aid})"), f"team:{aid}")
            for aid, a in state.scenario.actors.items()]
    return out


class ObservationForm(SendingForm[dict]):
    """Write an observation; enter or Save keeps it (in the journal), escape drops it.
    With ``send``, the form stays open until the note is kept: a note refused (by a
    drill server, say) shows why, with the text and what it is about as they were."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="observation.cancel")]
    FIRST_FIELD = "#note-text"

    def __init__(self, state: DrillState, about: str = GENERAL, send: Send[dict] | None = None):
        super().__init__(send)
        self.state = state
        options = about_options(state)
        self.about = about if about in {v for _, v in options} else GENERAL
        self.options = options

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(f"Observation at {clock_minute(self.state.now)}", classes="title")
            yield Label("About")
            yield Select(self.options, value=self.about, allow_blank=False, compact=True,
                         id="about")
            yield Label("What you saw (enter saves)")
            yield Input(placeholder="Observation", compact=True, max_length=NOTE_LIMIT,
                        id="note-text")
            yield hidden_problem()
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", compact=True, id="save")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        self._save()

    def _save(self) -> None:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            self.notify("Write the observation first.", severity="warning", timeout=3)
            return
        kind, _, what = str(self.query_one("#about", Select).value).partition(":")
        self.submit({"text": text, "expectation": what if kind == "expectation" else "",
                     "team": what if kind == "team" else ""})

    def action_cancel(self) -> None:
        self.dismiss(None)
