"""The marts built by `dbt build` from the five sample reports match the gold labels.

Everything here is read from the `marts` schema (never `raw`): the facts through fct_*, the
metadata through dim_report / dim_agency / dim_region / dim_year. The load and the build run once
for the module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from .conftest import SEEDS_GOLD

pytestmark = pytest.mark.warehouse

GOLD_REPORTS: list[dict] = json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))

# fact list in the gold -> (mart, row key column, column key column)
FACTS = {
    "disclosures": ("fct_disclosures", "item_key", "measure_key"),
    "applications": ("fct_applications", "outcome_key", "applicant_type_key"),
    "reviews": ("fct_reviews", "review_kind_key", "outcome_key"),
    "complaints": ("fct_complaints", "channel_key", None),
}
# the gold lists only the determinable cells of this report's table 三 (the rest are ambiguous)
PARTIAL_GOLD = {("002_7afa714d70970faa.txt", "applications")}


@pytest.fixture(scope="module")
def warehouse(samples_marts) -> Path:
    """The samples loaded and built once per session (conftest)."""
    return samples_marts


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def report_id_of(con: duckdb.DuckDBPyConnection, source_file: str) -> str:
    rows = con.execute(
        "select report_id from marts.dim_report where source_file_name = ?", [source_file]
    ).fetchall()
    assert len(rows) == 1, f"{source_file}: {len(rows)} rows in dim_report"
    return rows[0][0]


def mart_facts(con, fact: str, report_id: str) -> dict[tuple[str, ...], float | None]:
    table, row_col, col_col = FACTS[fact]
    keys = row_col if col_col is None else f"{row_col}, {col_col}"
    rows = con.execute(
        f"select {keys}, value from marts.{table} where report_id = ?", [report_id]
    ).fetchall()
    return {tuple(row[:-1]): row[-1] for row in rows}


def gold_facts(report: dict, fact: str) -> dict[tuple[str, ...], float | None]:
    return {tuple(item[:-1]): item[-1] for item in report[fact]}


def test_gold_has_646_facts():
    assert sum(len(r[f]) for r in GOLD_REPORTS for f in FACTS) == 646


@pytest.mark.parametrize("fact", list(FACTS))
@pytest.mark.parametrize("report", GOLD_REPORTS, ids=lambda r: r["source_file"][:3])
def test_facts_match_gold(con, report: dict, fact: str):
    report_id = report_id_of(con, report["source_file"])
    expected = gold_facts(report, fact)
    actual = mart_facts(con, fact, report_id)
    missing = sorted(set(expected) - set(actual))
    assert not missing, f"facts absent from the marts: {missing}"
    wrong = {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}
    assert not wrong, f"(mart, gold) differ: {wrong}"
    if (report["source_file"], fact) not in PARTIAL_GOLD:
        extra = sorted(set(actual) - set(expected))
        assert not extra, f"facts the gold does not have: {extra}"


def test_all_646_gold_facts_found_equal(con):
    matched = 0
    for report in GOLD_REPORTS:
        report_id = report_id_of(con, report["source_file"])
        for fact in FACTS:
            actual = mart_facts(con, fact, report_id)
            for key, value in gold_facts(report, fact).items():
                matched += key in actual and actual[key] == value
    assert matched == 646


@pytest.mark.parametrize("report", GOLD_REPORTS, ids=lambda r: r["source_file"][:3])
def test_report_metadata_match_gold(con, report: dict):
    row = con.execute(
        """
        select
            dim_agency.agency_name,
            dim_report.agency_id,
            dim_report.report_year,
            dim_report.template_version,
            dim_report.published_on,
            dim_region.province_name,
            dim_region.prefecture_name,
            dim_region.county_name,
            dim_region.region_id
        from marts.dim_report
        left join marts.dim_agency on dim_report.agency_id = dim_agency.agency_id
        left join marts.dim_region on dim_agency.region_id = dim_region.region_id
        where dim_report.source_file_name = ?
        """,
        [report["source_file"]],
    ).fetchone()
    assert row is not None
    agency_name, agency_id, year, template, published_on, province, prefecture, county, code = row
    assert agency_name == report["agency_name"]
    if report["agency_name"] is None:
        assert agency_id is None  # unknown is reported as unknown, never guessed
    assert year == report["report_year"]
    assert template == report["template_version"]
    expected_date = report["published_on"] and dt.date.fromisoformat(report["published_on"])
    assert published_on == (expected_date or None)
    region = report["region"]
    if region is None:
        assert code is None
    else:
        assert (province, prefecture, county, code) == (
            region["province"],
            region["prefecture"],
            region["county"],
            region["adcode"],
        )


@pytest.mark.parametrize("report", GOLD_REPORTS, ids=lambda r: r["source_file"][:3])
def test_fact_rows_carry_report_attributes(con, report: dict):
    """Every fact row carries the report's agency, region, year and template version."""
    report_id = report_id_of(con, report["source_file"])
    for table, *_ in FACTS.values():
        rows = con.execute(
            f"""
            select distinct f.agency_id, f.region_id, f.report_year, f.template_version
            from marts.{table} as f
            where f.report_id = ?
            """,
            [report_id],
        ).fetchall()
        expected = con.execute(
            """
            select agency_id, region_id, report_year, template_version
            from marts.dim_report where report_id = ?
            """,
            [report_id],
        ).fetchall()
        assert rows in ([], expected), table


