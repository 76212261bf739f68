"""Label rules: how the printed labels of the report tables map to the vocabulary keys.

Every rule matches on the label with all whitespace removed (`squeeze`) after NFKC folding,
so `（三） 不 予 公 开` and `(三)不予公开` are the same label. Rules are tried in order; the
first hit wins, so the more specific rule comes first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# A printed label or heading is at most this long: a longer line is prose that names it.
LABEL_MAX_CHARS = 40

# Table 二 rows (items). Order matters: 行政规范性文件 contains 规范性文件.
ITEM_RULES: list[tuple[str, str]] = [
    ("规章", "regulations"),
    ("规范性文件", "normative_documents"),
    ("其他对外管理服务", "other_management_services"),
    ("行政许可", "administrative_licensing"),
    ("行政处罚", "administrative_penalty"),
    ("行政强制", "administrative_coercion"),
    ("行政事业性收费", "administrative_fees"),
    ("集中采购", "centralized_procurement"),
]

# Table 二 header cells (measures).
MEASURE_RULES: list[tuple[str, str]] = [
    ("本年新制作", "produced_this_year"),
    ("本年新公开", "published_this_year"),
    ("对外公开总", "published_total"),
    ("上一年项目", "items_last_year"),
    ("增/减", "items_change"),
    ("增减", "items_change"),
    ("处理决定", "decisions"),
    ("采购项目", "procurement_items"),
    ("采购总金额", "procurement_amount_wan_yuan"),
    ("本年制发", "issued_this_year"),
    ("本年废止", "repealed_this_year"),
    ("现行有效", "in_force"),
    ("收费金额", "fee_amount_wan_yuan"),
]

# Measures of each item when a report prints the rows without their header line.
DEFAULT_MEASURES: dict[str, dict[str, tuple[str, ...]]] = {
    "v2019": {
        "regulations": ("produced_this_year", "published_this_year", "published_total"),
        "normative_documents": ("produced_this_year", "published_this_year", "published_total"),
        "administrative_licensing": ("items_last_year", "items_change", "decisions"),
        "other_management_services": ("items_last_year", "items_change", "decisions"),
        "administrative_penalty": ("items_last_year", "items_change", "decisions"),
        "administrative_coercion": ("items_last_year", "items_change", "decisions"),
        "administrative_fees": ("items_last_year", "items_change"),
        "centralized_procurement": ("procurement_items", "procurement_amount_wan_yuan"),
    },
    "v2021": {
        "regulations": ("issued_this_year", "repealed_this_year", "in_force"),
        "normative_documents": ("issued_this_year", "repealed_this_year", "in_force"),
        "administrative_licensing": ("decisions",),
        "administrative_penalty": ("decisions",),
        "administrative_coercion": ("decisions",),
        "administrative_fees": ("fee_amount_wan_yuan",),
    },
}

MONEY_MEASURES = {"procurement_amount_wan_yuan", "fee_amount_wan_yuan"}

# Table 三 rows (outcomes); sub-items before their groups, 部分公开 before 予以公开.
OUTCOME_RULES: list[tuple[str, str]] = [
    ("本年新收", "new_received"),
    ("上年结转", "carried_over"),
    ("结转下年", "carried_forward"),
    ("转下年度", "carried_forward"),
    ("部分公开", "partially_granted"),
    ("国家秘密", "withheld_state_secret"),
    ("禁止公开", "withheld_prohibited_by_law"),
    ("三安全", "withheld_security_stability"),
    ("第三方", "withheld_third_party_rights"),
    ("内部事务", "withheld_internal_affairs"),
    ("过程性", "withheld_process_information"),
    ("执法案卷", "withheld_enforcement_files"),
    ("行政查询", "withheld_administrative_query"),
    ("不掌握", "unavailable_not_held"),
    ("另行制作", "unavailable_needs_creation"),
    ("补正后", "unavailable_unclear"),
    ("仍不明确", "unavailable_unclear"),
    ("信访", "rejected_petition"),
    ("重复申请", "rejected_duplicate"),
    ("出版物", "rejected_publication"),
    ("大量反复", "rejected_excessive"),
    ("重新出具", "rejected_confirmation"),
    ("逾期不补正", "other_overdue_correction"),
    ("不补正", "other_overdue_correction"),
    ("收费通知", "other_overdue_fee"),
    ("缴纳费用", "other_overdue_fee"),
    ("逾期未缴", "other_overdue_fee"),
    ("其他处理", "other_handling"),
    ("予以公开", "granted"),
    ("总计", "total_processed"),
]

# Group headers of table 三 that own numbered sub-rows.
OUTCOME_GROUPS = {"不予公开": "三", "无法提供": "四", "不予处理": "五", "其他处理": "六"}


# Labels that decide the template version (counted; the larger count wins).
VERSION_MARKERS: dict[str, tuple[str, ...]] = {
    "v2021": (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年收费金额",
        "逾期不补正",
        "收费通知",
    ),
    "v2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "采购项目数量",
        "其他对外管理服务事项",
    ),
    "pre2019": ("统计指标", "汇总数", "公文类信息"),
}

APPLICANT_RULES: list[tuple[str, str]] = [
    ("自然人", "natural_person"),
    ("商业企业", "commercial_enterprise"),
    ("科研机构", "research_institution"),
    ("公益组织", "social_organization"),
    ("社会组织", "social_organization"),
    ("法律服务", "legal_service_institution"),
    ("总计", "total"),
    ("其他", "other_organization"),
]


@lru_cache(maxsize=4096)  # the template's labels recur in every report
def applicant_key(header_cell: str) -> str | None:
    """Applicant column of a table 三 header cell; 法人或其他组织 is the group, not a column."""
    if "法人" in header_cell or "申请人" in header_cell:
        return None
    return match_first(header_cell, APPLICANT_RULES)


_SUB_ITEM = re.compile(r"(?:^|[^0-9])3\.?其他$")


@lru_cache(maxsize=4096)
def measures_in(header: str) -> tuple[str, ...]:
    """Every measure named in a header cell, in printed order (flattened headers hold several)."""
    found: dict[str, int] = {}
    for needle, key in MEASURE_RULES:
        at = header.find(needle)
        if at >= 0 and key not in found:
            found[key] = at
    return tuple(sorted(found, key=found.__getitem__))


@lru_cache(maxsize=4096)
def item_key(label: str) -> str | None:
    """Table 二 item of a row label."""
    return match_first(label, ITEM_RULES)


def match_first(label: str, rules: Iterable[tuple[str, str]]) -> str | None:
    for needle, key in rules:
        if needle in label:
            return key
    return None


@lru_cache(maxsize=4096)
def match_outcome(label: str, group: str | None) -> str | None:
    """Outcome key of a table 三 row label; `group` is the numbered group the row sits in."""
    if group == "六" and _SUB_ITEM.search(label) and "其他处理" not in label.replace("(六)", ""):
        return "other_reasons"
    if group == "六" and label.endswith("其他") and not label.endswith("其他处理"):
        return "other_reasons"
    return match_first(label, OUTCOME_RULES)


@lru_cache(maxsize=4096)
def outcome_group(label: str) -> str | None:
    return match_first(label, OUTCOME_GROUPS.items())


_OUTCOMES_HEAD = (
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_security_stability",
    "withheld_third_party_rights",
    "withheld_internal_affairs",
    "withheld_process_information",
    "withheld_enforcement_files",
    "withheld_administrative_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "rejected_petition",
    "rejected_duplicate",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
)
_OTHER_2021 = ("other_overdue_correction", "other_overdue_fee", "other_reasons")


def outcome_skeleton(version: str, single_other_row: bool) -> tuple[str, ...]:
    """Table 三 rows in template order: 23 rows in v2019, 25 in v2021 (unless it keeps one （六）)."""
    other = _OTHER_2021 if version == "v2021" and not single_other_row else ("other_handling",)
    return (*_OUTCOMES_HEAD, *other, "total_processed", "carried_forward")
