-- Roll-ups per division and year: reports, agencies reporting, applications, grant rate, reports
-- late and identity failures, at province, prefecture and county level. An agency counts in its
-- own division (dim_agency.region_id) and every division above it. The four municipalities
-- directly under the central government (北京 110000, 天津 120000, 上海 310000, 重庆 500000) are
-- their own prefecture-level unit: their districts and counties roll up to the municipality at
-- both province and prefecture level. A county-level unit directly under a province (济源, 仙桃,
-- 石河子...) has no prefecture: it rolls up to its county and province rows only.
with

agency_years as (

    select * from {{ ref('mart_agency_year') }}

),

compliance as (

    select * from {{ ref('mart_report_compliance') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

cells as (

    select * from {{ ref('stg_nianbao__cells') }}

),

applicant_parts as (

    -- 新收申请 as the sum of its six applicant columns, for a report whose 总计 cell is blank but
    -- whose parts are all printed (never replacing a printed total)
    select
        report_id,
        sum(value) as applications_new_from_parts

    from cells
    where table_key = 'applications'
        and row_key = 'new_received'
        and column_key in (
            'natural_person', 'commercial_enterprise', 'research_institution',
            'social_organization', 'legal_service_institution', 'other_organization'
        )
    group by report_id
    having count(value) = 6

),

agency_figures as (

    select
        agency_years.agency_id,
        agency_years.report_id,
        agency_years.report_year,
        agency_years.region_id,
        coalesce(agency_years.applications_new, applicant_parts.applications_new_from_parts)
            as applications_new,
        agency_years.applications_new is null
            and applicant_parts.applications_new_from_parts is not null
            as is_applications_new_derived,
        -- the grant rate's operands, only where both are printed
        case when agency_years.applications_processed is not null
            then agency_years.applications_granted end as applications_granted,
        case when agency_years.applications_granted is not null
            then agency_years.applications_processed end as applications_processed,
        compliance.is_on_time,
        compliance.identity_fail_count

    from agency_years
    left join applicant_parts
        on agency_years.report_id = applicant_parts.report_id
    left join compliance
        on agency_years.report_id = compliance.report_id

),

placed as (

    -- each agency-year once per level of the divisions it belongs to
    select
        agency_figures.*,
        left(regions.region_id, 2) || '0000' as province_id,
        case
            when left(regions.region_id, 2) in ('11', '12', '31', '50')
                then left(regions.region_id, 2) || '0000'
            when regions.region_level = 'prefecture' then regions.region_id
            else regions.prefecture_region_id
        end as prefecture_id,
        case when regions.region_level = 'county' then regions.region_id end as county_id

    from agency_figures
    inner join regions
        on agency_figures.region_id = regions.region_id

),

levels as (

    select 'province' as rollup_level, province_id as rollup_region_id, * from placed
    union all
    select 'prefecture' as rollup_level, prefecture_id as rollup_region_id, *
    from placed
    where prefecture_id is not null
    union all
    select 'county' as rollup_level, county_id as rollup_region_id, *
    from placed
    where county_id is not null

),

rolled as (

    select
        rollup_level,
        rollup_region_id,
        report_year,
        count(distinct report_id) as report_count,
        count(distinct agency_id) as agency_count,
        sum(applications_new) as applications_new,
        count(applications_new) as applications_new_reported_count,
        count(*) filter (where is_applications_new_derived) as applications_new_derived_count,
        {{ safe_divide('sum(applications_granted)', 'sum(applications_processed)') }}
            as grant_rate,
        count(applications_processed) as grant_rate_reported_count,
        count(*) filter (where is_on_time = false) as late_report_count,
        count(*) filter (where is_on_time is null) as publication_unknown_report_count,
        count(*) filter (where identity_fail_count > 0) as identity_fail_report_count,
        coalesce(sum(identity_fail_count), 0) as identity_fail_count

    from levels
    group by rollup_level, rollup_region_id, report_year

),

final as (

    select
        -- ids
        md5(rolled.rollup_level || '|' || rolled.rollup_region_id || '|' || rolled.report_year)
            as region_year_id,
        rolled.rollup_region_id as region_id,
        -- strings
        rolled.rollup_level,
        regions.region_name,
        regions.province_name,
        -- numerics
        rolled.report_year,
        rolled.report_count,
        rolled.agency_count,
        rolled.applications_new,
        rolled.applications_new_reported_count,
        rolled.applications_new_derived_count,
        rolled.grant_rate,
        rolled.grant_rate_reported_count,
        rolled.late_report_count,
        rolled.publication_unknown_report_count,
        rolled.identity_fail_report_count,
        rolled.identity_fail_count

    from rolled
    left join regions
        on rolled.rollup_region_id = regions.region_id

)

select * from final
