-- Template-version harmonisation of the table cells. The loader already keys every cell with the
-- vocabulary, which keeps v2019 and v2021 measures apart where their meaning differs
-- (本年新制作数量 vs 本年制发件数, 对外公开总数量 vs 现行有效件数, fee item counts vs 万元) and shares the
-- keys where it is the same (处理决定数量, every table 三 and 四 cell). This model attaches the Chinese
-- labels of both keys, whether the keys exist in the report's template version, and whether the cell
-- is comparable across the 2019 and 2021 templates.
with

cells as (

    select * from {{ ref('stg_nianbao__cells') }}

),

reports as (

    select * from {{ ref('int_reports_resolved') }}

),

vocabulary as (

    select * from {{ ref('vocabulary') }}

),

key_kinds as (

    select
        table_key,
        row_key_kind,
        column_key_kind

    from (
        values
            ('disclosures', 'item', 'measure'),
            ('applications', 'outcome', 'applicant_type'),
            ('reviews', 'review_kind', 'outcome')
    ) as kinds (table_key, row_key_kind, column_key_kind)

),

vocabulary_versions as (

    -- computed per key rather than per cell (list functions on every cell are slow): whether the
    -- key exists in both the 2019 and 2021 templates, and its versions as '|v2019|v2021|', in
    -- which a cell's version is found by a substring test
    select
        fact,
        key_kind,
        key,
        label_zh,
        '|' || template_versions || '|' as template_versions_delimited,
        list_has_all(string_split(template_versions, '|'), ['v2019', 'v2021'])
            as is_in_v2019_and_v2021

    from vocabulary

),

labelled as (

    select
        cells.report_id,
        cells.table_key,
        cells.row_key,
        cells.column_key,
        key_kinds.row_key_kind,
        key_kinds.column_key_kind,
        row_vocabulary.label_zh as row_label_zh,
        column_vocabulary.label_zh as column_label_zh,
        reports.template_version,
        row_vocabulary.template_versions_delimited as row_template_versions,
        column_vocabulary.template_versions_delimited as column_template_versions,
        row_vocabulary.is_in_v2019_and_v2021 as is_row_key_in_v2019_and_v2021,
        column_vocabulary.is_in_v2019_and_v2021 as is_column_key_in_v2019_and_v2021,
        cells.value,
        cells.value_raw,
        cells.unit,
        cells.line_number,
        cells.source_position,
        cells.is_blank,
        cells.loaded_at

    from cells
    left join reports
        on cells.report_id = reports.report_id
    left join key_kinds
        on cells.table_key = key_kinds.table_key
    left join vocabulary_versions as row_vocabulary
        on cells.table_key = row_vocabulary.fact
        and key_kinds.row_key_kind = row_vocabulary.key_kind
        and cells.row_key = row_vocabulary.key
    left join vocabulary_versions as column_vocabulary
        on cells.table_key = column_vocabulary.fact
        and key_kinds.column_key_kind = column_vocabulary.key_kind
        and cells.column_key = column_vocabulary.key

),

final as (

    select
        report_id,
        table_key,
        row_key,
        column_key,
        row_key_kind,
        column_key_kind,
        row_label_zh,
        column_label_zh,
        template_version,
        value,
        value_raw,
        unit,
        line_number,
        source_position,
        is_blank,
        row_label_zh is not null and column_label_zh is not null as is_in_vocabulary,
        coalesce(
            -- a version holding '|' is in no list
            not contains(template_version, '|')
            and contains(row_template_versions, '|' || template_version || '|')
            and contains(column_template_versions, '|' || template_version || '|'),
            false
        ) as is_key_in_template_version,
        coalesce(
            is_row_key_in_v2019_and_v2021 and is_column_key_in_v2019_and_v2021,
            false
        ) as is_comparable_across_versions,
        loaded_at

    from labelled

)

select * from final
