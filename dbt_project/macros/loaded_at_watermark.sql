{#- The watermark of an incremental report-level model: the latest loaded_at already in the target
    ({{ this }}), as a timestamp literal; '-infinity' when the target is empty (a first build on
    an empty raw layer must not freeze the watermark at null). A literal rather than a subquery, so
    that `loaded_at > <watermark>` is pushed into the raw table scans and prunes their row groups
    by their min / max statistics (raw rows are appended in load order). Call it only inside
    `{% if is_incremental() %}`. A target without a loaded_at column cannot say how far it is
    built: that needs one `nianbao build --full-refresh`, and the error says so. -#}
{% macro loaded_at_watermark() -%}
    {%- if not execute -%}
        {{ return("'-infinity'::timestamp") }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this)
        | map(attribute='name') | map('lower') | list -%}
    {%- if 'loaded_at' not in columns -%}
        {{ exceptions.raise_compiler_error(
            this ~ ' has no loaded_at column, so it cannot be built incrementally.'
            ~ ' Rebuild it once with `nianbao build --full-refresh` (dbt build --full-refresh).'
        ) }}
    {%- endif -%}
    {%- set latest = run_query('select max(loaded_at)::varchar from ' ~ this)
        .columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return("'-infinity'::timestamp") }}
    {%- endif -%}
    {{ return("'" ~ latest ~ "'::timestamp") }}
{%- endmacro %}

{#- The incremental filter of a report-level model's input: on an incremental build, only the rows
    loaded since the target was last built (`where <column> > <watermark>`); nothing on a full
    build, which reads every row. `column` names the load stamp, qualified where the query needs
    it. -#}
{% macro loaded_since_last_build(column='loaded_at') -%}
    {%- if is_incremental() -%}
        where {{ column }} > {{ loaded_at_watermark() }}
    {%- endif -%}
{%- endmacro %}

{#- The incremental filter of a model whose rows depend on the other reports of their agency: on an
    incremental build, every report of each agency with a report loaded since the last build (with
    new_reports_too, also the new reports themselves, which keeps those of no known agency);
    nothing on a full build. `reports` is the relation or CTE being filtered. -#}
{% macro agencies_loaded_since_last_build(reports, new_reports_too=false) -%}
    {%- if is_incremental() -%}
        where {% if new_reports_too %}loaded_at > {{ loaded_at_watermark() }}
        or {% endif %}agency_id in (
            select new_reports.agency_id
            from {{ reports }} as new_reports
            {{ loaded_since_last_build('new_reports.loaded_at') }}
        )
    {%- endif -%}
{%- endmacro %}
