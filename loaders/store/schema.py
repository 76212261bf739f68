"""DDL of the raw layer: the only tables the loaders write, all in schema `raw`.

Tables that grow with the corpus carry no primary key. DuckDB keeps a key's index in memory
and cannot evict it: at 10^6 reports the indexes outgrow the load's memory cap and every insert
fails. The loader writes each document once (it skips stored ids), and dbt tests every key's
uniqueness in staging. The small tables keep theirs for their upserts.

A warehouse records the version of this layout it has (`raw.schema_version`). Opening one for
writing brings an older one up to `SCHEMA_VERSION` once (`migrate`); a current one costs one
query. A change to the DDL below raises `SCHEMA_VERSION`, with a step in `MIGRATIONS` when
`create table if not exists` alone cannot bring an existing warehouse to it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a parse process imports this module for the columns, never DuckDB
    import duckdb

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.load_runs (
    run_id varchar primary key,
    command varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    files_seen integer,
    files_loaded integer,
    files_unchanged integer,
    files_failed integer,
    build_status varchar,
    check_status varchar,
    status varchar not null
);

create table if not exists raw.documents (
    document_id varchar not null,         -- sha256 of the file bytes; unique
    source_path varchar not null,
    source_file_name varchar not null,
    source_format varchar not null,       -- txt | md | html | pdf | docx
    size_bytes bigint not null,
    encoding varchar,
    line_count integer not null,
    -- zstd: the checkpoint's analysis of the default string compressions on texts of many
    -- kilobytes costs most of a load's writing, and compresses CJK text less (bench/README.md)
    text varchar using compression zstd not null,  -- normalised text, one line per Line
    run_id varchar not null,
    loaded_at timestamp not null
);

-- What each file path held when it was last read: a run skips a file whose size and
-- modification time are unchanged and whose document is stored, without reading it again.
create table if not exists raw.file_stats (
    source_path varchar not null,         -- unique: replaced when read again
    size_bytes bigint not null,
    modified_ns bigint not null,          -- st_mtime_ns
    document_id varchar not null,         -- the stored document those bytes are
    checked_at timestamp not null
);

create table if not exists raw.reports (
    document_id varchar not null,         -- unique, one per stored document
    agency_name varchar,
    agency_source varchar,                -- title | signoff | title+signoff | header
    agency_evidence varchar,
    agency_line integer,
    report_year integer,
    report_year_evidence varchar,
    report_year_line integer,
    template_version varchar,             -- pre2019 | v2019 | v2021
    template_evidence varchar,
    published_on date,
    published_evidence varchar,
    published_line integer,
    province_name varchar,
    prefecture_name varchar,
    county_name varchar,
    region_code varchar,
    region_level varchar,                 -- province | prefecture | county
    region_evidence varchar,
    loaded_at timestamp not null
);

create table if not exists raw.cells (
    document_id varchar not null,
    table_key varchar not null,           -- disclosures | applications | reviews
    row_key varchar not null,             -- item / outcome / review kind
    column_key varchar not null,          -- measure / applicant type / outcome
    value double,                         -- null when blank, "/", "—", "无" or not placeable
    value_raw varchar,                    -- the text as printed
    unit varchar,
    line_number integer,
    source varchar,
    loaded_at timestamp not null
    -- unique per (document_id, table_key, row_key, column_key): the parser guarantees it and
    -- dbt tests it; an index here would cost more than the whole insert at corpus scale
);

create table if not exists raw.complaints (
    document_id varchar not null,
    channel_key varchar not null,
    value double,
    unit varchar,
    evidence varchar not null,            -- the sentence or table row it came from
    line_number integer,
    loaded_at timestamp not null
    -- unique per (document_id, channel_key), tested in dbt
);

create table if not exists raw.parse_issues (
    issue_id varchar not null,            -- unique: document_id or path hash + ordinal
    document_id varchar,                  -- null when the file could not be read at all
    source_path varchar not null,
    code varchar not null,
    severity varchar not null,            -- error | warning | info
    line_number integer,
    source varchar,
    message varchar not null,
    run_id varchar not null,
    loaded_at timestamp not null
);

-- What OCR read on each page of a scan, for an analyst to check against the image.
create table if not exists raw.ocr_pages (
    document_id varchar not null,
    page_number integer not null,         -- 1-based; unique per document
    dpi double not null,                  -- resolution the page was read at
    skew_degrees double not null,         -- the slant the page was straightened by
    seconds double not null,              -- time the recogniser took on the page
    box_count integer not null,
    min_score double not null,            -- lowest recognition confidence on the page (0-1)
    text varchar not null,                -- the boxes' text, one line per text line
    boxes varchar not null,               -- JSON list of {x0, top, x1, bottom, text, score} in points
    loaded_at timestamp not null
);

-- The narrative (loaders/parse/narrative.py): the sections found by their titles, with their
-- text, and the figures the prose states about the tables.
create table if not exists raw.sections (
    document_id varchar not null,
    section_key varchar not null,         -- preamble | overview | disclosures | applications | fees
                                          -- | reviews | problems | other; unique per document
    title varchar,                        -- the title line as printed; null for the preamble
    line_start integer not null,          -- first and last line of the section (1-based)
    line_end integer not null,
    char_count integer not null,
    text varchar not null,                -- its prose lines (table rows left out), title included
    loaded_at timestamp not null
);

create table if not exists raw.narrative_figures (
    document_id varchar not null,
    ordinal integer not null,             -- position among the document's figures; unique per document
    figure_key varchar not null,          -- applications_received | applications_carried_over | ...
    value double not null,                -- the figure as stated; 0 for an explicit 未 / 没有 / 无
    unit varchar,                         -- 件 | 起 | ...; null for an explicit zero
    sentence varchar not null,            -- the sentence it was read from, whitespace removed
    line_number integer not null,
    source varchar,                       -- where the line was in the file (page, table row)
    loaded_at timestamp not null
);

create table if not exists raw.regions (
    region_code varchar primary key,      -- 6-digit GB/T 2260
    province_name varchar not null,
    prefecture_name varchar,
    county_name varchar,
    region_level varchar not null,        -- province | prefecture | county
    vintage_year integer not null
);
"""

