-- Accounting identities (勾稽关系) of tables 三 and 四, and the cross-year carry of table 二 and 三,
-- per report: the identity rules applied to the operands of int_identity_operands. A side is the
-- sum of its operands only when all its operand cells exist and are not blank, so a blank or
-- missing operand makes the check NOT_ASSESSABLE instead of silently treating the blank as 0.
--
-- Incremental: a build takes the operands of the reports loaded since the latest loaded_at
-- already in the table and of every other report of their agencies (those whose cross-year
-- operands the new reports change); the rows of each recomputed report replace all its old rows
-- (unique_key report_id: the set of a report's cross-year rows can change, so it is replaced
-- whole, not row by row).
{{ config(unique_key='report_id') }}

with

operands as (

    select * from {{ ref('int_identity_operands') }}
    {{ agencies_loaded_since_last_build(ref('int_identity_operands'), new_reports_too=true) }}

),

reports as (

    select * from {{ ref('dim_report') }}

),

identities as (

    select * from {{ ref('identities') }}

),

vocabulary as (

    select * from {{ ref('vocabulary') }}

),

sides as (

    -- a side is the sum of its operands only when every one of them is stored and not blank;
    -- the blanks-as-zero side reads a blank operand as 0 (a missing one still makes it null)
    select
        *,
        case
            when lhs_stored_count = lhs_operand_count and lhs_blank_count = 0
                then lhs_stored_sum
        end as lhs,
        case
            when rhs_stored_count = rhs_operand_count and rhs_blank_count = 0
                then rhs_stored_sum
        end as rhs,
        case
            when lhs_stored_count = lhs_operand_count then coalesce(lhs_stored_sum, 0)
        end as lhs_blanks_as_zero,
        case
            when rhs_stored_count = rhs_operand_count then coalesce(rhs_stored_sum, 0)
        end as rhs_blanks_as_zero

    from operands

),

subject_labels as (

    select
        case (fact || '.' || key_kind)
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
        sides.agency_id,
        reports.region_id,
        sides.identity_key,
        sides.subject_key,
        sides.compared_report_id,
        -- strings
        identities.identity_kind,
        identities.formula_zh as identity_formula_zh,
        identities.subject_kind,
        subject_labels.subject_label_zh,
        reports.template_version,
        sides.lhs_terms,
        sides.rhs_terms,
        {{ equality_status('sides.lhs', 'sides.rhs') }} as status,
        {{ equality_status('sides.lhs_blanks_as_zero', 'sides.rhs_blanks_as_zero') }}
            as status_blanks_as_zero,
        -- numerics
        reports.report_year,
        sides.subject_order,
        sides.lhs,
        sides.rhs,
        sides.lhs - sides.rhs as difference,
        sides.lhs_blanks_as_zero,
        sides.rhs_blanks_as_zero,
        sides.lhs_blanks_as_zero - sides.rhs_blanks_as_zero as difference_blanks_as_zero,
        sides.lhs_operand_count + sides.rhs_operand_count as operand_count,
        sides.lhs_operand_count + sides.rhs_operand_count
            - sides.lhs_stored_count - sides.rhs_stored_count as missing_operand_count,
        sides.lhs_blank_count + sides.rhs_blank_count as blank_operand_count,
        -- timestamps
        sides.loaded_at

    from sides
    inner join reports
        on sides.report_id = reports.report_id
    inner join identities
        on sides.identity_key = identities.identity_key
    left join subject_labels
        on identities.subject_kind = subject_labels.subject_kind
        and sides.subject_key = subject_labels.subject_key

)

select * from final
