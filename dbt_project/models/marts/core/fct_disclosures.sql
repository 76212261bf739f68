-- Incremental: a build processes only the reports loaded since the latest loaded_at already in
-- the table (a report is immutable and its rows depend on nothing but its own cells, its
-- resolved agency / region and the seeds); `--full-refresh` rebuilds it from every report.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['report_id', 'item_key', 'measure_key'],
        on_schema_change='fail',
    )
}}

{%- set watermark = loaded_at_watermark() if is_incremental() else none %}

with

cells as (

    select * from {{ ref('int_cells_harmonised') }}
    {%- if is_incremental() %}
    -- a cell carries its report's load stamp: this only prunes raw.cells to the new row groups
    where loaded_at > {{ watermark }}
    {%- endif %}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}
    {%- if is_incremental() %}
    -- the driver: the reports loaded since the last build
    where loaded_at > {{ watermark }}
    {%- endif %}

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
        cells.is_comparable_across_versions,
        -- timestamps
        reports.loaded_at

    from cells
    inner join reports
        on cells.report_id = reports.report_id
    where cells.table_key = 'disclosures'

)

select * from final
