"""Section texts and narrative figures (loaders/parse/narrative.py) on lines written here."""

from __future__ import annotations

import pytest

from loaders.document import Line
from loaders.parse.narrative import find_figures, find_sections


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
