"""Small plots for sweeps: a terminal chart and a standalone SVG file (no dependencies).

A sweep of values that are not numbers (``office-hours``, ``24/7``) is drawn at the
places 0, 1, ... and labelled with the values: pass ``labels``, or x positions as an
:class:`Axis`, which carries them. Labels are untrusted text: shown plain in the
terminal, escaped in the SVG.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from html import escape
from itertools import pairwise
from typing import Any

from sim.safe.text import one_line

#: a tick label longer than this is cut short (the sweep's table shows it whole)
LABEL_CHARS = 24
#: the width of a character of a tick label in the SVG, and the least gap between labels
CHAR_PX = 7.0
GAP_PX = 6.0
#: characters XML 1.0 does not allow in a document even as a character reference
#: (besides the controls that :func:`one_line` shows as escapes already)
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _shown(text: str) -> str:
    """Untrusted text as the SVG shows it: plain (see :func:`one_line`), with every
    character that XML does not allow shown as a ``\\uXXXX`` escape."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", one_line(str(text)))


def _xml(text: str) -> str:
    """Untrusted text for the SVG: :func:`_shown`, escaped as XML."""
    return escape(_shown(text))


def _number(x: float) -> str:
    """A tick's number: short (``0.5``, ``1e-07``), exact where ``g`` would round it
    (``0.1234561``, not ``0.123456``)."""
    text = f"{x:g}"
    return text if float(text) == x else repr(x)


def _spaced(centres: list[float], widths: list[float], gap: float,
            keep_ends: bool = False) -> list[int]:
    """Which labels to draw, in order, so that none runs into another.

    Without ``keep_ends``: the first, then each that clears the one drawn before it.
    With ``keep_ends`` (numbers): the first, the last, and every k-th between them for
    the smallest k that fits (the one just before the last left out if it runs into
    it), so that evenly spaced values keep evenly spaced labels."""
    def clear(a: int, b: int) -> bool:
        return centres[b] - widths[b] / 2 >= centres[a] + widths[a] / 2 + gap

    last = len(centres) - 1
    if not keep_ends:
        chosen: list[int] = []
        for i in range(len(centres)):
            if not chosen or clear(chosen[-1], i):
                chosen.append(i)
        return chosen
    if last <= 0:
        return list(range(len(centres)))
    for step in range(1, last + 1):
        chosen = list(range(0, last, step))
        if len(chosen) > 1 and not clear(chosen[-1], last):
            chosen.pop()
        chosen.append(last)
        if all(clear(a, b) for a, b in pairwise(chosen)):
            return chosen
    return [0, last]  # pragma: no cover - the axis spans the picture: they always fit


class Axis(list[float]):
    """x positions, with the text to show at each in place of the number."""

    def __init__(self, xs: Iterable[float], labels: Iterable[str]) -> None:
        super().__init__(xs)
        self.labels = list(labels)
        if len(self.labels) != len(self):
            raise ValueError("one label for each x position")


def _labels(xs: list[float], labels: list[str] | None) -> list[str] | None:
    """The tick labels given, or those the x positions carry; as plain one-line text."""
    given = labels if labels is not None else getattr(xs, "labels", None)
    if given is None:
        return None
    if len(given) != len(xs):
        raise ValueError("one label for each x position")
    out = []
    for text in given:
        text = one_line(str(text))
        out.append(text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 3] + "...")
    return out


def _nice(lo: float, hi: float) -> tuple[float, float]:
    if math.isclose(lo, hi):
        return lo - 1, hi + 1
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def _in_order(xs: list[float], *columns: dict[str, list[Any]]
              ) -> tuple[list[float], list[dict[str, list[Any]]]]:
    """The points sorted by x (a sweep's values may be given in any order), each series
    and band reordered with them: lines then go from left to right."""
    order = sorted(range(len(xs)), key=xs.__getitem__)
    return [xs[i] for i in order], [
        {name: [ys[i] for i in order] for name, ys in column.items()} for column in columns]


