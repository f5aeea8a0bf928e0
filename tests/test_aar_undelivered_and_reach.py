"""The after-action report's hops, reach and expectations say what happened.

- A message that never arrived is not a finished hop: it has no duration and no split,
  is not ranked among the slowest hops, is listed apart with what became of it, and
  the timeline does not draw it reaching its recipient (the run report leaves it out
  of the slowest hops too).
- The time lost on attempts before the one that arrived is not put down to stale
  contacts whatever its cause: the report says why each earlier attempt failed.
- "Every affected CERT reached" is labelled by what it counts, with the other figure
  on a second row, as in the run report.
- An expectation still open at the drill's end is not yet due: it is listed apart,
  not as an area for improvement.

The hand-computed drill: control's inject reaches cert-a (Singapore) at T+01:00;
cert-a notifies cert-b (Bangkok) by e-mail at T+01:45 (five minutes; phone as the
fallback, one minute) and refers the case to the Singapore police at T+01:55.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from conftest import police_referral, stale_police_email
from test_aar_not_in_play import _section as _bullets

from sim.analysis import aar
from sim.analysis.metrics import compute, hop_metrics
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.engine import Engine

REFERRAL = "CERT-SG -> Police SG (refer_police)"
NOTIFY = "CERT-SG -> CERT-TH (notify)"


def _review(data: dict[str, Any], load):
    scenario = load(data).scenario
    return build_review(scenario, Engine(scenario, seed=0).run())


def _hop_table(markdown: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the first "where the time went" table of a Markdown report."""
    lines = markdown.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("| Hop | Duration |"))
    header = [c.strip() for c in lines[at].strip("|").split("|")]
    rows = []
    for line in lines[at + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return header, rows


def _plain(markdown_text: str) -> str:
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown_text))


def _word(review) -> Any:
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    return docx.Document(io.BytesIO(render_docx(review)))


# --- 1. a message that never arrived ------------------------------------------------------


@pytest.fixture
def lost_referral(scenario_data, load):
    """The police's e-mail address is stale and there is no fallback: the referral sent
    at T+01:55 is lost when it would have arrived, at T+02:00."""
    return _review(stale_police_email(police_referral(scenario_data)), load)


def test_the_run_report_leaves_the_lost_referral_out_of_the_slowest_hops(lost_referral):
    [run] = [h for h in hop_metrics(lost_referral.events) if h["verb"] == "refer_police"]
    assert run["delivered_at"] is None
    slowest = render_text(compute(lost_referral.events, slowest=10)).split("Slowest hops", 1)[1]
    assert "refer_police" not in slowest.split("Messages:", 1)[0]


def test_a_message_that_never_arrived_is_not_ranked_among_the_hops(lost_referral):
    markdown = aar.render_markdown(lost_referral)
    _, rows = _hop_table(markdown)
    shown = [_plain(r["Hop"]) for r in rows]
    assert NOTIFY in shown
    assert REFERRAL not in shown  # no duration, no "analysing" for a message that was lost
    # listed apart, with what became of it and when
    [line] = [_plain(ln) for ln in markdown.splitlines()
              if "refer_police" in ln and not ln.startswith("|")]
    assert line.startswith(f"- {REFERRAL}: ")
    assert "lost (stale contact) at T+02:00" in line and "sent T+01:55" in line
    # every hop the table ranks was delivered, as in the run report
    delivered = {h["to"] for h in hop_metrics(lost_referral.events)
                 if h["delivered_at"] is not None}
    names = {a: lost_referral.name(a) for a in delivered}
    assert all(any(f"-> {names[a]} (" in hop for a in delivered) for hop in shown)


def test_the_html_report_lists_it_apart_and_draws_no_arrow_to_the_recipient(lost_referral):
    page = aar.render_html(lost_referral)
    table = page.split("<p>Where the time went", 1)[1].split("</table>", 1)[0]
    assert "refer_police" not in table
    assert "CERT-SG &rarr; CERT-TH (notify)" in table
    # listed apart, with what became of it
    assert ("<li>CERT-SG -&gt; Police SG (refer_police): lost (stale contact) at T+02:00"
            in page)
    # on the timeline: a line that stops short, with no arrowhead at the police
    svg = page.split("<svg", 2)[1]
    [referral] = [el for el in re.findall(r"<line [^>]*>.*?</line>", svg, flags=re.S)
                  if "refer_police CERT-SG to Police SG" in el]
    assert "marker-end" not in referral
    assert "not delivered" in referral
    lanes = re.findall(r'<text x="6" y="([0-9.]+)">([^<]*)</text>', svg)
    police_y = float(next(y for y, name in lanes if name == "Police SG")) - 4
    y2 = float(re.search(r'y2="([0-9.]+)"', referral).group(1))
    assert abs(y2 - police_y) > 5  # it does not reach the police's lane


