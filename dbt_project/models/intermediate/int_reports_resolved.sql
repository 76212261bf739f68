-- One row per loaded document with the attributes every fact row carries: the resolved agency and
-- region, the report year and the detected template version; the publication date is the
-- report's own, else its web page's (int_report_publication_dates).
--
-- A table rather than the folder's view: a dozen models and tests read it, and as a view each of
-- them would resolve every report's agency name again (regular expressions over all reports).
-- Incremental: a build resolves only the documents loaded since the latest loaded_at already in
-- the table (a document is immutable and its row depends on nothing but its own raw rows, the
-- agency_aliases and report_corrections seeds and raw.regions); `--full-refresh` resolves every
-- document again (needed after a seed is edited).
{{
    config(
        materialized='incremental',
        unique_key='report_id',
    )
}}

with

documents as (

    select * from {{ ref('stg_nianbao__documents') }}
    {{ loaded_since_last_build() }}

),

reports as (

    select * from {{ ref('stg_nianbao__reports') }}
    {{ loaded_since_last_build() }}

),

report_agencies as (

    select * from {{ ref('int_report_agencies_resolved') }}
    {{ loaded_since_last_build() }}

),

corrections as (

    select * from {{ ref('report_corrections') }}
),

publication_dates as (

    select * from {{ ref('int_report_publication_dates') }}
    {{ loaded_since_last_build() }}

),

report_regions as (

    select * from {{ ref('int_report_regions_looked_up') }}
    {{ loaded_since_last_build() }}

),

final as (

    select
        documents.report_id,
        report_agencies.agency_id,
        report_regions.region_id,
        coalesce(corrections.report_year, reports.report_year) as report_year,
        reports.template_version,
        case
            when coalesce(corrections.report_year, reports.report_year) is null then null
            when coalesce(corrections.report_year, reports.report_year) <= 2018 then 'pre2019'
            when coalesce(corrections.report_year, reports.report_year) <= 2020 then 'v2019'
            else 'v2021'
        end as template_version_in_force,
        coalesce(corrections.published_on, publication_dates.published_on) as published_on,
        -- what an analyst corrected (seed report_corrections), and why
        case when corrections.document_sha256 is not null then list_filter(
            [
                case when nullif(trim(corrections.agency_name), '') is not null then 'agency' end,
                case when corrections.report_year is not null then 'report_year' end,
                case when nullif(trim(corrections.region_code), '') is not null then 'region' end,
                case when corrections.published_on is not null then 'published_on' end
            ],
            lambda field: field is not null
        ) else []::varchar[] end as corrected_fields,
        corrections.reason as correction_reason,
        report_agencies.agency_key,
        report_agencies.agency_name_printed,
        report_agencies.agency_name_candidate,
        report_agencies.agency_source,
        report_agencies.is_alias_applied,
        report_agencies.is_name_from_title,
        report_regions.region_code_loaded,
        report_regions.region_match_method,
        documents.source_file_name,
        documents.source_path,
        documents.source_format,
        documents.source_encoding,
        documents.size_bytes,
        documents.line_count,
        documents.loaded_at,
        reports.report_id is not null as has_metadata

    from documents
    left join reports
        on documents.report_id = reports.report_id
    left join report_agencies
        on documents.report_id = report_agencies.report_id
    left join report_regions
        on documents.report_id = report_regions.report_id
    left join corrections
        on documents.report_id = corrections.document_sha256
    left join publication_dates
        on documents.report_id = publication_dates.report_id

)

select * from final
