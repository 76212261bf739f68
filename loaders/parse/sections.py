"""The sections of a report, found by their titles' words: the one heading rule the table
parsers (which section holds which table) and the narrative (each section's prose) share.

Titles are recognised by their words, not their numerals (numbering is often wrong), in the
order of the templates: the 2007 Regulation's art. 32 (overview, disclosures, applications, fees,
reviews, problems, other) and the 2019 / 2021 formats, which drop the fees.
"""

from __future__ import annotations

import re

from loaders.document import Line
from loaders.parse.labels import LABEL_MAX_CHARS

SECTION_TITLES: list[tuple[str, re.Pattern[str]]] = [
    ("overview", re.compile(r"总体情况|基本情况|概述")),
    ("disclosures", re.compile(r"主动公开政府信息")),
    ("applications", re.compile(r"收到和处理政府信息公开申请|依申请公开")),
    ("fees", re.compile(r"收费及减免|收费和减免|收取费用")),
    ("reviews", re.compile(r"行政复议.{0,4}行政诉讼")),
    ("problems", re.compile(r"存在的主要问题|问题及改进|问题和改进")),
    ("other", re.compile(r"其他需要报告")),
]
# Any section's words at all: most lines name none, and skip the ordered search.
_ANY_TITLE = re.compile("|".join(f"(?:{p.pattern})" for _, p in SECTION_TITLES))
# A numbered top-level heading (二、…), matched on a line's whitespace-free key.
TOP_LEVEL = re.compile(r"^[一二三四五六七八九十]+[、.．]")


def section_spans(lines: list[Line]) -> dict[str, tuple[int, int]]:
    """Line index spans [start, end) of the sections whose titles were found, in document order;
    a section runs to the next one found.

    A sub-heading of section 一 often repeats a section's words ((一)主动公开政府信息情况), so a
    top-level numbered title (二、…) wins over an earlier unnumbered or sub-numbered one. A line
    naming two sections' words is the first one's in template order.
    """
    starts: dict[str, int] = {}
    top_level: set[str] = set()
    for i, line in enumerate(lines):
        key = line.key
        if line.is_row or len(key) > LABEL_MAX_CHARS or not _ANY_TITLE.search(key):
            continue
        for name, pattern in SECTION_TITLES:
            if not pattern.search(key):
                continue
            is_top = bool(TOP_LEVEL.match(key))
            if name not in starts or (is_top and name not in top_level):
                starts[name] = i
                if is_top:
                    top_level.add(name)
            break
    ordered = sorted(starts.items(), key=lambda kv: kv[1])
    return {
        name: (start, ordered[k + 1][1] if k + 1 < len(ordered) else len(lines))
        for k, (name, start) in enumerate(ordered)
    }
