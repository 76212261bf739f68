"""The HTML reader as it was before its speed-up, kept as the reference the current reader is
compared with (tests/test_reader_equivalence.py).

HTML reports: decode the bytes, drop site chrome, find the report body, emit Lines.

Prose blocks become one-cell Lines; every `<tr>` of a data table becomes one row Line whose
cells form a true grid (rowspan copies the text down, colspan leaves "" after the first cell).
Metadata blocks outside the body (发布机构, 发布日期, 索引号 ...) are kept, because the parser
reads the agency and publication date from them.

Only the code that changed is kept here; what did not change is imported from the reader.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from loaders.document import Document, Issue, ReadError
from loaders.readers import join_breaks
from loaders.readers.html import (
    _BLOCKS,
    _CHROME_CLASS,
    _DROP_ALWAYS,
    _DROP_CHROME,
    _LONG_CELL,
    _METADATA,
    _SPACE,
    _TITLE,
    Emitter,
    _has_title,
    _inside,
    _own_text,
    _span,
    _strip_xml_declaration,
    charset_of,
    decode_as_declared,
    decode_by_bom,
    emit,
    end_row,
    inline_js_article,
    outermost,
    spread,
    squared,
    take_pending,
    text_with_breaks,
)

# ---------------------------------------------------------------- decoding


def _declared_charset(data: bytes) -> str | None:
    """The charset a `<meta>` near the top declares, read with the HTML parser itself."""
    head = data[:16384].decode("latin-1")
    if not head.strip():
        return None
    try:
        root = lxml.html.document_fromstring(_strip_xml_declaration(head))
    except (etree.ParserError, ValueError):
        return None
    return charset_of(root)


def decode_html(data: bytes) -> tuple[str, str, list[Issue]]:
    """Decode by BOM, then the declared charset, then UTF-8, then detection."""
    if not data.strip():
        raise ReadError(
            "empty_file", "the HTML file is empty: the page was not saved completely; save it again"
        )
    return decode_by_bom(data) or decode_as_declared(data, _declared_charset(data))


# ---------------------------------------------------------------- the article inside a JS string


def _inline_js_article(root: etree._Element) -> bool:
    return inline_js_article(root, lambda markup: lxml.html.fragment_fromstring(markup, "div"))


# ---------------------------------------------------------------- finding the body


def _count(text: str | None) -> int:
    return len(_SPACE.sub("", text)) if text else 0


def _weights(root: etree._Element) -> dict[etree._Element, int]:
    """Non-link, non-space characters under each element: link lists are chrome, not content."""
    weights: dict[etree._Element, int] = {}

    def visit(el: etree._Element, in_link: bool) -> int:
        in_link = in_link or el.tag == "a"
        total = 0 if in_link else _count(el.text)
        for child in el:
            if isinstance(child.tag, str):
                total += visit(child, in_link)
            if not in_link:
                total += _count(child.tail)
        weights[el] = total
        return total

    visit(root, False)
    return weights


def _is_data_table(table: etree._Element) -> bool:
    """A grid of values, not page layout: no nested table, no article-sized cell, some text
    outside links (a menu laid out as a table is chrome)."""
    if next(table.iterdescendants("table"), None) is not None:
        return False
    cells = table.xpath(".//td | .//th")
    if any(_count(cell.text_content()) > _LONG_CELL for cell in cells):
        return False
    return bool(cells) and _count(_own_text(table)) > 0


def _drop_chrome(root: etree._Element) -> None:
    weights = _weights(root)
    total = max(weights.get(root, 0), 1)
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            if isinstance(el, etree._Comment):
                doomed.append(el)
            continue
        tag = el.tag.lower()
        if tag in _DROP_ALWAYS:
            doomed.append(el)
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if tag not in _DROP_CHROME and not _CHROME_CLASS.search(marks):
            continue
        text = _own_text(el)
        keep = (
            _METADATA.search(text)
            or _TITLE.search(text)
            or weights.get(el, 0) > 0.4 * total
            or any(_is_data_table(t) for t in el.iter("table"))
        )
        if not keep:
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text, which belongs to the parent


def _find_body(root: etree._Element) -> etree._Element:
    """Walk down while one child holds most of the text and every data table."""
    weights = _weights(root)
    cur = root.find("body") if root.find("body") is not None else root
    while True:
        kids = [c for c in cur if isinstance(c.tag, str)]
        if not kids or weights.get(cur, 0) == 0:
            return cur
        best = max(kids, key=lambda k: weights.get(k, 0))
        if best.tag == "table" and _is_data_table(best):
            return cur  # a data table is part of the body, never the whole of it
        tables = [t for t in cur.iter("table") if _is_data_table(t)]
        if weights.get(best, 0) < 0.7 * weights[cur] or not all(_inside(t, best) for t in tables):
            return cur
        cur = best


def _anchors(root: etree._Element, body: etree._Element) -> list[etree._Element]:
    """Small metadata blocks outside the body (and the title, if the body lacks one)."""
    weights = _weights(root)
    want_title = not _has_title(body)
    found: list[etree._Element] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag not in _BLOCKS or _inside(el, body):
            continue
        if _inside(body, el):
            continue  # an ancestor of the body
        text = _own_text(el, into_blocks=False)
        metadata = _METADATA.search(text)
        title = want_title and _TITLE.search(text)
        if not (metadata or title):
            continue
        table = next((a for a in el.iterancestors("table")), None)
        if table is not None and _is_data_table(table):
            el = table  # a metadata table is kept whole, as rows
        weight = weights.get(el, 0)
        small_metadata = metadata and weight <= (1500 if el.tag == "table" else 300)
        small_title = title and weight <= 200 and el.tag != "table"
        if small_metadata or small_title:
            found.append(el)
    return outermost(found)


# ---------------------------------------------------------------- emitting lines


def _cell_text(cell: etree._Element) -> str:
    """A cell's text; paragraphs and <br> inside it are line breaks that join_breaks undoes."""
    return join_breaks(text_with_breaks(cell))


