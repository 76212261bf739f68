"""raw.fetches: a row per retrieval, written as soon as its file is saved (a killed fetch keeps
every retrieval it finished), and the last stored version of a URL for the next request."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

import duckdb

# a retrieval after which the URL's bytes are on disk
STORED = ("saved", "new_version", "unchanged", "not_modified")


@dataclass
class FetchRow:
    fetch_run_id: str
    url: str
    role: str
    outcome: str
    retrieved_at: datetime
    final_url: str | None = None
    listing_url: str | None = None
    parent_url: str | None = None
    link_text: str | None = None
    http_status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    detected_format: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    page_title: str | None = None
    published_on: date | None = None
    published_evidence: str | None = None
    report_year: int | None = None
    saved_path: str | None = None
    version: int | None = None
    fetch_id: str = ""


COLUMNS = [f.name for f in fields(FetchRow)]


@dataclass
class Stored:
    """The last stored version of a URL."""

    sha256: str
    saved_path: str
    version: int
    etag: str | None
    last_modified: str | None


def record(con: duckdb.DuckDBPyConnection, row: FetchRow) -> None:
    row.fetch_id = row.fetch_id or uuid.uuid4().hex
    values = asdict(row)
    con.execute(
        f"insert into raw.fetches ({', '.join(COLUMNS)}) "
        f"values ({', '.join('$' + c for c in COLUMNS)})",
        values,
    )


def last_stored(con: duckdb.DuckDBPyConnection, url: str) -> Stored | None:
    found = con.execute(
        """select sha256, saved_path, version, etag, last_modified
           from raw.fetches
           where url = $url and list_contains($stored, outcome) and sha256 is not null
           order by retrieved_at desc, version desc
           limit 1""",
        {"url": url, "stored": list(STORED)},
    ).fetchone()
    return Stored(*found) if found else None


def path_of(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """Where these bytes were saved already, under any URL."""
    found = con.execute(
        """select saved_path from raw.fetches
           where sha256 = $sha and saved_path is not null
           order by retrieved_at limit 1""",
        {"sha": sha256},
    ).fetchone()
    return found[0] if found else None
