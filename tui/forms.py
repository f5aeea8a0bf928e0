"""Modal screens: the action form, the ad-hoc inject form, help, and quit confirmation."""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, DataTable, Input, Label, Select, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist

from scenarios.model import MESSAGE_VERBS, TLP_ORDER
from sim.engine import Action
from sim.runs.view import DrillState

from .plain import line, text


class MarkedList(SelectionList):
    """A selection list whose boxes read ``x`` when ticked and stay empty when not:
    chosen and not chosen differ in shape, not only in colour."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        try:
            selection = self.get_option_at_index(self.scroll_offset[1] + y)
        except OptionDoesNotExist:
            return strip
        if len(segments) < 3:
            return strip
        inner = segments[1]
        mark = "x" if selection.value in self._selected else " "
        segments[1] = Segment(mark * len(inner.text), inner.style, inner.control)
        return Strip(segments, strip.cell_length)

#: What a participant can do, in the order the form offers it.
PARTICIPANT_VERBS: tuple[tuple[str, str], ...] = (
    ("acknowledge", "Acknowledge"),
    ("analyse", "Mark analysed"),
    ("notify", "Notify"),
    ("request_takedown", "Request takedown"),
    ("escalate", "Notify ANSAC (escalate)"),
    ("refer_police", "Refer to police"),
    ("request_assistance", "Request assistance (police channel)"),
    ("request_preservation", "Request preservation"),
    ("request_mla", "Request MLA"),
    ("share", "Share information"),
    ("broadcast", "Broadcast"),
    ("report", "Report"),
    ("takedown", "Take down (own infrastructure)"),
    ("preserve", "Preserve data"),
    ("publish", "Publish advisory"),
    ("close", "Close incident"),
)


class ActionForm(ModalScreen[Action | None]):
    """A participant's action on an incident, built from the frameworks' vocabulary."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, state: DrillState, role: str, incident: str | None = None,
                 verb: str = "notify"):
        super().__init__()
        self.state = state
        self.role = role
        self.incident = incident
        self.verb = verb

    def compose(self) -> ComposeResult:
        st = self.state
        incidents = st.known[self.role]
        directory = [
            (line(f"{a.name} ({aid}, {a.kind.replace('_', ' ')}"
                  f"{', ' + a.country if a.country else ''})"), aid)
            for aid, a in st.scenario.actors.items() if aid != self.role
        ]
        with VerticalScroll(id="form"):
            yield Label(line(f"Action by {st.scenario.actors[self.role].name}"), classes="title")
            with Horizontal(classes="row"):
                yield Select([(label, v) for v, label in PARTICIPANT_VERBS], value=self.verb,
                             allow_blank=False, compact=True, id="verb")
                yield Select([(line(i), i) for i in incidents],
                             value=self.incident or incidents[0],
                             allow_blank=False, compact=True, id="incident")
            with Horizontal(classes="row"):
                yield Select([(line(c), c) for c in st.scenario.channels],
                             value=next(iter(st.scenario.channels)), allow_blank=False, compact=True,
                             id="channel")
                yield Select([(f"TLP:{t}", t) for t in TLP_ORDER], value="AMBER",
                             allow_blank=False, compact=True, id="tlp")
            yield Label("Recipients (point-of-contact directory)")
            yield MarkedList(*directory, compact=True, id="targets")
            yield Label("Pass on (what you received about this incident)")
            yield MarkedList(compact=True, id="refs")
            yield Input(placeholder="Message text", compact=True, id="text")
            with Horizontal(classes="buttons"):
                yield Button("Send", variant="primary", compact=True, id="send")
                yield Button("Cancel", compact=True, id="cancel")

    ready = False  # set once the widgets exist

    def on_mount(self) -> None:
        self._fill_refs()
        self.query_one("#verb", Select).focus()  # the form opens on its first field
        self.ready = True

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "incident":
            self._fill_refs()

    def _fill_refs(self) -> None:
        incident = self.query_one("#incident", Select).value
        refs = self.query_one("#refs", SelectionList)
        refs.clear_options()
        for item in self.state.inbox[self.role]:
            if item.incident == incident:
                refs.add_option((line(f"{item.ref}  TLP:{item.tlp}  {item.title}"), item.ref))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        verb = str(self.query_one("#verb", Select).value)
        targets = tuple(self.query_one("#targets", SelectionList).selected)
        if verb in MESSAGE_VERBS and not targets:
            self.notify("Pick at least one recipient.", severity="warning")
            return
        refs = tuple(self.query_one("#refs", SelectionList).selected)
        self.dismiss(Action(
            self.role, verb, str(self.query_one("#incident", Select).value),
            targets=targets if verb in MESSAGE_VERBS else (),
            channel=str(self.query_one("#channel", Select).value),
            tlp=str(self.query_one("#tlp", Select).value),
            refs=refs,
            text=self.query_one("#text", Input).value,
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)


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

    def __init__(self, journal: str | None):
        super().__init__()
        self.journal = journal

    def compose(self) -> ComposeResult:
        where = (f"Everything so far is in the journal:\n{self.journal}\n"
                 f"Carry on later with: drill play --resume {self.journal}"
                 if self.journal else "This drill is not being recorded.")
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
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", variant="warning", id="yes")
                yield Button("No (n)", variant="primary", id="no")

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
            yield Static("enter to go on, escape to stay in this role", classes="hint")

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
