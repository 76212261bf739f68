{#- The status of a check that two sides are equal: NOT_ASSESSABLE when a side is null (an operand
    blank or missing), PASS when they are equal (within a rounding tolerance: sides are sums of
    doubles), FAIL otherwise. -#}
{% macro equality_status(lhs, rhs) -%}
    case
        when {{ lhs }} is null or {{ rhs }} is null then 'NOT_ASSESSABLE'
        when abs({{ lhs }} - {{ rhs }}) < 1e-9 then 'PASS'
        else 'FAIL'
    end
{%- endmacro %}
