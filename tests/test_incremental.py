"""Incremental builds give the same marts as a full refresh, and process only the new reports.

The samples are loaded in two steps into one warehouse, with a build after each: first 000
(青铜峡工业园区 2020), 001 and 002; then 003, 004, a 2021 copy of 000, which gives an agency
loaded in the first step a second year (so 000 gains cross-year identity checks, and the agency's
dim / mart rows change), and revisions of 001 and 002 (other bytes, same agency and year: second
versions, which change the dim_report rows of 001 and 002; 001 names no agency). The warehouse file
is then copied and the copy rebuilt with `--full-refresh`; every table of schemas marts and
intermediate must be equal, row for row, in both files.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime

import pytest

from loaders.commands.build import build
from loaders.store.load import load_paths
from loaders.warehouse import open_warehouse

from .conftest import SAMPLES

pytestmark = pytest.mark.warehouse

FIRST = ["000_f6bb5fbcfd8441cc.txt", "001_dd09eda2b8fcd8ea.txt", "002_7afa714d70970faa.txt"]
SECOND = ["003_0de40f489d39d650.txt", "004_d0c0b01616fbb03c.txt"]
NEXT_YEAR_COPY = "qingtongxia_2021.txt"
# a revision of an earlier report: a new document of the same agency and year
REVISIONS = {"001_revised.txt": FIRST[1], "002_revised.txt": FIRST[2]}
TITLE_2020 = "青铜峡工业园区管委会 2020 年政府信息公开工作年度报告"
LICENSING_ROW = "行政许可\t0\t0\t0"
INCREMENTAL = [
    "dim_report",
    "fct_disclosures",
    "fct_applications",
    "fct_reviews",
    "fct_complaints",
    "fct_identity_checks",
    "mart_agency_year",
]


def _next_year_copy(text: str) -> str:
    """Sample 000 as its agency's 2021 report, with a table 二 count the 2020 one does not carry."""
    for old, new in [
        (TITLE_2020, TITLE_2020.replace("2020", "2021")),
        (LICENSING_ROW, "行政许可\t5\t0\t0"),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("incremental")
    first, second = work / "first", work / "second"
    first.mkdir()
    second.mkdir()
    for name in FIRST:
        shutil.copy(SAMPLES / name, first / name)
    for name in SECOND:
        shutil.copy(SAMPLES / name, second / name)
    original = (SAMPLES / FIRST[0]).read_text(encoding="utf-8")
    (second / NEXT_YEAR_COPY).write_text(_next_year_copy(original), encoding="utf-8")
    for name, earlier in REVISIONS.items():
        revised = (SAMPLES / earlier).read_text(encoding="utf-8") + "\n"
        (second / name).write_text(revised, encoding="utf-8")

    incremental = work / "incremental.duckdb"
    assert load_paths([first], incremental).loaded == 3
    assert build(incremental, target_dir=work / "target_first") == 0
    with open_warehouse(incremental, read_only=True) as con:
        first_watermark = con.execute("select max(loaded_at) from marts.dim_report").fetchone()[0]
    assert load_paths([second], incremental).loaded == 5
    assert build(incremental, target_dir=work / "target_second") == 0

    full = work / "full.duckdb"
    shutil.copy(incremental, full)
    wal = incremental.with_name(incremental.name + ".wal")
    if wal.exists():  # dbt checkpoints on close, but a copy must not lose a pending log
        shutil.copy(wal, full.with_name(full.name + ".wal"))
    assert build(full, full_refresh=True, target_dir=work / "target_full") == 0
    return {
        "incremental": incremental,
        "full": full,
        "run_results": work / "target_second" / "run_results.json",
        "first_watermark": first_watermark,
    }


@pytest.fixture(scope="module")
def con(warehouses):
    connection = open_warehouse(warehouses["incremental"], read_only=True)
    connection.execute(f"attach '{warehouses['full']}' as full_refresh (read_only)")
    yield connection
    connection.close()


def report_ids(con, file_names: list[str]) -> set[str]:
    rows = con.execute(
        "select report_id from marts.dim_report where list_contains(?, source_file_name)",
        [file_names],
    ).fetchall()
    assert len(rows) == len(file_names)
    return {r[0] for r in rows}


def count(con, query: str) -> int:
    return con.execute(f"select count(*) from ({query})").fetchone()[0]


def distinct_report_ids(con, query: str) -> set[str]:
    return {r[0] for r in con.execute(f"select distinct report_id from ({query})").fetchall()}


def mart_tables(con, catalog: str) -> list[str]:
    """The tables dbt builds: marts, and the intermediate models built as tables."""
    rows = con.execute(
        """
        select schema_name || '.' || table_name from duckdb_tables()
        where database_name = ? and schema_name in ('marts', 'intermediate')
        order by all
        """,
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def test_marts_equal_full_refresh_row_for_row(con):
    catalog = con.execute("select current_database()").fetchone()[0]
    tables = mart_tables(con, catalog)
    assert tables == mart_tables(con, "full_refresh")
    intermediate = {"intermediate.int_reports_resolved", "intermediate.int_identity_operands"}
    assert {f"marts.{m}" for m in INCREMENTAL} | intermediate <= set(tables)
    for table in tables:
        schema, name = table.split(".")
        columns = con.execute(
            """
            select column_name from duckdb_columns()
            where database_name = ? and schema_name = ? and table_name = ?
            order by column_index
            """,
            [catalog, schema, name],
        ).fetchall()
        listed = ", ".join(f'"{c[0]}"' for c in columns)
        incremental = f"select {listed} from {catalog}.{table}"
        full = f"select {listed} from full_refresh.{table}"
        rows = count(con, incremental)
        only_incremental = count(con, f"{incremental} except all {full}")
        only_full = count(con, f"{full} except all {incremental}")
        assert (table, rows, only_incremental, only_full) == (table, count(con, full), 0, 0)
        assert rows > 0, table


def test_new_year_adds_cross_year_checks_to_the_earlier_report(con):
    earlier = report_ids(con, [FIRST[0]]).pop()
    later = report_ids(con, [NEXT_YEAR_COPY]).pop()
    rows = con.execute(
        """
        select identity_key, compared_report_id, count(*), count(*) filter (where status = 'FAIL')
        from marts.fct_identity_checks
        where report_id = ? and identity_kind = 'cross_year'
        group by all order by all
        """,
        [earlier],
    ).fetchall()
    assert rows == [
        ("applications_carry_to_next_year", later, 7, 0),
        ("items_carry_to_next_year", later, 5, 1),
    ]
    years = con.execute(
        """
        select report_year, previous_report_year, report_count
        from marts.mart_agency_year
        where agency_id = (select agency_id from marts.dim_report where report_id = ?)
        order by report_year
        """,
        [earlier],
    ).fetchall()
    assert years == [(2020, None, 1), (2021, 2020, 1)]


def test_incremental_build_processed_only_the_new_reports(con, warehouses):
    """The select each incremental model ran in the second build (its compiled code, with the
    watermark inlined) returns the rows of the new reports only, plus, for the identity checks
    and the agency-year mart, the earlier report of the agency that gained a year."""
    results = json.loads(warehouses["run_results"].read_text(encoding="utf-8"))["results"]
    compiled = {
        r["unique_id"].split(".")[-1]: r["compiled_code"]
        for r in results
        if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1] in INCREMENTAL
    }
    assert sorted(compiled) == sorted(INCREMENTAL)
    new = report_ids(con, [*SECOND, NEXT_YEAR_COPY, *REVISIONS])
    old = report_ids(con, FIRST)
    same_agency = report_ids(con, [FIRST[0]])  # the agency that gained a year in the second step
    revised = report_ids(con, list(REVISIONS.values()))  # 001 and 002, revised in the second step
    no_agency = report_ids(con, [FIRST[1], "001_revised.txt"])
    for model, sql in compiled.items():
        literals = re.findall(r"loaded_at > '([^']+)'::timestamp", sql)
        watermarks = {datetime.fromisoformat(literal) for literal in literals}
        assert watermarks == {warehouses["first_watermark"]}, model
        processed = distinct_report_ids(con, sql)
        in_table = distinct_report_ids(con, f"select * from marts.{model}")
        if model == "fct_identity_checks":
            # 000 is recomputed for its new next year and 002 as its agency has a new report;
            # 004 is pre-2019 (no identities); 001 has no agency, so no other report
            expected = (new | same_agency | revised - no_agency) - report_ids(con, [SECOND[1]])
        elif model == "mart_agency_year":
            # every agency with a new report is rebuilt whole, 000's year included; 002's year
            # now comes from its revision; a report without an agency has no row
            expected = (new | same_agency) - no_agency
        elif model == "dim_report":
            # the rows of 001 and 002 are replaced: their year has a second, later version
            expected = new | revised
        else:
            expected = new & in_table
        assert processed == expected, model
        assert processed and not processed & (old - expected), model


def test_a_revision_becomes_the_current_version(con):
    """The revision of 002, loaded in the second step, is the current version of its agency and
    year: the incremental dim_report updated the row of 002, built in the first step. 001 names no
    agency, so both its versions count as current (each is a version of nothing)."""
    rows = con.execute(
        """
        select source_file_name, version_count, is_current_version
        from marts.dim_report
        where list_contains(?, source_file_name)
        order by source_file_name
        """,
        [[*REVISIONS, *REVISIONS.values()]],
    ).fetchall()
    assert rows == [
        (FIRST[1], 2, True),
        ("001_revised.txt", 2, True),
        (FIRST[2], 2, False),
        ("002_revised.txt", 2, True),
    ]
    [(current,)] = con.execute(
        """
        select mart_agency_year.report_id from marts.mart_agency_year
        inner join marts.dim_report using (agency_id, report_year)
        where dim_report.source_file_name = ?
        """,
        [FIRST[2]],
    ).fetchall()
    assert current == report_ids(con, ["002_revised.txt"]).pop()


def test_duplicate_of_an_old_row_fails_the_incremental_tests(warehouses, tmp_path):
    """After a passing build, the uniqueness tests check only the keys of rows loaded since, but a
    new row that repeats the key of an older row still fails the build; a failed build is not
    recorded as passing, so the next one checks from the same point again."""
    db = tmp_path / "duplicate.duckdb"
    shutil.copy(warehouses["incremental"], db)
    passed_through = "select max(tested_through) from main.data_tests_passed"
    with open_warehouse(db) as con:
        [(tested_through,)] = con.execute(passed_through).fetchall()
        assert con.execute("select max(loaded_at) from raw.documents").fetchall() == [
            (tested_through,)
        ]
        # an old report's cell again, stamped as loaded after the last passing build
        con.execute(
            """
            insert into marts.fct_applications
            select * replace (?::timestamp + interval 1 second as loaded_at)
            from marts.fct_applications
            where report_id = (
                select min(report_id) from marts.fct_applications where loaded_at <= ?
            )
            limit 1
            """,
            [tested_through, warehouses["first_watermark"]],
        )
    target = tmp_path / "target"
    assert build(db, target_dir=target) == 1
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    [uniqueness] = [
        r
        for r in results
        if r["unique_id"].startswith("test.nianbao.unique_combination_of_columns_fct_applications")
    ]
    assert uniqueness["status"] == "fail" and uniqueness["failures"] == 1
    # it ran restricted to the new rows' reports, not over the whole table
    assert re.search(r"report_id in \('[0-9a-f]{64}'\)", uniqueness["compiled_code"])
    with open_warehouse(db, read_only=True) as con:
        assert con.execute(passed_through).fetchall() == [(tested_through,)]


def test_assessment_marts_see_the_new_year(con):
    """The assessment marts are tables rebuilt by every build: after the second step the 2021 copy
    of 000 is compared with 000 (its text is the same, its 行政许可 count is not)."""
    later = report_ids(con, [NEXT_YEAR_COPY]).pop()
    shares = dict(
        con.execute(
            "select section_key, reuse_share from marts.mart_text_reuse where report_id = ?",
            [later],
        ).fetchall()
    )
    assert shares["overview"] == 1.0
    identical = con.execute(
        """select status from marts.mart_cross_year_checks
           where report_id = ? and check_key = 'figures_identical_to_previous'""",
        [later],
    ).fetchall()
    assert identical == [("PASS",)]
    flags = con.execute(
        "select flags from marts.mart_report_compliance where report_id = ?", [later]
    ).fetchone()[0]
    assert "text_reused" in flags
