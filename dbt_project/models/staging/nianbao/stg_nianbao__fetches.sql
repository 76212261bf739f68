with

source as (

    select * from {{ source('nianbao', 'fetches') }}

),

renamed as (

    select
        -- ids
        fetch_id,
        fetch_run_id,
        sha256 as content_sha256,
        -- strings
        url,
        final_url,
        role as fetch_role,
        listing_url,
        parent_url,
        link_text,
        outcome as fetch_outcome,
        error as fetch_error,
        etag,
        last_modified,
        content_type,
        detected_format,
        page_title,
        published_evidence,
        saved_path,
        -- numerics
        http_status::integer as http_status,
        size_bytes::bigint as size_bytes,
        report_year::integer as report_year,
        version::integer as version_number,
        -- booleans
        outcome in ('saved', 'new_version', 'unchanged', 'not_modified') as is_stored,
        -- dates
        published_on::date as published_on,
        -- timestamps
        retrieved_at::timestamp as retrieved_at

    from source

)

select * from renamed
