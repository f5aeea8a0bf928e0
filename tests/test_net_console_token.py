"""The host's own console (`drill host --console`) holds a facilitator token of its own,
which is no invitation: nobody was given it. Once the facilitator's printed invitation
is revoked, the invitations screen marks the facilitator's seat as having no valid
invitation, a resumed host prints a new one (even after a host that stopped without
closing its console), and the console's token is never listed nor saved.
"""

from __future__ import annotations

import io
import shutil

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario, serving
from test_tui import until

from sim.engine import ActionError
from sim.net.client import DrillClient
from sim.net.invites import TokenStore
from sim.net.run import host
from sim.runs.session import DrillSession
from tui.app import DrillApp
from tui.net import console_runner


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def as_console(monkeypatch, drive) -> None:
    """The host's console runs ``drive(app, pilot)`` in place of waiting for keys."""
    async def run_async(self) -> None:
        async with self.run_test(size=(110, 32), notifications=True) as pilot:
            await until(pilot, lambda: getattr(self.screen, "ready", False))
            await drive(self, pilot)

    monkeypatch.setattr(DrillApp, "run_async", run_async)


async def test_the_seat_list_marks_the_facilitator_once_its_invitation_is_revoked(
        loaded, tmp_path, monkeypatch):
    from textual.widgets import DataTable, OptionList

    from tui.forms import Confirm
    from tui.forms.tokens import TokensScreen

    shown: list[str] = []
    listed: list[str] = []

    async def drive(app, pilot) -> None:
        await pilot.press("I")
        # the two teams', the facilitator's and the observers' invitations: not the console's
        await until(pilot, lambda: isinstance(app.screen, TokensScreen)
                    and app.screen.query_one("#tokens", DataTable).row_count >= 4)
        screen = app.screen
        table = screen.query_one("#tokens", DataTable)
        listed.extend(str(table.get_row_at(i)[0]) for i in range(table.row_count))
        row = next(i for i in range(table.row_count)
                   if str(table.get_row_at(i)[1]) == "facilitator")
        table.move_cursor(row=row)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen and any(
            str(table.get_row_at(i)[2]) == "revoked" for i in range(table.row_count)))
        await pilot.press("a")
        seats = screen.query_one("#seats", OptionList)
        await until(pilot, lambda: seats.display)
        shown.extend(str(seats.get_option_at_index(i).prompt) for i in range(seats.option_count))
        # and the console's own token cannot be revoked from a terminal: it is no invitation
        with pytest.raises(ActionError):
            await app.remote.client.revoke(app.remote.client.token_id)

    as_console(monkeypatch, drive)
    async with serving(loaded, tmp_path) as (server, _):
        await console_runner(None)(server)
        console = [g for g in server.tokens.grants.values()
                   if g.access == "facilitator" and g.id not in listed]
    assert len(listed) == 4
    assert shown == ["role cert-a", "role cert-b", "facilitator (no valid invitation)",
                     "observers and evaluators"]
    # the console had a token of its own all the same, revoked once it closed
    assert len(console) == 1 and console[0].revoked


def _host(session, console) -> tuple[str, str]:
    """``drill host`` on ``session`` with ``console(server, printed)`` beside it; what it
    printed, and said."""
    out, err = io.StringIO(), io.StringIO()
    host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
         invites_file=None, public_host=None, new_invites=False, out=out, err=err,
         console=lambda server: console(server, out))
    return out.getvalue(), err.getvalue()


def test_a_resumed_host_invites_the_facilitator_whose_invitation_was_revoked(
        loaded, tmp_path, monkeypatch):
    journal = tmp_path / "d.journal.sqlite"
    tokens = tmp_path / "d.journal.sqlite.tokens"
    crashed = tmp_path / "as-left-by-a-crash.tokens"

    async def drive(app, pilot) -> None:
        client = app.remote.client
        [printed] = [t["id"] for t in await client.tokens() if t["access"] == "facilitator"]
        await client.revoke(printed)  # it leaked
        # the host stops here without closing its console (a power cut): its tokens file
        # as it is now is what a resumed host reads
        shutil.copy(tokens, crashed)

    as_console(monkeypatch, drive)
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    try:
        out, _ = _host(session, lambda server, _: console_runner(None)(server))
    finally:
        session.close()
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        "role cert-a", "facilitator", "observers and evaluators"]
    shutil.copy(crashed, tokens)
    # nothing in the file lets anyone in as the facilitator
    assert not TokenStore.for_journal(journal).load().has_valid("facilitator")
    joined: list[str] = []
    resumed = DrillSession.resume(journal)
    try:
        out, err = _host(resumed, _joining(joined))
    finally:
        resumed.close()
    # a new facilitator invitation, and only that: the others are still valid
    assert [line.split(": ")[0] for line in out.splitlines()] == ["facilitator"]
    assert "new invitations for the seats that had no valid one: facilitator" in err
    assert joined == ["facilitator"]


def _joining(joined: list[str]):
    """Join with each invitation the host printed, noting whom it let in."""
    async def console(server, out) -> None:
        for line in out.getvalue().splitlines():
            client = DrillClient(line.split(": ", 1)[1], reconnect=False)
            try:
                await client.connect()
                joined.append(str(client.access))
            finally:
                await client.close()
    return console