# The tables that grow with the corpus, which once had a primary key.
GROWING = ("documents", "reports", "file_stats", "parse_issues")


def table_ddl(table: str) -> str:
    """The `create table` statement of one raw table, as in RAW_DDL."""
    found = re.search(rf"create table if not exists raw\.{table} \(.*?\n\);", RAW_DDL, re.DOTALL)
    if found is None:
        raise KeyError(table)
    return found.group(0)


def columns(table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a raw table's columns, in the DDL's order."""
    lines = table_ddl(table).splitlines()[1:-1]
    words = [line.split() for line in lines if line.strip() and not line.lstrip().startswith("--")]
    return [(w[0], w[1].rstrip(",")) for w in words]


def _rebuild(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Make raw.`name` again from its DDL, rows kept, in one transaction (DuckDB alters neither
    a primary key nor a column's compression in place)."""
    con.execute("begin transaction")
    try:
        con.execute(f"alter table raw.{name} rename to {name}_before")
        con.execute(table_ddl(name))
        con.execute(f"insert into raw.{name} by name select * from raw.{name}_before")
        con.execute(f"drop table raw.{name}_before")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def drop_growing_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rebuild the growing tables that still carry a primary key; returns their names."""
    keyed = [
        name
        for (name,) in con.execute(
            """select table_name from duckdb_constraints()
               where database_name = current_database() and schema_name = 'raw'
                 and constraint_type = 'PRIMARY KEY' and list_contains($growing, table_name)
               order by table_name""",
            {"growing": list(GROWING)},
        ).fetchall()
    ]
    for name in keyed:
        _rebuild(con, name)
    return keyed


def compress_document_text(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild raw.documents when its text column lacks the compression the DDL names; returns
    whether it did."""
    (sql,) = con.execute(
        """select sql from duckdb_tables()
           where database_name = current_database() and schema_name = 'raw'
             and table_name = 'documents'"""
    ).fetchone()
    if "USING COMPRESSION ZSTD" in sql.upper():
        return False
    _rebuild(con, "documents")
    return True


# ---------------------------------------------------------------- fetch (`nianbao fetch`)
# One row per retrieval of a URL (and per member unpacked from a fetched zip): what was asked,
# what came back, where it was saved, and the publication date its page states. A document the
# loader stores has the SHA-256 of a row here when it was fetched, which is how the page's date
# reaches the report (int_report_publication_dates). Grows with retrievals, so no primary key.
RAW_DDL += """
create table if not exists raw.fetches (
    fetch_id varchar not null,            -- unique: uuid of the retrieval
    fetch_run_id varchar not null,        -- the `nianbao fetch` run
    url varchar not null,                 -- as requested (a zip member: zip URL + '#' + member)
    final_url varchar,                    -- after redirects
    role varchar not null,                -- listing | page | attachment | zip_member
    listing_url varchar,                  -- the listing page the URL was found on
    parent_url varchar,                   -- the page that linked it (an attachment's report page)
    link_text varchar,                    -- the link's text or title on the parent page
    http_status integer,                  -- null when no response (timeout, refused)
    outcome varchar not null,             -- saved | new_version | unchanged | not_modified |
                                          -- http_error | failed | disallowed | skipped
    error varchar,                        -- why, when the outcome is not a success
    retrieved_at timestamp not null,      -- UTC
    etag varchar,
    last_modified varchar,                -- the header as sent
    content_type varchar,                 -- the header as sent
    detected_format varchar,              -- from the bytes: html, pdf, docx, doc, xlsx, ofd, ...
    size_bytes bigint,
    sha256 varchar,                       -- of the bytes (of the stored version on a 304)
    page_title varchar,
    published_on date,                    -- the date the page states (an attachment: its page's)
    published_evidence varchar,           -- the text the date was read from, with its URL
    report_year integer,                  -- the year the title or link text names, if any
    saved_path varchar,                   -- relative to the output folder
    version integer                       -- 1, 2, ... per URL each time its bytes changed
);
"""


# ---------------------------------------------------------------- versions of the layout
# 1: the raw tables as created by RAW_DDL; 2: the growing tables without primary keys; 3: the
# documents' text compressed with zstd.
SCHEMA_VERSION = 3
MIGRATIONS = {2: drop_growing_keys, 3: compress_document_text}
VERSION_DDL = """
create schema if not exists raw;
create table if not exists raw.schema_version (
    version integer not null,             -- a layout version this warehouse was brought to
    applied_at timestamp not null default current_timestamp
);
"""


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the raw layer to SCHEMA_VERSION, each step once; returns the version it found."""
    con.execute(VERSION_DDL)
    found = con.execute("select coalesce(max(version), 0) from raw.schema_version").fetchone()[0]
    if found >= SCHEMA_VERSION:
        return found
    con.execute(RAW_DDL)  # tables the warehouse lacks; existing ones are left as they are
    for version in range(found + 1, SCHEMA_VERSION + 1):
        if version in MIGRATIONS:
            MIGRATIONS[version](con)
        con.execute("insert into raw.schema_version (version) values (?)", [version])
    return found
