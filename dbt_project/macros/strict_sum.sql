{#- Conditional sum of a group of cells that is null unless at least one cell matches and none of
    the matching cells is blank: a metric over several template cells is not computed from a part of
    them. -#}
{% macro strict_sum(value, condition) -%}
    case
        when count(*) filter (where {{ condition }}) > 0
            and count(*) filter (where ({{ condition }}) and {{ value }} is null) = 0
            then sum({{ value }}) filter (where {{ condition }})
    end
{%- endmacro %}
