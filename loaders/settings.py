"""Where things live. One place decides the warehouse path for the loader, dbt and GX."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "nianbao.duckdb"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# Per-file bounds: a file beyond them is reported as failed, never allowed to stall a batch.
MAX_FILE_BYTES = 16 * 2**20  # text, HTML, Markdown, DOCX: real reports are well under 2 MB
MAX_PDF_BYTES = 128 * 2**20  # PDFs carry images and fonts
PAGE_SUFFIXES = (".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".ofd")  # under MAX_PDF_BYTES
FILE_SECONDS = 60.0
WORKER_MEMORY_BYTES = 2 * 2**30  # address-space cap of a parse process
# DuckDB's buffer cap while loading: appends need little, and cached blocks only add RSS
LOAD_DUCKDB_MEMORY = "128MB"
BATCH_SIZE = 2048  # documents per load transaction: bounds memory, keeps each batch whole
# ... and the bytes of a batch's Arrow tables: large PDFs or HTML pages close a batch sooner, and
# fewer of their tasks are in flight
BATCH_BYTES = 256 * 2**20


def warehouse_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """--db wins over NIANBAO_DB, which wins over the project default."""
    chosen = cli_value or os.environ.get("NIANBAO_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


# --- OCR of scanned pages and image files (loaders/readers/ocr.py) ---
OCR_MODES = ("auto", "off", "force")
OCR_RENDER_DPI = 150.0  # a scanned PDF page is rendered at this resolution for OCR
OCR_MAX_PIXELS = 1754 * 2481  # an image file is scaled down to about A4 at 210 dpi
OCR_PAGE_SECONDS = 90.0  # one page's OCR; the page is left out with an issue past it
OCR_THREADS = 1  # onnxruntime threads per parse process: the processes already fill the cores
OCR_MIN_FIGURE_SCORE = 0.9  # a figure read with less confidence is left empty with an issue
OCR_PROGRESS_PAGES = 4  # scans of this many pages or more report each page on stderr


def ocr_mode() -> str:
    """auto: OCR pages without a usable text layer; off: never; force: also PDFs whose text
    layer is garbage (glyphs without Unicode maps). `--ocr` sets NIANBAO_OCR for the parse
    processes, which inherit it."""
    mode = os.environ.get("NIANBAO_OCR", "auto")
    return mode if mode in OCR_MODES else "auto"


SOFFICE_SECONDS = 45.0  # LibreOffice's conversion of one .doc/.wps file
