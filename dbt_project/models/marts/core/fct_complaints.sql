-- Incremental: a build processes only the reports loaded since the latest loaded_at already in
-- the table (a report is immutable and its rows depend on nothing but its own complaint figures,
-- its resolved agency / region and the vocabulary); `--full-refresh` rebuilds it from every report.
-- A build brings whole reports, so they replace rows by report_id (one key column: a cheap delete).
{{ config(unique_key='report_id') }}

with

complaints as (

    select * from {{ ref('stg_nianbao__complaints') }}
    -- a figure carries its report's load stamp: this only prunes raw.complaints to the new
    -- row groups
    {{ loaded_since_last_build() }}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}
    -- the driver: the reports loaded since the last build
    {{ loaded_since_last_build() }}

),

vocabulary as (

    select * from {{ ref('vocabulary') }}

),

channels as (

    select
        key as channel_key,
        label_zh as channel_label_zh

    from vocabulary
    where fact = 'complaints' and key_kind = 'channel'

),

with_raw_text as (

    -- raw.complaints keeps the sentence but not the figure as printed: take the figure and its
    -- unit from the sentence when they can be found there, else rebuild them from value and unit
    select
        complaints.*,
        case
            when complaints.value = round(complaints.value)
                then cast(cast(complaints.value as bigint) as varchar)
            else cast(complaints.value as varchar)
        end as value_text

    from complaints

),

final as (

    select
        -- ids
        with_raw_text.report_id,
        reports.agency_id,
        reports.region_id,
        with_raw_text.channel_key,
        -- strings
        channels.channel_label_zh,
        reports.template_version,
        coalesce(
            nullif(
                regexp_extract(
                    with_raw_text.evidence,
                    '(?:^|[^0-9.])(' || regexp_escape(with_raw_text.value_text) || '\s*'
                    || regexp_escape(coalesce(with_raw_text.unit, '')) || ')',
                    1
                ),
                ''
            ),
            with_raw_text.value_text || coalesce(with_raw_text.unit, '')
        ) as value_raw,
        with_raw_text.unit,
        with_raw_text.evidence,
        -- numerics
        reports.report_year,
        with_raw_text.value,
        with_raw_text.line_number,
        -- booleans
        with_raw_text.value is null as is_blank,
        -- timestamps
        reports.loaded_at

    from with_raw_text
    inner join reports
        on with_raw_text.report_id = reports.report_id
    left join channels
        on with_raw_text.channel_key = channels.channel_key

)

select * from final
