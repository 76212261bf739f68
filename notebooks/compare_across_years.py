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
# # Compare agencies across years (机构年度对比)
#
# Year by year, for each chosen agency: applications received and how they were handled
# (表三), proactive-disclosure figures (表二: licensing / penalty / coercion decisions,
# documents issued), 行政复议 / 行政诉讼 cases (表四), complaints by channel (stated in the
# narrative) and the share of accounting identities (勾稽关系) the report passes.
#
# Reads the marts only (`marts.mart_agency_year`, `marts.dim_agency`, `marts.dim_region`),
# through read-only connections closed after each query. The warehouse is the one `NIANBAO_DB`
# names (default `warehouse/nianbao.duckdb`). Change the parameters below and run all cells, or
# set them from outside without editing: each reads the environment variable `NIANBAO_<NAME>`
# (JSON or plain text), e.g. `NIANBAO_AGENCY_KIND=government NIANBAO_YEAR_FROM=2019 make notebooks`.

# %% tags=["parameters"]
from loaders.analysis.params import param

# Agencies by name (as in dim_agency.agency_name) or agency_id; empty = every agency of AGENCY_KIND.
AGENCIES: list[str] = param("AGENCIES", [])
# park_committee / government / department / other; None = every kind.
AGENCY_KIND: str | None = param("AGENCY_KIND", "park_committee")
YEAR_FROM: int | None = param("YEAR_FROM", None)  # report years, inclusive; None = no bound
YEAR_TO: int | None = param("YEAR_TO", None)
MAX_PANELS = param("MAX_PANELS", 24)  # small multiples: at most this many agencies (most active)
RANK_BY = param("RANK_BY", "applications_new")  # a column of the ranking table below
RANK_YEAR: int | None = param("RANK_YEAR", None)  # None = each agency's latest report
TOP_N = param("TOP_N", 20)  # rows shown in the ranking and year-over-year tables

# %%
import matplotlib.pyplot as plt
import polars as pl
from IPython.display import display

from loaders.analysis.charts import (
    agency_years,
    panel_selection,
    register_cjk_font,
    series_note,
    small_multiples,
)
from loaders.settings import warehouse_path

DB = warehouse_path()  # NIANBAO_DB, else the project default
register_cjk_font()
pl.Config.set_tbl_rows(TOP_N + 5)
pl.Config.set_tbl_cols(20)
pl.Config.set_fmt_str_lengths(40)
print(f"warehouse: {DB}")

frame = agency_years(DB, AGENCIES, AGENCY_KIND, YEAR_FROM, YEAR_TO)
if frame.is_empty():
    print("No agency-year in the warehouse matches the parameters: widen AGENCIES / AGENCY_KIND.")
    panel_ids: list[str] = []
else:
    panel_ids, years, agency_count = panel_selection(frame, MAX_PANELS)
    print(
        f"{agency_count} agencies, {frame.height} agency-years, report years "
        f"{years[0]}–{years[1]}; charts show {len(panel_ids)} of them"
    )
    if series_note(frame):
        print(f"Note: {series_note(frame)}")

# %% [markdown]
# ## What is in the selection
#
# One row per agency, one column per report year; a cell names the template the report used
# (detected from its tables, which can differ from the one in force that year). A blank cell is
# a year without a report in the warehouse.

# %%
coverage = (
    frame.select("agency_name", "prefecture_name", "county_name", "report_year", "template_version")
    .sort("report_year")
    .pivot(on="report_year", index=["agency_name", "prefecture_name", "county_name"])
    .sort("agency_name")
)
print(f"{coverage.height} agencies (first {TOP_N} by name shown)")
coverage.head(TOP_N)

# %% [markdown]
# ## Which figures compare across template versions
#
# Reports follow three templates: **pre2019** (report years ≤ 2018, a locally set statistics
# table), **v2019** (国办公开办函〔2019〕60号, report years 2019–2020) and **v2021**
# (国办公开办函〔2021〕30号, from 2021). The template a report actually uses is detected from
# its tables (`template_version`), and that is what decides comparability:
#
# - **Applications and their outcomes (表三) and 复议 / 诉讼 (表四)** have the same rows and
#   columns in v2019 and v2021: comparable from 2019 on. Only （六）其他处理 became three rows in
#   v2021; the mart adds them up. pre2019 reports give at most the number of applications
#   received (收到申请数), not the outcome breakdown.
# - **表二** differs: 行政许可 / 行政处罚 / 行政强制 decisions (处理决定数量) compare across
#   v2019 and v2021; documents do not quite — 本年新制作数量 (v2019) vs 本年制发件数 (v2021),
#   对外公开总数量 vs 现行有效件数 — and 行政事业性收费 is a count of fee items in v2019 but an
#   amount in 万元 in v2021; 政府集中采购 exists only in v2019. pre2019 documents count 公文.
# - **Complaints** are whatever the narrative states, in any year: a missing channel means "not
#   stated", not 0.
# - **Identity pass rate** only counts identities that could be checked; pre2019 tables have
#   few, so a 100 % there says less than in a v2019 / v2021 report.
#
# The table below turns these rules into one verdict per metric and pair of templates; the
# `n <template>` columns count the agency-years of the selection that carry the figure (not
# blank) per detected template.

