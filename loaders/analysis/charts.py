"""Charts of the marts, shared by the notebooks and `nianbao demo`.

Three things live here: a CJK font registered with matplotlib (the default DejaVu Sans has no
Chinese glyphs and draws empty boxes), a read-only query helper that closes its connection at once
(a notebook must never hold the DuckDB file while `dbt build` wants to write it), and the
small-multiple charts per agency (one panel per agency, report years on the x axis).
"""

from __future__ import annotations

import math
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from loaders.settings import warehouse_path
from loaders.warehouse import open_warehouse

CJK_FAMILY = "Noto Sans CJK SC"
DEFAULT_AGENCY_KIND = "park_committee"
MAX_PANELS = 24  # beyond this a figure is unreadable: the most active agencies are shown

# Template eras by report year (the version in force); a report's detected version may differ.
ERAS = (
    ("pre2019", None, 2018, "#ececec"),
    ("v2019", 2019, 2020, "#ffffff"),
    ("v2021", 2021, None, "#e8f1fb"),
)


# --------------------------------------------------------------------------------------------------
# font
# --------------------------------------------------------------------------------------------------


def cjk_font_path() -> Path:
    """The Noto Sans CJK collection shipped by the `noto-cjk-sans-otc` wheel."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError as missing:  # without it every Chinese label would be an empty box
        raise RuntimeError(
            "the CJK font package is missing: install noto-cjk-sans-otc (see requirements.lock)"
        ) from missing

    return Path(str(FONT_PATH))


def register_cjk_font() -> str:
    """Add the CJK font to matplotlib's font manager and make it the default; return its family.

    The .ttc holds the JP/KR/SC/TC/HK faces; matplotlib registers each, and naming the SC family
    picks the simplified-Chinese glyph forms. Idempotent.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    path = cjk_font_path()
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    if str(path) not in known:
        font_manager.fontManager.addfont(str(path))
    families = [CJK_FAMILY, *[f for f in mpl.rcParams["font.sans-serif"] if f != CJK_FAMILY]]
    mpl.rcParams["font.sans-serif"] = families
    mpl.rcParams["font.family"] = ["sans-serif"]
    return CJK_FAMILY


# --------------------------------------------------------------------------------------------------
# reading the marts
# --------------------------------------------------------------------------------------------------


def read_sql(
    sql: str, params: dict[str, Any] | None = None, db_path: Path | str | None = None
) -> pl.DataFrame:
    """Run one query on the warehouse through a read-only connection that is closed right after."""
    path = Path(db_path) if db_path is not None else warehouse_path()
    con = open_warehouse(path, read_only=True)
    try:
        return con.sql(sql, params=params).pl()
    finally:
        con.close()


# The organ's name, kind and region come from the dimensions; columns of the same name that the
# mart may carry itself are left out so that each appears once.
AGENCY_YEARS_SQL = """
with agency_year as (
    select columns(lambda c: c not in ('agency_name', 'agency_kind', 'province_name',
        'prefecture_name', 'county_name'))
    from marts.mart_agency_year
)
select
    dim_agency.agency_name,
    dim_agency.agency_kind,
    dim_region.province_name,
    dim_region.prefecture_name,
    dim_region.county_name,
    agency_year.*
from agency_year
inner join marts.dim_agency
    on agency_year.agency_id = dim_agency.agency_id
left join marts.dim_region
    on dim_agency.region_id = dim_region.region_id
where ($agency_kind is null or dim_agency.agency_kind = $agency_kind)
    and (
        len($agencies::varchar[]) = 0
        or list_contains($agencies::varchar[], dim_agency.agency_name)
        or list_contains($agencies::varchar[], dim_agency.agency_id)
    )
    and ($year_from is null or agency_year.report_year >= $year_from)
    and ($year_to is null or agency_year.report_year <= $year_to)
order by dim_agency.agency_name, agency_year.report_year
"""


def agency_years(
    db_path: Path | str | None = None,
    agencies: Sequence[str] = (),
    agency_kind: str | None = DEFAULT_AGENCY_KIND,
    year_from: int | None = None,
    year_to: int | None = None,
) -> pl.DataFrame:
    """`marts.mart_agency_year` with agency name, kind and region names, one row per agency-year.

    `agencies` are names or ids; when given they win over `agency_kind` (a named organ is shown
    whatever its kind).
    """
    params = {
        "agency_kind": None if agencies else agency_kind,
        "agencies": list(agencies),
        "year_from": year_from,
        "year_to": year_to,
    }
    return read_sql(AGENCY_YEARS_SQL, params, db_path)


