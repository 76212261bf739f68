"""PDF reports (PDFium): ruled tables become row Lines, the text around them prose Lines.

Each page is turned into items on its own (`read_page`): its characters and ruling edges come
from PDFium (`pdf_layout.read_layer`), ruled grids and text lines are rebuilt from them. PDFium
runs with the bundled Noto Sans CJK as its font folder (`pdf_layout.start_pdfium`), so it places
the glyphs of CJK fonts a PDF does not embed. pdfplumber is opened only for a page whose glyphs
PDFium still cannot place, the one thing pdfminer does that PDFium does not: a font neither
embedded nor stood in for (a script the bundled font lacks, or PDFium left with the system's
folders because a pypdfium2 object was already open), whose glyphs pdfminer places from the
PDF's own widths without any font program.

A page with no text layer is reported where `read_pdf` meets it, the one place an OCR step would
take its place: recognised text boxes made into a `PageLayer` (characters or words as `Char`,
ruling lines as `Edge`) go through `read_page` like any other page. Wrapped lines are then joined
back into paragraphs across the whole document (a line that reaches the right margin continues on
the next unindented line), because the narrative states its numbers in sentences that often
wrap; `page_lines` does that and numbers the table rows, for OCR'd pages too with OCR's own rule.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from loaders.characters import normalise_cell, squeeze
from loaders.document import Document, Issue, Line, ReadError
from loaders.readers import join_breaks, prose_line, row_line
from loaders.readers.pdf_layout import PageLayer, grids, plumber_layer, read_layer, text_lines

# "- 3 -", "第 3 页", "3/12", "第3页 共12页", "Page 3 of 12": page furniture wherever it stands.
_PAGE_MARK = re.compile(
    r"^[-—–_~·•]+\s*\d{1,4}\s*[-—–_~·•]+$|^第\s*\d{1,4}\s*页(\s*[,/]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$|^page\s*\d{1,4}(\s*(of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")  # a page number only when it sits in the margin band
# Three numbers in a row with only spaces between: a row of an unruled table, not a sentence
# ("2024 年 12 月 31 日" has numbers too, but never side by side).
_NUMBER_RUN = re.compile(r"(?<!\S)\d[\d.,%]*(\s+\d[\d.,%]*){2,}(?!\S)")
_TERMINATORS = ("。", "!", "?", ".")  # after NFKC: ！？ are folded to ASCII
_CLOSERS = "”’」』)]】"
_MARGIN = 0.1  # top/bottom share of the page where running headers and footers live
Continues = Callable[[Any, Any, bool], bool]  # (last line, line, page_turn): one paragraph?


@dataclass
class _Text:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    raw: str  # as extracted: join_breaks must see the full-width punctuation before NFKC
    text: str
    in_margin: bool


@dataclass
class _Table:
    page: int
    top: float
    rows: list[tuple[str, ...]]


_Item = _Text | _Table


def _check_complete(data: bytes) -> None:
    # Every complete PDF ends with %%EOF; a download cut short does not.
    if b"%%EOF" not in data[-4096:]:
        raise ReadError(
            "corrupt_pdf",
            "the PDF is truncated (no %%EOF at its end): the download was cut short; fetch it again",
        )


def read_page(layer: PageLayer) -> list[_Item]:
    """One page's tables (two or more filled columns) and the text lines outside them, top to
    bottom."""
    items: list[_Item] = []
    boxes = []
    for grid in grids(layer):
        rows = [tuple(join_breaks(c) if c else "" for c in row) for row in grid.rows]
        filled = sum(1 for col in zip(*rows, strict=False) if any(col)) if rows else 0
        if filled < 2:
            continue  # a framed paragraph, not a grid: read it as prose with its neighbours
        boxes.append(grid.bbox)
        items.append(_Table(layer.number, grid.bbox[1], rows))

    chars = layer.chars
    if boxes:  # a character whose centre is on or in a table's box
        centres = [((c.x0 + c.x1) / 2, (c.top + c.bottom) / 2, c) for c in chars]
        for x0, top, x1, bottom in boxes:
            centres = [m for m in centres if not (x0 <= m[0] <= x1 and top <= m[1] <= bottom)]
        chars = [m[2] for m in centres]
    height = layer.height
    for line in text_lines(chars):
        text = normalise_cell(line.text)
        if not text:
            continue
        margin = line.top < height * _MARGIN or line.bottom > height * (1 - _MARGIN)
        items.append(
            _Text(layer.number, line.top, line.bottom, line.x0, line.x1, line.text, text, margin)
        )
    items.sort(key=lambda item: item.top)
    return items


def _furniture(pages: list[list[_Item]]) -> set[str]:
    """Margin lines repeated on at least half the pages (digits ignored): running heads."""
    seen: Counter[str] = Counter()
    for items in pages:
        keys = {_furniture_key(i.text) for i in items if isinstance(i, _Text) and i.in_margin}
        seen.update(keys)
    pages_with_text = sum(1 for items in pages if items)
    if pages_with_text < 2:
        return set()
    return {key for key, n in seen.items() if n >= 2 and n >= pages_with_text / 2}


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", squeeze(text))


def _is_furniture(item: _Text, repeated: set[str]) -> bool:
    text = item.text
    if _PAGE_MARK.match(text):
        return True
    running = _BARE_NUMBER.match(text) or _furniture_key(text) in repeated
    return bool(item.in_margin and running)


def _mode(values: list[float], fallback: float) -> float:
    if not values:
        return fallback
    return Counter(round(v / 2) * 2 for v in values).most_common(1)[0][0]


class _Paragraphs:
    """Joins wrapped text lines into paragraphs using the page's left and right margins."""

    def __init__(self, texts: list[_Text]) -> None:
        widest = max((t.x1 for t in texts), default=0.0)
        self.left = _mode([t.x0 for t in texts], 0.0)
        # the edge most full lines stop at; short lines (headings, list items) do not vote
        self.right = _mode([t.x1 for t in texts if t.x1 >= 0.75 * widest], widest)
        self.tolerance = 0.75 * (median([t.bottom - t.top for t in texts]) if texts else 10.0)

    def continues(self, prev: _Text, cur: _Text, page_turn: bool) -> bool:
        if _tabular(prev.text) or _tabular(cur.text):
            return False  # rows of an unruled table stay one per line
        if prev.text.rstrip(_CLOSERS).endswith(_TERMINATORS):
            return False  # a sentence ended with the line: splitting there loses nothing
        # prose that wraps starts at the margin (or a two-character indent); a right-aligned
        # sign-off or date also reaches the right margin but starts far from the left
        starts_left = prev.x0 <= self.left + 4 * (prev.bottom - prev.top)
        wrapped = starts_left and prev.x1 >= self.right - self.tolerance
        unindented = cur.x0 <= self.left + self.tolerance
        if cur.page == prev.page:
            close = cur.top - prev.bottom <= 1.5 * (prev.bottom - prev.top)
            return wrapped and unindented and close
        return page_turn and cur.page == prev.page + 1 and wrapped and unindented


