"""An expectation counted from an inject that was skipped was never in play: `drill
report` says so ("not in play: inject N was skipped; not scored") and leaves it out of
the score. The review's Expectations tab, every after-action report and exercise
control's Expectations tab say the same: "not in play (inject N skipped)", no score,
no suggested rating. And no empty rating is ever called "(suggested)".

The hand-computed drill (two days long): inject 1 to CERT-SG at T+01:00, which E1 (an
acknowledgement within the hour, met) and E8 (a takedown within three days, not yet due
at the end) count from; inject N to CERT-TH at T+05:00, which E9 counts from. Exercise
control skips N at T+00:10.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from sim.analysis import aar
from sim.analysis.review import Review, build_review
from sim.runs.session import DrillSession
from sim.runs.view import DrillState

END = 48 * 60
NOT_IN_PLAY = "not in play (inject N skipped)"


def _with_nudge(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"].append(
        {"id": "N", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Nudge", "incident": {"id": "x"}})
    data["expectations"] += [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "1", "score": 5},
        {"id": "E8", "description": "The council takes it down", "actors": ["council"],
         "action": "takedown", "incident": "x", "within": "3d", "after": "1", "score": 3},
        {"id": "E9", "description": "CERT-TH escalates the nudge", "actors": ["cert-b"],
         "action": "escalate", "incident": "x", "within": "3h", "after": "N", "score": 7},
    ]
    return data


def _session(scenario_data, load) -> DrillSession:
    session = DrillSession.start(load(_with_nudge(scenario_data)), record=False)
    session.advance_to(10)
    session.skip_inject("N")
    return session


@pytest.fixture
def review(scenario_data, load) -> Review:
    session = _session(scenario_data, load)
    session.advance_to(END)
    return build_review(session.scenario, list(session.engine.log))


def _row(lines: list[str], start: str) -> str:
    [line] = [ln for ln in lines if ln.startswith(start)]
    return line


# --- the review's Expectations tab ------------------------------------------------------


async def _expectation_rows(review: Review) -> tuple[str, list[list[str]]]:
    pytest.importorskip("textual")
    from tui.review import ReviewApp

    app = ReviewApp(review)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause()
        header = str(app.screen.query_one(".clockbar").render())
        table = app.screen.query_one("#exp")
        labels = [str(c.label) for c in table.ordered_columns]
        rows = [dict(zip(labels, map(str, table.get_row_at(r)), strict=True))
                for r in range(table.row_count)]
    return header, [[r["Id"], r["Status"], r["Due"], r["Score"], r["Rating"]] for r in rows]


async def test_the_review_shows_it_not_in_play_without_a_score_or_rating(review):
    header, rows = await _expectation_rows(review)
    by_id = {r[0]: r for r in rows}
    assert by_id["E9"] == ["E9", NOT_IN_PLAY, "", "—", ""]
    # the header's score is the table's: what is in play adds up to it
    earned = possible = 0.0
    for r in rows:
        if r[3] != "—":
            got, of = r[3].split("/")
            earned, possible = earned + float(got), possible + float(of)
    assert f"score {earned:g} of {possible:g}," in header
    assert (earned, possible) == (5, 8)


async def test_an_empty_rating_is_never_called_suggested(review):
    _, rows = await _expectation_rows(review)
    by_id = {r[0]: r for r in rows}
    assert by_id["E1"][4] == "P (suggested)"
    # E8 is not yet due when the drill ends: nothing to suggest
    assert by_id["E8"][1] == "open" and by_id["E8"][4] == ""
    assert not [r for r in rows if r[4].strip() == "(suggested)"]


async def test_an_evaluator_may_still_rate_it(review):
    review.ratings["E9"] = {"rating": "M", "note": "", "who": "evaluator"}
    _, rows = await _expectation_rows(review)
    assert {r[0]: r for r in rows}["E9"][1:] == [NOT_IN_PLAY, "", "—", "M"]


# --- the after-action reports -------------------------------------------------------------


def test_the_markdown_table_says_not_in_play(review):
    lines = aar.render_markdown(review).splitlines()
    assert _row(lines, "| E9 |") == f"| E9 | {NOT_IN_PLAY} | — | — |  |  |"
    assert _row(lines, "| E8 |") == "| E8 | open | — | — |  |  |"
    assert _row(lines, "| E1 |").endswith("| P (suggested) |  |")
    assert "(1 of 2 expectations met)" in aar.render_markdown(review)


def test_the_html_table_says_not_in_play(review):
    html = aar.render_html(review)
    [row] = [ln for ln in html.splitlines() if ln.startswith("<tr><td>E9</td>")]
    assert f">{NOT_IN_PLAY}</td>" in row
    assert row.endswith("<td>—</td><td>—</td><td></td><td></td></tr>")
    assert "(suggested)" not in row
    [e8] = [ln for ln in html.splitlines() if ln.startswith("<tr><td>E8</td>")]
    assert "(suggested)" not in e8


def test_the_text_report_rates_nothing_it_did_not_play(review):
    lines = aar.render_text(review).splitlines()
    assert _row(lines, "  E9: ") == f"  E9: -; {NOT_IN_PLAY}"
    assert _row(lines, "  E8: ") == "  E8: -"
    assert _row(lines, "  E1: ") == "  E1: P (suggested)"


def test_the_word_table_says_not_in_play(review):
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    doc = docx.Document(io.BytesIO(render_docx(review)))
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    [e9] = [r for r in rows if r[0] == "E9"]
    assert e9[:5] == ["E9", NOT_IN_PLAY, "—", "—", ""]
    [e8] = [r for r in rows if r[0] == "E8"]
    assert e8[4] == ""


# --- exercise control's Expectations tab (the read model behind it) -------------------


def _state(session: DrillSession) -> DrillState:
    state = DrillState(session.scenario)
    for e in session.engine.log:
        state.apply(e)
    state.use_anchors(session.anchors)
    return state


def test_control_sees_it_not_in_play_once_its_inject_is_skipped(scenario_data, load):
    session = _session(scenario_data, load)
    state = _state(session)
    e9 = state.shown(state.expectations["E9"])
    assert (e9.status, e9.skipped, e9.deadline_at) == ("not in play", "N", None)
    assert state.shown(state.expectations["E8"]).status == "waiting"
    # put back, it waits for its inject again
    session.unskip_inject("N")
    state = _state(session)
    assert state.shown(state.expectations["E9"]).status == "waiting"
    session.skip_inject("N")
    session.advance_to(END)
    state = _state(session)
    assert state.finished
    e9 = state.shown(state.expectations["E9"])
    assert (e9.status, e9.skipped) == ("not in play", "N")
    # a player is never told of exercise control's skip
    assert state.shown(state.expectations["E9"], "cert-b").status == "waiting"


def test_an_inject_fired_after_its_skip_brings_it_into_play(scenario_data, load):
    session = _session(scenario_data, load)
    session.advance_to(60)
    session.fire_inject("N")
    session.advance_to(END)
    state = _state(session)
    assert state.shown(state.expectations["E9"]).status in ("met", "missed", "late")


def test_an_incident_that_never_opened_leaves_its_expectations_out(scenario_data, load):
    """Counted from the opening of an incident whose only inject was skipped."""
    scenario_data["injects"].append(
        {"id": "M", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Second", "incident": {"id": "y", "type": "botnet",
                                                         "affected": ["TH"]}})
    scenario_data["expectations"].append(
        {"id": "E7", "actors": ["cert-b"], "action": "acknowledge", "incident": "y",
         "within": "1h", "after": "incident"})
    session = _session(scenario_data, load)
    session.skip_inject("M")
    session.advance_to(END)
    state = _state(session)
    e7 = state.shown(state.expectations["E7"])
    assert (e7.status, e7.skipped) == ("not in play", "M")
    lines = aar.render_markdown(build_review(session.scenario,
                                             list(session.engine.log))).splitlines()
    assert _row(lines, "| E7 |") == "| E7 | not in play (inject M skipped) | — | — |  |  |"


async def test_the_console_expectations_tab_shows_it_not_in_play():
    """The reviewer's drill: inject 4 of the default scenario skipped, E5 and E6 count
    from it; once the drill has ended they are not in play, not waiting."""
    pytest.importorskip("textual")
    from test_tui import make_app

    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        app.session.skip_inject("4")
        app.session.advance_to(10**5)
        app.clock.jump_to(app.session.now)
        app.tick()
        await pilot.press("4")
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#expectations")
        rows = {str(table.get_row_at(r)[0]): [str(c) for c in table.get_row_at(r)]
                for r in range(table.row_count)}
        # as the review says it: which inject, and no points at stake
        for x in ("E5", "E6"):
            assert rows[x][1] == "not in play (inject 4 skipped)"
            assert rows[x][-1] == "—"
        assert rows["E1"][-1] != "—"
