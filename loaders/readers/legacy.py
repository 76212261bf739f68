"""Legacy Word (.doc, .wps) through LibreOffice, and OFD (GB/T 33190), into Documents.

A .doc or .wps file is converted to .docx by LibreOffice (`soffice --headless --convert-to
docx`) in a temporary folder, bounded in time, then read by the DOCX reader. Where LibreOffice
is not installed the file fails with an issue naming the package to install.

OFD is a zip of XML: each page's content lists text objects with their positions. No reader on
PyPI is both maintained and dependency-light, so the text objects are read here with lxml and
laid out by the same geometry as OCR'd boxes (lines in reading order, unruled tables from the
columns of the figures).
"""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from loaders.document import Document, ReadError
from loaders.settings import SOFFICE_SECONDS

SOFFICE_HINT = (
    "install LibreOffice to read it (Debian/Ubuntu: apt-get install libreoffice-writer-nogui), "
    "or save it as .docx or PDF"
)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy_word(data: bytes) -> Document:
    exe = soffice()
    if exe is None:
        raise ReadError(
            "needs_libreoffice", f"the file is a legacy Word document (.doc/.wps): {SOFFICE_HINT}"
        )
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        # a profile of its own: a second LibreOffice (or a user's) holds a lock on the default
        profile = Path(tmp, "profile").as_uri()
        command = [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            tmp,
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=SOFFICE_SECONDS, check=False, text=True
            )
        except subprocess.TimeoutExpired as exc:
            raise ReadError(
                "conversion_timeout",
                f"LibreOffice did not convert the file within {SOFFICE_SECONDS:.0f} s; "
                "check it by hand",
            ) from exc
        converted = Path(tmp) / "report.docx"
        if done.returncode != 0 or not converted.exists():
            said = (done.stderr or done.stdout).strip().splitlines()
            raise ReadError(
                "conversion_failed",
                "LibreOffice could not convert the file to .docx "
                f"({said[-1] if said else f'exit {done.returncode}'}): it is damaged or not a "
                "Word document",
            )
        from loaders.readers.docx import read_docx

        doc = read_docx(converted.read_bytes())
    doc.format = "doc"
    return doc


# --- OFD -----------------------------------------------------------------------------------------

_MM = 72 / 25.4  # OFD positions are in millimetres


def read_ofd(data: bytes) -> Document:
    from lxml import etree

    from loaders.readers.ocr import Box, layout_pages

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        root = etree.fromstring(archive.read("OFD.xml"))
        doc_root = _text(root, "DocRoot")
        document = etree.fromstring(archive.read(doc_root))
        base = posixpath.dirname(doc_root)
        page_locs = [
            posixpath.join(base, el.get("BaseLoc"))
            for el in document.iter("{*}Page")
            if el.get("BaseLoc")
        ]
        pages: list[list[Box]] = []
        sizes: list[tuple[float, float]] = []
        default_box = _boundary(_text(document, "PhysicalBox") or "0 0 210 297")
        for loc in page_locs:
            page = etree.fromstring(archive.read(loc))
            physical = _text(page, "PhysicalBox")
            _x, _y, width, height = _boundary(physical) if physical else default_box
            sizes.append((width * _MM, height * _MM))
            pages.append(_ofd_boxes(page))
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as exc:
        raise ReadError(
            "corrupt_ofd", f"the OFD file is damaged ({exc!r:.200}); fetch it again"
        ) from exc
    if not any(pages):
        raise ReadError(
            "needs_ocr", "the OFD file holds no text objects (scanned pages?): it needs OCR"
        )
    return layout_pages(pages, sizes, "ofd")


def _text(root, tag: str) -> str | None:
    found = next(root.iter(f"{{*}}{tag}"), None)
    return found.text.strip() if found is not None and found.text else None


def _boundary(value: str) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in value.split()[:4])
    return x, y, w, h


def _ofd_boxes(page) -> list:
    """Each text object as a box in page points: its text codes joined."""
    from loaders.readers.ocr import Box

    boxes = []
    for obj in page.iter("{*}TextObject"):
        x, y, w, h = _boundary(obj.get("Boundary", "0 0 0 0"))
        text = "".join(code.text or "" for code in obj.iter("{*}TextCode")).strip()
        if text:
            boxes.append(Box(x * _MM, y * _MM, (x + w) * _MM, (y + h) * _MM, text, 1.0))
    return boxes
