"""The host cannot save its tokens file (a full disk, as a full disk halts the drill).

The facilitator's terminal is told why, never the host's path to the journal (the
tokens file is named after it); the host's console says it whole. An invitation the
host cannot save is not issued: nothing changes, in memory or on disk. A revocation
the host cannot save holds all the same until the host stops (the token is a leaked
one, perhaps), and the facilitator is told so: it is saved by revoking it again once
there is room, or when the host stops if there is room by then; if there is none even
then, the host says so and how to make sure the token stays out.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from net_helpers import net_scenario, serving

from sim.engine import ActionError
from sim.net.client import DrillClient, JoinRefused
from sim.net.invites import TokenStore
from sim.net.run import host
from sim.runs.session import DrillSession

FULL = os.strerror(errno.ENOSPC)


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


class Disk:
    """The host's disk, full while ``full`` is set: every file written then fails."""

    def __init__(self) -> None:
        self.full = False
        self._fsync = os.fsync

    def fsync(self, fd: int) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, FULL)
        self._fsync(fd)

    @contextlib.contextmanager
    def filled(self) -> Iterator[None]:
        self.full = True
        try:
            yield
        finally:
            self.full = False


@pytest.fixture
def disk(monkeypatch) -> Disk:
    disk = Disk()
    monkeypatch.setattr("sim.safe.files.os.fsync", disk.fsync)
    return disk


def saved(store: TokenStore) -> list[dict[str, Any]]:
    """The tokens as a host resumed now would read them from its tokens file."""
    return TokenStore(store.path, store.drill).load().listing()


def hides_the_path(said: str, server) -> bool:
    journal = str(server.session.path)
    return journal not in said and str(server.session.path.parent) not in said \
        and ".tokens" not in said


async def test_an_invitation_the_host_cannot_save_is_refused_and_names_no_path(
        loaded, tmp_path, disk):
    async with serving(loaded, tmp_path) as (server, urls):
        heard: list[str] = []
        server.notice = heard.append
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        try:
            before = await fac.tokens()
            with disk.filled(), pytest.raises(ActionError) as told:
                await fac.invite("player", "cert-b")
            said = str(told.value)
            assert FULL in said and "no invitation" in said
            assert hides_the_path(said, server), said
            # the host's console says it whole
            assert any(str(server.tokens.path) in line and FULL in line for line in heard)
            # nothing was issued: not in the list, nor in the file a resumed host reads
            assert await fac.tokens() == before
            assert saved(server.tokens) == before
            # once there is room it is issued, and saved
            url = await fac.invite("player", "cert-b")
            assert len(saved(server.tokens)) == len(before) + 1
            team = DrillClient(url, reconnect=False)
            await team.connect()
            assert team.role == "cert-b"
            await team.close()
        finally:
            await fac.close()


async def test_a_revocation_the_host_cannot_save_holds_and_the_facilitator_is_told(
        loaded, tmp_path, disk):
    async with serving(loaded, tmp_path) as (server, urls):
        heard: list[str] = []
        server.notice = heard.append
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        try:
            [observer] = [t["id"] for t in await fac.tokens() if t["access"] == "observer"]
            with disk.filled(), pytest.raises(ActionError) as told:
                await fac.revoke(observer)
            said = str(told.value)
            assert FULL in said and "until the host stops" in said and "not saved" in said
            assert hides_the_path(said, server), said
            assert any(str(server.tokens.path) in line and FULL in line for line in heard)
            # it holds: listed as revoked, and its invitation lets nobody in
            listed = {t["id"]: t["revoked"] for t in await fac.tokens()}
            assert listed[observer]
            with pytest.raises(JoinRefused):
                await DrillClient(urls["observer"], reconnect=False).connect()
            # but a host resumed now would accept it again...
            assert not {t["id"]: t["revoked"] for t in saved(server.tokens)}[observer]
            # ...until it is revoked again, once there is room: saved then
            await fac.revoke(observer)
            assert {t["id"]: t["revoked"] for t in saved(server.tokens)}[observer]
        finally:
            await fac.close()


def _host(session, console) -> str:
    """``drill host`` on ``session`` with ``console`` beside it; what the host said."""
    out, err = io.StringIO(), io.StringIO()
    host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
         invites_file=None, public_host=None, new_invites=False, out=out, err=err,
         console=lambda server: console(server, out))
    return err.getvalue()


def _revoking_on_a_full_disk(disk: Disk, full_at_stop: bool):
    """The facilitator revokes the observers' invitation while the disk is full (and it
    stays full, with ``full_at_stop``)."""
    async def console(server, out) -> None:
        [url] = [line.split(": ", 1)[1] for line in out.getvalue().splitlines()
                 if line.startswith("facilitator: ")]
        fac = DrillClient(url, reconnect=False)
        await fac.connect()
        try:
            [observer] = [t["id"] for t in await fac.tokens() if t["access"] == "observer"]
            with disk.filled(), pytest.raises(ActionError):
                await fac.revoke(observer)
        finally:
            await fac.close()
        disk.full = full_at_stop
    return console


@pytest.mark.parametrize("full_at_stop", [False, True], ids=["room-at-stop", "still-full"])
def test_a_revocation_not_saved_is_saved_when_the_host_stops(loaded, tmp_path, disk,
                                                              full_at_stop):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    try:
        said = _host(session, _revoking_on_a_full_disk(disk, full_at_stop))
    finally:
        disk.full = False
        session.close()
    store = TokenStore.for_journal(journal).load()
    if not full_at_stop:
        # there is room again: a resumed host refuses it
        assert not store.has_valid("observer")
        assert "--new-invites" not in said
    else:
        # still no room: the host says so, and how to keep the token out
        assert store.has_valid("observer")
        [line] = [ln for ln in said.splitlines() if "--new-invites" in ln]
        assert FULL in line and "not saved" in line


async def test_the_invitations_screen_shows_a_revocation_not_saved_as_holding(
        loaded, tmp_path, disk):
    pytest.importorskip("textual")
    from test_net_tui import joined, messages
    from test_tui import until
    from textual.widgets import DataTable

    from tui.forms import Confirm
    from tui.forms.tokens import TokensScreen

    async with serving(loaded, tmp_path) as (server, urls), \
            joined(urls["facilitator"]) as (app, pilot):
        await pilot.press("I")
        await until(pilot, lambda: isinstance(app.screen, TokensScreen)
                    and app.screen.query_one("#tokens", DataTable).row_count == 4)
        screen = app.screen
        table = screen.query_one("#tokens", DataTable)
        row = next(i for i in range(table.row_count)
                   if str(table.get_row_at(i)[1]) == "observer")
        table.move_cursor(row=row)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        with disk.filled():
            await pilot.press("y")
            await until(pilot, lambda: any("not saved" in m for m in messages(app)))
        [said] = [m for m in messages(app) if "not saved" in m]
        assert "until the host stops" in said and FULL in said
        assert hides_the_path(said, server), said
        # the list shows it revoked, as it is
        await until(pilot, lambda: str(table.get_row_at(row)[2]) == "revoked")
