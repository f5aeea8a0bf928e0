"""A command carried out whose journal write fails is not called refused: it is kept,
and recorded once the journal can be written."""

from __future__ import annotations

import sqlite3

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine import Action, ActionError
from sim.net.client import DrillClient, Unanswered
from sim.runs.session import DrillSession

ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def disk_full_once(server) -> None:
    """The journal's next command write fails as on a full disk; later ones succeed."""
    journal = server.session.journal
    real = journal.add_command

    def full(*args, **kwargs):
        journal.add_command = real
        raise journal._failed(sqlite3.OperationalError("database or disk is full"))

    journal.add_command = full


def escalations(session: DrillSession) -> int:
    return sum(1 for e in session.engine.log if e.type == "escalated" and e.actor == "cert-a")


async def test_a_command_the_journal_could_not_record_is_not_called_refused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        path = server.session.path
        server.session.advance_to(70)  # inject 1 has reached cert-a
        team = DrillClient(urls["cert-a"])
        await team.connect()
        disk_full_once(server)
        with pytest.raises(Unanswered) as told:
            await team.act(ESCALATE)
        # the team is told it was carried out and kept, not to send it again, and nothing
        # of the host's files
        said = str(told.value)
        assert not isinstance(told.value, ActionError)
        assert "carried out" in said and "do not send it again" in said
        assert "disk is full" in said and str(path) not in said
        assert server.halted is not None
        assert escalations(server.session) == 1
        # sent again all the same (a new request), it is refused: the drill is halted
        with pytest.raises(ActionError):
            await team.act(ESCALATE)
        await team.close()
    # the host stopped: the command is in the journal, once, and the resumed drill has it
    assert path is not None
    resumed = DrillSession.resume(path)
    try:
        assert resumed.journal is not None
        assert [(c.who, c.kind, c.payload.get("verb")) for c in resumed.journal.commands()] \
            == [("cert-a", "act", "escalate")]
        assert escalations(resumed) == 1
    finally:
        resumed.close()


async def test_a_terminal_of_an_earlier_version_reads_the_same_words(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        old = await raw_join(urls["cert-a"], version=6)
        await old.until(lambda r: r.of("welcome"))
        disk_full_once(server)
        await old.send({"type": "command", "id": 1, "key": "k" * 16, "kind": "act",
                        "payload": {"actor": "cert-a", "verb": "escalate", "incident": "x",
                                    "targets": ["council"], "channel": "email",
                                    "tlp": "AMBER", "text": "please coordinate"}})
        # the answer to its command (every terminal is also told of the halt, unasked)
        await old.until(lambda r: any(e["id"] == 1 for e in r.of("error")))
        error = next(e for e in old.of("error") if e["id"] == 1)
        # it knows no code but "refused"; the words say what happened
        assert error["code"] == "refused"
        assert "carried out" in error["message"] and "do not send it again" in error["message"]
        await old.close()
