"""Report metadata with its evidence: agency, report year, publication date, template version."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

from loaders.characters import squeeze
from loaders.document import Issue, Line
from loaders.parse import labels
from loaders.parse.sections import TOP_LEVEL


@dataclass(frozen=True)
class Evidence:
    value: object
    text: str
    line: Line | None


_YEAR = r"(?:19|20)\d{2}"  # a report year or a date's year, in figures
_TITLE = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)")
# The year may lose its 年 (某某县2020政府信息公开…).
_YEAR_AGENCY = re.compile(
    r"^[《]?(?P<agency>.*?)(?:关于)?(?P<year>" + _YEAR + r")(?:年度?|(?=政府|信息公开|年度))"
)
_YEAR_FIRST = re.compile(r"^[《]?(?P<year>" + _YEAR + r")年度?(?P<agency>.*?)(?:政府)?信息公开")
_ORGAN_SUFFIX = re.compile(
    r"(人民政府|政府|办公厅|办公室|委员会|管委会|局|厅|委|院|中心|工业园区|园区|开发区|高新区|"
    r"办事处|街道|镇|乡|所|站|队|部|署|会|处|科委|集团|办|馆)$"
)
_DATE_ENDS = frozenset("日0123456789")
# A date in figures (2020年1月5日, 2020.1.5, 2020-01-05): year, month and day as groups 1-3.
_YMD = "(" + _YEAR + r")\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})"
_DATE_LINE = re.compile(
    r"^(?:日期|发布日期|公开日期|发布时间|成文日期|印发日期)?[:：]?\s*" + _YMD + r"\s*日?$"
)
_META_DATE = re.compile(r"(?:发布日期|公开日期|发布时间|成文日期)[:：]?\s*" + _YMD)
_PERIOD = re.compile("(" + _YEAR + r")\s*年\s*1\s*月\s*1\s*日")
_ANY_YEAR = re.compile("(" + _YEAR + r")\s*年")
_OTHER_REPORT = re.compile(
    r"《(?P<agency>[^《》]{2,40}?)\s*" + _YEAR + r"\s*年度?(?:政府)?信息公开(?:工作)?年度报告》"
)


# Page furniture: what a web page prints around a report. None of it is ever the organ.
_MARKERS = re.compile(r"^[#>*•·▪●◆■\-\s]+")  # Markdown heading markers and list bullets
_CRUMB = re.compile(
    r"(?:首页|首頁|主页)\s*(?:>|»|›|→|/|＞|》)|当前位置|當前位置|当前页面|现在的位置|所在位置|您的位置"
)
_FURNITURE_CHARS = re.compile(r"[>»›|:：【】\[\]]|首页|首頁|网站|網站|www|http")
_TITLE_LABELS = frozenset({"标题", "題名", "题名", "标 题", "文件名称", "名称"})
# Labels of page-information fields, longest first so 信息来源 wins over 来源.
_FIELD_NAMES = (
    "公文生成日期", "信息提供日期", "发布机构", "發佈機構", "发文机关", "发布单位", "信息来源",
    "发布日期", "發佈日期", "发文日期", "发布时间", "發佈時間", "生成日期", "成文日期", "公开日期",
    "印发日期", "所属机构", "浏览次数", "点击", "索引号", "标题", "文号", "来源", "來源", "日期",
    "时间", "時間", "编辑", "字号", "字体", "分享", "打印", "关闭",
)  # fmt: skip
_ORGAN_FIELDS = ("发布机构", "發佈機構", "发文机关", "发布单位", "信息来源", "来源", "來源")
_DATE_FIELDS = (
    "发布日期", "發佈日期", "发布时间", "發佈時間", "发文日期", "信息提供日期", "公开日期", "日期",
    "时间", "時間",
)  # fmt: skip
_LATE_DATE_FIELDS = ("公文生成日期", "生成日期", "成文日期", "印发日期")
_FIELD = re.compile(
    "(" + "|".join(r"\s*".join(name) for name in _FIELD_NAMES) + r")\s*[:：]\s*([^\s|]*)"
)
_BODY_OPENERS = ("根据", "本报告", "本年度报告", "本年报", "按照", "依据", "为")
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,10}(?:省|市|县|区|旗|州|盟|自治区)$")
_WEBSITE = re.compile(r"网站|網站|门户|門戶|www|http|\.cn|\.com")
# The organ as a body sentence names it: 2020年，某某县市场监督管理局认真贯彻… / 本报告由某某局编制.
_BODY_SUBJECT = re.compile(
    "".join(
        (
            r"(?:^|[。；;])",
            r"(?:[一二三四五六七八九十]+、[\u4e00-\u9fff]{2,8}?(?=" + _YEAR + "年))?",
            "(?:" + _YEAR + r"年度?[,，、]?\s*)?",
            r"(?!本|我|全|该|各|由|今年|上级)(?P<organ>[^\s,，。、;；:：“”\"《》()（）]{2,30}?)",
            r"(?:认真|坚持|深入|始终|紧紧|全面|按照|根据|依据|在|以|进一步|积极|严格|高度|继续|不断|围绕|",
            r"着力|扎实|切实|紧扣|聚焦|持续|立足)",
        )
    )
)
_BODY_COMPILER = re.compile(
    r"本(?:年度)?(?:报告|年报)(?:是)?(?:[^。]{0,40}?[,，])?由(?P<organ>[^\s,，。、;；:：“”\"《》()（）]{2,30}?)"
    r"(?P<verb>根据|依据|按照|编制|编写|负责|综合)"
)
# An office that compiles its whole government's report (由某某区人民政府办公室综合各部门…)
# speaks for that government.
_OFFICE = re.compile(r"(?<=政府)(?:政府)?(?:办公室|办公厅)$")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {
    "零": "0",
    "○": "0",
    "О": "0",
}
_CN_DATE = re.compile(
    r"([〇零○О一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*"
    r"([一二三四五六七八九十]{1,3})\s*日"
)
_PAGE_DATE = re.compile(_YMD + r"(?!\d)\s*日?")
_PLACE_STEM = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:自治区|省|市|县|区|旗)(?=人民政府|政府)")
_TOWNSHIP = re.compile(r"(?:镇|乡|街道|办事处)(?:人民政府|政府)?(?:办公室)?$")
_COUNTY_NAME = re.compile(r"[\u4e00-\u9fff]{1,5}?[县市区旗]")
_LEVEL_NAMES = {w: re.compile(r"[\u4e00-\u9fff]{2,5}?" + w) for w in "省市县区旗盟州"}
_SENTENCE = re.compile("[,，。;；]")  # prose, not a page-information line (NFKC folds ，to ,)
_LEVEL_WORDS = frozenset("省市县区旗盟州")
_PERIOD_WORDS = re.compile(r"至|起|止|期限|统计|截至|以来")


def _cn_number(text: str) -> str:
    """一 … 三十一 as digits (month and day of a date written in characters)."""
    if "十" not in text:
        return "".join(_CN_DIGITS[c] for c in text)
    tens, _, units = text.partition("十")
    return str(
        (int(_CN_DIGITS[tens]) if tens else 1) * 10 + (int(_CN_DIGITS[units]) if units else 0)
    )


def arabic_dates(text: str) -> str:
    """二〇一六年三月二十五日 as 2016年3月25日: sign-offs often spell their date out."""
    if "年" not in text or "月" not in text:
        return text
    return _CN_DATE.sub(
        lambda m: (
            f"{''.join(_CN_DIGITS[c] for c in m.group(1))}年"
            f"{_cn_number(m.group(2))}月{_cn_number(m.group(3))}日"
        ),
        text,
    )


def is_breadcrumb(text: str) -> bool:
    return bool(_CRUMB.search(fold(text)))


def _row_fields(line: Line) -> list[tuple[str, str]]:
    """Label/value pairs of a key-value row (标题 | … | 发布机构 | … ): a label cell, then its
    value in the next cell unless that cell is a label too."""
    cells = [fold(squeeze(c)).rstrip(":：") for c in _cells(line)]
    out = []
    for label, value in itertools.pairwise(cells):
        is_label = label in _FIELD_NAMES or label in _TITLE_LABELS
        if is_label and value and value not in _FIELD_NAMES:
            out.append((label, value))
    return out


def _cells(line: Line) -> tuple[str, ...]:
    # a key-value table that lost its leading bar (标题: | … |) reads as prose
    return line.cells if line.is_row else tuple(line.text.split("|"))


def page_fields(line: Line) -> list[tuple[str, str]]:
    """Label/value pairs a page-information line prints (来源：… 发布时间：…)."""
    if line.is_row or line.text.count("|") >= 2:
        return _row_fields(line)
    if ":" not in line.text and "：" not in line.text:
        return []
    return [(squeeze(fold(m.group(1))), m.group(2)) for m in _FIELD.finditer(fold(line.text))]


def _field_line(line: Line) -> bool:
    return bool(page_fields(line)) or is_breadcrumb(line.key)


def header_end(lines: list[Line]) -> int:
    """Index of the first line of the report's body: its first numbered section heading, or
    the first paragraph of prose; page furniture and the title come before it."""
    for i, line in enumerate(lines[:80]):
        key = line.key
        if TOP_LEVEL.match(key) or (
            len(key) > 60 and not line.is_row and ("," in key or "，" in key)
        ):
            return i
        if len(key) > 60 and not line.is_row and key.startswith(_BODY_OPENERS):
            return i
    return min(len(lines), 80)


def _date_of(text: str) -> date | None:
    m = _PAGE_DATE.search(arabic_dates(text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_page_date(
    lines: list[Line], title: Line | None, end: int | None = None
) -> tuple[Line, date] | None:
    """The publication date the page prints: a 发布日期 / 发布时间 / 日期 field, else a date alone
    on a short page-information line beside the title (站名 2020-03-27 09:30 来源:…)."""
    end = header_end(lines) if end is None else end
    head = lines[: max(end, (title.number if title else 0) + 4)]
    late = None
    for line in head:
        for label, value in page_fields(line):
            if label in _DATE_FIELDS or label in _LATE_DATE_FIELDS:
                day = _date_of(value if "|" in line.text else line.text[line.text.find(value) :])
                if day and label in _DATE_FIELDS:
                    return line, day
                late = late or ((line, day) if day else None)
    if late:
        return late
    if title is None:
        return find_meta_date(lines)
    at = next((i for i, line in enumerate(lines) if line is title), None)
    for line in lines[max(0, (at or 0) - 1) : (at or 0) + 4]:
        text = line.text
        if len(line.key) <= 100 and not _PERIOD_WORDS.search(text) and not _SENTENCE.search(text):
            day = _date_of(text)
            if day:
                return line, day
    return find_meta_date(lines)  # a 发布日期 field further down the page (after the article)


def completes(full: str, short: str) -> bool:
    """`full` is `short` with the place it belongs to in front (县政府办 → 某某县政府办); a bare
    place name is a complete name already (某某市 is not completed to 某某市人民政府办公室)."""
    return full != short and full.endswith(short) and not _PLACE.match(short)


def find_field_agency(lines: list[Line], end: int | None = None) -> tuple[Line, str] | None:
    """The organ a 发布机构 / 来源 field names, when it is an organ and not a website."""
    for line in lines[: header_end(lines) if end is None else end]:
        for label, value in page_fields(line):
            name = _clean_agency(value)
            if label in _ORGAN_FIELDS and not _WEBSITE.search(name) and is_organ_name(name):
                return line, name
    return None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def region_context(lines: list[Line], agency: str, end: int | None = None) -> tuple[str, ...]:
    """Names the page gives the organ besides its own: 发布机构 / 来源 values, and the organ's
    name with the places printed before it in the text (某某县 + 某某镇人民政府办公室)."""
    found: list[str] = []
    for line in lines[: header_end(lines) if end is None else end]:
        for label, value in page_fields(line):
            if label in _ORGAN_FIELDS and not _WEBSITE.search(value):
                found.append(_clean_agency(value))
    # the organ's place (某某区 of 某某区人民政府), as the text prints it with its parents
    stem = _PLACE_STEM.match(agency)
    for name in (agency, stem.group(0) if stem else None):
        if name is None or len(name) < 3:
            continue
        for line in lines[:60]:
            at = line.key.find(name)
            while at >= 0:
                start = at
                while start > 0 and at - start < 12 and _is_cjk(line.key[start - 1]):
                    start -= 1
                if at - start >= 2:
                    found.append(line.key[start:at] + name)
                    break
                at = line.key.find(name, at + 1)
    return tuple(dict.fromkeys(found))


def level_places(lines: list[Line], agency: str) -> tuple[str, ...]:
    """Places the text prints that may be the organ's own, when its name does not say it: for an
    organ named by its level alone (市外办, 县政府办, 区科技局) the names of that level
    (…天津市政务公开工作要点…); for a township or street office the names of county level
    (…桦甸市…工作要点). The region takes the one place they name, if they name exactly one."""
    if agency[:1] in _LEVEL_WORDS:
        pattern = _LEVEL_NAMES[agency[:1]]
    elif _TOWNSHIP.search(agency):
        pattern = _COUNTY_NAME
    else:
        return ()
    return tuple(
        dict.fromkeys(m.group(0) for line in lines[:80] for m in pattern.finditer(line.key))
    )


def find_body_agency(lines: list[Line], end: int | None = None) -> tuple[Line, str] | None:
    """The organ named as the subject of the body's first sentences, or as its compiler."""
    start = header_end(lines) if end is None else end
    found = None
    for line in lines[start : start + 12]:
        if line.is_row:
            continue
        text = _MARKERS.sub("", line.key)
        for pattern in (_BODY_SUBJECT, _BODY_COMPILER):
            m = pattern.search(text)
            organ = m and _clean_agency(m.group("organ"))
            if organ and pattern is _BODY_COMPILER and m.group("verb") == "综合":
                organ = _OFFICE.sub("", organ)
            if organ and (is_organ_name(organ) or _PLACE.match(organ)) and _plausible_agency(organ):
                if pattern is _BODY_SUBJECT:
                    return line, organ
                found = found or (line, organ)
    return found


