-- Region lookup: the loader's GB/T 2260 code when the gazetteer knows it, else the division whose
-- province / prefecture / county names match the names the loader resolved, else null.
with

loaded_reports as (

    select * from {{ ref('stg_nianbao__reports') }}

),

corrections as (

    select * from {{ ref('report_corrections') }}
    where nullif(trim(region_code), '') is not null

),

reports as (

    -- an analyst's region code (seed report_corrections) replaces the loader's, and its names
    select
        loaded_reports.* replace (
            coalesce(trim(corrections.region_code), loaded_reports.region_code) as region_code,
            case when corrections.region_code is null then loaded_reports.province_name end
                as province_name
        ),
        corrections.region_code is not null as is_region_corrected

    from loaded_reports
    left join corrections
        on loaded_reports.report_id = corrections.document_sha256

),

regions as (

    select * from {{ ref('stg_nianbao__regions') }}

),

by_code as (

    select
        reports.report_id,
        regions.region_id

    from reports
    inner join regions
        on reports.region_code = regions.region_id

),

by_name as (

    select
        reports.report_id,
        regions.region_id

    from reports
    inner join regions
        on reports.province_name = regions.province_name
        and coalesce(reports.prefecture_name, '') = coalesce(regions.prefecture_name, '')
        and coalesce(reports.county_name, '') = coalesce(regions.county_name, '')
    where reports.province_name is not null
    qualify row_number() over (partition by reports.report_id order by regions.region_id) = 1

),

final as (

    select
        reports.report_id,
        coalesce(by_code.region_id, by_name.region_id) as region_id,
        reports.region_code as region_code_loaded,
        case
            when reports.is_region_corrected and by_code.region_id is not null then 'correction'
            when by_code.region_id is not null then 'code'
            when by_name.region_id is not null then 'names'
            when reports.region_code is not null or reports.province_name is not null
                then 'unmatched'
            else 'none'
        end as region_match_method,
        reports.loaded_at

    from reports
    left join by_code
        on reports.report_id = by_code.report_id
    left join by_name
        on reports.report_id = by_name.report_id

)

select * from final
