{#- The value of the one cell of a report's group that matches the condition (a report holds one
    cell per key); null when the cell is blank or absent. -#}
{% macro cell_value(condition, value='value') -%}
    max({{ value }}) filter (where {{ condition }})
{%- endmacro %}
