"""The statistical tables of a synthetic report, as printed: a format-neutral grid model.

A table is a list of rows of *origin* cells with row/column spans, the way HTML and Word hold
merged cells. Each figure row remembers which gold cells it prints (`keys`), so the layout
accidents applied to a row (a value too many or too few, a label broken over two lines) can be
reflected in the gold. Renderers (`generate_render`) turn the model into txt, md, html, docx, pdf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.vocabulary import APPLICANT_COLUMNS, REVIEW_KINDS, REVIEW_OUTCOMES

# Table 二: (article item, [(row key, printed label)], [(measure key, printed header)])
DISCLOSURE_BLOCKS = {
    "v2019": (
        (
            "一",
            [("regulations", "规章"), ("normative_documents", "规范性文件")],
            [
                ("produced_this_year", "本年新制作数量"),
                ("published_this_year", "本年新公开数量"),
                ("published_total", "对外公开总数量"),
            ],
        ),
        (
            "五",
            [
                ("administrative_licensing", "行政许可"),
                ("other_management_services", "其他对外管理服务事项"),
            ],
            [
                ("items_last_year", "上一年项目数量"),
                ("items_change", "本年增/减"),
                ("decisions", "处理决定数量"),
            ],
        ),
        (
            "六",
            [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
            [
                ("items_last_year", "上一年项目数量"),
                ("items_change", "本年增/减"),
                ("decisions", "处理决定数量"),
            ],
        ),
        (
            "八",
            [("administrative_fees", "行政事业性收费")],
            [("items_last_year", "上一年项目数量"), ("items_change", "本年增/减")],
        ),
        (
            "九",
            [("centralized_procurement", "政府集中采购")],
            [("procurement_items", "采购项目数量"), ("procurement_amount_wan_yuan", "采购总金额")],
        ),
    ),
    "v2021": (
        (
            "一",
            [("regulations", "规章"), ("normative_documents", "行政规范性文件")],
            [
                ("issued_this_year", "本年制发件数"),
                ("repealed_this_year", "本年废止件数"),
                ("in_force", "现行有效件数"),
            ],
        ),
        ("五", [("administrative_licensing", "行政许可")], [("decisions", "本年处理决定数量")]),
        (
            "六",
            [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
            [("decisions", "本年处理决定数量")],
        ),
        (
            "八",
            [("administrative_fees", "行政事业性收费")],
            [("fee_amount_wan_yuan", "本年收费金额（单位：万元）")],
        ),
    ),
}

OUTCOME_TOP = (
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
)
# (group label or None, [(outcome key, label)]); a group's rows share a rowspan label cell.
OUTCOME_GROUPS_V2019 = (
    (None, [("granted", "（一）予以公开")]),
    (None, [("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")]),
    (
        "（三）不予公开",
        [
            ("withheld_state_secret", "1.属于国家秘密"),
            ("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开"),
            ("withheld_security_stability", "3.危及“三安全一稳定”"),
            ("withheld_third_party_rights", "4.保护第三方合法权益"),
            ("withheld_internal_affairs", "5.属于三类内部事务信息"),
            ("withheld_process_information", "6.属于四类过程性信息"),
            ("withheld_enforcement_files", "7.属于行政执法案卷"),
            ("withheld_administrative_query", "8.属于行政查询事项"),
        ],
    ),
    (
        "（四）无法提供",
        [
            ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
            ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
            ("unavailable_unclear", "3.补正后申请内容仍不明确"),
        ],
    ),
    (
        "（五）不予处理",
        [
            ("rejected_petition", "1.信访举报投诉类申请"),
            ("rejected_duplicate", "2.重复申请"),
            ("rejected_publication", "3.要求提供公开出版物"),
            ("rejected_excessive", "4.无正当理由大量反复申请"),
            ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ],
    ),
    (None, [("other_handling", "（六）其他处理")]),
    (None, [("total_processed", "（七）总计")]),
)
OTHER_2021 = (
    "（六）其他处理",
    [
        (
            "other_overdue_correction",
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ),
        (
            "other_overdue_fee",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ),
        ("other_reasons", "3.其他"),
    ],
)
CARRIED_FORWARD = ("carried_forward", "四、结转下年度继续办理")
RESULT_GROUP = "三、本年度办理结果"
IDENTITY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def outcome_groups(version: str, single_other_row: bool) -> list[tuple[str | None, list]]:
    groups = list(OUTCOME_GROUPS_V2019)
    if version == "v2021" and not single_other_row:
        groups[5] = OTHER_2021
    return groups


def outcome_keys(version: str, single_other_row: bool) -> list[str]:
    keys = [k for k, _ in OUTCOME_TOP]
    keys += [k for _, rows in outcome_groups(version, single_other_row) for k, _ in rows]
    return [*keys, CARRIED_FORWARD[0]]


# ---------------------------------------------------------------- the grid model


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    pad: bool = False  # an empty cell that fills the grid, not a figure


@dataclass
class Row:
    cells: list[Cell]
    row_key: str | None = None  # the gold row this figure row prints
    # gold cells this row prints: (fact, row key, column key)
    keys: list[tuple[str, str, str]] = field(default_factory=list)
    n_labels: int = 0  # leading origin cells that are labels (not figures)
    # accidents on this row, applied by the renderers that can show them
    extra_value: str | None = None  # one figure too many, appended
    drop_value: int | None = None  # index of a figure left out
    label_break: tuple[int, bool] | None = None  # (split at char, figures on the second line)
    split_header: bool = False  # header words printed one character above the rest
    label_as: str | None = None  # printed under another row's label (md converter layout)


@dataclass
class Table:
    kind: str  # disclosures | applications | reviews | statistics
    rows: list[Row]
    width: int
    flavour: str = "plain"  # plain | shanghai (table 二 spans misaligned as on a real page)


def figures(row: Row) -> list[Cell]:
    """The figure cells of a row (labels and grid padding left out)."""
    return [c for c in row.cells[row.n_labels :] if not c.pad]


def expand(table: Table, repeat: bool = False) -> list[list[str]]:
    """The table as a rectangular grid; spanned positions hold "" (or the text if `repeat`)."""
    grid: list[list[str | None]] = []
    for r, row in enumerate(table.rows):
        while len(grid) <= r:
            grid.append([None] * table.width)
        c = 0
        for cell in row.cells:
            while c < table.width and grid[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                while len(grid) <= r + dr:
                    grid.append([None] * table.width)
                for dc in range(cell.colspan):
                    if c + dc < table.width:
                        first = dr == 0 and dc == 0
                        grid[r + dr][c + dc] = cell.text if first or repeat else ""
            c += cell.colspan
    return [[t if t is not None else "" for t in line] for line in grid]


# ---------------------------------------------------------------- builders


def _v(text: str) -> Cell:
    return Cell(text)


def disclosures_table(
    version: str,
    printed: dict[tuple[str, str], str],
    item_labels: dict[str, str],
    article: dict[str, str],
    money_header: str | None,
    flavour: str,
) -> Table:
    """Table 二: one block per article item, each with its 信息内容 header row."""
    rows: list[Row] = []
    width = 5 if flavour == "shanghai" else 4
    for item_no, items, measures in DISCLOSURE_BLOCKS[version]:
        rows.append(Row([Cell(article[item_no], colspan=width)]))
        headers = [
            money_header if (m == "procurement_amount_wan_yuan" and money_header) else h
            for m, h in measures
        ]
        rows.append(Row([Cell("信息内容"), *_spread(headers, width - 1, flavour, header=True)]))
        for item, label in items:
            texts = [printed[(item, m)] for m, _ in measures]
            keys = [("disclosures", item, m) for m, _ in measures]
            cells = [Cell(item_labels.get(item, label)), *_spread(texts, width - 1, flavour)]
            rows.append(Row(cells, item, keys, n_labels=1))
    return Table("disclosures", rows, width, flavour)


def _spread(texts: list[str], room: int, flavour: str, header: bool = False) -> list[Cell]:
    """Figures (or headers) laid over `room` grid columns the way printed tables do it."""
    if len(texts) == 1:
        return [Cell(texts[0], colspan=room)]
    if flavour == "shanghai":
        # as on a real page: headers and figures span different columns of a 5-column grid
        if len(texts) == 3:
            if header:
                return [Cell(texts[0]), Cell(texts[1], colspan=2), Cell(texts[2])]
            return [Cell(texts[0], colspan=2), Cell(texts[1]), Cell(texts[2])]
        return [Cell(texts[0], colspan=2), Cell(texts[1], colspan=2)]
    cells = [Cell(t) for t in texts]
    if len(texts) < room:
        cells.append(Cell("", colspan=room - len(texts), pad=True))  # printed as an empty cell
    return cells


def applications_table(
    version: str,
    single_other_row: bool,
    printed: dict[str, list[str]],
    labels: dict[str, str],
    social_label: str,
    short_partial: bool,
) -> Table:
    """Table 三: three label columns (rowspans for the groups) and the seven applicant columns."""
    rows = [
        Row([Cell(IDENTITY_NOTE, rowspan=3, colspan=3), Cell("申请人情况", colspan=7)]),
        Row(
            [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)]
        ),
        Row([Cell(t) for t in ("商业企业", "科研机构", social_label, "法律服务机构", "其他")]),
    ]

    def figure_row(key: str, label_cells: list[Cell]) -> Row:
        keys = [("applications", key, a) for a in APPLICANT_COLUMNS]
        cells = [*label_cells, *(_v(t) for t in printed[key])]
        return Row(cells, key, keys, n_labels=len(label_cells))

    for key, label in OUTCOME_TOP:
        rows.append(figure_row(key, [Cell(labels.get(key, label), colspan=3)]))
    groups = outcome_groups(version, single_other_row)
    span = sum(len(rows_) for _, rows_ in groups)
    first = True
    for group, members in groups:
        for i, (key, label) in enumerate(members):
            label = labels.get(key, label)
            if key == "partially_granted" and short_partial:
                label = "（二）部分公开"
            cells: list[Cell] = []
            if first:
                cells.append(Cell(labels.get("result_group", RESULT_GROUP), rowspan=span))
                first = False
            if group is None:
                cells.append(Cell(label, colspan=2))
            else:
                if i == 0:
                    cells.append(Cell(labels.get(group, group), rowspan=len(members)))
                cells.append(Cell(label))
            rows.append(figure_row(key, cells))
    key, label = CARRIED_FORWARD
    rows.append(figure_row(key, [Cell(labels.get(key, label), colspan=3)]))
    return Table("applications", rows, 10)


REVIEW_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def reviews_table(printed: list[str]) -> Table:
    """Table 四: a three-row header over one row of fifteen figures."""
    rows = [
        Row([Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)]),
        Row(
            [Cell(h, rowspan=2) for h in REVIEW_HEADERS]
            + [Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)]
        ),
        Row([Cell(h) for h in REVIEW_HEADERS * 2]),
    ]
    keys = [("reviews", k, o) for k in REVIEW_KINDS for o in REVIEW_OUTCOMES]
    rows.append(Row([_v(t) for t in printed], "reviews", keys))
    return Table("reviews", rows, 15)


# The 2017-style 统计表 (统计指标 / 单位 / 汇总数). Keys name the rows the gold records.
PRE2019_ROWS: tuple[tuple[str | None, str, str], ...] = (
    (None, "一、公文类信息主动公开情况", ""),
    ("docs_issued", "（一）本部门及机关各业务处室制发的公文总数", "件"),
    ("docs_proactive", "其中：标注为“主动公开”的数量", "件"),
    ("docs_on_request", "标注为“依申请公开”的数量", "件"),
    ("docs_redacted", "标注为“删减后公开”的数量", "件"),
    ("docs_closed", "标注为“不公开”的数量", "件"),
    (
        "docs_published",
        "（二）本部门及机关各业务处室制发公文中标注为“主动公开”和“删减后公开”公文类信息公开数量",
        "件",
    ),
    ("docs_site", "其中：政府网站公开数量", "件"),
    ("docs_wechat", "政务微信公开数量", "件"),
    ("docs_other", "其他方式公开数量", "件"),
    ("docs_normative", "（三）本部门及机关各业务处室制发公文中规范性文件数量", "件"),
    ("docs_normative_proactive", "其中：标注为“主动公开”数量", "件"),
    ("sub_docs", "（四）本部门下属单位（不包括机关各业务处室）制发的公文数量", "件"),
    ("sub_docs_proactive", "其中：标注为“主动公开”的数量", "件"),
    (None, "二、政策解读情况", ""),
    ("policy_issued", "（一）本部门及机关各处室制发公文中主动公开的政策性文件数量", "件"),
    ("policy_interpreted", "其中：进行政策解读的数量", "件"),
    (
        "sub_policy",
        "（二）本部门下属单位（不包括机关各业务处室）制发公文中主动公开的政策性文件数量",
        "件",
    ),
    ("sub_policy_interpreted", "其中：进行政策解读的数量", "件"),
    (None, "三、舆情回应情况", ""),
    ("opinion", "（一）本部门回应公众关注热点或重大舆情数量", "次"),
    ("press", "其中：举办新闻发布会次数", "次"),
    ("mailbox", "“领导信箱”办理或答复数量", "件"),
    ("interviews", "开展“电视问政”或“网络在线访谈”次数", "次"),
    ("sub_opinion", "（二）本部门下属单位回应公众关注热点或重大舆情数量", "件"),
    (None, "四、依申请公开情况", ""),
    ("requests", "（一）本部门收到申请数量", "件"),
    ("requests_closed", "其中：申请办结数量", "件"),
    ("requests_answered", "申请答复数量", "件"),
    ("sub_requests", "（二）本部门下属单位收到申请数量", "件"),
    (None, "五、机构建设情况", ""),
    ("staff", "（一）本部门政务公开工作机构中工作人员数量", "人"),
    ("staff_full", "其中：专职人员数量", "人"),
    ("staff_part", "兼职人员数量", "人"),
)
PRE2019_GOLD = {
    "docs_issued": ("disclosures", "official_documents", "issued"),
    "docs_proactive": ("disclosures", "official_documents", "marked_proactive"),
    "policy_issued": ("disclosures", "policy_documents", "issued"),
    "policy_interpreted": ("disclosures", "policy_documents", "interpreted"),
    "requests": ("applications", "new_received", "total"),
}


def statistics_table(printed: dict[str, str]) -> Table:
    rows = [Row([Cell("统计指标"), Cell("单位"), Cell("汇总数")])]
    for key, label, unit in PRE2019_ROWS:
        if key is None:
            rows.append(Row([Cell(label, colspan=3)]))
            continue
        gold = PRE2019_GOLD.get(key)
        rows.append(
            Row(
                [Cell(label), Cell(unit), Cell(printed[key])],
                key,
                [gold] if gold else [],
                n_labels=2,
            )
        )
    return Table("statistics", rows, 3)
