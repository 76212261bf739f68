"""The parse stage on the local process pool against Ray in local mode, on the same corpus.

    .venv/bin/python bench/engines.py                       # 2,000 text, 120 PDF, 8 scanned
    .venv/bin/python bench/engines.py --text 400 --pdf 80   # a quick look
    .venv/bin/python bench/engines.py --text 0 --pdf 0      # the scan row alone (2-3 minutes)

For each format and engine, `load_paths` runs on a fresh warehouse in a fresh process, with
2 workers; Ray's start (seconds, once per load) is timed apart and left out of the rate. It
prints reports/s and the driver's share: the CPU time of the loading process (the driver:
listing, planning, storing, Ray's client) over the wall time of the load. Run both
engines in the same invocation: on a shared machine the ratio holds, the absolute rates don't.

The scan row loads generated PDF reports cut to their first `--scan-pages` pages and scanned
as bench/ocr.py scans them (tests/scans.py: 150 dpi, grey, tilted 0.4 degrees, JPEG quality
75, image-only PDFs), so every page goes through the OCR reader. Its files go one per task
(batch size 1): at the default 32 files a task, a few scans would all land on one worker.
Locally, a load of fewer than 64 new files is parsed in the driver, without the pool: so
the default scan row compares one core in the driver against two Ray workers.
A format with 0 reports is skipped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHILD = """
import json, resource, sys, time
from pathlib import Path
from loaders.store.load import load_paths
folder, db, engine, batch = sys.argv[1:5]
start = 0.0
if engine == "ray":  # started apart: its seconds are a fixed cost, not a rate
    import ray
    start = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter() - start
cpu0, wall0 = time.process_time(), time.perf_counter()
summary = load_paths([Path(folder)], Path(db), workers=2, engine=engine, batch_size=int(batch))
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(json.dumps({"wall": wall, "cpu": cpu, "start": start, "loaded": summary.loaded, "failed": summary.failed}))
"""


def corpus(work: Path, fmt: str, n: int) -> Path:
    folder = work / f"{fmt}-{n}"
    if not folder.exists():
        subprocess.run(
            [sys.executable, "-m", "loaders.cli", "generate", str(n), "--out", str(folder),
             "--formats", fmt],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
    return folder


def scans(work: Path, n: int, pages: int) -> Path:
    """`n` generated PDF reports, each cut to its first `pages` pages and scanned."""
    from loaders.synthetic.corpus import generate
    from tests.scans import image_pdf, page_images

    folder = work / f"scan-{n}x{pages}"
    if not folder.exists():
        text = work / f"scan-source-{n}"
        generate(n, text, seed=7, formats=("pdf",))
        folder.mkdir()
        for pdf in sorted(text.glob("*.pdf")):
            images = page_images(pdf.read_bytes(), 150, True, 0.4)[:pages]
            (folder / pdf.name).write_bytes(image_pdf(images, 150, 75))
    return folder


def page_count(folder: Path) -> int:
    import pypdfium2 as pdfium

    return sum(len(pdfium.PdfDocument(pdf)) for pdf in folder.glob("*.pdf"))


def timed(folder: Path, engine: str, work: Path, batch: int | None = None) -> dict:
    from loaders.settings import BATCH_SIZE

    db = work / f"{folder.name}-{engine}.duckdb"
    db.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(db), engine, str(batch or BATCH_SIZE)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=2000)
    parser.add_argument("--pdf", type=int, default=120)
    parser.add_argument("--scans", type=int, default=8)
    parser.add_argument("--scan-pages", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nianbao-bench-engines"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        "| format | reports | engine | start s | load s | reports/s | pages/min | driver CPU s "
        "| driver share |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    rows = [
        (fmt, n, corpus(args.work, fmt, n), None)
        for fmt, n in (("txt", args.text), ("pdf", args.pdf))
        if n
    ]
    if args.scans:
        rows.append(("scan", args.scans, scans(args.work, args.scans, args.scan_pages), 1))
    for fmt, n, folder, batch in rows:
        pages = page_count(folder) if fmt == "scan" else 0
        for engine in ("local", "ray"):
            r = timed(folder, engine, args.work, batch)
            per_minute = f"{60 * pages / r['wall']:.1f}" if pages else "-"
            print(
                f"| {fmt} | {n} | {engine} | {r['start']:.1f} | {r['wall']:.1f} | "
                f"{r['loaded'] / r['wall']:.2f} | {per_minute} | {r['cpu']:.1f} | "
                f"{r['cpu'] / r['wall']:.0%} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
