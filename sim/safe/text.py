"""Untrusted strings as plain text for a terminal.

Scenario files, journals and people supply names, titles and notes. Printed raw,
an ``ESC`` sequence in a title could recolour, move the cursor, retitle the
window or hide text in a terminal, and a right-to-left override could make text
read differently from what it is. :func:`plain` replaces every control and
bidirectional-formatting character (except newline and tab) with a visible
``\\xNN``/``\\uNNNN`` escape, so the text shows exactly what the file holds.

The command line writes all its output through :class:`PlainStream`. The Textual UI
shows untrusted strings as ``rich.text.Text`` objects, which are never parsed as
markup, after passing them through :func:`plain` (see ``tui/plain.py``).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

# C0 controls except \t and \n, DEL, C1 controls, the bidi embeddings, overrides and
# isolates, the invisible direction marks (Arabic letter mark, left-to-right and
# right-to-left marks: they reorder the text around them), plus line/paragraph separators
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: str) -> str:
    """``text`` with every terminal-control character shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def json_text(text: str) -> str:
    """JSON (from ``json.dumps(..., ensure_ascii=False)``) with every character that
    :func:`plain` would escape written as a ``\\uXXXX`` escape instead.

    The result is still valid JSON that reads back to the same data, and it holds no
    character a terminal would obey. (Inside JSON strings these characters can only
    appear in string values, where ``\\uXXXX`` means the same character.)
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def one_line(text: str) -> str:
    """:func:`plain`, with newlines and tabs shown as escapes too (for table cells)."""
    return plain(text).replace("\n", "\\n").replace("\t", "\\t")


#: what XML 1.0 forbids beyond the control characters :func:`plain` shows as escapes
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids that :func:`plain` leaves alone (a
    lone surrogate, U+FFFE, U+FFFF) shown as a ``\\uXXXX`` escape, for an SVG or a Word
    document."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


class PlainStream:
    """A text stream that shows control characters as escapes (see :func:`plain`).

    The command line writes everything through one of these, so no scenario,
    journal or person can send a terminal an escape sequence through it.
    """

    def __init__(self, raw: Any):
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(plain(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno, ...
        return getattr(self.raw, name)


@contextlib.contextmanager
def plain_output() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`PlainStream`."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PlainStream(sys.stdout), PlainStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def shell_word(path: str | os.PathLike[str]) -> str:
    """``path`` as one word of a command line the user can paste (quoted when it holds
    spaces, quotes or other characters the shell would read otherwise)."""
    import shlex

    return shlex.quote(os.fspath(path))