def test_the_word_report_lists_it_apart_and_draws_no_arrival(lost_referral, monkeypatch):
    doc = _word(lost_referral)
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Hop"]
    shown = [r.cells[0].text for r in table.rows[1:]]
    assert NOTIFY in shown and REFERRAL not in shown
    texts = [p.text for p in doc.paragraphs]
    [line] = [t for t in texts if "refer_police" in t]
    assert line.startswith(f"{REFERRAL}: lost (stale contact) at T+02:00")
    # the picture: a dot marks where a message arrives; none for the lost referral
    from PIL import ImageDraw

    from sim.analysis import docx_report

    dots: list[Any] = []
    lines: list[Any] = []
    original_ellipse, original_line = ImageDraw.ImageDraw.ellipse, ImageDraw.ImageDraw.line

    def ellipse(self, xy, *args, **kwargs):
        dots.append((xy, kwargs.get("fill")))
        return original_ellipse(self, xy, *args, **kwargs)

    def line(self, xy, *args, **kwargs):
        lines.append((xy, kwargs.get("fill")))
        return original_line(self, xy, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "ellipse", ellipse)
    monkeypatch.setattr(ImageDraw.ImageDraw, "line", line)
    assert docx_report.timeline_png(lost_referral, "x") is not None
    red = docx_report._rgb(aar.LANE_COLOURS["refer_police"])
    assert not [d for d in dots if d[1] == red]  # nothing marked as arriving
    lanes = lost_referral.lanes("x")
    police_y = 40 + 40 * lanes.index("police-sg") + 20
    drawn = [xy for xy, fill in lines if fill == red]
    assert drawn and all(abs(xy[3] - police_y) > 5 for xy in drawn)


def _bouncing(data: dict[str, Any]) -> dict[str, Any]:
    data["channels"]["email"]["bounce"] = "2m"
    return stale_police_email(data)


def _held_past_the_end(data: dict[str, Any]) -> dict[str, Any]:
    data["outages"] = [{"channel": "email", "actor": "police-sg", "start": "T+00:00",
                        "end": "T+3d00:00", "effect": "hold"}]
    return data


@pytest.mark.parametrize(("change", "says", "word"), [
    (stale_police_email, "lost (stale contact) at T+02:00; sent T+01:55", "lost"),
    (_bouncing, "bounced (stale contact) at T+01:57; sent T+01:55", "bounced"),
    (_held_past_the_end, "in transit at the end, held in an outage until ", "in transit"),
])
def test_what_became_of_a_message_that_never_arrived(scenario_data, load, change, says,
                                                      word):
    review = _review(change(police_referral(scenario_data)), load)
    markdown = aar.render_markdown(review)
    assert REFERRAL not in [_plain(r["Hop"]) for r in _hop_table(markdown)[1]]
    [line] = [_plain(ln) for ln in markdown.splitlines()
              if "refer_police" in ln and not ln.startswith("|")]
    assert line.startswith(f"- {REFERRAL}: {says}")
    # the run report says the same of the step
    [step] = [ln for ln in render_text(review.metrics).splitlines()
              if ln.strip().startswith("CERT -> national police")]
    assert re.match(rf"\s*CERT -> national police\s+{word}(\s|$)", step)


# --- 2. why earlier attempts failed ------------------------------------------------------


def _lost_on_email(data: dict[str, Any]) -> dict[str, Any]:
    data["channels"]["email"]["loss"] = 1.0
    return data


def _stale_email(data: dict[str, Any]) -> dict[str, Any]:
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    return data


def _outage_bounce(data: dict[str, Any]) -> dict[str, Any]:
    data["channels"]["email"]["bounce"] = "2m"
    data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+00:00",
                        "end": "T+03:00", "effect": "bounce"}]
    return data