def _tabular(text: str) -> bool:
    return _NUMBER_RUN.search(text) is not None


def _lines(pages: list[list[_Item]]) -> list[Line]:
    repeated = _furniture(pages)
    kept = [
        [i for i in items if not (isinstance(i, _Text) and _is_furniture(i, repeated))]
        for items in pages
    ]
    paragraphs = _Paragraphs([i for items in kept for i in items if isinstance(i, _Text)])
    return page_lines(kept, paragraphs.continues)


def page_lines(pages: Iterable[Sequence[Any]], continues: Continues) -> list[Line]:
    """Pages of items top to bottom as Lines: a table (an item with `rows`) gives a Line a row
    that has a cell, its source numbering the tables through the document; text lines (with
    `page` and `raw`) join into one paragraph while `continues(last line, line, page_turn)`,
    page_turn telling that the line is the first item of its page. The PDF reader's and OCR's
    own rules for wrapped prose plug in here."""
    lines: list[Line] = []
    para: list[Any] = []
    tables = 0

    def flush() -> None:
        if para:
            text = join_breaks("\n".join(t.raw for t in para))
            lines.append(prose_line(len(lines) + 1, text, f"page {para[0].page}"))
            para.clear()

    for items in pages:
        for index, item in enumerate(items):
            rows = getattr(item, "rows", None)
            if rows is not None:
                flush()
                tables += 1
                for number, cells in enumerate(rows, start=1):
                    if any(cells):
                        source = f"page {item.page} table {tables} row {number}"
                        lines.append(row_line(len(lines) + 1, cells, source))
                continue
            if para and continues(para[-1], item, index == 0):
                para.append(item)
            else:
                flush()
                para.append(item)
    flush()
    return lines


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReadError(
                "encrypted_pdf",
                "the PDF is encrypted with a password: get an unprotected copy or remove the password",
            ) from exc
        raise ReadError(
            "corrupt_pdf", f"the PDF is damaged and cannot be parsed ({exc!s:.200}); fetch it again"
        ) from exc


