with

cells as (

    select * from {{ ref('int_cells_harmonised') }}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}

),

final as (

    select
        -- ids
        cells.report_id,
        reports.agency_id,
        reports.region_id,
        cells.row_key as item_key,
        cells.column_key as measure_key,
        -- strings
        cells.row_label_zh as item_label_zh,
        cells.column_label_zh as measure_label_zh,
        cells.template_version,
        cells.value_raw,
        cells.unit,
        cells.source_position,
        -- numerics
        reports.report_year,
        cells.value,
        cells.line_number,
        -- booleans
        cells.is_blank,
        cells.is_key_in_template_version,
        cells.is_comparable_across_versions

    from cells
    inner join reports
        on cells.report_id = reports.report_id
    where cells.table_key = 'disclosures'

)

select * from final
