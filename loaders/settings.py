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
