{#- Rows for which a SQL boolean expression is not true fail (written here: the package hub is
    unreachable, so no dbt_utils). -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(
    {%- if column_name is not none %} ({{ column_name }} {{ expression }})
    {%- else %} ({{ expression }})
    {%- endif %}, false)

{% endtest %}