def _clean_agency(text: str) -> str:
    text = re.sub(r"^(?:标题|名称|题目|文件名称)[:：]", "", _MARKERS.sub("", squeeze(text)))
    return re.sub(r"^关于", "", text.strip('《》"“”:：,，、'))


# Organ words with no place or name of their own: what a page field of a local site prints.
_GENERIC = re.compile(
    r"^(?:[区县市镇乡省旗]|本级|园区|开发区|高新区|街道)?(?:人民)?"
    r"(?:政府(?:办公室|办公厅|办)?|办公室|管委会|管理委员会|办事处)$"
    r"|^[区县市镇乡省旗](?:委|政府|人民政府)"  # 区委区政府, 市政府办公室: whose, is not said
)


def is_organ_name(text: str) -> bool:
    t = squeeze(text)
    return (
        2 < len(t) <= 30
        and bool(_ORGAN_SUFFIX.search(t))
        and not re.search(r"[，。：:；、]", t)
        and not _GENERIC.match(t)
    )


# Traditional forms of the words titles and page fields are matched on, one character for one,
# so a match on the folded text has the same positions in the printed text.
_FOLD = str.maketrans("開報當頁來時間發佈機構區資訊", "开报当页来时间发布机构区资讯")


def fold(text: str) -> str:
    return text.translate(_FOLD)


