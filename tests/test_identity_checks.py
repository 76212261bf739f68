"""A report whose table 三 breaks the accounting identities shows FAIL rows, and the build succeeds.

Two copies of sample 000 are loaded: its 2020 report with one table 三 number changed (3 new
applications from natural persons that appear nowhere else), and a 2021 copy whose table 二 states a
licensing item count the 2020 report does not carry forward (the cross-year identity).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loaders.commands.build import build
from loaders.store.load import load_paths

pytestmark = pytest.mark.warehouse

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "000_f6bb5fbcfd8441cc.txt"
NEW_RECEIVED_ROW = "一、本年新收政府信息公开申请数\t0\t0\t0\t0\t0\t0\t0"
LICENSING_ROW = "行政许可\t0\t0\t0"
TITLE_2020 = "青铜峡工业园区管委会 2020 年政府信息公开工作年度报告"


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory) -> tuple[Path, int, Path]:
    workdir = tmp_path_factory.mktemp("identities")
    reports = workdir / "reports"
    reports.mkdir()
    original = SAMPLE.read_text(encoding="utf-8")
    broken = _replace_once(original, NEW_RECEIVED_ROW, NEW_RECEIVED_ROW.replace("\t0", "\t3", 1))
    (reports / "broken_2020.txt").write_text(broken, encoding="utf-8")
    next_year = _replace_once(original, TITLE_2020, TITLE_2020.replace("2020", "2021"))
    next_year = _replace_once(next_year, LICENSING_ROW, "行政许可\t5\t0\t0")
    (reports / "next_2021.txt").write_text(next_year, encoding="utf-8")

    db = workdir / "identities.duckdb"
    summary = load_paths([reports], db)
    assert (summary.loaded, summary.failed) == (2, 0)
    target = workdir / "dbt_target"
    return db, build(db, target_dir=target), target


@pytest.fixture(scope="module")
def con(broken_build) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(broken_build[0]), read_only=True)
    yield connection
    connection.close()


def checks(con, source_file: str, status: str | None = None) -> dict[tuple[str, str], tuple]:
    rows = con.execute(
        """
        select c.identity_key, c.subject_key, c.lhs, c.rhs, c.difference, c.status
        from marts.fct_identity_checks as c
        inner join marts.dim_report as r on c.report_id = r.report_id
        where r.source_file_name = ? and (? is null or c.status = ?)
        """,
        [source_file, status, status],
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_build_succeeds_with_broken_identities(broken_build):
    assert broken_build[1] == 0


def test_identity_failures_warn_not_error(broken_build):
    results = json.loads((broken_build[2] / "run_results.json").read_text(encoding="utf-8"))
    by_name = {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}
    assert by_name["fct_identity_checks_source_reports_balance"] == "warn"
    assert "error" not in by_name.values() and "fail" not in by_name.values()


def test_fail_rows_show_both_sides(con):
    failed = checks(con, "broken_2020.txt", "FAIL")
    assert failed == {
        # 新收 + 上年结转 = 总计 + 结转下年度 in the 自然人 column: 3 + 0 vs 0 + 0
        ("applications_balance", "natural_person"): (3.0, 0.0, 3.0, "FAIL"),
        # 自然人 + … + 其他 = 总计 in the 新收 row: 3 vs 0
        ("applicant_types_sum_to_total", "new_received"): (3.0, 0.0, 3.0, "FAIL"),
        # 上一年项目数量 0 + 本年增/减 0 (2020) vs the 2021 report's 上一年项目数量 5
        ("items_carry_to_next_year", "administrative_licensing"): (0.0, 5.0, -5.0, "FAIL"),
    }


def test_other_identities_of_the_broken_report_still_pass(con):
    all_checks = checks(con, "broken_2020.txt")
    assert all_checks[("applications_balance", "total")][-1] == "PASS"
    assert all_checks[("outcomes_sum_to_total", "natural_person")][-1] == "PASS"
    assert all_checks[("review_block_sums_to_total", "litigation_direct")][-1] == "PASS"
    # the 复议 block of this sample is blank: an operand is null, so it cannot be assessed
    assert all_checks[("review_block_sums_to_total", "reconsideration")] == (
        None,
        None,
        None,
        "NOT_ASSESSABLE",
    )


def test_cross_year_item_carry_fails(con):
    carry = checks(con, "broken_2020.txt")
    # 上一年项目数量 0 + 本年增/减 0 (2020) vs 上一年项目数量 5 (2021)
    assert carry[("items_carry_to_next_year", "administrative_licensing")] == (
        0.0,
        5.0,
        -5.0,
        "FAIL",
    )
    assert carry[("items_carry_to_next_year", "administrative_penalty")][-1] == "PASS"
    assert carry[("applications_carry_to_next_year", "total")][-1] == "PASS"
    # the last report has no following year to compare with
    assert not [k for k in checks(con, "next_2021.txt") if k[0].endswith("next_year")]


def test_mart_agency_year_counts_failures(con):
    rows = con.execute(
        """
        select report_year, identity_checks_failed, identity_pass_rate, previous_report_year,
            licensing_decisions
        from marts.mart_agency_year order by report_year
        """
    ).fetchall()
    (y2020, failed_2020, rate_2020, _, _), (y2021, failed_2021, rate_2021, previous, _) = rows
    assert (y2020, y2021, previous) == (2020, 2021, 2020)
    assert failed_2020 == 2 and 0 < rate_2020 < 1
    assert failed_2021 == 0 and rate_2021 == 1


def _statuses(con, source_file: str) -> dict[tuple[str, str, str], str]:
    rows = con.execute(
        """
        select v.table_key, v.row_key, v.column_key, v.verification_status
        from marts.fct_cell_verification as v
        inner join marts.dim_report as r on v.report_id = r.report_id
        where r.source_file_name = ?
        """,
        [source_file],
    ).fetchall()
    return {(t, r, c): s for t, r, c, s in rows}


def test_every_fact_carries_a_verification_status(con):
    facts = con.execute(
        """select (select count(*) from marts.fct_applications)
                + (select count(*) from marts.fct_reviews)
                + (select count(*) from marts.fct_disclosures)"""
    ).fetchone()[0]
    assert con.execute("select count(*) from marts.fct_cell_verification").fetchone()[0] == facts
    status = _statuses(con, "broken_2020.txt")
    # the cell the failing identities include, as printed
    assert status[("applications", "new_received", "natural_person")] == "identity_failed"
    # a cell whose identities all pass
    assert status[("applications", "granted", "total")] == "verified"
    # a cell of a failing cross-year identity, on both reports
    assert status[("disclosures", "administrative_licensing", "items_last_year")] == (
        "identity_failed"
    )
    nxt = _statuses(con, "next_2021.txt")
    assert nxt[("disclosures", "administrative_licensing", "items_last_year")] == (
        "identity_failed"
    )
    # in no identity: table 二 rows without a carry
    assert status[("disclosures", "regulations", "produced_this_year")] == "unverified"
    # the blank 复议 block cannot be assessed
    assert status[("reviews", "reconsideration", "total")] == "unverified"
