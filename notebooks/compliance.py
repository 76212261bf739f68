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
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Compliance (合规评估)
#
# What transparency assessments check of each annual report, from the assessment marts:
# publication by the deadline (`mart_report_compliance`: the 2007 Regulation's 31 March, the 2019
# Regulation's art. 49 31 January for departments and 31 March for governments at county level
# and above), the required sections and tables, the accounting identities, the narrative against
# the tables (`mart_narrative_checks`), the figures across years (`mart_cross_year_checks`) and
# text copied from the previous year (`mart_text_reuse`, 50% threshold). By region and kind of
# organ, with rankings and two agencies side by side. Every query opens a read-only connection
# and closes it; the warehouse is the one `NIANBAO_DB` names.

# %% tags=["parameters"]
TOP_N = 20  # rows shown per ranking
AGENCIES: list[str] = []  # two agency names to put side by side; empty: the two with most reports
ORGAN_KIND: str | None = None  # restrict to one kind (department, government, park_committee...)

# %%
import polars as pl
from IPython.display import display

from loaders.analysis.charts import read_sql
from loaders.settings import warehouse_path

DB = warehouse_path()
pl.Config.set_tbl_rows(TOP_N + 5)
pl.Config.set_tbl_cols(20)
pl.Config.set_fmt_str_lengths(60)
print(f"warehouse: {DB}")


def run(sql: str, **params) -> pl.DataFrame:
    """One read-only query; ORGAN_KIND is available as $organ_kind (passed when it is used)."""
    given = {"organ_kind": ORGAN_KIND, **params}
    return read_sql(sql, {k: v for k, v in given.items() if f"${k}" in sql}, DB)


COMPLIANCE = """
    select mart_report_compliance.*, dim_region.province_name, dim_region.region_name
    from marts.mart_report_compliance
    left join marts.dim_region on mart_report_compliance.region_id = dim_region.region_id
    where $organ_kind is null or organ_kind = $organ_kind
"""

# %% [markdown]
# ## Overview: how many reports raise each flag

# %%
run(f"""
with reports as ({COMPLIANCE})
select flag as 问题标记, count(*) as 报告数
from reports, unnest(flags) as flagged (flag)
group by flag
order by 报告数 desc, flag
""")

# %% [markdown]
# ## Late publishers, by region and kind of organ
#
# `is_on_time` is null when the publication date is unknown: those are counted apart, never as
# on time.

# %%
run(f"""
with reports as ({COMPLIANCE})
select
    coalesce(province_name, '（未知地区）') as 省份,
    organ_kind as 机关类型,
    count(*) as 报告数,
    count(*) filter (where is_on_time) as 按时,
    count(*) filter (where not is_on_time) as 逾期,
    count(*) filter (where is_on_time is null) as 日期不明,
    round(avg(days_late) filter (where not is_on_time), 1) as 平均逾期天数
from reports
group by all
order by 逾期 desc, 省份, 机关类型
""")

# %%
run(f"""
with reports as ({COMPLIANCE})
select
    report_year as 年度,
    coalesce(agency_name, '（未知机构）') as 机构,
    organ_kind as 机关类型,
    deadline_on as 期限,
    published_on as 公布日期,
    days_late as 逾期天数,
    deadline_rule as 规则
from reports
where not is_on_time
order by days_late desc
limit {TOP_N}
""")

# %% [markdown]
# ## Missing sections and tables

# %%
run(f"""
with reports as ({COMPLIANCE})
select
    report_year as 年度,
    coalesce(agency_name, '（未知机构）') as 机构,
    template_era as 格式,
    sections_missing as 缺少部分,
    tables_missing as 缺少表格
from reports
where section_missing_count > 0 or table_missing_count > 0
order by 年度, 机构
limit {TOP_N}
""")

# %% [markdown]
# ## Failing identities: as printed, and with blanks read as 0
#
# A failure that appears only with blanks as 0 hangs on cells the report left blank.

# %%
run(f"""
with reports as ({COMPLIANCE})
select
    report_year as 年度,
    coalesce(agency_name, '（未知机构）') as 机构,
    identity_pass_count as 通过,
    identity_fail_count as 不符,
    identity_not_assessable_count as 无法核验,
    identity_fail_count_blanks_as_zero as 空白按0不符
from reports
where identity_fail_count > 0 or identity_fail_count_blanks_as_zero > 0
order by 不符 desc, 空白按0不符 desc
limit {TOP_N}
""")