def ascii_plot(xs: list[float], series: dict[str, list[float | None]], width: int = 60,
               height: int = 14, ylabel: str = "", labels: list[str] | None = None) -> str:
    """A character chart: one mark per series per x value; with ``labels``, the x axis
    shows each value's label (as many as fit, in order) instead of numbers."""
    ticks = _labels(xs, labels)
    xs, (series, named) = _in_order(xs, series, {"": ticks} if ticks is not None else {})
    ticks = named.get("")
    marks = "*o+x#@"
    values = [v for ys in series.values() for v in ys if v is not None]
    if not values or not xs:
        return "(nothing to plot)\n"
    y0, y1 = _nice(min(values), max(values))
    x0, x1 = _nice(min(xs), max(xs)) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)
    grid = [[" "] * width for _ in range(height)]
    for k, ys in enumerate(series.values()):
        for x, y in zip(xs, ys, strict=True):
            if y is None:
                continue
            col = round((x - x0) / (x1 - x0) * (width - 1))
            row = height - 1 - round((y - y0) / (y1 - y0) * (height - 1))
            grid[row][col] = marks[k % len(marks)]
    lines = []
    for i, row in enumerate(grid):
        y = y1 - (y1 - y0) * i / (height - 1)
        label = f"{y:9.2f}" if i in (0, height // 2, height - 1) else " " * 9
        lines.append(f"{label} |{''.join(row)}")
    lines.append(" " * 10 + "+" + "-" * width)
    if ticks is not None:
        # each label centred under its point, skipped where it would run into the last
        axis: list[str] = []
        for x, text in zip(xs, ticks, strict=True):
            col = round((x - x0) / (x1 - x0) * (width - 1)) + 1  # past the '+'
            start = col - len(text) // 2
            if axis and start <= len(axis):
                continue  # it would run into the label before it
            start = max(start, 0)
            axis += [" "] * (start - len(axis)) + list(text)
        lines.append(" " * 10 + "".join(axis))
    else:
        # the axis runs from the smallest value to the largest
        lo, hi = _number(min(xs)), _number(max(xs))
        lines.append(" " * 10 + f"{lo:<{width // 2}} {hi:>{width - width // 2 - 1}}")
    legend = "   ".join(f"{marks[k % len(marks)]} {name}" for k, name in enumerate(series))
    lines.append(" " * 10 + legend + (f"   ({ylabel})" if ylabel else ""))
    return "\n".join(lines) + "\n"


def svg_plot(xs: list[float], series: dict[str, list[float | None]],
             bands: dict[str, list[tuple[float, float] | None]] | None = None,
             title: str = "", xlabel: str = "", ylabel: str = "",
             labels: list[str] | None = None) -> str:
    """A line chart with optional confidence bands, as a standalone SVG document; with
    ``labels``, the x axis shows each value's label (escaped) instead of numbers."""
    w, h, left, right, top, bottom = 720, 420, 70, 20, 40, 60
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    ticks = _labels(xs, labels)
    xs, (series, bands, named) = _in_order(xs, series, bands or {},
                                           {"": ticks} if ticks is not None else {})
    ticks = named.get("")
    values = [v for ys in series.values() for v in ys if v is not None]
    values += [b for bs in bands.values() for band in bs if band for b in band]
    y0, y1 = _nice(min(values), max(values)) if values else (0.0, 1.0)
    x0, x1 = (min(xs), max(xs)) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (w - left - right)

    def py(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">{_xml(title)}</text>']
    for i in range(6):
        y = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    if ticks is not None:
        texts = [_shown(t) for t in ticks]
        keep_ends = False  # text labels: each after the last one drawn, as it fits
    else:
        # numbers: the smallest and the largest always, those between as they fit
        texts = [_number(x) for x in xs]
        keep_ends = True
    widths = [CHAR_PX * len(t) for t in texts]
    # each kept inside the picture
    centres = [min(max(px(x), wd / 2), w - wd / 2) for x, wd in zip(xs, widths, strict=True)]
    for i in _spaced(centres, widths, GAP_PX, keep_ends):
        out.append(f'<text x="{centres[i]:.1f}" y="{h - bottom + 18}" text-anchor="middle">'
                   f'{escape(texts[i])}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 18}" text-anchor="middle">'
               f'{_xml(xlabel)}</text>')
    out.append(f'<text transform="translate(16 {(top + h - bottom) / 2}) rotate(-90)" '
               f'text-anchor="middle">{_xml(ylabel)}</text>')
    for k, (name, ys) in enumerate(series.items()):
        colour = colours[k % len(colours)]
        band = bands.get(name)
        if band:
            pts = [(x, b) for x, b in zip(xs, band, strict=True) if b]
            if pts:
                upper = " ".join(f"{px(x):.1f},{py(b[1]):.1f}" for x, b in pts)
                lower = " ".join(f"{px(x):.1f},{py(b[0]):.1f}" for x, b in reversed(pts))
                out.append(f'<polygon points="{upper} {lower}" fill="{colour}" opacity="0.15"/>')
        pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{left + 10}" y="{top + 16 + 16 * k}" fill="{colour}">'
                   f'{_xml(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
