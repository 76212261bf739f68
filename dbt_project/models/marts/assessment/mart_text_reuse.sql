-- How much of each section's text repeats the same agency's report of the year before (the
-- current version of that year). The measure is character n-gram containment: both texts are
-- normalised (whitespace removed, every run of digits made one '#', so that a new year or new
-- figures in a copied sentence do not hide the copy), cut into their distinct runs of
-- {{ var('text_reuse_ngram', 8) }} characters, and the share is
-- |n-grams of this year ∩ n-grams of last year| / |n-grams of this year|. It is deterministic and
-- asymmetric: a report that copies last year's text and adds to it still shares what it copied.
-- One row per report x section the report has and the previous report has too.
{%- set ngram = var('text_reuse_ngram', 8) %}
with

reports as (

    select * from {{ ref('dim_report') }}

),

sections as (

    select * from {{ ref('stg_nianbao__sections') }}

),

report_pairs as (

    select
        reports.report_id,
        reports.agency_id,
        reports.region_id,
        reports.report_year,
        previous.report_id as previous_report_id,
        reports.loaded_at

    from reports
    {{ join_previous_year_report('reports') }}

),

normalised as (

    select
        report_id,
        section_key,
        regexp_replace(regexp_replace(section_text, '\s+', '', 'g'), '[0-9]+', '#', 'g')
            as normalised_text

    from sections

),

ngrams as (

    select
        report_id,
        section_key,
        length(normalised_text) as normalised_char_count,
        list_distinct(
            list_transform(
                range(1, length(normalised_text) - {{ ngram }} + 2),
                lambda position: substr(normalised_text, position, {{ ngram }})
            )
        ) as section_ngrams

    from normalised

),

compared as (

    select
        report_pairs.report_id,
        report_pairs.agency_id,
        report_pairs.region_id,
        report_pairs.previous_report_id,
        own.section_key,
        report_pairs.report_year,
        own.normalised_char_count,
        previous.normalised_char_count as previous_normalised_char_count,
        len(own.section_ngrams) as ngram_count,
        len(list_intersect(own.section_ngrams, previous.section_ngrams)) as shared_ngram_count,
        report_pairs.loaded_at

    from report_pairs
    inner join ngrams as own
        on report_pairs.report_id = own.report_id
    inner join ngrams as previous
        on report_pairs.previous_report_id = previous.report_id
        and own.section_key = previous.section_key

),

final as (

    select
        -- ids
        md5(report_id || '|' || section_key) as text_reuse_id,
        report_id,
        agency_id,
        region_id,
        previous_report_id,
        section_key,
        -- numerics
        report_year,
        normalised_char_count,
        previous_normalised_char_count,
        ngram_count,
        shared_ngram_count,
        -- a section shorter than {{ var('text_reuse_min_chars', 50) }} characters (无。) says
        -- too little to be called a copy
        case
            when normalised_char_count >= {{ var('text_reuse_min_chars', 50) }}
                then {{ safe_divide('shared_ngram_count', 'ngram_count') }}
        end as reuse_share,
        -- booleans
        coalesce(
            normalised_char_count >= {{ var('text_reuse_min_chars', 50) }}
            and {{ safe_divide('shared_ngram_count', 'ngram_count') }}
                >= {{ var('text_reuse_threshold', 0.5) }},
            false
        ) as is_reused,
        -- timestamps
        loaded_at

    from compared

)

select * from final
