"""Writes to the raw layer: one transaction per batch of whole documents, bulk through Arrow."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import pyarrow as pa

from loaders.store.digests import DIGEST_BYTES, StoredDigests
from loaders.store.schema import migrate
from loaders.warehouse import open_warehouse

if TYPE_CHECKING:
    from loaders.store.batches import Batch


def utc_now() -> datetime:
    """Load stamps in UTC (naive, as stored): the incremental watermark never sees a clock
    change or a time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def connect(
    db_path: Path, read_only: bool = False, regions: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection brings the raw layer to the current layout
    (`schema.migrate`), with the gazetteer in raw.regions unless `regions` is false (the caller
    then calls ensure_regions)."""
    if read_only:
        return open_warehouse(db_path, read_only=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = open_warehouse(db_path)
    migrate(con)
    if regions:
        ensure_regions(con)
    return con


def ensure_regions(con: duckdb.DuckDBPyConnection) -> None:
    """Fill raw.regions from the gazetteer when it is empty (a new warehouse)."""
    if con.execute("select count(*) from raw.regions").fetchall()[0][0]:
        return
    from loaders.parse.regions import all_regions

    regions = all_regions()
    vintage = max((getattr(r, "vintage_year", 0) for r in regions), default=0) or None
    frame = pl.DataFrame(
        {
            "region_code": [r.region_code for r in regions],
            "province_name": [r.province_name for r in regions],
            "prefecture_name": [r.prefecture_name for r in regions],
            "county_name": [r.county_name for r in regions],
            "region_level": [r.region_level for r in regions],
        }
    )
    con.register("regions_frame", frame.to_arrow())
    con.execute(
        "insert into raw.regions select *, coalesce(?, 2024) as vintage_year from regions_frame",
        [vintage],
    )
    con.unregister("regions_frame")


def stored_digests(con: duckdb.DuckDBPyConnection) -> StoredDigests:
    """The ids of every stored document, as a sorted block of digests (see loaders.store.digests)."""
    column = (
        con.sql(
            "select unhex(document_id) as digest from raw.documents "
            "where regexp_full_match(document_id, '[0-9a-f]{64}') order by digest"
        )
        .to_arrow_table()
        .column("digest")
    )
    if not len(column):  # pyarrow makes an empty array through pandas: a second's import
        return StoredDigests()
    digests = column.combine_chunks().cast(pa.binary(DIGEST_BYTES))
    start = digests.offset * DIGEST_BYTES
    return StoredDigests(
        digests.buffers()[1].to_pybytes()[start : start + len(digests) * DIGEST_BYTES]
    )


def plan_reads(
    con: duckdb.DuckDBPyConnection, listing: pl.DataFrame, rehash: bool = False
) -> pl.DataFrame:
    """The files listed (`position`, `source_path`, `device`, `inode`, `size_bytes`,
    `modified_ns`), each real file once (the first path to its device and inode), by position,
    with `to_read`: false for a file read before whose size and modification time are unchanged
    and whose document is stored (never, with `rehash`). The join runs in DuckDB, so that this
    process never holds the stored paths."""
    con.register("listing", listing.to_arrow())
    try:
        return con.sql(
            f"""
            with distinct_files as (
                select position, source_path, size_bytes, modified_ns
                from listing
                qualify row_number() over (partition by device, inode order by position) = 1
            ),
            read_before as (
                select distinct source_path, size_bytes, modified_ns
                from raw.file_stats
                semi join raw.documents using (document_id)
                where not {bool(rehash)}
            )
            select position, size_bytes, modified_ns, read_before.source_path is null as to_read
            from distinct_files
            left join read_before using (source_path, size_bytes, modified_ns)
            order by position
            """
        ).pl()
    finally:
        con.unregister("listing")


def count_files_read(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from raw.file_stats").fetchall()[0][0]


_FILE_ROWS = {
    "source_path": pl.Utf8, "size_bytes": pl.Int64, "modified_ns": pl.Int64, "document_id": pl.Utf8,
}  # fmt: skip


def write_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    now: datetime,
    files: list[tuple[str, int, int, str]] = (),
) -> None:
    """Insert whole documents (and the issues of failed files) in one transaction, with the
    (path, size, mtime_ns, document_id) of the files whose bytes they are: one commit a batch,
    and a file is remembered as read only with its document."""
    con.execute("begin transaction")
    try:
        for table, rows in batch.tables.items():
            if rows.num_rows:
                con.register("batch_rows", rows)
                con.execute(
                    f"insert into raw.{table} by name "
                    "select *, $now::timestamp as loaded_at from batch_rows",
                    {"now": now},
                )
                con.unregister("batch_rows")
        if files:
            _record_files(con, files, now)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _record_files(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, int, int, str]], now: datetime
) -> None:
    frame = pl.DataFrame(rows, schema=_FILE_ROWS, orient="row")
    con.register("file_rows", frame.to_arrow())
    try:
        # a path read again replaces its row (the table has no key to upsert on)
        con.execute(
            "delete from raw.file_stats where source_path in (select source_path from file_rows)"
        )
        con.execute(
            "insert into raw.file_stats select *, $now::timestamp as checked_at from file_rows",
            {"now": now},
        )
    finally:
        con.unregister("file_rows")


@dataclass(frozen=True)
class RunRecord:
    """A row of raw.load_runs: one per load, nightly run, demo or check on its own. A run's load
    writes it first (status loaded); the run writes it again once built and checked."""

    run_id: str
    command: str  # load | run | demo | check
    started_at: datetime
    status: str  # loaded | success | error
    files_seen: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    build_status: str | None = None  # success | error | skipped | not_run
    check_status: str | None = None  # success | error | skipped | not_run
    finished_at: datetime = field(default_factory=utc_now)

    @classmethod
    def of_load(cls, summary, command: str, started_at: datetime, **rest) -> RunRecord:
        """The record of a run that loaded files (`summary`: loaders.store.load.LoadSummary)."""
        return cls(
            summary.run_id,
            command,
            started_at,
            files_seen=summary.files_seen,
            files_loaded=summary.loaded,
            files_unchanged=summary.unchanged,
            files_failed=summary.failed,
            **rest,
        )


def record_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    row = asdict(run)
    updates = ", ".join(f"{k} = excluded.{k}" for k in row if k != "run_id")
    con.execute(
        f"insert into raw.load_runs ({', '.join(row)}) values ({', '.join('?' * len(row))}) "
        f"on conflict (run_id) do update set {updates}",
        list(row.values()),
    )
