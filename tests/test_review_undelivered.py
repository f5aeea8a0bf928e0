"""The terminal review lists the messages that never arrived, as the after-action report
does: who to whom, in which incident, when it was sent and what became of it.

In the bundled ``acid-botnet``, mmCERT's e-mail address is a dead mailbox that bounces
(``bounces: true``, no fallback): ANSAC's broadcast to mmCERT never arrives, whatever
the seed. The report lists it apart from the slowest hops; the review's "Where the time
went" tab lists it below its hops.
"""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from conftest import police_referral, stale_police_email
from test_tui import until

from scenarios.durations import clock_minute
from sim.analysis import aar
from sim.analysis.review import build_review, load_review
from sim.cli import main
from sim.engine import Engine

#: a team name that Textual would take for markup, were it not shown as plain text
MARKUP_NAME = "[b]Police[/b] [red]SG"


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rows_of(table) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(r)] for r in range(table.row_count)]


async def show_breakdown(pilot) -> None:
    """Open the "Where the time went" tab and let it fill."""
    tabs = pilot.app.screen.query_one("#review-tabs")
    tabs.active = "tab-breakdown"
    await until(pilot, lambda: pilot.app.screen._breakdown_filled)
    await pilot.pause()
    await pilot.pause()


def report_lines(review) -> list[str]:
    """The after-action report's list of the messages that never arrived, every incident."""
    return [line for inc in review.metrics["incidents"]
            for line in aar._not_delivered(review, inc["id"])]


@pytest.fixture
def recorded(tmp_path):
    """``drill run acid-botnet --seed 1 --journal ...``, as a facilitator records a run."""
    path = tmp_path / "run.journal.sqlite"
    assert main(["run", "acid-botnet", "--seed", "1", "--journal", str(path)]) == 0
    return path


async def test_the_review_lists_what_the_report_says_never_arrived(recorded):
    from tui.review import ReviewApp

    review, journal = load_review(recorded, readonly=True)
    journal.close()
    said = report_lines(review)
    assert said, "the dead mailbox bounces: the report lists a message that never arrived"
    app = ReviewApp(review)
    async with app.run_test(size=(160, 48)) as pilot:
        await show_breakdown(pilot)
        table = app.screen.query_one("#undelivered")
        assert table.display
        rows = rows_of(table)
        assert len(rows) == len(said)
        # each as the report says it, in the order they were first sent
        for r, row in enumerate(rows):
            message, incident, sent, attempts, became = row
            table.move_cursor(row=r)
            await pilot.pause()
            detail = str(app.screen.query_one("#undelivered-detail").render())
            who, fate = detail.split(": ", 1)
            assert who == f"{message.removesuffix(')')}, {incident})"
            assert fate == f"{became}; sent {sent}" or fate.startswith(
                f"{became}; sent {sent}, {attempts} attempts")
            # the report's line for it, in that incident's list
            report = f"{message.replace(' → ', ' -> ')}: {fate}"
            assert report in [line.replace("_", " ")
                              for line in aar._not_delivered(review, incident)]
        assert [row[2] for row in rows] == [
            clock_minute(h.first_sent_at)
            for h in sorted(review.undelivered, key=lambda h: h.first_sent_at)]
        # the broadcast to mmCERT's dead mailbox: bounced, sent when the report says
        bounced = [row for row in rows if review.name("mmcert") in row[0]]
        assert bounced and bounced[0][4].startswith("bounced (stale contact) at T+")
        nd = next(h for h in review.undelivered if h.recipient == "mmcert")
        assert bounced[0][2] == clock_minute(nd.first_sent_at)
        shown = screen_text(app)
        assert "Messages that never arrived" in shown
        assert "bounced (stale contact)" in shown


async def test_the_list_is_on_screen_in_a_small_terminal(recorded):
    from tui.review import ReviewApp

    review, journal = load_review(recorded, readonly=True)
    journal.close()
    app = ReviewApp(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await show_breakdown(pilot)
        shown = screen_text(app)
        assert "Messages that never arrived" in shown
        row = rows_of(app.screen.query_one("#undelivered"))[0]
        # the message is shortened to fit; what became of it is shown whole
        assert row[4] in shown and row[2] in shown
        # and the selected one is spelt out in full below the table
        detail = str(app.screen.query_one("#undelivered-detail").render())
        assert review.name("mmcert") in detail and "bounced (stale contact)" in detail


async def test_names_are_shown_as_plain_text(scenario_data, load):
    from tui.review import ReviewApp

    data = stale_police_email(police_referral(scenario_data))
    data["actors"]["police-sg"]["name"] = MARKUP_NAME
    scenario = load(data).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    app = ReviewApp(review)
    async with app.run_test(size=(160, 40)) as pilot:
        await show_breakdown(pilot)
        rows = rows_of(app.screen.query_one("#undelivered"))
        assert [row[0] for row in rows] == [f"CERT-SG → {MARKUP_NAME} (refer police)"]
        assert rows[0][4].startswith("lost (stale contact)")
        detail = str(app.screen.query_one("#undelivered-detail").render())
        assert detail.startswith(f"CERT-SG → {MARKUP_NAME} (refer police, x): lost")
        assert MARKUP_NAME in screen_text(app)


async def test_a_drill_in_which_every_message_arrived_says_so(scenario_data, load):
    from tui.review import ReviewApp

    scenario = load(scenario_data).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    assert review.hops and not review.undelivered
    app = ReviewApp(review)
    async with app.run_test(size=(120, 30)) as pilot:
        await show_breakdown(pilot)
        assert "Every message arrived." in screen_text(app)
        assert not app.screen.query_one("#undelivered").display


async def test_a_review_before_any_message_was_sent_says_so(scenario_data, load):
    from tui.review import ReviewApp

    scenario = load(scenario_data).scenario
    engine = Engine(scenario, seed=0)
    engine.run_until(30)  # control's inject comes at T+01:00
    review = build_review(scenario, list(engine.log))
    app = ReviewApp(review)
    async with app.run_test(size=(120, 30)) as pilot:
        await show_breakdown(pilot)
        shown = screen_text(app)
        assert "No message was sent." in shown and "Every message arrived." not in shown
        assert not app.screen.query_one("#undelivered").display
