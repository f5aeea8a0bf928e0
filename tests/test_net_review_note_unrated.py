"""Multi-site drills: an evaluator's note on an expectation nobody rated is kept in the
drill's journal, as it is in a local drill, and shows as not rated on every console."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine import ActionError
from sim.net.client import DrillClient, DrillConnectionError


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def journal_of(server) -> Any:
    """The drill's journal on the server."""
    journal = server.session.journal
    assert journal is not None
    return journal


def row_of(screen, eid: str) -> list[str]:
    """An expectation's row in the review's Expectations table, as shown."""
    from textual.widgets import DataTable

    return [str(c) for c in screen.query_one("#exp", DataTable).get_row(eid)]


RATING, NOTE = 6, 7  # the Rating and Note columns


async def write_note(app, pilot, text: str) -> None:
    """n on the selected expectation, then the note, then enter."""
    from test_tui import until as until_shown
    from textual.widgets import Input

    from tui.screens.review import NoteForm

    await pilot.press("n")
    await until_shown(pilot, lambda: isinstance(app.screen, NoteForm))
    app.screen.query_one("#note", Input).value = text
    await pilot.press("enter")
    await until_shown(pilot, lambda: not isinstance(app.screen, NoteForm))


async def test_a_note_on_an_unrated_expectation_is_kept_as_in_a_local_drill(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_resend_ratings_breaks import reviewing
    from test_net_tui import messages
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)  # the drill ends
        server.clock.jump_to(server.session.now)
        async with reviewing(urls["observer"]) as (obs, obs_pilot), \
                reviewing(urls["facilitator"]) as (fac, fac_pilot):
            review, fac_review = obs.screen, fac.screen
            suggested = row_of(review, "E1")[RATING]
            assert suggested.endswith(" (suggested)")
            await write_note(obs, obs_pilot, "The council was told by phone first")
            await until_shown(obs_pilot, lambda: any("note on E1" in m for m in messages(obs)))
            said = [m for m in messages(obs) if "E1" in m]
            assert said == ["note on E1, not rated (saved in the drill's journal)"], said
            # kept as a local review keeps it: no rating, the note
            assert journal_of(server).ratings()["E1"] == {
                "rating": "", "note": "The council was told by phone first",
                "who": "evaluator"}
            # shown as not rated (the suggestion stays a suggestion), with the note, here
            # and on the other console's open review
            assert row_of(review, "E1")[RATING:NOTE + 1] == [
                suggested, "The council was told by phone first"]
            await until_shown(fac_pilot, lambda: row_of(fac_review, "E1")[NOTE]
                              == "The council was told by phone first")
            assert row_of(fac_review, "E1")[RATING] == suggested
            # a later rating keeps the note
            await obs_pilot.press("u")
            await until_shown(obs_pilot, lambda: any("E1 rated U" in m for m in messages(obs)))
            assert journal_of(server).ratings()["E1"] == {
                "rating": "U", "note": "The council was told by phone first",
                "who": "evaluator"}
            await until_shown(fac_pilot, lambda: row_of(fac_review, "E1")[RATING] == "U")
            # and a note on the rated expectation keeps its rating
            await write_note(obs, obs_pilot, "Told by phone, never in writing")
            await until_shown(obs_pilot, lambda: journal_of(server).ratings()["E1"]["note"]
                              == "Told by phone, never in writing")
            assert journal_of(server).ratings()["E1"]["rating"] == "U"


async def test_a_late_console_sees_a_note_without_a_rating_as_not_rated(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_net_resend_ratings_breaks import reviewing
    from test_net_tui import messages
    from test_tui import until as until_shown

    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)
        server.clock.jump_to(server.session.now)
        async with reviewing(urls["observer"]) as (obs, obs_pilot):
            suggested = row_of(obs.screen, "E2")[RATING]
            obs.screen.query_one("#exp").move_cursor(row=1, animate=False)
            await write_note(obs, obs_pilot, "No one on duty at night")
            await until_shown(obs_pilot, lambda: any("note on E2" in m for m in messages(obs)))
        async with reviewing(urls["facilitator"]) as (late, _):
            assert row_of(late.screen, "E2")[RATING:NOTE + 1] == [
                suggested, "No one on duty at night"]


