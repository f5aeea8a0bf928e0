"""The facilitator's jump while the drill is halted (the host cannot write its journal):
refused before anything moves; and a jump whose journal write fails on the way is
carried out but not recorded, not called refused."""

from __future__ import annotations

import asyncio

import pytest
from net_helpers import FullDisk, net_scenario, serving, until

from sim.engine import ActionError
from sim.net.client import DrillClient, Unrecorded
from sim.runs.session import DrillSession

HALTED = "the drill is halted: the host cannot write its journal"


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def delivered(session: DrillSession) -> list[str]:
    return [str(e.details.get("inject")) for e in session.engine.log
            if e.type == "inject_delivered"]


async def test_a_halted_drill_refuses_a_jump_and_moves_nothing(loaded, tmp_path):
    async with serving(loaded, tmp_path, speed=600.0) as (server, urls):
        session, journal, path = server.session, server.session.journal, server.session.path
        assert journal is not None and path is not None
        session.advance_to(70)  # inject 1 has reached cert-a; 2 (T+02:00) waits
        fac, team = DrillClient(urls["facilitator"]), DrillClient(urls["cert-a"])
        await fac.connect()
        await team.connect()
        real, journal.conn = journal.conn, FullDisk(journal.conn)  # type: ignore[assignment]
        try:
            await fac.resume()  # the clock runs; its next step cannot be written
            await until(lambda: server.halted is not None)
            halted_at = session.now
            assert halted_at < 120
            await until(lambda: not fac.clock_state().running
                        and not team.clock_state().running)
            seen = team.seq
            for call in (lambda: fac.jump(600), fac.next_inject):
                with pytest.raises(ActionError) as refused:
                    await call()
                assert str(refused.value).startswith(HALTED)
                # nothing ran on: not the engine, not the clocks the terminals show
                assert session.now == halted_at
                assert "2" not in delivered(session)
            await asyncio.sleep(0.3)
            for client in (fac, team):
                assert client.clock_state().drill_time == pytest.approx(halted_at)
            assert team.seq == seen
        finally:
            journal.conn = real
        await fac.close()
        await team.close()
    # room again, the host stopped: the journal ends where the drill halted, and the
    # resumed drill carries on from there, not from the refused jump
    resumed = DrillSession.resume(path)
    try:
        assert resumed.now == pytest.approx(halted_at)
        assert "2" not in delivered(resumed)
    finally:
        resumed.close()


async def test_a_jump_whose_journal_write_fails_is_carried_out_not_refused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        session, journal, path = server.session, server.session.journal, server.session.path
        assert journal is not None and path is not None
        session.advance_to(70)
        fac, team = DrillClient(urls["facilitator"]), DrillClient(urls["cert-a"])
        await fac.connect()
        await team.connect()
        real, journal.conn = journal.conn, FullDisk(journal.conn)  # type: ignore[assignment]
        try:
            with pytest.raises(Unrecorded) as kept:
                await fac.jump(200)
            said = str(kept.value)
            assert "carried out but not yet recorded" in said and "do not send it again" in said
            assert str(path) not in said
            assert server.halted is not None and session.now == pytest.approx(200)
            # every terminal's clock shows where the drill now stands, paused
            await until(lambda: fac.clock_state().drill_time == pytest.approx(200)
                        and team.clock_state().drill_time == pytest.approx(200))
            assert not team.clock_state().running
            # a second jump is refused: the drill is halted
            with pytest.raises(ActionError, match=HALTED):
                await fac.jump(400)
            assert session.now == pytest.approx(200)
        finally:
            journal.conn = real
        await fac.close()
        await team.close()
    # the jump is kept: written when the host stopped, the resumed drill has it
    resumed = DrillSession.resume(path)
    try:
        assert resumed.now == pytest.approx(200)
        assert "2" in delivered(resumed)
    finally:
        resumed.close()