class _Plumber:
    """pdfplumber, opened on the first page that needs it (see `PageLayer.lost`): the one thing
    PDFium cannot do is place glyphs of a font that is neither embedded nor stood in for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pdf: Any = None

    def layer(self, index: int) -> PageLayer:
        import pdfplumber

        if self.pdf is None:
            self.pdf = pdfplumber.open(io.BytesIO(self.data))
        page = self.pdf.pages[index]
        try:
            return plumber_layer(page, index + 1)
        finally:
            page.close()

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


def read_pdf(data: bytes) -> Document:
    _check_complete(data)
    pages: list[list[_Item]] = []
    issues: list[Issue] = []
    good = unmapped = 0
    scanned: list[int] = []  # 1-based numbers of the pages without a text layer
    pdf = _open(data)
    plumber = _Plumber(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                layer = read_layer(page, index + 1)
            finally:
                page.close()  # drop this page's parsed objects before the next one
            if layer.lost:
                layer = plumber.layer(index)
            page_good = layer.good_chars
            good += page_good
            unmapped += layer.unmapped
            if page_good:
                pages.append(read_page(layer))
            else:
                # No text layer: a scanned page. OCR, where it is available, reads it here.
                pages.append([])
                scanned.append(layer.number)
                issues.append(
                    Issue(
                        "page_without_text",
                        "warning",
                        f"page {layer.number} has no text layer (a scanned image?)",
                        source=f"page {layer.number}",
                    )
                )
    except pdfium.PdfiumError as exc:
        raise ReadError(
            "corrupt_pdf", f"the PDF is damaged and cannot be parsed ({exc!s:.200}); fetch it again"
        ) from exc
    finally:
        pdf.close()
        plumber.close()
    ocr = _ocr_hook(data, good, unmapped, scanned, pages, issues)
    if isinstance(ocr, Document):
        return ocr
    if good == 0 or unmapped > good:
        raise ReadError(
            "needs_ocr",
            "the PDF has no usable text layer (scanned pages or fonts without Unicode): "
            "load it with --ocr force (or --ocr auto for scans) to read it by OCR",
        )
    lines = _lines(pages)
    if not lines:
        raise ReadError(
            "needs_ocr", "the PDF holds no text besides page furniture: it needs OCR first"
        )
    if ocr:
        issues.extend(ocr.finish(lines))
    return Document("pdf", lines, None, issues, ocr.records if ocr else [])


def _ocr_hook(data, good, cid, scanned, pages, issues):
    """OCR (loaders/readers/ocr.py) for the pages without a usable text layer: the whole file
    when no page has one, else each such page in place. None when OCR is off or not needed."""
    from loaders.settings import ocr_mode

    if ocr_mode() == "off" or (scanned == [] and good and cid <= good):
        return None
    from loaders.readers import ocr

    if not ocr.text_layer_usable(good, cid):
        return ocr.read_scanned_pdf(data)
    if not scanned or cid > good:  # a garbage text layer fails below unless `--ocr force`
        return None
    done = ocr.PdfPages(data, scanned)
    for number, items in done.items():
        pages[number - 1] = [
            _Table(i.page, i.top, i.rows) if isinstance(i, ocr.OcrTable) else _Text(**vars(i))
            for i in items
        ]
    if done.pages:  # the pages were read: their warnings give way to OCR's own issues
        issues[:] = [i for i in issues if i.code != "page_without_text"]
    issues.extend(done.issues)
    return done
