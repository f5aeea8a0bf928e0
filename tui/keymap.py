"""Keys: how they are shown, and a keymap file that moves them.

Every key binding of the app has an id (``msel.fire``, ``clock.toggle``). A keymap
file, TOML, maps ids to keys::

    # ~/.config/acid-drill/keymap.toml
    "msel.fire" = "x"            # a quoted id
    clock.toggle = "p"           # a dotted key is the same thing
    [app]
    help = "?, f1, h"            # several keys, comma-separated (or a list)

The file is found at ``--keymap FILE`` (``drill play``, ``review``, ``join`` and
``host --console``), else ``$ACID_DRILL_KEYMAP``, else
``$XDG_CONFIG_HOME/acid-drill/keymap.toml`` (``~/.config/...``) if it exists. It is
checked before the drill starts: an unknown id (with the nearest known ones), a key
Textual does not know, or a key two bindings would share is refused in one line
naming the file and the entry.

``python -m tui.keymap`` prints the table of binding ids; ``--write`` puts it in
``docs/keys.md`` (a test checks that the page is up to date).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.keys import Keys, _character_to_key, _normalize_key_list, format_key

from sim.safe.text import one_line

ENV = "ACID_DRILL_KEYMAP"
MAX_BYTES = 64 * 1024

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
#: key names written as words, as people write them
WORDS = frozenset({
    "escape", "enter", "space", "tab", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
})
_NAMED = frozenset(k.value.rpartition("+")[2] for k in Keys)
_FKEY = re.compile(r"f([1-9]|1[0-9]|2[0-4])")
#: keys Textual keeps for itself, whatever the keymap says
RESERVED = {"ctrl+q": "quitting", "ctrl+p": "the command palette", "ctrl+c": "copying",
            "tab": "moving the focus", "shift+tab": "moving the focus"}


class KeymapError(Exception):
    """A keymap file that cannot be used; the message is one line naming the file."""


# --- how keys are shown ------------------------------------------------------------


def key_display(key: str) -> str:
    """One key as people write it: ``?``, ``+``, ``F1``, ``ctrl+q``, ``escape``."""
    key = key.strip()
    if len(key) == 1:
        return key
    mods, _, base = key.rpartition("+")
    if _FKEY.fullmatch(base):
        shown = base.upper()
    elif base in WORDS:
        shown = base
    else:
        shown = format_key(base)
    return f"{mods}+{shown}" if mods else shown


def keys_display(keys: str) -> str:
    """A binding's key list (``plus,equals_sign``) as people write it: ``+ =``."""
    return " ".join(key_display(k) for k in keys.split(",") if k.strip())


# --- the bindings there are ----------------------------------------------------------


@dataclass(frozen=True)
class Owned:
    """A binding and where it works (``console``, ``role view``, ``everywhere``...)."""

    binding: Binding
    where: str
    scope: str  # bindings in one scope share the keyboard


def bindings() -> list[Owned]:
    """Every binding with an id, the app's first, in the order people meet them."""
    from .app import DrillApp
    from .forms import (
        ActionForm,
        BreakForm,
        Confirm,
        ConfirmQuit,
        HelpScreen,
        InjectForm,
        ObservationForm,
        PinPrompt,
        TaskForm,
        TimeForm,
    )
    from .forms.tokens import TokensScreen
    from .review import ReviewApp
    from .screens.console import FacilitatorScreen
    from .screens.review import NoteForm, ReviewScreen
    from .screens.role import ParticipantScreen
    from .widgets.swimlane import Swimlane

    owners = [
        (DrillApp, "everywhere", "app"),
        (FacilitatorScreen, "console", "console"),
        (ParticipantScreen, "role view", "role"),
        (ReviewApp, "review", "review"),  # drill review: its help key
        (ReviewScreen, "review", "review"),
        (Swimlane, "review timeline", "timeline"),
        (NoteForm, "review note", "note"),
        (ActionForm, "action form", "action-form"),
        (InjectForm, "ad-hoc inject form", "inject-form"),
        (ObservationForm, "observation form", "observation-form"),
        (TaskForm, "task answer form", "task-form"),
        (TimeForm, "time form", "time-form"),
        (BreakForm, "break form", "break-form"),
        (HelpScreen, "help", "help"),
        (ConfirmQuit, "quit question", "quit"),
        (Confirm, "yes/no question", "confirm"),
        (PinPrompt, "PIN prompt", "pin"),
        (TokensScreen, "invitations (drill join)", "tokens"),
    ]
    out = []
    for owner, where, scope in owners:
        for b in getattr(owner, "BINDINGS", ()):
            if isinstance(b, Binding) and b.id:
                out.append(Owned(b, where, scope))
    return out


#: scopes whose keys the app's own keys share (the app's keys work there too)
_WITH_APP = ("console", "role")


def binding_ids() -> list[str]:
    seen: list[str] = []
    for o in bindings():
        if o.binding.id not in seen:
            seen.append(o.binding.id)  # type: ignore[arg-type]
    return seen


def markdown_table() -> str:
    """The table of binding ids in ``docs/keys.md``."""
    rows = ["| Binding id | Keys | Does | Where |", "|---|---|---|---|"]
    done: set[tuple[str, str]] = set()
    for o in bindings():
        b = o.binding
        if (b.id, o.where) in done:  # type: ignore[comparison-overlap]
            continue
        done.add((b.id, o.where))  # type: ignore[arg-type]
        shown = keys_display(b.key) + (" ctrl+q" if b.id == "app.quit" else "")
        keys = " ".join(f"`{k}`" for k in shown.split())
        rows.append(f"| `{b.id}` | {keys} | {b.description} | {o.where} |")
    return "\n".join(rows) + "\n"


