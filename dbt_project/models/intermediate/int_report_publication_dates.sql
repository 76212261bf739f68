-- One row per loaded document with its publication date: the date the report's own text states,
-- else the date the web page it was fetched from states (raw.fetches, matched on the SHA-256 of
-- the bytes; an attachment's date is its page's). Each with its evidence.

with

documents as (

    select * from {{ ref('stg_nianbao__documents') }}

),

reports as (

    select * from {{ ref('stg_nianbao__reports') }}

),

fetches as (

    select * from {{ ref('stg_nianbao__fetches') }}

),

page_dates as (

    -- the first retrieval of these bytes that found a date: a later page edit does not move it
    select
        content_sha256,
        published_on,
        published_evidence,
        coalesce(parent_url, final_url, url) as page_url

    from fetches
    where is_stored
        and content_sha256 is not null
        and published_on is not null
    qualify row_number() over (
        partition by content_sha256
        order by retrieved_at, fetch_id
    ) = 1

),

final as (

    select
        -- ids
        documents.report_id,
        -- strings
        case
            when reports.published_on is not null then 'report'
            when page_dates.published_on is not null then 'page'
        end as published_source,
        case
            when reports.published_on is not null then reports.published_evidence
            else page_dates.published_evidence
        end as published_evidence,
        case when reports.published_on is null then page_dates.page_url end as published_page_url,
        -- dates
        coalesce(reports.published_on, page_dates.published_on) as published_on,
        reports.published_on as report_published_on,
        page_dates.published_on as page_published_on,
        -- timestamps
        documents.loaded_at

    from documents
    left join reports
        on documents.report_id = reports.report_id
    left join page_dates
        on documents.report_id = page_dates.content_sha256

)

select * from final
