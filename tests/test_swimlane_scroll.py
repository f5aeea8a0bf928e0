"""The review timeline's ←/→ always move the view, across stretches of drill time
without marks too, from drill start (never before it) to the last mark (never past it)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

pytest.importorskip("textual")

from scenarios.durations import parse_drill_time
from sim.analysis.review import build_review
from sim.engine import Engine

START = datetime(2000, 1, 1)
EDGES = re.compile(r"(T[+-]\S+)  .* a column, (T[+-]\S+) at the right edge")


def _review(scenario_data, load):
    """The hand-computable drill with a second inject for the same incident 19 hours
    after the first: the timeline has an empty stretch of most of a day between them."""
    scenario_data["injects"].append(
        {"id": "2", "at": "T+20:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Follow-up", "incident": {"id": "x"}})
    loaded = load(scenario_data)
    return build_review(loaded.scenario, Engine(loaded, seed=0).run())


def _edges(lane) -> tuple[float, float]:
    """The drill times at the timeline's left and right edges, as its header shows them."""
    head = lane.render().plain.splitlines()[0]
    found = EDGES.search(head)
    assert found, head
    return parse_drill_time(found[1], START), parse_drill_time(found[2], START)


def _marks_shown(lane) -> int:
    """How many marks the lanes show (the legend under them left out)."""
    lines = lane.render().plain.splitlines()[1:1 + len(lane.lanes)]
    glyphs = {"■", "→", "●", "✗", "✓", "▲", "◆", "◇", "▼", "★", "▣"}
    return sum(ch in glyphs for row in lines for ch in row.split("│", 1)[-1])


async def test_right_and_left_cross_a_stretch_without_marks(scenario_data, load):
    from tui.review import ReviewApp

    review = _review(scenario_data, load)
    app = ReviewApp(review, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lane = app.screen.query_one("#swimlane")
        lane.focus()
        for _ in range(4):  # one minute a column
            await pilot.press("plus")
        await pilot.pause()
        assert lane.minutes_per_col == 1
        last = max(e.time for e in lane.marks)
        left, right = _edges(lane)
        assert right < last  # the last mark is not on screen yet
        went_through_gap = False
        for _ in range(200):
            await pilot.press("right")
            await pilot.pause()
            new_left, new_right = _edges(lane)
            if left >= last:  # the last mark at the left edge: the end of the timeline
                assert new_left == left
                break
            assert new_left > left, "→ did nothing"
            assert new_left <= last, "the view went past the last mark"
            went_through_gap |= _marks_shown(lane) == 0
            left, right = new_left, new_right
        else:
            pytest.fail("→ never reached the last mark")
        assert went_through_gap
        assert _marks_shown(lane) > 0
        # on the way back ← moves every time too, down to drill start and no further
        for _ in range(200):
            await pilot.press("left")
            await pilot.pause()
            new_left, _ = _edges(lane)
            assert new_left >= 0
            if left == 0:
                assert new_left == 0
                break
            assert new_left < left, "← did nothing"
            left = new_left
        else:
            pytest.fail("← never reached drill start")


async def test_next_mark_after_scrolling_to_an_empty_stretch_shows_that_mark(
        scenario_data, load):
    from tui.review import ReviewApp

    review = _review(scenario_data, load)
    app = ReviewApp(review, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lane = app.screen.query_one("#swimlane")
        lane.focus()
        for _ in range(4):
            await pilot.press("plus")
        for _ in range(50):
            await pilot.press("right")
            await pilot.pause()
            if not _marks_shown(lane):
                break
        else:
            pytest.fail("→ never reached the stretch without marks")
        gap_left, _ = _edges(lane)
        await pilot.press("right")  # further into the empty stretch: the view moves on
        await pilot.pause()
        assert _edges(lane)[0] > gap_left
        await pilot.press("down")  # the next mark: the view goes to it
        await pilot.pause()
        left, right = _edges(lane)
        sel = lane.selected_event()
        assert left <= sel.time < right + 1
        assert _marks_shown(lane) > 0
