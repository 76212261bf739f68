"""Placing the values of one table row onto its columns, or refusing to when it is ambiguous."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from loaders.characters import squeeze
from loaders.document import Line
from loaders.parse import labels
from loaders.parse.values import Value, parse_value


class Row(NamedTuple):  # tuples: built for every table row, compared in C
    label: str  # squeezed label text of the row
    values: tuple[str, ...]  # raw cells after the last label cell


class Placement(NamedTuple):
    values: tuple[Value, ...] | None  # one per column; None when the row cannot be placed
    problem: str | None = None  # why it could not be placed, or what was assumed


@lru_cache(maxsize=8192)  # rows of zeros and template labels recur across reports
def split_row(cells: tuple[str, ...]) -> Row:
    """Label cells are the non-value cells; the values are the cells after the last label."""
    last_label = -1
    for i, cell in enumerate(cells):
        if cell and parse_value(cell) is None:
            last_label = i
    label = squeeze("".join(cells[: last_label + 1]))
    return Row(label, cells[last_label + 1 :])


@lru_cache(maxsize=8192)
def place(values: tuple[str, ...], ncols: int, loose_edges: bool) -> Placement:
    """Map the value cells of a row onto `ncols` columns.

    A row is placed only where every plausible alignment gives the same value per column:
    an exact count; surplus empty cells at the edges of tab-separated text (stray tabs);
    surplus values that are all equal; one value per column read past spanned empty cells;
    or an all-blank row. `loose_edges` says that empty cells at the edges of the row carry no
    meaning (plain text); in real grids every cell is a cell, so a surplus is ambiguous.
    """
    cells = list(values)
    stray_tail = 0
    if loose_edges:
        # Tab text: empty cells at the ends are stray tabs, unless the count says otherwise.
        while cells and not cells[-1].strip():
            cells.pop()
            stray_tail += 1
        while len(cells) > ncols and not cells[0].strip():
            cells.pop(0)
        if stray_tail and len(cells) == ncols and not cells[0].strip() and any(cells):
            # A leading blank plus dropped trailing tabs: the figures may sit one column to
            # either side (a padded label, or a blank last cell). Refuse rather than guess.
            return Placement(None, "a blank first cell and trailing tabs: alignment ambiguous")
    parsed = [parse_value(c) for c in cells]
    if None in parsed:
        return Placement(None, "a cell among the values is not a number")
    if not any(p.number is not None for p in parsed):
        return Placement((Value(None, ""),) * ncols)
    if len(cells) == ncols:
        return Placement(tuple(parsed))
    if len(cells) > ncols:
        numbers = {p.raw for p in parsed}
        if len(numbers) == 1:
            return Placement(
                (parsed[0],) * ncols,
                f"{len(cells)} equal values under {ncols} columns: every alignment agrees",
            )
        filled = tuple(p for p in parsed if p.raw)
        if len(filled) == ncols:
            # Spanned cells pad the row; one value per column, in order, is the only reading.
            return Placement(filled, f"{ncols} values read left to right past empty cells")
        return Placement(None, f"{len(cells)} values under {ncols} columns")
    return Placement(None, f"{len(cells)} values under {ncols} columns")


def _is_table_label(key: str) -> bool:
    return len(key) <= labels.LABEL_MAX_CHARS and bool(
        labels.item_key(key)
        or labels.match_outcome(key, None)
        or labels.match_outcome(key, "六")  # 3.其他 under （六）其他处理
        or key.endswith("总计")
    )


_BARE_ROW = 5  # values a line each with no label above them: table 四's row under its header


def stack_vertical_rows(lines: list[Line]) -> list[Line]:
    """A table copied from a web page one cell a line (规章 / 0 / 0 / 0): a line holding a table
    label, followed by lines that each hold one value, is read as one row of those cells. A
    blank cell leaves no line, so such a row comes out short and is refused where it is placed."""
    out: list[Line] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        j = i + 1
        if line.is_row:
            pass
        elif line.key == "信息内容":  # table 二's header, one column name a line
            while j < n and not lines[j].is_row and labels.measures_in(lines[j].key):
                j += 1
        elif parse_value(line.text) is None and _is_table_label(line.key):
            while j < n and not lines[j].is_row and parse_value(lines[j].text) is not None:
                j += 1
        elif parse_value(line.text) is not None:
            while j < n and not lines[j].is_row and parse_value(lines[j].text) is not None:
                j += 1
            if j - i < _BARE_ROW:
                j = i + 1
        if j - i >= 2:
            cells = tuple(v.text for v in lines[i:j])
            out.append(Line(line.number, " ".join(cells), cells, line.source))
        else:
            out.extend(lines[i:j])
        i = j
    return out
