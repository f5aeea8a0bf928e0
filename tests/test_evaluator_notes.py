"""Evaluators' notes during play: taken in the console (or a role view the facilitator
unlocked), kept in the journal beside the record of play, carried into the review and
the after-action report, always as plain text."""

from __future__ import annotations

import sqlite3

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.aar import render_html, render_json, render_markdown, render_text
from sim.analysis.review import load_review
from sim.engine import ActionError
from sim.runs.session import DrillSession, Journal

DEFAULT = resolve_scenario_arg(None)
HOSTILE = "<script>alert(1)</script> [bold]loud[/bold] **x** \x1b[31mred"


class Wall:
    """A wall clock the test sets: 19 Aug 2026 09:00 +08 plus ``minutes``."""

    def __init__(self):
        self.minutes = 0

    def __call__(self) -> float:
        return 1_787_101_200.0 + 60 * self.minutes


@pytest.fixture
def journal(tmp_path):
    """A recorded drill with three notes taken at different drill times."""
    path = tmp_path / "n.journal.sqlite"
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=path)
    session._wall = wall = Wall()
    session.advance_to(30)
    wall.minutes = 1
    session.add_note("CERT-PH read the report twice before acting", team="certph")
    session.advance_to(90)
    wall.minutes = 2
    session.add_note("Late: the duty officer was at lunch", expectation="E1")
    session.add_note(HOSTILE, expectation="E1")
    session.advance_to(120)
    wall.minutes = 3
    session.add_note("The room was noisy")
    session.close()
    return path


def test_notes_are_kept_in_the_journal_with_both_times(journal):
    j = Journal.open(journal, readonly=True)
    notes = j.notes()
    j.close()
    assert [(n.drill_time, n.expectation, n.team) for n in notes] == [
        (30.0, "", "certph"), (90.0, "E1", ""), (90.0, "E1", ""), (120.0, "", "")]
    assert [n.wall for n in notes] == [1_787_101_200.0 + 60 * m for m in (1, 2, 2, 3)]
    assert notes[2].text == HOSTILE.strip() and notes[0].who == "evaluator"


def test_notes_survive_a_resume_and_are_not_replayed(journal):
    session = DrillSession.resume(journal)  # the chained record still checks out
    try:
        assert [n.text for n in session.notes][:2] == [
            "CERT-PH read the report twice before acting", "Late: the duty officer was at lunch"]
        session.add_note("After the resume")
        assert [c.kind for c in session.journal.commands()] == []  # notes are no commands
    finally:
        session.close()
    again = DrillSession.resume(journal)
    assert len(again.notes) == 5 and again.notes[-1].text == "After the resume"
    again.close()


def test_an_old_journal_without_notes_still_opens(journal):
    conn = sqlite3.connect(journal)
    conn.execute("DROP TABLE notes")
    conn.commit()
    conn.close()
    j = Journal.open(journal, readonly=True)
    assert j.notes() == []
    j.close()
    review, j = load_review(journal, readonly=True)
    assert review.notes == []
    j.close()
    session = DrillSession.resume(journal)  # opening it to write adds the table
    session.add_note("first note in an old journal")
    session.close()
    j = Journal.open(journal, readonly=True)
    assert [n.text for n in j.notes()] == ["first note in an old journal"]
    j.close()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"text": "   "}, "the note is empty"),
    ({"text": "x", "expectation": "E99"}, "no expectation 'E99'"),
    ({"text": "x", "team": "nobody"}, "no team 'nobody'"),
    ({"text": "x" * 5000}, "longer than 4000 characters"),
])
def test_a_bad_note_is_refused_with_a_reason(kwargs, words):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, record=False)
    with pytest.raises(ActionError, match=words):
        session.add_note(**kwargs)
    assert session.notes == []


def test_the_review_carries_the_notes(journal):
    review, j = load_review(journal, readonly=True)
    j.close()
    assert [n.text for n in review.notes][-1] == "The room was noisy"


