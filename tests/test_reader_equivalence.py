"""The current PDF and HTML readers read every file as their former versions did: same lines,
grids, pages, encodings and issues.

The references (tests/reference_pdf.py on pdfplumber, tests/reference_html.py on lxml.html) are
the former readers, kept only for this comparison.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from multiprocessing import get_context
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from loaders.document import Document
from loaders.readers.html import read_html
from loaders.readers.pdf import read_pdf
from loaders.readers.pdf_layout import bundled_font_folders, font_folders, read_layer
from loaders.synthetic.corpus import generate
from loaders.synthetic.render import pdf_available

from .reference_html import read_html as reference_read_html
from .reference_pdf import read_pdf as reference_read_pdf

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "reports"
HUAIAN = REPORTS / "huaian_2024.pdf"
needs_reports = pytest.mark.skipif(not HUAIAN.is_file(), reason="shared/reports not present")
needs_reportlab = pytest.mark.skipif(not pdf_available(), reason="pdf needs reportlab")


def signature(doc: Document) -> list[tuple]:
    lines = [(line.text, line.cells, line.source, line.padded) for line in doc.lines]
    issues = [(i.code, i.severity, i.message, i.source) for i in doc.issues]
    return [*lines, *issues, (doc.format, doc.encoding)]


def same_reading(data: bytes) -> None:
    assert signature(read_pdf(data)) == signature(reference_read_pdf(data))


@needs_reports
def test_shared_report_reads_the_same_from_pdfium_alone() -> None:
    data = HUAIAN.read_bytes()
    pdf = pdfium.PdfDocument(data)
    # embedded fonts: PDFium places every glyph, pdfplumber is never opened
    assert all(read_layer(pdf[i], i + 1).lost == 0 for i in range(len(pdf)))
    same_reading(data)


def landscape_pdf(rotation: int) -> bytes:
    """Two landscape pages (prose, a ruled table with a blank cell, a right-aligned sign-off, page
    numbers) stored turned by `rotation` and shown upright by /Rotate, as scanners and some
    office suites save them."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    width, height = 842, 595  # as displayed
    turned = rotation in (90, 270)
    pdf = canvas.Canvas(out, pagesize=(height, width) if turned else (width, height), invariant=1)
    rows = [
        ("Item", "Received", "Answered", "Carried"),
        ("Applications", "3119", "3050", "103"),
        ("Reviews", "351", "", "13"),
    ]
    for page in (1, 2):
        pdf.saveState()
        if rotation == 90:
            pdf.translate(height, 0)
        elif rotation == 180:
            pdf.translate(width, height)
        elif rotation == 270:
            pdf.translate(0, width)
        pdf.rotate({90: 90, 180: 180, 270: -90}.get(rotation, 0))
        pdf.setFont("Helvetica", 11)
        pdf.drawString(72, 520, f"Annual report on open government information, part {page}")
        pdf.drawString(72, 500, "The office received 3119 applications and answered 3050 of them")
        pdf.drawString(72, 486, "within the time allowed by law.")
        for r, row in enumerate(rows):
            for k, cell in enumerate(row):
                pdf.drawString(76 + k * 150, 426 - r * 20, cell)
        for r in range(len(rows) + 1):
            pdf.line(72, 440 - r * 20, 672, 440 - r * 20)
        for k in range(5):
            pdf.line(72 + k * 150, 440, 72 + k * 150, 380)
        pdf.drawRightString(770, 300, "Office of the People's Government, 31 March 2025")
        pdf.drawString(410, 40, f"- {page} -")
        pdf.restoreState()
        if rotation:
            pdf.setPageRotation(rotation)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@needs_reportlab
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotated_pages_read_the_same(rotation: int) -> None:
    data = landscape_pdf(rotation)
    same_reading(data)
    rows = [line.cells for line in read_pdf(data).lines if line.is_row]
    assert ("Reviews", "351", "", "13") in rows  # the blank cell keeps its column


