-- A table rebuilt whole on every build, not the folder's incremental: a row depends on every report
-- of its key, and the table is small.
{{ config(materialized='table') }}

with

reports as (

    select * from {{ ref('int_reports_resolved') }}

),

regions as (

    select * from {{ ref('stg_nianbao__regions') }}

),

agency_reports as (

    select * from reports
    where agency_id is not null

),

name_candidates as (

    select
        agency_id,
        agency_name_candidate,
        bool_or(is_alias_applied) as is_alias_target,
        bool_or(is_name_from_title) as is_from_title,
        count(*) as report_count,
        max(report_year) as last_report_year

    from agency_reports
    group by agency_id, agency_name_candidate

),

display_names as (

    -- a curated alias target first, then a name printed in a title, then the most used, the most
    -- recent and the longest variant
    select
        agency_id,
        agency_name_candidate as agency_name

    from name_candidates
    qualify row_number() over (
        partition by agency_id
        order by
            is_alias_target desc,
            is_from_title desc,
            report_count desc,
            last_report_year desc nulls last,
            length(agency_name_candidate) desc,
            agency_name_candidate
    ) = 1

),

region_candidates as (

    select
        agency_reports.agency_id,
        agency_reports.region_id,
        case regions.region_level
            when 'county' then 3
            when 'prefecture' then 2
            else 1
        end as region_depth,
        count(*) as report_count,
        max(agency_reports.report_year) as last_report_year

    from agency_reports
    inner join regions
        on agency_reports.region_id = regions.region_id
    group by agency_reports.agency_id, agency_reports.region_id, regions.region_level

),

agency_regions as (

    -- the finest division any of the agency's reports resolved to, then the most frequent
    select
        agency_id,
        region_id

    from region_candidates
    qualify row_number() over (
        partition by agency_id
        order by
            region_depth desc,
            report_count desc,
            last_report_year desc nulls last,
            region_id asc
    ) = 1

),

agency_summary as (

    select
        agency_id,
        any_value(agency_key) as agency_key,
        list_sort(list_distinct(list(agency_name_printed))) as agency_name_variants,
        count(*) as report_count,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year

    from agency_reports
    group by agency_id

),

final as (

    select
        agency_summary.agency_id,
        display_names.agency_name,
        {{ agency_kind('display_names.agency_name') }} as agency_kind,
        agency_regions.region_id,
        agency_summary.agency_key,
        agency_summary.agency_name_variants,
        len(agency_summary.agency_name_variants) as agency_name_variant_count,
        agency_summary.report_count,
        agency_summary.first_report_year,
        agency_summary.last_report_year

    from agency_summary
    inner join display_names
        on agency_summary.agency_id = display_names.agency_id
    left join agency_regions
        on agency_summary.agency_id = agency_regions.agency_id

)

select * from final
