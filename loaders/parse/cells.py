"""Placing the values of one table row onto its columns, or refusing to when it is ambiguous."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from loaders.normalise import squeeze
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