# %% [markdown]
# ## The narrative against the tables

# %%
run(f"""
select
    mart_narrative_checks.report_year as 年度,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    mart_narrative_checks.figure_key as 项目,
    mart_narrative_checks.narrative_value as 正文,
    mart_narrative_checks.table_value as 表格,
    mart_narrative_checks.status as 结果,
    mart_narrative_checks.line_number as 行,
    mart_narrative_checks.sentence as 句子
from marts.mart_narrative_checks
left join marts.dim_agency on mart_narrative_checks.agency_id = dim_agency.agency_id
order by (mart_narrative_checks.status = 'FAIL') desc, 年度, 机构
limit {TOP_N}
""")

# %% [markdown]
# ## Across years: the 结转 chain, 现行有效, figures repeated

# %%
run(f"""
select
    mart_cross_year_checks.report_year as 年度,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    mart_cross_year_checks.check_key as 核对项,
    count(*) filter (where mart_cross_year_checks.status = 'PASS') as 通过,
    count(*) filter (where mart_cross_year_checks.status = 'FAIL') as 不符,
    count(*) filter (where mart_cross_year_checks.status = 'NOT_ASSESSABLE') as 无法核验
from marts.mart_cross_year_checks
left join marts.dim_agency on mart_cross_year_checks.agency_id = dim_agency.agency_id
group by all
order by 不符 desc, 年度, 机构
limit {TOP_N}
""")

# %% [markdown]
# ## Text reuse: the share of each section repeating the previous year's report

# %%
reuse = run("""
select
    mart_text_reuse.report_year as 年度,
    coalesce(dim_agency.agency_name, '（未知机构）') as 机构,
    mart_text_reuse.section_key as 部分,
    round(mart_text_reuse.reuse_share, 3) as 雷同比例,
    mart_text_reuse.is_reused as 雷同
from marts.mart_text_reuse
left join marts.dim_agency on mart_text_reuse.agency_id = dim_agency.agency_id
order by mart_text_reuse.reuse_share desc nulls last
""")
display(reuse.head(TOP_N))
if reuse.height:
    display(reuse.pivot(on="部分", index=["年度", "机构"], values="雷同比例"))

# %% [markdown]
# ## Ranking: agencies by flags raised, over all their reports

# %%
run(f"""
with reports as ({COMPLIANCE})
select
    coalesce(agency_name, '（未知机构）') as 机构,
    any_value(organ_kind) as 机关类型,
    count(*) as 报告数,
    sum(len(flags)) as 问题数,
    count(*) filter (where not is_on_time) as 逾期报告,
    sum(identity_fail_count) as 勾稽不符,
    sum(narrative_fail_count) as 正文矛盾,
    max(max_reuse_share) as 最高雷同比例
from reports
group by all
order by 问题数 desc, 机构
limit {TOP_N}
""")

# %% [markdown]
# ## By region: roll-ups per province, prefecture and county (`mart_region_year`)

# %%
run("""
select
    rollup_level as 层级,
    region_name as 地区,
    report_year as 年度,
    report_count as 报告数,
    agency_count as 机关数,
    applications_new as 新收申请,
    round(grant_rate, 3) as 予以公开率,
    late_report_count as 逾期报告,
    identity_fail_report_count as 勾稽不符报告
from marts.mart_region_year
order by 层级, 地区, 年度
""")

# %% [markdown]
# ## Two agencies side by side across years

# %%
chosen = (
    AGENCIES
    or run("""
    select agency_name from marts.mart_report_compliance
    where agency_name is not null
    group by agency_name
    order by count(*) desc, agency_name
    limit 2
""")["agency_name"].to_list()
)
side_by_side = run(
    """
    select
        agency_name as 机构,
        report_year as 年度,
        published_on as 公布日期,
        is_on_time as 按时,
        len(flags) as 问题数,
        identity_fail_count as 勾稽不符,
        narrative_fail_count as 正文矛盾,
        carry_fail_count as 结转不符,
        round(max_reuse_share, 3) as 最高雷同比例
    from marts.mart_report_compliance
    where list_contains($chosen, agency_name) and is_current_version
    order by 年度, 机构
    """,
    chosen=chosen,
)
print(f"agencies: {chosen}")
display(side_by_side)
