"""Scans read by OCR: image files and image-only pages become the same Documents and cells as
text, uncertain figures are left empty with an issue, and text PDFs never start the recogniser.

OCR costs seconds a page, so the tests that run it read one or two pages each (marked `ocr`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loaders.document import ReadError
from loaders.readers import ocr, read_file
from loaders.readers.ocr import Box, layout_pages
from loaders.readers.pdf import read_pdf
from loaders.store.load import load_paths
from loaders.synthetic.corpus import generate

from .builders import unmapped_font_pdf
from .scans import image_pdf, jpeg, mixed_pdf, page_images

pytestmark = pytest.mark.slow

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "reports"
HUAIAN = REPORTS / "huaian_2024.pdf"
needs_reports = pytest.mark.skipif(not HUAIAN.is_file(), reason="shared/reports not present")
needs_ocr = pytest.mark.skipif(not ocr.available(), reason="the ocr extra is not installed")
FACT_TABLES = ("disclosures", "applications", "reviews")


@pytest.fixture(autouse=True)
def _auto_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_OCR", "auto")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A generated 2019-template report as a text PDF, with its gold labels."""
    folder = tmp_path_factory.mktemp("generated")
    gold = json.loads(generate(2, folder, seed=7, formats=("pdf",)).read_text(encoding="utf-8"))
    report = gold[1]
    assert report["template_version"] == "v2019" and len(report["applications"]) > 100
    return folder / report["source_file"], report


def rows_of(doc) -> list[tuple[str, ...]]:
    return [line.cells for line in doc.lines if line.is_row]


# ------------------------------------------------------------------ never a guessed figure


def test_a_figure_read_uncertainly_is_left_empty_with_what_was_read() -> None:
    def box(x: float, text: str, score: float = 0.99) -> Box:
        return Box(x, 100, x + 30, 112, text, score)

    cells = [
        [box(10, "行政许可")],
        [box(60, "1O")],  # a letter O where a digit belongs
        [box(110, "8", 0.5)],  # a digit read with low confidence
        [box(160, "26")],
        [box(210, "l2")],
        [box(260, "5件")],  # a figure with its unit: the parser reads it
    ]
    texts, why = ocr._checked(1, cells)
    assert texts == ("行政许可", "", "", "26", "", "5件")
    assert len(why) == 3
    assert "'1O'" in why[0] and "not a figure" in why[0]
    assert "'8'" in why[1] and "0.500" in why[1]
    assert "'l2'" in why[2]


def test_uncertain_cells_of_a_ruled_grid_become_issues_on_their_line() -> None:
    """Positioned text in a drawn grid (the path OFD files take, with no recogniser)."""
    rules = [(50, y, 350, y) for y in (100, 120, 140, 160)]
    rules += [(x, 100, x, 160) for x in (50, 150, 250, 350)]
    texts = [
        ("信息内容", 60, 104, 1.0),
        ("本年制发件数", 160, 104, 1.0),
        ("现行有效件数", 260, 104, 1.0),
        ("规章", 60, 124, 1.0),
        ("3", 160, 124, 1.0),
        ("1O", 260, 124, 1.0),
        ("行政规范性文件", 60, 144, 1.0),
        ("7", 160, 144, 0.42),
        ("12", 260, 144, 1.0),
    ]
    boxes = [Box(x, y, x + 10 * len(t), y + 12, t, s) for t, x, y, s in texts]
    doc = layout_pages([(boxes, rules, (400.0, 600.0))], "ofd")
    assert rows_of(doc) == [
        ("信息内容", "本年制发件数", "现行有效件数"),
        ("规章", "3", ""),
        ("行政规范性文件", "", "12"),
    ]
    issues = [i for i in doc.issues if i.code == "ocr_uncertain_figure"]
    by_line = {line.number: line.cells[0] for line in doc.lines}
    assert sorted((by_line[i.line], i.message.split(": ", 1)[1][:18]) for i in issues) == [
        ("行政规范性文件", "column 2: OCR read"),
        ("规章", "column 3: OCR read"),
    ]


# ------------------------------------------------------------------ reading scans


@needs_ocr
@needs_reports
@pytest.mark.ocr
def test_a_png_page_reads_into_the_table_rows_and_keeps_its_boxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(ocr, "OCR_PROGRESS_PAGES", 1)
    image = page_images(HUAIAN, dpi=150, grey=False, pages=[2])[0]
    path = tmp_path / "page3.png"
    image.save(path, dpi=(150, 150))
    doc = read_file(path, path.read_bytes())
    assert doc.format == "image"
    rows = rows_of(doc)
    assert ("规章", "1", "0", "11") in rows
    assert ("行政规范性文件", "8", "26", "66") in rows
    assert ("行政许可", "447228", "", "") in rows
    (page,) = doc.ocr_pages
    assert page["page_number"] == 1 and page["box_count"] == len(page["boxes"]) > 20
    assert "447228" in page["text"]
    assert all(0 < b["score"] <= 1 for b in page["boxes"])
    assert "ocr page3.png: page 1/1" in capsys.readouterr().err


@needs_ocr
@needs_reports
@pytest.mark.ocr
def test_a_tilted_300_dpi_scan_reads_the_reviews_table() -> None:
    images = [jpeg(page_images(HUAIAN, dpi=300, grey=True, tilt=-1.0, pages=[4])[0], 70)]
    doc = read_file(Path("scan.pdf"), image_pdf(images, 300))
    # turned 1° clockwise (PIL's angles run anticlockwise): measured and turned back
    assert abs(doc.ocr_pages[0]["skew_degrees"] - 1.0) < 0.3
    reviews = [r for r in rows_of(doc) if r[:3] == ("72", "64", "178")]
    assert reviews == [
        ("72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20")
    ]


