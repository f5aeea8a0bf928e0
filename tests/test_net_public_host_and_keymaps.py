"""Multi-site drills: the host name the invitations give, ratings given while a console
was cut off, the keymap file in ``drill join`` and ``drill host --console``, and
invitations for roles with long ids."""

from __future__ import annotations

import copy
import io
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from net_helpers import net_scenario, serving, until

from sim.engine import ActionError
from sim.net import protocol as P
from sim.net.client import DrillClient, JoinRefused
from sim.net.invites import TokenStore, invite_url, parse_invite
from sim.net.run import HostError, host
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def _stop_at_once(server) -> None:
    return


def _invitations(text: str) -> list[str]:
    return re.findall(r"wss?://\S+", text)


@pytest.fixture
def served(monkeypatch) -> list[dict[str, Any]]:
    """What ``drill host`` would serve with (nothing is served)."""
    import sim.net.run

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sim.net.run, "host", lambda session, **kw: calls.append(kw))
    return calls


# --- 4. --public-host is a host name or IP address alone -----------------------------

NOT_A_HOST = ["localhost:18771", "https://drill.example.org", "drill.example.org/",
              "drill example.org", "drill.example.org?x=1", "[::1]:18771",
              "wss://drill.example.org:8765/"]


@pytest.mark.parametrize("public", NOT_A_HOST)
def test_host_refuses_a_public_host_that_is_not_a_host_name_alone(public, served, capsys,
                                                                  tmp_path):
    from sim.cli import EXIT_INVALID, main

    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--public-host", public,
                 "--journal", str(journal)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("--public-host: ")
    assert "host name or IP address alone" in lines[0]
    if re.search(r":\d+/?$", public):  # a port: the one it listens on is set with --listen
        assert "--listen" in lines[0]
    assert not journal.exists() and not served  # nothing started


def test_a_resumed_host_refuses_such_a_public_host_before_anything_starts(loaded, served,
                                                                         capsys, tmp_path):
    from sim.cli import EXIT_INVALID, main

    journal = tmp_path / "d.journal.sqlite"
    DrillSession.start(loaded, human=["cert-a"], journal_path=journal).close()
    before = journal.read_bytes()
    assert main(["host", "--resume", str(journal), "--listen", "127.0.0.1:0",
                 "--public-host", "localhost:18771"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--public-host" in err
    assert journal.read_bytes() == before
    assert not (tmp_path / "d.journal.sqlite.tokens").exists() and not served


@pytest.mark.parametrize("public", ["localhost:18771", "https://drill.example.org"])
def test_the_server_gives_no_invitation_naming_such_a_host(public, loaded, tmp_path):
    session = DrillSession.start(loaded, human=["cert-a"],
                                 journal_path=tmp_path / "d.journal.sqlite")
    out = io.StringIO()
    try:
        with pytest.raises(HostError, match="--public-host: "):
            host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
                 invites_file=None, public_host=public, new_invites=False,
                 out=out, err=io.StringIO(), console=_stop_at_once)
    finally:
        session.close()
    assert not _invitations(out.getvalue())


@pytest.mark.parametrize(("public", "shown"), [
    ("::1", "[::1]"), ("[::1]", "[::1]"), ("2001:db8::7", "[2001:db8::7]"),
    ("192.0.2.10", "192.0.2.10"), ("drill.example.org", "drill.example.org")])
def test_invitations_name_a_bare_host_name_or_ip_address_and_can_be_used(public, shown,
                                                                        loaded, tmp_path):
    session = DrillSession.start(loaded, human=["cert-a"],
                                 journal_path=tmp_path / "d.journal.sqlite")
    out = io.StringIO()
    try:
        host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
             invites_file=None, public_host=public, new_invites=False,
             out=out, err=io.StringIO(), console=_stop_at_once)
    finally:
        session.close()
    urls = _invitations(out.getvalue())
    assert len(urls) == 3  # cert-a, the facilitator, the observers
    for url in urls:
        assert url.startswith(f"ws://{shown}:")
        base, token = parse_invite(url)  # as drill join reads it
        assert urllib.parse.urlsplit(base).hostname == shown.strip("[]") and token


def test_only_an_ipv6_address_is_put_in_brackets():
    assert invite_url("::1", 8765, "t", False) == "ws://[::1]:8765/?token=t"
    assert invite_url("[::1]", 8765, "t", True) == "wss://[::1]:8765/?token=t"
    assert invite_url("drill.example.org", 8765, "t", False) == \
        "ws://drill.example.org:8765/?token=t"


# --- 5. ratings given elsewhere while a console was cut off ---------------------------


