with

source as (

    select * from {{ source('nianbao', 'documents') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        run_id as load_run_id,
        -- strings
        source_path,
        source_file_name,
        lower(source_format) as source_format,
        encoding as source_encoding,
        text as document_text,
        -- numerics
        size_bytes::bigint as size_bytes,
        line_count::integer as line_count,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
