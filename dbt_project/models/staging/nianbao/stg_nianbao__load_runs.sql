with

source as (

    select * from {{ source('nianbao', 'load_runs') }}

),

renamed as (

    select
        -- ids
        run_id as load_run_id,
        -- strings
        command,
        build_status,
        check_status,
        status as run_status,
        -- numerics
        files_seen::integer as files_seen,
        files_loaded::integer as files_loaded,
        files_unchanged::integer as files_unchanged,
        files_failed::integer as files_failed,
        -- timestamps
        started_at::timestamp as started_at,
        finished_at::timestamp as finished_at

    from source

)

select * from renamed
