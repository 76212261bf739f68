"""Reading one printed cell: a number, a deliberate blank, or something that is not a value."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

NULL_TOKENS = frozenset({"", "/", "／", "—", "——", "-", "--", "－", "无", "空", "\\"})
_NUMBER = re.compile(r"^([+-]?)\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万元|元|件|项|条|个|次|人)?$")


class Value(NamedTuple):
    number: float | None  # None: printed blank / "/" / "—" / "无"
    raw: str
    unit: str | None = None


@lru_cache(maxsize=4096)  # cells repeat ("0", "", "/") across rows and reports
def parse_value(cell: str) -> Value | None:
    """The cell as a value, or None when the cell is a label rather than a value."""
    text = cell.strip()
    if text in NULL_TOKENS:
        return Value(None, text)
    m = _NUMBER.match(text)
    if not m:
        return None
    sign, digits, frac, unit = m.groups()
    number = float(digits.replace(",", "") + (frac or ""))
    return Value(-number if sign == "-" else number, text, unit)


def is_value_cell(cell: str) -> bool:
    return parse_value(cell) is not None
