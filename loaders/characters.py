"""Text normalisation shared by every reader: one place decides what a character means."""

from __future__ import annotations

import re
import unicodedata

# Characters NFKC leaves alone but that mean a plain space, dash or nothing in these reports.
_SPECIAL = {
    "\u00a0": " ",  # no-break space (&nbsp;)
    "\u3000": " ",  # ideographic space
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",  # stray BOM inside text
    "\u2015": "—",
    "\u2500": "—",
    "\u2212": "-",  # minus sign
    "\u2013": "-",
}
# Only these blocks hold characters that NFKC or _SPECIAL change (full-width forms, Kangxi
# radicals, compatibility ideographs, circled numbers, odd spaces); folding just the runs that
# fall in them costs far less than normalising whole documents.
_FOLDABLE = re.compile(
    "[\u00a0-\u00ff\u2000-\u200f\u2013\u2015\u2024-\u2026\u2028-\u202f\u205f-\u209f"
    "\u2100-\u218f\u2212\u2460-\u24ff\u2500\u2e80-\u2fdf\u3000\u3200-\u33ff\uf900-\ufaff"
    "\ufb00-\ufb4f\ufe10-\ufe6f\ufeff\uff00-\uffef\U0002f800-\U0002fa1f]+"
)
_HAS_SPECIAL = re.compile("[" + "".join(_SPECIAL) + "]")
_SPACES = re.compile(r"[ \f\v\r]+")
_LINE_EDGES = re.compile(r"^ | $", re.MULTILINE)


def _fold(match: re.Match[str]) -> str:
    run = "".join(_SPECIAL.get(c, c) for c in match.group())
    return unicodedata.normalize("NFKC", run)


# The full-width punctuation of ordinary Chinese prose: replaced up front (str.replace is far
# cheaper than a regex callback per comma); the regex then meets only the rare cases.
_COMMON = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：；（）！？％\u3000")


def normalise_text(text: str) -> str:
    """Fold full-width forms (NFKC), odd spaces and dashes; collapse runs of spaces.

    Tabs and newlines are kept: they carry the table layout of plain-text reports.
    """
    return _spaces(_folded(text))


def _folded(text: str) -> str:
    if text.isascii():  # nothing to fold: figures, dates, Latin words
        return text
    for wide, narrow in _COMMON:
        text = text.replace(wide, narrow)
    # Each pass only when it can change something: checks done in C, far cheaper than the scans.
    if not unicodedata.is_normalized("NFKC", text) or _HAS_SPECIAL.search(text):
        text = _FOLDABLE.sub(_fold, text)
    return text


def _spaces(text: str) -> str:
    if "  " in text or "\r" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    if text.startswith(" ") or text.endswith(" ") or " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("", text)
    return text


def normalise_cell(text: str) -> str:
    """Normalise one table cell: like `normalise_text`, but any whitespace becomes one space."""
    return collapse(_folded(text))  # collapsing covers what normalise_text does to spaces


def collapse(text: str) -> str:
    """Any run of whitespace becomes one space, ends stripped (for already normalised text)."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Remove all whitespace: the form labels are matched on (`不 予 公 开` == `不予公开`)."""
    return "".join(text.split())
