with

source as (

    select * from {{ source('nianbao', 'complaints') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        channel_key,
        -- strings
        nullif(trim(unit), '') as unit,
        evidence,
        -- numerics
        value::double as value,
        line_number::integer as line_number,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