def lost_glyphs(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return sum(read_layer(pdf[i], i + 1).lost for i in range(len(pdf)))
    finally:
        pdf.close()


@needs_reportlab
def test_generated_pdfs_read_the_same(tmp_path: Path) -> None:
    # blank cells, spans and sign-offs in every report that can show them
    generate(6, tmp_path, seed=20, formats=("pdf",), rates={"blank_cells": 1.0})
    files = sorted(tmp_path.glob("*.pdf"))
    assert files
    for path in files:
        data = path.read_bytes()
        # the generator's CJK font is not embedded: PDFium places its glyphs with the bundled
        # Noto CJK standing in, and pdfplumber is never opened
        assert lost_glyphs(data) == 0, path.name
        same_reading(data)


@needs_reportlab
def test_parse_processes_start_pdfium_with_the_bundled_fonts(tmp_path: Path) -> None:
    # the load's pool: processes forked from a server that preloaded the workers module, each
    # importing the PDF reader (and so starting PDFium) when it meets its first PDF
    generate(4, tmp_path, seed=20, formats=("pdf",))
    files = [path.read_bytes() for path in sorted(tmp_path.glob("*.pdf"))]
    context = get_context("forkserver")
    context.set_forkserver_preload(["loaders.store.worker"])
    with context.Pool(2) as pool:
        documents = pool.map(read_pdf, files, chunksize=1)
        folders = pool.starmap(font_folders, [()] * 4, chunksize=1)
    assert folders == [bundled_font_folders()] * 4 and folders[0]
    for data, document in zip(files, documents, strict=True):
        assert signature(document) == signature(reference_read_pdf(data))


@needs_reportlab
def test_pages_whose_glyphs_pdfium_cannot_place_fall_back(tmp_path: Path) -> None:
    # PDFium with no font folder has nothing to stand in for the generator's CJK font: it drops
    # one-glyph text objects (a wrapped cell's last character), and the page is read by
    # pdfplumber instead. In a process of its own, as PDFium restarts for the whole process.
    generate(1, tmp_path, seed=20, formats=("pdf",))
    path = next(tmp_path.glob("*.pdf"))
    read = tmp_path / "read.pickle"
    code = (
        "import pickle, sys; from loaders.readers import pdf_layout;"
        "assert pdf_layout.start_pdfium([]);"
        "from loaders.readers.pdf import read_pdf; import pypdfium2 as pdfium;"
        "data = open(sys.argv[1], 'rb').read(); pdf = pdfium.PdfDocument(data);"
        "lost = sum(pdf_layout.read_layer(pdf[i], i + 1).lost for i in range(len(pdf)));"
        "pdf.close(); pickle.dump((lost, read_pdf(data)), open(sys.argv[2], 'wb'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(read)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lost, document = pickle.loads(read.read_bytes())
    assert lost > 0
    assert signature(document) == signature(reference_read_pdf(path.read_bytes()))


# ---------------------------------------------------------------- HTML


@needs_reports
@pytest.mark.parametrize("name", ["shuyang_fgj_2023.html", "shanghai_gov_office_2019.html"])
def test_shared_html_reads_the_same(name: str) -> None:
    data = (REPORTS / name).read_bytes()
    assert signature(read_html(data)) == signature(reference_read_html(data))


@pytest.mark.parametrize(
    "rates",
    [{}, {"html_misaligned_spans": 1.0, "blank_cells": 1.0}, {"missing_value": 1.0}],
    ids=["plain", "misaligned-spans", "missing-value"],
)
def test_generated_html_reads_the_same(tmp_path: Path, rates: dict[str, float]) -> None:
    generate(12, tmp_path, seed=20, formats=("html",), rates=rates)
    files = sorted(tmp_path.glob("*.html"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert signature(read_html(data)) == signature(reference_read_html(data)), path.name


def test_html_markup_cases_read_the_same() -> None:
    pages = [
        (
            "<html><body><nav><a href='/'>首页</a></nav><div class='content'><p>正文 一</p>"
            "<table><tr><td rowspan='2'>甲</td><td colspan='2'>1</td></tr><tr><td>2</td>"
            "<td>&nbsp;</td></tr></table></div><div class='footer'>版权所有</div></body></html>"
        ),
        (
            "<html><head><meta charset='gbk'></head><body><p>发布机构:某局</p>"
            "<div><p>2024年度报告</p><p>第二段<br>续行</p></div></body></html>"
        ),
        (
            '<html><body><script>var content = "<p>政府信息公开工作年度报告</p><table><tr><td>'
            '申请</td><td>3</td></tr></table>";</script><div>短</div></body></html>'
        ),
        (
            "<html><body><table><tr><td><table><tr><td>内</td><td>1</td></tr></table></td>"
            "</tr></table><!-- note --><p>尾<a href='#'>链接</a>文字</p></body></html>"
        ),
    ]
    for page in pages:
        for data in (page.encode("utf-8"), page.encode("gb18030")):
            assert signature(read_html(data)) == signature(reference_read_html(data))


# ---------------------------------------------------------------- DOCX


def test_docx_main_part_reads_as_python_docx_opens_it(tmp_path: Path) -> None:
    # read_docx parses only the main part, with python-docx's parser settings: the same body
    import docx

    from loaders.readers.docx import read_body, read_docx

    generate(8, tmp_path, seed=20, formats=("docx",), rates={"blank_cells": 1.0})
    files = sorted(tmp_path.glob("*.docx"))
    if HUAIAN.is_file():
        files.append(REPORTS / "template_2021_blank.docx")
    assert files
    for path in files:
        data = path.read_bytes()
        expected = read_body(docx.Document(io.BytesIO(data)).element.body)
        assert signature(read_docx(data)) == signature(expected), path.name
