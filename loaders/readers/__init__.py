"""Pick a reader for a report file: by its bytes first, by its extension second.

Reader modules are imported lazily, so reading a text file never loads PDFium or lxml.
This module also holds the few helpers every reader shares (wrapped-text joining, row Lines).
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from loaders.characters import normalise_cell
from loaders.document import Document, Issue, Line, ReadError

_SUFFIX_FORMAT = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    # scans by OCR, legacy Word through LibreOffice, OFD (loaders/readers/ocr.py, legacy.py)
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".doc": "doc",
    ".wps": "doc",
    ".ofd": "ofd",
}
# the files `nianbao load` picks up in a folder
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_SUFFIX_FORMAT)
# files of pages (layout, images, fonts), allowed MAX_PDF_BYTES rather than MAX_FILE_BYTES
PAGE_SUFFIXES: frozenset[str] = frozenset(
    suffix for suffix, fmt in _SUFFIX_FORMAT.items() if fmt in ("pdf", "image", "ofd")
)
# Signatures of the formats read by OCR or conversion: (magic, format).
_READ_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
)

# Signatures of files that are not reports in any readable form: (magic, what it is, advice).
_FOREIGN_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"GIF8", "a GIF image", "save it as PNG to read it by OCR"),
    (b"{\\rtf", "an RTF document", "save it as .docx or PDF"),
    (b"Rar!", "a RAR archive", "extract the report from it"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract the report from it"),
    (b"\x1f\x8b", "a gzip archive", "extract the report from it"),
)

# Tags only an HTML document starts with or holds near its top; a bare `<p>` fragment (which a
# markdown file may also hold) is recognised by its extension instead.
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ")
_HTML_NEAR_TOP = (b"<!doctype html", b"<html", b"<body")

# CJK ideographs and CJK/full-width punctuation, as a regex character-class body.
CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_BREAK = re.compile(rf"(?<=[{CJK}])[ \t\r\f\v\xa0\u3000]*\n\s*(?=[{CJK}])")


def join_breaks(text: str) -> str:
    """Undo line wrapping inside a paragraph or cell, then normalise it as one cell.

    A break between two CJK characters is a wrap inside a word (`商业\\n企业`), so it vanishes;
    any other break becomes a space so that numbers and Latin words stay apart.
    """
    if len(text) <= _SHORT:
        return _join_short(text)
    return _join(text)


def _join(text: str) -> str:
    return normalise_cell(_BREAK.sub("", text) if "\n" in text else text)


# Cells and labels recur from report to report (the same form, the same site template), so
# short texts are worth remembering; paragraphs are not.
_SHORT = 80
_join_short = functools.lru_cache(maxsize=16384)(_join)


def row_line(number: int, cells: tuple[str, ...], source: str, padded: int = 0) -> Line:
    """A table-row Line: `text` is the non-empty cells joined by a space."""
    text = " ".join(c for c in cells if c)
    return Line(number=number, text=text, cells=cells, source=source, padded=padded)


def prose_line(number: int, text: str, source: str) -> Line:
    return Line(number=number, text=text, cells=(text,), source=source)


def sniff(data: bytes) -> str | None:
    """The format the bytes themselves declare, or None when they declare nothing."""
    head = data[:1024]
    if b"%PDF-" in head:  # the spec allows junk before the header
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    for magic, fmt in _READ_MAGIC:
        if data.startswith(magic):
            return fmt
    for magic, _what, _advice in _FOREIGN_MAGIC:
        if data.startswith(magic):
            return "foreign"
    lowered = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(_HTML_STARTS) or any(m in lowered for m in _HTML_NEAR_TOP):
        return "html"
    return None


def _foreign(data: bytes, path: Path) -> ReadError:
    for magic, what, advice in _FOREIGN_MAGIC:
        if data.startswith(magic):
            return ReadError("unsupported_format", f"{path.name} is {what}, not a report: {advice}")
    return ReadError(
        "unsupported_format",
        f"{path.name} is not a supported report format: convert it to PDF, DOCX, HTML or text",
    )


def _zip_format(data: bytes, path: Path) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ReadError(
            "corrupt_docx", f"{path.name} looks like a zip/.docx but is damaged ({exc})"
        ) from exc
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names:
        return "ofd"
    if "xl/workbook.xml" in names:
        what = "an Excel workbook (.xlsx)"
    elif "content.xml" in names:
        what = "an OpenDocument file"
    else:
        what = "a zip archive"
    raise ReadError(
        "unsupported_format",
        f"{path.name} is {what}, not a Word document: export the report as .docx, PDF or HTML",
    )


def choose_format(path: Path, data: bytes) -> str:
    """txt | md | html | pdf | docx | image | doc | ofd for these bytes, or ReadError saying why none fits."""
    if not data.strip():
        raise ReadError(
            "empty_file",
            f"{path.name} is empty (0 bytes): the download or copy failed; fetch it again",
        )
    suffix = path.suffix.lower()
    declared = _SUFFIX_FORMAT.get(suffix)
    kind = sniff(data)
    if kind == "pdf":
        return "pdf"
    if kind == "zip":
        return _zip_format(data, path)
    if kind == "foreign":
        raise _foreign(data, path)
    if kind in ("image", "doc"):
        return kind
    if kind == "html":
        return "html"  # a saved page under any name; read_file notes the mismatch
    if declared == "pdf":
        raise ReadError(
            "corrupt_pdf",
            f"{path.name} is named .pdf but does not start with a PDF header: "
            "the download is probably an error page or a different file; fetch it again",
        )
    if declared == "docx":
        raise ReadError(
            "corrupt_docx",
            f"{path.name} is named .docx but is not a Word (zip) package: "
            "re-save it from Word/WPS as .docx",
        )
    if declared is None:
        raise ReadError(
            "unsupported_format",
            f"{path.name}: unsupported file type {suffix or '(no extension)'}; "
            f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
        )
    return declared


def read_file(path: Path, data: bytes) -> Document:
    """Read one report file into a Document, whatever its format."""
    path = Path(path)
    fmt = choose_format(path, data)
    if fmt in ("pdf", "image"):
        from loaders.readers import ocr

        ocr.progress_name = path.name
    doc = _READERS[fmt](data)
    declared = _SUFFIX_FORMAT.get(path.suffix.lower())
    if declared is not None and declared != fmt and {declared, fmt} not in _SAME_KIND:
        doc.issues.append(
            Issue(
                "format_mismatch",
                "warning",
                f"{path.name} is named {path.suffix} but holds {fmt}; read as {fmt}",
            )
        )
    return doc


_SAME_KIND = ({"txt", "md"},)


def _read_image(data: bytes) -> Document:
    from loaders.readers.ocr import read_image
    from loaders.settings import ocr_mode

    if ocr_mode() == "off":
        raise ReadError("needs_ocr", "the file is a page image: load it with --ocr auto to read it")
    return read_image(data)


def _read_legacy_word(data: bytes) -> Document:
    from loaders.readers.legacy import read_legacy_word

    return read_legacy_word(data)


def _read_ofd(data: bytes) -> Document:
    from loaders.readers.legacy import read_ofd

    return read_ofd(data)


def _read_pdf(data: bytes) -> Document:
    from loaders.readers.pdf import read_pdf

    return read_pdf(data)


def _read_docx(data: bytes) -> Document:
    from loaders.readers.docx import read_docx

    return read_docx(data)


def _read_html(data: bytes) -> Document:
    from loaders.readers.html import read_html

    return read_html(data)


def _read_markdown(data: bytes) -> Document:
    from loaders.readers.markdown import read_markdown

    return read_markdown(data)


def _read_text(data: bytes) -> Document:
    from loaders.readers.text import read_text

    return read_text(data)


# Imported lazily: reading a text file never loads PDFium, pdfplumber or lxml.
_READERS: dict[str, Callable[[bytes], Document]] = {
    "pdf": _read_pdf,
    "docx": _read_docx,
    "html": _read_html,
    "md": _read_markdown,
    "txt": _read_text,
    "image": _read_image,
    "doc": _read_legacy_word,
    "ofd": _read_ofd,
}
