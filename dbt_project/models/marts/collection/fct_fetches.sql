-- One row per retrieval by `nianbao fetch`, with whether the bytes at the URL changed since its
-- previous stored retrieval (a republication: the report was edited after it was published) and
-- the loaded report the bytes are, once `nianbao run` has read them.
--
-- A view, unlike the folder's tables: retrievals are few next to the facts, and analysts see a
-- fetch's rows before the next build.
{{ config(materialized='view') }}

with

fetches as (

    select * from {{ ref('stg_nianbao__fetches') }}

),

documents as (

    select * from {{ ref('stg_nianbao__documents') }}

),

stored_sequence as (

    select
        fetch_id,
        lag(content_sha256) over (
            partition by url
            order by retrieved_at, version_number, fetch_id
        ) as previous_sha256

    from fetches
    where is_stored

),

final as (

    select
        -- ids
        fetches.fetch_id,
        fetches.fetch_run_id,
        documents.report_id,
        fetches.content_sha256,
        stored_sequence.previous_sha256,
        -- strings
        fetches.url,
        fetches.final_url,
        fetches.fetch_role,
        fetches.listing_url,
        fetches.parent_url,
        fetches.link_text,
        fetches.fetch_outcome,
        fetches.fetch_error,
        fetches.content_type,
        fetches.detected_format,
        fetches.page_title,
        fetches.published_evidence,
        fetches.saved_path,
        -- numerics
        fetches.http_status,
        fetches.size_bytes,
        fetches.report_year,
        fetches.version_number,
        -- booleans
        fetches.is_stored,
        fetches.fetch_role in ('report_page', 'attachment', 'zip_member')
            and stored_sequence.previous_sha256 is not null
            and stored_sequence.previous_sha256 != fetches.content_sha256
            as is_republication,
        documents.report_id is not null as is_report_loaded,
        -- dates
        fetches.published_on,
        -- timestamps
        fetches.retrieved_at

    from fetches
    left join stored_sequence
        on fetches.fetch_id = stored_sequence.fetch_id
    left join documents
        on fetches.content_sha256 = documents.report_id

)

select * from final
