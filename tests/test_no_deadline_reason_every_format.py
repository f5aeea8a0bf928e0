"""An expectation still open in a drill under way whose countdown has not begun has no
deadline, and every format says why, in the same words: the text report under its
line, the JSON (``no_deadline_because``), the review's Expectations tab and the
after-action reports' Due column (Markdown, HTML, Word). The words come from the
scenario's ids and stay plain text: escaped in Markdown and HTML, never markup in the
review.

The hand-computable drill with an evening phone call (inject ``call`` at T+09:00) that
E9 counts from, and E7 counted from the opening of incident x (at T+01:00), stopped at
T+05:00: E7 is due at T+45:00, E9 has no deadline yet."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_json, render_text
from sim.analysis.review import Review, build_review
from sim.cli import main
from sim.runs.session import DrillSession

MID = 5 * 60.0
END = 48 * 60
WHY = "not due yet: it counts from inject call going out, which has not happened"
E7_DUE = "T+1d17:00"


def _with_call(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"].append(
        {"id": "call", "at": "T+09:00", "sender": "ctl", "to": ["cert-a"], "via": "phone",
         "tlp": "GREEN", "title": "Evening call", "incident": {"id": "x"}})
    data["expectations"] = [
        {"id": "E9", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "20h", "after": "call"},
        {"id": "E7", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "40h"},
    ]
    return data


def _session(scenario_data, load, journal: Path | None = None) -> DrillSession:
    # CERT-SG is played by a person who acknowledges nothing: both stay open
    return DrillSession.start(load(_with_call(scenario_data)), human=["cert-a"],
                              record=journal is not None, journal_path=journal)


@pytest.fixture
def review(scenario_data, load) -> Review:
    session = _session(scenario_data, load)
    session.advance_to(MID)
    return build_review(session.scenario, list(session.engine.log))


def _by_id(expectations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {x["id"]: x for x in expectations}


def test_the_premise(review):
    x = _by_id(review.metrics["expectations"])
    assert x["E9"]["status"] == x["E7"]["status"] == "open"
    assert x["E9"]["anchored"] is False and x["E9"]["deadline_at"] is None
    assert x["E7"]["anchored"] is True and x["E7"]["deadline_at"] == 60 + 40 * 60


# --- the run report -----------------------------------------------------------------------


def test_the_json_says_why(review):
    x = _by_id(json.loads(render_json(review.metrics))["expectations"])
    assert x["E9"]["no_deadline_because"] == WHY
    # one with a deadline needs no reason
    assert "no_deadline_because" not in x["E7"]
    # the after-action report's JSON carries the run's metrics with it
    doc = json.loads(aar.render_json(review))
    assert _by_id(doc["metrics"]["expectations"])["E9"]["no_deadline_because"] == WHY


def test_the_text_report_says_the_same(review):
    lines = render_text(review.metrics).splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.strip().startswith("E9 "))
    assert "not due" in lines[i]
    assert lines[i + 1].strip() == WHY


def test_once_the_drill_has_ended_no_reason_is_given(scenario_data, load):
    session = _session(scenario_data, load)
    session.advance_to(END)
    m = compute(list(session.engine.log))
    assert not [x for x in m["expectations"] if "no_deadline_because" in x]


# --- the after-action reports -------------------------------------------------------------


def test_the_markdown_due_column_says_why(review):
    lines = aar.render_markdown(review).splitlines()
    [e9] = [ln for ln in lines if ln.startswith("| E9 |")]
    assert e9.startswith(f"| E9 | open | {WHY} | — |")
    [e7] = [ln for ln in lines if ln.startswith("| E7 |")]
    assert e7.startswith(f"| E7 | open | {E7_DUE} | — |")


def test_the_html_due_column_says_why(review):
    html = aar.render_html(review)
    assert f"<td>E9</td><td class='open'>open</td><td>{WHY}</td><td>—</td>" in html
    assert f"<td>E7</td><td class='open'>open</td><td>{E7_DUE}</td>" in html


def test_the_word_due_column_says_why(review):
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    doc = docx.Document(io.BytesIO(render_docx(review)))
    rows = {r[0]: r for r in ([c.text for c in row.cells] for t in doc.tables
                              for row in t.rows)}
    assert rows["E9"][:4] == ["E9", "open", WHY, "—"]
    assert rows["E7"][2] == E7_DUE


def test_drill_report_on_a_journal_made_mid_drill(scenario_data, load, tmp_path, capsys):
    journal = tmp_path / "mid.journal.sqlite"
    session = _session(scenario_data, load, journal)
    session.advance_to(MID)
    session.close()
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0", "--format", "json"]) == 0
    x = _by_id(json.loads(capsys.readouterr().out)["metrics"]["expectations"])
    assert x["E9"]["no_deadline_because"] == WHY
    assert main(["report", str(journal), "--runs", "0", "--format", "md"]) == 0
    assert f"| E9 | open | {WHY} |" in capsys.readouterr().out


# --- the review ---------------------------------------------------------------------------


async def _due_column(review: Review) -> dict[str, Any]:
    pytest.importorskip("textual")
    from tui.review import ReviewApp

    app = ReviewApp(review)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause()
        table = app.screen.query_one("#exp")
        labels = [str(c.label) for c in table.ordered_columns]
        due = labels.index("Due")
        return {str(table.get_row_at(r)[0]): table.get_row_at(r)[due]
                for r in range(table.row_count)}


async def test_the_review_due_column_says_why(review):
    due = await _due_column(review)
    assert str(due["E9"]) == WHY
    assert str(due["E7"]) == E7_DUE


# --- plain text, whatever the words ---------------------------------------------------------


HOSTILE = "not due yet: <b>x</b> & [bold red]y[/] *z* | w"


def _hostile(review: Review) -> Review:
    _by_id(review.metrics["expectations"])["E9"]["no_deadline_because"] = HOSTILE
    return review


def test_the_html_escapes_it(review):
    html = aar.render_html(_hostile(review))
    assert "<b>x</b>" not in html
    assert ("<td>not due yet: &lt;b&gt;x&lt;/b&gt; &amp; [bold red]y[/] *z* | w</td>"
            in html)


def test_the_markdown_escapes_it(review):
    [e9] = [ln for ln in aar.render_markdown(_hostile(review)).splitlines()
            if ln.startswith("| E9 |")]
    # the table keeps its six columns: the words' bar is escaped, and so is the rest
    cells = re.split(r"(?<!\\)\|", e9)[1:-1]
    assert len(cells) == 6
    assert cells[2].strip() == ("not due yet: &lt;b&gt;x&lt;/b&gt; & \\[bold red\\]y\\[/\\] "
                                "\\*z\\* \\| w")


async def test_the_review_shows_it_as_it_is(review):
    due = await _due_column(_hostile(review))
    assert due["E9"].plain == HOSTILE
    assert not due["E9"].spans  # no markup read into it