@pytest.mark.parametrize(("change", "why", "lost"), [
    (_lost_on_email, "lost (channel failure)", "1.00 h"),  # chased by phone after 1h
    (_stale_email, "lost (stale contact)", "1.00 h"),
    (_outage_bounce, "bounced (outage)", "0.03 h"),  # back in 2 minutes, phone at once
])
def test_the_time_lost_on_earlier_attempts_says_why(scenario_data, load, change, why, lost):
    review = _review(change(scenario_data), load)
    [run] = [h for h in hop_metrics(review.events) if h["to"] == "cert-b"]
    assert run["lost_time"] == pytest.approx(float(lost.split()[0]) * 60, abs=0.5)
    header, rows = _hop_table(aar.render_markdown(review))
    [row] = [r for r in rows if _plain(r["Hop"]) == NOTIFY]
    # no column puts the time down to stale contacts unless they were the cause
    [lost_column] = [c for c in header if c.lower().startswith("lost")]
    assert row[lost_column] == lost
    assert "stale" not in lost_column.lower()
    assert row["Earlier attempts"] == why
    assert row["Held in an outage"] == "0.00 h"  # the attempt that arrived was not held
    parts = [c for c in header if c not in ("Hop", "Duration", "Earlier attempts")]
    assert sum(float(row[c].split()[0]) for c in parts) == pytest.approx(
        float(row["Duration"].split()[0]), abs=0.011)
    # the same in the HTML and Word reports
    page = aar.render_html(review)
    assert f"<td>{html.escape(why)}</td>" in page and "stale contacts" not in page
    doc = _word(review)
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Hop"]
    titles = [c.text for c in table.rows[0].cells]
    [cells] = [[c.text for c in r.cells] for r in table.rows[1:] if r.cells[0].text == NOTIFY]
    assert dict(zip(titles, cells, strict=True))["Earlier attempts"] == why


# --- 3. every affected CERT reached, labelled -------------------------------------------------


@pytest.mark.parametrize("counts", [False, True])
def test_every_affected_cert_reached_says_what_it_counts(scenario_data, load, counts):
    """No other team ever writes to cert-a: by other teams, never; counting control's
    injects, T+01:50 (cert-b hears from cert-a), 0.83 h after the opening at T+01:00."""
    scenario_data["drill"]["control_counts_as_reach"] = counts
    review = _review(scenario_data, load)
    peers = ("Every affected CERT reached by other teams" + (" only" if counts else ""),
             "—", "—")
    anyone = ("Every affected CERT reached, counting control's injects", "T+01:50", "0.83 h")
    rows = [r for r in aar._timing_rows(review.metrics["incidents"][0])
            if r[0].startswith("Every affected CERT")]
    assert rows == ([anyone, peers] if counts else [peers, anyone])
    # the run report's headline is the first row
    text = render_text(review.metrics)
    [headline] = [ln for ln in text.splitlines() if "every affected CERT reached" in ln]
    assert ("counting control's injects" if counts else "by other teams") in headline
    markdown = aar.render_markdown(review)
    for label, at, after in rows:
        assert f"| {aar.md(label)} | {at} | {after} |" in markdown
    page = aar.render_html(review)
    for label, at, after in rows:
        assert f"<tr><td>{aar.escape(label)}</td><td>{at}</td><td>{after}</td></tr>" in page
    doc = _word(review)
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Step"]
    word = [tuple(c.text for c in r.cells) for r in table.rows[1:]]
    assert [r for r in word if r[0].startswith("Every affected CERT")] == rows


# --- 4. not yet due when the drill ended ------------------------------------------------------


@pytest.fixture
def open_at_the_end(scenario_data, load):
    """E1 is met; E8 falls due three days after inject 1, after the two-day drill ends."""
    scenario_data["expectations"] += [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "1h", "after": "1"},
        {"id": "E8", "description": "The council takes it down", "actors": ["council"],
         "action": "takedown", "incident": "x", "within": "3d", "after": "1"},
    ]
    review = _review(scenario_data, load)
    assert {x["id"]: x["status"] for x in review.metrics["expectations"]} == {
        "E1": "met", "E8": "open"}
    return review




def test_an_expectation_not_yet_due_is_not_an_area_for_improvement(open_at_the_end):
    markdown = aar.render_markdown(open_at_the_end)
    assert not [ln for ln in _bullets(markdown, "Areas for improvement") if "E8" in ln]
    assert not [ln for ln in _bullets(markdown, "Strengths") if "E8" in ln]
    assert _bullets(markdown, "Not yet due when the drill ended") == [
        "- E8: The council takes it down"]
    # nor in the improvement plan
    plan = markdown.split("## Improvement plan", 1)[1]
    assert "E8" not in plan


def test_html_and_word_list_it_apart_too(open_at_the_end):
    page = aar.render_html(open_at_the_end)
    areas = page.split("<p><b>Areas for improvement</b></p>", 1)[1].split("</ul>", 1)[0]
    assert "E8" not in areas
    assert ("<p><b>Not yet due when the drill ended</b></p><ul>"
            "<li>E8: The council takes it down</li></ul>") in page
    paragraphs = [(p.style.name, p.text) for p in _word(open_at_the_end).paragraphs]
    at = paragraphs.index(("Heading 3", "Not yet due when the drill ended"))
    assert paragraphs[at + 1] == ("List Bullet", "E8: The council takes it down")
    areas_at = paragraphs.index(("Heading 3", "Areas for improvement"))
    assert all("E8" not in text for _, text in paragraphs[areas_at:at])
