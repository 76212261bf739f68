# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: nianbao (.venv)
#     language: python
#     name: nianbao
# ---

# %% [markdown]
# # Data quality (数据质量)
#
# What the loader could not read cleanly, which reports break their own accounting identities
# (勾稽关系), and which reports have no known issuing organ or region.
#
# Sources: `marts.dim_report`, `marts.dim_agency`, `marts.fct_identity_checks` and the fact
# marts; the parse messages themselves are kept only in `raw.parse_issues` (the marts carry the
# codes per report), so that one raw table is joined in here. Every query opens a read-only
# connection and closes it. The warehouse is the one `NIANBAO_DB` names.

# %% tags=["parameters"]
# each can be set without editing the cell: NIANBAO_<NAME> in the environment (JSON or text)
from loaders.analysis.params import param

TOP_N = param("TOP_N", 30)  # rows shown per table
# identity failures whose operand cells are listed one by one
EVIDENCE_FAILURES = param("EVIDENCE_FAILURES", 5)
# restrict to one kind (e.g. "park_committee"); None = all
AGENCY_KIND: str | None = param("AGENCY_KIND", None)

# %%
import polars as pl
from IPython.display import display

from loaders.analysis.charts import read_sql
from loaders.settings import warehouse_path

DB = warehouse_path()
pl.Config.set_tbl_rows(TOP_N + 5)
pl.Config.set_tbl_cols(20)
pl.Config.set_fmt_str_lengths(80)
print(f"warehouse: {DB}")


def run(sql: str, **params) -> pl.DataFrame:
    """One read-only query; AGENCY_KIND is always available as $agency_kind."""
    return read_sql(sql, {"agency_kind": AGENCY_KIND, **params}, DB)


# reports in scope: all of them, or those of agencies of AGENCY_KIND (then unknown agencies drop)
REPORTS = """
    select dim_report.*, dim_agency.agency_name, dim_agency.agency_kind
    from marts.dim_report
    left join marts.dim_agency on dim_report.agency_id = dim_agency.agency_id
    where $agency_kind is null or dim_agency.agency_kind = $agency_kind
"""

# %% [markdown]
# ## Overview

# %%
run(f"""
with reports as ({REPORTS})
select
    count(*) as reports,
    count(distinct agency_id) as agencies,
    count(*) filter (where is_agency_unknown) as agency_unknown,
    count(*) filter (where region_id is null) as region_unknown,
    count(*) filter (where report_year is null) as year_unknown,
    count(*) filter (where parse_error_count > 0) as with_parse_errors,
    count(*) filter (where parse_warning_count > 0) as with_parse_warnings,
    count(*) filter (where not is_template_as_in_force) as template_not_as_in_force,
    count(*) filter (where is_published_after_deadline) as published_after_deadline,
    round(sum(blank_cell_count) / nullif(sum(cell_count), 0) * 100, 1) as blank_cell_pct
from reports
""")

# %% [markdown]
# ## Parse issues by code
#
# One row per issue code: how often it occurs, in how many reports and agencies, and one example
# message. `error` means figures are missing from the warehouse; `warning` that something was
# decided without full evidence (read the message); `info` is bookkeeping (e.g. blank cells
# stored as null). Issues of files that could not be read at all have no report and count under
# "(unreadable file)".

# %%
ISSUES = f"""
    select
        parse_issues.code,
        parse_issues.severity,
        parse_issues.message,
        parse_issues.line_number,
        parse_issues.source_path,
        reports.report_id,
        reports.source_file_name,
        reports.report_year,
        coalesce(
            reports.agency_name,
            case
                when parse_issues.document_id is null then '(unreadable file)'
                else '(unknown agency)'
            end
        ) as agency_name
    from raw.parse_issues
    left join ({REPORTS}) as reports
        on parse_issues.document_id = reports.report_id
    where reports.report_id is not null
        or ($agency_kind is null and parse_issues.document_id is null)
"""
by_code = run(f"""
with issues as ({ISSUES})
select
    code,
    severity,
    count(*) as issues,
    count(distinct report_id) as reports,
    count(distinct agency_name) as agencies,
    any_value(message) as example_message
from issues
group by code, severity
order by case severity when 'error' then 0 when 'warning' then 1 else 2 end, issues desc
""")
display(by_code)

# %% [markdown]
# ## Parse issues by agency
#
# Agencies with the most error and warning issues first, one column per code (counts).

