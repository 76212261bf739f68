with

source as (

    select * from {{ source('nianbao', 'reports') }}

),

renamed as (

    select
        -- ids
        document_id as report_id,
        nullif(trim(region_code), '') as region_code,
        -- strings
        agency_name as agency_name_printed,
        agency_source,
        agency_evidence,
        report_year_evidence,
        template_version,
        template_evidence,
        published_evidence,
        province_name,
        prefecture_name,
        county_name,
        region_level,
        region_evidence,
        -- numerics
        report_year::integer as report_year,
        agency_line::integer as agency_line_number,
        report_year_line::integer as report_year_line_number,
        published_line::integer as published_line_number,
        -- dates
        published_on::date as published_on,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
