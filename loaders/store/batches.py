"""Parsed files as columnar frames, one per raw table.

Frames are built where the files are parsed (in the worker processes) and cross to the process
that owns the database as Arrow tables, which pickle as plain buffers: that process only
concatenates them and inserts, so it never touches the millions of Python objects of the cells.
`loaded_at` is not in the frames: it is stamped at insert time, in the transaction that stores
the rows, so that it always increases with commit order (the incremental marts rely on it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

import polars as pl
import pyarrow as pa

from loaders.store.schema import columns

if TYPE_CHECKING:
    from loaders.store.worker import ParsedFile

# The raw tables a parse fills, with their columns as the DDL (loaders/store/schema.py) lists them,
# less `loaded_at`, which the insert stamps.
FRAMED_TABLES = (
    "documents",
    "reports",
    "cells",
    "complaints",
    "parse_issues",
    "ocr_pages",
    "sections",
    "narrative_figures",
)
_POLARS_TYPES = {
    "varchar": pl.Utf8,
    "integer": pl.Int32,
    "bigint": pl.Int64,
    "double": pl.Float64,
    "date": pl.Date,
}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    table: {name: _POLARS_TYPES[kind] for name, kind in columns(table) if name != "loaded_at"}
    for table in FRAMED_TABLES
}
# String views: polars hands its buffers over without copying, and DuckDB reads them as they are.
_ARROW_LEVEL = pl.CompatLevel.newest()
# Rows of these tables belong to a stored document; parse issues also to failed files (by path).
_BY_DOCUMENT = (
    "documents",
    "reports",
    "cells",
    "complaints",
    "ocr_pages",
    "sections",
    "narrative_figures",
)


class FileOutcome(NamedTuple):
    """What the load summary needs of one file, without its rows."""

    path: str
    document_id: str | None  # None when the file could not be read at all
    error: str | None  # the error code when the file failed
    message: str | None  # the first issue's message (the error's, for a failed file)
    codes: tuple[str, ...]  # every issue code raised for the file
    unchanged: bool  # its bytes are a document stored before: it has no rows here

    @property
    def stored(self) -> bool:
        """Its rows are in the batch as a new document."""
        return self.error is None and not self.unchanged


@dataclass
class Batch:
    """Whole files: their outcomes and their rows, one Arrow table per raw table."""

    files: list[FileOutcome]
    tables: dict[str, pa.Table]

    @classmethod
    def of(cls, items: list[ParsedFile], run_id: str) -> Batch:
        stored = [i for i in items if i.error is None and i.document is not None]
        documents = [{"document_id": i.document_id, **i.document, "run_id": run_id} for i in stored]
        reports = [{"document_id": i.document_id, **(i.report or {})} for i in stored]
        issues = [row for i in items for row in _issue_rows(i, run_id)]
        frames = {
            "documents": _rows(documents, "documents"),
            "reports": _rows(reports, "reports"),
            "cells": _columns([(i.document_id, i.cells) for i in stored], "cells"),
            "complaints": _columns([(i.document_id, i.complaints) for i in stored], "complaints"),
            "parse_issues": _rows(issues, "parse_issues"),
            "ocr_pages": _columns([(i.document_id, i.ocr_pages) for i in stored], "ocr_pages"),
            "sections": _columns([(i.document_id, i.sections) for i in stored], "sections"),
            "narrative_figures": _columns(
                [(i.document_id, i.narrative_figures) for i in stored], "narrative_figures"
            ),
        }
        files = [
            FileOutcome(
                i.path,
                i.document_id if i.error is None else None,
                i.error,
                i.issues[0][4] if i.issues else None,
                tuple(code for code, *_ in i.issues),
                i.unchanged,
            )
            for i in items
        ]
        return cls(
            files, {name: f.to_arrow(compat_level=_ARROW_LEVEL) for name, f in frames.items()}
        )

    @classmethod
    def concat(cls, batches: list[Batch]) -> Batch:
        if len(batches) == 1:
            return batches[0]
        return cls(
            [f for b in batches for f in b.files],
            {name: pa.concat_tables([b.tables[name] for b in batches]) for name in SCHEMAS},
        )

    @property
    def nbytes(self) -> int:
        """The bytes of its tables' buffers (cheap: `Table.nbytes` walks every string view)."""
        return sum(table.get_total_buffer_size() for table in self.tables.values())

    def without(self, document_ids: set[str]) -> Batch:
        """The batch with these documents turned unchanged, for a batch that holds each
        document once: its files repeat the bytes of files stored earlier in the run."""
        files = [
            f._replace(unchanged=True, message=None, codes=())
            if f.document_id in document_ids
            else f
            for f in self.files
        ]
        keep = ~pl.col("document_id").is_in(list(document_ids))
        tables = {
            name: pl.from_arrow(table)
            .filter(keep.fill_null(True))
            .to_arrow(compat_level=_ARROW_LEVEL)
            for name, table in self.tables.items()
        }
        return Batch(files, tables)

    def per_file(self) -> list[Batch]:
        """One batch per file: to find which file a refused batch holds."""
        out = []
        for f in self.files:
            if f.unchanged:
                out.append(Batch([f], {name: t.slice(0, 0) for name, t in self.tables.items()}))
                continue
            tables = {}
            for name, table in self.tables.items():
                column, key = (
                    ("document_id", f.document_id)
                    if name in _BY_DOCUMENT
                    else ("source_path", f.path)
                )
                # in polars: Arrow has no filter kernel for string views
                rows = pl.from_arrow(table).filter(pl.col(column) == key)
                tables[name] = rows.to_arrow(compat_level=_ARROW_LEVEL)
            out.append(Batch([f], tables))
        return out


def _issue_rows(item: ParsedFile, run_id: str) -> list[dict]:
    if item.document_id and item.error is None:
        prefix = item.document_id[:16]
    else:
        # a failed file has no stored document: the run and the path identify its issues
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
        }
        for n, (code, severity, line, source, message) in enumerate(item.issues)
    ]


def _rows(rows: list[dict], table: str) -> pl.DataFrame:
    schema = SCHEMAS[table]
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _columns(groups: list[tuple[str, list[tuple]]], table: str) -> pl.DataFrame:
    """Rows of many documents (cells), transposed per document in C (zip) and built column by
    column: far cheaper than one Python dict per cell."""
    schema = SCHEMAS[table]
    names = list(schema)
    columns: dict[str, list] = {name: [] for name in names}
    for document_id, rows in groups:
        if not rows:
            continue
        columns[names[0]].extend(repeat(document_id, len(rows)))
        for name, values in zip(names[1:], zip(*rows, strict=True), strict=True):
            columns[name].extend(values)
    return pl.DataFrame(columns, schema=schema)