def most_active_agencies(frame: pl.DataFrame, limit: int = MAX_PANELS) -> list[str]:
    """Agency ids ordered by activity (applications + cases + complaints over all years).

    With thousands of organs a panel per organ is unreadable, so the charts keep the busiest;
    ties (parks often report all zeros) fall back on the number of reports, then the name.
    """
    if frame.is_empty():
        return []
    activity_columns = [
        "applications_new",
        "reconsideration_cases",
        "litigation_cases",
        "complaints_total",
    ]
    ranked = (
        frame.with_columns(
            pl.sum_horizontal([pl.col(c).fill_null(0) for c in activity_columns]).alias("_activity")
        )
        .group_by("agency_id", "agency_name")
        .agg(pl.col("_activity").sum(), pl.len().alias("_reports"))
        .sort(["_activity", "_reports", "agency_name"], descending=[True, True, False])
    )
    return ranked.get_column("agency_id").head(limit).to_list()


# --------------------------------------------------------------------------------------------------
# small multiples
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    """One small-multiples figure: a title and the mart columns drawn as lines in every panel."""

    key: str
    title: str
    series: tuple[tuple[str, str], ...]  # (column, Chinese label)
    is_rate: bool = False


CHART_SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "applications_received",
        "依申请公开：收到与结转（表三 总计列，件）",
        (
            ("applications_new", "本年新收申请"),
            ("applications_carried_over", "上年结转"),
            ("applications_processed", "办理结果总计"),
            ("applications_carried_forward", "结转下年度"),
        ),
    ),
    ChartSpec(
        "application_outcomes",
        "依申请公开：办理结果（表三 总计列，件）",
        (
            ("applications_granted", "予以公开"),
            ("applications_partially_granted", "部分公开"),
            ("applications_withheld", "不予公开"),
            ("applications_unavailable", "无法提供"),
            ("applications_rejected", "不予处理"),
            ("applications_other_handling", "其他处理"),
        ),
    ),
    ChartSpec(
        "proactive_disclosure",
        "主动公开：处理决定与制发文件（表二 / 2019 年前统计表，件）",
        (
            ("licensing_decisions", "行政许可决定"),
            ("penalty_decisions", "行政处罚决定"),
            ("coercion_decisions", "行政强制决定"),
            ("proactive_documents_issued", "制发文件"),
        ),
    ),
    ChartSpec(
        "reviews_litigation",
        "行政复议与行政诉讼（表四，件）",
        (
            ("reconsideration_cases", "行政复议"),
            ("reconsideration_corrected", "复议结果纠正"),
            ("litigation_cases", "行政诉讼"),
            ("litigation_corrected", "诉讼结果纠正"),
        ),
    ),
    ChartSpec(
        "complaints",
        "投诉与诉求：按渠道（正文所述数量）",
        (
            ("complaints_petition", "信访"),
            ("complaints_hotline", "热线"),
            ("complaints_leader_mailbox", "领导信箱"),
            ("complaints_online_message_board", "网上留言"),
            ("complaints_public_opinion_response", "舆情回应"),
        ),
    ),
    ChartSpec(
        "identity_pass_rate",
        "勾稽关系通过率（报告内可核验的等式）",
        (("identity_pass_rate", "通过率"),),
        is_rate=True,
    ),
)

CHARTS = {spec.key: spec for spec in CHART_SPECS}

_MARKERS = ("o", "s", "^", "D", "v", "P")
ERA_LABELS = {
    "pre2019": "≤2018：pre2019 格式",
    "v2019": "2019–2020：v2019 格式",
    "v2021": "2021 起：v2021 格式",
}


def _panel_title(row: dict[str, Any]) -> str:
    name = "\n".join(textwrap.wrap(row["agency_name"] or "（未知机构）", 18))
    place = " ".join(p for p in (row.get("prefecture_name"), row.get("county_name")) if p)
    return f"{name}\n{place}" if place else name


