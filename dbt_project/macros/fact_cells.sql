{#- The cells of the three cell facts as one list: report_id, table_key, row_key (the fact's first
    key), column_key (its second) and value. A row key belongs to one fact only, so the row and
    column keys name a cell of a report. -#}
{% macro fact_cells() -%}
    select report_id, 'applications' as table_key, outcome_key as row_key,
        applicant_type_key as column_key, value
    from {{ ref('fct_applications') }}
    union all
    select report_id, 'reviews' as table_key, review_kind_key as row_key,
        outcome_key as column_key, value
    from {{ ref('fct_reviews') }}
    union all
    select report_id, 'disclosures' as table_key, item_key as row_key,
        measure_key as column_key, value
    from {{ ref('fct_disclosures') }}
{%- endmacro %}
