{#- The join of a report to its agency's report for the year before: the current version of that
    year (dim_report.is_current_version). `reports` is a relation or CTE with dim_report's
    columns; the joined side is aliased `previous`. -#}
{% macro join_previous_year_report(reports) -%}
    inner join {{ reports }} as previous
        on {{ reports }}.agency_id = previous.agency_id
        and {{ reports }}.report_year = previous.report_year + 1
        and previous.is_current_version
{%- endmacro %}
