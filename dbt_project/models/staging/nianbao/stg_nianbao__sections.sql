with

source as (

    select * from {{ source('nianbao', 'sections') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        section_key,
        -- strings
        title as section_title,
        text as section_text,
        -- numerics
        line_start::integer as line_start,
        line_end::integer as line_end,
        char_count::integer as char_count,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
