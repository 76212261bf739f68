with

source as (

    select * from {{ source('nianbao', 'ocr_pages') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        page_number::integer as page_number,
        -- strings
        text as ocr_text,
        boxes::json as ocr_boxes,
        -- numerics
        dpi::double as dpi,
        skew_degrees::double as skew_degrees,
        seconds::double as ocr_seconds,
        box_count::integer as box_count,
        min_score::double as min_score,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