# --- the keymap file -----------------------------------------------------------------


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "acid-drill" / "keymap.toml"


def find(explicit: str | None = None) -> Path | None:
    """The keymap file to use: ``--keymap``, the environment, the default if it exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    path = default_path()
    return path if path.exists() else None


def _flatten(table: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value


def _valid_key(key: str) -> bool:
    if len(key) == 1:
        return key.isprintable() and not key.isspace()
    *mods, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return bool(_FKEY.fullmatch(base) or base in _NAMED or len(format_key(base)) == 1)


def _normal(key: str) -> str:
    """``F1`` -> ``f1``, ``Ctrl+S`` -> ``ctrl+s``: modifiers and names in lower case,
    characters by their Textual names; a letter alone keeps its case (``R``)."""
    if len(key) == 1:
        return _character_to_key(key)
    *mods, base = key.split("+")
    base = _character_to_key(base.lower()) if len(base) == 1 else base.lower()
    return "+".join([*(m.lower() for m in mods), base])


def parse(data: Mapping[str, object], where: str) -> dict[str, str]:
    """Binding id -> Textual key list, from a parsed keymap file; raises KeymapError."""
    known = binding_ids()
    out: dict[str, str] = {}
    for bid, value in _flatten(data):
        shown = one_line(bid)[:80]
        if bid not in known:
            near = (difflib.get_close_matches(bid, known, n=3, cutoff=0.75)
                     or [k for k in known if k.rpartition(".")[2] == bid])
            hint = f" (did you mean {' or '.join(near)}?)" if near else \
                " (docs/keys.md lists them)"
            raise KeymapError(f"{where}: {shown}: no such binding id{hint}")
        if isinstance(value, str):
            keys = [k.strip() for k in value.split(",")] if value.strip() != "," else [","]
        elif isinstance(value, list) and all(isinstance(k, str) for k in value):
            keys = [k.strip() if len(k.strip()) else k for k in value]
        else:
            raise KeymapError(f"{where}: {shown}: give a key as a string, e.g. \"x\" or "
                              "\"ctrl+x, f5\"")
        if not keys or any(not k for k in keys):
            raise KeymapError(f"{where}: {shown}: an empty key")
        for k in keys:
            if not _valid_key(k if len(k) == 1 else _normal(k)):
                raise KeymapError(f"{where}: {shown}: {one_line(k)[:40]!r} is not a key "
                                  "(examples: x, X, ?, +, f5, ctrl+x, escape, space)")
        out[bid] = ",".join(_normal(k) for k in keys)
        for k in out[bid].split(","):
            if k in RESERVED and (bid, k) != ("app.quit", "ctrl+q"):
                raise KeymapError(f"{where}: {shown}: {k} is kept for {RESERVED[k]}")
    _check_clashes(out, where)
    return out


def _check_clashes(keymap: Mapping[str, str], where: str) -> None:
    """Refuse a key that two bindings working at the same time would share."""
    scopes: dict[str, list[Owned]] = {}
    for o in bindings():
        scopes.setdefault(o.scope, []).append(o)
    for scope, owned in scopes.items():
        shared = owned + (scopes["app"] if scope in _WITH_APP else [])
        default = {o.binding.id or "": _normalize_key_list(o.binding.key).split(",")
                   for o in shared}
        keys = {bid: keymap[bid].split(",") if bid in keymap else ks
                for bid, ks in default.items()}
        for bid in (o.binding.id or "" for o in shared if o.binding.id in keymap):
            for oid, other in keys.items():
                # keys the two shared already (the timeline's + over the clock's) are fine
                common = [k for k in keys[bid] if k in other
                          and not (k in default[bid] and k in default[oid])]
                if oid != bid and common:
                    fix = f"give {oid} another key too" if oid not in keymap else \
                        "give one of them another key"
                    raise KeymapError(f"{where}: {bid} and {oid} would both be on "
                                      f"{key_display(common[0])}; {fix}")


def load(path: Path | None) -> dict[str, str]:
    """The keymap in ``path`` (nothing: no keymap); raises KeymapError."""
    from scenarios.yamlsrc import Unreadable, read_bounded

    if path is None:
        return {}
    where = f"keymap {one_line(str(path))}"
    try:
        raw = read_bounded(path, MAX_BYTES, what="keymap file")
    except Unreadable as exc:
        raise KeymapError(f"keymap {one_line(str(exc))}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise KeymapError(f"{where}: is not UTF-8 text") from None
    return load_text(text, where)


def load_text(text: str, where: str = "keymap") -> dict[str, str]:
    """The keymap in TOML ``text``; raises KeymapError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KeymapError(f"{where}: not valid TOML: {one_line(str(exc))}") from None
    return parse(data, where)


DOC = Path(__file__).resolve().parent.parent / "docs" / "keys.md"
START, END = "<!-- binding ids: start -->\n", "<!-- binding ids: end -->"


def documented(doc: str) -> str:
    """The table of binding ids between the markers of ``docs/keys.md``."""
    return doc[doc.index(START) + len(START):doc.index(END)]


def write_doc(path: Path = DOC) -> None:
    """Bring the table in ``docs/keys.md`` up to date with the bindings."""
    doc = path.read_text(encoding="utf-8")
    head, tail = doc.index(START) + len(START), doc.index(END)
    path.write_text(doc[:head] + markdown_table() + doc[tail:], encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["--write"]:
        write_doc()
    else:
        print(markdown_table(), end="")
