# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: nianbao (.venv)
#     language: python
#     name: nianbao
# ---

# %% [markdown]
# # SQL cookbook (查询示例)
#
# Queries to copy. Each runs as it stands in `nianbao sql` (a read-only shell on the warehouse),
# or through `loaders.warehouse.open_warehouse(path, read_only=True)`, and its result is shown
# below it. They read the marts of schema `marts` only:
#
# | mart | one row per |
# | --- | --- |
# | `dim_report` | loaded report (file, year, template, agency_id, region_id, quality counts) |
# | `dim_agency`, `dim_region`, `dim_year` | issuing organ; GB/T 2260 division; report year |
# | `fct_applications` | 表三 cell: outcome × applicant type |
# | `fct_disclosures` | 表二 (or pre-2019 statistics table) cell: item × measure |
# | `fct_reviews` | 表四 cell: review kind × outcome |
# | `fct_complaints` | complaint figure stated in the text, by channel, with its sentence |
# | `fct_identity_checks` | accounting identity (勾稽关系) per report: PASS / FAIL / NOT_ASSESSABLE |
# | `mart_agency_year` | agency × report year: the metrics analysts compute, with year-over-year change |
#
# Every fact row carries `value` (null when the cell is blank, "/" or "—": never read null as 0)
# and `value_raw` (the text as printed), plus the Chinese labels of its keys (`*_label_zh`).

# %%
import polars as pl

from loaders.analysis.charts import read_sql
from loaders.settings import warehouse_path

DB = warehouse_path()  # NIANBAO_DB, else the project default
pl.Config.set_tbl_rows(30)
pl.Config.set_tbl_cols(20)
pl.Config.set_fmt_str_lengths(60)
print(f"warehouse: {DB}")


def run(sql: str) -> pl.DataFrame:
    """Run one query through a read-only connection closed right after; show at most 30 rows."""
    return read_sql(sql, db_path=DB).head(30)


# %% [markdown]
# ## 1. Every report with its organ, place, year and template

# %%
run("""
select
    dim_report.report_year as 年度,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    dim_agency.agency_kind,
    dim_region.province_name as 省,
    dim_region.prefecture_name as 市,
    dim_region.county_name as 县区,
    dim_report.template_version as 模板,
    dim_report.published_on as 发布日期,
    dim_report.source_file_name
from marts.dim_report
left join marts.dim_agency on dim_report.agency_id = dim_agency.agency_id
left join marts.dim_region on dim_report.region_id = dim_region.region_id
order by dim_report.report_year, 机构
""")

# %% [markdown]
# ## 2. One report's 表三 in its printed shape
#
# Outcomes down, applicant types across, in the order the report prints them. Change the
# `chosen` CTE to pick another report (e.g. `select '<report_id>' as report_id`).

# %%
run("""
with chosen as (
    -- the latest report of a known organ that has a 表三
    select report_id
    from marts.dim_report
    where agency_id is not null and application_cell_count > 0
    order by report_year desc, source_file_name
    limit 1
)
select
    any_value(outcome_label_zh) as 办理情况,
    max(value) filter (where applicant_type_key = 'natural_person') as 自然人,
    max(value) filter (where applicant_type_key = 'commercial_enterprise') as 商业企业,
    max(value) filter (where applicant_type_key = 'research_institution') as 科研机构,
    max(value) filter (where applicant_type_key = 'social_organization') as 社会公益组织,
    max(value) filter (where applicant_type_key = 'legal_service_institution') as 法律服务机构,
    max(value) filter (where applicant_type_key = 'other_organization') as 其他,
    max(value) filter (where applicant_type_key = 'total') as 总计
from marts.fct_applications
where report_id = (select report_id from chosen)
group by outcome_key
order by min(line_number), outcome_key
""")

# %% [markdown]
# ## 3. Applications and outcomes per agency and year (2019 templates on)
#
# From `mart_agency_year`, which already sums the outcome groups of 表三's 总计 column. Rates are
# null when nothing was processed (parks often report all zeros).

