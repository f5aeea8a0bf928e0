"""A player's answer to a task (a free-text question from exercise control)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from sim.runs.session import NOTE_LIMIT
from sim.runs.view import TaskRow

from ..plain import line, text
from .sending import Send, SendingForm, hidden_problem


class TaskForm(SendingForm[dict]):
    """Answer a task; enter or Send records the answer, escape drops it. With ``send``,
    the form stays open until the answer is recorded: refused, it shows why, with the
    answer as typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="task.cancel")]
    FIRST_FIELD = "#answer"

    def __init__(self, task: TaskRow, send: Send[dict] | None = None):
        super().__init__(send)
        self.row = task

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(line(f"Task {self.row.id}"), classes="title")
            yield Static(text(self.row.question))
            yield Label("Your answer (enter sends; a new answer replaces the last)")
            yield Input(value=self.row.answer, placeholder="Answer", compact=True,
                        max_length=NOTE_LIMIT, id="answer")
            yield hidden_problem()
            with Horizontal(classes="buttons"):
                yield Button("Send", variant="primary", compact=True, id="send")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._send()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        self._send()

    def _send(self) -> None:
        answer = self.query_one("#answer", Input).value.strip()
        if not answer:
            self.notify("Write the answer first.", severity="warning", timeout=3)
            return
        self.submit({"task": self.row.id, "text": answer})

    def action_cancel(self) -> None:
        self.dismiss(None)
