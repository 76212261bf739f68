"""The assessment marts on small reports written by hand, each made to hit one rule.

One warehouse per module: the reports below are loaded and built once, and every test reads
the rows its report should produce.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from loaders.build import build
from loaders.load import load_paths

from .reports_by_hand import HandReport

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
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("assessment")
    folder = work / "reports"
    folder.mkdir()
    for name, report in REPORTS.items():
        (folder / name).write_text(report.text(), encoding="utf-8")
    db = work / "w.duckdb"
    summary = load_paths([folder], db)
    assert (summary.loaded, summary.failed) == (len(REPORTS), 0)
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
