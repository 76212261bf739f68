"""Markdown reports (often a PDF-to-markdown extraction): text lines plus pipe tables.

Markdown markup (`#` headings, `**`/`__` emphasis, `>` quotes, `\\|` escapes, `<br>` in cells)
is removed so lines read like the plain-text reader's. Some extractors write tables as HTML
inside the markdown; those blocks go through the HTML reader's grid expansion.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from loaders.characters import normalise_text
from loaders.document import Document, Line
from loaders.readers import CJK, prose_line, row_line
from loaders.readers.html import table_grid
from loaders.readers.text import decode, split_cells

_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_QUOTE = re.compile(r"^\s*(>\s?)+")
_HEADING = re.compile(r"^\s*#{1,6}(\s+|$)")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_EMPHASIS = re.compile(r"\*\*|__")
_CJK_BR = re.compile(rf"(?<=[{CJK}])<br\s*/?>(?=[{CJK}])", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~])")
_TABLE_START = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)
_BAR = "\ue000"  # an escaped `\|` is content, not a cell border: park it where NFKC won't look


def _clean(raw: str) -> str:
    # each pass only where its marker character is present: most lines carry no markup
    line = _QUOTE.sub("", raw) if ">" in raw else raw
    if "#" in line and _HEADING.match(line):
        line = _CLOSING_HASHES.sub("", _HEADING.sub("", line))
    if "*" in line or "__" in line:
        line = _EMPHASIS.sub("", line)
    if "<" in line:
        line = _BR.sub(" ", _CJK_BR.sub("", line))
    if "\\" in line:
        line = _ESCAPE.sub(r"\1", line.replace("\\|", _BAR))
    return line


def _html_table_lines(block: str, first_line: int, lines: list[Line]) -> None:
    try:
        fragment = lxml.html.fragment_fromstring(block, create_parent="div")
    except (etree.ParserError, ValueError):
        return
    for table in fragment.iter("table"):
        for number, cells in enumerate(table_grid(table), start=1):
            if any(cells):
                source = f"line {first_line} row {number}"
                lines.append(row_line(len(lines) + 1, cells, source))


def read_markdown(data: bytes) -> Document:
    text, encoding = decode(data)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[Line] = []
    index = 0
    while index < len(raw_lines):
        number, raw = index + 1, raw_lines[index]
        index += 1
        if _TABLE_START.search(raw):
            block = [raw]
            while not _TABLE_END.search(block[-1]) and index < len(raw_lines):
                block.append(raw_lines[index])
                index += 1
            _html_table_lines("\n".join(block), number, lines)
            continue
        line = normalise_text(_clean(raw))
        if not line.strip() or _RULE.match(line.strip()):
            continue
        cells = split_cells(line)
        if _BAR in line:
            cells = tuple(cell.replace(_BAR, "|") for cell in cells)
        source = f"line {number}"
        if len(cells) == 1:
            if cells[0]:
                lines.append(prose_line(len(lines) + 1, cells[0], source))
        elif any(cells):
            lines.append(row_line(len(lines) + 1, cells, source))
    return Document(format="md", lines=lines, encoding=encoding)
