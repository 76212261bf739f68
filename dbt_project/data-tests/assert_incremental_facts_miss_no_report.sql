-- The incremental facts without a cell count of their own miss no report: every complaint figure
-- of a report (dim_report, from staging) is in fct_complaints, and every report on the v2019 /
-- v2021 templates has identity checks. (assert_every_cell_reaches_a_fact does the same for the
-- three cell facts.) An incremental build skips a report whose loaded_at is not later than the
-- watermark (e.g. stamped by a clock that went back); this makes such a gap an error instead of a
-- silently missing report. Fix: `nianbao build --full-refresh`.
with

reports as (

    select * from {{ ref('dim_report') }}

),

complaints as (

    select * from {{ ref('fct_complaints') }}

),

identity_checks as (

    select * from {{ ref('fct_identity_checks') }}

),

complaint_rows_per_report as (

    select
        report_id,
        count(*) as complaint_row_count

    from complaints
    group by report_id

),

checked_reports as (

    select distinct report_id from identity_checks

),

final as (

    select
        reports.report_id,
        reports.template_version,
        reports.complaint_figure_count,
        coalesce(complaint_rows_per_report.complaint_row_count, 0) as complaint_row_count,
        checked_reports.report_id is not null as has_identity_checks

    from reports
    left join complaint_rows_per_report
        on reports.report_id = complaint_rows_per_report.report_id
    left join checked_reports
        on reports.report_id = checked_reports.report_id
    where reports.complaint_figure_count
        <> coalesce(complaint_rows_per_report.complaint_row_count, 0)
        or coalesce(reports.template_version in ('v2019', 'v2021'), false)
        <> (checked_reports.report_id is not null)

)

select * from final
