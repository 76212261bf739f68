-- Parse issues for analysts: each issue with its report, agency and the glossary's meaning and
-- remedy (seed issue_codes); routine info codes are summarised to one row per report and code,
-- so that dozens of unmapped pre-2019 statistics rows do not drown the rest.
with

issues as (

    select * from {{ ref('stg_nianbao__parse_issues') }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

glossary as (

    select * from {{ ref('issue_codes') }}

),

classified as (

    select
        issues.*,
        coalesce(glossary.is_routine, false) as is_routine

    from issues
    left join glossary
        on issues.issue_code = glossary.issue_code

),

single_rows as (

    select
        issue_id as parse_issue_row_id,
        report_id,
        source_path,
        issue_code,
        severity,
        source_position,
        message,
        line_number,
        1 as issue_count,
        false as is_summary,
        loaded_at

    from classified
    where not is_routine

),

summary_rows as (

    select
        md5(coalesce(report_id, source_path) || '|' || issue_code || '|' || severity)
            as parse_issue_row_id,
        report_id,
        any_value(source_path) as source_path,
        issue_code,
        severity,
        arg_min(source_position, coalesce(line_number, 0)) as source_position,
        count(*) || ' issue(s), the first: ' || arg_min(message, coalesce(line_number, 0))
            as message,
        min(line_number) as line_number,
        count(*) as issue_count,
        true as is_summary,
        max(loaded_at) as loaded_at

    from classified
    where is_routine
    group by report_id, coalesce(report_id, source_path), issue_code, severity

),

issue_rows as (

    select * from single_rows
    union all
    select * from summary_rows

),

final as (

    select
        -- ids
        issue_rows.parse_issue_row_id,
        issue_rows.report_id,
        reports.agency_id,
        reports.region_id,
        -- strings
        issue_rows.issue_code,
        issue_rows.severity,
        issue_rows.source_path,
        reports.source_file_name,
        agencies.agency_name,
        issue_rows.source_position,
        issue_rows.message,
        glossary.meaning,
        glossary.what_to_do,
        glossary.stage,
        -- numerics
        reports.report_year,
        issue_rows.line_number,
        issue_rows.issue_count,
        -- booleans
        issue_rows.is_summary,
        glossary.issue_code is not null as is_in_glossary,
        -- timestamps
        issue_rows.loaded_at

    from issue_rows
    left join reports
        on issue_rows.report_id = reports.report_id
    left join agencies
        on reports.agency_id = agencies.agency_id
    left join glossary
        on issue_rows.issue_code = glossary.issue_code

)

select * from final
