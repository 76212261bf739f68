-- Agency resolution: every report's printed organ name is reduced to a matching key (whitespace,
-- 管理委员会 / 管委会, a title name that is the prefix of the fuller name with 管委会 / 人民政府),
-- misspellings and short forms are mapped through the agency_aliases seed, and the agency id is a
-- stable hash of the resolved key. An unreadable name stays null: nothing is guessed, unless an
-- analyst set it in the report_corrections seed.
with

reports as (

    select * from {{ ref('stg_nianbao__reports') }}

),

corrections as (

    select * from {{ ref('report_corrections') }}
    where nullif(trim(agency_name), '') is not null

),

agency_aliases as (

    select * from {{ ref('agency_aliases') }}

),

alias_keys as (

    select
        {{ agency_name_key('alias') }} as alias_key,
        {{ clean_agency_name('canonical_name') }} as canonical_name,
        {{ agency_name_key('canonical_name') }} as canonical_key

    from agency_aliases

),

corrected_reports as (

    -- an analyst's corrected name (seed report_corrections) is resolved as a printed one would be
    select
        reports.report_id,
        reports.agency_name_printed,
        coalesce(trim(corrections.agency_name), reports.agency_name_printed) as agency_name_read,
        case when corrections.agency_name is not null then 'correction' else reports.agency_source end
            as agency_source,
        reports.loaded_at

    from reports
    left join corrections
        on reports.report_id = corrections.document_sha256

),

report_names as (

    select
        report_id,
        agency_name_printed,
        agency_source,
        loaded_at,
        {{ clean_agency_name('agency_name_read') }} as agency_name_clean,
        {{ agency_name_key('agency_name_read') }} as agency_name_key

    from corrected_reports

),

resolved as (

    select
        report_names.report_id,
        report_names.agency_name_printed,
        report_names.agency_source,
        report_names.agency_name_clean,
        report_names.agency_name_key,
        alias_keys.canonical_name as alias_canonical_name,
        coalesce(alias_keys.canonical_key, report_names.agency_name_key) as agency_key,
        alias_keys.alias_key is not null as is_alias_applied,
        coalesce(report_names.agency_source, '') like '%title%' as is_name_from_title,
        report_names.loaded_at

    from report_names
    left join alias_keys
        on report_names.agency_name_key = alias_keys.alias_key

),

final as (

    select
        report_id,
        case
            when agency_key is not null and agency_key <> ''
                then md5(agency_key)
        end as agency_id,
        agency_key,
        agency_name_printed,
        agency_name_clean,
        -- the name this report contributes to the agency's display name: the alias target for a
        -- known variant, else the name as printed without whitespace
        coalesce(alias_canonical_name, agency_name_clean) as agency_name_candidate,
        agency_source,
        is_alias_applied,
        is_name_from_title,
        loaded_at

    from resolved

)

select * from final
