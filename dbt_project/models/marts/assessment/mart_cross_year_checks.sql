-- Each report against the same agency's report of the year before (the current version of that
-- year): 结转下年度 (t-1) = 上年结转 (t) per applicant column; for table 二 on the 2021 format,
-- 现行有效 (t) = 现行有效 (t-1) + 本年制发 (t) - 本年废止 (t) per item; and whether every figure
-- both reports print is identical. One row per report x check x subject.
with

reports as (

    select * from {{ ref('dim_report') }}

),

cells as (

    select * from {{ ref('stg_nianbao__cells') }}

),

applicant_types as (

    select key from {{ ref('vocabulary') }}
    where fact = 'applications' and key_kind = 'applicant_type'
        and template_versions like '%v2019%'

),

report_pairs as (

    -- a report and the current version of its agency's report for the year before
    select
        reports.report_id,
        reports.agency_id,
        reports.region_id,
        reports.report_year,
        reports.template_version,
        previous.report_id as previous_report_id,
        previous.template_version as previous_template_version,
        reports.loaded_at

    from reports
    {{ join_previous_year_report('reports') }}

),

carry_terms as (

    select
        report_pairs.report_id,
        'carried_over_matches_previous' as check_key,
        applicant_types.key as subject_key,
        max(previous_cells.value) as lhs,
        max(own_cells.value) as rhs,
        count(previous_cells.report_id) + count(own_cells.report_id) as stored_count,
        count(previous_cells.value) + count(own_cells.value) as printed_count

    from report_pairs
    cross join applicant_types
    left join cells as previous_cells
        on report_pairs.previous_report_id = previous_cells.report_id
        and previous_cells.table_key = 'applications'
        and previous_cells.row_key = 'carried_forward'
        and applicant_types.key = previous_cells.column_key
    left join cells as own_cells
        on report_pairs.report_id = own_cells.report_id
        and own_cells.table_key = 'applications'
        and own_cells.row_key = 'carried_over'
        and applicant_types.key = own_cells.column_key
    group by report_pairs.report_id, applicant_types.key

),

in_force_cells as (

    select
        report_id,
        row_key,
        {{ cell_value("column_key = 'in_force'") }} as in_force,
        {{ cell_value("column_key = 'issued_this_year'") }} as issued,
        {{ cell_value("column_key = 'repealed_this_year'") }} as repealed,
        count(*) filter (
            where column_key in ('in_force', 'issued_this_year', 'repealed_this_year')
        ) as stored_count,
        count(value) filter (
            where column_key in ('in_force', 'issued_this_year', 'repealed_this_year')
        ) as printed_count

    from cells
    where table_key = 'disclosures'
    group by report_id, row_key
    having count(*) filter (where column_key = 'in_force') > 0

),

in_force_terms as (

    select
        report_pairs.report_id,
        'in_force_rolls_forward' as check_key,
        own.row_key as subject_key,
        own.in_force as lhs,
        previous.in_force + own.issued - own.repealed as rhs,
        own.stored_count + 1 as stored_count,
        own.printed_count + (previous.in_force is not null)::integer as printed_count

    from report_pairs
    inner join in_force_cells as own
        on report_pairs.report_id = own.report_id
    inner join in_force_cells as previous
        on report_pairs.previous_report_id = previous.report_id
        and own.row_key = previous.row_key
    where report_pairs.template_version = 'v2021'
        and report_pairs.previous_template_version = 'v2021'

),

shared_cells as (

    select
        report_pairs.report_id,
        count(*) as compared_cell_count,
        count(*) filter (where own_cells.value = previous_cells.value) as identical_cell_count,
        count(*) filter (where own_cells.value <> 0) as nonzero_cell_count

    from report_pairs
    inner join cells as own_cells
        on report_pairs.report_id = own_cells.report_id
    inner join cells as previous_cells
        on report_pairs.previous_report_id = previous_cells.report_id
        and own_cells.table_key = previous_cells.table_key
        and own_cells.row_key = previous_cells.row_key
        and own_cells.column_key = previous_cells.column_key
    where own_cells.value is not null
        and previous_cells.value is not null
    group by report_pairs.report_id

),

identical_terms as (

    select
        report_pairs.report_id,
        'figures_identical_to_previous' as check_key,
        'all_tables' as subject_key,
        shared_cells.identical_cell_count::double as lhs,
        shared_cells.compared_cell_count::double as rhs,
        shared_cells.compared_cell_count as stored_count,
        shared_cells.compared_cell_count as printed_count,
        shared_cells.nonzero_cell_count

    from report_pairs
    inner join shared_cells
        on report_pairs.report_id = shared_cells.report_id

),

checks as (

    select *, null::bigint as nonzero_cell_count from carry_terms
    union all
    select *, null::bigint as nonzero_cell_count from in_force_terms
    union all
    select * from identical_terms

),

final as (

    select
        -- ids
        md5(checks.report_id || '|' || checks.check_key || '|' || checks.subject_key)
            as cross_year_check_id,
        checks.report_id,
        report_pairs.agency_id,
        report_pairs.region_id,
        report_pairs.previous_report_id,
        checks.check_key,
        checks.subject_key,
        -- strings
        case
            when checks.check_key = 'figures_identical_to_previous' then
                case
                    when checks.rhs = 0 then 'NOT_ASSESSABLE'
                    -- every shared figure repeated: a FAIL, unless they are all 0 (a quiet
                    -- organ's honest report)
                    when checks.lhs = checks.rhs and checks.nonzero_cell_count > 0 then 'FAIL'
                    else 'PASS'
                end
            else {{ equality_status('checks.lhs', 'checks.rhs') }}
        end as status,
        -- numerics
        report_pairs.report_year,
        checks.lhs,
        checks.rhs,
        checks.lhs - checks.rhs as difference,
        checks.stored_count,
        checks.printed_count,
        checks.nonzero_cell_count,
        -- timestamps
        report_pairs.loaded_at

    from checks
    inner join report_pairs
        on checks.report_id = report_pairs.report_id

)

select * from final