def test_the_report_groups_notes_by_expectation_and_team_in_drill_time(journal):
    review, j = load_review(journal, readonly=True)
    j.close()
    text = render_markdown(review)
    notes = text[text.index("## Evaluator notes"):text.index("## Improvement plan")]
    e1 = notes.index("### Expectation E1: CERT-PH acknowledges the bank")
    team = notes.index("### Team CERT-PH")
    general = notes.index("### The drill in general")
    assert e1 < team < general
    assert notes.index("T+01:30 (wall clock 19 Aug 09:02 Asia/Singapore), evaluator: Late") > e1
    assert notes.index("room was noisy") > general
    # untrusted text shows as written: no HTML, no emphasis, no terminal escapes
    assert "<script>" not in notes and "&lt;script&gt;" in notes
    assert "\\*\\*x\\*\\*" in notes and "\x1b" not in notes
    html = render_html(review)
    part = html[html.index("<h2>Evaluator notes</h2>"):html.index("<h2>Improvement plan</h2>")]
    assert "<script>" not in part and "&lt;script&gt;alert(1)&lt;/script&gt;" in part
    assert "[bold]loud[/bold]" in part and "\x1b" not in part
    assert part.index("Expectation E1") < part.index("Team CERT-PH") < part.index("in general")
    assert "The room was noisy" in render_text(review)
    assert '"about": "Team CERT-PH"' in render_json(review)


def test_the_text_report_of_a_drill_stopped_early(journal, capsys):
    """An expectation missed in a drill that never reached its end has no lateness yet:
    the plain-text report says "never done" instead of failing."""
    from sim.cli import main

    assert main(["report", str(journal), "--format", "text", "--runs", "0"]) == 0
    out = capsys.readouterr().out
    assert "never done" in out and "Evaluator notes" in out


def test_drill_report_writes_the_notes(journal, tmp_path):
    from sim.cli import main

    out = tmp_path / "r.md"
    assert main(["report", str(journal), "-o", str(out), "--runs", "0"]) == 0
    assert "CERT-PH read the report twice before acting" in out.read_text(encoding="utf-8")


# --- in the terminal UI ---------------------------------------------------------------

textual = pytest.importorskip("textual")

from test_tui import until  # noqa: E402

from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen  # noqa: E402
from tui.forms import ObservationForm, PinPrompt  # noqa: E402


def make_app(pin: str | None = None, journal=None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 journal_path=journal, record=journal is not None)
    return DrillApp(session, speed=60, roles=(), pin=pin)


async def write_note(pilot, app, text: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, ObservationForm)
                and bool(app.screen.query("#note-text")))
    app.screen.query_one("#note-text").value = text
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, ObservationForm))


async def test_o_in_the_console_takes_a_note_about_the_selected_expectation(tmp_path):
    path = tmp_path / "ui.journal.sqlite"
    app = make_app(journal=path)
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.fire_inject("1")
        await pilot.press("4")  # the Expectations tab: E1 under the cursor
        await pilot.pause()
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ObservationForm))
        assert str(app.screen.query_one("#about").value) == "expectation:E1"
        await write_note(pilot, app, "[b]slow[/b] to pick up")
        assert [(n.text, n.expectation) for n in app.session.notes] == [
            ("[b]slow[/b] to pick up", "E1")]
        await pilot.press("6")  # the Notes tab lists it, as written
        await pilot.pause()
        notes = app.screen.query_one("#notes")
        row = notes.get_row_at(0)
        assert row[1].plain == "Expectation E1" and row[2].plain == "[b]slow[/b] to pick up"
        # on the Actors tab the note is about the team under the cursor
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ObservationForm))
        assert str(app.screen.query_one("#about").value) == "team:brucert"
        await pilot.press("escape")  # dropped
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert len(app.session.notes) == 1
    j = Journal.open(path, readonly=True)
    assert [n.text for n in j.notes()] == ["[b]slow[/b] to pick up"]
    j.close()


async def test_in_hot_seat_a_note_needs_the_pin_and_shows_no_other_notes():
    app = make_app(pin="4711")
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.add_note("TLP:RED detail only the evaluator may read")
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.press("escape")  # a player cannot open it
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.press("4", "7", "1", "1", "enter")
        await until(pilot, lambda: isinstance(app.screen, ObservationForm))
        form = app.screen
        assert str(form.query_one("#about").value) == "team:certph"
        shown = " ".join(str(w.render()) for w in form.query("Label"))
        assert "TLP:RED detail" not in shown
        await write_note(pilot, app, "CERT-PH asked the right question")
        assert isinstance(app.screen, ParticipantScreen)
        assert app.session.notes[-1].team == "certph"


async def test_the_review_screen_has_the_notes_tab():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.add_note("Good hand-over", team="certph")
        app.action_review(runs=0)
        await until(pilot, lambda: bool(app.screen.query("#notes")))
        table = app.screen.query_one("#notes")
        row = table.get_row_at(0)
        assert row[0].plain == "Team CERT-PH" and row[3].plain == "Good hand-over"
        assert row[1].plain.startswith("T+00:00 (")
