-- Every table cell of every report reaches exactly one of the three cell facts: dim_report's cell
-- counts (from staging) equal the fact rows per report.
with

reports as (

    select * from {{ ref('dim_report') }}

),

disclosures as (

    select * from {{ ref('fct_disclosures') }}

),

applications as (

    select * from {{ ref('fct_applications') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

fact_rows as (

    select report_id, count(*) as fact_row_count from disclosures group by report_id
    union all
    select report_id, count(*) as fact_row_count from applications group by report_id
    union all
    select report_id, count(*) as fact_row_count from reviews group by report_id

),

fact_rows_per_report as (

    select
        report_id,
        sum(fact_row_count) as fact_row_count

    from fact_rows
    group by report_id

),

final as (

    select
        reports.report_id,
        reports.cell_count,
        coalesce(fact_rows_per_report.fact_row_count, 0) as fact_row_count

    from reports
    left join fact_rows_per_report
        on reports.report_id = fact_rows_per_report.report_id
    where reports.cell_count <> coalesce(fact_rows_per_report.fact_row_count, 0)

)

select * from final
