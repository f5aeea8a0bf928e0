"""Evaluator notes and jumps to a drill time over the wire: who may write notes, who
receives them, and a jump moves the server's drill on."""

from __future__ import annotations

import pytest
from net_helpers import net_scenario, raw_join, serving, until

from sim.engine import ActionError
from sim.net.client import DrillClient

SECRET_NOTE = "EVALUATOR-ONLY the SG lead froze"


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


async def test_notes_are_for_the_facilitator_and_observers_never_players(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        player = await raw_join(urls["cert-a"])
        watcher = await raw_join(urls["facilitator"])
        obs = DrillClient(urls["observer"])
        await obs.connect()
        await obs.add_note(SECRET_NOTE, expectation="E1", team="cert-a")
        assert [n.text for n in obs.notes] == [SECRET_NOTE]
        await until(lambda: watcher.of("note"))
        assert watcher.of("note")[0]["who"] == "evaluator"
        assert server.session.journal.notes()[0].text == SECRET_NOTE  # in the journal
        # a player may not write one, and never receives any, not even in its welcome
        await player.send({"type": "note", "id": 1, "text": "mine"})
        await until(lambda: player.of("error"))
        assert player.of("error")[0]["code"] == "forbidden"
        late = await raw_join(urls["cert-b"])
        fac_late = await raw_join(urls["facilitator"])
        await until(lambda: late.of("welcome") and fac_late.of("welcome"))
        assert SECRET_NOTE not in "".join(player.frames + late.frames)
        assert [n["text"] for n in fac_late.of("welcome")[0]["notes"]] == [SECRET_NOTE]
        assert [n.text for n in server.session.notes] == [SECRET_NOTE]
        for c in (player, watcher, late, fac_late):
            await c.close()
        await obs.close()


async def test_a_bad_note_is_refused_with_the_reason(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        with pytest.raises(ActionError, match="no team"):
            await fac.add_note("about nobody", team="nobody")
        assert server.session.notes == []
        await fac.close()


async def test_the_facilitator_jumps_the_drill_to_a_time_and_not_back(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        await fac.jump(150.0)
        assert server.session.now == pytest.approx(150.0, abs=0.01)
        assert fac.state.msel["2"].status == "delivered"  # the inject due at T+02:00
        with pytest.raises(ActionError, match="ahead of now"):
            await fac.jump(10.0)
        obs = DrillClient(urls["observer"])
        await obs.connect()
        with pytest.raises(ActionError, match="only the facilitator"):
            await obs.jump(600.0)
        assert server.session.now == pytest.approx(150.0, abs=0.01)
        await obs.close()
        await fac.close()
