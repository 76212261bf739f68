{#- The combination of columns is unique: a composite primary key test. With new_rows_key, a
    build after a passing one checks only the combinations that can include a row loaded since
    (macros/data_tests_passed.sql). -#}
{% test unique_combination_of_columns(model, combination_of_columns, new_rows_key=none) %}

{{ duplicate_keys(model, combination_of_columns, new_rows_key) }}

{% endtest %}

{#- The duplicated values of a list of key columns in `model`, with their row count (n_records).
    new_rows_key: a column that is equal on all rows of one key (one of the key columns, or one
    they determine); on a build after a passing one only the rows sharing its value with a row
    loaded since are checked, which includes every duplicate a new row takes part in. With
    skip_nulls, rows with a null key column are not checked (dbt's unique test). -#}
{% macro duplicate_keys(model, key_columns, new_rows_key=none, skip_nulls=false) %}

{%- set columns = key_columns | join(', ') %}
{%- set new_keys_filter = data_tests_new_keys_filter(model, new_rows_key)
    if new_rows_key is not none else none %}

with

-- read twice: every row is cheaper to scan again than to buffer; the few rows of an incremental
-- build are buffered once
checked_rows as {{ 'materialized' if new_keys_filter is not none else 'not materialized' }} (

    select {{ columns }}
    from {{ model }}
    where true
    {%- if new_keys_filter is not none %}
        and {{ new_keys_filter }}
    {%- endif %}
    {%- if skip_nulls %}
        {%- for column in key_columns %}
        and {{ column }} is not null
        {%- endfor %}
    {%- endif %}

),

duplicate_hashes as (

    -- grouping on a 64-bit hash of the key is much cheaper than on its strings; a repeated hash
    -- is only a candidate, confirmed on the columns themselves below
    select hash({{ columns }}) as key_hash
    from checked_rows
    group by key_hash
    having count(*) > 1

),

duplicates as (

    select
        {{ columns }},
        count(*) as n_records

    from checked_rows
    where hash({{ columns }}) in (select duplicate_hashes.key_hash from duplicate_hashes)
    group by {{ columns }}
    having count(*) > 1

)

select * from duplicates

{% endmacro %}
