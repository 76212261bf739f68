"""Where things live. One place decides the warehouse path for the loader, dbt and GX."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "warehouse" / "nianbao.duckdb"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
MAX_FILE_BYTES = 64 * 1024 * 1024  # larger inputs are refused, not parsed


def warehouse_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """--db wins over NIANBAO_DB, which wins over the project default."""
    chosen = cli_value or os.environ.get("NIANBAO_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()
