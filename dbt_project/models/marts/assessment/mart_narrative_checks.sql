-- Figures the narrative states against the table cells they restate: one row per narrative
-- figure (raw.narrative_figures), with the sentence and its line, the table value (the sum of its
-- cells, seed narrative_figure_cells) and PASS / FAIL / NOT_ASSESSABLE.
with

reports as (

    select * from {{ ref('dim_report') }}

),

figures as (

    select * from {{ ref('stg_nianbao__narrative_figures') }}

),

cells as (

    select * from {{ ref('stg_nianbao__cells') }}

),

figure_cells as (

    select * from {{ ref('narrative_figure_cells') }}

),

restated as (

    -- the cells each figure restates, and how many of them are stored and printed
    select
        figures.report_id,
        figures.figure_ordinal,
        count(*) as cell_count,
        count(cells.report_id) as stored_cell_count,
        count(cells.value) as printed_cell_count,
        sum(cells.value) as printed_sum,
        string_agg(
            figure_cells.table_key || '.' || figure_cells.row_key || '[' || figure_cells.column_key || ']',
            ' + ' order by figure_cells.row_key
        ) as table_terms,
        string_agg(figure_cells.figure_label_zh, ' + ' order by figure_cells.row_key)
            as table_label_zh,
        min(cells.line_number) as table_line_number

    from figures
    inner join figure_cells
        on figures.figure_key = figure_cells.figure_key
    left join cells
        on figures.report_id = cells.report_id
        and figure_cells.table_key = cells.table_key
        and figure_cells.row_key = cells.row_key
        and figure_cells.column_key = cells.column_key
    group by figures.report_id, figures.figure_ordinal

),

final as (

    select
        -- ids
        md5(figures.report_id || '|' || figures.figure_ordinal) as narrative_check_id,
        figures.report_id,
        reports.agency_id,
        reports.region_id,
        figures.figure_key,
        -- strings
        figures.sentence,
        figures.line_source,
        restated.table_terms,
        restated.table_label_zh,
        figures.unit,
        case
            when restated.printed_cell_count < restated.cell_count then 'NOT_ASSESSABLE'
            when abs(figures.value - restated.printed_sum) < 1e-9 then 'PASS'
            else 'FAIL'
        end as status,
        -- numerics
        reports.report_year,
        figures.figure_ordinal,
        figures.line_number,
        restated.table_line_number,
        figures.value as narrative_value,
        -- the sum of the restated cells, only when every one of them is printed
        case
            when restated.printed_cell_count = restated.cell_count then restated.printed_sum
        end as table_value,
        restated.cell_count - restated.stored_cell_count as missing_cell_count,
        restated.stored_cell_count - restated.printed_cell_count as blank_cell_count,
        -- booleans
        figures.unit is null as is_explicit_zero,
        -- timestamps
        figures.loaded_at

    from figures
    inner join restated
        on figures.report_id = restated.report_id
        and figures.figure_ordinal = restated.figure_ordinal
    inner join reports
        on figures.report_id = reports.report_id

)

select * from final
