"""Legacy Word (.doc, .wps) through LibreOffice, and OFD (GB/T 33190), into Documents.

A .doc or .wps file is converted to .docx by LibreOffice (`soffice --headless --convert-to
docx`) in a temporary folder, bounded in time, then read by the DOCX reader. Where LibreOffice
is not installed the file fails with an issue naming the package to install.

OFD is a zip of XML whose pages list text objects with their positions. ofdkit reads them
(templates, transforms and glyph advances included) as placed text runs; the runs are laid out
by the same geometry as OCR'd boxes (lines in reading order, unruled tables from the columns
of the figures).
"""

from __future__ import annotations

import io
import re
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
    import ofdkit

    from loaders.readers.ocr import Box, layout_pages

    pages = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with ofdkit.open(data) as document:
            for page in document.pages:
                boxes = [
                    # a run's y is its baseline: the box reaches one type size above it
                    Box(
                        run.x * _MM,
                        (run.y - run.size) * _MM,
                        (run.x + run.width) * _MM,
                        run.y * _MM,
                        run.text.strip(),
                        1.0,
                    )
                    for run in page.runs
                    if run.text.strip()
                ]
                rules = _rules(archive, page.location) if page.location else []
                pages.append((boxes, rules, (page.width * _MM, page.height * _MM)))
    except ofdkit.OFDLimitError as exc:
        raise ReadError("ofd_too_large", f"the OFD file is beyond a safety limit ({exc})") from exc
    except (ofdkit.OFDError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError("corrupt_ofd", f"the OFD file is damaged ({exc}); fetch it again") from exc
    if not any(boxes for boxes, _rules, _size in pages):
        raise ReadError(
            "needs_ocr", "the OFD file holds no text objects (scanned pages?): it needs OCR"
        )
    return layout_pages(pages, "ofd")


_PATH_TOKEN = re.compile(r"[A-Za-z]|-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def _rules(archive: zipfile.ZipFile, location: str) -> list[tuple[float, float, float, float]]:
    """The straight segments the page's path objects draw (table rules), in page points.
    ofdkit reads text only; the paths are read from the page's XML here."""
    from lxml import etree

    name = location.lstrip("/")
    if name not in archive.namelist():
        return []
    root = etree.fromstring(archive.read(name))
    segments = []
    for path in root.iter("{*}PathObject"):
        data = next(path.iter("{*}AbbreviatedData"), None)
        if data is None or not data.text:
            continue
        bx, by, _w, _h = (float(v) for v in path.get("Boundary", "0 0 0 0").split()[:4])
        a, b, c, d, e, f = (float(v) for v in (path.get("CTM") or "1 0 0 1 0 0").split()[:6])
        # object space -> page millimetres: the CTM, then the boundary's origin
        matrix = (a, b, c, d, e + bx, f + by)
        segments.extend(_segments(_PATH_TOKEN.findall(data.text), matrix))
    return segments


def _segments(tokens: list[str], matrix: tuple[float, ...]) -> list[tuple[float, ...]]:
    a, b, c, d, e, f = matrix

    def place(x: str, y: str) -> tuple[float, float]:
        u, v = float(x), float(y)
        return (a * u + c * v + e) * _MM, (b * u + d * v + f) * _MM

    out = []
    start = here = None
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "S") and i + 2 < len(tokens):
            start = here = place(tokens[i + 1], tokens[i + 2])
            i += 3
        elif op == "L" and i + 2 < len(tokens) and here is not None:
            to = place(tokens[i + 1], tokens[i + 2])
            out.append((*here, *to))
            here = to
            i += 3
        elif op == "C" and here is not None and start is not None:
            out.append((*here, *start))
            here = start
            i += 1
        else:
            i += 1  # curves and arcs draw no table rule
    return out
