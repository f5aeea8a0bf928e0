"""The facilitator's invitations over the network: list the tokens, revoke one, issue a
new one like it. The server keeps only hashes: a token given before cannot be shown
again, a new one can be issued."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from sim.engine import ActionError
from sim.net.client import DrillClient, DrillConnectionError

from ..plain import cells, text
from .dialogs import Confirm


class TokensScreen(ModalScreen[None]):
    """Every invitation's public id, what it is for, and whether it still works."""

    BINDINGS = [
        Binding("x", "revoke", "Revoke", id="tokens.revoke"),
        Binding("n", "new", "New like this", id="tokens.new"),
        Binding("escape", "close", "Close", id="tokens.close"),
    ]

    def __init__(self, client: DrillClient):
        super().__init__()
        self.client = client
        self.tokens: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label("Invitations", classes="title")
            yield DataTable(id="tokens", cursor_type="row")
            yield Static("x revokes the selected invitation (its terminals are cut off); "
                         "n issues a new one for the same seat; escape closes.", classes="hint")
            yield Static(id="new-url", classes="hint")

    async def on_mount(self) -> None:
        self.query_one("#tokens", DataTable).add_columns("Id", "For", "State")
        await self.reload()

    async def reload(self) -> None:
        try:
            self.tokens = await self.client.tokens()
        except (ActionError, DrillConnectionError, TimeoutError) as exc:
            self.notify(str(exc) or "The drill server did not answer.", severity="error")
            return
        table = self.query_one("#tokens", DataTable)
        table.clear()
        for t in self.tokens:
            what = f"{t['access']} {t['role']}" if t.get("role") else str(t["access"])
            table.add_row(*cells((t["id"], what, "revoked" if t["revoked"] else "valid")),
                          key=str(t["id"]))

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one("#tokens", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.tokens if t["id"] == key), None)

    def action_revoke(self) -> None:
        token = self._selected()
        if token is None or token["revoked"]:
            return

        async def revoke() -> None:
            try:
                await self.client.revoke(str(token["id"]))
            except (ActionError, DrillConnectionError, TimeoutError) as exc:
                self.notify(str(exc) or "The drill server did not answer.", severity="error")
                return
            self.notify(f"invitation {token['id']} revoked", timeout=3)
            await self.reload()

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(revoke(), exit_on_error=False)

        self.app.push_screen(Confirm(f"Revoke invitation {token['id']}?",
                                     "Its terminals are disconnected and cannot join again."),
                             answer)

    def action_new(self) -> None:
        token = self._selected()
        if token is None:
            return

        async def issue() -> None:
            try:
                url = await self.client.invite(str(token["access"]), token.get("role"))
            except (ActionError, DrillConnectionError, TimeoutError) as exc:
                self.notify(str(exc) or "The drill server did not answer.", severity="error")
                return
            self.query_one("#new-url", Static).update(text(f"New invitation: {url}"))
            await self.reload()

        self.run_worker(issue(), exit_on_error=False)

    def action_close(self) -> None:
        self.dismiss(None)
