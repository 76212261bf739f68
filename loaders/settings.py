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
# DuckDB names a database after its file's stem, so a warehouse called raw.duckdb, marts.duckdb or
# main.duckdb would make `raw.documents` ambiguous between a database and a schema. Every opener
# (the loader, dbt's profile, the checks, the notebooks, `nianbao sql`) attaches the file under
# this one fixed name instead, whatever the file is called.
WAREHOUSE_CATALOG = "nianbao"
# DuckDB lets one process write a file or several read it, not both at once. Rather than fail, an
# opener waits for the other side to close, up to this many seconds (NIANBAO_LOCK_WAIT): the
# nightly job waits for analysts' read-only queries, a query waits while the job writes.
LOCK_WAIT_SECONDS = 600.0


class WarehouseInUse(Exception):
    """Another process kept the warehouse file open for longer than the wait allows."""


def lock_wait_seconds() -> float:
    return float(os.environ.get("NIANBAO_LOCK_WAIT") or LOCK_WAIT_SECONDS)


def open_warehouse(
    db_path: str | os.PathLike[str], read_only: bool = False, wait: float | None = None
):
    """A DuckDB connection on the warehouse file, attached as `nianbao` and made the default.

    While another process holds a conflicting lock on the file, it retries (saying once on
    stderr what it waits for) for `wait` seconds (default NIANBAO_LOCK_WAIT), then raises
    WarehouseInUse."""
    import sys
    import time

    import duckdb

    limit = lock_wait_seconds() if wait is None else wait
    deadline, pause, said = time.monotonic() + limit, 0.05, False
    while True:
        con = duckdb.connect()
        try:
            mode = " (READ_ONLY)" if read_only else ""
            path = str(Path(db_path)).replace("'", "''")
            con.execute(f"attach '{path}' as {WAREHOUSE_CATALOG}{mode}")
            con.execute(f"use {WAREHOUSE_CATALOG}")
            return con
        except duckdb.IOException as exc:
            con.close()
            if "lock" not in str(exc).lower():
                raise
            holder = _lock_holder(str(exc))
            if time.monotonic() >= deadline:
                raise WarehouseInUse(
                    f"{db_path} stayed open in {holder} for {limit:.0f} s; close it (a shell or "
                    "notebook holding a connection) and run again"
                ) from None
            if not said:
                sys.stderr.write(
                    f"waiting for {holder} to close {db_path} "
                    f"(DuckDB allows one writer or several readers; up to {limit:.0f} s)\n"
                )
                said = True
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        except BaseException:
            con.close()
            raise


def _lock_holder(message: str) -> str:
    """ "another process (PID 123)" from DuckDB's lock message, when it names one."""
    import re

    pid = re.search(r"PID (\d+)", message)
    return f"another process (pid {pid.group(1)})" if pid else "another process"
