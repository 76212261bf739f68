{#- Incremental data tests. A build whose every model, seed and test passed (dbt build without
    node selection) records in main.data_tests_passed the latest loaded_at of the reports it
    built from. The next build's tests that take a `new_rows_key` / `new_rows_only` argument then
    check only what can have changed since: rows loaded after that stamp, or every row sharing a
    key with one. A first build, `--full-refresh`, and any build after a failed or partial one
    check every row, so a failure is reported again until it is fixed. -#}

{% macro data_tests_passed_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='data_tests_passed'
    )) }}
{%- endmacro %}

{#- The loaded_at up to which every row was tested by a passing build, as a timestamp literal;
    none when every row must be tested (also in `dbt test`, which checks all as asked). -#}
{% macro data_tests_passed_through() -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = data_tests_passed_relation() -%}
    {%- set found = run_query(
        "select count(*) from duckdb_tables() where database_name = '" ~ relation.database
        ~ "' and schema_name = '" ~ relation.schema
        ~ "' and table_name = '" ~ relation.identifier ~ "'"
    ).columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest = run_query(
        'select max(tested_through)::varchar from ' ~ relation
    ).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("'" ~ latest ~ "'::timestamp") }}
{%- endmacro %}

{#- A filter on `key_column` for the tests of an incremental build: the keys of the rows loaded
    after data_tests_passed_through(), so that every row sharing a key with a new row is tested.
    The keys are inlined as literals when they are few: a literal list is pushed down to the raw
    table scan even through a view's joins, where a subquery is applied only after them. None
    when every row must be tested. -#}
{% macro data_tests_new_keys_filter(model, key_column, max_literals=10000) -%}
    {%- set tested_through = data_tests_passed_through() -%}
    {%- if tested_through is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set new_rows -%}
        select {{ key_column }} from {{ model }} where loaded_at > {{ tested_through }}
    {%- endset -%}
    {%- set keys = run_query(
        'select distinct ' ~ key_column ~ '::varchar from (' ~ new_rows ~ ')'
    ).columns[0].values() -%}
    {%- if keys | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- if keys | length > max_literals -%}
        {{ return(key_column ~ ' in (' ~ new_rows ~ ')') }}
    {%- endif -%}
    {#- filters, not a loop: thousands of keys, in every test of an incremental build -#}
    {%- set present = keys | reject('none') | map('replace', "'", "''") | list -%}
    {%- set filters = [] -%}
    {%- if present -%}
        {%- do filters.append(key_column ~ " in ('" ~ present | join("', '") ~ "')") -%}
    {%- endif -%}
    {%- if none in keys -%}
        {%- do filters.append(key_column ~ ' is null') -%}
    {%- endif -%}
    {{ return('(' ~ filters | join(' or ') ~ ')') }}
{%- endmacro %}

{#- on-run-end: record a build in which every node of the project ran and passed. -#}
{% macro record_data_tests_passed(results) -%}
    {%- if not execute or flags.WHICH != 'build' or flags.EMPTY or flags.SAMPLE -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ran = [] -%}
    {%- for result in results -%}
        {%- if result.status in ['success', 'pass', 'warn'] -%}
            {%- do ran.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'in', ['model', 'seed', 'test'])
        | rejectattr('config.materialized', 'equalto', 'ephemeral')
        | map(attribute='unique_id') | list -%}
    {%- for unique_id in nodes if unique_id not in ran -%}
        {%- if loop.first -%}
            {{ log('data tests not recorded as passed: ' ~ unique_id ~ ' did not pass', info=false) }}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set relation = data_tests_passed_relation() -%}
    {%- set documents = graph.sources.values()
        | selectattr('source_name', 'equalto', 'nianbao')
        | selectattr('name', 'equalto', 'documents') | first -%}
    create table if not exists {{ relation }} (
        tested_through timestamp,
        invocation_id varchar,
        recorded_at timestamp
    );
    insert into {{ relation }}
    select
        max(loaded_at)::timestamp,
        '{{ invocation_id }}',
        now()::timestamp
    from {{ documents.relation_name }};
{%- endmacro %}
