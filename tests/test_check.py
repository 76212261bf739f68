"""`nianbao check` on a warehouse built from the samples, then on corrupted copies of it."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import duckdb
import lxml.html
import pytest

from expectations.runner import check, default_quality_dir, import_expectations
from loaders.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

pytestmark = pytest.mark.warehouse


def run_check_on_copy(built: Path, folder: Path, corruption: str | None = None):
    """Copy the warehouse, corrupt the copy, check it: exit code, printed output, result JSON."""
    db = folder / "warehouse.duckdb"
    shutil.copyfile(built, db)
    if corruption:
        with duckdb.connect(str(db)) as con:
            con.execute(corruption)
    out = io.StringIO()
    with redirect_stdout(out):
        code = check(db)
    result = json.loads((default_quality_dir(db) / "check_result.json").read_text(encoding="utf-8"))
    return code, out.getvalue(), result


@pytest.fixture(scope="module")
def clean(samples_marts, tmp_path_factory):
    return run_check_on_copy(samples_marts, tmp_path_factory.mktemp("clean"))


def test_the_samples_pass(clean):
    code, output, result = clean
    assert code == 0, output
    assert result["status"] == "success"
    assert result["failed_errors"] == 0
    assert not [s for s in result["suites"] if s["status"] in ("missing", "skipped")]
    # `nianbao check` without an option validates every row of every report
    assert result["scope"]["reports"] == "all"
    assert not [s for s in result["suites"] if s["scoped"]]
    assert "scope: all reports" in output
    assert "suite" in output and "severity" in output
    # the one known trap of the samples: 中卫 2020 is dated 2020-01-26, before its year ended
    assert [(f["suite"], f["severity"]) for f in result["failures"]] == [("dim_report", "warning")]


def test_the_offline_report_is_self_contained_and_lists_every_suite(clean):
    _, output, result = clean
    report = Path(result["report_path"])
    assert str(report) in output
    assert report == report.parent.parent / "warehouse.quality" / "index.html"
    page = lxml.html.parse(str(report)).getroot()
    rows = page.xpath('//table[@id="summary"]/tbody/tr')
    assert [r.get("data-suite") for r in rows] == [s["name"] for s in result["suites"]]
    assert sum(int(r.xpath("td")[4].text) for r in rows) == result["expectations"]
    assert page.get_element_by_id("status").text == "success"
    assert page.get_element_by_id("scope").text == "all reports"
    # nothing to fetch: no scripts, no stylesheets or images from elsewhere
    assert not page.xpath("//script | //link | //img")
    assert Path(result["data_docs_path"]).is_file()


def test_the_committed_suites_match_their_python_source():
    gx_context, _ = import_expectations()
    assert gx_context.out_of_sync() == [], "run `python -m expectations`, commit expectations/gx/"


def test_the_suites_read_the_one_vocabulary_the_dbt_seed():
    from expectations.spec import vocabulary
    from loaders.settings import VOCABULARY_SEED

    assert VOCABULARY_SEED == DBT_PROJECT_DIR / "seeds" / "vocabulary.csv"
    assert not list(EXPECTATIONS_DIR.rglob("vocabulary*.csv")), "one copy: the dbt seed"
    assert "regulations" in vocabulary()[("disclosures", "item")]


CORRUPTIONS = {
    "negative count": (
        """update marts.fct_applications set value = -3
           where rowid = (select min(rowid) from marts.fct_applications where value = 0)""",
        "fct_applications",
        "expect_column_values_to_be_between",
        "value=-3",
    ),
    # a mart's keys are dbt tests (docs/checks.md): the loader's raw cells are checked here
    "unknown key": (
        """update raw.cells set row_key = 'made_up_item'
           where rowid = (select min(rowid) from raw.cells where table_key = 'disclosures')""",
        "raw_cells",
        "expect_column_values_to_be_in_set",
        "row_key=made_up_item",
    ),
    "row lost between raw and marts": (
        "delete from marts.fct_reviews where rowid = (select min(rowid) from marts.fct_reviews)",
        "layer_row_counts",
        "expect_column_pair_values_to_be_equal",
        "raw_rows=15, mart_rows=14",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupted_warehouse_fails_naming_the_expectation(case, samples_marts, tmp_path):
    corruption, suite, expectation, example = CORRUPTIONS[case]
    code, output, result = run_check_on_copy(samples_marts, tmp_path, corruption)
    assert code == 1, output
    errors = [f for f in result["failures"] if f["severity"] == "error"]
    assert [(f["suite"], f["expectation"]) for f in errors] == [(suite, expectation)]
    assert f"ERROR {suite}" in output and expectation in output
    assert example in output  # the offending row is shown
    assert "what to do:" in output and errors[0]["remedy"]
    page = lxml.html.parse(str(tmp_path / "warehouse.quality" / "index.html")).getroot()
    assert page.get_element_by_id("status").text == "error"
    assert page.xpath(f'//div[@id="failures"]/div[@data-expectation="{expectation}"]')


def test_a_warehouse_without_marts_fails_and_says_to_build(samples_warehouse, tmp_path):
    code, output, result = run_check_on_copy(samples_warehouse, tmp_path)
    assert code == 1
    missing = {s["name"] for s in result["suites"] if s["status"] == "missing"}
    assert {"dim_report", "fct_disclosures", "layer_row_counts"} <= missing
    assert {s["status"] for s in result["suites"] if s["layer"] == "raw"} == {"passed"}
    assert "run nianbao build" in output


def test_no_warehouse_is_reported_not_raised(tmp_path):
    out = io.StringIO()
    with redirect_stdout(out):
        code = check(tmp_path / "absent.duckdb")
    assert code == 2
    assert "no warehouse at" in out.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_frames_reach_gx_with_repeated_strings_as_categoricals_and_the_same_values():
    import polars as pl

    from expectations.runner import _for_validation

    keys = ["applications", "reviews", None, "disclosures"] * 500
    frame = pl.DataFrame(
        {"table_key": keys, "label": [f"row {i}" for i in range(2000)], "value": range(2000)}
    )
    validated = _for_validation(frame)
    assert str(validated["table_key"].dtype) == "category"
    assert str(validated["label"].dtype) != "category"  # every value differs: left as strings
    assert validated["table_key"].isna().sum() == 500  # nulls stay null, not a category
    plain = frame.to_pandas()
    as_read = validated["table_key"].astype(object)
    assert as_read.where(as_read.notna(), None).tolist() == keys
    assert validated["label"].tolist() == plain["label"].tolist()
    assert str(_for_validation(frame.head(3))["table_key"].dtype) != "category"  # no repeats


def test_gx_finds_the_same_failures_in_categorical_and_string_columns():
    """The expectation kinds the suites use, on failing values: categoricals change no outcome."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.expectations.row_conditions import Column

    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
    whole = asset.add_batch_definition_whole_dataframe("whole")
    codes = ["110101"] * 50 + ["11010"] * 3 + [None] * 2 + ["120101"] * 45
    kinds = ["x"] * 60 + ["y"] * 40
    expectations = [
        gxe.ExpectColumnValuesToMatchRegex(column="code", regex=r"^\d{6}$"),
        gxe.ExpectColumnValuesToBeInSet(
            column="code", value_set=["110101", "120101"], row_condition=Column("kind") == "x"
        ),
        gxe.ExpectColumnValuesToBeUnique(column="code"),
        gxe.ExpectColumnValuesToNotBeNull(column="code"),
    ]

    def outcomes(frame: pd.DataFrame) -> list[tuple]:
        batch = whole.get_batch(batch_parameters={"dataframe": frame})
        seen = []
        for expectation in expectations:
            result = batch.validate(expectation, result_format={"result_format": "COMPLETE"})
            found = result.result
            examples = sorted(map(str, found.get("partial_unexpected_list") or []))
            seen.append(
                (result.success, found["element_count"], found["unexpected_count"], examples)
            )
        return seen

    plain = pd.DataFrame({"code": codes, "kind": kinds})
    categorical = plain.astype({"code": "category", "kind": "category"})
    assert outcomes(categorical) == outcomes(plain)
    assert [o[2] for o in outcomes(plain)] == [3, 3, 98, 2]


