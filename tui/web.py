"""Browser access to a multi-site drill (``drill web``; the optional extra ``[web]``).

``drill web`` serves a page where a participant pastes their invitation (or opens a
link ``http://HOST:PORT/#invite=…``). For each browser session the gateway
(:mod:`tui.web_server`, which needs ``textual-serve``) runs one process, the command of
:func:`session_command`, whose terminal is the browser page: the very ``drill join``
view of the invitation's seat. There is no second user interface.

The token never goes on a command line (any user of the machine can list those): the
session's process gets its invitation in the environment variable :data:`INVITE_ENV`,
which only the same user (and root) can read, and removes it at start. The gateway
keeps only the token of the invitation and joins the drill server it was told about
(``--server``), never a server named by the page's visitor.

This module imports neither ``textual-serve`` nor its web server, so that the command
line it builds can be checked without the extra.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import urllib.parse
from collections.abc import Mapping, MutableMapping

from sim.net.invites import InviteError, host_name_problem, parse_invite

#: the environment variable holding the invitation of one browser session
INVITE_ENV = "ACID_DRILL_INVITE"
#: what ``drill web`` says when ``textual-serve`` is not installed
MISSING_EXTRA = "browser access needs: pip install 'acid-drill[web]'"
#: the top-level modules of the ``[web]`` extra and what it brings in
EXTRA_MODULES = frozenset({"textual_serve", "aiohttp", "aiohttp_jinja2", "jinja2"})
DEFAULT_WEB_LISTEN = "127.0.0.1:8080"
DEFAULT_DRILL_SERVER = "ws://127.0.0.1:8765/"

# a token as ``secrets.token_urlsafe`` writes it, with room to spare
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


class WebError(Exception):
    """Bad options for ``drill web``, or an invitation the page cannot use; one line."""


def missing_extra(exc: ImportError) -> bool:
    """Whether ``exc`` says the ``[web]`` extra is not installed (and not some other fault)."""
    name = exc.name or ""
    return name.split(".")[0] in EXTRA_MODULES


def drill_server(url: str) -> str:
    """The drill server the gateway joins, ``ws[s]://HOST:PORT/``, from ``--server``."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise WebError("--server: the address cannot be read") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise WebError("--server: give the drill server as ws://HOST:PORT/ or wss://HOST:PORT/")
    if parts.query or parts.username or parts.password:
        raise WebError("--server: give the server's address only, without a token")
    if (problem := host_name_problem(parts.hostname)) is not None:
        raise WebError(f"--server: {problem}")
    return f"{parts.scheme}://{parts.netloc}/"


def token_of(text: str) -> str:
    """The token of a pasted invitation (``ws[s]://…/?token=…``) or of a bare token."""
    text = text.strip()
    if "://" in text:
        try:  # the gateway joins its own drill server: the host named here is not used
            _, token = parse_invite(text, check_host=False)
        except InviteError as exc:
            raise WebError(str(exc)) from None
    else:
        token = text
    if not _TOKEN.fullmatch(token):
        raise WebError("not an invitation: paste the whole ws://… or wss://… line you were given")
    return token


def session_invite(server: str, token: str) -> str:
    """The invitation the session's process joins with: the gateway's own drill server
    (whatever host the pasted invitation named) and the visitor's token."""
    return server + "?" + urllib.parse.urlencode({"token": token})


def session_command(python: str | None = None, cafile: str | None = None) -> str:
    """The shell command ``textual-serve`` runs for each browser session. It holds no
    token: the invitation travels in the environment (:func:`session_environment`)."""
    argv = [python or sys.executable, "-m", "tui.web"]
    if cafile:
        argv += ["--cafile", cafile]
    return shlex.join(argv)


def session_environment(base: Mapping[str, str], invite: str) -> dict[str, str]:
    """The environment of one session's process: ``base`` and its invitation."""
    env = {k: v for k, v in base.items() if k != INVITE_ENV}
    env[INVITE_ENV] = invite
    return env


def take_invite(environ: MutableMapping[str, str]) -> str:
    """The session's invitation, removed from the environment so that nothing this
    process starts inherits it."""
    return environ.pop(INVITE_ENV, "")


def _notice(message: str) -> None:
    """Show one line in the browser (the session's terminal) until the tab is closed."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from tui.plain import text

    class Notice(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(text(f"drill join: {message}\n\nClose this tab."))

    Notice().run()


def main(argv: list[str] | None = None) -> int:
    """One browser session: the ``drill join`` view of the invitation in ``INVITE_ENV``."""
    from sim.net.client import DrillConnectionError, JoinRefused

    parser = argparse.ArgumentParser(prog="python -m tui.web")
    parser.add_argument("--cafile")
    args = parser.parse_args(argv)
    invite = take_invite(os.environ)
    try:
        parse_invite(invite)
    except InviteError as exc:
        _notice(str(exc))
        return 2
    from tui.net import join_view

    try:
        return join_view(invite, cafile=args.cafile)
    except JoinRefused as exc:
        _notice(str(exc))
        return 2
    except DrillConnectionError as exc:
        _notice(str(exc))
        return 3


if __name__ == "__main__":
    sys.exit(main())