def _title_parts(text: str) -> tuple[str | None, int | None]:
    folded = fold(text)
    m = _YEAR_FIRST.match(folded) or _YEAR_AGENCY.match(folded)
    if not m:
        return None, None
    agency = _clean_agency(text[m.start("agency") : m.end("agency")])
    return (agency if _plausible_agency(agency) else None), int(m.group("year"))


def _plausible_agency(text: str) -> bool:
    """A name read off a title: never page furniture (a breadcrumb, a field label)."""
    return 2 <= len(text) <= 40 and not _FURNITURE_CHARS.search(text) and not _CRUMB.search(text)


def is_furniture(name: str) -> bool:
    """Text that is page furniture rather than an organ's name (for checks of the output)."""
    key = squeeze(name)
    return (
        not _plausible_agency(key)
        or any(key.startswith(label) for label in _FIELD_NAMES)
        or key in _TITLE_LABELS
    )


def _title_text(line: Line) -> str | None:
    """The title a line may carry: its text without heading markers or bullets, or the value
    of a 标题 field when the line is a key-value row of page metadata."""
    if line.is_row or line.text.count("|") >= 2:
        for label, value in _row_fields(line):
            if label in _TITLE_LABELS:
                return value
        return None
    if is_breadcrumb(line.key):
        return None
    return _MARKERS.sub("", line.key)


