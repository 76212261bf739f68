"""The raw layer loaded from the samples: every gold fact, the traps, and idempotent reloads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from loaders.store.load import load_paths

from .conftest import SAMPLES

pytestmark = pytest.mark.warehouse

NOW = datetime(2026, 1, 1)
TABLES = ("documents", "reports", "cells", "complaints", "parse_issues")


@pytest.fixture(scope="module")
def con(samples_warehouse):
    with duckdb.connect(str(samples_warehouse), read_only=True) as connection:
        yield connection


def report_ids(con) -> dict[str, str]:
    return dict(con.execute("select source_file_name, document_id from raw.documents").fetchall())


def test_every_gold_fact_is_in_the_raw_cells(con, seeds_gold):
    ids = report_ids(con)
    checked = mismatches = 0
    for gold in seeds_gold:
        doc = ids[gold["source_file"]]
        cells = {
            (t, r, c): v
            for t, r, c, v in con.execute(
                "select table_key, row_key, column_key, value from raw.cells where document_id = ?",
                [doc],
            ).fetchall()
        }
        complaints = dict(
            con.execute(
                "select channel_key, value from raw.complaints where document_id = ?", [doc]
            ).fetchall()
        )
        for table in ("disclosures", "applications", "reviews"):
            for row_key, column_key, value in gold[table]:
                checked += 1
                got = cells.get((table, row_key, column_key), "missing")
                mismatches += got != value
        for channel, value in gold["complaints"]:
            checked += 1
            mismatches += complaints.get(channel) != value
        assert set(complaints) == {c for c, _ in gold["complaints"]}, gold["source_file"]
    assert (checked, mismatches) == (646, 0)


def test_metadata_matches_gold(con, seeds_gold):
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            """select d.source_file_name, r.agency_name, r.report_year, r.template_version,
                      r.published_on::varchar, r.province_name, r.prefecture_name,
                      r.county_name, r.region_code
               from raw.reports r join raw.documents d using (document_id)"""
        ).fetchall()
    }
    for gold in seeds_gold:
        region = gold["region"] or {}
        expected = (
            gold["agency_name"],
            gold["report_year"],
            gold["template_version"],
            gold["published_on"],
            region.get("province"),
            region.get("prefecture"),
            region.get("county"),
            region.get("adcode"),
        )
        assert rows[gold["source_file"]] == expected, gold["source_file"]


@pytest.mark.parametrize(
    ("file_prefix", "code", "needle"),
    [
        ("001_", "agency_unknown", ""),
        ("002_", "published_before_year_end", "2020-01-26"),
        ("000_", "blank_cells", "reconsideration"),
        ("002_", "blank_cells", "reconsideration"),
        ("003_", "agency_conflict", "石嘴山市交通运输局"),
        ("002_", "row_misaligned", "6 values under 7 columns"),
    ],
)
def test_traps_are_recorded_as_parse_issues(con, file_prefix, code, needle):
    rows = con.execute(
        """select i.message, i.line_number from raw.parse_issues i
           join raw.documents d using (document_id)
           where d.source_file_name like ? and i.code = ?""",
        [file_prefix + "%", code],
    ).fetchall()
    assert any(needle in message for message, _ in rows), rows


def test_issues_point_at_the_line_they_came_from(con):
    (line,) = con.execute(
        """select i.line_number from raw.parse_issues i join raw.documents d using (document_id)
           where d.source_file_name like '002_%' and i.code = 'published_before_year_end'"""
    ).fetchone()
    text = con.execute(
        "select split(text, chr(10)) from raw.documents where source_file_name like '002_%'"
    ).fetchone()[0]
    assert text[line - 1] == "2020年1月26日"


def test_reloading_the_same_files_changes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    first = load_paths([SAMPLES], db)
    with duckdb.connect(str(db)) as c:
        before = {t: c.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES}
    second = load_paths([SAMPLES], db)
    with duckdb.connect(str(db)) as c:
        after = {t: c.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES}
        runs = c.execute("select count(*) from raw.load_runs").fetchone()[0]
    assert (first.loaded, second.loaded, second.unchanged) == (5, 0, 5)
    assert before == after and runs == 2


def test_files_untouched_since_they_were_stored_are_not_read_again(tmp_path, monkeypatch):
    import os
    import shutil

    from loaders.store import load

    folder = tmp_path / "reports"
    shutil.copytree(SAMPLES, folder)
    db = tmp_path / "w.duckdb"
    assert load_paths([folder], db).loaded == 5
    read = []
    parse_chunk = load.parse_chunk  # five files: read in this process

    def reading(paths, *args):
        read.extend(Path(p) for p in paths)
        return parse_chunk(paths, *args)

    monkeypatch.setattr(load, "parse_chunk", reading)

    again = load_paths([folder], db)
    assert (again.unchanged, read) == (5, [])

    edited = folder / "003_0de40f489d39d650.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n附：更正\n", encoding="utf-8")
    changed = load_paths([folder], db)
    assert (changed.loaded, changed.unchanged, read) == (1, 4, [edited])

    os.utime(folder / "000_f6bb5fbcfd8441cc.txt", ns=(0, 0))  # touched, same bytes
    read.clear()
    touched = load_paths([folder], db)
    assert (touched.loaded, touched.unchanged, len(read)) == (0, 5, 1)

    read.clear()
    assert load_paths([folder], db, rehash=True).unchanged == 5 and len(read) == 5
    with duckdb.connect(str(db)) as c:
        assert c.execute("select count(*) from raw.file_stats").fetchall() == [(5,)]


def test_a_document_the_database_refuses_fails_alone(tmp_path):
    from loaders.store import writer
    from loaders.store.batches import Batch
    from loaders.store.load import _store
    from loaders.store.worker import parse_file

    con = writer.connect(tmp_path / "w.duckdb")
    good = parse_file(str(SAMPLES / "000_f6bb5fbcfd8441cc.txt"))
    taken = parse_file(str(SAMPLES / "001_dd09eda2b8fcd8ea.txt"))
    writer.write_batch(con, Batch.of([taken], "run-0"), NOW)
    bad = parse_file(str(SAMPLES / "002_7afa714d70970faa.txt"))
    bad.document["text"] = None  # refused: raw.documents.text is not null
    stored = _store(con, Batch.of([good, bad], "run-1"), "run-1")
    assert [item.error for item in stored] == [None, "store_error"]
    assert con.execute("select count(*) from raw.documents").fetchall() == [(2,)]
    codes = con.execute("select code from raw.parse_issues where document_id is null").fetchall()
    con.close()
    assert codes == [("store_error",)]


def test_a_warehouse_made_with_keys_on_growing_tables_loses_them_and_keeps_its_rows(tmp_path):
    from loaders.store.schema import GROWING, RAW_DDL, table_ddl

    plain, old = tmp_path / "plain.duckdb", tmp_path / "old.duckdb"
    load_paths([SAMPLES], plain)
    keyed = {
        "documents": "document_id", "reports": "document_id", "file_stats": "source_path",
        "parse_issues": "issue_id",
    }  # fmt: skip
    assert set(keyed) == set(GROWING)

    def primary_keys(con) -> list[tuple]:
        return con.execute(
            "select table_name from duckdb_constraints() "
            "where database_name = current_database() and schema_name = 'raw' "
            "and constraint_type = 'PRIMARY KEY' order by 1"
        ).fetchall()

    def counts(con) -> dict[str, int]:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES}

    with duckdb.connect(str(old)) as con:  # the same rows in the raw layer as made before
        con.execute("create schema raw")
        for table, key in keyed.items():
            ddl = table_ddl(table)
            con.execute(ddl.replace(f"{key} varchar not null", f"{key} varchar primary key"))
        con.execute(RAW_DDL)
        con.execute(f"attach '{plain}' as plain (read_only)")
        for table in (*TABLES, "file_stats", "load_runs", "regions"):
            con.execute(f"insert into raw.{table} by name from plain.raw.{table}")
        before = counts(con)
        assert len(primary_keys(con)) == 6

    again = load_paths([SAMPLES], old, rehash=True)  # opened for writing: the keys go
    with duckdb.connect(str(old)) as con:
        assert primary_keys(con) == [("load_runs",), ("regions",)]
        assert counts(con) == before
        con.execute(f"attach '{plain}' as plain (read_only)")
        for table in ("documents", "cells"):
            changed = con.execute(
                f"select count(*) from (from raw.{table} except all from plain.raw.{table})"
            ).fetchone()[0]
            assert changed == 0
    assert (again.loaded, again.unchanged, again.failed) == (0, 5, 0)


def test_a_warehouse_whose_document_text_is_not_zstd_gets_it_and_keeps_its_rows(tmp_path):
    from loaders.store.schema import RAW_DDL, VERSION_DDL

    plain, old = tmp_path / "plain.duckdb", tmp_path / "old.duckdb"
    load_paths([SAMPLES], plain)
    compressed = "text varchar using compression zstd not null"
    assert compressed in RAW_DDL

    def text_compressions(con) -> set[str]:
        con.execute("checkpoint")
        return {
            kind
            for (kind,) in con.execute(
                "select distinct compression from pragma_storage_info('raw.documents') "
                "where column_name = 'text' and compression <> 'Constant'"
            ).fetchall()
        }

    with duckdb.connect(str(old)) as con:  # layout version 2: the text compressed by default
        con.execute(RAW_DDL.replace(compressed, "text varchar not null"))
        con.execute(VERSION_DDL)
        con.execute("insert into raw.schema_version (version) values (1), (2)")
        con.execute(f"attach '{plain}' as plain (read_only)")
        for table in (*TABLES, "file_stats", "load_runs", "regions"):
            con.execute(f"insert into raw.{table} by name from plain.raw.{table}")
        con.execute("detach plain")
        assert "ZSTD" not in text_compressions(con)

    again = load_paths([SAMPLES], old, rehash=True)
    with duckdb.connect(str(old)) as con:
        assert text_compressions(con) == {"ZSTD"}
        con.execute(f"attach '{plain}' as plain (read_only)")
        for table in TABLES:
            changed = con.execute(
                f"select count(*) from (from raw.{table} except all from plain.raw.{table})"
            ).fetchone()[0]
            assert changed == 0, table
        assert con.execute("select max(version) from raw.schema_version").fetchone() == (3,)
    assert (again.loaded, again.unchanged, again.failed) == (0, 5, 0)
