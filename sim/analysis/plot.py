"""Small plots for sweeps: a terminal chart and a standalone SVG file (no dependencies).

A sweep of values that are not numbers (``office-hours``, ``24/7``) is drawn at the
places 0, 1, ... and labelled with the values: pass ``labels``, or x positions as an
:class:`Axis`, which carries them. Labels are untrusted text: shown plain in the
terminal, escaped in the SVG.

A chart of what only some runs reach (a time to containment) is over those runs only:
pass ``reached``, how many runs of how many reached it at each value, and the chart
gets a panel of that share above it (0 % included), and a value that no run reached is
marked at its place. A value where it applied in no run (0 runs of 0: no affected CERT,
or no body for the step, in the drill) is not applicable, "n/a" as the sweep's table
says: it has no share and no mark, and the legend names it. No mark hides another: in
the terminal, marks of one place are drawn as one, which the legend names; in the SVG,
each series after the first is drawn as a ring around the points before it. The y axis
is padded above and below its values (and bands), but never below zero when none of
them is: a time or a count is never negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from html import escape
from itertools import pairwise
from typing import Any

from sim.analysis.stats import percent
from sim.safe.text import one_line, xml_safe

#: a tick label longer than this is cut short (the sweep's table shows it whole)
LABEL_CHARS = 24
#: the width of a character of a tick label in the SVG, and the least gap between labels
CHAR_PX = 7.0
GAP_PX = 6.0
#: the terminal chart's marks: one per series, one for a place where marks meet, one
#: for a value never reached, one for the share of runs that reached it
MARKS = "*o+=~%"
BOTH = "@"
NEVER = "x"
SHARE = "#"
#: rows of the terminal chart's panel of the share of runs (0, 25, 50, 75 and 100 %)
SHARE_ROWS = 5
#: the SVG's panel of the share of runs: its height, and how much it adds to the picture
SHARE_PX = 90
ABOVE_PX = 170
#: a y label longer than this is drawn on two lines in the SVG (split at its last comma)
YLABEL_CHARS = 44
#: the colour of the share of runs and of the mark of a value never reached
GREY = "#555"
#: what the chart says of a value where it applied in no run, as the sweep's table does
NOT_APPLICABLE = "n/a"
#: the values a legend names as not applicable, at most (then how many more)
NA_NAMED = 4


def _shown(text: str) -> str:
    """Untrusted text as the SVG shows it: plain (see :func:`one_line`), with every
    character that XML does not allow shown as a ``\\uXXXX`` escape."""
    return xml_safe(one_line(str(text)))


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


def _nice(lo: float, hi: float, floor: float | None = None) -> tuple[float, float]:
    """An axis from ``lo`` to ``hi``, padded on both sides, but never below ``floor``
    (0 for times and counts, which no value goes below)."""
    if math.isclose(lo, hi):
        low, high = lo - 1, hi + 1
    else:
        pad = (hi - lo) * 0.05
        low, high = lo - pad, hi + pad
    return (low if floor is None or lo < floor else max(low, floor)), high


def _y_axis(values: list[float]) -> tuple[float, float]:
    """The y axis of ``values`` (and bands): from 0 when none of them is below it."""
    if not values:
        return 0.0, 1.0
    lo = min(values)
    return _nice(lo, max(values), 0.0 if lo >= 0 else None)


def _in_order(xs: list[float], *columns: dict[str, list[Any]]
              ) -> tuple[list[float], list[dict[str, list[Any]]]]:
    """The points sorted by x (a sweep's values may be given in any order), each series
    and band reordered with them: lines then go from left to right."""
    order = sorted(range(len(xs)), key=xs.__getitem__)
    return [xs[i] for i in order], [
        {name: [ys[i] for i in order] for name, ys in column.items()} for column in columns]


Reached = list[tuple[int, int]]


def _share(hits: int, runs: int) -> float:
    return hits / runs if runs else 0.0


def _percent(hits: int, runs: int) -> str:
    """A share of runs as a whole percentage (:func:`~sim.analysis.stats.percent`)."""
    return percent(_share(hits, runs))


def _share_caption(reached: Reached) -> str:
    """What the share panel shows: of how many runs, when every value where it applied
    had as many."""
    runs = {n for _, n in reached if n}
    of = f"the {next(iter(runs)):,} runs" if len(runs) == 1 else "the runs"
    return f"share of {of} that reached it"


def _not_applicable(reached: Reached | None, count: int) -> list[bool]:
    """At each x, whether it applied in no run (0 runs of 0): not applicable."""
    if reached is None:
        return [False] * count
    return [runs == 0 for _, runs in reached]


def _na_legend(names: list[str], everywhere: bool) -> str:
    """The legend's words for the values where it applied in no run, named (a few of
    many)."""
    if everywhere:
        where = "every value"
    elif len(names) <= NA_NAMED:
        where = ", ".join(names)
    else:
        where = f"{', '.join(names[:NA_NAMED - 1])} and {len(names) - NA_NAMED + 1} more"
    return f"{NOT_APPLICABLE} at {where}: it applied in no run"


def _and(names: list[str]) -> str:
    """The marks of one place, as the legend names them."""
    return f"{names[0]} and {names[1]}" if len(names) == 2 else "two or more marks"


def _never(series: dict[str, list[float | None]], count: int) -> list[bool]:
    """At each x, whether no series has a value there (nothing reached it)."""
    return [all(ys[i] is None for ys in series.values()) for i in range(count)]


def ascii_plot(xs: list[float], series: dict[str, list[float | None]], width: int = 60,
               height: int = 14, ylabel: str = "", labels: list[str] | None = None,
               reached: Reached | None = None) -> str:
    """A character chart: one mark per series per x value; with ``labels``, the x axis
    shows each value's label (as many as fit, in order) instead of numbers. With
    ``reached``, a panel above shows the share of runs that reached it at each value,
    and a value with no mark is marked as never reached."""
    ticks = _labels(xs, labels)
    named: dict[str, list[Any]] = {"": ticks} if ticks is not None else {}
    if reached is not None:
        if len(reached) != len(xs):
            raise ValueError("one count of runs for each x position")
        named["reached"] = list(reached)
    xs, (series, named) = _in_order(xs, series, named)
    ticks, counts = named.get(""), named.get("reached")
    values = [v for ys in series.values() for v in ys if v is not None]
    if not xs or not (values or counts):
        return "(nothing to plot)\n"
    na = _not_applicable(counts, len(xs))
    if not values and all(na):
        return f"(nothing to plot: {NOT_APPLICABLE} at every value; it applied in no run)\n"
    y0, y1 = _y_axis(values)
    x0, x1 = _nice(min(xs), max(xs)) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)

    def column(x: float) -> int:
        return round((x - x0) / (x1 - x0) * (width - 1))

    grid = [[" "] * width for _ in range(height)]
    #: who drew in each place: where two meet, one mark says so
    drawn: dict[tuple[int, int], list[str]] = {}

    def put(row: int, col: int, mark: str, name: str) -> None:
        names = drawn.setdefault((row, col), [])
        if name not in names:
            names.append(name)
        grid[row][col] = mark if len(names) == 1 else BOTH

    for k, (name, ys) in enumerate(series.items()):
        for x, y in zip(xs, ys, strict=True):
            if y is not None:
                row = height - 1 - round((y - y0) / (y1 - y0) * (height - 1))
                put(row, column(x), MARKS[k % len(MARKS)], name)
    # never reached where it applied in some run; where it applied in none: n/a
    nothing = [none and not absent
               for none, absent in zip(_never(series, len(xs)), na, strict=True)]
    never = counts is not None and any(nothing)
    if never:
        for x, none in zip(xs, nothing, strict=True):
            if none:
                put(height - 1, column(x), NEVER, "never reached")
    lines = []
    if counts is not None:
        lines.append(" " * 10 + f"{SHARE} {_share_caption(counts)}")
        strip = [[" "] * width for _ in range(SHARE_ROWS)]
        top = SHARE_ROWS - 1
        points = []
        for x, (hits, runs) in zip(xs, counts, strict=True):
            if not runs:
                continue  # not applicable: no share
            level = round(_share(hits, runs) * top)
            # never drawn at 0 % or 100 % unless it is exactly that
            level = max(level, 1) if hits > 0 else level
            level = min(level, top - 1) if hits < runs else level
            strip[top - level][column(x)] = SHARE
            points.append((top - level, column(x), _percent(hits, runs)))
        # each share written beside its mark (after it, or before it at the right
        # edge), if every one fits without running into another
        written = [row[:] for row in strip]
        for row, col, text in points:
            for start in (col + 2, col - 1 - len(text)):
                cells = written[row][max(start - 1, 0):start + len(text) + 1]
                if (start >= 1 and len(cells) == len(text) + 2
                        and not "".join(cells).strip()):
                    written[row][start:start + len(text)] = text
                    break
            else:
                break
        else:
            strip = written
        for i, row in enumerate(strip):
            label = f"{100 - 100 * i // top}%" if i in (0, top // 2, top) else ""
            lines.append(f"{label:>9} |{''.join(row)}")
        lines.append(" " * 10 + "|")
    if ylabel:
        lines.append(" " * 10 + one_line(ylabel))
    for i, row in enumerate(grid):
        y = y1 - (y1 - y0) * i / (height - 1)
        label = f"{y:9.2f}" if i in (0, height // 2, height - 1) else " " * 9
        lines.append(f"{label} |{''.join(row)}")
    lines.append(" " * 10 + "+" + "-" * width)
    if ticks is not None:
        # each label centred under its point, skipped where it would run into the last
        axis: list[str] = []
        for x, text in zip(xs, ticks, strict=True):
            col = column(x) + 1  # past the '+'
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
    legend = [f"{MARKS[k % len(MARKS)]} {one_line(name)}" for k, name in enumerate(series)]
    met = {name for names in drawn.values() if len(names) > 1 for name in names}
    if met:
        order = [name for name in (*series, "never reached") if name in met]
        legend.append(f"{BOTH} {one_line(_and(order))} at one place")
    if never:
        legend.append(f"{NEVER} never reached")
    if any(na):
        names = [ticks[i] if ticks is not None else _number(x)
                 for i, (x, absent) in enumerate(zip(xs, na, strict=True)) if absent]
        legend.append(one_line(_na_legend(names, all(na))))
    lines.append(" " * 10 + "   ".join(legend))
    return "\n".join(lines) + "\n"


def _ylabel_lines(ylabel: str) -> list[str]:
    """A y label as the SVG draws it: on two lines when long, split at its last comma."""
    text = _shown(ylabel)
    head, comma, tail = text.rpartition(", ")
    return [head + ",", tail] if len(text) > YLABEL_CHARS and comma and head else [text]


def svg_plot(xs: list[float], series: dict[str, list[float | None]],
             bands: dict[str, list[tuple[float, float] | None]] | None = None,
             title: str = "", xlabel: str = "", ylabel: str = "",
             labels: list[str] | None = None, reached: Reached | None = None) -> str:
    """A line chart with optional confidence bands, as a standalone SVG document; with
    ``labels``, the x axis shows each value's label (escaped) instead of numbers. With
    ``reached``, a panel above the chart shows the share of runs that reached it at
    each value, and a value with no point is marked as never reached."""
    w, h, left, right, top, bottom = 720, 420, 70, 20, 40, 60
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    ylines = _ylabel_lines(ylabel)
    if len(ylines) > 1:
        left += 14  # room for the second line of the y label
    ticks = _labels(xs, labels)
    named: dict[str, list[Any]] = {"": ticks} if ticks is not None else {}
    if reached is not None:
        if len(reached) != len(xs):
            raise ValueError("one count of runs for each x position")
        named["reached"] = list(reached)
    xs, (series, bands, named) = _in_order(xs, series, bands or {}, named)
    ticks, counts = named.get(""), named.get("reached")
    # the share panel goes above the chart, at negative y: the chart keeps its place
    above = ABOVE_PX if counts is not None else 0
    values = [v for ys in series.values() for v in ys if v is not None]
    values += [b for bs in bands.values() for band in bs if band for b in band]
    y0, y1 = _y_axis(values)
    x0, x1 = (min(xs), max(xs)) if len(xs) > 1 else (xs[0] - 1, xs[0] + 1)

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (w - left - right)

    def py(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + above}" '
           f'viewBox="0 {-above} {w} {h + above}" font-family="sans-serif" font-size="12">',
           f'<rect y="{-above}" width="{w}" height="{h + above}" fill="white"/>',
           f'<text x="{w / 2}" y="{22 - above}" text-anchor="middle" font-size="15">'
           f'{_xml(title)}</text>']
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
    middle = (top + h - bottom) / 2
    for k, line in enumerate(ylines):
        out.append(f'<text transform="translate({16 + 14 * k} {middle}) rotate(-90)" '
                   f'text-anchor="middle">{escape(line)}</text>')
    if counts is not None:
        out += _share_panel(xs, counts, texts, px, left, w - right, top - 60)
    na = _not_applicable(counts, len(xs))
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
        # a series after the first: dashed, and its points rings around the others'
        dashed = ' stroke-dasharray="6 4"' if k else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"{dashed}/>')
        for x, y in pts:
            out.append(_marker(k, px(x), py(y), colour))
        out.append(_marker(k, left + 14, top + 12 + 16 * k, colour))
        out.append(f'<text x="{left + 24}" y="{top + 16 + 16 * k}" fill="{colour}">'
                   f'{_xml(name)}</text>')
    # never reached where it applied in some run; where it applied in none: n/a
    never = [none and not absent
             for none, absent in zip(_never(series, len(xs)), na, strict=True)]
    row = top + 16 + 16 * len(series)
    if counts is not None and any(never):
        base = h - bottom - 6
        for x, text, none in zip(xs, texts, never, strict=True):
            if none:
                out.append(_cross(px(x), base, f"{text}: never reached"))
        out.append(_cross(left + 14, row - 4, "never reached"))
        out.append(f'<text x="{left + 24}" y="{row}" fill="{GREY}">never reached</text>')
        row += 16
    if any(na):
        # the values' labels as shown already: escaped only
        names = [text for text, absent in zip(texts, na, strict=True) if absent]
        out.append(f'<text x="{left + 24}" y="{row}" fill="{GREY}">'
                   f'{escape(_na_legend(names, all(na)))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker(k: int, x: float, y: float, colour: str) -> str:
    """The point of the k-th series: a dot for the first, and for each one after it a
    ring wider than the last, so that points at one place all stay visible."""
    if not k:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 + 3 * k}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>')


def _cross(x: float, y: float, title: str) -> str:
    """The mark of a value never reached: a grey cross, named by its tooltip."""
    return (f'<path d="M{x - 4:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 4:.1f} M{x - 4:.1f},'
            f'{y + 4:.1f} L{x + 4:.1f},{y - 4:.1f}" stroke="{GREY}" stroke-width="2">'
            f'<title>{_xml(title)}</title></path>')


def _share_panel(xs: list[float], counts: Reached, texts: list[str],
                 px: Callable[[float], float], x_left: float, x_right: float,
                 bottom: float) -> list[str]:
    """The SVG panel of the share of runs that reached it, above the chart (ending at
    ``bottom``): a point at every value where it applied, 0 % included, each with its
    count as a tooltip, and as text where every count fits; a value where it applied
    in no run has no point, and "n/a" in place of its count."""
    top = bottom - SHARE_PX

    def py(share: float) -> float:
        return bottom - share * SHARE_PX

    out = [f'<text x="{x_left}" y="{top - 12}">{_xml(_share_caption(counts))} (%)</text>',
           f'<text transform="translate(16 {(top + bottom) / 2}) rotate(-90)" '
           'text-anchor="middle">reached</text>']
    for pct in (0, 50, 100):
        y = py(pct / 100)
        out.append(f'<line x1="{x_left}" x2="{x_right}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{x_left - 6}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>')
    # not applicable where it applied in no run: shown at the middle, never as 0 %
    shares = [_share(hits, runs) if runs else 0.5 for hits, runs in counts]
    # a line through the values where it applied, broken where it did not
    pieces: list[list[str]] = [[]]
    for x, share, (_, runs) in zip(xs, shares, counts, strict=True):
        if runs:
            pieces[-1].append(f"{px(x):.1f},{py(share):.1f}")
        elif pieces[-1]:
            pieces.append([])
    for piece in pieces:
        if piece:
            out.append(f'<polyline points="{" ".join(piece)}" fill="none" stroke="{GREY}" '
                       'stroke-width="1.5"/>')
    for x, share, (hits, runs), text in zip(xs, shares, counts, texts, strict=True):
        if runs:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(share):.1f}" r="3" fill="{GREY}">'
                       f'<title>{escape(text)}: {hits:,} of {runs:,} runs reached it</title>'
                       '</circle>')
    # each count as text too, where none runs into the next
    notes = [f"{hits:,}/{runs:,}" if runs else NOT_APPLICABLE for hits, runs in counts]
    widths = [CHAR_PX * len(t) for t in notes]
    # clear of the percentages on the left, and inside the picture on the right
    centres = [min(max(px(x), x_left + wd / 2), x_right + GAP_PX * 3 - wd / 2)
               for x, wd in zip(xs, widths, strict=True)]
    if len(_spaced(centres, widths, GAP_PX)) == len(notes):
        for x, share, note, (_, runs), text in zip(centres, shares, notes, counts, texts,
                                                   strict=True):
            # above its point, or below it near the top; n/a at the middle
            y = py(share) + (16 if share > 0.75 else -8 if runs else 4)
            why = "" if runs else (f"<title>{escape(text)}: it applied in no run "
                                   "(not applicable)</title>")
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{GREY}">'
                       f'{note}{why}</text>')
    return out
