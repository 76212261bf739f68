with

source as (

    select * from {{ source('nianbao', 'parse_issues') }}

),

renamed as (

    select
        -- ids
        issue_id,
        document_id as report_id,
        run_id as load_run_id,
        -- strings
        source_path,
        code as issue_code,
        lower(severity) as severity,
        source as source_position,
        message,
        -- numerics
        line_number::integer as line_number,
        -- timestamps
        loaded_at::timestamp as loaded_at

    from source

)

select * from renamed
