-- A table rebuilt whole on every build, not the folder's incremental: a row depends on every report
-- of its key, and the table is small.
{{ config(materialized='table') }}

with

reports as (

    select * from {{ ref('int_reports_resolved') }}

),

years as (

    select
        report_year,
        any_value(template_version_in_force) as template_version,
        count(*) as report_count,
        count(distinct agency_id) as agency_count,
        count(*) filter (
            where template_version is distinct from template_version_in_force
        ) as report_count_off_template

    from reports
    where report_year is not null
    group by report_year

),

final as (

    select
        report_year,
        template_version,
        case template_version
            when 'pre2019' then '条例 2007（国务院令第492号）; table layout set locally'
            when 'v2019' then '国办公开办函〔2019〕60号'
            when 'v2021' then '国办公开办函〔2021〕30号'
        end as template_basis,
        report_count,
        agency_count,
        report_count_off_template

    from years

)

select * from final
