-- The operands of the accounting identities (勾稽关系) of tables 三 and 四 and of the cross-year
-- carry of tables 二 and 三, per report, identity and subject: which cells each side sums (its
-- terms), how many of them the report stores, how many are blank, and their sum. The rules that
-- turn these into a side and a status are fct_identity_checks'.
--
-- The operand list is the same for every report (per （六）其他处理 layout), so the terms and
-- operand counts are computed once on it; the cells are joined to that small list and summed per
-- report and subject, and a report's missing operands are the listed ones that no cell matched.
--
-- A table rather than the folder's view, incremental like fct_identity_checks: as a view, each
-- build of the checks would sum the operands of every report. A build recomputes the reports
-- loaded since the latest loaded_at already in the table and every other report of their
-- agencies, because a new report changes the cross-year operands of its agency's other reports
-- (the previous year's report gains its next. operands, or another next report when a newer
-- version of the year is loaded). The rows of each recomputed report replace all its old rows
-- (unique_key report_id: the set of a report's cross-year rows can change).
{{ config(materialized='incremental', unique_key='report_id') }}

with

reports as (

    select * from {{ ref('dim_report') }}

),

scoped_reports as (

    -- the reports whose operands this build sums: every report on a full build; incrementally
    -- the reports loaded since the last build and all reports of their agencies
    select * from reports
    {{ agencies_loaded_since_last_build('reports', new_reports_too=true) }}

),

-- the cells are read by several branches below: not materialized, so that each scan reads only
-- the columns and rows its branch needs instead of buffering the facts once
cells as not materialized (

    {{ fact_cells() }}

),

assessed_reports as (

    -- the identities are those of the 2019 / 2021 templates; report_number is a compact key for
    -- the joins and groupings of this model only
    select
        report_id,
        agency_id,
        region_id,
        report_year,
        template_version,
        loaded_at,
        row_number() over (order by report_id) as report_number

    from scoped_reports
    where template_version in ('v2019', 'v2021')

),

applicant_types as (

    select * from (
        values
            ('natural_person', 1, true),
            ('commercial_enterprise', 2, true),
            ('research_institution', 3, true),
            ('social_organization', 4, true),
            ('legal_service_institution', 5, true),
            ('other_organization', 6, true),
            ('total', 7, false)
    ) as applicant_types (applicant_type_key, applicant_type_order, is_summand)

),

outcome_rows as (

    -- table 三 rows in template order; other_style says which （六）其他处理 layout a row belongs to
    select * from (
        values
            ('new_received', 1, 'all', false),
            ('carried_over', 2, 'all', false),
            ('granted', 3, 'all', true),
            ('partially_granted', 4, 'all', true),
            ('withheld_state_secret', 5, 'all', true),
            ('withheld_prohibited_by_law', 6, 'all', true),
            ('withheld_security_stability', 7, 'all', true),
            ('withheld_third_party_rights', 8, 'all', true),
            ('withheld_internal_affairs', 9, 'all', true),
            ('withheld_process_information', 10, 'all', true),
            ('withheld_enforcement_files', 11, 'all', true),
            ('withheld_administrative_query', 12, 'all', true),
            ('unavailable_not_held', 13, 'all', true),
            ('unavailable_needs_creation', 14, 'all', true),
            ('unavailable_unclear', 15, 'all', true),
            ('rejected_petition', 16, 'all', true),
            ('rejected_duplicate', 17, 'all', true),
            ('rejected_publication', 18, 'all', true),
            ('rejected_excessive', 19, 'all', true),
            ('rejected_confirmation', 20, 'all', true),
            ('other_handling', 21, 'single', true),
            ('other_overdue_correction', 22, 'split', true),
            ('other_overdue_fee', 23, 'split', true),
            ('other_reasons', 24, 'split', true),
            ('total_processed', 25, 'all', false),
            ('carried_forward', 26, 'all', false)
    ) as outcome_rows (outcome_key, outcome_order, other_style, is_outcome_summand)

),

review_outcomes as (

    select * from (
        values
            ('upheld', 1, true),
            ('corrected', 2, true),
            ('other', 3, true),
            ('pending', 4, true),
            ('total', 5, false)
    ) as review_outcomes (outcome_key, outcome_order, is_summand)

),

review_kinds as (

    select * from (
        values
            ('reconsideration', 1),
            ('litigation_direct', 2),
            ('litigation_after_reconsideration', 3)
    ) as review_kinds (review_kind_key, review_kind_order)

),

fee_items as (

    select * from (
        values
            ('administrative_licensing', 1),
            ('other_management_services', 2),
            ('administrative_penalty', 3),
            ('administrative_coercion', 4),
            ('administrative_fees', 5)
    ) as fee_items (item_key, item_order)

),

split_style_reports as (

    select distinct report_id
    from cells
    where table_key = 'applications'
        and row_key in ('other_overdue_correction', 'other_overdue_fee', 'other_reasons')

),

report_other_styles as (

    -- v2021 splits （六）其他处理 into three rows; a v2021 report that kept the single row is
    -- checked with it
    select
        assessed_reports.report_id,
        assessed_reports.report_number,
        case
            when assessed_reports.template_version = 'v2021'
                and split_style_reports.report_id is not null
                then 'split'
            else 'single'
        end as other_style

    from assessed_reports
    left join split_style_reports
        on assessed_reports.report_id = split_style_reports.report_id

),

next_reports as (

    -- the same agency's report for the following year (the latest loaded one if there are several)
    select
        assessed_reports.report_id,
        assessed_reports.report_number,
        following.report_id as next_report_id,
        assessed_reports.template_version = 'v2019'
            and following.template_version = 'v2019' as are_both_v2019

    from assessed_reports
    inner join assessed_reports as following
        on assessed_reports.agency_id = following.agency_id
        and following.report_year = assessed_reports.report_year + 1
    qualify row_number() over (
        partition by assessed_reports.report_id
        order by following.loaded_at desc, following.report_id asc
    ) = 1

),

operands as (

    -- the operand cells of every identity, the same for all reports. other_style: the
    -- （六）其他处理 layout a within-report operand belongs to ('all', 'single' or 'split'); null
    -- for the cross-year identities, whose rhs cells are read from the next year's report (is_next)

    -- 1. 新收 + 上年结转 = 总计 + 结转下年度, per applicant column
    select
        'all' as other_style,
        'applications_balance' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        balance_terms.side,
        balance_terms.term_order,
        false as is_next,
        false as needs_both_v2019,
        'applications' as table_key,
        balance_terms.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from applicant_types
    cross join (
        values
            ('lhs', 1, 'new_received'),
            ('lhs', 2, 'carried_over'),
            ('rhs', 1, 'total_processed'),
            ('rhs', 2, 'carried_forward')
    ) as balance_terms (side, term_order, outcome_key)

    union all

    -- 2. outcome rows sum to （七）总计, per applicant column
    select
        outcome_rows.other_style,
        'outcomes_sum_to_total' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        case when outcome_rows.is_outcome_summand then 'lhs' else 'rhs' end as side,
        outcome_rows.outcome_order as term_order,
        false as is_next,
        false as needs_both_v2019,
        'applications' as table_key,
        outcome_rows.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from outcome_rows
    cross join applicant_types
    where outcome_rows.is_outcome_summand
        or outcome_rows.outcome_key = 'total_processed'

    union all

    -- 3. applicant columns sum to 总计, per table 三 row
    select
        outcome_rows.other_style,
        'applicant_types_sum_to_total' as identity_key,
        outcome_rows.outcome_key as subject_key,
        outcome_rows.outcome_order as subject_order,
        case when applicant_types.is_summand then 'lhs' else 'rhs' end as side,
        applicant_types.applicant_type_order as term_order,
        false as is_next,
        false as needs_both_v2019,
        'applications' as table_key,
        outcome_rows.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from outcome_rows
    cross join applicant_types

    union all

    -- 4. each 复议 / 诉讼 block sums to its 总计
    select
        'all' as other_style,
        'review_block_sums_to_total' as identity_key,
        review_kinds.review_kind_key as subject_key,
        review_kinds.review_kind_order as subject_order,
        case when review_outcomes.is_summand then 'lhs' else 'rhs' end as side,
        review_outcomes.outcome_order as term_order,
        false as is_next,
        false as needs_both_v2019,
        'reviews' as table_key,
        review_kinds.review_kind_key as row_key,
        review_outcomes.outcome_key as column_key

    from review_kinds
    cross join review_outcomes

    union all

    -- 5. 2019 table 二: 上一年项目数量 + 本年增/减 (Y) = 上一年项目数量 (Y+1), same agency, both
    -- reports on the v2019 template
    select
        null as other_style,
        'items_carry_to_next_year' as identity_key,
        fee_items.item_key as subject_key,
        fee_items.item_order as subject_order,
        carry_terms.side,
        carry_terms.term_order,
        carry_terms.side = 'rhs' as is_next,
        true as needs_both_v2019,
        'disclosures' as table_key,
        fee_items.item_key as row_key,
        carry_terms.measure_key as column_key

    from fee_items
    cross join (
        values
            ('lhs', 1, 'items_last_year'),
            ('lhs', 2, 'items_change'),
            ('rhs', 1, 'items_last_year')
    ) as carry_terms (side, term_order, measure_key)

    union all

    -- 6. 结转下年度 (Y) = 上年结转 (Y+1), same agency, per applicant column
    select
        null as other_style,
        'applications_carry_to_next_year' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        carry_terms.side,
        1 as term_order,
        carry_terms.side = 'rhs' as is_next,
        false as needs_both_v2019,
        'applications' as table_key,
        carry_terms.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from applicant_types
    cross join (
        values
            ('lhs', 'carried_forward'),
            ('rhs', 'carried_over')
    ) as carry_terms (side, outcome_key)

),

numbered_operands as (

    -- subject_number: a compact key of identity x subject for the joins and groupings below
    select
        *,
        dense_rank() over (order by identity_key, subject_key) as subject_number

    from operands

),

layout_operands as (

    -- the operands a report gets, per its layout: 'single' or 'split' for the within-report
    -- identities, null for the cross-year ones
    select
        layouts.other_style as layout,
        numbered_operands.*

    from numbered_operands
    inner join (values ('single'), ('split')) as layouts (other_style)
        on numbered_operands.other_style in ('all', layouts.other_style)

    union all

    select
        null as layout,
        numbered_operands.*

    from numbered_operands
    where numbered_operands.other_style is null

),

identity_subjects as (

    -- one row per layout x identity x subject: its terms and the operand count of each side
    select
        layout,
        subject_number,
        identity_key,
        subject_key,
        any_value(subject_order) as subject_order,
        any_value(needs_both_v2019) as needs_both_v2019,
        string_agg(
            case when is_next then 'next.' else '' end || row_key || '[' || column_key || ']',
            ' + ' order by term_order
        ) filter (where side = 'lhs') as lhs_terms,
        string_agg(
            case when is_next then 'next.' else '' end || row_key || '[' || column_key || ']',
            ' + ' order by term_order
        ) filter (where side = 'rhs') as rhs_terms,
        count(*) filter (where side = 'lhs') as lhs_operand_count,
        count(*) filter (where side = 'rhs') as rhs_operand_count

    from layout_operands
    group by layout, subject_number, identity_key, subject_key

),

report_subjects as (

    -- the identity x subject rows of each report: the within-report ones of its layout and the
    -- cross-year ones against its next report
    select
        report_other_styles.report_number,
        null::varchar as compared_report_id,
        identity_subjects.*

    from report_other_styles
    inner join identity_subjects
        on report_other_styles.other_style = identity_subjects.layout

    union all

    select
        next_reports.report_number,
        next_reports.next_report_id as compared_report_id,
        identity_subjects.*

    from next_reports
    inner join identity_subjects
        on identity_subjects.layout is null
        and (next_reports.are_both_v2019 or not identity_subjects.needs_both_v2019)

),

-- materialized: the few cross-year operand cells are picked out of all cells once, before they
-- meet the report pairs (read twice below)
cross_year_cells as materialized (

    select
        cells.report_id,
        numbered_operands.subject_number,
        numbered_operands.side,
        numbered_operands.is_next,
        numbered_operands.needs_both_v2019,
        cells.value

    from cells
    inner join numbered_operands
        on cells.table_key = numbered_operands.table_key
        and cells.row_key = numbered_operands.row_key
        and cells.column_key = numbered_operands.column_key
    where numbered_operands.other_style is null

),

operand_cells as (

    -- every stored operand cell, once per identity side it enters; the cells meet the small
    -- operand list in a join, never a per-report copy of it
    select
        report_other_styles.report_number,
        numbered_operands.subject_number,
        numbered_operands.side,
        cells.value

    from cells
    inner join report_other_styles
        on cells.report_id = report_other_styles.report_id
    inner join numbered_operands
        on cells.table_key = numbered_operands.table_key
        and cells.row_key = numbered_operands.row_key
        and cells.column_key = numbered_operands.column_key
        and numbered_operands.other_style in ('all', report_other_styles.other_style)

    union all

    -- cross-year lhs: the report's own cells
    select
        next_reports.report_number,
        cross_year_cells.subject_number,
        cross_year_cells.side,
        cross_year_cells.value

    from cross_year_cells
    inner join next_reports
        on cross_year_cells.report_id = next_reports.report_id
    where not cross_year_cells.is_next
        and (next_reports.are_both_v2019 or not cross_year_cells.needs_both_v2019)

    union all

    -- cross-year rhs: the next report's cells
    select
        next_reports.report_number,
        cross_year_cells.subject_number,
        cross_year_cells.side,
        cross_year_cells.value

    from cross_year_cells
    inner join next_reports
        on cross_year_cells.report_id = next_reports.next_report_id
    where cross_year_cells.is_next
        and (next_reports.are_both_v2019 or not cross_year_cells.needs_both_v2019)

),

stored_operands as (

    select
        report_number,
        subject_number,
        count(*) filter (where side = 'lhs') as lhs_stored_count,
        count(*) filter (where side = 'lhs' and value is null) as lhs_blank_count,
        sum(value) filter (where side = 'lhs') as lhs_stored_sum,
        count(*) filter (where side = 'rhs') as rhs_stored_count,
        count(*) filter (where side = 'rhs' and value is null) as rhs_blank_count,
        sum(value) filter (where side = 'rhs') as rhs_stored_sum

    from operand_cells
    group by report_number, subject_number

),

final as (

    select
        -- ids
        assessed_reports.report_id,
        assessed_reports.agency_id,
        report_subjects.identity_key,
        report_subjects.subject_key,
        report_subjects.compared_report_id,
        -- strings
        report_subjects.lhs_terms,
        report_subjects.rhs_terms,
        -- numerics
        report_subjects.subject_order,
        report_subjects.lhs_operand_count,
        report_subjects.rhs_operand_count,
        coalesce(stored_operands.lhs_stored_count, 0) as lhs_stored_count,
        coalesce(stored_operands.rhs_stored_count, 0) as rhs_stored_count,
        coalesce(stored_operands.lhs_blank_count, 0) as lhs_blank_count,
        coalesce(stored_operands.rhs_blank_count, 0) as rhs_blank_count,
        stored_operands.lhs_stored_sum,
        stored_operands.rhs_stored_sum,
        -- timestamps
        assessed_reports.loaded_at

    from report_subjects
    inner join assessed_reports
        on report_subjects.report_number = assessed_reports.report_number
    left join stored_operands
        on report_subjects.report_number = stored_operands.report_number
        and report_subjects.subject_number = stored_operands.subject_number

)

select * from final
