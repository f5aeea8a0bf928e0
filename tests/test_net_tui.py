"""The Textual views over the network: the role view, the console and the observer's
view, each driven by pilot against a live drill server on a free local port."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

pytest.importorskip("textual")

from net_helpers import SECRET_A, net_scenario, serving
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
async def joined(url: str) -> AsyncIterator[DrillApp]:
    """The app ``drill join URL`` opens, connected to the server."""
    client = DrillClient(url)
    await client.connect()
    app = DrillApp(RemoteSession(client), tick=0.05)
    try:
        yield app
    finally:
        await client.close()


def messages(app: DrillApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_player_token_opens_its_role_view_and_never_the_console(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls), joined(urls["cert-a"]) as app:
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
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
        async with joined(urls["facilitator"]) as console, \
                console.run_test(size=(110, 32)) as console_pilot, \
                joined(urls["cert-a"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False)
                        and app.screen.query_one("#inbox").row_count == 2)
            await until(console_pilot, lambda: getattr(console.screen, "ready", False))
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
        async with joined(urls["facilitator"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            assert isinstance(app.screen, FacilitatorScreen)
            await pilot.press("f")  # fire inject 1, first in the MSEL
            await until(pilot, lambda: app.state.msel["1"].status == "delivered")
            await until_true(lambda: player.state.unread("cert-a") == 1)
            assert server.session.engine.injects["1"].state != "pending"
        await player.close()


async def test_a_refusal_from_the_server_shows_as_a_notification(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        async with joined(urls["facilitator"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            await pilot.press("f")
            await until(pilot, lambda: app.state.msel["1"].status == "delivered")
            app.clear_notifications()
            await pilot.press("f")  # the same inject again: the engine refuses it
            await until(pilot, lambda: any(n.severity == "error" for n in app._notifications))


async def test_the_facilitator_runs_and_pauses_the_servers_clock(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        async with joined(urls["facilitator"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            await pilot.press("space")
            await until(pilot, lambda: server.clock.running and app.clock.running)
            assert "running" in clock_line(app).plain
            await pilot.press("plus")
            await until(pilot, lambda: server.clock.speed > 60 and app.clock.speed > 60)
            await pilot.press("space")
            await until(pilot, lambda: not server.clock.running and not app.clock.running)
            await pilot.press("j")  # jump to the next inject: the server moves the drill on
            await until(pilot, lambda: server.session.now >= 60 and app.session.now >= 60)


async def test_an_observer_reads_the_console_writes_notes_and_commands_nothing(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        async with joined(urls["observer"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            assert isinstance(app.screen, FacilitatorScreen)
            for key in ("f", "space", "j", "a"):
                await pilot.press(key)
                await pilot.pause()
            assert server.session.engine.injects["1"].state == "pending"
            assert not server.clock.running and server.session.now == 0
            assert isinstance(app.screen, FacilitatorScreen)  # no ad-hoc form either
            app.session.add_note  # noqa: B018 - the note goes through the app, as typed
            app.command(lambda: app.session.add_note("the team hesitated", team="cert-a"),
                        "observation saved")
            await until(pilot, lambda: any(n.text == "the team hesitated" for n in app.session.notes))
            await until_true(lambda: any(n.text == "the team hesitated" for n in fac.notes))
            assert [n.text for n in server.session.notes] == ["the team hesitated"]
            assert server.session.notes[0].who == "evaluator"
        await fac.close()


async def test_a_lost_connection_shows_reconnecting_and_resumes(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        async with joined(urls["facilitator"]) as app, app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            await server.stop()
            await until(pilot, lambda: "RECONNECTING" in clock_line(app).plain)
            server.session.advance_to(70)  # the drill moved on meanwhile
            await server.start()
            await until(pilot, lambda: "RECONNECTING" not in clock_line(app).plain
                        and app.state.msel["1"].status == "delivered", seconds=15)


async def test_a_players_action_form_acts_only_as_its_own_role(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls), joined(urls["cert-b"]) as app:
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: getattr(app.screen, "ready", False))
            # a forged command for another role is refused by the server, shown as any refusal
            app.command(lambda: app.session.act(Action("cert-a", "acknowledge", "x")), "sent")
            await until(pilot, lambda: any("own role" in m for m in messages(app)))