# %%
# counted in SQL, pivoted in polars: DuckDB's PIVOT statement takes no parameters
issue_counts = run(f"""
with issues as ({ISSUES})
select agency_name, code, count(*) as issues
from issues
where severity in ('error', 'warning')
group by agency_name, code
""")
if issue_counts.is_empty():
    print("no error or warning issues")
    by_agency = issue_counts
else:
    by_agency = (
        issue_counts.pivot(on="code", index="agency_name", values="issues", sort_columns=True)
        .fill_null(0)
        .with_columns(pl.sum_horizontal(pl.exclude("agency_name")).alias("total"))
        .sort(["total", "agency_name"], descending=[True, False])
    )
    print(f"{by_agency.height} agencies with error / warning issues, top {TOP_N} shown")
by_agency.head(TOP_N)

# %% [markdown]
# ## Accounting identities (勾稽关系)
#
# `fct_identity_checks` evaluates the template's own identities per report (and the carry-over to
# the next year's report of the same organ): `PASS`, `FAIL`, or `NOT_ASSESSABLE` when an operand
# is missing or blank (blank is not 0, so nothing is guessed).

# %%
run("""
select
    identity_checks.identity_key,
    any_value(identity_checks.identity_formula_zh) as formula,
    count(*) filter (where status = 'PASS') as pass,
    count(*) filter (where status = 'FAIL') as fail,
    count(*) filter (where status = 'NOT_ASSESSABLE') as not_assessable,
    count(distinct identity_checks.report_id) filter (where status = 'FAIL') as reports_failing
from marts.fct_identity_checks as identity_checks
left join marts.dim_agency on identity_checks.agency_id = dim_agency.agency_id
where $agency_kind is null or dim_agency.agency_kind = $agency_kind
group by identity_checks.identity_key
order by fail desc, identity_checks.identity_key
""")

# %% [markdown]
# ### Failures, both sides
#
# Each failing check with the terms of both sides (`next.` = the same organ's next report), their
# sums and the difference. Identities within one report come first (the report contradicts
# itself); cross-year carry-overs (`cross_year`) are softer: organs restate last year's figures.

# %%
FAILURES = """
    select
        identity_checks.*,
        coalesce(dim_agency.agency_name, '(unknown agency)') as agency_name,
        dim_report.source_file_name
    from marts.fct_identity_checks as identity_checks
    left join marts.dim_agency on identity_checks.agency_id = dim_agency.agency_id
    left join marts.dim_report on identity_checks.report_id = dim_report.report_id
    where identity_checks.status = 'FAIL'
        and ($agency_kind is null or dim_agency.agency_kind = $agency_kind)
"""
failures = run(f"""
select
    agency_name,
    report_year,
    source_file_name,
    identity_kind,
    identity_key,
    subject_label_zh as subject,
    lhs_terms,
    lhs,
    rhs_terms,
    rhs,
    difference
from ({FAILURES})
order by identity_kind = 'cross_year', abs(difference) desc, agency_name, report_year,
    identity_key, subject_order
""")
print(f"{failures.height} failing checks, top {TOP_N} shown")
if failures.is_empty():
    print("Every identity that could be checked holds.")
failures.head(TOP_N)

# %% [markdown]
# ### Evidence: the operand cells of the biggest failures
#
# For the first `EVIDENCE_FAILURES` failures above, every operand cell as printed in the report
# (`value_raw`), the number stored, and the line of the source file, side by side.

