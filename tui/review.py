"""`drill review JOURNAL`: the review screen as an app of its own."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.review import Review

from .plain import PlainTextApp
from .screens.review import ReviewScreen


class ReviewApp(PlainTextApp):
    """`drill review JOURNAL`."""

    CSS_PATH = Path(__file__).with_name("drill.tcss")
    TITLE = "acid-drill review"

    def __init__(self, review: Review, journal=None, keymap: dict[str, str] | None = None):
        super().__init__()
        if keymap:  # binding id -> keys, checked by tui.keymap.load
            self.set_keymap(keymap)
        self.review = review
        self.journal = journal

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.review, self.journal))