# %%
run("""
select
    dim_agency.agency_name as 机构,
    mart_agency_year.report_year as 年度,
    mart_agency_year.template_version as 模板,
    mart_agency_year.applications_new as 本年新收,
    mart_agency_year.applications_carried_over as 上年结转,
    mart_agency_year.applications_granted as 予以公开,
    mart_agency_year.applications_partially_granted as 部分公开,
    mart_agency_year.applications_withheld as 不予公开,
    mart_agency_year.applications_unavailable as 无法提供,
    mart_agency_year.applications_rejected as 不予处理,
    mart_agency_year.applications_other_handling as 其他处理,
    mart_agency_year.applications_processed as 总计,
    round(mart_agency_year.disclosure_rate * 100, 1) as "公开率%"
from marts.mart_agency_year
inner join marts.dim_agency on mart_agency_year.agency_id = dim_agency.agency_id
where mart_agency_year.template_version in ('v2019', 'v2021')
order by 机构, 年度
""")

# %% [markdown]
# ## 4. 表二 proactive disclosure, long format with both labels
#
# Measures differ between templates (`is_comparable_across_versions` says which cells mean the
# same in v2019 and v2021); `value_raw` keeps signs such as "+3".

# %%
run("""
select
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    fct_disclosures.report_year as 年度,
    fct_disclosures.template_version as 模板,
    fct_disclosures.item_label_zh as 项目,
    fct_disclosures.measure_label_zh as 指标,
    fct_disclosures.value_raw as 原文,
    fct_disclosures.value,
    fct_disclosures.unit,
    fct_disclosures.is_comparable_across_versions as 跨版本可比
from marts.fct_disclosures
left join marts.dim_agency on fct_disclosures.agency_id = dim_agency.agency_id
where fct_disclosures.item_key in (
    'administrative_licensing', 'administrative_penalty', 'administrative_coercion'
)
order by 机构, 年度, fct_disclosures.line_number, fct_disclosures.measure_key
""")

# %% [markdown]
# ## 5. 行政复议 / 行政诉讼 per agency and year, with the correction rate (纠错率)
#
# Correction rate = 结果纠正 / (总计 − 尚未审结): decided cases only; null when none was decided.

# %%
run("""
with blocks as (
    select
        agency_id,
        report_year,
        review_kind_key,
        any_value(review_kind_label_zh) as review_kind_label_zh,
        max(value) filter (where outcome_key = 'total') as total,
        max(value) filter (where outcome_key = 'corrected') as corrected,
        max(value) filter (where outcome_key = 'pending') as pending
    from marts.fct_reviews
    group by agency_id, report_year, review_kind_key
)
select
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    blocks.report_year as 年度,
    blocks.review_kind_label_zh as 类别,
    blocks.total as 总计,
    blocks.corrected as 结果纠正,
    blocks.pending as 尚未审结,
    round(blocks.corrected / nullif(blocks.total - blocks.pending, 0) * 100, 1) as "纠错率%"
from blocks
left join marts.dim_agency on blocks.agency_id = dim_agency.agency_id
order by 机构, 年度, blocks.review_kind_key
""")

# %% [markdown]
# ## 6. Complaints by channel, with the sentence they come from

# %%
run("""
select
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    fct_complaints.report_year as 年度,
    fct_complaints.channel_label_zh as 渠道,
    fct_complaints.value as 数量,
    fct_complaints.unit as 单位,
    fct_complaints.evidence as 原文
from marts.fct_complaints
left join marts.dim_agency on fct_complaints.agency_id = dim_agency.agency_id
order by 机构, 年度, fct_complaints.channel_key
""")

# %% [markdown]
# ## 7. Roll up to the prefecture level (地级) by year
#
# An agency's region may be a county, a prefecture or only the province: roll up through
# `prefecture_region_id` (null for a prefecture row itself, hence the case). The four
# direct-administered municipalities (直辖市: 北京 110000, 天津 120000, 上海 310000, 重庆 500000)
# have no prefecture between them and their districts: each is its own prefecture-level unit.
# An agency placed only at a province is 未定位 at this level.

