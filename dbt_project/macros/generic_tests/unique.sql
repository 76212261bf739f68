{#- dbt's unique test, found first in the project: the same result (the duplicated non-null
    values as unique_field, with n_records), found by hash first, and with new_rows_key as in
    unique_combination_of_columns. -#}
{% test unique(model, column_name, new_rows_key=none) %}

with

duplicate_values as (

    {{ duplicate_keys(model, [column_name], new_rows_key, skip_nulls=true) }}

)

select
    {{ column_name }} as unique_field,
    n_records

from duplicate_values

{% endtest %}
