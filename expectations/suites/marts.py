"""Suites on the contract's marts: what analysts and notebooks query.

Keys, relationships, accepted values and vocabulary keys of the marts are dbt tests
(dbt_project/models/marts/core/_core__models.yml) and stop the build; these suites check what the
data read from the reports must look like (docs/checks.md says which check lives where).
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import (
    WARNING,
    SuiteSpec,
    error,
    has_columns,
    has_rows,
    non_negative,
    not_null,
    report_year_in_range,
    rows_of_new_reports,
    warning,
)

REBUILD = "run nianbao build (after nianbao load) and read the dbt output"
# a report's row and fact rows depend only on the report itself (and the seeds), so a build adds
# the new reports' rows and leaves the others as they were
ROWS_OF_NEW_REPORTS = rows_of_new_reports()
FACT_COLUMNS = [
    "report_id",
    "agency_id",
    "region_id",
    "report_year",
    "template_version",
    "value",
    "value_raw",
]

DIM_REPORT = SuiteSpec(
    name="dim_report",
    layer="marts",
    table="marts.dim_report",
    description="One row per loaded report document.",
    # the year's end is computed here so that GX compares two dates of the same row
    sql="""
        select *, make_date(report_year, 12, 31) as report_year_end
        from marts.dim_report
    """,
    id_columns=("report_id", "source_file_name", "report_year"),
    scope=ROWS_OF_NEW_REPORTS,
    expectations=(
        has_columns(
            [
                "report_id",
                "source_file_name",
                "agency_id",
                "report_year",
                "template_version",
                "published_on",
                "source_format",
            ],
            "marts.dim_report",
        ),
        has_rows("marts.dim_report", REBUILD),
        not_null(
            "report_year",
            "No year could be read from this report, so it drops out of every yearly figure. "
            "Check the title and sign-off of the file; teach loaders/parse/metadata.py the form.",
            level=WARNING,
        ),
        report_year_in_range(),
        not_null(
            "template_version",
            "No template could be detected, so the report's tables cannot be compared: look at "
            "its tables and add the labels to loaders/parse/metadata.py.",
            level=WARNING,
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="published_on",
            column_B="report_year_end",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            **warning(
                "The report says it was published before its reporting year ended, so either "
                "the date or the year is wrong (a typo in the report, or the date of another "
                "document). Compare published_evidence and report_year_evidence in raw.reports "
                "with the file; if the report itself is wrong, note it and move on."
            ),
        ),
        # the corrections by hand, listed on every check: a correction outlives its evidence
        gxe.ExpectColumnValuesToBeNull(
            column="correction_reason",
            **warning(
                "Corrected by hand in dbt_project/seeds/report_corrections.csv (corrected_fields, "
                "correction_reason): these are listed so that each stays reviewed; delete the row "
                "once the loader reads the report right."
            ),
        ),
    ),
)

DIM_AGENCY = SuiteSpec(
    name="dim_agency",
    layer="marts",
    table="marts.dim_agency",
    description="One row per issuing organ.",
    id_columns=("agency_id", "agency_name"),
    # whole table: an organ's row is rebuilt from all its reports on every build, and the table
    # holds one row per organ, a fraction of the reports
    scope=None,
    expectations=(
        has_columns(["agency_id", "agency_name", "agency_kind", "region_id"], "marts.dim_agency"),
    ),
)

DIM_REGION = SuiteSpec(
    name="dim_region",
    layer="marts",
    table="marts.dim_region",
    description="One row per administrative division (GB/T 2260).",
    id_columns=("region_id", "province_name", "prefecture_name", "county_name"),
    # whole table: the divisions come from the gazetteer, not from the reports
    scope=None,
    expectations=(
        has_columns(
            ["region_id", "province_name", "prefecture_name", "county_name", "region_level"],
            "marts.dim_region",
        ),
        has_rows("marts.dim_region", "raw.regions is filled by the loader; " + REBUILD),
        gxe.ExpectColumnValuesToMatchRegex(
            column="region_id",
            regex=r"^\d{6}$",
            **error("region_id must be a 6-digit GB/T 2260 code: fix loaders/parse/regions.py."),
        ),
    ),
)

DIM_YEAR = SuiteSpec(
    name="dim_year",
    layer="marts",
    table="marts.dim_year",
    description="One row per report year.",
    id_columns=("report_year", "template_version"),
    # whole table: each row counts all reports of its year, and there are a handful of years
    scope=None,
    expectations=(
        has_columns(["report_year", "template_version"], "marts.dim_year"),
        report_year_in_range(),
    ),
)


def fact_suite(
    fact: str, row_column: str, row_kind: str, column_column: str, column_kind: str
) -> SuiteSpec:
    """The three cell facts share a shape: one row per report x row key x column key."""
    relation = f"marts.fct_{fact}"
    return SuiteSpec(
        name=f"fct_{fact}",
        layer="marts",
        table=relation,
        description=f"One row per report x {row_kind} x {column_kind}.",
        id_columns=("report_id", row_column, column_column, "value_raw", "line_number"),
        scope=ROWS_OF_NEW_REPORTS,
        expectations=(
            has_columns([*FACT_COLUMNS, row_column, column_column], relation),
            has_rows(relation, REBUILD),
            non_negative("value", measure_column="measure_key" if fact == "disclosures" else None),
        ),
    )


FCT_DISCLOSURES = fact_suite("disclosures", "item_key", "item", "measure_key", "measure")
FCT_APPLICATIONS = fact_suite(
    "applications", "outcome_key", "outcome", "applicant_type_key", "applicant_type"
)
FCT_REVIEWS = fact_suite("reviews", "review_kind_key", "review_kind", "outcome_key", "outcome")

FCT_COMPLAINTS = SuiteSpec(
    name="fct_complaints",
    layer="marts",
    table="marts.fct_complaints",
    description="One row per report x complaint channel.",
    id_columns=("report_id", "channel_key", "value_raw", "evidence"),
    scope=ROWS_OF_NEW_REPORTS,
    expectations=(
        has_columns([*FACT_COLUMNS, "channel_key", "evidence"], "marts.fct_complaints"),
        non_negative("value"),
    ),
)

SUITES = (
    DIM_REPORT,
    DIM_AGENCY,
    DIM_REGION,
    DIM_YEAR,
    FCT_DISCLOSURES,
    FCT_APPLICATIONS,
    FCT_REVIEWS,
    FCT_COMPLAINTS,
)
