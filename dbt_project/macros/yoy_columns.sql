{#- Year-over-year columns for one metric of an agency-year row, against the same agency's
    previous report (`previous` is a CTE alias holding the previous row's metrics):
    <metric>_previous, <metric>_yoy_delta and <metric>_yoy_pct (null when the previous value is
    0 or null). -#}
{% macro yoy_columns(metric, previous='previous_year') -%}
    {{ previous }}.{{ metric }} as {{ metric }}_previous,
    current_year.{{ metric }} - {{ previous }}.{{ metric }} as {{ metric }}_yoy_delta,
    {{ safe_divide('current_year.' ~ metric ~ ' - ' ~ previous ~ '.' ~ metric, previous ~ '.' ~ metric) }}
        as {{ metric }}_yoy_pct
{%- endmacro %}