def small_multiples(
    frame: pl.DataFrame,
    spec: ChartSpec | str,
    agency_ids: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    total_agencies: int | None = None,
):
    """One figure, one panel per agency (in `agency_ids` order), report years on the x axis.

    Blank cells stay gaps (null is not 0); a panel with no figure at all says so. The background
    marks the template in force by year; the small text above each point is the template the
    report actually used, which is what decides comparability.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    register_cjk_font()
    spec = CHARTS[spec] if isinstance(spec, str) else spec
    if agency_ids is None:
        agency_ids = list(dict.fromkeys(frame.get_column("agency_id").to_list()))
    if not agency_ids:
        raise ValueError("no agency to draw")
    if years is None:
        all_years = frame.get_column("report_year")
        years = (int(all_years.min()), int(all_years.max()))
    first_year, last_year = years

    count = len(agency_ids)
    ncols = min(4, count)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(max(3.6 * ncols, 8.0), 2.7 * nrows + 1.2),
        sharex=True,
        sharey=False,
        squeeze=False,
        layout="constrained",
    )
    flat_axes = axes.ravel().tolist()
    for extra in flat_axes[count:]:
        fig.delaxes(extra)

    by_agency = {
        key[0]: part.sort("report_year")
        for key, part in frame.partition_by("agency_id", as_dict=True).items()
    }
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    for ax, agency_id in zip(flat_axes, agency_ids, strict=False):
        ax.set_gid(agency_id)  # lets callers and tests map panels back to agencies
        part = by_agency.get(agency_id)
        for _era, first, last, colour in ERAS:
            left = max(first_year, first if first is not None else first_year) - 0.5
            right = min(last_year, last if last is not None else last_year) + 0.5
            if left < right:
                ax.axvspan(left, right, color=colour, zorder=0, linewidth=0)
        if part is None or part.is_empty():
            ax.set_title("（无报告）", fontsize=9)
            continue
        ax.set_title(_panel_title(part.row(0, named=True)), fontsize=9)
        panel_years = part.get_column("report_year").to_list()
        has_value = False
        top = 0.0
        series_count = len(spec.series)
        for i, (column, label) in enumerate(spec.series):
            values = part.get_column(column).cast(pl.Float64).to_list()
            has_value = has_value or any(v is not None for v in values)
            top = max([top, *(v for v in values if v is not None)])
            # dodge the series a little: equal values (all zeros, often) would hide each other
            dodge = (i - (series_count - 1) / 2) * min(0.1, 0.5 / series_count)
            ax.plot(
                [year + dodge for year in panel_years],
                [math.nan if v is None else v for v in values],
                marker=_MARKERS[i % len(_MARKERS)],
                markersize=5,
                linewidth=1.4,
                color=colours[i % len(colours)],
                label=label,
                zorder=3,
            )
        for year, version in zip(
            panel_years, part.get_column("template_version").to_list(), strict=True
        ):
            ax.annotate(
                version or "?",
                xy=(year, 1),
                xycoords=("data", "axes fraction"),
                xytext=(0, -2),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=7,
                color="#666666",
            )
        if not has_value:
            ax.text(
                0.5,
                0.55,
                "无数据（空白或未报告）",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=8,
                color="#999999",
            )
        if spec.is_rate:
            ax.set_ylim(-0.05, 1.18)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        else:
            # all-zero panels are common for parks: keep the zero markers visible above the axis
            ax.set_ylim(-0.12 * max(top, 1.0), max(top, 1.0) * 1.22)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", linewidth=0.4, alpha=0.6)

    span = last_year - first_year
    for ax in flat_axes[:count]:
        ax.set_xlim(first_year - 0.6, last_year + 0.6)
        if span <= 8:
            ax.set_xticks(range(first_year, last_year + 1))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        ax.xaxis.set_tick_params(labelbottom=True)

    handles = [
        Line2D([], [], color=colours[i % len(colours)], marker=_MARKERS[i % len(_MARKERS)])
        for i in range(len(spec.series))
    ]
    labels = [label for _, label in spec.series]
    for name, first, last, colour in ERAS:
        if (first is None or first <= last_year) and (last is None or last >= first_year):
            handles.append(Patch(facecolor=colour, edgecolor="#bbbbbb"))
            labels.append(ERA_LABELS[name])
    if total_agencies and total_agencies > count:
        shown = f"最活跃的 {count} 个 / 共 {total_agencies} 个机构"
    else:
        shown = f"{count} 个机构"
    fig.suptitle(f"{spec.title}　—　{shown}", fontsize=12)
    # the reading note is the legend's title: a separate footnote collides with a bottom legend
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=min(len(labels), max(3, int(fig.get_figwidth() / 1.15))),
        fontsize=8,
        frameon=False,
        title="横轴：报告年度；点上方小字：报告实际使用的模板；空缺＝空白单元格或无报告（不是 0）",
        title_fontsize=7.5,
    )
    return fig


# a chart across years needs an agency with reports of at least this many years
MIN_SERIES_YEARS = 2


def with_series(frame: pl.DataFrame, min_years: int = MIN_SERIES_YEARS) -> pl.DataFrame:
    """The rows of the agencies that have reports of at least `min_years` distinct years."""
    if frame.is_empty():
        return frame
    years = frame.group_by("agency_id").agg(pl.col("report_year").n_unique().alias("_years"))
    keep = years.filter(pl.col("_years") >= min_years).get_column("agency_id").to_list()
    return frame.filter(pl.col("agency_id").is_in(keep))


def series_note(frame: pl.DataFrame) -> str | None:
    """What to tell the reader when no agency of the selection has a series across years."""
    if frame.is_empty() or not with_series(frame).is_empty():
        return None
    return (
        f"no agency of this selection has reports of {MIN_SERIES_YEARS} years or more: each "
        "panel shows a single year, not a change across years (load more years of reports)"
    )


def panel_selection(
    frame: pl.DataFrame, max_panels: int = MAX_PANELS
) -> tuple[list[str], tuple[int, int], int]:
    """Agencies to draw, the year range and the agency count.

    The agencies are the most active of those with reports of two years or more (a chart across
    years of one point says nothing), in name order; only when no agency has two years are they
    chosen among all, and `series_note` says so."""
    series = with_series(frame)
    pool = frame if series.is_empty() else series
    chosen = most_active_agencies(pool, max_panels)
    # panels in name order: an organ is easier to find by name than by activity
    names = dict(pool.select("agency_id", "agency_name").unique().iter_rows())
    chosen.sort(key=lambda agency_id: names[agency_id] or "")
    drawn = pool.filter(pl.col("agency_id").is_in(chosen))
    years = (int(drawn["report_year"].min()), int(drawn["report_year"].max()))
    return chosen, years, frame.get_column("agency_id").n_unique()


def agency_figures(
    db_path: Path | str | None = None,
    agencies: Sequence[str] = (),
    agency_kind: str | None = DEFAULT_AGENCY_KIND,
    max_panels: int = MAX_PANELS,
) -> dict[str, Any]:
    """The small-multiples figures (one per ChartSpec) for the chosen agencies, by spec key."""
    frame = agency_years(db_path, agencies, agency_kind)
    if frame.is_empty():
        return {}
    chosen, years, total = panel_selection(frame, max_panels)
    return {
        spec.key: small_multiples(frame, spec, chosen, years, total_agencies=total)
        for spec in CHART_SPECS
    }


def write_charts(
    db_path: Path, out_dir: Path | None = None, note: Callable[[str], None] | None = None
) -> list[Path]:
    """Write the small-multiples charts of all parks as PNG files; return their paths.

    Falls back on every agency when the warehouse holds no park. `out_dir` defaults to
    `<warehouse dir>/charts`. `note` is told when no agency drawn has a series across years.
    """
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # the demo and CI have no display; a notebook keeps its backend
    import matplotlib.pyplot as plt

    db_path = Path(db_path)
    out_dir = Path(out_dir) if out_dir is not None else db_path.parent / "charts"
    kind: str | None = DEFAULT_AGENCY_KIND
    figures = agency_figures(db_path)
    if not figures:
        kind = None
        figures = agency_figures(db_path, agency_kind=kind)
    if note is not None and figures:
        said = series_note(agency_years(db_path, agency_kind=kind))
        if said:
            note(said)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, fig in figures.items():
        path = out_dir / f"{key}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
