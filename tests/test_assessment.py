"""The assessment marts on small reports written by hand, each made to hit one rule.

One warehouse per module: the reports below are loaded and built once, and every test reads
the rows its report should produce.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

import loaders.commands.build
from loaders.commands.build import build
from loaders.settings import DBT_PROJECT_DIR
from loaders.store.load import load_paths

from .reports_by_hand import HandReport

pytestmark = pytest.mark.warehouse

BUREAU = "银川市工业和信息化局"
COUNTY = "永宁县人民政府"
TOWNSHIP = "永宁县望远镇人民政府"
ZONE = "宁夏永宁工业园区管委会"
REUSED_OVERVIEW = (
    "本局坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实政府信息公开条例，"
    "围绕中心工作，聚焦重点领域，不断拓展公开渠道，切实保障人民群众的知情权、参与权和监督权。"
)
REPORTS = {
    # a department under the 2019 Regulation, on time; its narrative contradicts table 三
    "bureau_2021.txt": HandReport(
        BUREAU,
        2021,
        date(2022, 1, 20),
        new=4,
        carried_forward=1,
        in_force=10,
        overview=REUSED_OVERVIEW,
        narrative="全年共收到政府信息公开申请5件，上年结转0件。",
    ),
    # the next year: late (10 February), 上年结转 0 against last year's 结转下年度 1, 现行有效 12
    # against 10 + 2 - 1, and section 一 copied from last year
    "bureau_2022.txt": HandReport(
        BUREAU,
        2022,
        date(2023, 2, 10),
        carried_over=0,
        issued=2,
        repealed=1,
        in_force=12,
        overview=REUSED_OVERVIEW,
        narrative="全年共收到政府信息公开申请4件。",
    ),
    # a government at county level: 31 March
    "county_2021.txt": HandReport(COUNTY, 2021, date(2022, 3, 30)),
    # a township: 31 January, so 15 February is late
    "township_2021.txt": HandReport(TOWNSHIP, 2021, date(2022, 2, 15)),
    # a development zone without its section 五
    "zone_2021.txt": HandReport(ZONE, 2021, date(2022, 1, 31), drop_sections=("problems",)),
    # the 2007 Regulation: 31 March for a department too
    "bureau_2017.txt": HandReport(BUREAU, 2017, date(2018, 3, 20)),
    "bureau_2016.txt": HandReport(BUREAU, 2016, date(2017, 4, 5)),
    # no date at all
    "county_2022.txt": HandReport(COUNTY, 2022, None),
    # a municipality's district government and a district bureau: 北京市 is their prefecture too
    "dongcheng_2021.txt": HandReport(
        "北京市东城区人民政府", 2021, date(2022, 3, 1), new=7, granted=6
    ),
    "haidian_2021.txt": HandReport(
        "北京市海淀区教育委员会", 2021, date(2022, 3, 1), new=3, granted=2
    ),
    # no organ and no date: both set by hand (CORRECTIONS)
    "unnamed_2021.txt": HandReport("", 2021, None, overview="园区持续推进政务公开工作。"),
}
CORRECTED_AGENCY = "宁夏贺兰工业园区管委会"
CORRECTIONS = {
    "unnamed_2021.txt": {
        "agency_name": CORRECTED_AGENCY,
        "region_code": "640122",
        "published_on": "2022-01-25",
        "reason": "发布机构 and 发布日期 of the page the file was saved from",
    }
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The reports loaded and built with a copy of the dbt project whose report_corrections seed
    holds CORRECTIONS (the project's own seed ships empty)."""
    work = tmp_path_factory.mktemp("assessment")
    folder = work / "reports"
    folder.mkdir()
    seed_rows = []
    for name, report in REPORTS.items():
        data = report.text().encode("utf-8")
        (folder / name).write_bytes(data)
        if name in CORRECTIONS:
            seed_rows.append(
                {"document_sha256": hashlib.sha256(data).hexdigest(), **CORRECTIONS[name]}
            )
    project = work / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    seed = project / "seeds" / "report_corrections.csv"
    with seed.open("a", encoding="utf-8", newline="") as f:
        header = seed.read_text(encoding="utf-8").splitlines()[0].split(",")
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writerows(seed_rows)
    db = work / "w.duckdb"
    summary = load_paths([folder], db)
    assert (summary.loaded, summary.failed) == (len(REPORTS), 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loaders.commands.build, "DBT_PROJECT_DIR", project)
        assert build(db, target_dir=work / "target") == 0
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def rows(con, query: str, params: list | None = None) -> list[dict]:
    result = con.execute(query, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def compliance(con, file_name: str) -> dict:
    (row,) = rows(
        con,
        """select compliance.* from marts.mart_report_compliance as compliance
           inner join marts.dim_report using (report_id) where source_file_name = ?""",
        [file_name],
    )
    return row


@pytest.mark.parametrize(
    ("file_name", "organ_kind", "deadline", "days_late", "on_time"),
    [
        ("bureau_2021.txt", "department", date(2022, 1, 31), -11, True),
        ("bureau_2022.txt", "department", date(2023, 1, 31), 10, False),
        ("county_2021.txt", "government", date(2022, 3, 31), -1, True),
        ("township_2021.txt", "township", date(2022, 1, 31), 15, False),
        ("zone_2021.txt", "park_committee", date(2022, 1, 31), 0, True),
        ("bureau_2017.txt", "department", date(2018, 3, 31), -11, True),
        ("bureau_2016.txt", "department", date(2017, 3, 31), 5, False),
        ("county_2022.txt", "government", date(2023, 3, 31), None, None),
    ],
)
def test_deadline_of_each_regulation_and_kind(
    con, file_name, organ_kind, deadline, days_late, on_time
):
    row = compliance(con, file_name)
    assert (row["organ_kind"], row["deadline_on"], row["days_late"], row["is_on_time"]) == (
        organ_kind,
        deadline,
        days_late,
        on_time,
    )
    assert ("late" in row["flags"]) is (on_time is False)
    assert ("publication_date_unknown" in row["flags"]) is (on_time is None)
    assert row["regulation"] == ("2007" if row["report_year"] <= 2018 else "2019")


def test_missing_section_is_listed_and_flagged(con):
    zone = compliance(con, "zone_2021.txt")
    assert zone["sections_missing"] == ["problems"]
    assert zone["sections_present"] == [
        "overview", "disclosures", "applications", "reviews", "other"
    ]  # fmt: skip
    assert "section_missing" in zone["flags"]
    complete = compliance(con, "county_2021.txt")
    assert complete["sections_missing"] == []
    assert complete["tables_missing"] == []
    assert complete["tables_present"] == ["disclosures", "applications", "reviews"]
    assert "section_missing" not in complete["flags"]


def report_id(con, file_name: str) -> str:
    return con.execute(
        "select report_id from marts.dim_report where source_file_name = ?", [file_name]
    ).fetchone()[0]


def test_narrative_figure_contradicting_its_table_fails(con):
    checks = rows(
        con,
        """select figure_key, narrative_value, table_value, status, sentence, line_number
           from marts.mart_narrative_checks where report_id = ? order by figure_ordinal""",
        [report_id(con, "bureau_2021.txt")],
    )
    received = next(c for c in checks if c["figure_key"] == "applications_received")
    assert (received["narrative_value"], received["table_value"], received["status"]) == (
        5,
        4,
        "FAIL",
    )
    assert "收到政府信息公开申请5件" in received["sentence"]
    assert received["line_number"] == 3  # of the document: the reader drops blank lines
    carried = next(c for c in checks if c["figure_key"] == "applications_carried_over")
    assert carried["status"] == "PASS"
    agreeing = rows(
        con,
        "select status from marts.mart_narrative_checks where report_id = ?",
        [report_id(con, "bureau_2022.txt")],
    )
    assert [r["status"] for r in agreeing] == ["PASS"]
    assert "narrative_contradiction" in compliance(con, "bureau_2021.txt")["flags"]
    assert "narrative_contradiction" not in compliance(con, "bureau_2022.txt")["flags"]


def test_broken_carry_chain_and_in_force_roll(con):
    checks = {
        (r["check_key"], r["subject_key"]): r
        for r in rows(
            con,
            "select * from marts.mart_cross_year_checks where report_id = ?",
            [report_id(con, "bureau_2022.txt")],
        )
    }
    carry = checks[("carried_over_matches_previous", "natural_person")]
    assert (carry["lhs"], carry["rhs"], carry["status"]) == (1, 0, "FAIL")
    assert carry["previous_report_id"] == report_id(con, "bureau_2021.txt")
    assert checks[("carried_over_matches_previous", "commercial_enterprise")]["status"] == "PASS"
    in_force = checks[("in_force_rolls_forward", "normative_documents")]
    assert (in_force["lhs"], in_force["rhs"], in_force["status"]) == (12, 11, "FAIL")
    # the 2021 report's figures are not all repeated: 现行有效 went from 10 to 12
    assert checks[("figures_identical_to_previous", "all_tables")]["status"] == "PASS"
    flags = compliance(con, "bureau_2022.txt")["flags"]
    assert {"carry_chain_broken", "in_force_broken"} <= set(flags)
    # no report for 2020: the 2021 report has no cross-year row
    assert not rows(
        con,
        "select 1 from marts.mart_cross_year_checks where report_id = ?",
        [report_id(con, "bureau_2021.txt")],
    )


def test_repeated_figures_are_flagged(con):
    (row,) = rows(
        con,
        """select status, lhs, rhs from marts.mart_cross_year_checks
           where report_id = ? and check_key = 'figures_identical_to_previous'""",
        [report_id(con, "bureau_2017.txt")],
    )
    assert row["status"] == "FAIL" and row["lhs"] == row["rhs"] == 200
    assert compliance(con, "bureau_2017.txt")["is_figures_identical_to_previous"] is True


def test_reused_text_is_measured_per_section(con):
    reuse = {
        r["section_key"]: r
        for r in rows(
            con,
            "select * from marts.mart_text_reuse where report_id = ?",
            [report_id(con, "bureau_2022.txt")],
        )
    }
    overview = reuse["overview"]
    assert overview["is_reused"] and overview["reuse_share"] > 0.9
    # a section too short to say anything is not assessed
    assert reuse["other"]["reuse_share"] is None and not reuse["other"]["is_reused"]
    row = compliance(con, "bureau_2022.txt")
    assert "text_reused" in row["flags"] and row["reused_section_count"] == 1
    fresh = rows(
        con,
        "select is_reused from marts.mart_text_reuse where report_id = ? and section_key = 'overview'",
        [report_id(con, "county_2022.txt")],
    )
    assert fresh == [{"is_reused": False}]


def test_correction_brings_an_unknown_agency_back(con):
    (report,) = rows(
        con,
        """select report_id, agency_id, region_id, published_on, corrected_fields,
                  correction_reason, is_agency_unknown
           from marts.dim_report where source_file_name = 'unnamed_2021.txt'""",
    )
    assert report["corrected_fields"] == ["agency", "region", "published_on"]
    assert report["correction_reason"] == CORRECTIONS["unnamed_2021.txt"]["reason"]
    assert not report["is_agency_unknown"] and report["region_id"] == "640122"
    assert report["published_on"] == date(2022, 1, 25)
    (agency,) = rows(
        con,
        "select agency_name, agency_kind from marts.dim_agency where agency_id = ?",
        [report["agency_id"]],
    )
    assert agency == {"agency_name": CORRECTED_AGENCY, "agency_kind": "park_committee"}
    assert rows(
        con,
        "select report_year from marts.mart_agency_year where agency_id = ?",
        [report["agency_id"]],
    ) == [{"report_year": 2021}]
    row = compliance(con, "unnamed_2021.txt")
    assert (row["organ_kind"], row["is_on_time"], row["days_late"]) == ("park_committee", True, -6)
    # the other reports carry no correction
    assert con.execute(
        "select count(*) from marts.dim_report where len(corrected_fields) > 0"
    ).fetchone() == (1,)


def test_roll_ups_by_division_with_municipalities_as_prefectures(con):
    rolled = {
        (r["rollup_level"], r["region_id"]): r
        for r in rows(con, "select * from marts.mart_region_year where report_year = 2021")
    }
    beijing = rolled[("prefecture", "110000")]
    assert beijing == rolled[("province", "110000")] | {
        "region_year_id": beijing["region_year_id"],
        "rollup_level": "prefecture",
    }
    assert (beijing["report_count"], beijing["agency_count"]) == (2, 2)
    assert beijing["applications_new"] == 10
    # granted 6 + 2 over processed 6 + 2
    assert beijing["grant_rate"] == 1.0
    assert beijing["late_report_count"] == 1  # the bureau: 31 January
    assert rolled[("county", "110101")]["report_count"] == 1
    ningxia = rolled[("province", "640000")]
    yinchuan = rolled[("prefecture", "640100")]
    assert ningxia["report_count"] >= yinchuan["report_count"] >= 2
    # the township (31 January) is late; the county government on time
    assert rolled[("county", "640121")]["late_report_count"] >= 1