async def test_ratings_given_while_cut_off_reach_the_listeners_on_reconnection(loaded,
                                                                               tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)  # the drill ends: the hot wash
        server.clock.jump_to(server.session.now)
        evaluator, other = DrillClient(urls["observer"]), DrillClient(urls["facilitator"])
        await evaluator.connect()
        await other.connect()
        heard: list[tuple[str, str]] = []
        evaluator.on_rating(lambda eid, r: heard.append((eid, r["rating"])))
        try:
            await other.rate("E1", "S", "given while connected")
            await until(lambda: ("E1", "S") in heard)
            assert evaluator._ws is not None
            evaluator._ws.transport.abort()  # the evaluator's link drops...
            await until(lambda: not evaluator.connected)
            await other.rate("E1", "U", "given while the evaluator was cut off")
            await other.rate("E2", "P", "also while cut off")
            await until(lambda: evaluator.connected)  # ...and comes back on its own
            assert evaluator.ratings["E1"]["rating"] == "U"
            await until(lambda: ("E1", "U") in heard and ("E2", "P") in heard)
            # a rating that did not change is not given again
            assert heard.count(("E1", "S")) == 1
        finally:
            await other.close()
            await evaluator.close()


async def test_an_open_review_shows_the_ratings_given_while_it_was_cut_off(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_resend_ratings_breaks import _shown_rating, reviewing
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)
        server.clock.jump_to(server.session.now)
        other = DrillClient(urls["facilitator"])
        await other.connect()
        try:
            async with reviewing(urls["observer"]) as (app, pilot):
                review = app.screen
                client = app.remote.client
                client._ws.transport.abort()
                await until_shown(pilot, lambda: not client.connected)
                await other.rate("E2", "U", "given while the evaluator was cut off")
                await until_shown(pilot, lambda: client.connected)
                await until_shown(pilot, lambda: _shown_rating(review, "E2") == "U")
        finally:
            await other.close()


async def test_a_rating_the_server_no_longer_holds_is_taken_back_on_reconnection(loaded,
                                                                                 tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)
        server.clock.jump_to(server.session.now)
        evaluator = DrillClient(urls["observer"])
        await evaluator.connect()
        heard: list[tuple[str, dict[str, str]]] = []
        evaluator.on_rating(lambda eid, r: heard.append((eid, r)))
        try:
            # a rating this terminal heard of that the server's record does not hold
            evaluator.ratings["E1"] = {"rating": "S", "note": "", "who": "evaluator"}
            assert evaluator._ws is not None
            evaluator._ws.transport.abort()
            await until(lambda: not evaluator.connected)
            await until(lambda: evaluator.connected)
            await until(lambda: bool(heard))
            assert heard == [("E1", {"rating": "", "note": "", "who": ""})]
            assert "E1" not in evaluator.ratings
        finally:
            await evaluator.close()


# --- 6. the keymap file in drill join and drill host --console ------------------------

BAD_KEYMAP = 'msel.fir = "x"\n'
GOOD_KEYMAP = '"tokens.revoke" = "X"\n"msel.fire" = "f"\n'
INVITE = "ws://127.0.0.1:9/?token=abc"


@pytest.fixture
def joined(monkeypatch) -> list[dict[str, Any]]:
    """What ``drill join`` would open its terminal view with (nothing is joined)."""
    import tui.net

    calls: list[dict[str, Any]] = []

    def join_view(url: str, **kw: Any) -> int:
        calls.append({"url": url, **kw})
        return 0

    monkeypatch.setattr(tui.net, "join_view", join_view)
    return calls


