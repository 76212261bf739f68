-- Accounting identities (勾稽关系) of tables 三 and 四, and the cross-year carry of table 二 and 三,
-- per report. Every identity lists the cells it expects as operands; a side is computed only when
-- all its operand cells exist and are not blank, so a blank or missing operand makes the check
-- NOT_ASSESSABLE instead of silently treating the blank as 0.
--
-- Incremental: a build recomputes the reports loaded since the latest loaded_at already in the
-- table and every other report of their agencies, because a new report changes the cross-year
-- checks of its agency's other reports (the previous year's report gains its next. operands, or
-- another next report when a newer version of the year is loaded). The rows of each recomputed
-- report replace all its old rows (unique_key report_id: the set of a report's cross-year rows
-- can change, so it is replaced whole, not row by row).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='report_id',
        on_schema_change='fail',
    )
}}

{%- set watermark = loaded_at_watermark() if is_incremental() else none %}

with

reports as (

    select * from {{ ref('dim_report') }}

),

applications as (

    select * from {{ ref('fct_applications') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

disclosures as (

    select * from {{ ref('fct_disclosures') }}

),

identities as (

    select * from {{ ref('identities') }}

),

vocabulary as (

    select * from {{ ref('vocabulary') }}

),

scoped_reports as (

    -- the reports whose checks this build computes: every report on a full build; incrementally
    -- the reports loaded since the last build and all reports of their agencies
    select * from reports
    {%- if is_incremental() %}
    where loaded_at > {{ watermark }}
        or agency_id in (
            select new_reports.agency_id
            from reports as new_reports
            where new_reports.loaded_at > {{ watermark }}
        )
    {%- endif %}

),

cells as (

    select report_id, 'applications' as table_key, outcome_key as row_key,
        applicant_type_key as column_key, value
    from applications
    union all
    select report_id, 'reviews' as table_key, review_kind_key as row_key,
        outcome_key as column_key, value
    from reviews
    union all
    select report_id, 'disclosures' as table_key, item_key as row_key,
        measure_key as column_key, value
    from disclosures

),

scoped_cells as (

    -- the operands of the scoped reports (a next report is of the same agency, so in scope too)
    select * from cells
    {%- if is_incremental() %}
    where report_id in (select scoped_reports.report_id from scoped_reports)
    {%- endif %}

),

assessed_reports as (

    -- the identities are those of the 2019 / 2021 templates
    select
        report_id,
        agency_id,
        region_id,
        report_year,
        template_version,
        loaded_at

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

report_other_styles as (

    -- v2021 splits （六）其他处理 into three rows; a v2021 report that kept the single row is
    -- checked with it
    select
        assessed_reports.report_id,
        case
            when assessed_reports.template_version = 'v2021'
                and exists (
                    select 1
                    from applications
                    where applications.report_id = assessed_reports.report_id
                        and applications.outcome_key in (
                            'other_overdue_correction', 'other_overdue_fee', 'other_reasons'
                        )
                )
                then 'split'
            else 'single'
        end as other_style

    from assessed_reports

),

report_outcome_rows as (

    select
        report_other_styles.report_id,
        outcome_rows.outcome_key,
        outcome_rows.outcome_order,
        outcome_rows.is_outcome_summand

    from report_other_styles
    inner join outcome_rows
        on outcome_rows.other_style in ('all', report_other_styles.other_style)

),

next_reports as (

    -- the same agency's report for the following year (the latest loaded one if there are several)
    select
        assessed_reports.report_id,
        following.report_id as next_report_id,
        following.report_year as next_report_year,
        assessed_reports.template_version = 'v2019'
            and following.template_version = 'v2019' as are_both_v2019

    from assessed_reports
    inner join assessed_reports as following
        on assessed_reports.agency_id = following.agency_id
        and following.report_year = assessed_reports.report_year + 1
    qualify row_number() over (
        partition by assessed_reports.report_id
        order by following.loaded_at desc, following.report_id
    ) = 1

),

operands as (

    -- 1. 新收 + 上年结转 = 总计 + 结转下年度, per applicant column
    select
        assessed_reports.report_id,
        'applications_balance' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        balance_terms.side,
        balance_terms.term_order,
        null::varchar as compared_report_id,
        assessed_reports.report_id as operand_report_id,
        'applications' as table_key,
        balance_terms.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from assessed_reports
    cross join applicant_types
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
        report_outcome_rows.report_id,
        'outcomes_sum_to_total' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        case when report_outcome_rows.is_outcome_summand then 'lhs' else 'rhs' end as side,
        report_outcome_rows.outcome_order as term_order,
        null::varchar as compared_report_id,
        report_outcome_rows.report_id as operand_report_id,
        'applications' as table_key,
        report_outcome_rows.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from report_outcome_rows
    cross join applicant_types
    where report_outcome_rows.is_outcome_summand
        or report_outcome_rows.outcome_key = 'total_processed'

    union all

    -- 3. applicant columns sum to 总计, per table 三 row
    select
        report_outcome_rows.report_id,
        'applicant_types_sum_to_total' as identity_key,
        report_outcome_rows.outcome_key as subject_key,
        report_outcome_rows.outcome_order as subject_order,
        case when applicant_types.is_summand then 'lhs' else 'rhs' end as side,
        applicant_types.applicant_type_order as term_order,
        null::varchar as compared_report_id,
        report_outcome_rows.report_id as operand_report_id,
        'applications' as table_key,
        report_outcome_rows.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from report_outcome_rows
    cross join applicant_types

    union all

    -- 4. each 复议 / 诉讼 block sums to its 总计
    select
        assessed_reports.report_id,
        'review_block_sums_to_total' as identity_key,
        review_kinds.review_kind_key as subject_key,
        review_kinds.review_kind_order as subject_order,
        case when review_outcomes.is_summand then 'lhs' else 'rhs' end as side,
        review_outcomes.outcome_order as term_order,
        null::varchar as compared_report_id,
        assessed_reports.report_id as operand_report_id,
        'reviews' as table_key,
        review_kinds.review_kind_key as row_key,
        review_outcomes.outcome_key as column_key

    from assessed_reports
    cross join review_kinds
    cross join review_outcomes

    union all

    -- 5. 2019 table 二: 上一年项目数量 + 本年增/减 (Y) = 上一年项目数量 (Y+1), same agency
    select
        next_reports.report_id,
        'items_carry_to_next_year' as identity_key,
        fee_items.item_key as subject_key,
        fee_items.item_order as subject_order,
        carry_terms.side,
        carry_terms.term_order,
        next_reports.next_report_id as compared_report_id,
        case
            when carry_terms.side = 'lhs' then next_reports.report_id
            else next_reports.next_report_id
        end as operand_report_id,
        'disclosures' as table_key,
        fee_items.item_key as row_key,
        carry_terms.measure_key as column_key

    from next_reports
    cross join fee_items
    cross join (
        values
            ('lhs', 1, 'items_last_year'),
            ('lhs', 2, 'items_change'),
            ('rhs', 1, 'items_last_year')
    ) as carry_terms (side, term_order, measure_key)
    where next_reports.are_both_v2019

    union all

    -- 6. 结转下年度 (Y) = 上年结转 (Y+1), same agency, per applicant column
    select
        next_reports.report_id,
        'applications_carry_to_next_year' as identity_key,
        applicant_types.applicant_type_key as subject_key,
        applicant_types.applicant_type_order as subject_order,
        carry_terms.side,
        1 as term_order,
        next_reports.next_report_id as compared_report_id,
        case
            when carry_terms.side = 'lhs' then next_reports.report_id
            else next_reports.next_report_id
        end as operand_report_id,
        'applications' as table_key,
        carry_terms.outcome_key as row_key,
        applicant_types.applicant_type_key as column_key

    from next_reports
    cross join applicant_types
    cross join (
        values
            ('lhs', 'carried_forward'),
            ('rhs', 'carried_over')
    ) as carry_terms (side, outcome_key)

),

operand_values as (

    select
        operands.*,
        scoped_cells.report_id is not null as is_present,
        scoped_cells.value

    from operands
    left join scoped_cells
        on operands.operand_report_id = scoped_cells.report_id
        and operands.table_key = scoped_cells.table_key
        and operands.row_key = scoped_cells.row_key
        and operands.column_key = scoped_cells.column_key

),

sides as (

    select
        report_id,
        identity_key,
        subject_key,
        any_value(subject_order) as subject_order,
        any_value(compared_report_id) as compared_report_id,
        case
            when count(*) filter (where side = 'lhs' and value is null) = 0
                then sum(value) filter (where side = 'lhs')
        end as lhs,
        case
            when count(*) filter (where side = 'rhs' and value is null) = 0
                then sum(value) filter (where side = 'rhs')
        end as rhs,
        string_agg(
            case
                when operand_report_id <> report_id then 'next.'
                else ''
            end || row_key || '[' || column_key || ']',
            ' + ' order by term_order
        ) filter (where side = 'lhs') as lhs_terms,
        string_agg(
            case
                when operand_report_id <> report_id then 'next.'
                else ''
            end || row_key || '[' || column_key || ']',
            ' + ' order by term_order
        ) filter (where side = 'rhs') as rhs_terms,
        count(*) as operand_count,
        count(*) filter (where not is_present) as missing_operand_count,
        count(*) filter (where is_present and value is null) as blank_operand_count

    from operand_values
    group by report_id, identity_key, subject_key

),

subject_labels as (

    select
        case fact || '.' || key_kind
            when 'applications.applicant_type' then 'applicant_type'
            when 'applications.outcome' then 'outcome'
            when 'reviews.review_kind' then 'review_kind'
            when 'disclosures.item' then 'item'
        end as subject_kind,
        key as subject_key,
        label_zh as subject_label_zh

    from vocabulary

),

final as (

    select
        -- ids
        md5(sides.report_id || '|' || sides.identity_key || '|' || sides.subject_key)
            as identity_check_id,
        sides.report_id,
        assessed_reports.agency_id,
        assessed_reports.region_id,
        sides.identity_key,
        sides.subject_key,
        sides.compared_report_id,
        -- strings
        identities.identity_kind,
        identities.formula_zh as identity_formula_zh,
        identities.subject_kind,
        subject_labels.subject_label_zh,
        assessed_reports.template_version,
        sides.lhs_terms,
        sides.rhs_terms,
        case
            when sides.lhs is null or sides.rhs is null then 'NOT_ASSESSABLE'
            when abs(sides.lhs - sides.rhs) < 1e-9 then 'PASS'
            else 'FAIL'
        end as status,
        -- numerics
        assessed_reports.report_year,
        sides.subject_order,
        sides.lhs,
        sides.rhs,
        sides.lhs - sides.rhs as difference,
        sides.operand_count,
        sides.missing_operand_count,
        sides.blank_operand_count,
        -- timestamps
        assessed_reports.loaded_at

    from sides
    inner join assessed_reports
        on sides.report_id = assessed_reports.report_id
    inner join identities
        on sides.identity_key = identities.identity_key
    left join subject_labels
        on identities.subject_kind = subject_labels.subject_kind
        and sides.subject_key = subject_labels.subject_key

)

select * from final
