from loaders.characters import normalise_cell, normalise_text, squeeze
from loaders.readers.text import decode, lines_from_text, read_text


def test_full_width_digits_and_punctuation_fold():
    assert normalise_text("（一）１２３，４５") == "(一)123,45"


def test_odd_spaces_become_plain_and_tabs_survive():
    assert normalise_text("a\u3000\u00a0b\tc") == "a b\tc"


def test_squeeze_joins_split_header_characters():
    assert squeeze(normalise_cell("不 予 公 开")) == "不予公开"


def test_utf8_with_and_without_bom_and_gbk_are_detected():
    text = "青铜峡工业园区管委会 2020 年政府信息公开工作年度报告"
    assert decode(text.encode("utf-8")) == (text, "utf-8")
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    decoded, encoding = decode(text.encode("gbk"))
    assert decoded == text and encoding == "gb18030"


def test_tab_rows_keep_leading_empty_cells():
    (line,) = lines_from_text("\t\t0\t１ ", "txt", "utf-8").lines
    assert line.cells == ("", "", "0", "1")


def test_pipe_rows_are_cells_and_rules_are_dropped():
    doc = read_text("| 信息内容 | 本年制发件数 |\n| --- | --- |\n| 规章 | 3 |\n".encode())
    assert [line.cells for line in doc.lines] == [("信息内容", "本年制发件数"), ("规章", "3")]


def test_folding_agrees_with_full_nfkc_on_the_compatibility_blocks():
    import unicodedata

    sample = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "⼀⽇①Ⅻ﹙ｶ²"
    assert normalise_text(sample) == unicodedata.normalize("NFKC", sample)
