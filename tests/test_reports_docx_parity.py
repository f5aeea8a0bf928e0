"""The Word after-action report has the sections of the Markdown and HTML reports, shows
untrusted text as plain text (control and bidirectional-formatting characters as visible
escapes, as the other formats do), and every report lists every role a person played."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest

from scenarios import bundled_scenarios, load_scenario
from scenarios.loader import bundled_dir
from sim.analysis import aar
from sim.analysis.review import build_review, load_review
from sim.cli import EXIT_OK, main
from sim.runs.session import DrillSession

docx = pytest.importorskip("docx")

from sim.analysis import docx_report  # noqa: E402  (needs python-docx)

TUTORIAL = bundled_dir() / "tutorial.yaml"
#: what sim.safe.text.plain shows as an escape: C0/C1 controls, line and paragraph
#: separators, bidi embeddings, overrides and isolates
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _ransomware() -> Path:
    return next(p for p in bundled_scenarios() if p.stem == "apcert-ransomware")


@pytest.fixture
def played(tmp_path):
    """The bundled example with two teams played by people: MyCERT answers its task,
    an evaluator takes a note, and the review compares the people with two model runs."""
    path = tmp_path / "played.journal.sqlite"
    loaded = load_scenario(_ransomware())
    session = DrillSession.start(loaded, seed=0, human=["mycert", "vncert"], journal_path=path)
    session.advance_to(31)
    session.answer_task("mycert", "Q1", "203.0.113.45 and 198.51.100.7")
    session.add_note("MyCERT blocked the C2 addresses first", team="mycert")
    session.advance_to(loaded.scenario.drill.duration)
    session.close()
    review, journal = load_review(path, runs=2, readonly=True)
    journal.close()
    return review


def _word(review) -> object:
    return docx.Document(io.BytesIO(docx_report.render_docx(review)))


def _md_text(text: str) -> str:
    """Markdown-escaped text as written (md() escapes punctuation and < > &)."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text))


def markdown_headings(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of every heading; a bold line alone after the title is a sub-heading
    (Strengths, Areas for improvement, Not in play), one level below the objective."""
    out: list[tuple[int, str]] = []
    for line in markdown.splitlines():
        m = re.fullmatch(r"(#{1,6}) (.*)", line)
        if m:
            out.append((len(m.group(1)), _md_text(m.group(2))))
        elif out and re.fullmatch(r"\*\*[^*]+\*\*", line):
            out.append((4, _md_text(line[2:-2])))
    return out


def html_headings(page: str) -> list[tuple[int, str]]:
    return [(int(level), html.unescape(re.sub(r"<[^>]+>", "", text)))
            for level, text in re.findall(r"<h([1-6])>(.*?)</h\1>", page, flags=re.S)]


def word_headings(doc) -> list[tuple[int, str]]:
    """(level, text) as in the Markdown: the title is level 1, Word's Heading n is n + 1."""
    out = []
    for p in doc.paragraphs:
        name = p.style.name
        if name == "Title":
            out.append((1, p.text))
        elif name.startswith("Heading "):
            out.append((int(name.split()[1]) + 1, p.text))
    return out


# --- every section, in every format ----------------------------------------------------


def test_the_word_report_has_every_heading_of_the_markdown_report_in_order(played):
    markdown = markdown_headings(aar.render_markdown(played))
    # every optional section is in this drill, so a section left out of Word shows here
    for section in ("Player tasks", "Human play against the model", "Evaluator notes"):
        assert (2, section) in markdown
    assert word_headings(_word(played)) == markdown


def test_the_word_report_has_every_heading_of_the_html_report_in_order(played):
    page = html_headings(aar.render_html(played))
    assert (2, "Player tasks") in page
    # the HTML shows Strengths and the like in bold, not as headings
    assert [h for h in word_headings(_word(played)) if h[0] <= 3] == page


def test_the_word_report_has_the_player_tasks_with_answers_and_answer_keys(played):
    doc = _word(played)
    assert (1 + 1, "Player tasks") in word_headings(doc)
    [table] = [t for t in doc.tables if [c.text for c in t.rows[0].cells]
               == ["Task", "Team", "Asked", "Answer", "Answer key"]]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == len(played.task_answers()) > 1
    question = "Q1: Which IP addresses will you block at your national gateway?"
    key = "The leak site and both C2 addresses in leak-site-pdns.csv."
    assert [question, "MyCERT", "T+00:30", "203.0.113.45 and 198.51.100.7", key] in rows
    assert [question, "BruCERT", "T+00:30", "no answer", key] in rows
    # the same rows as the HTML report's table, in the same order
    page = aar.render_html(played)
    section = page.split("<h2>Player tasks</h2>", 1)[1].split("</table>", 1)[0]
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", section)]
    assert [cell for row in rows for cell in row] == cells


def test_a_drill_without_tasks_has_no_player_tasks_section_in_word(tmp_path):
    loaded = load_scenario(TUTORIAL)
    review = build_review(loaded.scenario, _run(loaded, human=[]))
    assert review.task_answers() == []
    assert "Player tasks" not in [text for _, text in word_headings(_word(review))]
    assert word_headings(_word(review)) == markdown_headings(aar.render_markdown(review))


# --- untrusted text as plain text --------------------------------------------------------


def _document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_bidi_overrides_and_control_characters_show_as_escapes_in_word(tmp_path):
    scenario = _bidi_tutorial(tmp_path)
    journal = tmp_path / "b.journal.sqlite"
    session = DrillSession.start(load_scenario(scenario), seed=0, journal_path=journal)
    session.advance_to(120)
    session.add_note("\x1b[31mRED and \u2066isolated\u2069 \u202bembedded\u202c", team="singcert")
    session.advance_to(480)
    session.close()
    out = tmp_path / "b.docx"
    assert main(["report", str(journal), "--runs", "0", "-o", str(out)]) == EXIT_OK
    xml = _document_xml(out)
    assert not UNSAFE.search(xml), "a control or bidi character went into the document raw"
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    tables = "\n".join(c.text for t in docx.Document(str(out)).tables
                       for r in t.rows for c in r.cells)
    assert "Sing\\u202eTREC (singcert)" in body  # the participant
    assert "Team Sing\\u202eTREC" in body  # the heading of the team's notes
    assert "Sing\\u202eTREC -> MyCERT" in tables  # the hops
    # nothing is deleted: the ESC shows as the escape the other formats show
    assert "\\x1b[31mRED and \\u2066isolated\\u2069 \\u202bembedded\\u202c" in body
    # as the HTML report shows them
    page = tmp_path / "b.html"
    assert main(["report", str(journal), "--runs", "0", "-o", str(page)]) == EXIT_OK
    assert "\\x1b[31mRED and \\u2066isolated\\u2069" in page.read_text(encoding="utf-8")
    assert "Sing\\u202eTREC" in page.read_text(encoding="utf-8")


def test_task_answers_in_word_are_plain_text(tmp_path):
    loaded = load_scenario(_ransomware())
    session = DrillSession.start(loaded, seed=0, human=["mycert"])
    session.advance_to(31)
    session.answer_task("mycert", "Q1", "\u202e54.311.0.302\u202c \x1b]0;title\x07")
    session.advance_to(60)
    review = build_review(session.scenario, session.engine.log)
    doc = _word(review)
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Task"]
    answers = [r.cells[3].text for r in table.rows[1:] if r.cells[1].text == "MyCERT"]
    assert answers == ["\\u202e54.311.0.302\\u202c \\x1b]0;title\\x07"]


def test_characters_xml_forbids_are_shown_not_dropped():
    assert docx_report._clean("a\x00b\ud800c\ufffed\uffff") == "a\\x00b\\ud800c\\ufffed\\uffff"
    assert docx_report._clean("two\nlines\tand a tab") == "two\nlines\tand a tab"
    assert docx_report._clean("ไทย 中文 Tiếng Việt") == "ไทย 中文 Tiếng Việt"


def _bidi_tutorial(folder: Path) -> Path:
    """The tutorial with SingCERT named "Sing<U+202E>TREC": shown raw, the override
    would turn the rest of the line round."""
    scenario = folder / "bidi.yaml"
    scenario.write_text(TUTORIAL.read_text(encoding="utf-8").replace(
        "name: SingCERT", 'name: "Sing\\u202eTREC"', 1), encoding="utf-8")
    return scenario


def test_the_timeline_picture_draws_names_as_plain_text(tmp_path, monkeypatch):
    from PIL import ImageDraw

    loaded = load_scenario(_bidi_tutorial(tmp_path))
    review = build_review(loaded.scenario, _run(loaded, human=[]))
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):
        drawn.append(content)
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    assert docx_report.timeline_png(review, "phish") is not None
    assert "Sing\\u202eTREC" in drawn
    assert not any(UNSAFE.search(t) for t in drawn)


