"""Untrusted text in the terminal UI: always shown as text, never as markup.

Names, titles, texts, notes, ratings and paths come from scenario files, journals and
people. Textual parses a ``str`` given to a widget as markup: ``Phish [/x] report``
raises, ``[@click=app.quit]`` becomes an action, ``TLP [RED]`` loses its brackets.
Every such string therefore reaches a widget as a :class:`rich.text.Text` built here,
which is never parsed, with terminal control characters (``ESC``, bidi overrides)
shown as escapes by :func:`sim.safe.text.plain`.

- :func:`text` for multi-line places (the detail pane, hints),
- :func:`line` for one-line places (table cells, bars, labels, options),
- :func:`cells` for a table row,
- :class:`PlainTextApp` makes every notification plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from platformdirs import user_downloads_path
from rich.text import Text
from textual._files import generate_datetime_filename
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from sim.safe.files import FileProblem, write_private
from sim.safe.text import one_line, plain, xml_safe

__all__ = ["PlainTextApp", "cells", "line", "text", "tlp_label", "tlp_of"]

#: TLP 2.0 colours (FIRST): each label in its colour on black.
TLP_STYLES = {
    "RED": "bold #ff2b2b on black",
    "AMBER+STRICT": "bold #ffc000 on black",
    "AMBER": "bold #ffc000 on black",
    "GREEN": "bold #33ff00 on black",
    "CLEAR": "bold #ffffff on black",
}




def text(value: object, style: str = "") -> Text:
    """``value`` as plain text, newlines kept, control characters escaped."""
    return Text(plain(str(value)), style=style, end="")


def line(value: object, style: str = "") -> Text:
    """``value`` as one line of plain text: newlines and tabs shown as escapes too."""
    return Text(one_line(str(value)), style=style, end="")


def cells(values: Iterable[object]) -> tuple[Text, ...]:
    """A table row: every cell as one line of plain text (``Text`` we built is kept)."""
    return tuple(v if isinstance(v, Text) else line(v) for v in values)


def tlp_label(tlp: str) -> Text:
    """`` TLP:RED `` and so on: a badge in the label's TLP 2.0 colour."""
    return line(f" TLP:{tlp} ", style=TLP_STYLES.get(tlp, "bold reverse"))


def tlp_of(scenario, events=()) -> str:
    """The drill's handling label, as on its reports: the scenario's own ``drill.tlp``
    raised to the strictest label of its injects (see ``sim.analysis.report.drill_tlp``).
    """
    from sim.analysis.report import drill_tlp

    return drill_tlp(scenario, events)


class PlainTextApp(App):
    """An app whose notifications are plain text (refusals, paths and ids are
    untrusted), and whose screenshots are drill material: created owner-only. It names
    keys where the keymap file put them (:meth:`keys_of`)."""

    def key_names(self, binding: Binding) -> str:
        """A binding's keys as people write them (``+ =``, ``? F1``, ``ctrl+q``), where
        the keymap file put them."""
        from .keymap import keys_display

        return keys_display(self._keymap.get(binding.id or "", binding.key))

    def keys_of(self, binding_id: str) -> str:
        """The keys of the binding ``binding_id`` as people write them, where the keymap
        file put them: hints and dialogs name a key with it, never a default the keymap
        may have moved. A binding of a screen not open now (a dialog about to open, the
        console's from a review) is found among every binding of the app."""
        from .keymap import bindings

        owners: list[App | Screen] = [self]
        with suppress(KeyError, ScreenStackError):  # none while the app opens or closes
            owners = [self.screen, self, *self.screen_stack]
        known = [b for owner in owners for b in owner.BINDINGS if isinstance(b, Binding)]
        known += [o.binding for o in bindings()]
        for b in known:
            if b.id == binding_id:
                return self.key_names(b)
        return binding_id

    def first_key(self, binding_id: str) -> str:
        """The first key of the binding ``binding_id`` (a button's ``Yes (y)``)."""
        return self.keys_of(binding_id).split(" ")[0]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        super().notify(plain(str(message)), title=plain(str(title)), severity=severity,
                       timeout=timeout, markup=False)

    def save_screenshot(self, filename: str | None = None, path: str | None = None,
                        time_format: str | None = None) -> str:
        """Save an SVG screenshot of the screen, created owner-only (``0600``, in a
        ``0700`` folder when one is made) like every file the product writes; raises
        :class:`~sim.safe.files.FileProblem`. Returns the file's path. The file is valid
        XML whatever the screen shows: a character XML does not allow is an escape."""
        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        target = Path(path or ".").expanduser() / name
        svg = xml_safe(self.export_screenshot())
        return str(write_private(target, svg))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot (and ``action_screenshot``): saved owner-only to the
        user's downloads folder (or ``path``), and the toast says where. Never in a
        browser, where the file would leave this terminal."""
        if self.is_web:
            self.notify("Screenshots are not taken in the browser.", severity="warning")
            return None
        try:
            saved = self.save_screenshot(filename, str(path or user_downloads_path()),
                                         time_format)
        except FileProblem as exc:
            self.notify(f"The screenshot was not saved: {exc}", severity="error", timeout=8)
            return None
        self.notify(f"Screenshot saved, readable by you only: {saved}", timeout=6)
        return saved
