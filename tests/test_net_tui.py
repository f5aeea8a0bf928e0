"""The Textual views over the network: the role view, the console and the observer's
view, each driven by pilot against a live drill server on a free local port."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario, serving
from net_helpers import until as until_true
from test_tui import until

from sim.engine import Action
from sim.net.client import DrillClient
from sim.net.remote import RemoteSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.screens.live import clock_line


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


@contextlib.asynccontextmanager
async def joined(url: str) -> AsyncIterator[tuple[DrillApp, Any]]:
    """The app ``drill join URL`` opens, connected to the server, and its pilot once the
    first screen is laid out."""
    client = DrillClient(url)
    await client.connect()
    app = DrillApp(RemoteSession(client), tick=0.05)
    try:
        async with app.run_test(size=(110, 32), notifications=True) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            yield app, pilot
    finally:
        await client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def messages(app: DrillApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_player_token_opens_its_role_view_and_never_the_console(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls), \
            joined(urls["cert-a"]) as (app, pilot):
        assert isinstance(app.screen, ParticipantScreen) and app.screen.role == "cert-a"
        for key in ("escape", "space", "j", "R", "o", "h"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        assert not any(isinstance(s, FacilitatorScreen) for s in app.screen_stack)
        assert not server.clock.running  # space did not start the server's clock


async def test_a_players_acknowledgement_over_the_wire_reaches_the_console(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(150)  # inject 1 and the RED inject 2 reach cert-a
        server.clock.jump_to(server.session.now)
        async with joined(urls["facilitator"]) as (console, console_pilot), \
                joined(urls["cert-a"]) as (app, pilot):
            await until(pilot, lambda: app.screen.query_one("#inbox").row_count == 2)
            await console_pilot.press("5")  # the console's Log tab
            await pilot.press("k")  # the player acknowledges the item under the cursor
            await until(pilot, lambda: any("acknowledged" in m for m in messages(app)))

            def logged() -> bool:
                table = console.screen.query_one("#log")
                rows = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
                return any("acknowledged" in r and "CERT-SG" in r for r in rows)

            await until(console_pilot, logged)


async def test_the_facilitators_fire_reaches_the_players_inbox(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        player = DrillClient(urls["cert-a"])
        await player.connect()
        async with joined(urls["facilitator"]) as (app, pilot):
            assert isinstance(app.screen, FacilitatorScreen)
            await pilot.press("f")  # fire inject 1, first in the MSEL
            await until(pilot, lambda: app.state.msel["1"].status == "delivered")
            await until_true(lambda: player.state.unread("cert-a") == 1)
            assert server.session.engine.injects["1"].state != "pending"
        await player.close()


async def test_a_refusal_from_the_server_shows_as_a_notification(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_, urls), \
            joined(urls["facilitator"]) as (app, pilot):
        await pilot.press("f")
        await until(pilot, lambda: app.state.msel["1"].status == "delivered")
        app.clear_notifications()
        # the Overview's cursor has moved on to the next inject: back to inject 1
        table = app.screen.query_one("#ov-msel")
        table.move_cursor(row=table.get_row_index("1"))
        await pilot.pause()
        await pilot.press("f")  # the same inject again: the engine refuses it
        await until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        assert not any("fire inject" in m for m in messages(app))


async def test_the_facilitator_runs_and_pauses_the_servers_clock(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls), \
            joined(urls["facilitator"]) as (app, pilot):
        await pilot.press("space")
        await until(pilot, lambda: server.clock.running and app.clock.running)
        assert "running" in clock_line(app).plain
        await pilot.press("plus")
        await until(pilot, lambda: server.clock.speed > 60 and app.clock.speed > 60)
        await pilot.press("space")
        await until(pilot, lambda: not server.clock.running and not app.clock.running)
        await pilot.press("j")  # jump to the next inject: the server moves the drill on
        await until(pilot, lambda: server.session.now >= 60 and app.session.now >= 60)
        app.jump_to(600.0)  # "go to a drill time", as the console's form does
        await until(pilot, lambda: server.session.now >= 600 and app.session.now >= 600)


async def test_an_observer_reads_the_console_writes_notes_and_commands_nothing(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        async with joined(urls["observer"]) as (app, pilot):
            assert isinstance(app.screen, FacilitatorScreen)
            for key in ("f", "space", "j", "a"):
                await pilot.press(key)
                await pilot.pause()
            assert server.session.engine.injects["1"].state == "pending"
            assert not server.clock.running and server.session.now == 0
            assert isinstance(app.screen, FacilitatorScreen)  # no ad-hoc form either
            # what the observation form hands back when the evaluator saves a note
            app.command(lambda: app.session.add_note("the team hesitated", team="cert-a"),
                        "observation saved")
            await until(pilot, lambda: any(n.text == "the team hesitated" for n in app.session.notes))
            await until_true(lambda: any(n.text == "the team hesitated" for n in fac.notes))
            assert [n.text for n in server.session.notes] == ["the team hesitated"]
            assert server.session.notes[0].who == "evaluator"
        await fac.close()


async def test_a_lost_connection_shows_reconnecting_and_resumes(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls), \
            joined(urls["facilitator"]) as (app, pilot):
        await server.stop()
        await until(pilot, lambda: "RECONNECTING" in clock_line(app).plain)
        server.session.advance_to(70)  # the drill moved on meanwhile
        await server.start()
        await until(pilot, lambda: "RECONNECTING" not in clock_line(app).plain
                    and app.state.msel["1"].status == "delivered", seconds=15)


async def test_a_player_cannot_act_for_another_role(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_, urls), \
            joined(urls["cert-b"]) as (app, pilot):
        # a command for another role is refused by the server, shown as any refusal
        app.command(lambda: app.session.act(Action("cert-a", "acknowledge", "x")), "sent")
        await until(pilot, lambda: any("own role" in m for m in messages(app)))
        assert "sent" not in messages(app)


# --- drill join URL and drill host --console -------------------------------------------


async def test_join_without_print_opens_the_view_of_the_tokens_seat(loaded, tmp_path, monkeypatch):
    import tui.net

    seen = []

    async def run_async(self):  # instead of taking over the terminal
        seen.append((self.access, type(self.remote).__name__, self.remote.role))

    monkeypatch.setattr(DrillApp, "run_async", run_async)
    async with serving(loaded, tmp_path) as (_, urls):
        assert await tui.net._join(urls["cert-b"], None, None) == 0
        assert await tui.net._join(urls["observer"], None, None) == 0
    assert seen == [("player", "RemoteSession", "cert-b"), ("observer", "RemoteSession", None)]


def test_join_in_the_terminal_ui_says_what_is_wrong_in_one_line(capsys):
    from sim.cli import EXIT_CANNOT_RUN, main

    port = free_port()
    assert main(["join", f"ws://127.0.0.1:{port}/?token=abc"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert "cannot reach the drill server" in err and "abc" not in err
    assert "Traceback" not in err


async def test_a_refused_invitation_opens_no_view(loaded, tmp_path, capsys):
    from sim.cli import EXIT_INVALID, main

    async with serving(loaded, tmp_path) as (_, urls):
        forged = urls["cert-a"].split("?token=")[0] + "?token=forged"
        # the CLI runs its own loop: run it beside the server's, in a thread of its own
        code = await asyncio.to_thread(main, ["join", forged])
    assert code == EXIT_INVALID
    assert "refused" in capsys.readouterr().err


@pytest.mark.parametrize("tls", [False, True])
async def test_the_hosts_own_console_is_a_facilitator_with_a_token_revoked_after(
        loaded, tmp_path, monkeypatch, tls):
    from sim.net.server import tls_context
    from tui.net import console_runner

    cert = key = None
    if tls:
        if shutil.which("openssl") is None:
            pytest.skip("needs openssl to make a certificate")
        cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=drill.example", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
    seen = []

    async def run_async(self):
        seen.append((self.access, self.remote.client.connected,
                     "drill host --resume" in self.quit_note))

    monkeypatch.setattr(DrillApp, "run_async", run_async)
    kw = {"tls": tls_context(cert, key)} if tls else {}
    async with serving(loaded, tmp_path, **kw) as (server, _):
        before = {g.id for g in server.tokens.grants.values()}
        await console_runner(cert)(server)
        mine = [g for g in server.tokens.grants.values() if g.id not in before]
    assert seen == [("facilitator", True, True)]
    assert len(mine) == 1 and mine[0].access == "facilitator" and mine[0].revoked


async def test_the_console_revokes_an_invitation_and_its_terminal_is_cut_off(loaded, tmp_path):
    from tui.forms import Confirm
    from tui.forms.tokens import TokensScreen

    async with serving(loaded, tmp_path) as (server, urls):
        player = DrillClient(urls["cert-b"], reconnect=True)
        await player.connect()
        async with joined(urls["facilitator"]) as (app, pilot):
            assert "Invitations" in {c.title for c in app.get_system_commands(app.screen)}
            await pilot.press("I")
            await until(pilot, lambda: isinstance(app.screen, TokensScreen)
                        and app.screen.query_one("#tokens").row_count == 4)
            table = app.screen.query_one("#tokens")
            row = next(i for i in range(table.row_count) if "cert-b" in str(table.get_row_at(i)[1]))
            table.move_cursor(row=row)
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            await pilot.press("y")
            await until(pilot, lambda: any(g.role == "cert-b" and g.revoked
                                           for g in server.tokens.grants.values()))
            await until_true(lambda: player.failure is not None)  # refused when it came back
        await player.close()
