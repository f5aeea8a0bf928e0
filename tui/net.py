"""``drill join URL`` and ``drill host --console``: the Textual views of a drill served
over the network.

The app and the drill client share one asyncio loop (Textual's): the client connects,
then the app runs in the same loop, so the client's reading, reconnecting and requests
are tasks beside the UI, with no thread.
"""

from __future__ import annotations

import asyncio
import sys

from sim.net.client import DrillClient, JoinRefused
from sim.net.remote import RemoteSession
from sim.net.run import self_tls, self_url
from sim.net.server import DrillServer

from .app import DrillApp


async def open_view(url: str, *, cafile: str | None = None, client: DrillClient | None = None,
                    keymap: dict[str, str] | None = None) -> DrillApp:
    """Connect with the invitation and build the view its token opens: the role view for
    a player, the console for the facilitator, the read-only console for an observer.
    Raises :class:`JoinRefused` or :class:`DrillConnectionError` when it cannot join."""
    client = client or DrillClient(url, cafile=cafile)
    await client.connect()
    return DrillApp(RemoteSession(client), keymap=keymap)


async def _join(url: str, cafile: str | None, keymap: dict[str, str] | None) -> int:
    app = await open_view(url, cafile=cafile, keymap=keymap)
    assert app.remote is not None
    client = app.remote.client
    try:
        await app.run_async()
    finally:
        await client.close()
    if client.failure is not None:
        raise client.failure
    return 0


def join_view(url: str, *, cafile: str | None, keymap: dict[str, str] | None = None) -> int:
    """Run the Textual view for an invitation until the user quits (0)."""
    return asyncio.run(_join(url, cafile, keymap))


def console_runner(cert: str | None, keymap: dict[str, str] | None = None):
    """The host's own console: a facilitator token of its own (revoked when it closes),
    connected to the server in this process over the loopback."""

    async def run(server: DrillServer) -> None:
        token, grant = server.tokens.issue("facilitator")
        client = DrillClient(self_url(server, token), tls=self_tls(cert))
        try:
            await client.connect()
            app = DrillApp(RemoteSession(client), keymap=keymap)
            journal = server.session.path
            app.quit_note = ("Quitting the console stops the drill server. Everything so far is "
                             f"in the journal:\n{journal}\nCarry on later with: "
                             f"drill host --resume {journal}")
            await app.run_async()
        except JoinRefused as exc:  # pragma: no cover - its own token, just issued
            print(exc, file=sys.stderr)
        finally:
            await client.close()
            server.tokens.revoke(grant.id)

    return run
