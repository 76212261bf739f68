-- A table rebuilt whole on every build, not the folder's incremental: a row depends on every report
-- of its key, and the table is small.
{{ config(materialized='table') }}

with

regions as (

    select * from {{ ref('stg_nianbao__regions') }}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}

),

reports_per_region as (

    select
        region_id,
        count(*) as report_count

    from reports
    where region_id is not null
    group by region_id

),

with_parents as (

    select
        regions.region_id,
        regions.province_name,
        regions.prefecture_name,
        regions.county_name,
        regions.region_level,
        coalesce(regions.county_name, regions.prefecture_name, regions.province_name) as region_name,
        left(regions.region_id, 2) || '0000' as province_code,
        case
            when regions.region_level = 'county' then left(regions.region_id, 4) || '00'
        end as prefecture_code,
        regions.vintage_year,
        coalesce(reports_per_region.report_count, 0) as report_count

    from regions
    left join reports_per_region
        on regions.region_id = reports_per_region.region_id

),

final as (

    select
        with_parents.region_id,
        with_parents.province_name,
        with_parents.prefecture_name,
        with_parents.county_name,
        with_parents.region_level,
        with_parents.region_name,
        case
            when with_parents.region_level <> 'province' then province_regions.region_id
        end as province_region_id,
        prefecture_regions.region_id as prefecture_region_id,
        with_parents.vintage_year,
        with_parents.report_count

    from with_parents
    left join regions as province_regions
        on with_parents.province_code = province_regions.region_id
    left join regions as prefecture_regions
        on with_parents.prefecture_code = prefecture_regions.region_id

)

select * from final
