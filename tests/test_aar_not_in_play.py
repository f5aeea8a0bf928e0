"""The after-action report does not call an expectation whose inject was skipped "not
yet due", nor list it as an area for improvement: it was never in play, as the text
report says ("not in play: inject N was skipped")."""

from __future__ import annotations

import pytest

from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.engine import Engine


def _review(scenario_data, load, when: dict):
    """E1 (cert-a acknowledges inject 1 within the hour) is met; inject N goes to cert-b
    only ``when`` holds, and E9 counts from it; E8 is due after the drill's end."""
    scenario_data["injects"].append(
        {"id": "N", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Nudge", "when": when, "incident": {"id": "x"}})
    scenario_data["expectations"] += [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "1"},
        {"id": "E8", "description": "The council takes it down", "actors": ["council"],
         "action": "takedown", "incident": "x", "within": "3d", "after": "1"},
        {"id": "E9", "description": "CERT-TH acknowledges the nudge", "actors": ["cert-b"],
         "action": "acknowledge", "incident": "x", "within": "1h", "after": "N"},
    ]
    scenario = load(scenario_data).scenario
    return build_review(scenario, Engine(scenario, seed=0).run())


def _section(markdown: str, title: str) -> list[str]:
    """The bullet lines under a bold ``title`` of the analysis of objectives."""
    lines = markdown.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if line == f"**{title}**":
            for item in lines[i + 2:]:
                if not item.startswith("- "):
                    break
                out.append(item)
    return out


@pytest.fixture
def skipped(scenario_data, load):
    return _review(scenario_data, load, {"missed": ["E1"]})


def test_the_skipped_expectation_says_it_was_not_in_play(skipped):
    [e9] = [x for x in skipped.metrics["expectations"] if x["id"] == "E9"]
    assert e9["skipped"] == "N"
    # the wording of the text report, which the AAR follows
    assert "not in play: inject N was skipped" in render_text(skipped.metrics)
    markdown = aar.render_markdown(skipped)
    [line] = [ln for ln in markdown.splitlines() if ln.startswith("- E9:")]
    assert line.endswith("(not in play: inject N was skipped)")
    assert "not yet due" not in line


def test_the_skipped_expectation_is_neither_a_strength_nor_an_area(skipped):
    markdown = aar.render_markdown(skipped)
    strengths = _section(markdown, "Strengths")
    areas = _section(markdown, "Areas for improvement")
    assert not [ln for ln in strengths + areas if ln.startswith("- E9:")]
    # an expectation in play but not yet due at the end is no area: it has its own list
    assert not [ln for ln in areas if ln.startswith("- E8:")]
    assert _section(markdown, "Not yet due when the drill ended") == [
        "- E8: The council takes it down"]
    assert [ln for ln in _section(markdown, "Not in play") if ln.startswith("- E9:")]
    [obj] = aar._objectives(skipped)
    assert not any(s.startswith("E9:") for s in obj["strengths"] + obj["areas"])
    assert obj["not_in_play"] == [
        "E9: CERT-TH acknowledges the nudge (not in play: inject N was skipped)"]


def test_html_lists_it_apart_too(skipped):
    html = aar.render_html(skipped)
    strengths, rest = html.split("<p><b>Areas for improvement</b></p>", 1)
    areas, rest = rest.split("<p><b>Not in play</b></p>", 1)
    assert "E9:" not in strengths.rsplit("<p><b>Strengths</b></p>", 1)[1]
    assert "E9:" not in areas
    assert "<li>E9: CERT-TH acknowledges the nudge (not in play: inject N was skipped)</li>" in rest


def test_an_inject_that_went_keeps_its_expectation_in_play(scenario_data, load):
    review = _review(scenario_data, load, {"met": ["E1"]})
    [e9] = [x for x in review.metrics["expectations"] if x["id"] == "E9"]
    assert "skipped" not in e9
    markdown = aar.render_markdown(review)
    assert "not in play" not in markdown and "**Not in play**" not in markdown
    assert [ln for ln in _section(markdown, "Strengths") if ln.startswith("- E9:")]
    assert aar._objectives(review)[0]["not_in_play"] == []


def test_the_score_of_the_report_leaves_it_out(skipped):
    score = compute(skipped.events)["score"]
    assert score["of"] == 2  # E1 and E8, not E9
    assert "(1 of 2 expectations met)" in aar.render_markdown(skipped)


def test_the_word_report_lists_it_as_not_in_play(skipped):
    import io

    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    doc = docx.Document(io.BytesIO(render_docx(skipped)))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    at = paragraphs.index(("Heading 3", "Not in play"))
    assert paragraphs[at + 1][1].startswith("E9:")
    assert paragraphs[at + 1][1].endswith("(not in play: inject N was skipped)")
    areas = [i for i, p in enumerate(paragraphs) if p == ("Heading 3", "Areas for improvement")]
    assert all("E9:" not in text for _, text in paragraphs[areas[0]:at])
