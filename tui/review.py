"""`drill review JOURNAL`: the review screen as an app of its own."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

from sim.analysis.review import Review

from .forms import HelpScreen
from .keymap import keys_display
from .plain import PlainTextApp
from .screens.review import ReviewScreen


class ReviewApp(PlainTextApp):
    """`drill review JOURNAL`."""

    CSS_PATH = Path(__file__).with_name("drill.tcss")
    TITLE = "acid-drill review"
    BINDINGS = [Binding("question_mark,f1", "help", "Help", id="app.help")]

    def __init__(self, review: Review, journal=None, keymap: dict[str, str] | None = None,
                 notices: list[str] | None = None):
        super().__init__()
        if keymap:  # binding id -> keys, checked by tui.keymap.load
            self.set_keymap(keymap)
        self.review = review
        self.journal = journal
        #: what the reviewer should know of the journal (read-only, kept without checksums)
        self.notices = list(notices or ())

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.review, self.journal))
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=15)

    def action_help(self) -> None:
        """The keys of the review (and of its timeline, where it has the focus), as the
        keymap file put them."""
        if isinstance(self.screen, HelpScreen):
            return
        owners: list[DOMNode] = [self.screen]
        focused = self.screen.focused
        if focused is not None and focused is not self.screen:
            owners.insert(0, focused)
        rows = []
        for owner in (*owners, self):
            for b in owner.BINDINGS:
                if isinstance(b, Binding) and b.id:
                    rows.append((keys_display(self._keymap.get(b.id, b.key)), b.description,
                                 b.id))
        self.push_screen(HelpScreen(rows))
