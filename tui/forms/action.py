"""The form a player sends an action with: verb, incident, recipients, TLP, text."""

from __future__ import annotations

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.strip import Strip
from textual.widgets import Button, Input, Label, Select, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist

from scenarios.model import MESSAGE_VERBS, TLP_ORDER
from sim.engine import Action
from sim.runs.view import DrillState

from ..plain import line, text
from .sending import Send, SendingForm, hidden_problem


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
    ("escalate", "Escalate to the regional coordinator"),
    ("refer_police", "Refer to police"),
    ("request_assistance", "Request assistance (police channel)"),
    ("request_preservation", "Request preservation"),
    ("refer_central_authority", "Refer to central authority"),
    ("request_mla", "Request MLA"),
    ("share", "Share information"),
    ("broadcast", "Broadcast"),
    ("report", "Report"),
    ("takedown", "Take down (own infrastructure)"),
    ("preserve", "Preserve data"),
    ("publish", "Publish advisory"),
    ("close", "Close incident"),
)


class ActionForm(SendingForm[Action]):
    """A participant's action on an incident, built from the frameworks' vocabulary.
    With ``send``, the form stays open until the action is taken: refused, it shows
    why, with everything chosen and typed as it was."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]
    FIRST_FIELD = "#text"

    def __init__(self, state: DrillState, role: str, incident: str | None = None,
                 verb: str = "notify", send: Send[Action] | None = None):
        super().__init__(send)
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
            warning = Static("", id="tlp-warning")
            warning.display = False
            yield warning
            yield hidden_problem()
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
        self._warn_label()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        if event.selection_list.id == "refs":
            self._warn_label()

    def _warn_label(self) -> None:
        """Warn, before sending, when what is ticked to pass on is labelled stricter than
        the label chosen: the message goes under the stricter label, and passing it on to
        a recipient that label does not allow is a TLP violation."""
        if not self.ready:
            return
        warning = self.query_one("#tlp-warning", Static)
        if str(self.query_one("#verb", Select).value) not in MESSAGE_VERBS:
            warning.display = False  # only a message carries a label
            return
        chosen = str(self.query_one("#tlp", Select).value)
        ticked = set(self.query_one("#refs", SelectionList).selected)
        labels = [item.tlp for item in self.state.inbox[self.role]
                  if item.ref in ticked and item.tlp in TLP_ORDER]
        top = max(labels, key=TLP_ORDER.index, default=chosen)
        if chosen in TLP_ORDER and TLP_ORDER.index(top) > TLP_ORDER.index(chosen):
            warning.update(text(
                f"This passes on TLP:{top} material: the message will go as TLP:{top} "
                f"(a TLP violation, unless TLP:{top} allows it to every recipient)",
                style="bold yellow"))
            warning.display = True
        else:
            warning.display = False

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
        self.submit(Action(
            self.role, verb, str(self.query_one("#incident", Select).value),
            targets=targets if verb in MESSAGE_VERBS else (),
            channel=str(self.query_one("#channel", Select).value),
            tlp=str(self.query_one("#tlp", Select).value),
            refs=refs,
            text=self.query_one("#text", Input).value,
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)