def find_title(
    lines: list[Line], end: int | None = None
) -> tuple[Line, str | None, int | None] | None:
    """The title among the page's opening lines: the agency (if printed) and the report year.

    Menus and breadcrumbs of a web page often carry the words of a title too (政府信息公开年报);
    the first title that names an organ wins, then the first that names a year."""
    found: list[tuple[Line, str | None, int | None]] = []
    head = lines[: header_end(lines) if end is None else end]
    for i, line in enumerate(head):
        text = _title_text(line)
        if not text or len(text) > 60 or text.startswith(_BODY_OPENERS):
            continue
        if not _TITLE.search(fold(text)):
            # A title wrapped over two lines (…信息公开工作 / 年度报告).
            following = _title_text(lines[i + 1]) if i + 1 < len(lines) else None
            if not following or len(following) > 8 or not _TITLE.search(fold(text + following)):
                continue
            text += following
        agency, year = _title_parts(text)
        previous = _title_text(lines[i - 1]) if i > 0 else None
        if agency is None and previous and len(previous) <= 30 and not _field_line(lines[i - 1]):
            # the organ on a line of its own above the title (某某县 / 2020年政府信息公开…)
            joined = _title_parts(previous + text)
            if _TITLE.search(fold(previous)):
                pass
            elif joined[0]:
                agency, year = joined
            elif is_organ_name(previous) or _PLACE.match(previous):
                agency = _clean_agency(previous)
        # or on the line below it (年度报告 / 某某镇人民政府)
        following = _title_text(lines[i + 1]) if i + 1 < len(head) else None
        if (
            agency is None
            and following
            and not _field_line(lines[i + 1])
            and is_organ_name(following)
            and _plausible_agency(following)
        ):
            agency = _clean_agency(following)
        found.append((line, agency, year))
    if not found:
        return None
    return next((f for f in found if f[1]), None) or next((f for f in found if f[2]), found[0])


def find_signoff(lines: list[Line]) -> tuple[Line, str, Line, date] | None:
    """An organ name followed by a date on the next line: the report's sign-off."""
    found = None
    for prev, line in itertools.pairwise(lines):
        # a date line ends in 日 or a digit: most lines are out before the pattern runs
        key = arabic_dates(line.key) if line.key[-1:] == "日" else line.key
        m = key[-1:] in _DATE_ENDS and _DATE_LINE.match(key)
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
            try:
                return line, date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
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
