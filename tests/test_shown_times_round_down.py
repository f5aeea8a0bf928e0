"""A drill moment reads as the clock's minute wherever it is shown: rounded down, as the
console's clock shows the time. An inject delivered at 09:27:33 (T+00:27:33) reads
T+00:27 in the console, and so in the run report, the after-action report in every
format, the review and the facilitator's messages; never T+00:28.

The hand-computable drill with the police's stale e-mail address (see conftest), its
inject sent 27.55 minutes in: cert-a acknowledges 10 minutes later (37.55, T+00:37), its
deadline is an hour after the inject (87.55, T+01:27), it refers the crime to the police
at 82.55 (T+01:22) and the e-mail is lost 5 minutes later (87.55, T+01:27).
"""

from __future__ import annotations

import pytest
from conftest import police_referral, stale_police_email, write

from scenarios import load_scenario
from sim.analysis import aar
from sim.analysis.review import build_review, stopped_note
from sim.cli import main
from sim.engine import Engine
from sim.runs.session import Note
from sim.runs.when import when_in_words

#: 27.55 minutes after the drill's start at 09:00 (+08)
SENT = "2026-08-19T09:27:33+08:00"


@pytest.fixture
def scenario_file(tmp_path, scenario_data):
    data = stale_police_email(police_referral(scenario_data))
    data["injects"][0]["at"] = SENT
    data["expectations"] = [{"id": "E1", "actors": ["cert-a"], "action": "acknowledge",
                             "incident": "x", "within": "1h"}]
    return write(tmp_path, data)


@pytest.fixture
def review(scenario_file):
    scenario = load_scenario(scenario_file).scenario
    r = build_review(scenario, Engine(scenario, seed=0).run())
    r.notes = [Note(id=1, drill_time=27.55, wall=None, who="evaluator", text="Inject read")]
    return r


def test_the_run_report_reads_the_clock_minute(scenario_file, capsys):
    assert main(["run", str(scenario_file), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "opened" in out and "T+00:27" in out
    assert "sent T+01:22, lost T+01:27 (stale contact)" in out
    assert "  T+01:27  CERT-SG -> Police SG on email: stale contact" in out
    for nearest in ("T+00:28", "T+01:23", "T+01:28"):
        assert nearest not in out


def test_the_after_action_report_reads_the_clock_minute(review):
    lost = "lost (stale contact) at T+01:27; sent T+01:22"
    text, markdown, html = aar.render_text(review), aar.render_markdown(review), \
        aar.render_html(review)
    assert "| Opened | T+00:27 |" in markdown
    assert "| E1 | met | T+01:27 | T+00:37 |" in markdown
    assert "<td>T+01:27</td><td>T+00:37</td>" in html
    for shown in (text, markdown, html):
        assert lost in shown
        assert "T+00:27" in shown  # the note, and when the incident opened
        for nearest in ("T+00:28", "T+00:38", "T+01:23", "T+01:28"):
            assert nearest not in shown
    # the timeline's first mark is the inject's moment, as the console showed it
    svg = aar.swimlane_svg(review, "x")
    assert ">T+00:27</text>" in svg and ">T+00:28</text>" not in svg


def test_the_notes_and_a_stopped_drill_read_the_clock_minute(review):
    assert aar.note_when(review, review.notes[0]) == "T+00:27"
    assert stopped_note(87.55) == ", compared up to T+01:27, when the drill stopped"


async def test_the_review_lists_what_never_arrived_at_the_clock_minute(review):
    pytest.importorskip("textual")
    from test_review_undelivered import rows_of, show_breakdown

    from tui.review import ReviewApp

    app = ReviewApp(review)
    async with app.run_test(size=(160, 40)) as pilot:
        await show_breakdown(pilot)
        [row] = rows_of(app.screen.query_one("#undelivered"))
        assert row[2:] == ["T+01:22", "1", "lost (stale contact) at T+01:27"]
        detail = str(app.screen.query_one("#undelivered-detail").render())
        assert detail.endswith("lost (stale contact) at T+01:27; sent T+01:22")


def test_a_time_in_words_reads_the_clock_minute(scenario_file):
    scenario = load_scenario(scenario_file).scenario
    # the drill time and the drill clock beside it name the same minute
    assert when_in_words(scenario, 27.55, 20) == "T+00:27 (today 09:27 +08)"
    assert when_in_words(scenario, 27.9999999, 27.9999999) == "T+00:28 (today 09:28 +08)"
    assert when_in_words(scenario, 1439.5, 0).startswith("T+23:59 (tomorrow 08:59")


def test_explain_gives_an_inject_sent_mid_minute_at_the_clock_minute(scenario_file, capsys):
    """As the role's local time beside it, and the handouts, read it."""
    assert main(["explain", str(scenario_file)]) == 0
    out = capsys.readouterr().out
    msel = out[out.index("MSEL"):].splitlines()
    assert msel[2].split()[:2] == ["1", "T+00:27"]
    assert "Wed 19 Aug 09:27 +08" in msel[3]


def test_the_console_clock_reads_the_minute_its_events_read(scenario_file):
    """A moment a hair before a whole minute, within the event log's precision, is that
    minute on the console's clock as in every event line and report."""
    pytest.importorskip("textual")
    from types import SimpleNamespace

    from sim.runs.session import DrillSession
    from sim.runs.view import DrillState
    from tui.screens.live import clock_line

    loaded = load_scenario(scenario_file)
    session = DrillSession.start(loaded, seed=0, human=["cert-a"], record=False)
    session.advance_to(27.9999997)
    state = DrillState(loaded.scenario)
    app = SimpleNamespace(state=state, session=session, link_note="",
                          clock=SimpleNamespace(running=False, speed=60.0),
                          break_note=lambda: "")
    assert clock_line(app).plain.startswith(" T+00:28  Wed 19 Aug 09:28 ")
    assert when_in_words(loaded.scenario, 27.9999997, session.now) == \
        "T+00:28 (today 09:28 +08)"


def test_a_deadline_in_a_message_reads_the_clock_minute_in_both_forms(scenario_file):
    # the notification and the escalation set off by the inject at 27.55 are due 4h
    # later, at 267.55: T+04:27, 13:27 on the clock (never T+04:28 beside 13:27)
    log = Engine(load_scenario(scenario_file).scenario, seed=0).run()
    texts = [e.details["text"] for e in log
             if e.type == "message_delivered" and "text" in e.details]
    due = [line for text in texts for line in text.splitlines() if "reply by" in line]
    assert len(due) >= 2
    assert all(line == "Please reply by T+04:27 (Wed 19 Aug 13:27 +08)." for line in due), due


def test_an_inject_put_back_past_its_time_says_when_it_was_due_at_the_clock_minute(
        scenario_file):
    from sim.engine import ActionError

    engine = Engine(load_scenario(scenario_file).scenario, seed=0)
    engine.run_until(10)
    engine.skip_inject("1")
    engine.run_until(40)
    with pytest.raises(ActionError, match=r"was due at T\+00:27, which has passed"):
        engine.unskip_inject("1")


def test_the_list_of_journals_reads_the_clock_minute(tmp_path, monkeypatch, capsys):
    from sim.runs import session

    info = session.JournalInfo(tmp_path / "d.journal.sqlite", "acid-x", "Drill", "2026-08-19",
                               87.55, False, 2, 40)
    monkeypatch.setattr(session, "list_journals", lambda directory: [info])
    assert main(["journals", "--dir", str(tmp_path)]) == 0
    assert "\tat T+01:27\t" in capsys.readouterr().out
