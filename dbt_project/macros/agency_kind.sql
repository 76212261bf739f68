{#- Kind of issuing organ from its name, in this order:
    park_committee: the name contains a development-zone word (园区, 开发区, 高新区, 经开区, 产业园,
        工业区, 新区, 基地, 保税区, 综保区, 示范区, 合作区) or ends with 管委会;
    government: ends with 人民政府 / 政府 / 行政公署 / 街道办事处 (a government's 办公室 is a department);
    department: ends with an organ word (局, 厅, 委员会, 委, 办公室, 办, 中心, 署, 院, 所, 站, 队, 部, 处, 会);
    other: anything else, or no name. -#}
{% macro agency_kind(name) -%}
    case
        when {{ name }} is null then 'other'
        when regexp_matches(
                {{ name }},
                '园区|开发区|高新区|经开区|产业园|工业区|新区|基地|保税区|综保区|示范区|合作区'
            )
            or regexp_matches({{ name }}, '管委会$')
            then 'park_committee'
        when regexp_matches({{ name }}, '(人民政府|政府|行政公署|街道办事处)$') then 'government'
        when regexp_matches(
                {{ name }},
                '(局|厅|委员会|委|办公室|办|中心|署|院|所|站|队|部|处|会)$'
            )
            then 'department'
        else 'other'
    end
{%- endmacro %}
