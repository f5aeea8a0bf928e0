"""Tables filled from the read model: plain-text cells, a kept cursor, fitted columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from ..plain import cells


def shorten(value: str, width: int) -> str:
    """``value`` cut to ``width`` terminal cells, ending in an ellipsis when cut."""
    if cell_len(value) <= width:
        return value
    out = ""
    for ch in value:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def scrollbar_room(table: DataTable) -> int:
    """The cells kept beside a table's columns for its vertical scrollbar: as wide as the
    table's style draws it (Textual draws two cells unless told otherwise; a fitted table
    draws one, see drill.tcss), none when the table never scrolls up and down. Kept
    whether or not the scrollbar shows now: a row more would show it."""
    if table.styles.overflow_y == "hidden":
        return 0
    return table.styles.scrollbar_size_vertical


def fit_rows(table: DataTable, rows: list[tuple[str, tuple[object, ...]]],
             column: int | Sequence[int], floor: int = 8,
             ) -> list[tuple[str, tuple[object, ...]]]:
    """Shorten one long column so that every column fits the table's width.

    The other columns keep their full text; the long one (a title, a description)
    ends in an ellipsis rather than pushing the columns after it off the screen.
    ``column`` may name several columns, shortened in that order: the first down to
    ``floor`` cells before the next is touched. The columns fit beside the vertical
    scrollbar (:func:`scrollbar_room`), so the table never scrolls sideways when it shows.
    """
    width = table.size.width
    if not width or not rows:
        return rows
    fitted = [column] if isinstance(column, int) else list(column)
    longest = [max([cell_len(str(col.label)), *(cell_len(str(r[1][i])) for r in rows)])
               for i, col in enumerate(table.ordered_columns)]
    others = sum(n + 2 * table.cell_padding
                 for i, n in enumerate(longest) if i not in fitted)
    room = width - others - 2 * table.cell_padding * len(fitted) - scrollbar_room(table)
    widths = {i: longest[i] for i in fitted}
    for i in fitted:
        excess = sum(widths.values()) - room
        if excess <= 0:
            break
        widths[i] = max(floor, widths[i] - excess)
    return [(key, tuple(_cut(v, widths[i]) if i in widths else v
                        for i, v in enumerate(vals)))
            for key, vals in rows]


def _cut(value: object, width: int) -> object:
    """A cell shortened to ``width`` cells; styled text (a marked row) keeps its style."""
    if isinstance(value, Text):
        if value.cell_len <= width:
            return value
        out = value.copy()
        out.truncate(width, overflow="ellipsis")
        return out
    return shorten(str(value), width)


def fill_table(table: DataTable, rows: Iterable[tuple[str, tuple[object, ...]]],
          fit: int | Sequence[int] | None = None) -> None:
    """Replace a table's rows, keeping the cursor on the same row key. A table without
    a cursor (``cursor_type="none"``: a panel to read, such as the Overview's latest
    events, newest first) has no row to keep: once its rows change it shows its top.

    Every cell is shown as plain text (see :mod:`tui.plain`). ``fit``: the index of a
    column shortened so that the whole row fits the table, or of several, shortened in
    that order (see :func:`fit_rows`).
    """
    rows = list(rows)
    if fit is not None:
        rows = fit_rows(table, rows, fit)
    rows = [(key, cells(values)) for key, values in rows]
    keys = [k for k, _ in rows]
    current = None
    if table.row_count and table.cursor_type != "none":
        current = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
    old_keys = [str(r.value) for r in table.rows]
    if old_keys == keys:
        changed = [(key, col, value) for key, row in rows
                   for col, value in zip(table.columns, row, strict=False)
                   if table.get_cell(key, col) != value]
        if fit is None or not changed:
            for key, col, value in changed:
                table.update_cell(key, col, value, update_width=True)
            return
        # a fitted column may have to shrink, which updating cells never does
    table.clear()
    for key, row in rows:
        table.add_row(*row, key=key)
    if fit is not None:
        # measured now, not when the table next idles: a screen drawn in between would
        # show every column at its label's width (the fitted one may have to shrink)
        for i, column in enumerate(table.ordered_columns):
            if column.auto_width:
                column.content_width = max([cell_len(str(column.label)),
                                            *(cell_len(str(row[i])) for _, row in rows)])
        table.refresh()
    if current in keys:
        table.move_cursor(row=keys.index(current), animate=False)


class FittedTable(DataTable):
    """A table of a live screen whose columns are fitted to its width: when layout
    changes its width (a pane shown or hidden, the terminal resized, a late layout
    pass), the screen fills it again, so a column is never fitted to a stale width."""

    def on_resize(self) -> None:
        screen = self.screen
        refresh = getattr(screen, "refresh_view", None)
        if getattr(screen, "ready", False) and refresh is not None:
            self.call_later(refresh)