# --- every role a person played is a participant ------------------------------------------


def _run(loaded, human: list[str], until: float | None = None):
    session = DrillSession.start(loaded, seed=0, human=human)
    session.advance_to(loaded.scenario.drill.duration if until is None else until)
    return session.engine.log


def _participants_of_every_format(review) -> dict[str, list[str]]:
    markdown = aar.render_markdown(review).split("### Participants\n\n", 1)[1].split("\n\n")[0]
    page = aar.render_html(review).split("<h3>Participants</h3><ul>", 1)[1].split("</ul>")[0]
    paragraphs = [(p.style.name, p.text) for p in _word(review).paragraphs]
    at = paragraphs.index(("Heading 2", "Participants"))
    word = []
    for style, text in paragraphs[at + 1:]:
        if style != "List Bullet":
            break
        word.append(text)
    return {"markdown": [_md_text(line[2:]) for line in markdown.splitlines()],
            "html": [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", page)],
            "word": word}


def test_a_role_played_by_a_person_is_a_participant_though_no_incident_reached_it():
    loaded = load_scenario(TUTORIAL)
    review = build_review(loaded.scenario, _run(loaded, human=["singcert", "isp-my"]))
    assert "isp-my" not in review.lanes("phish")  # the takedown never reached the ISP
    expected = ["SingCERT (singcert), played by a person", "Exercise control (HiCON) (hicon)",
                "MyCERT (mycert)", "Klang Valley Hosting Sdn Bhd (isp-my), played by a person"]
    assert aar._participants(review) == expected
    for listed in _participants_of_every_format(review).values():
        assert listed == expected


@pytest.mark.parametrize("until", [5, None])
def test_participants_are_listed_in_a_stable_order(until):
    """The actors an incident involved, in order of involvement, then the other roles
    people played in the scenario's order, however the roles were handed out (before
    any incident opens, every role a person played is of the second kind)."""
    loaded = load_scenario(TUTORIAL)
    listed = [aar._participants(build_review(loaded.scenario,
                                             _run(loaded, human=roles, until=until)))
              for roles in (["isp-my", "singcert"], ["singcert", "isp-my"])]
    involved = ["Exercise control (HiCON) (hicon)", "MyCERT (mycert)"] if until is None else []
    assert listed[0] == listed[1] == [
        "SingCERT (singcert), played by a person", *involved,
        "Klang Valley Hosting Sdn Bhd (isp-my), played by a person"]