@needs_ocr
@pytest.mark.ocr
def test_a_pdf_with_one_scanned_page_loads_every_cell_and_ocrs_that_page_only(
    tmp_path: Path, generated: tuple[Path, dict]
) -> None:
    source, gold = generated
    folder = tmp_path / "in"
    folder.mkdir()
    # the applications table, scanned in colour at 300 dpi, tilted and JPEG-compressed
    scan = mixed_pdf(source.read_bytes(), [1], dpi=300, grey=False, tilt=0.8, quality=60)
    (folder / source.name).write_bytes(scan)
    db = tmp_path / "w.duckdb"
    summary = load_paths([folder], db, workers=1)
    assert summary.loaded == 1, summary.failures
    with duckdb.connect(str(db), read_only=True) as con:
        pages = con.execute("select page_number, box_count from raw.ocr_pages").fetchall()
        cells = {
            (t, r, c): v
            for t, r, c, v in con.execute(
                "select table_key, row_key, column_key, value from raw.cells"
            ).fetchall()
        }
        report = con.execute("select agency_name, report_year from raw.reports").fetchone()
    assert [p for p, _ in pages] == [2] and pages[0][1] > 20
    assert report == (gold["agency_name"], gold["report_year"])
    labelled = [((t, *fact[:2]), fact[2]) for t in FACT_TABLES for fact in gold[t]]
    wrong = [
        (key, value, cells.get(key))
        for key, value in labelled
        if cells.get(key) not in (None, value)
    ]
    right = sum(1 for key, value in labelled if cells.get(key) == value)
    assert wrong == []
    assert right >= 0.99 * len(labelled)


# ------------------------------------------------------------------ bounded and visible


_PAGE_BOUND = """
import signal
import time
from PIL import Image, ImageDraw
from loaders.readers import ocr

image = Image.new("L", (800, 300), 255)
ImageDraw.Draw(image).text((40, 120), "2024 report", fill=0)
ocr._engine()  # the models loaded: the bound falls inside the recognition itself
ocr.OCR_PAGE_SECONDS = 0.001
signal.signal(signal.SIGALRM, lambda *_: None)
started = time.monotonic()
signal.setitimer(signal.ITIMER_REAL, 100)  # the file's own bound, as parse_file arms it
page = ocr.ocr_image(image, 1, 150)
left, _ = signal.getitimer(signal.ITIMER_REAL)
# the file's timer runs on where it was, however long a busy machine took over the page
print([i.code for i in page.issues], len(page.boxes), abs(100 - left - (time.monotonic() - started)) < 1)
"""


@needs_ocr
def test_a_page_past_its_time_bound_is_left_out_and_the_file_timer_resumes() -> None:
    # in a process of its own: the bound is a timer signal, which only a main thread takes
    done = subprocess.run(
        [sys.executable, "-c", _PAGE_BOUND],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['ocr_page_timeout'] 0 True"


@needs_ocr
@needs_reports
@pytest.mark.ocr
def test_a_scan_loads_in_a_capped_parse_process_of_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loaders.store.load

    folder = tmp_path / "scans"
    folder.mkdir()
    scan = image_pdf(page_images(HUAIAN, dpi=150, grey=True, pages=[1, 2]), dpi=150)
    (folder / "scan.pdf").write_bytes(scan)
    monkeypatch.setattr(loaders.store.load, "SERIAL_BELOW", 0)  # the pool, not the loading process
    summary = load_paths([folder], tmp_path / "w.duckdb", workers=1)
    assert (summary.loaded, summary.failed) == (1, 0)


def test_a_text_pdf_never_loads_the_recogniser(generated: tuple[Path, dict]) -> None:
    source, _gold = generated
    code = (
        "import sys; from pathlib import Path; from loaders.readers import read_file;"
        f"p = Path({str(source)!r}); doc = read_file(p, p.read_bytes());"
        "assert doc.lines and not doc.ocr_pages;"
        "print(sorted(m for m in ('rapidocr', 'onnxruntime', 'cv2') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_ocr_off_leaves_scans_unread_with_a_clear_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from loaders.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("L", (200, 200), 255).save(folder / "page.png")
    (folder / "cid.pdf").write_bytes(unmapped_font_pdf())
    db = tmp_path / "w.duckdb"
    assert main(["load", str(folder), "--db", str(db), "--ocr", "off"]) == 1
    assert os.environ["NIANBAO_OCR"] == "off"
    with duckdb.connect(str(db), read_only=True) as con:
        codes = dict(con.execute("select source_path, code from raw.parse_issues").fetchall())
    assert {Path(p).name: c for p, c in codes.items()} == {
        "page.png": "needs_ocr",
        "cid.pdf": "needs_ocr",
    }
    with pytest.raises(SystemExit):
        main(["load", str(folder), "--db", str(db), "--ocr", "sometimes"])


@needs_ocr
def test_force_reads_a_pdf_whose_text_layer_is_mostly_unmapped_glyphs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = unmapped_font_pdf(b"2024")
    with pytest.raises(ReadError) as error:
        read_pdf(data)  # auto: some text extracts, so the layer is taken at its word
    assert error.value.code == "needs_ocr" and "--ocr force" in error.value.message
    monkeypatch.setenv("NIANBAO_OCR", "force")
    doc = read_pdf(data)
    assert doc.format == "pdf" and len(doc.ocr_pages) == 1
