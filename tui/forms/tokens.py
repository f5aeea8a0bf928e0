"""The facilitator's invitations over the network: list the tokens, revoke one, issue a
new one like it, or one for a seat of one's choosing (a team handed to a person during
the drill, a seat whose invitation was revoked). The server keeps only hashes: a token
given before cannot be shown again, a new one can be issued."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from sim.engine import ActionError
from sim.net.client import DrillClient, DrillConnectionError
from sim.net.run import seat_name, seats

from ..plain import PlainTextApp, cells, line, text
from .dialogs import Confirm


class TokensScreen(ModalScreen[None]):
    """Every invitation's public id, what it is for, and whether it still works."""

    BINDINGS = [
        Binding("x", "revoke", "Revoke", id="tokens.revoke"),
        Binding("n", "new", "New like this", id="tokens.new"),
        Binding("a", "new_for", "New for…", id="tokens.new_for"),
        Binding("escape", "close", "Close", id="tokens.close"),
    ]

    def __init__(self, client: DrillClient):
        super().__init__()
        self.client = client
        self.tokens: list[dict[str, Any]] = []
        #: the seats the seat list offers, in its order, as (access, role)
        self.seats: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label("Invitations", classes="title")
            yield DataTable(id="tokens", cursor_type="row")
            seats_list = OptionList(id="seats")
            seats_list.display = False
            seats_list.border_title = "New invitation for…"
            yield seats_list
            app: PlainTextApp = self.app  # type: ignore[assignment]
            key = app.keys_of  # where the keymap put them
            yield Static(line(
                f"{key('tokens.revoke')} revokes the selected invitation (its terminals are "
                f"cut off); {key('tokens.new')} issues a new one for the same seat; "
                f"{key('tokens.new_for')} issues one for a seat you choose, such as a team "
                f"handed to a person (enter issues it); {key('tokens.close')} closes."),
                classes="hint")
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
            except ActionError as exc:
                # a revocation the host could not save holds all the same: the list says so
                self.notify(str(exc), severity="error", timeout=30)
                await self.reload()
                return
            except (DrillConnectionError, TimeoutError) as exc:
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
        self.run_worker(self._issue(str(token["access"]), token.get("role")),
                        exit_on_error=False)

    def action_new_for(self) -> None:
        """Pick a seat to invite: each role a person plays, the facilitator, the observers
        and evaluators; the first without a valid invitation comes under the cursor."""
        self.run_worker(self._pick_seat(), exit_on_error=False)

    async def _pick_seat(self) -> None:
        await self.reload()
        humans = [role for role, human in self.client.human_roles.items() if human]
        self.seats = seats(humans)
        valid = {(t["access"], t.get("role")) for t in self.tokens if not t["revoked"]}
        picker = self.query_one("#seats", OptionList)
        picker.clear_options()
        for access, role in self.seats:
            name = seat_name(access, role)
            picker.add_option(Option(line(name if (access, role) in valid
                                          else f"{name} (no valid invitation)")))
        picker.display = True
        picker.highlighted = next((i for i, seat in enumerate(self.seats) if seat not in valid), 0)
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        access, role = self.seats[event.option_index]
        self._close_picker()
        self.run_worker(self._issue(access, role), exit_on_error=False)

    def _close_picker(self) -> None:
        self.query_one("#seats", OptionList).display = False
        self.query_one("#tokens", DataTable).focus()

    async def _issue(self, access: str, role: str | None) -> None:
        """A new invitation for the seat, shown under the list."""
        try:
            url = await self.client.invite(access, role)
        except (ActionError, DrillConnectionError, TimeoutError) as exc:
            self.notify(str(exc) or "The drill server did not answer.", severity="error")
            return
        self.query_one("#new-url", Static).update(
            text(f"New invitation for {seat_name(access, role)}: {url}"))
        await self.reload()

    def action_close(self) -> None:
        """Close the seat list when it is open, else the screen."""
        if self.query_one("#seats", OptionList).display:
            self._close_picker()
            return
        self.dismiss(None)