def test_a_frame_checked_in_slices_of_reports_gives_the_outcomes_of_the_whole(
    samples_marts, tmp_path
):
    from expectations.runner import run_checks

    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(samples_marts, db)
    with duckdb.connect(str(db)) as con:  # failures in several reports
        con.execute("update marts.fct_applications set value = -1 where value = 0")
        con.execute(
            "update raw.cells set row_key = 'made_up' where value_raw is not null and value = 1"
        )
    whole = run_checks(db, tmp_path / "whole")
    sliced = run_checks(db, tmp_path / "sliced", slice_rows=100)

    def outcomes(result) -> dict:
        return {
            (o.suite, o.expectation, o.description): (
                o.success, o.element_count, o.unexpected_count, o.observed
            )
            for s in result.suites
            for o in s.outcomes
        }  # fmt: skip

    assert outcomes(sliced) == outcomes(whole)
    assert [(s.name, s.rows) for s in sliced.suites] == [(s.name, s.rows) for s in whole.suites]
    slices = {s.name: s.slices for s in sliced.suites if s.slices > 1}
    assert {"raw_cells", "fct_applications"} <= set(slices), slices
    assert all(s.slices == 1 for s in whole.suites)
    failing = {f.description: f for f in whole.failures}
    assert failing and len(sliced.failures) == len(whole.failures)
    for f in sliced.failures:  # examples come from other slices first, but are failing rows
        assert f.examples and len(f.examples) == len(failing[f.description].examples)
        if f.expectation == "expect_column_values_to_be_between":
            assert {e["value"] for e in f.examples} == {-1}
