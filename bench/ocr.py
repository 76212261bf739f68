"""Benchmark of OCR: pages per minute per core, and its share of loading scanned reports.

    .venv/bin/python bench/ocr.py              # 3 generated reports, about 9 pages (2-3 minutes)
    .venv/bin/python bench/ocr.py --reports 6  # more pages

It generates N PDF reports (seed 7), makes a scan of each (150 dpi, grey, tilted 0.4°, JPEG
quality 75, wrapped back into an image-only PDF; tests/scans.py) and measures, on one core:
the recogniser alone on each page (`loaders.readers.ocr.ocr_pdf_page`: render, recognition,
layout); then `load_paths` of the scans and of the text PDFs they were made from with one
parse process, and the share of the scan load spent in recognition (the seconds each page
records in raw.ocr_pages). Rates move with the load on a shared machine: read them against the
text-PDF load of the same run. The table goes to bench/results/<date>-ocr.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import commit, machine, python_loop_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3)
    parser.add_argument("--work", default="/tmp/nianbao-bench-ocr")
    args = parser.parse_args(argv)

    import duckdb
    import pypdfium2 as pdfium

    from loaders.readers import ocr
    from loaders.store.load import load_paths
    from loaders.synthetic.corpus import generate
    from tests.scans import scanned_pdf

    work = Path(args.work)
    text_dir, scan_dir = work / "text", work / "scans"
    for folder in (text_dir, scan_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*"):
            old.unlink()
    generate(args.reports, text_dir, seed=7, formats=("pdf",))
    (text_dir / "gold.json").unlink()
    for pdf in sorted(text_dir.glob("*.pdf")):
        (scan_dir / pdf.name).write_bytes(scanned_pdf(pdf.read_bytes(), 150, True, 0.4, 75))
    speed_before = python_loop_ms()

    # the recogniser alone, page by page, in this process (one onnxruntime thread)
    ocr._engine()  # model loading is paid once per parse process, not per page
    per_page, cpu, recognition = [], [], []
    for pdf in sorted(scan_dir.glob("*.pdf")):
        document = pdfium.PdfDocument(pdf.read_bytes())
        for index in range(len(document)):
            started, started_cpu = time.perf_counter(), time.process_time()
            page = ocr.ocr_pdf_page(document, index)
            per_page.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            recognition.append(page.seconds)
        document.close()

    def timed_load(folder: Path, name: str) -> tuple[float, Path]:
        db = work / f"{name}.duckdb"
        for stale in work.glob(f"{name}.duckdb*"):
            stale.unlink()
        started = time.perf_counter()
        summary = load_paths([folder], db, workers=1)
        assert summary.failed == 0, summary.failures
        return time.perf_counter() - started, db

    text_s, _ = timed_load(text_dir, "text")
    scan_s, scan_db = timed_load(scan_dir, "scans")
    with duckdb.connect(str(scan_db), read_only=True) as con:
        pages, ocr_s = con.execute("select count(*), sum(seconds) from raw.ocr_pages").fetchone()
    speed_after = python_loop_ms()

    n = len(per_page)
    mean = statistics.fmean(per_page)
    lines = [
        f"nianbao OCR benchmark, {datetime.now():%Y-%m-%d %H:%M}",
        f"machine: {machine()}",
        (
            f"machine speed: a fixed Python loop took {speed_before[0]:.0f} ms before and "
            f"{speed_after[0]:.0f} ms after (median of 25; lower is faster)"
        ),
        (
            f"commit: {commit()}; settings: {ocr.OCR_RENDER_DPI:.0f} dpi, "
            f"{ocr.OCR_THREADS} onnxruntime thread"
        ),
        "",
        "| measure | value |",
        "|---|---:|",
        f"| scanned pages ({args.reports} generated reports) | {n} |",
        f"| seconds a page, whole (render + recognition + layout) | {mean:.2f} |",
        f"| seconds a page, recognition only (median) | {statistics.median(recognition):.2f} |",
        f"| **pages per minute per core** (wall clock) | **{60 / mean:.1f}** |",
        f"| CPU seconds a page | {statistics.fmean(cpu):.2f} |",
        f"| pages per minute per core, by CPU time | {60 / statistics.fmean(cpu):.1f} |",
        f"| load of the scans, 1 parse process: s | {scan_s:.1f} |",
        f"| load of the text PDFs they were made from, 1 parse process: s | {text_s:.1f} |",
        f"| scan load / text load | {scan_s / text_s:.0f}x |",
        f"| pages OCR'd in the load | {pages} |",
        f"| **recognition's share of the scan load** | **{100 * ocr_s / scan_s:.0f}%** |",
    ]
    out = "\n".join(lines)
    print(out)
    results = ROOT / "bench" / "results" / f"{datetime.now():%Y-%m-%d}-ocr.md"
    results.write_text(out + "\n", encoding="utf-8")
    print(json.dumps({"results": str(results.relative_to(ROOT))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
