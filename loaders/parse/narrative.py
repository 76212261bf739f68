"""The narrative of a report: its section texts and the figures its prose states.

Two raw tables come from here, both one report's rows at a time:

- `raw.sections`: every section found by its title's words (`loaders/parse/sections.py`), with
  its line span and prose (table rows left out), plus a `preamble` row
  (the lines before the first section, with the title), so that a report whose sections were
  recorded always has a row. The compliance mart reads which sections are present; the
  text-reuse mart compares each section's text with the same agency's previous report.
- `raw.narrative_figures`: figures the prose states about the tables (收到申请 N 件, 上年结转 N 件,
  办结 N 件, 结转下年度 N 件, 行政复议 N 件/起, 行政诉讼 N 件/起), each with its sentence and line, and
  the explicit zeros (未收到申请, 没有发生行政复议和行政诉讼). The narrative-against-tables mart
  compares them with the table cells they restate.

A figure is taken only when its keyword and its number sit in one clause with nothing but
connecting words between them; a clause stating two figures for one key keeps both, and the
mart compares each. Review figures count only in a sentence that speaks of disclosure (公开) or
inside the reviews section: a 司法局's own caseload is not its disclosure caseload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.document import Line
from loaders.parse.sections import section_spans


@dataclass(frozen=True)
class Section:
    key: str
    title: str | None
    line_start: int  # 1-based line numbers, inclusive
    line_end: int
    text: str

    def row(self) -> tuple:
        return (self.key, self.title, self.line_start, self.line_end, len(self.text), self.text)


def find_sections(lines: list[Line]) -> list[Section]:
    """The preamble and every section whose title was found, in document order."""
    if not lines:
        return []
    spans = section_spans(lines)
    first = min((start for start, _ in spans.values()), default=len(lines))
    sections = [Section("preamble", None, 1, first, _text(lines[:first]))] if first else []
    sections.extend(
        Section(name, lines[start].text.strip(), start + 1, end, _text(lines[start:end]))
        for name, (start, end) in spans.items()
    )
    return sections


def _text(lines: list[Line]) -> str:
    """The prose of a span: table rows are left out (their figures are raw.cells, their labels
    the template's, and neither says whether the words were written anew)."""
    return "\n".join(line.text for line in lines if not line.is_row)


@dataclass(frozen=True)
class Figure:
    key: str
    value: float
    unit: str | None
    sentence: str
    line: Line

    def row(self, ordinal: int) -> tuple:
        return (
            ordinal,
            self.key,
            self.value,
            self.unit,
            self.sentence,
            self.line.number,
            self.line.source,
        )


_NUMBER = r"(\d[\d,]*)"
_UNIT = r"(件|起|宗|条|份|个)"
# words allowed between a keyword and its number: no digit, no clause break, no other figure word
_GAP = r"[^\d，,。；;：:（(]{0,14}?"
_FIGURES: list[tuple[str, re.Pattern[str]]] = [
    (
        "applications_carried_over",
        re.compile(rf"(?:上年(?:度)?结转|结转上年度?|上一年度?结转)(?:的)?{_GAP}{_NUMBER}{_UNIT}"),
    ),
    (
        "applications_carried_forward",
        re.compile(rf"结转(?:至|到)?下(?:一)?年度?{_GAP}{_NUMBER}{_UNIT}"),
    ),
    (
        "applications_received",
        re.compile(
            rf"(?:收到|新收|接收到?|接到|受理)(?!率){_GAP}申请(?:共|总计|合计)?{_NUMBER}{_UNIT}"
        ),
    ),
    ("applications_completed", re.compile(rf"办结(?!率){_GAP}{_NUMBER}{_UNIT}")),
    (
        "reconsideration_cases",
        re.compile(rf"行政复议(?:案件|申请)?(?:共|总计|合计)?{_GAP}{_NUMBER}(件|起|宗)"),
    ),
    (
        "litigation_cases",
        re.compile(rf"行政诉讼(?:案件)?(?:共|总计|合计)?{_GAP}{_NUMBER}(件|起|宗)"),
    ),
]
# explicit zeros: a negation before the keyword, within one clause
_NEGATION = r"(?:未|没有|无)(?:发生|收到|接?收到|接到|受理|出现|产生|因)?"
_ZEROS: list[tuple[str, re.Pattern[str]]] = [
    (
        "applications_received",
        re.compile(rf"{_NEGATION}[^\d，,。；;]{{0,16}}?(?:公开申请|依申请公开)"),
    ),
    ("reconsideration_cases", re.compile(rf"{_NEGATION}[^\d，,。；;]{{0,24}}?行政复议")),
    ("litigation_cases", re.compile(rf"{_NEGATION}[^\d，,。；;]{{0,24}}?行政诉讼")),
]
SENTENCE_ENDS = "。；;!?！？"  # marks that end a sentence, full-width or folded
_SENTENCE_END = re.compile(f"(?<=[{SENTENCE_ENDS}])")
_CLAUSE_END = re.compile(r"[，,]")
# a clause about complaints, petitions or hotlines is not about disclosure applications
_OTHER_CHANNELS = re.compile(r"信访|热线|信箱|来信|来访|留言|投诉|举报|工单|督查")
_REVIEW_KEYS = ("reconsideration_cases", "litigation_cases")
_REVIEW_WORDS = re.compile(r"复议|诉讼")


def find_figures(lines: list[Line], sections: list[Section] | None = None) -> list[Figure]:
    """The figures stated in the prose, in reading order."""
    if sections is None:
        sections = find_sections(lines)
    review_lines = {
        n for s in sections if s.key == "reviews" for n in range(s.line_start, s.line_end + 1)
    }
    figures: list[Figure] = []
    for line in lines:
        if line.is_row or not any(ch.isdigit() or ch in "未没无" for ch in line.key):
            continue
        for sentence in filter(None, _SENTENCE_END.split(line.key)):
            about_disclosure = "公开" in sentence or line.number in review_lines
            for clause in filter(None, _CLAUSE_END.split(sentence)):
                figures.extend(_clause_figures(clause, sentence, line, about_disclosure))
    return figures


def _clause_figures(clause: str, sentence: str, line: Line, about_disclosure: bool) -> list[Figure]:
    if _OTHER_CHANNELS.search(clause):
        return []
    out: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for key, pattern in _FIGURES:
        if key in _REVIEW_KEYS and not about_disclosure:
            continue
        if key in ("applications_completed",) and "申请" not in sentence:
            continue
        for match in pattern.finditer(clause):
            span = match.span(1)
            if any(a <= span[0] < b for a, b in taken):
                continue  # the number already belongs to an earlier, more specific key
            taken.append(span)
            value = float(match.group(1).replace(",", ""))
            out.append(Figure(key, value, match.group(2), sentence, line))
    for key, pattern in _ZEROS:
        if key in _REVIEW_KEYS and not about_disclosure:
            continue
        if key == "applications_received" and _REVIEW_WORDS.search(clause):
            continue  # 没有因公开申请引起的行政复议: no review, said nothing of the applications
        if pattern.search(clause) and not any(f.key == key for f in out):
            out.append(Figure(key, 0.0, None, sentence, line))
    return out


def narrative_rows(lines: list[Line]) -> tuple[list[tuple], list[tuple]]:
    """Rows of raw.sections and raw.narrative_figures for one document (without its id)."""
    sections = find_sections(lines)
    figures = find_figures(lines, sections)
    return [s.row() for s in sections], [f.row(n) for n, f in enumerate(figures)]
