{#- dbt's relationships test for a table built incrementally: every non-null value of the column
    is a value of `field` in `to`; a build after a passing one checks only the rows loaded since
    (macros/data_tests_passed.sql). For a table whose old rows do not change and whose parent
    keeps its keys. -#}
{% test incremental_relationships(model, column_name, to, field) %}

{%- set tested_through = data_tests_passed_through() %}

with

child as (

    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
    {%- if tested_through is not none %}
        and loaded_at > {{ tested_through }}
    {%- endif %}

),

parent as (

    select {{ field }} as to_field
    from {{ to }}

),

final as (

    select child.from_field

    from child
    left join parent
        on child.from_field = parent.to_field
    where parent.to_field is null

)

select * from final

{% endtest %}
