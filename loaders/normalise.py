"""Text normalisation shared by every reader: one place decides what a character means."""

from __future__ import annotations

import re
import unicodedata

# Characters NFKC leaves alone but that mean a plain space, dash or nothing in these reports.
_TRANSLATE = str.maketrans(
    {
        "\u00a0": " ",  # no-break space (&nbsp;)
        "\u3000": " ",  # ideographic space
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u200b": "",  # zero-width space
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",  # stray BOM inside text
        "\u2014": "—",
        "\u2015": "—",
        "\u2500": "—",
        "\u2212": "-",  # minus sign
        "\u2013": "-",
    }
)
_SPACES = re.compile(r"[ \f\v\r]+")
_LINE_EDGES = re.compile(r"^ | $", re.MULTILINE)


def normalise_text(text: str) -> str:
    """Fold full-width forms (NFKC), odd spaces and dashes; collapse runs of spaces.

    Tabs and newlines are kept: they carry the table layout of plain-text reports.
    """
    text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE))
    return _LINE_EDGES.sub("", _SPACES.sub(" ", text))


def normalise_cell(text: str) -> str:
    """Normalise one table cell: like `normalise_text`, but any whitespace becomes one space."""
    return collapse(normalise_text(text))


def collapse(text: str) -> str:
    """Any run of whitespace becomes one space, ends stripped (for already normalised text)."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Remove all whitespace: the form labels are matched on (`不 予 公 开` == `不予公开`)."""
    return "".join(text.split())
