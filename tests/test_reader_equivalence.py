"""The PDFium PDF reader reads every file as the pdfplumber reader did: same lines, grids, pages.

The reference (tests/reference_pdf.py) is the former reader, kept only for this comparison.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from loaders.document import Document
from loaders.generate import generate
from loaders.generate_render import pdf_available
from loaders.readers.pdf import read_pdf
from loaders.readers.pdf_layout import read_layer

from .reference_pdf import read_pdf as reference_read_pdf

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "reports"
HUAIAN = REPORTS / "huaian_2024.pdf"
needs_reports = pytest.mark.skipif(not HUAIAN.is_file(), reason="shared/reports not present")
needs_reportlab = pytest.mark.skipif(not pdf_available(), reason="pdf needs reportlab")


def signature(doc: Document) -> list[tuple]:
    lines = [(line.text, line.cells, line.source, line.padded) for line in doc.lines]
    return [*lines, *((i.code, i.severity, i.message, i.source) for i in doc.issues)]


def same_reading(data: bytes) -> None:
    assert signature(read_pdf(data)) == signature(reference_read_pdf(data))


@needs_reports
def test_shared_report_reads_the_same_from_pdfium_alone() -> None:
    data = HUAIAN.read_bytes()
    pdf = pdfium.PdfDocument(data)
    # embedded fonts: PDFium places every glyph, pdfplumber is never opened
    assert all(read_layer(pdf[i], i + 1).lost == 0 for i in range(len(pdf)))
    same_reading(data)


@needs_reportlab
def test_generated_pdfs_read_the_same(tmp_path: Path) -> None:
    # blank cells, spans and sign-offs in every report that can show them
    generate(6, tmp_path, seed=20, formats=("pdf",), rates={"blank_cells": 1.0})
    files = sorted(tmp_path.glob("*.pdf"))
    assert files
    for path in files:
        same_reading(path.read_bytes())


@needs_reportlab
def test_pages_whose_glyphs_pdfium_cannot_place_fall_back(tmp_path: Path) -> None:
    # The generator's CJK font is neither embedded nor installed: PDFium drops one-glyph text
    # objects (a wrapped cell's last character), and the page is read by pdfplumber instead.
    generate(1, tmp_path, seed=20, formats=("pdf",))
    data = next(tmp_path.glob("*.pdf")).read_bytes()
    pdf = pdfium.PdfDocument(data)
    assert any(read_layer(pdf[i], i + 1).lost for i in range(len(pdf)))
    same_reading(data)
