{#- The body of a cell fact mart (fct_disclosures, fct_applications, fct_reviews): one table_key
    of the harmonised cells with its report's keys; the model keeps its own config. -#}
{% macro cell_fact(table_key, row_key, column_key) %}

with

cells as (

    select * from {{ ref('int_cells_harmonised') }}
    -- a cell carries its report's load stamp: this only prunes raw.cells to the new row groups
    {{ loaded_since_last_build() }}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}
    -- the driver: the reports loaded since the last build
    {{ loaded_since_last_build() }}

),

final as (

    select
        -- ids
        cells.report_id,
        reports.agency_id,
        reports.region_id,
        cells.row_key as {{ row_key }}_key,
        cells.column_key as {{ column_key }}_key,
        -- strings
        cells.row_label_zh as {{ row_key }}_label_zh,
        cells.column_label_zh as {{ column_key }}_label_zh,
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
    where cells.table_key = '{{ table_key }}'

)

select * from final

{% endmacro %}
