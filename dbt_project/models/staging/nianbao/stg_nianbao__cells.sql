with

source as (

    select * from {{ source('nianbao', 'cells') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        table_key,
        row_key,
        column_key,
        -- strings
        value_raw,
        nullif(trim(unit), '') as unit,
        source as source_position,
        -- numerics
        value::double as value,
        line_number::integer as line_number,
        -- booleans
        value is null as is_blank,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
