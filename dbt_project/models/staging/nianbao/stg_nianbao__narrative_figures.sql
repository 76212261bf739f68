with

source as (

    select * from {{ source('nianbao', 'narrative_figures') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        figure_key,
        -- strings
        nullif(trim(unit), '') as unit,
        sentence,
        source as line_source,
        -- numerics
        ordinal::integer as figure_ordinal,
        value::double as value,
        line_number::integer as line_number,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
