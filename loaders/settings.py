"""Every tunable and every path: the one place a number or a location of the project is decided.

Constants, and the functions that read their environment overrides. Nothing here opens a file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "nianbao.duckdb"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
PACKAGE_DATA_DIR = PROJECT_ROOT / "loaders" / "data"  # tables shipped with the package
# the one copy of the vocabulary (table, row and column keys): the dbt seed the marts are built with
VOCABULARY_SEED = DBT_PROJECT_DIR / "seeds" / "vocabulary.csv"
# Per-file bounds: a file beyond them is reported as failed, never allowed to stall a batch.
MAX_FILE_BYTES = 16 * 2**20  # text, HTML, Markdown, DOCX: real reports are well under 2 MB
MAX_PDF_BYTES = 128 * 2**20  # files of pages (readers.PAGE_SUFFIXES) carry images and fonts
FILE_SECONDS = 60.0
WORKER_MEMORY_BYTES = 2 * 2**30  # address-space cap of a parse process
# DuckDB's buffer cap while loading: appends need little, and cached blocks only add RSS
LOAD_DUCKDB_MEMORY = "128MB"
BATCH_SIZE = 2048  # documents per load transaction: bounds memory, keeps each batch whole
# ... and the bytes of a batch's Arrow tables: large PDFs or HTML pages close a batch sooner, and
# fewer of their tasks are in flight
BATCH_BYTES = 256 * 2**20
CHUNK = 32  # files per task sent to a parse process: amortises inter-process overhead
SERIAL_BELOW = 64  # fewer new files than this are parsed in-process (no pool start-up)
RAY_TASK_RETRIES = 3  # --engine ray: retries of a task whose worker died (NIANBAO_RAY_RETRIES)

# ---------------------------------------------------------------- the build (dbt)
# dbt nodes run two at a time on the one warehouse connection: while one thread is in dbt's Python
# (compiling, the many small tests) the other keeps DuckDB busy. The profile keeps threads: 1 for
# dbt invoked by hand.
BUILD_THREADS = 2

# ---------------------------------------------------------------- the checks (expectations/)
EXAMPLE_ROWS = 5  # failing rows shown per expectation: enough to spot the pattern
# A frame of more rows is validated in slices of whole reports, one slice in memory at a time, so
# that the check's memory stays flat as the warehouse grows (bench/README.md has the figures).
SLICE_ROWS = 500_000
# DuckDB's cap while the frames are read: they stream out in batches of READ_BATCH_ROWS, and the
# blocks a frame was read from need not stay cached for the next one
CHECK_DUCKDB_MEMORY = "256MB"
READ_BATCH_ROWS = 100_000
KEEP_RUNS = 30  # validation runs kept in the quality dir; older ones are pruned with their pages


def warehouse_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """--db wins over NIANBAO_DB, which wins over the project default."""
    chosen = cli_value or os.environ.get("NIANBAO_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


# --- OCR of scanned pages and image files (loaders/readers/ocr.py) ---
OCR_MODES = ("auto", "off", "force")
OCR_RENDER_DPI = 150.0  # a scanned PDF page is rendered at this resolution for OCR
OCR_MAX_PIXELS = 1754 * 2481  # an image file is scaled down to about A4 at 210 dpi
OCR_PAGE_SECONDS = 90.0  # one page's OCR; the page is left out with an issue past it
OCR_MEMORY_BYTES = 4 * 2**30  # added to a parse process's cap once it loads the OCR models
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
# ---------------------------------------------------------------- opening the warehouse file
# The catalog name every opener attaches the file under (loaders/warehouse.py says why).
WAREHOUSE_CATALOG = "nianbao"
# How long an opener waits for another process to close the file (NIANBAO_LOCK_WAIT).
LOCK_WAIT_SECONDS = 600.0


# ---------------------------------------------------------------- fetching (`nianbao fetch`)
# The bounds and manners of a fetch; the command line overrides some of them per run.
USER_AGENT = "nianbao-fetch/0.1 (annual-report collection; respects robots.txt)"


@dataclass(frozen=True)
class FetchSettings:
    # manners: one request at a time, and at least this long between two to one host (a
    # robots.txt Crawl-delay that asks for more wins)
    delay_seconds: float = 1.0
    # a response that has not arrived whole in this time is abandoned (and retried), and so is
    # one that sends nothing for idle_seconds (whichever is shorter)
    response_seconds: float = 300.0
    idle_seconds: float = 30.0
    # a response larger than this is abandoned: real report PDFs stay well under it
    max_response_bytes: int = 64 * 2**20
    # timeouts, dropped connections and 5xx are retried this often, after backoff, 2x backoff...
    retries: int = 3
    backoff_seconds: float = 2.0
    max_redirects: int = 5
    # listing pages followed from one listed URL (pagination of a 年报 column)
    max_listing_pages: int = 200
    # zip attachments: members, bytes unpacked and compression ratio beyond which a zip is not
    # unpacked (it is kept as it came)
    zip_max_members: int = 200
    zip_max_bytes: int = 256 * 2**20
    zip_max_ratio: float = 100.0
    user_agent: str = USER_AGENT
    # HTTP(S)_PROXY / NO_PROXY from the environment, as other command-line clients do
    proxies_from_environment: bool = True
