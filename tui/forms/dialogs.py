"""Small dialogs: help, confirmations, the facilitator's PIN."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from sim.safe.text import shell_word

from ..plain import PlainTextApp, line, text


class HelpScreen(ModalScreen[None]):
    """Every key binding of the app and the current screen."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]):
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label("Keys", classes="title")
            table = DataTable(id="help-table", cursor_type="row")
            table.add_columns("Keys", "Action", "Binding id")
            for row in self.rows:
                table.add_row(*row)
            yield table
            yield Static(
                "ctrl+p opens the command palette, which lists every action.\n"
                "Drill time runs at the chosen speed; every action is journaled.",
                classes="hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmQuit(ModalScreen[bool]):
    """Asked before closing the app while a drill is running."""

    BINDINGS = [
        Binding("y", "answer(True)", "Quit", id="quit.yes"),
        Binding("n,escape", "answer(False)", "Stay", id="quit.no"),
    ]

    def __init__(self, journal: str | None, note: str | None = None):
        super().__init__()
        self.journal = journal
        #: what quitting means instead (a drill served over the network)
        self.note = note

    def compose(self) -> ComposeResult:
        where = (f"Everything so far is in the journal:\n{self.journal}\n"
                 f"Carry on later with: drill play --resume {shell_word(self.journal)}"
                 if self.journal else "This drill is not being recorded.")
        if self.note:
            where = self.note
        with VerticalScroll(id="form"):
            yield Label("The drill is still running. Quit?", classes="title")
            yield Static(text(where), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Quit", variant="error", id="yes")
                yield Button("Stay", variant="primary", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class Confirm(ModalScreen[bool]):
    """A yes/no question before an action that cannot simply be taken back."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = ""):
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(line(self.question), classes="title")
            if self.detail:
                yield Static(text(self.detail), classes="hint")
            app: PlainTextApp = self.app  # type: ignore[assignment]
            with Horizontal(classes="buttons"):  # the keys where the keymap put them
                yield Button(line(f"Yes ({app.first_key('confirm.yes')})"), variant="warning",
                             id="yes")
                yield Button(line(f"No ({app.first_key('confirm.no')})"), variant="primary",
                             id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PinPrompt(ModalScreen[bool]):
    """Hot seat: the facilitator's PIN, asked before a player's view gives way to the
    console, the review or the clock. The PIN is checked, never shown or kept."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pin.cancel")]

    def __init__(self, what: str, check: Callable[[str], bool]):
        super().__init__()
        self.what = what
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(line(f"{self.what}: facilitator's PIN"), classes="title")
            yield Input(password=True, compact=True, id="pin")
            app: PlainTextApp = self.app  # type: ignore[assignment]
            stay = app.keys_of("pin.cancel")  # where the keymap put it
            yield Static(line(f"enter to go on, {stay} to stay in this role"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.check(event.value):
            self.dismiss(True)
            return
        event.input.value = ""
        self.notify("Wrong PIN.", severity="error", timeout=3)

    def action_cancel(self) -> None:
        self.dismiss(False)