# %%
# verdicts: "yes" = same cells; "approx." = close but not identical definitions; "no" = absent
# in one template or a different quantity
COMPARABILITY = {
    "applications_new": ("本年新收申请", "yes", "approx.", "pre2019: 收到申请数"),
    "workload": ("申请总量（新收 + 上年结转）", "yes", "no", "pre2019: no carry-over row"),
    "applications_processed": ("办理结果总计", "yes", "no", ""),
    "disclosure_rate": ("公开率（含部分公开）", "yes", "no", ""),
    "reconsideration_cases": ("行政复议", "yes", "no", "pre2019 tables here carry no 表四"),
    "litigation_cases": ("行政诉讼", "yes", "no", ""),
    "licensing_decisions": ("行政许可决定", "yes", "no", "处理决定数量 in both"),
    "penalty_decisions": ("行政处罚决定", "yes", "no", ""),
    "proactive_documents_issued": (
        "制发文件",
        "approx.",
        "no",
        "新制作 (v2019) vs 制发 (v2021); 公文 before 2019",
    ),
    "fee_amount_wan_yuan": ("行政事业性收费（万元）", "no", "no", "v2021 only; v2019 counts items"),
    "complaints_total": ("投诉合计", "approx.", "approx.", "as stated in the narrative"),
    "identity_pass_rate": ("勾稽关系通过率", "approx.", "no", "depends on checkable identities"),
}
present = {
    metric: frame.group_by("template_version").agg(pl.col(metric).is_not_null().sum())
    for metric in COMPARABILITY
}
comparability = pl.DataFrame(
    [
        {
            "metric": metric,
            "指标": label,
            "v2019↔v2021": v19_v21,
            "pre2019↔2019+": pre_post,
            "note": note,
            **{
                f"n {version}": count
                for version, count in present[metric].sort("template_version").iter_rows()
            },
        }
        for metric, (label, v19_v21, pre_post, note) in COMPARABILITY.items()
    ]
)
display(comparability)

# %% [markdown]
# ## Small multiples: one panel per agency, report years on the x axis
#
# Lines join the same agency's reports; a gap is a blank cell or a year without a report. The
# shading marks the template in force by year, the small text above each point the template the
# report used. Each panel has its own y scale (a park with 3 applications and a city bureau with
# 3 000 both stay readable): compare shapes across panels, read levels from the axis.


# %%
def show(chart_key: str) -> None:
    """Draw one small-multiples figure for the selection (nothing when it is empty)."""
    if not panel_ids:
        print("nothing to draw")
        return
    small_multiples(frame, chart_key, panel_ids, years, total_agencies=agency_count)
    plt.show()


show("applications_received")

# %% [markdown]
# How the applications were handled (办理结果). Comparable from 2019 on; pre2019 reports have no
# outcome rows, so their panels stay empty here.

# %%
show("application_outcomes")

# %% [markdown]
# Proactive disclosure (表二). Decisions compare across v2019 and v2021; the documents line
# changes meaning with the template (see above).

# %%
show("proactive_disclosure")

# %%
show("reviews_litigation")

# %% [markdown]
# Complaints and requests by channel, as counted in the report's own text.

# %%
show("complaints")

# %%
show("identity_pass_rate")

# %% [markdown]
# ## Ranking
#
# One row per agency: its report of `RANK_YEAR`, or its latest report in the selection when
# `RANK_YEAR` is None (then rows may come from different years and templates — the year and
# template columns say so). Ties share a rank. Rates are in %.

# %%
RANK_COLUMNS = {
    "applications_new": "新收申请",
    "workload": "申请总量（含结转）",
    "applications_processed": "办理总计",
    "disclosure_rate": "公开率%",
    "reconsideration_cases": "行政复议",
    "litigation_cases": "行政诉讼",
    "penalty_decisions": "处罚决定",
    "complaints_total": "投诉合计",
    "identity_pass_rate": "勾稽通过率%",
}
RATE_COLUMNS = {"disclosure_rate", "identity_pass_rate"}

