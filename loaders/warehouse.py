"""Opening the warehouse file: the one connection helper of every reader and writer.

DuckDB names a database after its file's stem, so a warehouse called raw.duckdb, marts.duckdb or
main.duckdb would make `raw.documents` ambiguous between a database and a schema. Every opener
(the loader, dbt's profile, the checks, the notebooks, `nianbao sql`) attaches the file under one
fixed name (`WAREHOUSE_CATALOG`) instead, whatever the file is called.

DuckDB lets one process write a file or several read it, not both at once. Rather than fail, an
opener waits for the other side to close, up to NIANBAO_LOCK_WAIT seconds: the nightly job waits
for analysts' read-only queries, a query waits while the job writes.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from loaders.settings import LOCK_WAIT_SECONDS, WAREHOUSE_CATALOG


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
    pid = re.search(r"PID (\d+)", message)
    return f"another process (pid {pid.group(1)})" if pid else "another process"
