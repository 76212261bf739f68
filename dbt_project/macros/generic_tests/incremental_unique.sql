{#- dbt's unique test for a table built incrementally: the same result (the duplicated non-null
    values as unique_field, with n_records), found by hash first, and with new_rows_key as in
    unique_combination_of_columns, so that a build after a passing one checks only the keys its
    new rows can duplicate. -#}
{% test incremental_unique(model, column_name, new_rows_key) %}

with

duplicate_values as (

    {{ duplicate_keys(model, [column_name], new_rows_key, skip_nulls=true) }}

)

select
    {{ column_name }} as unique_field,
    n_records

from duplicate_values

{% endtest %}
