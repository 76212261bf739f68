{#- Every non-null value of the column is a key of the vocabulary seed for the given fact and key
    kind (accepted values taken from the seed instead of a hard-coded list). With
    `version_column`, the key must also be listed for the row's template version. With
    new_rows_only, a build after a passing one checks only the rows loaded since
    (macros/data_tests_passed.sql). -#}
{% test in_vocabulary(model, column_name, fact, key_kind, version_column=none, new_rows_only=false) %}

{%- set tested_through = data_tests_passed_through() if new_rows_only else none %}

with

vocabulary as (

    select * from {{ ref('vocabulary') }}
    where fact = '{{ fact }}' and key_kind = '{{ key_kind }}'

),

checked as (

    select
        {{ column_name }} as key_value
        {%- if version_column is not none %},
        {{ version_column }} as template_version
        {%- endif %}
    from {{ model }}
    where {{ column_name }} is not null
    {%- if tested_through is not none %}
        and loaded_at > {{ tested_through }}
    {%- endif %}

)

select checked.*
from checked
where not exists (
    select 1
    from vocabulary
    where vocabulary.key = checked.key_value
    {%- if version_column is not none %}
        and (
            vocabulary.template_versions = 'any'
            or list_contains(string_split(vocabulary.template_versions, '|'), checked.template_version)
        )
    {%- endif %}
)

{% endtest %}
