"""Forms whose answer is a command the drill may refuse (a note, an answer to a task, an
action, an inject): the form stays open until the command is carried out. Refused (by
the drill, or by the server of a drill served elsewhere), it says why and keeps
everything typed, to change and send again; nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Generic, TypeVar

from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from ..plain import PlainTextApp, text

T = TypeVar("T")

#: told how the command went: None once it is carried out, else why it was refused.
#: Returns whether the form showed the refusal (False: the form had closed meanwhile,
#: and the refusal is told some other way)
Outcome = Callable[[str | None], bool]
#: runs the command the form's answer makes, and tells the outcome when it is known
#: (at once for a drill run here; once the server replies for one served elsewhere)
Send = Callable[[T, Outcome], None]


def hidden_problem() -> Static:
    """The line a form says what stops its answer in: hidden until there is something
    to say (see :meth:`SendingForm.problem`)."""
    shown = Static("", id="problem")
    shown.display = False
    return shown


class SendingForm(ModalScreen[T | None], Generic[T]):
    """A form that sends its answer with ``send`` and closes only once it is carried out.

    Without ``send``, the answer is handed back when the form closes, as any modal
    screen's is. A subclass shows problems in a ``Static`` with id ``problem`` (see
    :func:`hidden_problem`), keeps its fields in a container with id ``form``, and
    names the field to type in again with :attr:`FIRST_FIELD`.
    """

    #: the field focused again after a refusal (a CSS selector)
    FIRST_FIELD = "Input"

    def __init__(self, send: Send[T] | None = None):
        super().__init__()
        self.send = send
        #: the answer on its way to the drill, until it is carried out or refused
        self.sending: T | None = None
        self._accepted = False

    def submit(self, answer: T) -> None:
        """Send ``answer`` (or hand it back, without ``send``): the form closes once it
        is carried out, and stays open, showing why, if it is refused."""
        if self.send is None:
            self.dismiss(answer)
            return
        if self.sending is not None:  # already on its way
            return
        self.sending = answer
        self.send(answer, self._outcome)
        if self.sending is not None:  # the server has yet to reply
            self.problem(f"Sending… ({self._closes()} closes the form; you are told whether "
                         "it was kept)", style="italic")
            self._hold(True)

    def _closes(self) -> str:
        """The keys that close the form, where the keymap put them."""
        app: PlainTextApp = self.app  # type: ignore[assignment]
        cancel = next((b.id for b in self.BINDINGS
                       if isinstance(b, Binding) and b.action == "cancel" and b.id), None)
        return app.keys_of(cancel) if cancel else "escape"

    def _outcome(self, refusal: str | None) -> bool:
        answer, self.sending = self.sending, None
        if not self.is_attached or self not in self.app.screen_stack:
            return False  # closed meanwhile: the app tells the refusal instead
        if refusal is None:
            if self.app.screen is self:
                self.dismiss(answer)
            else:  # a dialog opened over the form: it closes once back on top
                self._accepted = True
            return True
        self._hold(False)
        self.problem(refusal)
        self._refocus()
        return self.app.screen is self  # under a dialog: told now as well

    def on_screen_resume(self) -> None:
        if self._accepted:
            self._accepted = False
            self.dismiss(None)

    def problem(self, message: str, style: str = "bold red") -> None:
        """Say what stops the answer, as plain text (it may be a server's words)."""
        try:
            shown = self.query_one("#problem", Static)
        except NoMatches:
            self.notify(message, severity="error", timeout=6)
            return
        shown.update(text(message, style=style))
        if message:
            shown.display = True

    def _hold(self, hold: bool) -> None:
        """While the answer is on its way, its fields cannot be changed (what is sent is
        what they show)."""
        with suppress(NoMatches):
            self.query_one("#form", Widget).disabled = hold

    def _refocus(self) -> None:
        with suppress(NoMatches):
            self.query_one(self.FIRST_FIELD).focus()
