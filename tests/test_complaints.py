from loaders.document import Line
from loaders.parse.complaints import find_complaints


def complaints(text: str) -> dict[str, float]:
    line = Line(1, text, (text,), "line 1")
    return {c.channel_key: c.value for c in find_complaints([line])}


def test_each_figure_belongs_to_the_nearest_channel_before_it():
    assert complaints("2020年办结市长信箱2件，市长热线1件，未发生舆情事件。") == {
        "leader_mailbox": 2,
        "hotline": 1,
    }


def test_the_hotline_number_itself_is_not_a_figure():
    assert complaints("通过 12345 解决市民反映的问题 19 条") == {"hotline": 19}


def test_no_figure_across_a_sentence_break_or_for_rates():
    assert complaints("开通市长信箱。全年发布信息 30 条，办结率100%") == {}


def test_first_mention_wins_and_evidence_is_the_sentence():
    line = Line(7, "共受理信访件 8 件，涉及工资等 7 件。", ("",), "line 7")
    (found,) = find_complaints([line])
    assert (found.channel_key, found.value, found.line.number) == ("petition", 8, 7)
    assert found.evidence == "共受理信访件 8 件，涉及工资等 7 件。"


def test_a_figure_is_never_glued_together_across_a_line_end():
    lines = [
        Line(1, "000000000000012345:1", ("000000000000012345:1",), "line 1"),
        Line(2, "0件", ("0件",), "line 2"),
    ]
    assert {c.channel_key: c.value for c in find_complaints(lines)} == {"hotline": 0}