def _keymap(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keymap.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_join_refuses_a_broken_keymap_before_connecting(joined, tmp_path, capsys):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, BAD_KEYMAP)
    assert main(["join", INVITE, "--keymap", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.strip() == err.strip().splitlines()[0]
    assert err.startswith(f"keymap {path}: ") and "msel.fir" in err
    assert not joined  # nothing was joined


def test_join_refuses_a_broken_keymap_named_by_the_environment(joined, tmp_path, capsys,
                                                               monkeypatch):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, BAD_KEYMAP)
    monkeypatch.setenv("ACID_DRILL_KEYMAP", str(path))
    assert main(["join", INVITE]) == EXIT_INVALID
    assert capsys.readouterr().err.startswith(f"keymap {path}: ")
    assert not joined


def test_join_opens_its_view_with_the_keymap(joined, tmp_path, monkeypatch):
    from sim.cli import EXIT_OK, main

    path = _keymap(tmp_path, GOOD_KEYMAP)
    assert main(["join", INVITE, "--keymap", str(path)]) == EXIT_OK
    assert joined[-1]["keymap"] == {"tokens.revoke": "X", "msel.fire": "f"}
    monkeypatch.setenv("ACID_DRILL_KEYMAP", str(path))
    assert main(["join", INVITE]) == EXIT_OK
    assert joined[-1]["keymap"] == {"tokens.revoke": "X", "msel.fire": "f"}


def test_join_print_has_no_keys_to_move(joined, tmp_path, capsys):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, GOOD_KEYMAP)
    assert main(["join", INVITE, "--print", "--keymap", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--keymap" in err and "--print" in err


@pytest.fixture
def hosted(monkeypatch) -> list[dict[str, Any]]:
    """What ``drill host --console`` would open its console with (nothing is served)."""
    import sim.net.run
    import tui.net

    calls: list[dict[str, Any]] = []

    def console_runner(cert: str | None, keymap: dict[str, str] | None = None) -> Any:
        calls.append({"cert": cert, "keymap": keymap})
        return _stop_at_once

    monkeypatch.setattr(tui.net, "console_runner", console_runner)
    monkeypatch.setattr(sim.net.run, "host", lambda session, **kw: calls.append(kw))
    return calls


def test_host_console_refuses_a_broken_keymap_before_anything_starts(hosted, tmp_path,
                                                                     capsys):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, BAD_KEYMAP)
    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--console",
                 "--keymap", str(path), "--journal", str(journal)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith(f"keymap {path}: ") and len(err.strip().splitlines()) == 1
    assert not journal.exists() and not hosted


def test_host_console_refuses_a_broken_keymap_named_by_the_environment(hosted, tmp_path,
                                                                       capsys, monkeypatch):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, BAD_KEYMAP)
    monkeypatch.setenv("ACID_DRILL_KEYMAP", str(path))
    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--console",
                 "--journal", str(journal)]) == EXIT_INVALID
    assert capsys.readouterr().err.startswith(f"keymap {path}: ")
    assert not journal.exists() and not hosted


def test_host_console_opens_with_the_keymap(hosted, tmp_path):
    from sim.cli import EXIT_OK, main

    path = _keymap(tmp_path, GOOD_KEYMAP)
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--console", "--keymap",
                 str(path), "--journal", str(tmp_path / "d.journal.sqlite")]) == EXIT_OK
    assert hosted[0]["keymap"] == {"tokens.revoke": "X", "msel.fire": "f"}


def test_host_keymap_goes_with_the_console(hosted, tmp_path, capsys):
    from sim.cli import EXIT_INVALID, main

    path = _keymap(tmp_path, GOOD_KEYMAP)
    journal = tmp_path / "d.journal.sqlite"
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--keymap", str(path),
                 "--journal", str(journal)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--keymap" in err and "--console" in err
    assert not journal.exists()


# --- 7. invitations for a role with a long id can be revoked --------------------------

LONG_ROLE = "cert-" + "a" * 59  # 64 characters: the longest id a scenario allows


@pytest.fixture
def long_loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["actors"][LONG_ROLE] = copy.deepcopy(data["actors"]["cert-b"])
    return load(data)


async def test_the_facilitator_revokes_the_invitation_of_a_role_with_a_long_id(long_loaded,
                                                                              tmp_path):
    async with serving(long_loaded, tmp_path, human=(LONG_ROLE,)) as (server, urls):
        # the tenth invitation and more: the id's number has more digits
        for _ in range(10):
            url = server.invite("player", LONG_ROLE)[0]
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        player = DrillClient(url, reconnect=False)
        await player.connect()
        try:
            tid = next(t["id"] for t in reversed(await fac.tokens()) if t["role"] == LONG_ROLE)
            assert len(tid) > P.MAX_KIND
            await fac.revoke(tid)
            assert [t["revoked"] for t in await fac.tokens() if t["id"] == tid] == [True]
            await until(lambda: not player.connected)  # cut off at once
            with pytest.raises(JoinRefused):
                await DrillClient(url, reconnect=False).connect()
            # the refusal of a good request is no protocol error: the facilitator stays
            assert fac.connected
        finally:
            await player.close()
            await fac.close()


def test_every_token_id_the_store_issues_fits_a_revoke_request():
    store = TokenStore()
    store._n = 10 ** 12 - 2  # a store that has issued a great many
    for access, role in [("player", "r" * 64), ("player", "x" * 500), ("facilitator", None),
                         ("observer", None)]:
        _, grant = store.issue(access, role)
        P.RevokeMsg(id=1, token_id=grant.id)  # accepted as it stands
    assert len({g.id for g in store.grants.values()}) == len(store.grants)


async def test_revoke_request_with_an_overlong_token_id_is_still_refused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        try:
            with pytest.raises(ActionError, match="token_id"):
                await fac.revoke("x" * (P.MAX_TOKEN_ID + 1))
        finally:
            await fac.close()
