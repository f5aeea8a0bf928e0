"""Multi-site drills: a request answered after its connection dropped is not carried out
twice, host names that cannot be looked up, screenshots, ratings and breaks given on a
networked console."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from net_helpers import net_scenario, raw_join, serving, until

from sim.engine import Action, ActionError
from sim.net.client import DrillClient, DrillConnectionError


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")


def journal_of(server) -> Any:
    """The drill's journal on the server."""
    journal = server.session.journal
    assert journal is not None
    return journal


def escalations(server) -> list[Any]:
    """The escalations cert-a's people sent, as the server's drill recorded them."""
    return [e for e in server.session.engine.log if e.type == "message_sent"
            and e.actor == "cert-a" and e.details.get("by") == "human"]


class DroppingProxy:
    """A TCP relay in front of the drill server that can cut the connection as the
    server's next ``result`` frame comes through, before the client receives it."""

    def __init__(self, server_port: int, on_drop: Callable[[], None] | None = None):
        self.server_port = server_port
        self.on_drop = on_drop or (lambda: None)
        self.drop_next_result = False
        self.dropped = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> DroppingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, invitation: str, server_port: int) -> str:
        return invitation.replace(f":{server_port}/", f":{self.port}/")

    async def _handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        sr, sw = await asyncio.open_connection("127.0.0.1", self.server_port)

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, watch: bool) -> None:
            try:
                while data := await r.read(65536):
                    if watch and self.drop_next_result and b'"type":"result"' in data:
                        self.drop_next_result = False
                        self.dropped += 1
                        self.on_drop()
                        cw.transport.abort()
                        sw.transport.abort()
                        return
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    w.close()

        await asyncio.gather(pipe(cr, sw, False), pipe(sr, cw, True))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


# --- 1. a request answered after the connection dropped is not carried out twice ------


async def test_an_action_whose_reply_was_lost_is_done_once_and_reported_done(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)  # inject 1 has reached cert-a
        server.clock.jump_to(server.session.now)
        proxy = await DroppingProxy(server.port).start()
        client = DrillClient(proxy.url(urls["cert-a"], server.port))
        await client.connect()
        proxy.drop_next_result = True
        # the network drops the connection as the server answers: the player's terminal
        # reconnects and is told the action went, not that it failed
        await client.act(ESCALATE)
        assert proxy.dropped == 1
        assert len(escalations(server)) == 1
        commands = [c for c in journal_of(server).commands() if c.kind == "act"]
        assert len(commands) == 1  # journaled once
        # the player's own Sent list shows the escalation once too
        await until(lambda: client.seq >= server.streams["cert-a"].last)
        assert client.state is not None
        assert [item.verb for item in client.state.outbox["cert-a"]] == ["escalate"]
        await client.close()
        await proxy.stop()