# %%
run("""
with placed as (
    select
        mart_agency_year.*,
        case
            when left(dim_region.region_id, 2) in ('11', '12', '31', '50')
                then left(dim_region.region_id, 2) || '0000'
            when dim_region.region_level = 'prefecture' then dim_region.region_id
            else dim_region.prefecture_region_id
        end as prefecture_unit_id
    from marts.mart_agency_year
    left join marts.dim_region on mart_agency_year.region_id = dim_region.region_id
)
select
    coalesce(unit.prefecture_name, unit.province_name, '（未定位）') as 地级单位,
    placed.report_year as 年度,
    count(*) as 报告数,
    sum(placed.applications_new) as 本年新收,
    sum(placed.reconsideration_cases) as 行政复议,
    sum(placed.litigation_cases) as 行政诉讼,
    sum(placed.complaints_total) as 投诉合计
from placed
left join marts.dim_region as unit on unit.region_id = placed.prefecture_unit_id
group by all
order by 地级单位, 年度
""")

# %% [markdown]
# ## 7b. Roll up to the province (省级) by year
#
# Every placed agency has a province, whatever the level it is placed at.

# %%
run("""
select
    coalesce(dim_region.province_name, '（未定位）') as 省,
    mart_agency_year.report_year as 年度,
    count(*) as 报告数,
    count(distinct mart_agency_year.agency_id) as 机构数,
    sum(mart_agency_year.applications_new) as 本年新收,
    sum(mart_agency_year.reconsideration_cases) as 行政复议,
    sum(mart_agency_year.litigation_cases) as 行政诉讼,
    sum(mart_agency_year.complaints_total) as 投诉合计
from marts.mart_agency_year
left join marts.dim_region on mart_agency_year.region_id = dim_region.region_id
group by all
order by 省, 年度
""")

# %% [markdown]
# ## 8. Year-over-year change of one metric
#
# Against the same organ's previous report (`years_since_previous_report` apart); `_yoy_pct` is
# null when the previous value is 0 or blank. Empty until an organ has two reports loaded.

# %%
run("""
select
    dim_agency.agency_name as 机构,
    mart_agency_year.previous_report_year as 上期年度,
    mart_agency_year.report_year as 本期年度,
    mart_agency_year.applications_new_previous as 上期新收,
    mart_agency_year.applications_new as 本期新收,
    mart_agency_year.applications_new_yoy_delta as 变化,
    round(mart_agency_year.applications_new_yoy_pct * 100, 1) as "变化%"
from marts.mart_agency_year
inner join marts.dim_agency on mart_agency_year.agency_id = dim_agency.agency_id
where mart_agency_year.previous_report_year is not null
order by abs(mart_agency_year.applications_new_yoy_delta) desc nulls last, 机构
""")

# %% [markdown]
# ## 9. Rank the parks of each year
#
# `rank()` gives ties the same rank (many parks report 0); compare within one year, since the
# templates differ between years.

# %%
run("""
select
    mart_agency_year.report_year as 年度,
    rank() over (
        partition by mart_agency_year.report_year
        order by mart_agency_year.applications_new desc nulls last
    ) as 名次,
    dim_agency.agency_name as 机构,
    mart_agency_year.applications_new as 本年新收,
    mart_agency_year.penalty_decisions as 行政处罚决定,
    mart_agency_year.complaints_total as 投诉合计
from marts.mart_agency_year
inner join marts.dim_agency on mart_agency_year.agency_id = dim_agency.agency_id
where dim_agency.agency_kind = 'park_committee'
order by 年度, 名次, 机构
""")

# %% [markdown]
# ## 10. Blank is not zero
#
# Per report and table: cells printed as a number, as 0, and left blank ("", "/", "—", "无").
# `value` is null for blanks; sum with `coalesce(value, 0)` only when you mean it.

