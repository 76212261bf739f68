"""Writes to the raw layer: one transaction per batch of whole documents, bulk through Arrow."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from loaders.extract import Extracted
from loaders.schema import RAW_DDL

_DOCUMENTS = {
    "document_id": pl.Utf8, "source_path": pl.Utf8, "source_file_name": pl.Utf8,
    "source_format": pl.Utf8, "size_bytes": pl.Int64, "encoding": pl.Utf8,
    "line_count": pl.Int32, "text": pl.Utf8, "run_id": pl.Utf8, "loaded_at": pl.Datetime("us"),
}  # fmt: skip
_REPORTS = {
    "document_id": pl.Utf8, "agency_name": pl.Utf8, "agency_source": pl.Utf8,
    "agency_evidence": pl.Utf8, "agency_line": pl.Int32, "report_year": pl.Int32,
    "report_year_evidence": pl.Utf8, "report_year_line": pl.Int32, "template_version": pl.Utf8,
    "template_evidence": pl.Utf8, "published_on": pl.Date, "published_evidence": pl.Utf8,
    "published_line": pl.Int32, "province_name": pl.Utf8, "prefecture_name": pl.Utf8,
    "county_name": pl.Utf8, "region_code": pl.Utf8, "region_level": pl.Utf8,
    "region_evidence": pl.Utf8, "loaded_at": pl.Datetime("us"),
}  # fmt: skip
_CELLS = {
    "document_id": pl.Utf8, "table_key": pl.Utf8, "row_key": pl.Utf8, "column_key": pl.Utf8,
    "value": pl.Float64, "value_raw": pl.Utf8, "unit": pl.Utf8, "line_number": pl.Int32,
    "source": pl.Utf8, "loaded_at": pl.Datetime("us"),
}  # fmt: skip
_COMPLAINTS = {
    "document_id": pl.Utf8, "channel_key": pl.Utf8, "value": pl.Float64, "unit": pl.Utf8,
    "evidence": pl.Utf8, "line_number": pl.Int32, "loaded_at": pl.Datetime("us"),
}  # fmt: skip
_ISSUES = {
    "issue_id": pl.Utf8, "document_id": pl.Utf8, "source_path": pl.Utf8, "code": pl.Utf8,
    "severity": pl.Utf8, "line_number": pl.Int32, "source": pl.Utf8, "message": pl.Utf8,
    "run_id": pl.Utf8, "loaded_at": pl.Datetime("us"),
}  # fmt: skip


def utc_now() -> datetime:
    """Load stamps in UTC (naive, as stored): the incremental watermark never sees a clock
    change or a time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def connect(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection makes sure the raw layer exists."""
    if read_only:
        return duckdb.connect(str(db_path), read_only=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute(RAW_DDL)
    _ensure_regions(con)
    return con


def _ensure_regions(con: duckdb.DuckDBPyConnection) -> None:
    if con.execute("select count(*) from raw.regions").fetchall()[0][0]:
        return
    from loaders.regions import all_regions

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


def known_document_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select document_id from raw.documents").fetchall()}


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _columnar(groups: list[tuple[str, list[tuple]]], schema: dict, now: datetime) -> pl.DataFrame:
    """Rows of many documents (cells), transposed per document in C (zip) and built column by
    column: far cheaper than one Python tuple or dict per cell."""
    names = list(schema)
    columns: dict[str, list] = {name: [] for name in names}
    for document_id, rows in groups:
        if not rows:
            continue
        columns[names[0]].extend([document_id] * len(rows))
        for name, values in zip(names[1:-1], zip(*rows, strict=True), strict=True):
            columns[name].extend(values)
        columns[names[-1]].extend([now] * len(rows))
    return pl.DataFrame(columns, schema=schema)


def issue_rows(item: Extracted, run_id: str, now: datetime) -> list[dict]:
    if item.document_id and item.error is None:
        prefix = item.document_id[:16]
    else:
        prefix = f"{run_id}-{hashlib.sha256(item.path.encode()).hexdigest()[:12]}"
    return [
        {
            "issue_id": f"{prefix}-{n:04d}",
            "document_id": item.document_id if item.error is None else None,
            "source_path": item.path,
            "code": code,
            "severity": severity,
            "line_number": line,
            "source": source,
            "message": message,
            "run_id": run_id,
            "loaded_at": now,
        }
        for n, (code, severity, line, source, message) in enumerate(item.issues)
    ]


def write_batch(
    con: duckdb.DuckDBPyConnection, items: list[Extracted], run_id: str, now: datetime
) -> None:
    """Insert whole documents (and failure issues) in one transaction."""
    documents, reports, cells, complaints, issues = [], [], [], [], []
    for item in items:
        issues.extend(issue_rows(item, run_id, now))
        if item.error is not None or item.document is None:
            continue
        doc_id = item.document_id
        documents.append(
            {"document_id": doc_id, **item.document, "run_id": run_id, "loaded_at": now}
        )
        reports.append({"document_id": doc_id, **(item.report or {}), "loaded_at": now})
        cells.append((doc_id, item.cells))
        complaints.append((doc_id, item.complaints))
    frames = {
        "documents": _frame(documents, _DOCUMENTS),
        "reports": _frame(reports, _REPORTS),
        "cells": _columnar(cells, _CELLS, now),
        "complaints": _columnar(complaints, _COMPLAINTS, now),
        "parse_issues": _frame(issues, _ISSUES),
    }
    con.execute("begin transaction")
    try:
        for table, frame in frames.items():
            if frame.height:
                con.register("batch_frame", frame.to_arrow())
                con.execute(f"insert into raw.{table} by name select * from batch_frame")
                con.unregister("batch_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def record_run(con: duckdb.DuckDBPyConnection, run: dict) -> None:
    columns = ", ".join(run)
    placeholders = ", ".join("?" for _ in run)
    updates = ", ".join(f"{k} = excluded.{k}" for k in run if k != "run_id")
    con.execute(
        f"insert into raw.load_runs ({columns}) values ({placeholders}) "
        f"on conflict (run_id) do update set {updates}",
        list(run.values()),
    )
