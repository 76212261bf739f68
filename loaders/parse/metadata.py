"""Report metadata with its evidence: agency, report year, publication date, template version."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

from loaders.document import Issue, Line
from loaders.normalise import squeeze
from loaders.parse import labels


@dataclass(frozen=True)
class Evidence:
    value: object
    text: str
    line: Line | None


_TITLE = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)")
_YEAR_AGENCY = re.compile(r"^[《]?(?P<agency>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})年度?")
_YEAR_FIRST = re.compile(r"^[《]?(?P<year>(?:19|20)\d{2})年度?(?P<agency>.*?)(?:政府)?信息公开")
_ORGAN_SUFFIX = re.compile(
    r"(人民政府|政府|办公厅|办公室|委员会|管委会|局|厅|委|院|中心|工业园区|园区|开发区|高新区|"
    r"办事处|街道|镇|乡|所|站|队|部|署|会|处|科委|集团)$"
)
_DATE_ENDS = frozenset("日0123456789")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_DATE_LINE = re.compile(
    r"^(?:日期|发布日期|公开日期|发布时间|成文日期|印发日期)?[:：]?\s*"
    r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$"
)
_META_DATE = re.compile(
    r"(发布日期|公开日期|发布时间|成文日期)[:：]?\s*((?:19|20)\d{2}[年./-]\d{1,2}[月./-]\d{1,2})"
)
_META_AGENCY = re.compile(r"(发布机构|发文机关|发布单位|信息来源)[:：]\s*(\S+)")
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_OTHER_REPORT = re.compile(
    r"《(?P<agency>[^《》]{2,40}?)\s*(?:19|20)\d{2}\s*年度?(?:政府)?信息公开(?:工作)?年度报告》"
)


def _clean_agency(text: str) -> str:
    text = re.sub(r"^(?:标题|名称|题目|文件名称)[:：]", "", squeeze(text))
    return re.sub(r"^关于", "", text.strip('《》"“”:：,，、'))


def is_organ_name(text: str) -> bool:
    t = squeeze(text)
    return 2 < len(t) <= 30 and bool(_ORGAN_SUFFIX.search(t)) and not re.search(r"[，。：:；、]", t)


def find_title(lines: list[Line]) -> tuple[Line, str | None, int | None] | None:
    """The title line among the first lines: the agency (if printed) and the report year."""
    for i, line in enumerate(lines[:12]):
        text = line.key
        if line.is_row or len(text) > 60:
            continue
        if not _TITLE.search(text):
            # A title wrapped over two lines (…信息公开工作 / 年度报告).
            following = lines[i + 1].key if i + 1 < len(lines) else ""
            if len(following) > 8 or not _TITLE.search(text + following):
                continue
            text += following
        agency, year = None, None
        m = _YEAR_FIRST.match(text) or _YEAR_AGENCY.match(text)
        if m:
            year = int(m.group("year"))
            agency = _clean_agency(m.group("agency")) or None
        if agency is None and i > 0 and is_organ_name(lines[i - 1].text):
            agency = _clean_agency(lines[i - 1].text)
        return line, agency, year
    return None


def find_signoff(lines: list[Line]) -> tuple[Line, str, Line, date] | None:
    """An organ name followed by a date on the next line: the report's sign-off."""
    found = None
    for prev, line in itertools.pairwise(lines):
        # a date line ends in 日 or a digit: most lines are out before the pattern runs
        m = line.key[-1:] in _DATE_ENDS and _DATE_LINE.match(line.key)
        if m and is_organ_name(prev.text):
            try:
                day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
            found = (prev, _clean_agency(prev.text), line, day)
    return found


def find_meta_date(lines: list[Line]) -> tuple[Line, date] | None:
    for line in lines:
        m = ("日期" in line.key or "时间" in line.key) and _META_DATE.search(line.key)
        if m:
            d = _DATE.search(m.group(2))
            if d:
                try:
                    return line, date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
                except ValueError:
                    continue
    return None


def find_meta_agency(lines: list[Line]) -> tuple[Line, str] | None:
    for line in lines:
        m = (":" in line.key or "：" in line.key) and _META_AGENCY.search(line.key)
        if m and is_organ_name(m.group(2)):
            return line, _clean_agency(m.group(2))
    return None


def find_year(
    lines: list[Line], title_year: int | None, title: Line | None
) -> tuple[Evidence | None, list[Issue]]:
    issues: list[Issue] = []
    period = next(
        ((line, int(m.group(1))) for line in lines[:40] if (m := _PERIOD.search(line.text))),
        None,
    )
    if title_year is not None:
        if period and period[1] != title_year:
            issues.append(
                Issue(
                    "year_conflict",
                    "warning",
                    f"title says {title_year} but the statistics period starts in {period[1]}",
                    period[0].number,
                    period[0].source,
                )
            )
        return Evidence(title_year, title.text if title else "", title), issues
    if period:
        return Evidence(period[1], period[0].text, period[0]), issues
    counts: dict[int, int] = {}
    first_line: dict[int, Line] = {}
    for line in lines:
        if line.is_row:
            continue
        for m in _ANY_YEAR.finditer(line.text):
            y = int(m.group(1))
            counts[y] = counts.get(y, 0) + 1
            first_line.setdefault(y, line)
    if not counts:
        return None, [Issue("year_unknown", "error", "no report year found in the text")]
    year = max(counts, key=lambda y: (counts[y], y))
    line = first_line[year]
    issues.append(
        Issue(
            "year_inferred",
            "warning",
            f"no title year; {year} is the year the text names most often ({counts[year]} times)",
            line.number,
            line.source,
        )
    )
    return Evidence(year, line.text, line), issues


def detect_version(lines: list[Line], year: int | None) -> tuple[str | None, str, list[Issue]]:
    text = "".join(line.key for line in lines)  # keys are the lines without whitespace
    hits = {v: [m for m in markers if m in text] for v, markers in labels.VERSION_MARKERS.items()}
    scored = sorted(hits, key=lambda v: len(hits[v]), reverse=True)
    best = scored[0]
    if hits[best] and len(hits[best]) > len(hits[scored[1]]):
        return best, "labels: " + "、".join(hits[best]), []
    if year is not None:
        by_year = "pre2019" if year <= 2018 else "v2019" if year <= 2020 else "v2021"
        return (
            by_year,
            f"no decisive table labels; template in force in {year}",
            [
                Issue(
                    "template_from_year",
                    "warning",
                    f"template version taken from the year ({by_year})",
                )
            ],
        )
    return None, "", [Issue("template_unknown", "warning", "template version could not be decided")]


def other_agencies(lines: list[Line], agency: str) -> list[tuple[Line, str]]:
    """Other organs' report titles quoted in the text (a copied preamble names the wrong organ)."""
    out = []
    for line in lines[:30]:
        if "《" not in line.key:
            continue
        for m in _OTHER_REPORT.finditer(line.key):
            name = _clean_agency(m.group("agency"))
            if name and name not in agency and agency not in name:
                out.append((line, name))
    return out


_FORM_AGENCY = re.compile(r"(填表单位|填报单位|报送单位)[:：](\S+)")


def form_agencies(lines: list[Line]) -> list[tuple[Line, str]]:
    """Organ names written into form fields (填表单位…), to flag misspelled variants."""
    out = []
    for line in lines:
        m = "单位" in line.key and _FORM_AGENCY.search(line.key)
        if m:
            out.append((line, _clean_agency(m.group(2))))
    return out