def padded_grid(table: etree._Element) -> list[tuple[tuple[str, ...], int]]:
    """The rectangular grid, each row with the number of empty cells added to square it
    (a row printed with too few cells: where its figures belong is not certain)."""
    trs = table.xpath(".//tr")
    grid: list[list[str]] = []
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)
    for index, tr in enumerate(trs):
        row: list[str] = []
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            take_pending(row, pending)
            text = _cell_text(cell)
            rowspan = _span(cell.get("rowspan"), len(trs) - index)
            colspan = min(_span(cell.get("colspan"), 100), 100)
            spread(row, pending, text, rowspan, colspan)
        end_row(row, pending)
        grid.append(row)
    return squared(grid)


class _Emitter(Emitter):
    """The former walk: each table judged where it stands, grids expanded the former way."""

    def __init__(self) -> None:
        super().__init__(set())

    def grid(self, table: etree._Element) -> list[tuple[tuple[str, ...], int]]:
        return padded_grid(table)

    def add(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)

    def walk(self, el: etree._Element) -> None:
        if not isinstance(el.tag, str):
            return
        tag = el.tag.lower()
        if tag == "table" and _is_data_table(el):
            self.table(el)
            return
        if tag == "br":
            self.flush()
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
        self.add(el.text)
        for child in el:
            self.walk(child)
            self.add(child.tail)
        if block:
            self.flush()


def read_html(data: bytes) -> Document:
    text, encoding, issues = decode_html(data)
    text = _strip_xml_declaration(text)
    if not text.strip():
        raise ReadError(
            "empty_file", "the HTML file holds no text: save the page again once it has loaded"
        )
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError("bad_html", f"the HTML could not be parsed: {exc}") from exc
    if _inline_js_article(root):
        issues.append(Issue("js_article", "info", "the article was read from a JavaScript string"))
    _drop_chrome(root)
    body = _find_body(root)
    order = {el: i for i, el in enumerate(root.iter())}
    blocks = sorted([body, *_anchors(root, body)], key=lambda el: order.get(el, 0))
    return emit(_Emitter(), blocks, encoding, issues)
