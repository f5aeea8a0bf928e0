"""A rating no evaluator set is shown as a suggestion everywhere in the after-action
report, the analysis of objectives included, and the report says how it is suggested."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.analysis import aar
from sim.analysis.review import Review, build_review, suggest_rating
from sim.engine import Engine


@pytest.fixture(scope="module")
def review() -> Review:
    """The tutorial, seed 0 (E1 late, E2 and E3 met), with E2 rated by an evaluator."""
    loaded = load_scenario(bundled_dir() / "tutorial.yaml")
    review = build_review(loaded.scenario, Engine(loaded, seed=0).run())
    review.ratings["E2"] = {"rating": "P", "note": "", "who": "evaluator"}
    return review


def _analysis_lines(text: str, review: Review) -> dict[str, str]:
    """The analysis of objectives' line for each expectation, by id."""
    part = text[text.index("Analysis of objectives"):text.index("Expectations", text.index(
        "Analysis of objectives"))]
    return {x["id"]: next(line for line in part.splitlines() if f"{x['id']}: " in line)
            for x in review.metrics["expectations"]}


def _check(lines: dict[str, str], review: Review) -> None:
    done = [x for x in review.metrics["expectations"] if x["status"] in ("met", "late", "missed")]
    assert {x["id"] for x in done} == {"E1", "E2", "E3"}
    for x in done:
        rating, _, by_evaluator = review.rating(x["id"])
        if by_evaluator:
            assert f"rated {rating})" in lines[x["id"]], lines[x["id"]]
            assert "suggested" not in lines[x["id"]]
        else:
            assert rating == suggest_rating(x)
            assert f"rated {rating} (suggested))" in lines[x["id"]], lines[x["id"]]


def test_the_markdown_analysis_marks_suggested_ratings(review):
    _check(_analysis_lines(aar.render_markdown(review), review), review)


def test_the_html_analysis_marks_suggested_ratings(review):
    html = aar.render_html(review)
    text = re.sub(r"<[^>]+>", "\n", html)
    _check(_analysis_lines(text, review), review)


def test_the_word_analysis_marks_suggested_ratings(review):
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    doc = docx.Document(io.BytesIO(render_docx(review)))
    text = "\n".join(p.text for p in doc.paragraphs)
    _check(_analysis_lines(text, review), review)


def _rule(text: str) -> str:
    start = text.index("A suggested rating")
    return " ".join(text[start:text.index(".", text.index("override", start)) + 1].split())


def test_every_report_says_how_a_rating_is_suggested(review):
    pytest.importorskip("docx")
    import docx

    from sim.analysis.docx_report import render_docx

    word = "\n".join(p.text for p in docx.Document(io.BytesIO(render_docx(review))).paragraphs)
    html = unescape(re.sub(r"<[^>]+>", "", aar.render_html(review)))
    rules = {_rule(text) for text in (aar.render_markdown(review), html, word)}
    [rule] = rules  # the same words in every format
    # the rule the words give is the one suggest_rating follows
    met = {"status": "met", "within": 100.0, "deadline_at": 200.0}
    assert "a quarter" in rule
    assert suggest_rating({**met, "at": 175.0}) == "P"  # a quarter of the time left
    assert suggest_rating({**met, "at": 176.0}) == "S"
    assert "P when met with at least a quarter" in rule
    assert "S when met with less" in rule
    assert suggest_rating({"status": "late"}) == "M" and "M when done late" in rule
    assert suggest_rating({"status": "missed"}) == "U" and "U when not done" in rule
    assert "evaluator" in rule
