"""The swimlane timelines of the reports keep every label inside the picture and never
draw one label over another: the HTML report's SVG (``aar.swimlane_svg``) and the Word
report's PNG (``docx_report.timeline_png``).

acid-hacktivism at seed 2 drew its last time mark 'T+1d23:54' centred 20 pixels from the
right edge of a 960-pixel picture (cut off), and two hops' durations, '16h20m' and
'16h51m', 7 pixels apart on one line, the second running past the edge.
"""

from __future__ import annotations

import functools
import re
from html import unescape
from itertools import pairwise
from pathlib import Path

import pytest

from scenarios import bundled_scenarios, load_scenario
from sim.analysis import aar
from sim.analysis.review import build_review
from sim.engine import Engine

BUNDLED = {p.stem: p for p in bundled_scenarios()}
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

_SVG = re.compile(r'<svg[^>]*\bwidth="(\d+)"[^>]*\bfont-size="(\d+)"')
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def _review(name: str, seed: int):
    scenario = load_scenario(BUNDLED[name]).scenario
    return build_review(scenario, Engine(scenario, seed=seed).run())


@functools.cache
def _dejavu():
    """DejaVu Sans at 100 pixels, where it and Pillow are installed."""
    try:
        from PIL import ImageFont

        return ImageFont.truetype(str(DEJAVU), 100)
    except (ImportError, OSError):
        return None


def _em(text: str) -> float:
    """How wide ``text`` is, in ems, in a wide sans-serif (DejaVu Sans, the usual one on
    Linux; wider than Arial or Helvetica)."""
    font = _dejavu()
    return 0.64 * len(text) if font is None else font.getlength(text) / 100


def svg_labels(svg: str) -> tuple[int, list[tuple[str, float, float, float, float, float]]]:
    """The picture's width, and each label's text, box (left, top, right, bottom) and
    the line it is written on (its baseline)."""
    head = _SVG.search(svg)
    assert head, svg[:200]
    width, size = int(head.group(1)), float(head.group(2))
    boxes = []
    for attrs, content in _TEXT.findall(svg):
        a = dict(_ATTR.findall(attrs))
        text = unescape(content)
        font = float(a.get("font-size", size))
        w = _em(text) * font
        x, y = float(a["x"]), float(a["y"])
        left = {"start": x, "middle": x - w / 2, "end": x - w}[a.get("text-anchor", "start")]
        boxes.append((text, left, y - 0.75 * font, left + w, y + 0.2 * font, y))
    return width, boxes


def _overlaps(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def check_svg(svg: str) -> None:
    """Every label lies within the picture's width; no two on one line overlap, nor
    any two at all."""
    width, boxes = svg_labels(svg)
    for text, left, _, right, _, _ in boxes:
        assert left >= 0 and right <= width, f"{text!r} runs from {left:.1f} to {right:.1f}"
    by_line: dict[float, list] = {}
    for text, left, _, right, _, y in boxes:
        by_line.setdefault(y, []).append((left, right, text))
    for spans in by_line.values():
        spans.sort()
        for (_, r0, t0), (l1, _, t1) in pairwise(spans):
            assert r0 <= l1, f"{t0!r} and {t1!r} overlap on one line"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlaps(a, b), f"{a[0]!r} at {a[1:5]} is drawn over {b[0]!r} at {b[1:5]}"


def test_the_repro_keeps_its_labels_inside_and_apart():
    review = _review("acid-hacktivism", 2)
    svg = aar.swimlane_svg(review, "leak")
    _, boxes = svg_labels(svg)
    texts = [b[0] for b in boxes]
    # the last time mark and both hops' durations are still drawn, inside the picture
    assert {"T+1d23:54", "16h20m", "16h51m"} <= set(texts)
    check_svg(svg)
    # and each hop's duration is in its arrow's tooltip, for one left out for want of room
    assert "16h20m</title>" in svg and "16h51m</title>" in svg


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_every_bundled_timeline_keeps_its_labels_inside_and_apart(name):
    review = _review(name, 0)
    for inc in review.metrics["incidents"]:
        check_svg(aar.swimlane_svg(review, inc["id"]))


# --- the Word report's picture ---------------------------------------------------------


def png_labels(monkeypatch, review, incident: str, width: int = 1400):
    """Each label ``timeline_png`` draws: its text and box, as the fonts measure it."""
    pytest.importorskip("PIL")
    from sim.analysis import docx_report, fonts

    drawn = []
    real = fonts.Lettering.draw

    def draw(self, draw, xy, text, fill, width=None):
        shown = self.width(text) if width is None else min(width, self.width(text))
        drawn.append((text, xy[0], xy[1], xy[0] + shown, xy[1] + self.size))
        real(self, draw, xy, text, fill, width)

    monkeypatch.setattr(fonts.Lettering, "draw", draw)
    assert docx_report.timeline_png(review, incident, width=width) is not None
    return drawn


def check_png(labels, width: int = 1400) -> None:
    for text, left, _, right, _ in labels:
        assert left >= 0 and right <= width, f"{text!r} runs from {left:.1f} to {right:.1f}"
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert not _overlaps(a, b), f"{a[0]!r} at {a[1:]} is drawn over {b[0]!r} at {b[1:]}"


def test_the_word_reports_picture_keeps_its_labels_inside_and_apart(monkeypatch):
    review = _review("acid-hacktivism", 2)
    labels = png_labels(monkeypatch, review, "leak")
    assert "T+1d23:54" in [t for t, *_ in labels]
    check_png(labels)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_every_bundled_picture_keeps_its_labels_inside_and_apart(monkeypatch, name):
    review = _review(name, 0)
    for inc in review.metrics["incidents"]:
        check_png(png_labels(monkeypatch, review, inc["id"]))


def test_a_label_is_moved_in_from_the_edge_and_kept_off_another():
    labels = aar.Labels(100)
    # past the right edge: it ends the margin from it
    assert labels.place([(90, 0)], 30, 10) == (100 - aar.LABEL_MARGIN - 30, 0)
    # past the left edge: it starts the margin from it
    assert labels.place([(-20, 50)], 30, 10) == (aar.LABEL_MARGIN, 50)
    # over the first: the next free spot is taken, and with none it is left out
    assert labels.place([(60, 5), (60, 20)], 20, 10) == (60, 20)
    assert labels.place([(66, 0)], 10, 10) is None
