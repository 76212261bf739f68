"""Section texts and narrative figures (loaders/parse/narrative.py) on lines written here."""

from __future__ import annotations

import pytest

from loaders.document import Line
from loaders.parse.narrative import find_figures, find_sections
from loaders.parse.sections import section_spans


def lines(*texts: str) -> list[Line]:
    return [Line(n, t, tuple(t.split("\t")), f"line {n}") for n, t in enumerate(texts, start=1)]


def figures(text: str, *before: str) -> list[tuple[str, float]]:
    return [(f.key, f.value) for f in find_figures(lines(*before, text))]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("全年共收到政府信息公开申请12件，上年结转3件。", [("applications_received", 12), ("applications_carried_over", 3)]),
        ("本年度新收政府信息公开申请5件，结转上年度申请1件。", [("applications_received", 5), ("applications_carried_over", 1)]),
        ("共办结政府信息公开申请14件，结转下年度继续办理1件。", [("applications_completed", 14), ("applications_carried_forward", 1)]),
        ("发生政府信息公开行政复议2件，行政诉讼1起。", [("reconsideration_cases", 2), ("litigation_cases", 1)]),
        ("本年度未收到政府信息公开申请。", [("applications_received", 0)]),
        ("没有因政府信息公开申请引起的行政复议和行政诉讼。", [("reconsideration_cases", 0), ("litigation_cases", 0)]),
        # complaints, hotlines and petitions are other figures
        ("全年受理群众来信来访7件，均已按期办结。", []),
        ("本年度共受理信访件9件，办结率100%。", []),
        # a 司法局's own caseload says nothing of disclosure
        ("全年办理行政复议案件120件。", []),
    ],
)  # fmt: skip
def test_figures_the_prose_states(sentence, expected):
    assert figures(sentence) == expected


def test_a_figure_keeps_its_sentence_and_line():
    (figure,) = find_figures(lines("标题", "一、总体情况", "全年收到公开申请3件。"))
    assert (figure.line.number, figure.line.source, figure.sentence) == (
        3,
        "line 3",
        "全年收到公开申请3件。",
    )


def test_sections_by_their_titles_with_prose_only():
    found = find_sections(
        lines(
            "某局2021年政府信息公开工作年度报告",
            "一、总体情况",
            "（一）主动公开政府信息情况",  # a sub-heading repeating a section's words
            "本局全面推进政务公开。",
            "二、主动公开政府信息情况",
            "信息内容\t本年制发件数",
            "三、收到和处理政府信息公开申请情况",
            "六、其他需要报告的事项",
            "无。",
        )
    )
    spans = [(s.key, s.line_start, s.line_end) for s in found]
    assert spans == [
        ("preamble", 1, 1),
        ("overview", 2, 4),
        ("disclosures", 5, 6),
        ("applications", 7, 7),
        ("other", 8, 9),
    ]
    disclosures = found[2]
    assert disclosures.text == "二、主动公开政府信息情况"  # the table row is left out


def test_the_2007_sections_as_the_table_parsers_and_the_narrative_read_them():
    found = section_spans(
        lines(
            "某县人民政府2012年政府信息公开工作年度报告",
            "一、概述",
            "（二）依申请公开情况",  # a sub-heading: section 三's numbered title wins
            "二、主动公开政府信息情况",
            "三、依申请公开政府信息情况",
            "四、政府信息公开的收费及减免情况",
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            "本年度没有其他需要报告的事项，下一年度将继续加强政府信息公开工作，不断提高公开的质量和水平。",
            "六、政府信息公开工作存在的主要问题和改进措施",
            "加强培训。",
        )
    )
    assert list(found.items()) == [
        ("overview", (1, 3)),
        ("disclosures", (3, 4)),
        ("applications", (4, 5)),
        ("fees", (5, 6)),
        ("reviews", (6, 8)),  # the long line names 其他需要报告的事项 in prose: not a title
        ("problems", (8, 10)),
    ]