# %%
run("""
with cells as (
    select report_id, '表二' as 表, value, is_blank from marts.fct_disclosures
    union all
    select report_id, '表三', value, is_blank from marts.fct_applications
    union all
    select report_id, '表四', value, is_blank from marts.fct_reviews
)
select
    dim_report.source_file_name,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    cells.表,
    count(*) as 单元格,
    count(*) filter (where cells.value = 0) as 填0,
    count(*) filter (where cells.value <> 0) as 非0,
    count(*) filter (where cells.is_blank) as 空白
from cells
inner join marts.dim_report on cells.report_id = dim_report.report_id
left join marts.dim_agency on dim_report.agency_id = dim_agency.agency_id
group by all
order by dim_report.source_file_name, cells.表
""")

# %% [markdown]
# ## 11. Accounting identities per report
#
# Status counts per report and identity, with the Chinese formula; the data-quality notebook
# lists the failing cells themselves.

# %%
run("""
select
    dim_report.source_file_name,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    fct_identity_checks.report_year as 年度,
    fct_identity_checks.identity_formula_zh as 勾稽关系,
    count(*) filter (where fct_identity_checks.status = 'PASS') as 通过,
    count(*) filter (where fct_identity_checks.status = 'FAIL') as 不符,
    count(*) filter (where fct_identity_checks.status = 'NOT_ASSESSABLE') as 无法核验
from marts.fct_identity_checks
inner join marts.dim_report on fct_identity_checks.report_id = dim_report.report_id
left join marts.dim_agency on fct_identity_checks.agency_id = dim_agency.agency_id
group by all
order by dim_report.source_file_name, 勾稽关系
""")

# %% [markdown]
# ## 12. Templates by year, and reports that use another one
#
# `dim_year.template_version` is the template in force for the year; a report's own
# `template_version` is detected from its tables.

# %%
run("""
select
    dim_year.report_year as 年度,
    dim_year.template_version as 适用模板,
    dim_year.template_basis as 依据,
    dim_year.report_count as 报告数,
    count(dim_report.report_id) filter (
        where dim_report.template_version is distinct from dim_year.template_version
    ) as 使用其他模板,
    string_agg(distinct dim_report.template_version, ', ') as 实际模板
from marts.dim_year
left join marts.dim_report on dim_year.report_year = dim_report.report_year
group by all
order by 年度
""")

# %% [markdown]
# ## 13. The source lines behind a figure (as `nianbao trace REPORT KEY` prints them)
#
# A figure's `line_number` is the line of the normalised document (`raw.documents.text`, one line
# per reader line: blank lines are not lines); `source_position` is where that line sits in the
# file as delivered (its own line for text and Markdown, the page for PDF, the table and row for
# HTML and Word). This query is `loaders.commands.trace.TRACE_SQL` for one report and key, with the marts'
# names: `nianbao trace 000_f6bb5fbcfd8441cc.txt applications.new_received.total` prints the same
# line with its neighbours and the file's own line.

# %%
run("""
select
    dim_report.source_file_name,
    fct_applications.outcome_key || '.' || fct_applications.applicant_type_key as 单元格,
    fct_applications.value as 数值,
    fct_applications.value_raw as 原文,
    fct_applications.line_number as 文档行,
    fct_applications.source_position as 原文件位置,
    string_split(raw_documents.text, chr(10))[fct_applications.line_number] as 文档行内容
from marts.fct_applications
inner join marts.dim_report on fct_applications.report_id = dim_report.report_id
inner join raw.documents as raw_documents
    on fct_applications.report_id = raw_documents.document_id
where fct_applications.outcome_key = 'new_received'
    and fct_applications.applicant_type_key = 'total'
order by dim_report.source_file_name
""")

# %% [markdown]
# ## 14. Reports late, incomplete or contradicting themselves (`mart_report_compliance`)
#
# `flags` lists what an assessment would mark; filter with `list_contains(flags, '...')`. The
# compliance notebook (`compliance.py`) goes further: rankings, text reuse, two agencies side by
# side.

# %%
run("""
select
    report_year as 年度,
    coalesce(agency_name, '（未知机构）') as 机构,
    organ_kind as 机关类型,
    deadline_on as 期限,
    published_on as 公布日期,
    days_late as 逾期天数,
    sections_missing as 缺少部分,
    flags as 问题标记
from marts.mart_report_compliance
order by len(flags) desc, 年度, 机构
""")