def test_facts_have_chinese_labels_and_raw_text(con):
    labels = dict(
        con.execute(
            "select distinct outcome_key, outcome_label_zh from marts.fct_applications"
        ).fetchall()
    )
    assert labels["granted"] == "（一）予以公开"
    assert labels["carried_forward"] == "四、结转下年度继续办理"
    for table, row_col, _ in FACTS.values():
        label_col = row_col.replace("_key", "_label_zh")
        missing = con.execute(
            f"select count(*) from marts.{table} where {label_col} is null"
        ).fetchone()[0]
        assert missing == 0, table
    petition = con.execute(
        "select value_raw, evidence from marts.fct_complaints where channel_key = 'petition'"
    ).fetchone()
    assert petition[0].startswith("8") and "信访" in petition[1]


def test_blank_cells_are_null_not_zero(con):
    report_id = report_id_of(con, "000_f6bb5fbcfd8441cc.txt")
    values = con.execute(
        """
        select value, is_blank from marts.fct_reviews
        where report_id = ? and review_kind_key = 'reconsideration'
        """,
        [report_id],
    ).fetchall()
    assert values == [(None, True)] * 5


def test_dim_agency(con):
    rows = dict(con.execute("select agency_name, agency_kind from marts.dim_agency").fetchall())
    assert rows == {
        "青铜峡工业园区管委会": "park_committee",
        "中卫市工业和信息化局": "department",
        "石嘴山高新技术产业开发区管理委员会": "park_committee",
        "银川德胜工业园区管委会": "park_committee",
    }


def test_dim_region_covers_the_whole_country(con):
    levels = dict(
        con.execute("select region_level, count(*) from marts.dim_region group by all").fetchall()
    )
    assert levels["province"] >= 31
    assert levels["prefecture"] >= 300
    assert levels["county"] >= 2800
    ningxia_counties = con.execute(
        """
        select count(*) from marts.dim_region
        where province_name = '宁夏回族自治区' and region_level = 'county'
        """
    ).fetchone()[0]
    assert ningxia_counties == 22


def test_dim_year(con):
    rows = con.execute(
        "select report_year, template_version from marts.dim_year order by report_year"
    ).fetchall()
    assert rows == [(2017, "pre2019"), (2020, "v2019"), (2021, "v2021")]


def test_dim_report_flags(con):
    rows = dict(
        con.execute(
            """
            select source_file_name,
                (is_agency_unknown, is_published_before_year_end, is_template_as_in_force)
            from marts.dim_report
            """
        ).fetchall()
    )
    assert rows["001_dd09eda2b8fcd8ea.txt"][0] is True
    assert rows["002_7afa714d70970faa.txt"][1] is True  # signed before the year ended
    assert rows["003_0de40f489d39d650.txt"][2] is False  # a 2021 report on the 2019 template
    assert rows["004_d0c0b01616fbb03c.txt"][1] is False


def test_samples_break_no_identity(con):
    statuses = dict(
        con.execute(
            "select status, count(*) from marts.fct_identity_checks group by all"
        ).fetchall()
    )
    assert statuses.get("FAIL", 0) == 0
    assert statuses["PASS"] > 0
    # 000 and 002 leave the 复议 block blank: not assessable, not a failure
    assert statuses["NOT_ASSESSABLE"] > 0


def test_mart_agency_year(con):
    rows = con.execute(
        """
        select agency_name, report_year, applications_new, grant_rate, complaints_total,
            identity_checks_failed
        from marts.mart_agency_year
        order by report_year, agency_name
        """
    ).fetchall()
    # the report without a readable agency is not attributed to anyone
    assert len(rows) == 4
    assert all(r[2] == 0 and r[3] is None and r[5] == 0 for r in rows)  # 0 / 0 -> null
    totals = {r[0]: r[4] for r in rows}
    assert totals["银川德胜工业园区管委会"] == 19 + 3 + 3
    assert totals["中卫市工业和信息化局"] == 3
    assert totals["石嘴山高新技术产业开发区管理委员会"] is None


def test_descriptions_persisted_as_comments(con):
    comment = con.execute(
        """
        select comment from duckdb_tables()
        where schema_name = 'marts' and table_name = 'dim_agency'
        """
    ).fetchone()[0]
    assert comment.startswith("One row per issuing organ")
    column_comments = con.execute(
        """
        select count(*), count(comment) from duckdb_columns()
        where schema_name = 'marts' and table_name = 'fct_applications'
        """
    ).fetchone()
    assert column_comments[0] == column_comments[1] > 0
