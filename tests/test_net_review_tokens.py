"""Invitations belong to one drill: a tokens file is bound to its journal's id, and
``drill host`` decides from the journal, not from the tokens file, whether to issue them."""

from __future__ import annotations

import io
import json
import os

import pytest
from net_helpers import net_scenario

from sim.net.client import DrillClient, JoinRefused
from sim.net.invites import TokenStore, parse_invite
from sim.net.run import HostError, host
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def _stop_at_once(server) -> None:
    return


def _host(session, console=_stop_at_once, invites_file=None, new_invites=False):
    out, err = io.StringIO(), io.StringIO()
    host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
         invites_file=invites_file, public_host=None, new_invites=new_invites,
         out=out, err=err, console=console)
    return out.getvalue(), err.getvalue()


def _urls(text: str) -> list[str]:
    return [line[line.index("ws://"):] for line in text.splitlines() if "ws://" in line]


def _at(url: str, port: int) -> str:
    """The same invitation, at the port the server listens on now."""
    return f"ws://127.0.0.1:{port}/?token={parse_invite(url)[1]}"


def _trying(urls: list[str], outcome: list[str]):
    async def console(server) -> None:
        for url in urls:
            client = DrillClient(_at(url, server.port), reconnect=False)
            try:
                await client.connect()
                outcome.append(f"welcomed as {client.access}")
            except JoinRefused:
                outcome.append("refused")
            finally:
                await client.close()
    return console


def test_invitations_of_an_earlier_drill_are_refused_in_a_new_one_of_the_same_name(
        loaded, tmp_path):
    journal = tmp_path / "drill.journal.sqlite"
    first = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    out, _ = _host(first)
    first.close()
    old = _urls(out)
    assert len(old) == 3  # cert-a, the facilitator, observers
    # the journal is archived; its tokens file stays where it was; a new drill takes the name
    os.rename(journal, tmp_path / "archived.sqlite")
    second = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    outcome: list[str] = []
    out, err = _host(second, console=_trying(old, outcome))
    try:
        assert outcome == ["refused", "refused", "refused"]
        # a new drill: one invitation per role, the facilitator's, the observers'
        assert [line.split(": ")[0] for line in out.splitlines()] == [
            "role cert-a", "role cert-b", "facilitator", "observers and evaluators"]
        assert "stay valid" not in err
        saved = json.loads(TokenStore.for_journal(journal).path.read_text())
        assert saved["drill"] == second.journal.origin
        assert oct(TokenStore.for_journal(journal).path.stat().st_mode & 0o777) == "0o600"
    finally:
        second.close()
    # and the new invitations work after a restart of the new drill
    resumed = DrillSession.resume(journal)
    outcome = []
    try:
        _, err = _host(resumed, console=_trying(_urls(out), outcome))
    finally:
        resumed.close()
    assert outcome == ["welcomed as player", "welcomed as player", "welcomed as facilitator",
                       "welcomed as observer"]
    assert "stay valid" in err


def test_a_resumed_drill_keeps_its_invitations(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    invites = tmp_path / "invites.txt"
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    _host(session, invites_file=str(invites))
    session.close()
    given = [line for line in invites.read_text().splitlines() if line.startswith("ws://")]
    outcome: list[str] = []
    resumed = DrillSession.resume(journal)
    try:
        out, err = _host(resumed, console=_trying(given, outcome))
    finally:
        resumed.close()
    assert outcome == ["welcomed as player", "welcomed as facilitator", "welcomed as observer"]
    assert out == "" and "the invitations given before stay valid" in err


def test_an_invites_file_that_cannot_be_written_keeps_no_tokens(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    (tmp_path / "invites").mkdir()  # a folder where the file should be
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    try:
        with pytest.raises(HostError, match="is a folder"):
            _host(session, invites_file=str(tmp_path / "invites"))
    finally:
        session.close()
    assert not TokenStore.for_journal(journal).load().grants  # nobody holds them
    # the next start gives the invitations nobody has seen yet
    resumed = DrillSession.resume(journal)
    try:
        out, err = _host(resumed)
    finally:
        resumed.close()
    assert "stay valid" not in err
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        "role cert-a", "role cert-b", "facilitator", "observers and evaluators"]


def test_a_tokens_file_of_no_journal_or_another_drill_is_ignored_and_replaced(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    _host(session)
    session.close()
    path = TokenStore.for_journal(journal).path
    for drill in (None, "someotherdrill"):
        # a file written before tokens were bound to a drill, or another drill's
        stale = TokenStore(path)
        token, _ = stale.issue("facilitator")
        data = json.loads(path.read_text())
        data.pop("drill", None)
        if drill:
            data["drill"] = drill
        path.write_text(json.dumps(data))
        outcome: list[str] = []
        resumed = DrillSession.resume(journal)
        assert resumed.journal is not None
        origin = resumed.journal.origin
        try:
            out, err = _host(resumed, console=_trying([f"ws://x:1/?token={token}"], outcome))
        finally:
            resumed.close()
        assert outcome == ["refused"]
        assert "stay valid" not in err
        assert len(out.splitlines()) == 3  # new invitations for this drill
        assert json.loads(path.read_text())["drill"] == origin
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        saved = TokenStore.for_journal(journal).load()
        assert saved.grants and saved.check(token) is None


def test_new_invites_revokes_the_earlier_ones(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    out, _ = _host(session)
    session.close()
    old = _urls(out)
    resumed = DrillSession.resume(journal)
    outcome: list[str] = []
    try:
        out, err = _host(resumed, console=_trying(old, outcome), new_invites=True)
    finally:
        resumed.close()
    assert outcome == ["refused"] * 3
    assert len(_urls(out)) == 3 and "stay valid" not in err
