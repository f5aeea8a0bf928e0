"""A seat with no valid invitation gets one without revoking anybody else's: a team
handed to a person during the drill, or a seat whose last invitation was revoked.
The console's invitations screen issues one for any seat, and ``drill host --resume``
issues one for each seat that has none, keeping the earlier invitations valid."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario, serving
from test_net_review_tokens import _at, _urls
from test_net_tui import joined
from test_tui import until

from sim.net.client import DrillClient, JoinRefused
from sim.net.invites import TokenStore
from sim.net.run import HostError, host
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def test_the_invitations_screen_invites_a_team_handed_to_a_person(loaded, tmp_path):
    from textual.widgets import OptionList, Static

    from tui.forms.tokens import TokensScreen

    async with serving(loaded, tmp_path, human=("cert-a",)) as (_, urls), \
            joined(urls["facilitator"]) as (app, pilot):
        client = app.remote.client
        await client.set_human("cert-b", True)  # `r` on the Actors tab
        await until(pilot, lambda: client.human_roles.get("cert-b"))
        await pilot.press("I")
        await until(pilot, lambda: isinstance(app.screen, TokensScreen)
                    and app.screen.query_one("#tokens").row_count == 3)
        screen = app.screen
        await pilot.press("a")  # a new invitation for a seat of one's choice
        seats = screen.query_one("#seats", OptionList)
        await until(pilot, lambda: seats.display)
        shown = [str(seats.get_option_at_index(i).prompt) for i in range(seats.option_count)]
        assert shown == ["role cert-a", "role cert-b (no valid invitation)", "facilitator",
                         "observers and evaluators"]
        assert seats.highlighted == 1  # the seat without one is the one under the cursor
        # escape closes the list, not the screen
        await pilot.press("escape")
        await until(pilot, lambda: not seats.display)
        assert app.screen is screen
        await pilot.press("a")
        await until(pilot, lambda: seats.display and seats.highlighted == 1)
        await pilot.press("enter")
        await until(pilot, lambda: screen.query_one("#tokens").row_count == 4)
        said = str(screen.query_one("#new-url", Static).render())
        assert said.startswith("New invitation for role cert-b: ws://")
        # the invitation shown lets that team in, as that team
        team = DrillClient(said.split(": ", 1)[1].strip(), reconnect=False)
        await team.connect()
        try:
            assert (team.access, team.role) == ("player", "cert-b")
        finally:
            await team.close()
        assert not seats.display


def _host(session, console, invites_file=None) -> tuple[str, str]:
    """``drill host`` on ``session`` with ``console`` beside it; what it printed, and said."""
    out, err = io.StringIO(), io.StringIO()
    host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
         invites_file=invites_file, public_host=None, new_invites=False,
         out=out, err=err, console=lambda server: console(server, out))
    return out.getvalue(), err.getvalue()


def _hand_cert_b_to_a_person(invites: Path):
    """The first run's facilitator hands cert-b to a person (`r` on the Actors tab)."""
    async def console(server, out) -> None:
        lines = invites.read_text().splitlines()
        fac = DrillClient(_at(lines[lines.index("# facilitator") + 1], server.port),
                          reconnect=False)
        await fac.connect()
        try:
            await fac.set_human("cert-b", True)
        finally:
            await fac.close()
    return console


def _joining(urls: list[str], outcome: list[str], printed: bool = False):
    """Join with each invitation in turn (and, with ``printed``, each one this run printed),
    noting whom it let in."""
    async def console(server, out) -> None:
        for url in urls + (_urls(out.getvalue()) if printed else []):
            client = DrillClient(_at(url, server.port), reconnect=False)
            try:
                await client.connect()
                outcome.append(f"player {client.role}" if client.role else client.access)
            except JoinRefused:
                outcome.append("refused")
            finally:
                await client.close()
    return console


def test_resume_invites_a_team_handed_to_a_person_and_keeps_the_others(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    invites = tmp_path / "invites.txt"
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=journal)
    try:
        _host(session, _hand_cert_b_to_a_person(invites), invites_file=str(invites))
    finally:
        session.close()
    given = _urls(invites.read_text())
    assert len(given) == 3  # cert-a, the facilitator, observers
    resumed = DrillSession.resume(journal)
    assert resumed.human_roles["cert-b"]
    outcome: list[str] = []
    try:
        out, err = _host(resumed, _joining(given, outcome, printed=True))
    finally:
        resumed.close()
    assert "the invitations given before stay valid" in err
    assert "role cert-b" in err  # it says which seats get a new one
    # exactly one new invitation, for the team that had none; the earlier ones still work
    assert [line.split(": ")[0] for line in out.splitlines()] == ["role cert-b"]
    assert outcome == ["player cert-a", "facilitator", "observer", "player cert-b"]


def test_resume_replaces_a_revoked_seat_in_the_invites_file(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    invites = tmp_path / "invites.txt"
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    try:
        _host(session, _joining([], []), invites_file=str(invites))
    finally:
        session.close()
    before = invites.read_text().splitlines()
    revoked = before[before.index("# role cert-b") + 1]
    store = TokenStore.for_journal(journal).load()
    store.revoke(next(g.id for g in store.valid() if g.role == "cert-b"))
    resumed = DrillSession.resume(journal)
    outcome: list[str] = []
    try:
        out, err = _host(resumed, _joining([revoked], outcome), invites_file=str(invites))
    finally:
        resumed.close()
    assert out == "" and "stay valid" in err and f"written to {invites}" in err
    assert outcome == ["refused"]
    after = invites.read_text().splitlines()
    # the invitations still valid are kept, the revoked one gives way to a new one
    assert after[:6] == [line for line in before if line not in ("# role cert-b", revoked)]
    assert after[6] == "# role cert-b" and len(after) == 8 and revoked not in after
    assert oct(invites.stat().st_mode & 0o777) == "0o600"
    # every invitation in the file lets its seat in
    resumed = DrillSession.resume(journal)
    outcome = []
    try:
        out, err = _host(resumed, _joining(_urls("\n".join(after)), outcome))
    finally:
        resumed.close()
    assert out == "" and "stay valid" in err
    assert outcome == ["player cert-a", "facilitator", "observer", "player cert-b"]


def test_resume_with_an_unreadable_invites_file_keeps_no_new_token(loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    try:
        _host(session, _joining([], []))
    finally:
        session.close()
    store = TokenStore.for_journal(journal).load()
    store.revoke(next(g.id for g in store.valid() if g.role == "cert-b"))
    (tmp_path / "invites").mkdir()  # a folder where the file should be
    resumed = DrillSession.resume(journal)
    try:
        with pytest.raises(HostError) as refused:
            _host(resumed, _joining([], []), invites_file=str(tmp_path / "invites"))
    finally:
        resumed.close()
    assert str(refused.value).startswith(str(tmp_path / "invites"))
    assert "\n" not in str(refused.value)
    # the invitation nobody received is not valid: cert-b still has none
    assert not TokenStore.for_journal(journal).load().has_valid("player", "cert-b")
