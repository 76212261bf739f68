-- The verification status of every fact cell: what the accounting identities say about it. A cell
-- is `identity_failed` when an identity it enters fails, `verified` when at least one identity it
-- enters passes and none fails, `unverified` otherwise (it enters none, or none is assessable).
-- A view: the status follows the identity checks of the latest build at no cost to the build.
--
-- A check names its operands in its terms (`row[column]`, `next.row[column]` for the cells of
-- the following year's report); the row and column keys find the cell (macros/fact_cells.sql).
{{ config(materialized='view') }}

with

checks as (

    select report_id, compared_report_id, status, lhs_terms, rhs_terms
    from {{ ref('fct_identity_checks') }}
    where status <> 'NOT_ASSESSABLE'

),

terms as (

    select
        report_id,
        compared_report_id,
        status,
        unnest(string_split(lhs_terms || ' + ' || rhs_terms, ' + ')) as term

    from checks

),

operand_statuses as (

    -- a next.-term is a cell of the compared (following year's) report
    select
        case when starts_with(term, 'next.') then compared_report_id else report_id end
            as report_id,
        split_part(replace(term, 'next.', ''), '[', 1) as row_key,
        rtrim(split_part(term, '[', 2), ']') as column_key,
        status

    from terms

),

cell_statuses as (

    select
        report_id,
        row_key,
        column_key,
        count(*) filter (where status = 'PASS') as passed_check_count,
        count(*) filter (where status = 'FAIL') as failed_check_count

    from operand_statuses
    group by report_id, row_key, column_key

),

cells as (

    {{ fact_cells() }}

),

final as (

    select
        -- ids
        cells.report_id,
        cells.table_key,
        cells.row_key,
        cells.column_key,
        -- strings
        case
            when coalesce(cell_statuses.failed_check_count, 0) > 0 then 'identity_failed'
            when coalesce(cell_statuses.passed_check_count, 0) > 0 then 'verified'
            else 'unverified'
        end as verification_status,
        -- numerics
        cells.value,
        coalesce(cell_statuses.passed_check_count, 0) as passed_check_count,
        coalesce(cell_statuses.failed_check_count, 0) as failed_check_count

    from cells
    left join cell_statuses
        on cells.report_id = cell_statuses.report_id
        and cells.row_key = cell_statuses.row_key
        and cells.column_key = cell_statuses.column_key

)

select * from final