# %%
evidence = run(
    f"""
with failures as (
    select * from ({FAILURES})
    order by identity_kind = 'cross_year', abs(difference) desc, agency_name, report_year,
        identity_key, subject_order
    limit $limit
),
terms as (
    select identity_check_id, 'lhs' as side, unnest(string_split(lhs_terms, ' + ')) as term,
        report_id, compared_report_id
    from failures
    union all
    select identity_check_id, 'rhs' as side, unnest(string_split(rhs_terms, ' + ')) as term,
        report_id, compared_report_id
    from failures
),
operands as (
    select
        identity_check_id,
        side,
        term,
        case when starts_with(term, 'next.') then compared_report_id else report_id end
            as operand_report_id,
        regexp_extract(term, '^(?:next\\.)?([^\\[]+)\\[', 1) as row_key,
        regexp_extract(term, '\\[([^\\]]+)\\]$', 1) as column_key
    from terms
),
cells as (
    select report_id, report_year, outcome_key as row_key, applicant_type_key as column_key,
        outcome_label_zh || ' / ' || applicant_type_label_zh as label_zh,
        value, value_raw, line_number
    from marts.fct_applications
    union all
    select report_id, report_year, review_kind_key, outcome_key,
        review_kind_label_zh || ' / ' || outcome_label_zh, value, value_raw, line_number
    from marts.fct_reviews
    union all
    select report_id, report_year, item_key, measure_key,
        item_label_zh || ' / ' || measure_label_zh, value, value_raw, line_number
    from marts.fct_disclosures
)
select
    failures.agency_name,
    failures.report_year,
    failures.identity_key,
    failures.subject_key,
    operands.side,
    operands.term,
    cells.label_zh,
    cells.report_year as operand_year,
    cells.value_raw,
    cells.value,
    cells.line_number
from operands
inner join failures on operands.identity_check_id = failures.identity_check_id
left join cells
    on operands.operand_report_id = cells.report_id
    and operands.row_key = cells.row_key
    and operands.column_key = cells.column_key
order by failures.identity_kind = 'cross_year', abs(failures.difference) desc,
    failures.identity_check_id, operands.side, operands.term
""",
    limit=EVIDENCE_FAILURES,
)
if evidence.is_empty():
    print("no failing identity: nothing to show")
display(evidence)

# %% [markdown]
# ### Not assessable
#
# Checks that could not be evaluated, by reason: an operand row or column missing from the
# report (often a misaligned row the parser refused to guess) or an operand left blank.

# %%
run("""
select
    identity_checks.identity_key,
    case
        when missing_operand_count > 0 and blank_operand_count > 0 then 'missing and blank cells'
        when missing_operand_count > 0 then 'missing cells'
        else 'blank cells'
    end as reason,
    count(*) as checks,
    count(distinct identity_checks.report_id) as reports
from marts.fct_identity_checks as identity_checks
left join marts.dim_agency on identity_checks.agency_id = dim_agency.agency_id
where identity_checks.status = 'NOT_ASSESSABLE'
    and ($agency_kind is null or dim_agency.agency_kind = $agency_kind)
group by all
order by checks desc
""")

# %% [markdown]
# ## Reports whose agency or region is unknown
#
# The issuing organ is never guessed: when neither the title nor the sign-off names it, the
# report has no agency (and so no region). A known agency can still lack a region when the
# gazetteer and the development-zone aliases do not place it. The parse messages say why.

# %%
unknown = run(f"""
with reports as ({REPORTS}),
messages as (
    select document_id, string_agg(code || ': ' || message, ' | ' order by code) as messages
    from raw.parse_issues
    where code like 'agency%' or code like 'region%'
    group by document_id
)
select
    reports.source_file_name,
    reports.report_year,
    reports.template_version,
    reports.agency_name_printed,
    reports.agency_name,
    reports.agency_source,
    reports.region_id,
    reports.region_match_method,
    reports.is_agency_unknown,
    messages.messages
from reports
left join messages on reports.report_id = messages.document_id
where reports.is_agency_unknown or reports.region_id is null
order by reports.is_agency_unknown desc, reports.source_file_name
""")
print(
    f"{unknown.filter(pl.col('is_agency_unknown')).height} reports without agency, "
    f"{unknown.filter(pl.col('region_id').is_null()).height} without region; top {TOP_N} shown"
)
unknown.head(TOP_N)

# %% [markdown]
# Agencies without a region, with the name variants their reports print (an alias for the
# development-zone table is the usual fix).

# %%
run("""
select agency_name, agency_kind, agency_name_variants, report_count,
    first_report_year, last_report_year
from marts.dim_agency
where region_id is null
    and ($agency_kind is null or agency_kind = $agency_kind)
order by report_count desc, agency_name
""").head(TOP_N)

# %% [markdown]
# ## Other report-level flags
#
# Template detected from the tables vs the one in force for the report year, and publication
# dates against the deadline (31 March of the following year for governments and parks; the
# January deadline of departments is not applied here).

# %%
run(f"""
with reports as ({REPORTS})
select
    coalesce(agency_name, '(unknown agency)') as agency_name,
    source_file_name,
    report_year,
    template_version,
    template_version_in_force,
    published_on,
    published_days_after_year_end,
    is_published_after_deadline,
    is_published_before_year_end
from reports
where not is_template_as_in_force
    or is_published_after_deadline
    or is_published_before_year_end
order by agency_name, report_year
""").head(TOP_N)
