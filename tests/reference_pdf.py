"""The PDF reader as it was on pdfplumber alone, kept as the reference the PDFium reader is
compared with (tests/test_reader_equivalence.py). Only the reading of pages is its own: the
furniture, paragraph and table assembly it shares with the live reader (loaders/readers/pdf.py).

Ruled tables become row Lines, the text around them prose Lines.

Pages are read one at a time and their caches dropped, so memory stays bounded by one page
plus the extracted text. Wrapped lines are joined back into paragraphs (a line that reaches
the right margin continues on the next unindented line), because the narrative states its
numbers in sentences that often wrap.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from loaders.characters import normalise_cell
from loaders.document import Document, Issue, ReadError
from loaders.readers import join_breaks
from loaders.readers.pdf import _MARGIN, _check_complete, _Item, _lines, _Table, _Text

_BROKEN = (PSException, PDFSyntaxError, ValueError, KeyError, TypeError, struct.error, zlib.error)


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
