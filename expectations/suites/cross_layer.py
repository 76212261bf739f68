"""Suites on facts that span tables: nothing lost between layers, complete reports, identities.

GX's pandas engine validates one frame at a time, so each check is computed here in DuckDB SQL
into a small frame (one row per report and relation) that the suite then validates.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.spec import (
    NEW_REPORTS,
    SuiteSpec,
    error,
    has_rows,
    rows_of_new_reports,
    warning,
)

# a row per report (and relation) computed from that report's own rows: a new report adds rows and
# changes no other report's
ROWS_OF_NEW_REPORTS = rows_of_new_reports()


# raw relation -> mart it must reach row for row; a raw.cells table_key without a fact mart lands
# on a relation that does not exist and so shows up with zero mart rows
def _layer_row_counts_sql(rows_of=None) -> str:
    """The comparison; with rows_of (column -> SQL condition), of the reports it keeps only. The
    raw relation paired with each mart is always found among all raw rows."""

    def where(column: str) -> str:
        return f"where {rows_of(column)}\n    " if rows_of else ""

    relation_pairs = (
        """
    select 'raw.reports' as raw_relation, 'marts.dim_report' as mart_relation
    where exists (select 1 from raw.reports)
    union all
    select distinct 'raw.cells[' || table_key || ']', 'marts.fct_' || table_key
    from raw.cells
    union all
    select 'raw.complaints', 'marts.fct_complaints'
    where exists (select 1 from raw.complaints)
"""
        if rows_of
        else """
    select distinct raw_relation, mart_relation from raw_rows
"""
    )
    return f"""
with

raw_rows as (

    select 'raw.reports' as raw_relation, 'marts.dim_report' as mart_relation,
        document_id as report_id, count(*) as raw_rows
    from raw.reports
    {where("document_id")}group by all
    union all
    select 'raw.cells[' || table_key || ']', 'marts.fct_' || table_key, document_id, count(*)
    from raw.cells
    {where("document_id")}group by all
    union all
    select 'raw.complaints', 'marts.fct_complaints', document_id, count(*)
    from raw.complaints
    {where("document_id")}group by all

),

mart_rows as (

    select 'marts.dim_report' as mart_relation, report_id, count(*) as mart_rows
    from marts.dim_report
    {where("report_id")}group by all
    union all
    select 'marts.fct_disclosures', report_id, count(*) from marts.fct_disclosures
    {where("report_id")}group by all
    union all
    select 'marts.fct_applications', report_id, count(*) from marts.fct_applications
    {where("report_id")}group by all
    union all
    select 'marts.fct_reviews', report_id, count(*) from marts.fct_reviews
    {where("report_id")}group by all
    union all
    select 'marts.fct_complaints', report_id, count(*) from marts.fct_complaints
    {where("report_id")}group by all

),

relation_pairs as (
{relation_pairs}
),

compared as (

    select
        coalesce(raw_rows.mart_relation, mart_rows.mart_relation) as mart_relation,
        coalesce(raw_rows.report_id, mart_rows.report_id) as report_id,
        coalesce(raw_rows.raw_rows, 0) as raw_rows,
        coalesce(mart_rows.mart_rows, 0) as mart_rows

    from raw_rows
    full outer join mart_rows
        on raw_rows.mart_relation = mart_rows.mart_relation
        and raw_rows.report_id = mart_rows.report_id

)

select
    coalesce(relation_pairs.raw_relation, '(none)') as raw_relation,
    compared.mart_relation,
    compared.report_id,
    documents.source_file_name,
    compared.raw_rows,
    compared.mart_rows

from compared
left join relation_pairs
    on compared.mart_relation = relation_pairs.mart_relation
left join raw.documents as documents
    on compared.report_id = documents.document_id
order by compared.mart_relation, documents.source_file_name
"""


LAYER_ROW_COUNTS = SuiteSpec(
    name="layer_row_counts",
    layer="cross_layer",
    table="raw.reports, raw.cells, raw.complaints -> marts.dim_report, marts.fct_*",
    description="Row counts per report and relation: every raw row reaches its mart, once.",
    sql=_layer_row_counts_sql(),
    scoped_sql=_layer_row_counts_sql(rows_of_new_reports),
    requires=(
        "raw.documents",
        "raw.reports",
        "raw.cells",
        "raw.complaints",
        "marts.dim_report",
        "marts.fct_disclosures",
        "marts.fct_applications",
        "marts.fct_reviews",
        "marts.fct_complaints",
    ),
    id_columns=("raw_relation", "mart_relation", "report_id", "source_file_name"),
    scope=ROWS_OF_NEW_REPORTS,
    expectations=(
        has_rows("the raw-to-marts comparison", "load and build first"),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="raw_rows",
            column_B="mart_rows",
            **error(
                "Rows were lost (mart_rows < raw_rows) or duplicated (mart_rows > raw_rows) "
                "between the raw layer and the marts, so totals in the marts are wrong for these "
                "reports. Look for an inner join or a filter in the mart's model and its "
                "intermediate models (a report missing from int_reports_resolved drops all its "
                "cells), fix it, and rerun nianbao build."
            ),
        ),
    ),
)


# a report on the 2019 / 2021 templates must have tables 二, 三 and 四; a pre-2019 report has
# no fixed layout, so at least one statistic is all that can be asked
def _report_tables_sql(rows_of=None) -> str:
    """Tables per report; with rows_of (column -> SQL condition), of the reports it keeps only."""

    def where(column: str) -> str:
        return f" where {rows_of(column)}" if rows_of else ""

    return f"""
with

