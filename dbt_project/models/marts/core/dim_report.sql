-- Incremental: a build adds the reports loaded since the latest loaded_at already in the table,
-- with counts from their own cells, complaint figures and parse issues (a report is immutable).
-- A new report also changes version_count and is_current_version of the other reports of its
-- agency and year, so the rows of those (agency, year) groups are taken from the table, their two
-- version columns computed again over the whole group, and they replace the old rows (unique_key
-- report_id). `--full-refresh` rebuilds it from every report.
{{ config(unique_key='report_id') }}

with

reports as (

    select * from {{ ref('int_reports_resolved') }}
    -- the driver: the reports loaded since the last build
    {{ loaded_since_last_build() }}

),

cells as (

    select * from {{ ref('stg_nianbao__cells') }}
    -- a row carries its report's load stamp: this only prunes the raw table to the new row groups
    {{ loaded_since_last_build() }}

),

complaints as (

    select * from {{ ref('stg_nianbao__complaints') }}
    -- a row carries its report's load stamp: this only prunes the raw table to the new row groups
    {{ loaded_since_last_build() }}

),

parse_issues as (

    select * from {{ ref('stg_nianbao__parse_issues') }}
    -- a row carries its report's load stamp: this only prunes the raw table to the new row groups
    {{ loaded_since_last_build() }}

),

cell_counts as (

    select
        report_id,
        count(*) as cell_count,
        count(*) filter (where is_blank) as blank_cell_count,
        count(*) filter (where table_key = 'disclosures') as disclosure_cell_count,
        count(*) filter (where table_key = 'applications') as application_cell_count,
        count(*) filter (where table_key = 'reviews') as review_cell_count

    from cells
    group by report_id

),

complaint_counts as (

    select
        report_id,
        count(*) as complaint_figure_count

    from complaints
    group by report_id

),

issue_counts as (

    select
        report_id,
        count(*) as parse_issue_count,
        count(*) filter (where severity = 'error') as parse_error_count,
        count(*) filter (where severity = 'warning') as parse_warning_count,
        list_sort(list_distinct(list(issue_code))) as parse_issue_codes

    from parse_issues
    where report_id is not null
    group by report_id

),

report_rows as (

    select
        -- ids
        reports.report_id,
        reports.agency_id,
        reports.region_id,
        -- strings
        reports.source_file_name,
        reports.source_path,
        reports.source_format,
        reports.source_encoding,
        reports.agency_name_printed,
        reports.agency_source,
        reports.template_version,
        reports.template_version_in_force,
        reports.region_match_method,
        coalesce(issue_counts.parse_issue_codes, []::varchar[]) as parse_issue_codes,
        reports.corrected_fields,
        reports.correction_reason,
        -- numerics
        reports.report_year,
        reports.size_bytes,
        reports.line_count,
        coalesce(cell_counts.cell_count, 0) as cell_count,
        coalesce(cell_counts.blank_cell_count, 0) as blank_cell_count,
        coalesce(cell_counts.disclosure_cell_count, 0) as disclosure_cell_count,
        coalesce(cell_counts.application_cell_count, 0) as application_cell_count,
        coalesce(cell_counts.review_cell_count, 0) as review_cell_count,
        coalesce(complaint_counts.complaint_figure_count, 0) as complaint_figure_count,
        coalesce(issue_counts.parse_issue_count, 0) as parse_issue_count,
        coalesce(issue_counts.parse_error_count, 0) as parse_error_count,
        coalesce(issue_counts.parse_warning_count, 0) as parse_warning_count,
        date_diff('day', make_date(reports.report_year, 12, 31), reports.published_on)
            as published_days_after_year_end,
        -- booleans
        reports.agency_id is null as is_agency_unknown,
        (reports.template_version is not distinct from reports.template_version_in_force)
            as is_template_as_in_force,
        reports.published_on <= make_date(reports.report_year, 12, 31)
            as is_published_before_year_end,
        reports.published_on > make_date(reports.report_year + 1, 3, 31)
            as is_published_after_deadline,
        reports.has_metadata,
        -- dates
        reports.published_on,
        -- timestamps
        reports.loaded_at

    from reports
    left join cell_counts
        on reports.report_id = cell_counts.report_id
    left join complaint_counts
        on reports.report_id = complaint_counts.report_id
    left join issue_counts
        on reports.report_id = issue_counts.report_id
    {%- if is_incremental() %}

    union all by name

    -- the earlier reports of the new reports' (agency, year) groups, as built before; a null
    -- agency or year groups like a value, as in the window functions below
    select * exclude (version_count, is_current_version)
    from {{ this }} as built
    where exists (
        select 1
        from reports as new_reports
        where new_reports.agency_id is not distinct from built.agency_id
            and new_reports.report_year is not distinct from built.report_year
    )
    {%- endif %}

),

final as (

    select
        -- ids
        report_id,
        agency_id,
        region_id,
        -- strings
        source_file_name,
        source_path,
        source_format,
        source_encoding,
        agency_name_printed,
        agency_source,
        template_version,
        template_version_in_force,
        region_match_method,
        parse_issue_codes,
        corrected_fields,
        correction_reason,
        -- numerics
        report_year,
        size_bytes,
        line_count,
        cell_count,
        blank_cell_count,
        disclosure_cell_count,
        application_cell_count,
        review_cell_count,
        complaint_figure_count,
        parse_issue_count,
        parse_error_count,
        parse_warning_count,
        count(*) over (partition by agency_id, report_year) as version_count,
        published_days_after_year_end,
        -- booleans
        is_agency_unknown,
        is_template_as_in_force,
        is_published_before_year_end,
        is_published_after_deadline,
        has_metadata,
        -- several documents for one agency and year are versions; the latest loaded one is
        -- the one mart_agency_year uses (an unknown agency is its own version of nothing)
        agency_id is null or report_year is null or row_number() over (
            partition by agency_id, report_year
            order by loaded_at desc, report_id asc
        ) = 1 as is_current_version,
        -- dates
        published_on,
        -- timestamps
        loaded_at

    from report_rows

)

select * from final
