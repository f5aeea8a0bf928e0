"""``drill join URL`` and ``drill host --console``: the Textual views of a drill served
over the network.

The app and the drill client share one asyncio loop (Textual's): the client connects,
then the app runs in the same loop, so the client's reading, reconnecting and requests
are tasks beside the UI, with no thread.
"""

from __future__ import annotations

import asyncio
import os
import sys

from sim.net.client import DrillClient, DrillConnectionError, JoinRefused
from sim.net.remote import RemoteSession
from sim.net.run import self_tls, self_url
from sim.net.server import DrillServer
from sim.safe.text import shell_word

from .app import DrillApp


async def open_view(url: str, *, cafile: str | None = None, client: DrillClient | None = None,
                    keymap: dict[str, str] | None = None) -> DrillApp:
    """Connect with the invitation and build the view its token opens: the role view for
    a player, the console for the facilitator, the read-only console for an observer.
    Raises :class:`JoinRefused` or :class:`DrillConnectionError` when it cannot join."""
    client = client or DrillClient(url, cafile=cafile)
    await client.connect()
    return DrillApp(RemoteSession(client), keymap=keymap)


async def _join(url: str, cafile: str | None, keymap: dict[str, str] | None,
                terminal: bool = False) -> int:
    """Join and run the view until the user quits; with ``terminal``, once the invitation
    has been let in, the view's keys come from the terminal (:func:`keys_from_terminal`)."""
    app = await open_view(url, cafile=cafile, keymap=keymap)
    assert app.remote is not None
    client = app.remote.client
    try:
        if terminal:
            keys_from_terminal()
        await app.run_async()
    finally:
        await client.close()
    if client.failure is not None:
        raise client.failure
    return 0


class NoTerminal(DrillConnectionError):
    """The view has no terminal to read keys from; one line for the user."""


def keys_from_terminal() -> None:
    """Make sure the view reads its keys from the terminal: when standard input is not
    one (``drill join - < invitation.txt`` gave the invitation on it, and it is at its
    end), the process's controlling terminal (``/dev/tty``) takes its place. Raises
    :class:`NoTerminal` when there is none. A view whose keys come another way (a browser,
    through ``TEXTUAL_DRIVER``; Windows's console) is left as it is."""
    if os.environ.get("TEXTUAL_DRIVER") or os.name == "nt":
        return
    stdin = sys.__stdin__
    if stdin is not None and stdin.isatty():
        return
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise NoTerminal("no terminal to read keys from (standard input is not one): run "
                         "drill join - in a terminal and paste the invitation, or follow the "
                         "drill as text with drill join --print") from None
    os.dup2(tty, 0)
    os.close(tty)
    if stdin is None:  # it was closed: the terminal is standard input now
        sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # type: ignore[misc]  # noqa: SIM115


def join_view(url: str, *, cafile: str | None, keymap: dict[str, str] | None = None) -> int:
    """Run the Textual view for an invitation until the user quits (0). Its keys come from
    the terminal, even when the invitation came on standard input (:func:`keys_from_terminal`)."""
    return asyncio.run(_join(url, cafile, keymap, terminal=True))


def console_runner(cert: str | None, keymap: dict[str, str] | None = None):
    """The host's own console: a facilitator token of its own, connected to the server in
    this process over the loopback. The token is no invitation: it is kept in this
    process only (a resumed host's console gets a new one), never listed nor counted as
    the facilitator's invitation, and revoked when the console closes."""

    async def run(server: DrillServer) -> None:
        token, grant = server.tokens.issue_console()
        client = DrillClient(self_url(server, token), tls=self_tls(cert))
        try:
            await client.connect()
            app = DrillApp(RemoteSession(client), keymap=keymap)
            journal = server.session.path
            assert journal is not None  # a hosted drill is always recorded
            app.quit_note = ("Quitting the console stops the drill server. Everything so far is "
                             f"in the journal:\n{journal}\nCarry on later with: "
                             f"drill host --resume {shell_word(journal)}")
            await app.run_async()
        except JoinRefused as exc:  # pragma: no cover - its own token, just issued
            print(exc, file=sys.stderr)
        finally:
            await client.close()
            server.tokens.end_console(grant)

    return run