rank_source = (
    frame.filter(pl.col("report_year") == RANK_YEAR)
    if RANK_YEAR is not None
    else frame.sort("report_year").group_by("agency_id").last()
)
ranking = (
    rank_source.with_columns(
        pl.col(RANK_BY).rank("min", descending=True).cast(pl.Int64).alias("rank"),
        *[(pl.col(c) * 100).round(1).alias(c) for c in RATE_COLUMNS],
    )
    .sort(["rank", "agency_name"], nulls_last=True)
    .select(
        "rank",
        pl.col("agency_name").alias("机构"),
        pl.concat_str(
            pl.col("prefecture_name").fill_null(""),
            pl.col("county_name").fill_null(""),
            separator=" ",
        )
        .str.strip_chars()
        .alias("地区"),
        pl.col("report_year").alias("年度"),
        pl.col("template_version").alias("模板"),
        *[pl.col(c).alias(label) for c, label in RANK_COLUMNS.items()],
    )
)
print(
    f"ranked by {RANK_BY} ({RANK_COLUMNS.get(RANK_BY, RANK_BY)}), {ranking.height} agencies, "
    f"top {TOP_N} shown; null = blank cell or not reported"
)
ranking.head(TOP_N)

# %% [markdown]
# ## Year over year
#
# Each agency-year against the same agency's previous report in the warehouse (not necessarily
# the previous calendar year: `gap` says how many years apart). `comparable` applies the rules
# above to the pair of templates; rows are sorted by the size of the change, so the biggest
# movers come first. Percent change is empty when the previous value is 0 or blank.

# %%
YOY_METRICS = {
    "applications_new": "新收申请",
    "workload": "申请总量（含结转）",
    "applications_processed": "办理总计",
    "disclosure_rate": "公开率",
    "reconsideration_cases": "行政复议",
    "litigation_cases": "行政诉讼",
    "licensing_decisions": "行政许可决定",
    "penalty_decisions": "行政处罚决定",
    "proactive_documents_issued": "制发文件",
    "complaints_total": "投诉合计",
}


def comparable(metric: str) -> pl.Expr:
    """The COMPARABILITY verdict for a metric between the previous and the current template."""
    _, v19_v21, pre_post, _ = COMPARABILITY[metric]
    before, after = pl.col("previous_template"), pl.col("template_version")
    return (
        pl.when(before.is_null() | after.is_null())
        .then(pl.lit("unknown"))
        .when(before == after)
        .then(pl.lit("yes"))
        .when((before == "pre2019") | (after == "pre2019"))
        .then(pl.lit(pre_post))
        .otherwise(pl.lit(v19_v21))
    )


previous_templates = frame.select(
    "agency_id",
    pl.col("report_year").alias("previous_report_year"),
    pl.col("template_version").alias("previous_template"),
)
pairs = frame.filter(pl.col("previous_report_year").is_not_null()).join(
    previous_templates, on=["agency_id", "previous_report_year"], how="left"
)
yoy = pl.concat(
    [
        pairs.select(
            pl.col("agency_name").alias("机构"),
            pl.col("report_year").alias("年度"),
            pl.col("years_since_previous_report").alias("gap"),
            pl.concat_str("previous_template", pl.lit("→"), "template_version").alias("模板"),
            pl.lit(label).alias("指标"),
            pl.col(f"{metric}_previous").alias("上期"),
            pl.col(metric).alias("本期"),
            pl.col(f"{metric}_yoy_delta").alias("变化"),
            (pl.col(f"{metric}_yoy_pct") * 100).round(1).alias("变化%"),
            comparable(metric).alias("comparable"),
        )
        for metric, label in YOY_METRICS.items()
    ],
    how="vertical",
)
summary = yoy.group_by("指标", maintain_order=True).agg(
    pl.len().alias("pairs"),
    (pl.col("变化") > 0).sum().alias("up"),
    (pl.col("变化") < 0).sum().alias("down"),
    (pl.col("变化") == 0).sum().alias("same"),
    pl.col("变化").is_null().sum().alias("blank"),
    (pl.col("comparable") != "yes").sum().alias("template changed"),
    pl.col("变化").median().alias("median change"),
)
print(f"{pairs.height} agency-years have a previous report")
if pairs.is_empty():
    print(
        "No agency in this selection has two reports in the warehouse yet: the tables fill in "
        "once consecutive reports of the same organ are loaded."
    )
display(summary)

# %% [markdown]
# The biggest movers, every metric together (a rate moves by less than 1, so rates only come
# first when the counts barely move; filter `yoy` on `指标` for one metric).

# %%
changed = yoy.filter(pl.col("变化").is_not_null() & (pl.col("变化") != 0)).sort(
    pl.col("变化").abs(), descending=True
)
print(f"{changed.height} changes, top {TOP_N} shown")
changed.head(TOP_N)
