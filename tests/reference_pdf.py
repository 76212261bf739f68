"""The PDF reader as it was on pdfplumber alone, kept as the reference the PDFium reader is
compared with (tests/test_reader_equivalence.py).

Ruled tables become row Lines, the text around them prose Lines.

Pages are read one at a time and their caches dropped, so memory stays bounded by one page
plus the extracted text. Wrapped lines are joined back into paragraphs (a line that reaches
the right margin continues on the next unindented line), because the narrative states its
numbers in sentences that often wrap.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from loaders.characters import normalise_cell, squeeze
from loaders.document import Document, Issue, Line, ReadError
from loaders.readers import join_breaks, prose_line, row_line

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
_BROKEN = (PSException, PDFSyntaxError, ValueError, KeyError, TypeError, struct.error, zlib.error)


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


def _good_chars(chars: list[dict[str, Any]]) -> int:
    """Characters that carry text: not spaces, not `(cid:N)` glyphs without a Unicode map."""
    return sum(1 for c in chars if c["text"].strip() and not c["text"].startswith("(cid:"))


def _read_page(page: Any) -> list[_Item]:
    """Tables (two or more filled columns) and the text lines outside them, top to bottom."""
    height = float(page.height)
    items: list[_Item] = []
    boxes = []
    for table in page.find_tables():
        rows = [tuple(join_breaks(c) if c else "" for c in row) for row in table.extract()]
        filled = sum(1 for col in zip(*rows, strict=False) if any(col)) if rows else 0
        if filled < 2:
            continue  # a framed paragraph, not a grid: read it as prose with its neighbours
        boxes.append(table.bbox)
        items.append(_Table(page.page_number, float(table.bbox[1]), rows))

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside) if boxes else page
    for line in text_page.extract_text_lines(strip=True, return_chars=False):
        raw = line["text"]
        text = normalise_cell(raw)
        if not text:
            continue
        top, bottom = float(line["top"]), float(line["bottom"])
        margin = top < height * _MARGIN or bottom > height * (1 - _MARGIN)
        items.append(
            _Text(
                page.page_number,
                top,
                bottom,
                float(line["x0"]),
                float(line["x1"]),
                raw,
                text,
                margin,
            )
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
    lines: list[Line] = []
    para: list[_Text] = []
    tables = 0

    def flush() -> None:
        if para:
            text = join_breaks("\n".join(t.raw for t in para))
            lines.append(prose_line(len(lines) + 1, text, f"page {para[0].page}"))
            para.clear()

    for items in kept:
        for index, item in enumerate(items):
            if isinstance(item, _Table):
                flush()
                tables += 1
                for number, cells in enumerate(item.rows, start=1):
                    if any(cells):
                        source = f"page {item.page} table {tables} row {number}"
                        lines.append(row_line(len(lines) + 1, cells, source))
                continue
            page_turn = index == 0  # the previous paragraph ended the previous page
            if para and paragraphs.continues(para[-1], item, page_turn):
                para.append(item)
            else:
                flush()
                para.append(item)
    flush()
    return lines


def _open_error(exc: BaseException) -> ReadError:
    chain: list[BaseException] = [exc, *exc.args] if isinstance(exc, PdfminerException) else [exc]
    if any(isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)) for e in chain):
        return ReadError(
            "encrypted_pdf",
            "the PDF is encrypted with a password: get an unprotected copy or remove the password",
        )
    return ReadError(
        "corrupt_pdf", f"the PDF is damaged and cannot be parsed ({exc!r:.200}); fetch it again"
    )


def read_pdf(data: bytes) -> Document:
    _check_complete(data)
    pages: list[list[_Item]] = []
    issues: list[Issue] = []
    good = cid = 0
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                chars = page.chars
                page_good = _good_chars(chars)
                good += page_good
                cid += sum(1 for c in chars if c["text"].startswith("(cid:"))
                if page_good:
                    pages.append(_read_page(page))
                else:
                    pages.append([])
                    issues.append(
                        Issue(
                            "page_without_text",
                            "warning",
                            f"page {page.page_number} has no text layer (a scanned image?)",
                            source=f"page {page.page_number}",
                        )
                    )
                page.close()  # drop this page's parsed objects before the next one
    except ReadError:
        raise
    except (PdfminerException, *_BROKEN) as exc:
        raise _open_error(exc) from exc
    if good == 0 or cid > good:
        raise ReadError(
            "needs_ocr",
            "the PDF has no usable text layer (scanned pages or fonts without Unicode): "
            "run OCR on it first",
        )
    lines = _lines(pages)
    if not lines:
        raise ReadError(
            "needs_ocr", "the PDF holds no text besides page furniture: it needs OCR first"
        )
    return Document(format="pdf", lines=lines, encoding=None, issues=issues)
