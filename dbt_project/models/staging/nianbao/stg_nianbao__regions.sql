with

source as (

    select * from {{ source('nianbao', 'regions') }}

),

renamed as (

    select
        -- ids
        trim(region_code) as region_id,
        -- strings
        province_name,
        prefecture_name,
        county_name,
        lower(region_level) as region_level,
        -- numerics
        vintage_year::integer as vintage_year

    from source

)

select * from renamed
