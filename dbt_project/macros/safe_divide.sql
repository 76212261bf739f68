{#- numerator / denominator, null when the denominator is 0 or null (never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }})::double / nullif(({{ denominator }})::double, 0))
{%- endmacro %}
