-- What an assessment checks of each report: the deadline that applied to it and whether it was
-- met, the sections and tables of its template era present or missing, its accounting identities
-- (as printed, and with blanks read as 0), and a flag list to filter on. One row per report.
with

reports as (

    select * from {{ ref('dim_report') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

sections as (

    select * from {{ ref('stg_nianbao__sections') }}

),

cells as (

    select * from {{ ref('stg_nianbao__cells') }}

),

identity_checks as (

    select * from {{ ref('fct_identity_checks') }}

),

narrative_checks as (

    select * from {{ ref('mart_narrative_checks') }}

),

cross_year_checks as (

    select * from {{ ref('mart_cross_year_checks') }}

),

text_reuse as (

    select * from {{ ref('mart_text_reuse') }}

),

requirements as (

    select * from {{ ref('report_requirements') }}

),

deadlines as (

    select * from {{ ref('report_deadlines') }}

),

report_organs as (

    select
        reports.report_id,
        coalesce(agencies.agency_name, reports.agency_name_printed) as agency_name,
        coalesce(reports.template_version, reports.template_version_in_force) as template_era,
        case
            when reports.report_year is null then null
            when reports.report_year <= 2018 then '2007'
            else '2019'
        end as regulation,
        case
            when coalesce(agencies.agency_name, reports.agency_name_printed) is null then 'unknown'
            when regexp_matches(
                    coalesce(agencies.agency_name, reports.agency_name_printed),
                    '(乡|镇)(人民)?政府$|街道办事处$|街道办$'
                )
                then 'township'
            else
                case {{ agency_kind('coalesce(agencies.agency_name, reports.agency_name_printed)') }}
                    when 'other' then 'unknown'
                    else {{ agency_kind('coalesce(agencies.agency_name, reports.agency_name_printed)') }}
                end
        end as organ_kind

    from reports
    left join agencies
        on reports.agency_id = agencies.agency_id

),

report_deadlines as (

    select
        report_organs.report_id,
        deadlines.rule as deadline_rule,
        deadlines.legal_source as deadline_source,
        deadlines.is_assumed as is_deadline_assumed,
        make_date(reports.report_year + 1, deadlines.deadline_month, deadlines.deadline_day)
            as deadline_on

    from report_organs
    inner join reports
        on report_organs.report_id = reports.report_id
    inner join deadlines
        on report_organs.regulation = deadlines.regulation
        and deadlines.organ_kind in ('any', report_organs.organ_kind)

),

recorded_sections as (

    select
        report_id,
        list_sort(list(section_key) filter (where section_key <> 'preamble')) as sections_found

    from sections
    group by report_id

),

recorded_tables as (

    select
        report_id,
        list_sort(list(distinct table_key)) as tables_found

    from cells
    where value is not null
    group by report_id

),

required_parts as (

    select
        template_era,
        list(part_key order by part_order) filter (where part_kind = 'section') as sections_required,
        list(part_key order by part_order) filter (where part_kind = 'table') as tables_required

    from requirements
    group by template_era

),

identity_counts as (

    select
        report_id,
        count(*) filter (where status = 'PASS') as identity_pass_count,
        count(*) filter (where status = 'FAIL') as identity_fail_count,
        count(*) filter (where status = 'NOT_ASSESSABLE') as identity_not_assessable_count,
        count(*) filter (where status_blanks_as_zero = 'FAIL') as identity_fail_count_blanks_as_zero

    from identity_checks
    where identity_kind = 'within_report'
    group by report_id

),

narrative_counts as (

    select
        report_id,
        count(*) filter (where status = 'FAIL') as narrative_fail_count

    from narrative_checks
    group by report_id

),

cross_year_counts as (

    select
        report_id,
        count(*) filter (
            where status = 'FAIL' and check_key = 'carried_over_matches_previous'
        ) as carry_fail_count,
        count(*) filter (
            where status = 'FAIL' and check_key = 'in_force_rolls_forward'
        ) as in_force_fail_count,
        bool_or(status = 'FAIL' and check_key = 'figures_identical_to_previous')
            as is_figures_identical_to_previous

    from cross_year_checks
    group by report_id

),

reuse_counts as (

    select
        report_id,
        count(*) filter (where is_reused) as reused_section_count,
        max(reuse_share) as max_reuse_share

    from text_reuse
    group by report_id

),

assessed as (

    select
        reports.report_id,
        reports.agency_id,
        reports.region_id,
        report_organs.agency_name,
        report_organs.organ_kind,
        report_organs.template_era,
        report_organs.regulation,
        report_deadlines.deadline_rule,
        report_deadlines.deadline_source,
        recorded_sections.sections_found is not null as has_sections_recorded,
        -- null when no sections are recorded for the report (reloading it records them)
        case when recorded_sections.sections_found is not null then list_filter(
            coalesce(required_parts.sections_required, []::varchar[]),
            lambda section_key: list_contains(recorded_sections.sections_found, section_key)
        ) end as sections_present,
        case when recorded_sections.sections_found is not null then list_filter(
            coalesce(required_parts.sections_required, []::varchar[]),
            lambda section_key: not list_contains(recorded_sections.sections_found, section_key)
        ) end as sections_missing,
        list_filter(
            coalesce(required_parts.tables_required, []::varchar[]),
            lambda table_key: list_contains(coalesce(recorded_tables.tables_found, []), table_key)
        ) as tables_present,
        list_filter(
            coalesce(required_parts.tables_required, []::varchar[]),
            lambda table_key: not list_contains(coalesce(recorded_tables.tables_found, []), table_key)
        ) as tables_missing,
        reports.report_year,
        date_diff('day', report_deadlines.deadline_on, reports.published_on) as days_late,
        coalesce(identity_counts.identity_pass_count, 0) as identity_pass_count,
        coalesce(identity_counts.identity_fail_count, 0) as identity_fail_count,
        coalesce(identity_counts.identity_not_assessable_count, 0)
            as identity_not_assessable_count,
        coalesce(identity_counts.identity_fail_count_blanks_as_zero, 0)
            as identity_fail_count_blanks_as_zero,
        coalesce(narrative_counts.narrative_fail_count, 0) as narrative_fail_count,
        coalesce(cross_year_counts.carry_fail_count, 0) as carry_fail_count,
        coalesce(cross_year_counts.in_force_fail_count, 0) as in_force_fail_count,
        reuse_counts.reused_section_count,
        reuse_counts.max_reuse_share,
        report_deadlines.is_deadline_assumed,
        reports.published_on <= report_deadlines.deadline_on as is_on_time,
        cross_year_counts.is_figures_identical_to_previous,
        reports.is_current_version,
        reports.is_agency_unknown,
        report_deadlines.deadline_on,
        reports.published_on,
        reports.loaded_at

    from reports
    inner join report_organs
        on reports.report_id = report_organs.report_id
    left join report_deadlines
        on reports.report_id = report_deadlines.report_id
    left join recorded_sections
        on reports.report_id = recorded_sections.report_id
    left join recorded_tables
        on reports.report_id = recorded_tables.report_id
    left join required_parts
        on report_organs.template_era = required_parts.template_era
    left join identity_counts
        on reports.report_id = identity_counts.report_id
    left join narrative_counts
        on reports.report_id = narrative_counts.report_id
    left join cross_year_counts
        on reports.report_id = cross_year_counts.report_id
    left join reuse_counts
        on reports.report_id = reuse_counts.report_id

),

final as (

    select
        -- ids
        report_id,
        agency_id,
        region_id,
        -- strings
        agency_name,
        organ_kind,
        template_era,
        regulation,
        deadline_rule,
        deadline_source,
        sections_present,
        sections_missing,
        tables_present,
        tables_missing,
        list_filter(
            [
                case when is_agency_unknown then 'agency_unknown' end,
                case when report_year is null then 'year_unknown' end,
                case when published_on is null then 'publication_date_unknown' end,
                case when not is_on_time then 'late' end,
                case when is_deadline_assumed then 'deadline_assumed' end,
                case when published_on <= make_date(report_year, 12, 31)
                    then 'published_before_year_end' end,
                case when len(sections_missing) > 0 then 'section_missing' end,
                case when len(tables_missing) > 0 then 'table_missing' end,
                case when identity_fail_count > 0 then 'identity_fail' end,
                case when identity_fail_count_blanks_as_zero > identity_fail_count
                    then 'identity_fail_if_blanks_zero' end,
                case when narrative_fail_count > 0 then 'narrative_contradiction' end,
                case when carry_fail_count > 0 then 'carry_chain_broken' end,
                case when in_force_fail_count > 0 then 'in_force_broken' end,
                case when is_figures_identical_to_previous then 'figures_identical_to_previous' end,
                case when reused_section_count > 0 then 'text_reused' end
            ],
            lambda flag: flag is not null
        ) as flags,
        -- numerics
        report_year,
        days_late,
        len(sections_missing) as section_missing_count,
        len(tables_missing) as table_missing_count,
        identity_pass_count,
        identity_fail_count,
        identity_not_assessable_count,
        identity_fail_count_blanks_as_zero,
        narrative_fail_count,
        carry_fail_count,
        in_force_fail_count,
        reused_section_count,
        max_reuse_share,
        -- booleans
        is_on_time,
        is_deadline_assumed,
        is_figures_identical_to_previous,
        has_sections_recorded,
        is_current_version,
        -- dates
        deadline_on,
        published_on,
        -- timestamps
        loaded_at

    from assessed

)

select * from final