async def test_a_repeated_request_key_gets_the_first_answer_again(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        server.clock.jump_to(server.session.now)
        payload = {"actor": "cert-a", "verb": "escalate", "incident": "x",
                   "targets": ["council"], "channel": "email", "tlp": "AMBER", "text": "hi"}
        frame = {"type": "command", "id": 3, "key": "k-0123456789abcdef", "kind": "act",
                 "payload": payload}
        first = await raw_join(urls["cert-a"])
        await first.send(frame)
        await first.until(lambda c: c.of("result"))
        await first.close()
        # the same request again, on a new connection of the same invitation
        again = await raw_join(urls["cert-a"])
        await again.send({**frame, "id": 9})
        await again.until(lambda c: c.of("result"))
        assert again.of("result")[0]["id"] == 9
        assert again.of("result")[0]["last"] == first.of("result")[0]["last"]
        assert len(escalations(server)) == 1
        # another invitation's key space is its own: the same key there is a new request
        fac = await raw_join(urls["facilitator"])
        await fac.send({"type": "tokens", "id": 1, "key": "k-0123456789abcdef"})
        await fac.until(lambda c: c.of("result"))
        assert "tokens" in fac.of("result")[0]["data"]
        # a refusal is remembered too, and a new key is a new request
        await again.send({**frame, "id": 10, "key": "k-other-request-1",
                          "payload": {**payload, "incident": "nope"}})
        await again.until(lambda c: len(c.of("error")) == 1)
        await again.send({**frame, "id": 11, "key": "k-other-request-1"})
        await again.until(lambda c: len(c.of("error")) == 2)
        assert [e["id"] for e in again.of("error")] == [10, 11]
        assert again.of("error")[0]["message"] == again.of("error")[1]["message"]
        assert len(escalations(server)) == 1
        for c in (again, fac):
            await c.close()


async def test_a_client_of_the_previous_protocol_version_still_plays(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        server.clock.jump_to(server.session.now)
        old = await raw_join(urls["cert-a"], version=5)
        await old.until(lambda c: c.of("welcome"))
        welcome = old.of("welcome")[0]
        assert welcome["version"] == 5
        P5_WELCOME = {"type", "version", "access", "role", "token_id", "drill", "scenario",
                      "human", "last", "reset", "clock", "notes"}
        assert set(welcome) <= P5_WELCOME  # nothing an older client would refuse
        await old.send({"type": "command", "id": 1, "kind": "act",
                        "payload": {"actor": "cert-a", "verb": "escalate", "incident": "x",
                                    "targets": ["council"], "channel": "email",
                                    "tlp": "AMBER", "text": "hi"}})
        await old.until(lambda c: c.of("result"))
        assert len(escalations(server)) == 1
        await old.close()


async def test_a_request_lost_for_good_says_it_may_have_been_carried_out(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        server.clock.jump_to(server.session.now)
        grant = server.tokens.check(urls["cert-a"].split("token=")[1])
        assert grant is not None

        def revoke() -> None:
            server.tokens.revoke(grant.id)

        # the invitation is revoked as the reply is lost: the terminal cannot get back in
        proxy = await DroppingProxy(server.port, revoke).start()
        client = DrillClient(proxy.url(urls["cert-a"], server.port))
        await client.connect()
        proxy.drop_next_result = True
        with pytest.raises(DrillConnectionError, match="may have been carried out"):
            await client.act(ESCALATE)
        assert len(escalations(server)) == 1
        await client.close()
        await proxy.stop()


async def test_the_players_terminal_says_done_when_only_the_reply_was_lost(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_tui import joined, messages
    from test_tui import until as until_shown
    from textual.widgets import DataTable

    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)  # inject 1 has reached cert-a
        server.clock.jump_to(server.session.now)
        proxy = await DroppingProxy(server.port).start()
        async with joined(proxy.url(urls["cert-a"], server.port)) as (app, pilot):
            inbox = app.screen.query_one("#inbox", DataTable)
            await until_shown(pilot, lambda: inbox.row_count == 1)
            proxy.drop_next_result = True
            await pilot.press("k")  # acknowledge the item under the cursor
            await until_shown(pilot, lambda: any("acknowledg" in m for m in messages(app)))
            assert proxy.dropped == 1
            assert not [n for n in app._notifications if n.severity == "error"]
            acks = [e for e in server.session.engine.log
                    if e.type == "acknowledged" and e.actor == "cert-a"]
            assert len(acks) == 1
        await proxy.stop()


# --- 2. host names that cannot be looked up -------------------------------------------

BAD_HOSTS = ["drill..example.org", "a" * 64 + ".example.org", ".example.org"]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("ui", [["--print"], []])
def test_join_refuses_an_invitation_whose_host_name_is_not_one(host, ui, capsys):
    from sim.cli import EXIT_INVALID, main

    assert main(["join", f"ws://{host}:8765/?token=abc", *ui]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    lines = [x for x in err.splitlines() if not x.startswith("warning:")]
    assert len(lines) == 1 and "host name" in lines[0]
    assert "abc" not in err  # the token is not echoed


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_host_refuses_a_listen_host_name_that_is_not_one(host, capsys, tmp_path):
    from sim.cli import EXIT_INVALID, main

    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", f"{host}:8765",
                 "--journal", str(journal)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "--listen" in err and "host name" in err
    assert not journal.exists()


def test_host_refuses_a_public_host_name_before_starting_a_journal(capsys, tmp_path):
    from sim.cli import EXIT_INVALID, main

    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--public-host",
                 "drill..example.org", "--journal", str(journal)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "--public-host" in err
    assert not journal.exists()  # nothing left behind


def test_the_browser_session_says_what_is_wrong_with_the_host_name(monkeypatch):
    from tui import web

    said: list[str] = []
    monkeypatch.setattr(web, "_notice", said.append)
    monkeypatch.setenv(web.INVITE_ENV, "ws://drill..example.org:8765/?token=" + "t" * 43)
    assert web.main([]) == 2
    assert len(said) == 1 and "host name" in said[0] and "t" * 43 not in said[0]


def test_drill_web_refuses_a_server_whose_host_name_is_not_one(capsys):
    from sim.cli import EXIT_INVALID, main
    from tui.web import token_of

    assert main(["web", "--server", "ws://drill..example.org:8765/"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "--server" in err and "host name" in err and "internal error" not in err
    # a pasted invitation gives its token only: the host it names is not joined
    token = "T" * 43
    assert token_of(f"ws://drill..example.org:8765/?token={token}") == token


async def test_a_client_refuses_the_host_name_before_it_tries_to_connect():
    from sim.net.invites import InviteError

    with pytest.raises(InviteError, match="host name"):
        DrillClient("ws://drill..example.org:8765/?token=abc")


def test_host_refuses_a_public_host_name_no_invitation_could_reach(loaded, tmp_path):
    from sim.net.run import HostError, host
    from sim.runs.session import DrillSession

    session = DrillSession.start(loaded, human=["cert-a"],
                                 journal_path=tmp_path / "d.journal.sqlite")
    invites = tmp_path / "invites.txt"

    async def console(server) -> None:  # the console closes at once: the server stops
        return None

    try:
        with pytest.raises(HostError, match=re.escape("--public-host: drill..example.org: the host name")):
            host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
                 invites_file=str(invites), public_host="drill..example.org",
                 new_invites=False, console=console)
    finally:
        session.close()
    assert not invites.exists()  # no invitation naming it was handed out


async def test_a_host_name_the_lookup_cannot_encode_is_one_line_not_a_crash(monkeypatch):
    """Looking a name up raises UnicodeError, not OSError, for a name IDNA cannot encode:
    wherever an address is looked up, that is a one-line refusal."""
    import socket

    from sim.net import client as client_mod
    from sim.net.run import HostError, check_listen

    def unencodable(*args: Any, **kw: Any) -> Any:
        raise UnicodeError("label empty or too long")

    monkeypatch.setattr(client_mod, "connect", unencodable)
    with pytest.raises(DrillConnectionError, match=r"cannot reach .* host name cannot be looked up"):
        await DrillClient("ws://drill.example.org:8765/?token=abc").connect()
    monkeypatch.setattr(socket, "getaddrinfo", unencodable)
    with pytest.raises(HostError, match=re.escape("cannot listen on drill.example.org:8765: the host name")):
        check_listen("drill.example.org:8765")


# --- 3. screenshots hold the drill: written owner-only ---------------------------------


async def test_a_screenshot_from_the_palette_is_written_owner_only(loaded, tmp_path, monkeypatch):
    pytest.importorskip("textual")
    import os
    import stat

    from test_net_tui import joined, messages
    from test_tui import until as until_shown
    from textual.widgets import DataTable

    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    old = os.umask(0o022)
    try:
        async with serving(loaded, tmp_path) as (server, urls):
            server.session.advance_to(150)  # the RED inject 2 has reached cert-a
            server.clock.jump_to(server.session.now)
            async with joined(urls["cert-a"]) as (app, pilot):
                inbox = app.screen.query_one("#inbox", DataTable)
                await until_shown(pilot, lambda: inbox.row_count == 2)
                shot = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
                assert len(shot) == 1
                shot[0].callback()
                await until_shown(pilot, lambda: any("screenshot" in m.lower()
                                                     for m in messages(app)))
                files = list(home.rglob("*.svg"))
                assert len(files) == 1
                assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
                body = files[0].read_text(encoding="utf-8")
                assert "Sinkhole" in body.replace("&#160;", " ")  # the RED item is in it
                assert any(str(files[0]) in m for m in messages(app))
                # the app's own screenshot writing is private too (a folder it names)
                saved = app.save_screenshot("x.svg", str(tmp_path / "shots"))
                assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
                assert stat.S_IMODE((tmp_path / "shots").stat().st_mode) == 0o700
                # in a browser (drill web) the file would leave this terminal: not offered
                monkeypatch.setattr(type(app), "is_web", property(lambda self: True))
                assert "Screenshot" not in [c.title for c in app.get_system_commands(app.screen)]
                assert app.deliver_screenshot() is None
                assert len(list(home.rglob("*.svg"))) == 1
    finally:
        os.umask(old)


# --- 4. ratings given in the review of a networked drill are kept --------------------


@contextlib.asynccontextmanager
async def reviewing(url: str) -> Any:
    """The app ``drill join URL`` opens on a drill that has ended: its review (the hot
    wash) on the Expectations tab, and the pilot."""
    from test_tui import until as until_shown
    from textual.widgets import TabbedContent

    from sim.net.remote import RemoteSession
    from tui.app import DrillApp
    from tui.screens.review import ReviewScreen

    client = DrillClient(url)
    await client.connect()
    app = DrillApp(RemoteSession(client), tick=0.05)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until_shown(pilot, lambda: isinstance(app.screen, ReviewScreen))
            tabs = app.screen.query_one("#review-tabs", TabbedContent)
            for _ in range(50):  # once the tabs are laid out, the Expectations tab stays
                tabs.active = "tab-exp"
                await pilot.pause(0.1)
                if tabs.active == "tab-exp":
                    break
            await pilot.pause(0.2)
            assert tabs.active == "tab-exp"
            yield app, pilot
    finally:
        await client.close()


def _shown_rating(screen, eid: str) -> str:
    from textual.widgets import DataTable

    table = screen.query_one("#exp", DataTable)
    return str(table.get_row(eid)[6])


async def test_a_rating_given_in_a_networked_review_is_kept_and_shared(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_tui import messages
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)  # the drill ends
        server.clock.jump_to(server.session.now)
        async with reviewing(urls["observer"]) as (obs, obs_pilot), \
                reviewing(urls["facilitator"]) as (fac, fac_pilot):
            review, fac_review = obs.screen, fac.screen
            assert _shown_rating(fac_review, "E1").endswith("(suggested)")
            await obs_pilot.press("p")  # the evaluator rates E1 P
            await until_shown(obs_pilot, lambda: any("E1 rated P" in m for m in messages(obs)))
            assert "journal" in next(m for m in messages(obs) if "E1 rated P" in m)
            assert _shown_rating(review, "E1") == "P"
            # in the drill's journal, as drill review keeps ratings
            assert journal_of(server).ratings()["E1"] == {
                "rating": "P", "note": "", "who": "evaluator"}
            # the other console's open review shows it too
            await until_shown(fac_pilot, lambda: _shown_rating(fac_review, "E1") == "P")
        # a console joining later (or after a reconnection) sees it in its review
        async with reviewing(urls["facilitator"]) as (late, _):
            assert _shown_rating(late.screen, "E1") == "P"


async def test_ratings_over_the_wire_who_may_rate_and_what(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)
        server.clock.jump_to(server.session.now)
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        await fac.rate("E2", "M", "slow to acknowledge")
        assert journal_of(server).ratings()["E2"] == {
            "rating": "M", "note": "slow to acknowledge", "who": "facilitator"}
        assert fac.ratings["E2"]["rating"] == "M"
        with pytest.raises(ActionError, match="no expectation"):
            await fac.rate("E9", "P", "")
        with pytest.raises(ActionError, match="rating"):
            await fac.rate("E1", "X", "")
        # a player may not rate, and never hears of ratings
        player = await raw_join(urls["cert-a"])
        await player.send({"type": "rate", "id": 1, "expectation": "E1", "rating": "U",
                           "note": ""})
        await player.until(lambda c: c.of("error"))
        assert player.of("error")[0]["code"] == "forbidden"
        assert "slow to acknowledge" not in "".join(player.frames)
        # a terminal of the previous protocol version is not sent what it cannot read
        old = await raw_join(urls["observer"], version=5)
        await old.until(lambda c: c.of("welcome"))
        await fac.rate("E1", "S", "")
        await asyncio.sleep(0.2)
        assert not old.of("rating") and "ratings" not in old.of("welcome")[0]
        assert journal_of(server).ratings()["E1"]["rating"] == "S"
        for c in (player, old):
            await c.close()
        await fac.close()


# --- 5. breaks planned on a networked console are the server's ------------------------


class Wall:
    """A wall clock the test moves on by hand."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 9, 9, 10, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def later(self, minutes: float) -> None:
        from datetime import timedelta

        self.now += timedelta(minutes=minutes)


async def test_a_break_is_kept_by_the_server_which_pauses_and_resumes_the_drill(loaded, tmp_path):
    from sim.runs.session import DrillSession

    wall = Wall()
    async with serving(loaded, tmp_path, wall=wall) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        other = DrillClient(urls["facilitator"])
        obs = DrillClient(urls["observer"])
        player = await raw_join(urls["cert-a"])
        for c in (fac, other, obs):
            await c.connect()
        await fac.resume()
        at = "2026-09-09T10:30:00+00:00"
        await fac.plan_break(at, 15)
        planned = [{"at_wall_iso": at, "minutes": 15.0}]
        # in the journal's header, and on every other console of exercise control
        assert journal_of(server).meta()["breaks"] == planned
        await until(lambda: other.breaks is not None and other.breaks.planned == planned)
        await until(lambda: obs.breaks is not None and obs.breaks.planned == planned)
        # the planning console closes: the server still pauses the drill at the break
        await fac.close()
        wall.later(31)
        await until(lambda: not server.clock.running)
        await until(lambda: not other.clock.running)
        assert other.breaks is not None
        assert other.breaks.current == {"at_wall_iso": at, "minutes": 15.0}
        assert other.breaks.resumes
        # and runs it again when the break is over
        wall.later(15)
        await until(lambda: server.clock.running)
        await until(lambda: other.clock.running and other.breaks is not None
                    and other.breaks.current is None)
        assert journal_of(server).meta()["breaks"] == []
        # a player is told nothing of the plan (its clock shows the pause)
        assert not player.of("breaks") and at not in "".join(player.frames)
        for c in (other, obs):
            await c.close()
        await player.close()
        # planned again, for later: a resumed drill keeps it
        late = DrillClient(urls["facilitator"])
        await late.connect()
        await late.plan_break("2026-09-09T12:00:00+00:00", 30)
        await late.close()
        path = server.session.path
    assert path is not None
    again = DrillSession.resume(path)
    try:
        assert again.breaks() == [{"at_wall_iso": "2026-09-09T12:00:00+00:00", "minutes": 30.0}]
    finally:
        again.close()


async def test_breaks_who_may_plan_them_and_ending_one_early(loaded, tmp_path):
    wall = Wall()
    async with serving(loaded, tmp_path, wall=wall) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        obs = DrillClient(urls["observer"])
        for c in (fac, obs):
            await c.connect()
        with pytest.raises(ActionError, match="only the facilitator"):
            await obs.plan_break("2026-09-09T10:30:00+00:00", 15)
        await fac.plan_break("2026-09-09T10:30:00+00:00", 15)
        with pytest.raises(ActionError, match="overlaps"):
            await fac.plan_break("2026-09-09T10:40:00+00:00", 15)
        with pytest.raises(ActionError, match="no break"):
            await fac.end_break()
        await fac.resume()
        wall.later(31)
        await until(lambda: not server.clock.running)
        await fac.end_break()  # space on the console during a break
        assert server.clock.running and fac.breaks is not None and fac.breaks.current is None
        assert journal_of(server).meta()["breaks"] == []
        for c in (fac, obs):
            await c.close()


async def test_a_break_planned_on_one_console_shows_on_the_other(loaded, tmp_path):
    pytest.importorskip("textual")
    from datetime import datetime, timedelta

    from test_net_tui import joined
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls):
        at = (datetime.now() + timedelta(hours=2)).strftime("%H:%M")
        async with joined(urls["facilitator"]) as (a, a_pilot), \
                joined(urls["facilitator"]) as (b, b_pilot):
            a.plan_break(at, "45")
            await until_shown(a_pilot, lambda: a.break_note() == f"next break {at}")
            await until_shown(b_pilot, lambda: b.break_note() == f"next break {at}")
            assert len(server.session.breaks()) == 1


async def test_a_break_under_way_shows_on_every_console_and_space_ends_it(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_tui import joined, messages
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls), \
            joined(urls["facilitator"]) as (a, a_pilot), \
            joined(urls["observer"]) as (b, b_pilot):
        await a_pilot.press("space")  # the drill clock runs
        await until_shown(a_pilot, lambda: server.clock.running)
        a.plan_break("now", "45")  # the server pauses the drill at once
        await until_shown(a_pilot, lambda: not server.clock.running)
        await until_shown(b_pilot, lambda: b.break_note().startswith("BREAK until"))
        assert "resumes automatically" in b.break_note()
        assert any(m.startswith("Break until") for m in messages(b))
        await until_shown(a_pilot, lambda: a.break_note().startswith("BREAK until"))
        await a_pilot.press("space")  # ends the break early, for everyone
        await until_shown(a_pilot, lambda: server.clock.running)
        await until_shown(b_pilot, lambda: b.break_note() == "")
        assert server.session.breaks() == []
