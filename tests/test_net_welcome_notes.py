"""Notes taken during a hosted drill never make the welcome too large for a terminal.

The facilitator's and observers' welcome holds the scenario and every evaluator's note
so far. ``drill host`` measures it before serving the drill; a note that would then make
it larger than a terminal accepts in one frame is refused, with the reason, so that a
facilitator or observer who joins (or reconnects) later still gets in, and the note's
author knows the note was not kept."""

from __future__ import annotations

import json

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine import ActionError
from sim.net import protocol as P
from sim.net.client import DrillClient
from sim.net.server import FRAME_SLACK, largest_frames

NOTE = "CERT-SG waited for its manager before escalating. " * 70  # 3570 characters


def _room_for(server, notes: float) -> None:
    """Set the terminals' limit so that the welcome, as measured when the drill was
    served, has room for about ``notes`` more notes of :data:`NOTE`."""
    welcome = dict(largest_frames(server.session))["welcome"]
    P.MAX_SERVER_FRAME = welcome + int(notes * (len(NOTE) + 130))


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


@pytest.fixture
def limit(monkeypatch):
    """Any change the test makes to the terminals' limit is undone after it."""
    monkeypatch.setattr(P, "MAX_SERVER_FRAME", P.MAX_SERVER_FRAME)


async def test_a_note_that_would_keep_terminals_out_is_refused_and_late_joiners_get_in(
        loaded, tmp_path, limit):
    async with serving(loaded, tmp_path) as (server, urls):
        _room_for(server, 2.5)
        facilitator = DrillClient(urls["facilitator"], reconnect=False)
        await facilitator.connect()
        try:
            await facilitator.add_note(NOTE)
            await facilitator.add_note(NOTE, team="cert-a")
            with pytest.raises(ActionError) as refused:
                await facilitator.add_note(NOTE + " third")
            message = str(refused.value)
            assert "not kept" in message and "welcome" in message
            assert "a shorter note may fit" in message  # the whole reason, not cut short
            assert "\n" not in message
            assert len(server.session.notes) == 2  # nothing was recorded of the refused note
        finally:
            await facilitator.close()

        # a facilitator or observer joining now gets the drill, and every note kept
        for who in ("facilitator", "observer"):
            late = DrillClient(urls[who], reconnect=False)
            try:
                await late.connect()
                assert late.failure is None and late.connected
                assert [n.text for n in late.notes] == [NOTE.strip()] * 2
            finally:
                await late.close()


async def test_an_observers_note_is_refused_the_same_way(loaded, tmp_path, limit):
    async with serving(loaded, tmp_path) as (server, urls):
        _room_for(server, 0.5)
        observer = DrillClient(urls["observer"], reconnect=False)
        await observer.connect()
        try:
            with pytest.raises(ActionError, match="not kept"):
                await observer.add_note(NOTE)
            await observer.add_note("short")  # a shorter note still fits
            assert [n.text for n in server.session.notes] == ["short"]
        finally:
            await observer.close()


async def test_when_no_note_fits_any_more_the_refusal_says_so(loaded, tmp_path, limit):
    async with serving(loaded, tmp_path) as (server, urls):
        P.MAX_SERVER_FRAME = dict(largest_frames(server.session))["welcome"] + 20
        facilitator = DrillClient(urls["facilitator"], reconnect=False)
        await facilitator.connect()
        try:
            with pytest.raises(ActionError) as refused:
                await facilitator.add_note("x")
            assert "no more notes fit" in str(refused.value)
            assert server.session.notes == []
        finally:
            await facilitator.close()


async def test_the_welcome_measured_with_the_notes_matches_the_frame_sent(
        loaded, tmp_path):
    """What the server counts for the welcome, notes included, is what it sends."""
    async with serving(loaded, tmp_path) as (server, urls):
        facilitator = DrillClient(urls["facilitator"], reconnect=False)
        await facilitator.connect()
        try:
            for i in range(3):
                await facilitator.add_note(f"{NOTE} {i} é ✓")
        finally:
            await facilitator.close()
        raw = await raw_join(urls["observer"])
        await raw.until(lambda r: r.of("welcome"))
        frame = next(f for f in raw.frames if json.loads(f)["type"] == "welcome")
        await raw.close()
        sent = len(frame.encode("utf-8"))
        assert sent <= server.welcome_size
        # measured as the largest such welcome can be (every role played by people, the
        # longest token id), with room kept for what the run decides (times, numbers)
        assert abs(server.welcome_size - FRAME_SLACK - sent) < 256
        assert server.welcome_size == dict(largest_frames(server.session))["welcome"]


async def test_injects_added_during_the_drill_do_not_grow_the_welcome(loaded, tmp_path):
    """An inject the facilitator adds reaches terminals as events, one frame each: the
    welcome (the scenario as written) stays the size it was, and needs no refusal."""
    async with serving(loaded, tmp_path) as (server, urls):
        before = dict(largest_frames(server.session))["welcome"]
        facilitator = DrillClient(urls["facilitator"], reconnect=False)
        await facilitator.connect()
        try:
            for i in range(5):
                await facilitator.command("add_inject", {"inject": {
                    "id": f"A{i}", "sender": "ctl", "to": ["cert-a"], "via": "email",
                    "tlp": "AMBER", "title": f"added {i}", "text": NOTE,
                    "incident": {"id": f"n{i}", "type": "botnet", "affected": ["SG"]}},
                    "fire_now": True})
        finally:
            await facilitator.close()
        # only the count of events so far grew (the welcome's ``last``)
        assert dict(largest_frames(server.session))["welcome"] - before < 16
        raw = await raw_join(urls["facilitator"])
        await raw.until(lambda r: r.of("welcome") and len(r.of("event")) == server.streams["*"].last)
        frames = [f for f in raw.frames if json.loads(f)["type"] in ("welcome", "event")]
        await raw.close()
        assert NOTE not in frames[0]
        assert max(len(f.encode("utf-8")) for f in frames) <= before