async def test_the_server_keeps_a_note_without_a_rating_and_sends_it_on(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(2880)
        server.clock.jump_to(server.session.now)
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        # a console of the previous protocol version (6) hears of it as of any rating
        older = await raw_join(urls["observer"], version=6)
        await older.until(lambda c: c.of("welcome"))
        await fac.rate("E2", "", "slow to acknowledge")
        assert journal_of(server).ratings()["E2"] == {
            "rating": "", "note": "slow to acknowledge", "who": "facilitator"}
        assert fac.ratings["E2"] == {"rating": "", "note": "slow to acknowledge",
                                     "who": "facilitator"}
        await older.until(lambda c: c.of("rating"))
        assert older.of("rating")[0] == {"type": "rating", "expectation": "E2", "rating": "",
                                         "note": "slow to acknowledge", "who": "facilitator"}
        # any other rating is still one of P, S, M or U
        with pytest.raises(ActionError, match=r"no rating 'X': give P, S, M, U"):
            await fac.rate("E1", "X", "a note")
        with pytest.raises(ActionError, match=r"no rating ' ': give P, S, M, U"):
            await fac.rate("E1", " ", "a note")
        assert "E1" not in journal_of(server).ratings()
        # a note alone never takes away a rating given meanwhile on another console
        await fac.rate("E2", "M", "slow to acknowledge")
        await fac.rate("E2", "", "slow to acknowledge, then quick")
        assert journal_of(server).ratings()["E2"] == {
            "rating": "M", "note": "slow to acknowledge, then quick", "who": "facilitator"}
        await asyncio.sleep(0.1)
        assert fac.ratings["E2"]["rating"] == "M"
        # a console joining later gets it in its welcome
        late = await raw_join(urls["observer"])
        await late.until(lambda c: c.of("welcome"))
        assert late.of("welcome")[0]["ratings"] == [
            {"type": "rating", "expectation": "E2", "rating": "M",
             "note": "slow to acknowledge, then quick", "who": "facilitator"}]
        for c in (older, late):
            await c.close()
        await fac.close()


@pytest.mark.parametrize(("failure", "said"), [
    (ActionError("the journal is read-only"),
     "the note on E1 is not kept: the journal is read-only"),
    (DrillConnectionError("the connection to the drill server was lost"),
     "the note on E1 kept? the connection to the drill server was lost"),
    (TimeoutError(), "the note on E1 kept? The drill server did not answer in time: "
                     "write it again to be sure."),
])
async def test_a_note_the_server_did_not_keep_says_so(loaded, failure, said):
    pytest.importorskip("textual")
    from test_tui import until as until_shown
    from textual.widgets import TabbedContent

    from sim.analysis.review import build_review
    from sim.runs.session import DrillSession
    from tui.review import ReviewApp
    from tui.screens.review import ReviewScreen

    session = DrillSession.start(loaded, human=[], record=False)
    session.advance_to(2880)
    review = build_review(session.scenario, list(session.engine.log))
    sent: list[tuple[str, str, str]] = []

    async def rate(eid: str, rating: str, note: str) -> None:
        sent.append((eid, rating, note))
        raise failure

    app = ReviewApp(review)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.pause(0.3)
        await app.push_screen(ReviewScreen(review, None, rate=rate))  # as drill join's
        await pilot.pause(0.3)
        app.screen.query_one("#review-tabs", TabbedContent).active = "tab-exp"
        await pilot.pause(0.2)
        await write_note(app, pilot, "told by phone")
        await until_shown(pilot, lambda: sent == [("E1", "", "told by phone")])
        await until_shown(pilot, lambda: any("E1" in str(n.message)
                                             for n in app._notifications))
        shown = [str(n.message) for n in app._notifications if "E1" in str(n.message)]
        assert shown == [said]
        assert not any(re.search(r"rated ?($|\?| \()", m) for m in shown)
