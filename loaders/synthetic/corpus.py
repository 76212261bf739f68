"""Synthetic corpus generator: N annual reports in several formats plus their gold labels.

`generate(n, out_dir, seed)` writes reports of real-looking agencies (organ names built on real
counties and prefectures of the gazetteer, each agency with a series of consecutive years), in
every template version (the 2017-style 统计表, the 2019 and the 2021 formats) and in the
formats the readers support, with the layout accidents real reports show at small rates. Next to
them it writes `gold.json` in the shape of `data/samples/gold.json` (docs/contract.md), plus two fields:
`deliberate` (departures made on purpose: "identity_broken", "ambiguous_row:<row key>") and
`accidents` (every layout accident applied, for tests that select by accident).

The figures satisfy the accounting identities of the templates (docs/metrics.md) unless a report is
marked "identity_broken"; figures carry over between an agency's years (结转, 现行有效, 上一年项目
数量). Same seed, same bytes.

Command: `nianbao generate N --out DIR [--seed S] [--formats txt,md,html,docx,pdf]`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.synthetic import DEFAULT_FORMATS, FORMATS
from loaders.synthetic import prose as text
from loaders.synthetic.render import (
    Block,
    Style,
    pdf_available,
    render_docx,
    render_html,
    render_md,
    render_pdf,
    render_txt,
)
from loaders.synthetic.tables import (
    DISCLOSURE_BLOCKS,
    PRE2019_GOLD,
    PRE2019_ROWS,
    Row,
    Table,
    applications_table,
    disclosures_table,
    figures,
    outcome_groups,
    outcome_keys,
    reviews_table,
    statistics_table,
)
from loaders.vocabulary import APPLICANT_COLUMNS, REVIEW_KINDS, REVIEW_OUTCOMES

FIRST_YEAR, LAST_YEAR = 2017, 2024

# Chance per report of each layout accident (where the format can show it).
RATES = {
    "blank_cells": 0.10,
    "extra_value": 0.06,
    "missing_value": 0.04,
    "label_break": 0.10,
    "split_header": 0.10,
    "misprinted_article": 0.06,
    "wrong_organ": 0.05,
    "identity_broken": 0.04,
    "signed_change": 0.35,
    "procurement_yuan": 0.15,
    "v2019_tables_in_2021": 0.04,
    "single_other_row": 0.06,
    "published_early": 0.02,
    "no_signoff": 0.12,
    "form_typo": 0.3,
    # printing styles (not accidents of content, but what each file looks like)
    "txt_grid": 0.6,  # txt: merged cells leave empty cells (else only the cells printed)
    "trailing_tab": 0.3,  # txt: rows end with a stray tab
    "md_repeated_spans": 0.4,  # md: spanned text repeated in each cell, as converters do
    "md_converter": 0.3,  # md: a PDF converter's layout (small tables per row group, furniture)
    "doubled_label": 0.15,  # md converter: a row printed under its neighbour's label
    "page_furniture": 0.3,  # txt: a web page's menus, breadcrumb and key-value table on top
    "txt_vertical": 0.1,  # txt: tables copied from a web page, one cell a line
    "html_misaligned_spans": 0.3,  # html v2019 table 二: spans that do not line up (a real page)
}
# Accidents each format can show; the others need a text extraction's loose rows.
_ROW_ACCIDENTS = {"extra_value", "missing_value"}
_FORMAT_LIMITS = {"docx": _ROW_ACCIDENTS, "pdf": _ROW_ACCIDENTS | {"label_break"}}

DEPARTMENTS = (
    "发展和改革局", "教育局", "科学技术局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
    "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水务局", "农业农村局",
    "商务局", "文化和旅游局", "卫生健康局", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "林业和草原局", "退役军人事务局", "城市管理局", "人民政府办公室",
)  # fmt: skip
PREFECTURE_DEPARTMENTS = (
    *DEPARTMENTS, "发展和改革委员会", "卫生健康委员会", "工业和信息化局", "住房公积金管理中心",
)  # fmt: skip
PARK_KINDS = ("工业园区管委会", "经济开发区管理委员会", "工业园区管理委员会")


# ---------------------------------------------------------------- agencies


@dataclass
class Agency:
    name: str  # as printed in the title and sign-off; the gold agency_name
    kind: str  # government | department | park
    region: dict  # gold region
    years: list[int]
    title_name: str  # the title may print a shorter form (park without 管委会)
    leader: str  # whose mailbox (县长信箱, 局长信箱...)
    state: dict = field(default_factory=dict)  # figures carried from year to year


def _short(county: str) -> str | None:
    if county.endswith(("自治县", "自治旗", "林区", "特区")) or len(county) < 3:
        return None
    return county[:-1]


def _region_gold(region) -> dict:
    return {
        "province": region.province_name,
        "prefecture": region.prefecture_name,
        "county": region.county_name,
        "adcode": region.region_code,
    }


class _AgencyFactory:
    """Organ names on real regions, kept only where the resolver agrees on every year."""

    def __init__(self, rng: random.Random):
        from loaders.parse.regions import all_regions

        self.rng = rng
        regions = all_regions()
        self.counties = [r for r in regions if r.region_level == "county"]
        self.prefectures = [r for r in regions if r.region_level == "prefecture"]
        self.used: set[str] = set()

    def _resolves(self, name: str, region, years: list[int]) -> bool:
        from loaders.parse.regions import resolve_region

        for year in years:
            match = resolve_region(name, year)
            if match is None or match.region.region_code != region.region_code:
                return False
        return True

    def _names(self, base: list[str], region) -> list[str]:
        """The plain name first, then forms prefixed with the higher units (鼓楼区 is ambiguous)."""
        prefixes = [""]
        if region.prefecture_name and region.county_name:
            prefixes.append(region.prefecture_name)
        if region.county_name:
            prefixes.append(region.province_name)
        return [p + b for b in base for p in prefixes]

    def make(self, years: list[int]) -> Agency | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            region, kind = rng.choice(self.counties), "government"
            bases = [f"{region.county_name}人民政府"]
            leader = {"县": "县长", "市": "市长", "区": "区长", "旗": "旗长"}.get(
                region.county_name[-1], "领导"
            )
        elif roll < 0.6:
            region, kind = rng.choice(self.counties), "department"
            bases = [region.county_name + rng.choice(DEPARTMENTS)]
            leader = "局长"
        elif roll < 0.8:
            region, kind = rng.choice(self.prefectures), "department"
            bases = [region.prefecture_name + rng.choice(PREFECTURE_DEPARTMENTS)]
            leader = "局长"
        else:
            region, kind = rng.choice(self.counties), "park"
            short = _short(region.county_name)
            if short is None:
                return None
            bases = [short + rng.choice(PARK_KINDS)]
            leader = "主任"
        for name in self._names(bases, region):
            if name in self.used:
                continue
            if self._resolves(name, region, years):
                self.used.add(name)
                title_name = name
                if kind == "park" and rng.random() < 0.4:
                    # the title often drops 管委会; the sign-off spells the organ out
                    title_name = name.removesuffix("管委会").removesuffix("管理委员会")
                return Agency(name, kind, _region_gold(region), years, title_name, leader)
        return None


def _plan(rng: random.Random, n: int) -> Iterator[tuple[Agency, int]]:
    """(agency, year) pairs: agencies with runs of consecutive years until n reports."""
    factory = _AgencyFactory(rng)
    produced = 0
    while produced < n:
        length = rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 8))
        start = rng.randint(FIRST_YEAR, LAST_YEAR - length + 1)
        years = list(range(start, start + length))[: n - produced]
        agency = factory.make(years)
        if agency is None:
            continue
        for year in years:
            yield agency, year
        produced += len(years)


# ---------------------------------------------------------------- figures


def _count(rng: random.Random, mean: float, zero: float = 0.3) -> int:
    if mean <= 0 or rng.random() < zero:
        return 0
    return int(rng.expovariate(1 / mean))


_OUTCOME_WEIGHTS = {
    "granted": 30, "partially_granted": 6, "withheld_state_secret": 0.3,
    "withheld_prohibited_by_law": 1, "withheld_security_stability": 0.5,
    "withheld_third_party_rights": 2, "withheld_internal_affairs": 2,
    "withheld_process_information": 3, "withheld_enforcement_files": 1,
    "withheld_administrative_query": 2, "unavailable_not_held": 22,
    "unavailable_needs_creation": 5, "unavailable_unclear": 3, "rejected_petition": 6,
    "rejected_duplicate": 3, "rejected_publication": 0.5, "rejected_excessive": 1,
    "rejected_confirmation": 2, "other_handling": 8, "other_overdue_correction": 4,
    "other_overdue_fee": 0.5, "other_reasons": 3.5,
}  # fmt: skip
_SCALE = {"government": 40.0, "department": 8.0, "park": 1.0}
_APPLICANT_SHARE = (1.0, 0.15, 0.02, 0.03, 0.05, 0.04)


@dataclass
class Figures:
    """True figures of one report, before any printing accident."""

    disclosures: dict[tuple[str, str], float] = field(default_factory=dict)
    applications: dict[str, list[int]] = field(default_factory=dict)
    reviews: list[int] = field(default_factory=list)
    statistics: dict[str, int] = field(default_factory=dict)
    complaints: list[tuple[str, int]] = field(default_factory=list)


def _applications(rng: random.Random, agency: Agency, keys: list[str]) -> dict[str, list[int]]:
    scale = _SCALE[agency.kind] * rng.uniform(0.3, 1.7)
    idle = agency.kind == "park" and rng.random() < 0.6
    carried = agency.state.get("carried", [0] * 6)
    outcomes = [k for k in keys if k not in ("new_received", "carried_over", "total_processed")]
    outcomes.remove("carried_forward")
    weights = [_OUTCOME_WEIGHTS[k] for k in outcomes]
    table = {k: [0] * 6 for k in keys}
    for c in range(6):
        new = 0 if idle else _count(rng, scale * _APPLICANT_SHARE[c], 0.2 if c == 0 else 0.6)
        workload = new + carried[c]
        out = int(workload * rng.uniform(0, 0.15))
        table["new_received"][c] = new
        table["carried_over"][c] = carried[c]
        table["carried_forward"][c] = out
        table["total_processed"][c] = workload - out
        for key in rng.choices(outcomes, weights, k=workload - out):
            table[key][c] += 1
    agency.state["carried"] = table["carried_forward"]
    return {k: [*v, sum(v)] for k, v in table.items()}


def _reviews(rng: random.Random, agency: Agency) -> list[int]:
    scale = _SCALE[agency.kind] / 20
    out: list[int] = []
    for _ in REVIEW_KINDS:
        block = [_count(rng, scale * w, 0.7) for w in (1.0, 0.2, 0.3, 0.3)]
        out += [*block, sum(block)]
    return out


def _disclosures(rng: random.Random, agency: Agency, version: str) -> dict:
    st = agency.state
    d: dict[tuple[str, str], float] = {}
    normative = rng.randint(0, 12) if rng.random() < 0.6 else 0
    if version == "v2019":
        for item in ("regulations", "normative_documents"):
            made = normative if item == "normative_documents" else 0
            published = made - rng.randint(0, made // 4)
            total = st.get(("published", item), rng.randint(0, 40) if made else 0) + published
            st[("published", item)] = total
            d[(item, "produced_this_year")] = made
            d[(item, "published_this_year")] = published
            d[(item, "published_total")] = total
        for item in (
            "administrative_licensing", "other_management_services",
            "administrative_penalty", "administrative_coercion", "administrative_fees",
        ):  # fmt: skip
            last = st.get(("items", item), _count(rng, 60, 0.4))
            change = rng.randint(-min(last, 15), 25) if rng.random() < 0.5 else 0
            st[("items", item)] = last + change
            d[(item, "items_last_year")] = last
            d[(item, "items_change")] = change
            if item != "administrative_fees":
                d[(item, "decisions")] = _count(rng, 200 if last else 5, 0.4)
        items = _count(rng, 12, 0.4)
        d[("centralized_procurement", "procurement_items")] = items
        amount = round(rng.uniform(1, 3000), 2) if items else 0
        d[("centralized_procurement", "procurement_amount_wan_yuan")] = amount
        return d
    for item in ("regulations", "normative_documents"):
        issued = normative if item == "normative_documents" else 0
        before = st.get(("in_force", item), rng.randint(0, 60) if issued else 0)
        repealed = rng.randint(0, min(before, 5)) if before and rng.random() < 0.4 else 0
        st[("in_force", item)] = before + issued - repealed
        d[(item, "issued_this_year")] = issued
        d[(item, "repealed_this_year")] = repealed
        d[(item, "in_force")] = before + issued - repealed
    for item in ("administrative_licensing", "administrative_penalty", "administrative_coercion"):
        d[(item, "decisions")] = _count(rng, 150, 0.4)
    fee = round(rng.uniform(0.1, 800), 2) if rng.random() < 0.25 else 0
    d[("administrative_fees", "fee_amount_wan_yuan")] = fee
    return d


def _statistics(rng: random.Random) -> dict[str, int]:
    s = {key: _count(rng, 8, 0.5) for key, _, _ in PRE2019_ROWS if key}
    s["docs_issued"] = _count(rng, 80, 0.1)
    s["docs_proactive"] = rng.randint(0, s["docs_issued"])
    s["policy_issued"] = _count(rng, 6, 0.4)
    s["policy_interpreted"] = rng.randint(0, s["policy_issued"])
    s["requests"] = _count(rng, 5, 0.6)
    s["requests_closed"] = s["requests_answered"] = s["requests"]
    s["staff_full"], s["staff_part"] = rng.randint(0, 3), rng.randint(0, 3)
    s["staff"] = s["staff_full"] + s["staff_part"]
    return s


def _complaints(rng: random.Random, pre2019: bool) -> list[tuple[str, int]]:
    channels = ["hotline"] if pre2019 else list(text.COMPLAINTS)
    k = rng.choice((0, 0, 1, 1, 2, 3)) if not pre2019 else rng.choice((0, 1))
    chosen = sorted(rng.sample(channels, min(k, len(channels))), key=channels.index)
    return [(c, _count(rng, 120 if c == "hotline" else 15, 0) + 1) for c in chosen]


# ---------------------------------------------------------------- printing


def _num(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _gold_number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


@dataclass
class Printed:
    """What the report prints: cell texts and the gold value of each printed cell."""

    text: dict[tuple[str, str, str], str] = field(default_factory=dict)
    gold: dict[tuple[str, str, str], float | None] = field(default_factory=dict)

    def put(self, key: tuple[str, str, str], value: float | None, shown: str | None = None):
        self.gold[key] = value
        self.text[key] = _num(value) if shown is None and value is not None else (shown or "")


@dataclass
class Spec:
    """Everything decided about one report before it is rendered."""

    index: int
    agency: Agency
    year: int
    fmt: str
    version: str
    single_other_row: bool = False
    accidents: list[str] = field(default_factory=list)
    deliberate: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    published_on: date | None = None
    wrong_organ: str | None = None  # another organ named in the preamble by mistake
    converter: bool = False  # md printed as a PDF-to-Markdown converter prints it
    vertical: bool = False  # txt copied from a web page: one table cell a line
    rates: dict[str, float] = field(default_factory=lambda: dict(RATES))


_BLANKS = ("", "", "/", "—", "无")


def _rate(rng: random.Random, spec: Spec, name: str) -> bool:
    if name in _FORMAT_LIMITS.get(spec.fmt, ()):
        return False
    hit = rng.random() < spec.rates[name]
    if hit:
        spec.accidents.append(name)
    return hit


def _print_figures(rng: random.Random, spec: Spec, fig: Figures) -> Printed:
    p = Printed()
    version = spec.version
    if version == "pre2019":
        for key, value in fig.statistics.items():
            p.put(("statistics", key, ""), value)
        return p
    signed = spec.version == "v2019" and _rate(rng, spec, "signed_change")
    for (item, measure), value in fig.disclosures.items():
        shown = None
        if measure == "items_change" and signed and value > 0:
            shown = f"+{int(value)}"
        p.put(("disclosures", item, measure), value, shown)
    amount_key = ("disclosures", "centralized_procurement", "procurement_amount_wan_yuan")
    if amount_key in p.gold and p.gold[amount_key] and _rate(rng, spec, "procurement_yuan"):
        yuan = round(float(p.gold[amount_key] or 0) * 10000)
        p.put(amount_key, round(yuan / 10000, 4), f"{yuan}元")
        spec.notes.append(f"procurement amount printed as {yuan}元, gold in 万元")
    for outcome, values in fig.applications.items():
        for a, v in zip(APPLICANT_COLUMNS, values, strict=True):
            p.put(("applications", outcome, a), v)
    for (kind, outcome), v in zip(
        [(k, o) for k in REVIEW_KINDS for o in REVIEW_OUTCOMES], fig.reviews, strict=True
    ):
        p.put(("reviews", kind, outcome), v)
    if _rate(rng, spec, "identity_broken"):
        _break_identity(rng, spec, p)
    if _rate(rng, spec, "blank_cells"):
        zeros = [k for k, v in p.gold.items() if v == 0 and k[0] != "statistics"]
        for key in rng.sample(zeros, min(len(zeros), rng.randint(1, 4))):
            p.gold[key], p.text[key] = None, rng.choice(_BLANKS)
            spec.accidents.append("blank_cell:" + ":".join(key))
            spec.notes.append(f"blank cell {'/'.join(key)} printed {p.text[key]!r}: gold null")
    return p


def _break_identity(rng: random.Random, spec: Spec, p: Printed) -> None:
    how = rng.choice(("row_total", "outcome_total", "review_total"))
    delta = rng.randint(1, 3)
    if how == "row_total":
        outcome = rng.choice(("new_received", "granted", "unavailable_not_held"))
        key = ("applications", outcome, "total")
        what = f"table 三 {outcome} 总计 is the applicant columns' sum + {delta}"
    elif how == "outcome_total":
        key = ("applications", "total_processed", "natural_person")
        what = f"table 三 （七）总计 for 自然人 is the outcomes' sum + {delta}"
    else:
        kind = rng.choice(REVIEW_KINDS)
        key = ("reviews", kind, "total")
        what = f"table 四 {kind} 总计 is its outcomes' sum + {delta}"
    p.put(key, float(p.gold[key] or 0) + delta)
    spec.deliberate.append("identity_broken")
    spec.notes.append(f"identity broken on purpose: {what}")


# ---------------------------------------------------------------- tables with row accidents

_ARTICLE_NO = {"一": "（一）", "五": "（五）", "六": "（六）", "八": "（八）", "九": "（九）"}


def _tables(rng: random.Random, spec: Spec, p: Printed) -> list[Table]:
    version = spec.version
    if version == "pre2019":
        stat = statistics_table({k: p.text[("statistics", k, "")] for k, _, _ in PRE2019_ROWS if k})
        return [stat]
    half_width = rng.random() < 0.3
    article = {}
    for no, paren in _ARTICLE_NO.items():
        paren = paren.replace("（", "(").replace("）", ")") if half_width else paren
        article[no] = f"第二十条第{paren}项"
    if _rate(rng, spec, "misprinted_article"):
        no = rng.choice([b[0] for b in DISCLOSURE_BLOCKS[version]])
        wrong = rng.choice(("第二十一条", "第二十二条", "第十九条"))
        article[no] = article[no].replace("第二十条", wrong)
        spec.notes.append(f"table 二 header misprints {article[no]}")
    item_labels = {}
    if version == "v2021" and rng.random() < 0.3:
        item_labels["normative_documents"] = "规范性文件"
    money_header = None
    if any(n.startswith("procurement amount printed") for n in spec.notes) and rng.random() < 0.5:
        # the unit moves from the cells to the header
        money_header = "采购总金额（单位：元）"
        key = ("disclosures", "centralized_procurement", "procurement_amount_wan_yuan")
        p.text[key] = p.text[key].removesuffix("元")
    elif version == "v2019" and rng.random() < 0.3:
        money_header = "采购总金额（单位：万元）"
    flavour = ""
    if spec.fmt == "html" and version == "v2019" and _rate(rng, spec, "html_misaligned_spans"):
        flavour = "shanghai"
    disclosures = disclosures_table(
        version,
        {(k[1], k[2]): t for k, t in p.text.items() if k[0] == "disclosures"},
        item_labels,
        article,
        money_header,
        flavour or "plain",
    )
    keys = outcome_keys(version, spec.single_other_row)
    labels: dict[str, str] = {}
    spec.vertical = spec.fmt == "txt" and _rate(rng, spec, "txt_vertical")
    split = not spec.vertical and _rate(rng, spec, "split_header")  # a PDF artefact
    if split:
        # narrow columns: group labels printed with a space between characters
        labels["result_group"] = "三、 本 年 度 办 理 结 果"
        for group, _ in outcome_groups(version, spec.single_other_row):
            if group:
                labels[group] = group[:3] + " " + " ".join(group[3:])
    applications = applications_table(
        version,
        spec.single_other_row,
        {k: [p.text[("applications", k, a)] for a in APPLICANT_COLUMNS] for k in keys},
        labels,
        "社会组织" if rng.random() < 0.2 else "社会公益组织",
        rng.random() < 0.3,
    )
    reviews = reviews_table(
        [p.text[("reviews", k, o)] for k in REVIEW_KINDS for o in REVIEW_OUTCOMES]
    )
    if split:
        for row in reviews.rows[1:3]:
            row.split_header = True
    _row_accidents(rng, spec, applications)
    spec.converter = spec.fmt == "md" and _rate(rng, spec, "md_converter")
    if spec.converter and _rate(rng, spec, "doubled_label"):
        _doubled_label(rng, spec, applications)
    tables = [disclosures, applications, reviews]
    if spec.vertical:
        for table in tables:
            _vertical_blanks(spec, table)
    elif spec.fmt == "txt":
        for table in tables:
            _txt_edge_blanks(spec, table)
    return tables


def _row_accidents(rng: random.Random, spec: Spec, table: Table) -> None:
    rows = [r for r in table.rows if r.row_key]
    if _rate(rng, spec, "extra_value"):
        equal = [r for r in rows if len({c.text for c in figures(r)}) == 1 and figures(r)[0].text]
        if equal:
            row = rng.choice(equal)
            row.extra_value = figures(row)[0].text
            spec.accidents.append(f"extra_value:{row.row_key}")
            spec.notes.append(f"table 三 {row.row_key}: one value too many, all equal: determined")
    if _rate(rng, spec, "missing_value"):
        row = rng.choice(rows)
        row.drop_value = rng.randrange(len(figures(row)))
        spec.accidents.append(f"missing_value:{row.row_key}")
        _ambiguous(spec, row, "one value too few")
    if not spec.vertical and _rate(rng, spec, "label_break"):
        long_rows = [r for r in rows if len(r.cells[r.n_labels - 1].text) >= 8]
        for row in rng.sample(long_rows, min(len(long_rows), rng.randint(1, 2))):
            label = row.cells[row.n_labels - 1].text
            at = rng.randint(4, len(label) - 3)
            row.label_break = (at, rng.random() < 0.3)
            spec.accidents.append(f"label_break:{row.row_key}")
            where = "second" if row.label_break[1] else "first"
            spec.notes.append(
                f"label {label[:at]} / {label[at:]} broken over two lines, figures on the {where}"
            )


def _doubled_label(rng: random.Random, spec: Spec, table: Table) -> None:
    """A converter that slid the label column: a row printed under the label of the row above,
    which is thus claimed twice, and its own label lost. Nothing says which figures are whose."""
    rows = [r for r in table.rows if r.row_key and r.n_labels and not r.label_break]
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(rows)
        if [c.text for c in figures(a)] != [c.text for c in figures(b)]
        and a.row_key != "carried_over"  # its label would also be read in the header table
    ]
    if not pairs:
        spec.accidents.remove("doubled_label")
        return
    above, row = rng.choice(pairs)
    row.label_as = above.cells[above.n_labels - 1].text
    spec.accidents.append(f"doubled_label:{row.row_key}")
    _ambiguous(spec, above, f"its label printed again on the {row.row_key} row")
    _ambiguous(spec, row, f"printed under the label of {above.row_key}")


def _ambiguous(spec: Spec, row: Row, why: str) -> None:
    tag = f"ambiguous_row:{row.row_key}"
    if tag not in spec.deliberate:
        spec.deliberate.append(tag)
        spec.notes.append(f"{row.row_key}: {why}: its cells are left out of the gold")


def _vertical_blanks(spec: Spec, table: Table) -> None:
    """One cell a line: an empty cell leaves no line, so its row comes out a figure short."""
    for row in table.rows:
        if row.row_key and any(not c.text for c in figures(row)):
            _ambiguous(spec, row, "an empty cell leaves no line when one cell is printed a line")


def _txt_edge_blanks(spec: Spec, table: Table) -> None:
    """In tab-separated text an empty last cell is indistinguishable from a stray tab."""
    for row in table.rows:
        figs = figures(row) if row.row_key else []
        if figs and not figs[-1].text and any(c.text for c in figs):
            _ambiguous(spec, row, "empty last cell in tab-separated text")


# ---------------------------------------------------------------- the report text


def _date_text(rng: random.Random, day: date) -> str:
    if rng.random() < 0.15:
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def _blocks(rng: random.Random, spec: Spec, fig: Figures, tables: list[Table]) -> list[Block]:
    agency, year = spec.agency, spec.year
    blocks: list[Block] = []
    title = f"{year}年政府信息公开工作年度报告"
    roll = rng.random()
    if roll < 0.25:
        blocks += [("title", agency.title_name), ("title", title)]
    elif roll < 0.35:
        blocks.append(("title", f"{year}年{agency.title_name}政府信息公开工作年度报告"))
    elif roll < 0.55:
        blocks.append(("title", f"{agency.title_name} {year} 年政府信息公开工作年度报告"))
    else:
        blocks.append(("title", agency.title_name + title))
    signoff = spec.published_on
    if spec.fmt == "txt" and _rate(rng, spec, "page_furniture"):
        # a web page copied as text: menus, a breadcrumb and a key-value table above the title
        day = signoff or date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
        furniture: list[Block] = [
            ("meta", "首页　政务公开　政府信息公开　无障碍 长者版"),
            ("meta", "当前位置：首页 > 政府信息公开 > 政府信息公开年报"),
            ("meta", f"标题：\t{agency.name}{year}年政府信息公开工作年度报告"),
            ("meta", f"索引号：\t{1000 + spec.index}/{year + 1}-00{spec.index % 97}"),
            ("meta", f"发布机构：\t{agency.name}\t发布日期：\t{day.isoformat()}"),
            ("meta", "【字号：大 中 小】 分享到： 打印本页 关闭窗口"),
        ]
        blocks = furniture + blocks
        if signoff is None:
            spec.published_on = day
    if spec.fmt == "html" or spec.converter:
        meta_day = signoff or date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
        if spec.fmt == "html":
            blocks.append(("meta", f"发布机构：{agency.name}　发布日期：{meta_day.isoformat()}"))
        else:  # the page-information line a converter keeps under the title
            blocks.append(("meta", f"发布时间：{meta_day.isoformat()} 09:30　来源：{agency.name}"))
        if signoff is None:
            spec.published_on = meta_day
    short = agency.name if len(agency.name) <= 8 else "本机关"
    if spec.version == "pre2019":
        return blocks + _pre2019_body(rng, spec, fig, tables[0], short)
    if spec.wrong_organ:
        preamble = text.WRONG_ORGAN_PREAMBLE.format(other=spec.wrong_organ, year=year)
        blocks.append(("para", preamble))
        spec.notes.append(f"the preamble names {spec.wrong_organ} by mistake: the title's wins")
    else:
        blocks.append(("para", text.pick(rng, text.PREAMBLES, year=year, agency=agency.name)))
    total_new = fig.applications["new_received"][-1]
    carried = fig.applications["carried_over"][-1]
    request = (
        text.pick(rng, text.ON_REQUEST, n=total_new, c=carried)
        if total_new or carried
        else text.pick(rng, text.NO_REQUEST, year=year)
    )
    blocks += [
        ("heading", "一、总体情况"),
        ("para", text.pick(rng, text.OVERVIEW, year=year, short=short)),
        ("heading", "（一）主动公开政府信息情况"),
        ("para", text.pick(rng, text.PROACTIVE)),
        ("heading", "（二）依申请公开情况"),
        ("para", request),
        ("heading", "（三）政府信息管理"),
        ("para", text.pick(rng, text.MANAGEMENT)),
        ("heading", "（四）平台建设"),
        ("para", text.pick(rng, text.PLATFORM)),
        ("heading", "（五）监督保障"),
        ("para", text.pick(rng, text.SUPERVISION)),
    ]
    if fig.complaints:
        blocks += [("heading", "（六）群众诉求办理情况"), ("para", _complaint_text(rng, spec, fig))]
    blocks += [
        ("heading", "二、主动公开政府信息情况"),
        ("table", tables[0]),
        ("heading", "三、收到和处理政府信息公开申请情况"),
        ("table", tables[1]),
        ("heading", "四、政府信息公开行政复议、行政诉讼情况"),
        ("table", tables[2]),
        ("heading", "五、存在的主要问题及改进情况"),
        ("para", text.pick(rng, text.PROBLEMS, short=short)),
        ("para", text.pick(rng, text.IMPROVEMENTS)),
        ("heading", "六、其他需要报告的事项"),
        ("para", text.pick(rng, text.OTHER_V2021 if year >= 2021 else text.OTHER_V2019, year=year)),
    ]
    if signoff:
        blocks += [("signoff", agency.name), ("signoff", _date_text(rng, signoff))]
    return blocks


def _complaint_text(rng: random.Random, spec: Spec, fig: Figures) -> str:
    parts = []
    for channel, value in fig.complaints:
        parts.append(text.pick(rng, text.COMPLAINTS[channel], n=value, leader=spec.agency.leader))
    return "".join(parts)


def _pre2019_body(
    rng: random.Random, spec: Spec, fig: Figures, table: Table, short: str
) -> list[Block]:
    agency, year = spec.agency, spec.year
    blocks: list[Block] = [
        (
            "para",
            (
                f"{year}年，{short}认真贯彻落实上级关于政务公开工作的要求和部署，依法及时公开各类政务信息，"
                "政府信息公开工作稳步有序推进。现将本年度政府信息公开工作情况报告如下："
            ),
        )
    ]
    for heading, bank in text.PRE2019_SECTIONS:
        blocks += [("heading", heading), ("para", text.pick(rng, bank))]
    proactive = text.pick(rng, text.PROACTIVE)
    if fig.complaints:
        proactive += _complaint_text(rng, spec, fig)
    blocks += [
        ("heading", "四、主动公开信息情况"),
        ("para", proactive),
        ("heading", "五、存在的主要问题"),
        ("para", text.pick(rng, text.PROBLEMS, short=short)),
        ("heading", f"六、{year + 1}年工作打算"),
        ("para", text.pick(rng, text.IMPROVEMENTS)),
        ("para", f"附件：{year}年政务公开情况统计表"),
    ]
    day = spec.published_on
    if day:
        blocks += [("signoff", agency.name), ("signoff", _date_text(rng, day))]
    blocks += [("heading", "附件："), ("heading", f"{year}年政务公开情况统计表"), ("table", table)]
    form_name = agency.name
    if "form_typo" in spec.accidents and len(form_name) > 4:
        at = rng.randrange(2, len(form_name) - 2)
        form_name = form_name[:at] + "的" + form_name[at + 1 :]
        spec.notes.append(f"the form's 填表单位 misspells the organ as {form_name}")
    blocks += [("para", f"填表单位：{form_name}")]
    if day:
        blocks.append(("para", f"日期：{_date_text(rng, day)}"))
    return blocks


# ---------------------------------------------------------------- one report


def _version(rng: random.Random, spec: Spec) -> str:
    if spec.year <= 2018:
        return "pre2019"
    if spec.year <= 2020:
        return "v2019"
    if _rate(rng, spec, "v2019_tables_in_2021"):
        spec.notes.append("a 2021-or-later report printed with the 2019 table labels: v2019")
        return "v2019"
    return "v2021"


def _spec(
    rng: random.Random, index: int, agency: Agency, year: int, fmt: str, rates: dict[str, float]
) -> Spec:
    spec = Spec(index, agency, year, fmt, "", rates=rates)
    spec.version = _version(rng, spec)
    if spec.version == "v2021":
        spec.single_other_row = _rate(rng, spec, "single_other_row")
    if not _rate(rng, spec, "no_signoff"):
        if _rate(rng, spec, "published_early"):
            spec.published_on = date(year, rng.randint(1, 2), rng.randint(1, 28))
            spec.notes.append("signed before the end of the report year: the stated date is kept")
        else:
            spec.published_on = date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    elif agency.title_name != agency.name:
        # without a sign-off only the title names the organ: print it in full there
        spec.accidents.remove("no_signoff")
        spec.published_on = date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    return spec


def _figures(rng: random.Random, spec: Spec) -> Figures:
    fig = Figures()
    if spec.version == "pre2019":
        fig.statistics = _statistics(rng)
    else:
        keys = outcome_keys(spec.version, spec.single_other_row)
        fig.applications = _applications(rng, spec.agency, keys)
        fig.reviews = _reviews(rng, spec.agency)
        fig.disclosures = _disclosures(rng, spec.agency, spec.version)
    fig.complaints = _complaints(rng, spec.version == "pre2019")
    return fig


def _style(rng: random.Random, spec: Spec) -> Style:
    if spec.fmt == "txt":
        return Style(
            txt_grid=_rate(rng, spec, "txt_grid"),
            trailing_tab=_rate(rng, spec, "trailing_tab"),
            txt_vertical=spec.vertical,
        )
    if spec.fmt == "md":
        repeat = not spec.converter and _rate(rng, spec, "md_repeated_spans")
        return Style(md_repeat=repeat, md_converter=spec.converter)
    return Style()


def _render(blocks: list[Block], spec: Spec, style: Style) -> bytes:
    if spec.fmt == "txt":
        return render_txt(blocks, style)
    if spec.fmt == "md":
        return render_md(blocks, style)
    if spec.fmt == "html":
        site = spec.agency.name
        return render_html(blocks, style, site, f"{int(spec.agency.region['adcode']):06d}0001")
    if spec.fmt == "docx":
        return render_docx(blocks, style)
    return render_pdf(blocks, style)


def _gold(spec: Spec, fig: Figures, p: Printed, name: str) -> dict:
    dropped = {t.split(":", 1)[1] for t in spec.deliberate if t.startswith("ambiguous_row:")}

    def cells(fact: str) -> list[list]:
        return [
            [row, col, _gold_number(v)]
            for (f, row, col), v in p.gold.items()
            if f == fact and row not in dropped and not (fact == "reviews" and "reviews" in dropped)
        ]

    if spec.version == "pre2019":
        disclosures, applications = [], []
        for key, (fact, row, col) in PRE2019_GOLD.items():
            value = _gold_number(p.gold[("statistics", key, "")])
            (disclosures if fact == "disclosures" else applications).append([row, col, value])
        reviews: list[list] = []
        complaints = [[c, v] for c, v in fig.complaints]
        named = {c for c, _ in fig.complaints}
        for key, channel in (("opinion", "public_opinion_response"), ("mailbox", "leader_mailbox")):
            if channel not in named:
                complaints.append([channel, fig.statistics[key]])
    else:
        disclosures, applications, reviews = cells("disclosures"), cells("applications"), []
        reviews = cells("reviews")
        complaints = [[c, v] for c, v in fig.complaints]
    summary = f"synthetic {spec.version} {spec.fmt} report, seed-determined"
    return {
        "source_file": name,
        "agency_name": spec.agency.name,
        "report_year": spec.year,
        "template_version": spec.version,
        "region": spec.agency.region,
        "published_on": spec.published_on.isoformat() if spec.published_on else None,
        "disclosures": disclosures,
        "applications": applications,
        "reviews": reviews,
        "complaints": complaints,
        "notes": "; ".join([summary, *spec.notes]),
        "deliberate": spec.deliberate,
        "accidents": spec.accidents,
    }


def _one(
    rng: random.Random,
    index: int,
    agency: Agency,
    year: int,
    fmt: str,
    others: list[str],
    rates: dict[str, float],
) -> tuple[str, bytes, dict]:
    spec = _spec(rng, index, agency, year, fmt, rates)
    fig = _figures(rng, spec)
    printed = _print_figures(rng, spec, fig)
    tables = _tables(rng, spec, printed)
    if spec.version != "pre2019" and len(others) > 1 and _rate(rng, spec, "wrong_organ"):
        while spec.wrong_organ in (None, agency.name):
            spec.wrong_organ = rng.choice(others)
    if spec.version == "pre2019":
        _rate(rng, spec, "form_typo")
    blocks = _blocks(rng, spec, fig, tables)
    data = _render(blocks, spec, _style(rng, spec))
    token = hashlib.sha256(data).hexdigest()[:12]
    name = f"{index:06d}_{token}.{fmt}"
    return name, data, _gold(spec, fig, printed, name)


# ---------------------------------------------------------------- public API


def generate(
    n: int,
    out_dir: Path,
    seed: int = 0,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    *,
    rates: dict[str, float] | None = None,
) -> Path:
    """Write `n` synthetic reports and `gold.json` into `out_dir`; return the gold path.

    `rates` overrides the chance of named accidents and styles (keys of `RATES`), e.g.
    `{"label_break": 1.0}` to put broken labels in every report that can show them.
    """
    unknown_rates = set(rates or {}) - set(RATES)
    if unknown_rates:
        raise ValueError(f"unknown accidents {sorted(unknown_rates)}; known: {', '.join(RATES)}")
    chances = {**RATES, **(rates or {})}
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
    if "pdf" in formats and not pdf_available():
        raise RuntimeError("pdf output needs reportlab (pip install reportlab==5.1.0)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plan = list(_plan(rng, n))
    names = sorted({a.name for a, _ in plan})
    gold_path = out_dir / "gold.json"
    with gold_path.open("w", encoding="utf-8") as gold:
        gold.write("[")
        for index, (agency, year) in enumerate(plan):
            # each report draws from its own stream: adding a format does not reshuffle others
            report_rng = random.Random(f"{seed}:{index}")
            fmt = formats[index % len(formats)]
            name, data, record = _one(report_rng, index, agency, year, fmt, names, chances)
            (out_dir / name).write_bytes(data)
            gold.write(",\n" if index else "\n")
            gold.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        gold.write("\n]\n")
    return gold_path