facts as (

    select report_id, 'disclosures' as table_key from marts.fct_disclosures{where("report_id")}
    union all
    select report_id, 'applications' from marts.fct_applications{where("report_id")}
    union all
    select report_id, 'reviews' from marts.fct_reviews{where("report_id")}

),

per_report as (

    select
        dim_report.report_id,
        dim_report.source_file_name,
        dim_report.template_version,
        dim_report.report_year,
        count(facts.table_key) filter (where facts.table_key = 'disclosures') as disclosure_rows,
        count(facts.table_key) filter (where facts.table_key = 'applications') as application_rows,
        count(facts.table_key) filter (where facts.table_key = 'reviews') as review_rows

    from marts.dim_report as dim_report
    left join facts
        on dim_report.report_id = facts.report_id{where("dim_report.report_id")}
    group by all

)

select
    *,
    case
        when template_version in ('v2019', 'v2021') then list_filter(
            [
                case when disclosure_rows = 0 then 'disclosures (table 二)' end,
                case when application_rows = 0 then 'applications (table 三)' end,
                case when review_rows = 0 then 'reviews (table 四)' end
            ],
            lambda x: x is not null
        )
        when disclosure_rows + application_rows + review_rows = 0 then ['any statistic']
        else []
    end as missing_tables,
    len(missing_tables) as missing_table_count

from per_report
order by source_file_name
"""


REPORT_TABLES = SuiteSpec(
    name="report_tables",
    layer="cross_layer",
    table="marts.dim_report x marts.fct_disclosures / fct_applications / fct_reviews",
    description="Each report has the tables its template requires.",
    sql=_report_tables_sql(),
    scoped_sql=_report_tables_sql(rows_of_new_reports),
    requires=(
        "marts.dim_report",
        "marts.fct_disclosures",
        "marts.fct_applications",
        "marts.fct_reviews",
    ),
    id_columns=("report_id", "source_file_name", "template_version", "missing_tables"),
    scope=ROWS_OF_NEW_REPORTS,
    expectations=(
        gxe.ExpectColumnValuesToBeInSet(
            column="missing_table_count",
            value_set=[0],
            # a source that omits a table (a blank form, a truncated page) is a fact about the
            # document, already a missing_table parse issue: worth a look, not a broken warehouse
            **warning(
                "A report lacks a table its template requires (see missing_tables), so its "
                "figures are missing from the marts rather than zero. Open the file: if the "
                "table is there, the parser missed it (raw.parse_issues names the lines it "
                "could not place; fix loaders/parse/tables.py); if the report really omits "
                "it, record that as a parse issue."
            ),
        ),
    ),
)

# a single failed identity is often a typo in the report; a tenth of them means the table was read
# wrong (shifted columns, a missed row), which is worth a look before the figures are used
MAX_IDENTITY_FAIL_SHARE = 0.10


def _reports_of_agencies_with_new_reports(column: str) -> str:
    # a new report changes the cross-year identities of its agency's other reports (the build
    # recomputes every report of the agency: see fct_identity_checks.sql), so their shares are
    # validated again
    return f"""
    {rows_of_new_reports(column)}
    or {column} in (
        select report_id from marts.dim_report
        where agency_id in (
            select agency_id from marts.dim_report
            where report_id in (select report_id from {NEW_REPORTS})
        )
    )
"""


def _identity_fail_share_sql(rows_of=None) -> str:
    """Shares per report; with rows_of (column -> SQL condition), of the reports it keeps only."""
    where = f"where {rows_of('checks.report_id')}" if rows_of else ""
    return f"""
select
    checks.report_id,
    dim_report.source_file_name,
    dim_report.report_year,
    count(*) as identity_checks,
    count(*) filter (where checks.status = 'FAIL') as failed_checks,
    count(*) filter (where checks.status in ('PASS', 'FAIL')) as assessed_checks,
    coalesce(failed_checks / nullif(assessed_checks, 0), 0.0) as fail_share,
    string_agg(checks.identity_key || ' / ' || checks.subject_key, ', ')
        filter (where checks.status = 'FAIL') as failed_identities

from marts.fct_identity_checks as checks
left join marts.dim_report as dim_report
    on checks.report_id = dim_report.report_id
{where}
group by all
order by dim_report.source_file_name
"""


IDENTITY_FAIL_SHARE = SuiteSpec(
    name="identity_fail_share",
    layer="cross_layer",
    table="marts.fct_identity_checks",
    description="Share of accounting identities (docs/metrics.md) that fail, per report.",
    sql=_identity_fail_share_sql(),
    scoped_sql=_identity_fail_share_sql(_reports_of_agencies_with_new_reports),
    requires=("marts.fct_identity_checks", "marts.dim_report"),
    optional=True,
    id_columns=("report_id", "source_file_name", "failed_checks", "failed_identities"),
    scope=_reports_of_agencies_with_new_reports("report_id"),
    expectations=(
        gxe.ExpectColumnValuesToBeBetween(
            column="fail_share",
            min_value=0,
            max_value=MAX_IDENTITY_FAIL_SHARE,
            **warning(
                f"More than {MAX_IDENTITY_FAIL_SHARE:.0%} of the report's assessable accounting "
                "identities fail (failed_identities lists them), which usually means a table was "
                "read with shifted columns or a missed row. Query marts.fct_identity_checks for "
                "the report (lhs, rhs, lhs_terms), compare with the file, and fix the parser; "
                "if the report's own figures do not add up, use them with care."
            ),
        ),
    ),
)

SUITES = (LAYER_ROW_COUNTS, REPORT_TABLES, IDENTITY_FAIL_SHARE)
