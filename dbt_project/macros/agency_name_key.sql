{#- The matching key of an organ's name: whitespace removed, 管理委员会 shortened to 管委会, a
    trailing parenthetical dropped (…局（…办）), and a trailing organ suffix (管委会, 人民政府)
    dropped, so that a title name which is a prefix of the fuller sign-off name
    (银川德胜工业园区 / 银川德胜工业园区管委会) and the long and short suffix forms
    (…管理委员会 / …管委会) give the same key. -#}
{% macro agency_name_key(name) -%}
    regexp_replace(
        regexp_replace(
            replace({{ clean_agency_name(name) }}, '管理委员会', '管委会'),
            '[（(][^（）()]*[）)]$',
            ''
        ),
        '(管委会|人民政府)$',
        ''
    )
{%- endmacro %}

{#- An organ's name as printed with every kind of whitespace removed (ASCII, ideographic, NBSP). -#}
{% macro clean_agency_name(name) -%}
    nullif(regexp_replace({{ name }}, '[\s\x{3000}\x{00a0}\x{feff}]+', '', 'g'), '')
{%- endmacro %}
