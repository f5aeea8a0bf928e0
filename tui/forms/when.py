"""Small forms that ask the facilitator for a time: when to deliver an inject, where to
jump the clock, when to take a break."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..plain import PlainTextApp, line, text


class TimeForm(ModalScreen[str | None]):
    """One time, typed: ``check`` says what is wrong with it (None when it will do);
    the form stays open until it will do, or is cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, title: str, hint: str, value: str, check: Callable[[str], str | None],
                 button: str = "OK"):
        super().__init__()
        self.heading = title
        self.hint = hint
        self.value = value
        self.check = check
        self.button = button

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(line(self.heading), classes="title")
            yield Static(text(self.hint), classes="hint")
            yield Input(value=self.value, compact=True, id="when")
            yield Static("", id="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.button, variant="primary", compact=True, id="ok")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#when", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._submit()

    def _submit(self) -> None:
        value = self.query_one("#when", Input).value.strip()
        problem = self.check(value)
        if problem:
            self.query_one("#problem", Static).update(line(problem, style="bold red"))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BreakForm(ModalScreen[tuple[str, str] | None]):
    """A break: the drill clock pauses at a time of day (the facilitator's own clock)
    for a number of minutes, then runs on by itself."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, planned: list[str], check: Callable[[str, str], str | None]):
        super().__init__()
        self.planned = planned
        self.check = check

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label("Schedule a break", classes="title")
            yield Static("Pause the drill clock at (your local time, HH:MM, or now):",
                         classes="hint")
            yield Input(placeholder="12:30", compact=True, id="at")
            yield Static("for (minutes, or 1h30m):", classes="hint")
            yield Input(value="60", compact=True, id="minutes")
            planned = ("Planned: " + "; ".join(self.planned)) if self.planned else \
                "No break planned yet."
            app: PlainTextApp = self.app  # type: ignore[assignment]
            ends = app.keys_of("clock.toggle")  # the clock's key, where the keymap put it
            yield Static(text(f"{planned}\nDuring a break, {ends} ends it early."),
                         classes="hint")
            yield Static("", id="problem")
            with Horizontal(classes="buttons"):
                yield Button("Schedule", variant="primary", compact=True, id="ok")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#at", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "at":
            self.query_one("#minutes", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._submit()

    def _submit(self) -> None:
        at = self.query_one("#at", Input).value.strip()
        minutes = self.query_one("#minutes", Input).value.strip()
        problem = self.check(at, minutes)
        if problem:
            self.query_one("#problem", Static).update(line(problem, style="bold red"))
            return
        self.dismiss((at, minutes))

    def action_cancel(self) -> None:
        self.dismiss(None)
