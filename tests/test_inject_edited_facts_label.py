"""An inject whose TLP label the facilitator changes takes its incident facts' label with
it (``facts_tlp``): the ``inject_edited`` event says the label the facts now travel
under, as the inject's delivery will, so a terminal following the drill elsewhere knows
it without working it out from the scenario it was given.

The facts' label is named among the changes only when it changed: an inject relabelled
whose facts keep the laxer label the scenario gave them says nothing of the facts.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of
from net_helpers import raw_join, serving
from net_helpers import until as until_true

from sim.net import protocol as P
from sim.net.client import DrillClient
from sim.runs.session import DrillSession
from sim.runs.view import DrillState


def labelled(data: dict[str, Any], tlp: str, facts_tlp: str | None) -> dict[str, Any]:
    """The hand-computable drill, with inject 2 for cert-b at T+03:00 under ``tlp``, its
    facts under ``facts_tlp`` (None: the default for its label)."""
    inject: dict[str, Any] = {
        "id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
        "tlp": tlp, "title": "Update", "text": "More hosts seen", "incident": {"id": "x"}}
    if facts_tlp is not None:
        inject["facts_tlp"] = facts_tlp
    data["injects"].append(inject)
    return data


def delivered_facts(session: DrillSession) -> set[tuple[str, str]]:
    return {(e.details["tlp"], e.details["facts_tlp"])
            for e in events_of(session.engine.log, "inject_delivered")
            if e.details["inject"] == "2"}


@pytest.mark.parametrize(("tlp", "facts_tlp", "new", "facts"), [
    # the facts travelled under the inject's own label: they take the new one
    ("AMBER", "AMBER", "RED", "RED"),
    # under the default for AMBER (GREEN): the default for RED now
    ("AMBER", None, "RED", "RED"),
    # under a laxer label than the new one: kept no laxer than it
    ("RED", "GREEN", "CLEAR", "CLEAR"),
])
def test_a_relabelled_inject_says_its_facts_new_label(scenario_data, load, tmp_path,
                                                       tlp, facts_tlp, new, facts):
    loaded = load(labelled(scenario_data, tlp, facts_tlp))
    session = DrillSession.start(loaded, human=["cert-b"],
                                 journal_path=tmp_path / "d.journal.sqlite")
    session.advance_to(30)
    (edited,) = session.edit_inject("2", {"tlp": new})
    assert edited.details["changed"] == ["tlp", "facts_tlp"]
    assert (edited.details["tlp"], edited.details["facts_tlp"]) == (new, facts)
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    assert state.describe(edited) == "Facilitator edited inject 2 (tlp, facts_tlp)"
    # the label the event says is the one the inject is delivered with
    session.advance_to(200)
    assert delivered_facts(session) == {(new, facts)}
    # and the drill's journal gives the same event again
    path, log = session.path, [e.to_json() for e in session.engine.log]
    session.close()
    again = DrillSession.resume(path)
    try:
        assert [e.to_json() for e in again.engine.log] == log
    finally:
        again.close()


def test_facts_that_keep_their_label_are_not_named(scenario_data, load):
    # RED, its facts released CLEAR: relabelled AMBER, the facts stay CLEAR
    loaded = load(labelled(scenario_data, "RED", "CLEAR"))
    session = DrillSession.start(loaded, human=["cert-b"], record=False)
    (edited,) = session.edit_inject("2", {"tlp": "AMBER", "title": "Update, revised"})
    assert edited.details["changed"] == ["title", "tlp"]
    assert "facts_tlp" not in edited.details
    session.advance_to(200)
    assert delivered_facts(session) == {("AMBER", "CLEAR")}


async def test_a_terminal_elsewhere_is_told_the_facts_new_label(scenario_data, load,
                                                                 tmp_path):
    loaded = load(labelled(scenario_data, "AMBER", "AMBER"))
    async with serving(loaded, tmp_path, human=("cert-b",)) as (server, urls):
        client = DrillClient(urls["facilitator"])
        await client.connect()
        old = await raw_join(urls["facilitator"], version=P.OLDEST_VERSION)
        try:
            await client.command("edit_inject", {"id": "2", "changes": {"tlp": "RED"}})
            assert client.state is not None
            edited = [e for e in client.state.recent if e.type == "inject_edited"]
            assert [(e.details["tlp"], e.details.get("facts_tlp")) for e in edited] == [
                ("RED", "RED")]
            assert client.state.describe(edited[0]) == (
                "Facilitator edited inject 2 (tlp, facts_tlp)")
            # a terminal of the oldest version served reads the same event
            await until_true(lambda: any(m["event"]["type"] == "inject_edited"
                                         for m in old.of("event")))
            told = next(m["event"] for m in old.of("event")
                        if m["event"]["type"] == "inject_edited")
            assert told["details"]["facts_tlp"] == "RED"
            # the label it was told is the one the inject is delivered with
            server.session.advance_to(200)
            assert delivered_facts(server.session) == {("RED", "RED")}
        finally:
            await client.close()
            await old.close()
