"""`nianbao export` writes marts that read back, with their dictionary; `nianbao trace` prints the
lines behind a figure."""

from __future__ import annotations

import csv

import duckdb
import openpyxl
import pytest

from loaders.cli import main
from loaders.commands.export import documented_marts
from loaders.commands.trace import TRACE_SQL

pytestmark = pytest.mark.warehouse

MARTS = ["dim_report", "mart_report_compliance", "fct_applications"]


def count(sql: str) -> int:
    return duckdb.sql(sql).fetchall()[0][0]


def mart_rows(db, model: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{model}").fetchone()[0]


def test_parquet_is_partitioned_by_year_and_reads_back(samples_marts, tmp_path, capsys):
    out = tmp_path / "parquet"
    assert main(["export", "--db", str(samples_marts), "--format", "parquet", "--out", str(out),
                 "--models", *MARTS, "dim_region"]) == 0  # fmt: skip
    years = sorted(p.name for p in (out / "dim_report").iterdir())
    assert years == ["report_year=2017", "report_year=2020", "report_year=2021"]
    for model in MARTS:
        read = count(
            f"select count(*) from read_parquet('{out / model}/*/*.parquet', hive_partitioning=true)"
        )
        assert read == mart_rows(samples_marts, model)
    # a mart without a year is one file
    read = count(f"select count(*) from '{out / 'dim_region.parquet'}'")
    assert read == mart_rows(samples_marts, "dim_region")
    assert "wrote" in capsys.readouterr().out


def test_csv_and_dictionary_read_back(samples_marts, tmp_path):
    out = tmp_path / "csv"
    assert main(["export", "--db", str(samples_marts), "--format", "csv", "--out", str(out)]) == 0
    for model in documented_marts():
        path = out / f"{model}.csv"
        read = count(f"select count(*) from read_csv('{path}', header=true)")
        assert read == mart_rows(samples_marts, model), model
    with (out / "data_dictionary.csv").open(encoding="utf-8", newline="") as f:
        dictionary = list(csv.DictReader(f))
    assert {row["model"] for row in dictionary} == set(documented_marts())
    # every column of every exported mart is described and labelled in Chinese
    with duckdb.connect(str(samples_marts), read_only=True) as con:
        built = {
            (table, column)
            for table, column in con.execute(
                """select table_name, column_name from information_schema.columns
                   where table_schema = 'marts'"""
            ).fetchall()
        }
    described = {(row["model"], row["column"]) for row in dictionary}
    assert built == described
    assert all(row["meaning"] and row["label_zh"] for row in dictionary)
    (days_late,) = [r for r in dictionary if r["column"] == "days_late"]
    assert days_late["label_zh"] == "逾期天数" and "null" in days_late["caveats"]


def test_xlsx_with_chinese_headers_opens_in_openpyxl(samples_marts, tmp_path):
    out = tmp_path / "xlsx"
    assert main(["export", "--db", str(samples_marts), "--format", "xlsx", "--out", str(out),
                 "--models", "mart_report_compliance", "--chinese-headers"]) == 0  # fmt: skip
    book = openpyxl.load_workbook(out / "marts.xlsx", read_only=True)
    assert book.sheetnames == ["mart_report_compliance", "data_dictionary"]
    rows = list(book["mart_report_compliance"].iter_rows(values_only=True))
    assert rows[0][:4] == ("报告编号", "机关编号", "行政区划代码", "机关名称")
    assert len(rows) - 1 == mart_rows(samples_marts, "mart_report_compliance")
    flags = rows[0].index("问题标记")
    assert any("agency_unknown" in (row[flags] or "") for row in rows[1:])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "csv", "--models", "nope"], "no mart named nope"),
        (["--format", "csv"], "no warehouse at"),
    ],
)
def test_export_mistakes_get_one_line(tmp_path, capsys, argv, message):
    code = main(
        ["export", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o"), *argv]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_trace_prints_the_lines_behind_a_figure(samples_marts, capsys):
    name = "000_f6bb5fbcfd8441cc.txt"
    assert main(["trace", "--db", str(samples_marts), name, "applications.new_received.total"]) == 0
    out = capsys.readouterr().out
    with duckdb.connect(str(samples_marts), read_only=True) as con:
        report_id, line, position = con.execute(
            """select report_id, line_number, source_position from marts.fct_applications
               inner join marts.dim_report using (report_id)
               where source_file_name = ? and outcome_key = 'new_received'
                 and applicant_type_key = 'total'""",
            [name],
        ).fetchone()
        # the cookbook's query gives the same line
        cookbook = con.execute(
            TRACE_SQL, {"report_id": report_id, "key": "applications.new_received.total"}
        ).fetchall()
    assert [(r[0], r[3], r[4]) for r in cookbook] == [
        ("applications.new_received.total", line, position)
    ]
    assert f"> {line:>5} | 一、本年新收政府信息公开申请数" in out
    file_line = int(position.split()[1])
    assert f"file line {file_line} | 一、本年新收政府信息公开申请数" in out
    assert file_line != line  # the file's blank lines are not document lines


def test_trace_mistakes_get_one_line(samples_marts, capsys):
    assert main(["trace", "--db", str(samples_marts), "nope.txt", "x.y.z"]) == 2
    assert "no report 'nope.txt'" in capsys.readouterr().err
    assert main(["trace", "--db", str(samples_marts), "000_f6bb5fbcfd8441cc.txt", "x.y"]) == 2
    assert "no figure 'x.y'" in capsys.readouterr().err
