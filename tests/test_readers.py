"""Readers for HTML, PDF, DOCX and markdown, and the dispatcher, on inputs built in the tests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from loaders.document import Document, Line, ReadError
from loaders.readers import SUPPORTED_SUFFIXES, choose_format, read_file
from loaders.readers.docx import read_docx
from loaders.readers.html import read_html
from loaders.readers.markdown import read_markdown
from loaders.readers.pdf import read_pdf

from .builders import encrypted_pdf, image_only_pdf, zip_bomb_docx
from .conftest import REPORTS, needs_shared

HUAIAN = REPORTS / "huaian_2024.pdf"
TEMPLATE = REPORTS / "template_2021_blank.docx"
needs_reports = needs_shared(REPORTS)


def rows(doc: Document) -> list[Line]:
    return [line for line in doc.lines if line.is_row]


def row_starting(doc: Document, *labels: str) -> tuple[str, ...]:
    """Cells of the first row whose leading non-empty cells are `labels`."""
    for line in rows(doc):
        filled = [c for c in line.cells if c]
        if filled[: len(labels)] == list(labels):
            return line.cells
    raise AssertionError(f"no row starting with {labels}: {[r.cells for r in rows(doc)]}")


def check_numbering(doc: Document) -> None:
    assert [line.number for line in doc.lines] == list(range(1, len(doc.lines) + 1))
    for line in doc.lines:
        assert line.source
        if line.is_row:
            assert line.text == " ".join(c for c in line.cells if c)
        else:
            assert line.cells == (line.text,)


# ---------------------------------------------------------------- HTML

GRID_PAGE = """<html><body>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1">
<thead><tr><th colspan="2" rowspan="2">（本列数据的勾稽关系）</th><th colspan="3">申请人情况</th></tr>
<tr><th>自然人</th><th>商业<br/>企业</th><th>总计</th></tr></thead>
<tbody>
<tr><td colspan="2">一、本年新收政府信息公开申请数量</td><td>12</td><td>&nbsp;</td><td>12</td></tr>
<tr><td rowspan="3">（三）不予公开</td><td>1.属于国家秘密</td><td>1</td>
    <td><span><o:p></o:p></span></td><td>1</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td><td>2</td><td> </td><td>2</td></tr>
<tr><td>3.危及“三安全一稳定”</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td colspan="2">（七）总计</td><td>15</td><td>0</td><td>15</td></tr>
</tbody></table>
</body></html>"""


def test_html_table_rows_form_a_grid_with_spans_expanded() -> None:
    doc = read_html(GRID_PAGE.encode("utf-8"))
    check_numbering(doc)
    grid = [line.cells for line in rows(doc)]
    assert grid == [
        ("(本列数据的勾稽关系)", "", "申请人情况", "", ""),
        ("(本列数据的勾稽关系)", "", "自然人", "商业企业", "总计"),
        ("一、本年新收政府信息公开申请数量", "", "12", "", "12"),
        ("(三)不予公开", "1.属于国家秘密", "1", "", "1"),
        ("(三)不予公开", "2.其他法律行政法规禁止公开", "2", "", "2"),
        ("(三)不予公开", "3.危及“三安全一稳定”", "0", "0", "0"),
        ("(七)总计", "", "15", "0", "15"),
    ]
    assert [line.source for line in rows(doc)][:2] == ["table 1 row 1", "table 1 row 2"]
    assert doc.lines[0].text == "三、收到和处理政府信息公开申请情况"
    assert doc.lines[0].source == "p 1"


@pytest.mark.parametrize(
    "meta",
    [
        "<meta charset=gb2312>",
        '<meta http-equiv="Content-Type" content="text/html; charset=GBK">',
    ],
)
def test_html_declared_gbk_without_bom_is_decoded(meta: str) -> None:
    page = (
        f"<html><head>{meta}<title>年报</title></head><body>"
        "<h1>某某县2023年政府信息公开工作年度报告</h1>"
        "<p>全年共收到政府信息公开申请26件。</p></body></html>"
    )
    data = page.encode("gbk")
    assert not data.startswith(b"\xef\xbb\xbf")
    doc = read_file(Path("report.html"), data)
    assert doc.format == "html"
    assert doc.encoding == "gb18030"
    assert [line.text for line in doc.lines] == [
        "某某县2023年政府信息公开工作年度报告",
        "全年共收到政府信息公开申请26件。",
    ]


CHROME_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>某某市人民政府</title>
<style>.nav {{ color: red }}</style><script>var menu = "首页";</script></head>
<body>
<div class="header"><div class="logo">某某市人民政府门户网站</div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/gk">政府信息公开</a></li>
  <li><a href="/nb">信息公开年报</a></li></ul></div>
<nav><a href="/">走进某某</a> <a href="/">办事服务</a></nav>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/gk">年报</a></div>
<div class="main">
  <div class="left"><h3>栏目导航</h3><ul><li><a href="/a">信息公开指南</a></li>
    <li><a href="/b">信息公开制度</a></li></ul></div>
  <div class="content">
    <h1>某某市人民政府2023年政府信息公开工作年度报告</h1>
    <div class="info"><span>发布机构：某某市人民政府办公室</span>
      <span>发布日期：2024-01-20</span></div>
    <div id="zoom">
      <p>根据《中华人民共和国政府信息公开条例》要求，现公布本年度报告。{filler}</p>
      <p>一、总体情况</p><p>{filler}</p>
      <p>四、政府信息公开行政复议、行政诉讼情况</p>
      <table><tr><td colspan="5">行政复议</td></tr>
      <tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
      <tr><td>1</td><td>0</td><td>0</td><td>1</td><td>2</td></tr></table>
      <p>六、其他需要报告的事项</p><p>无。</p>
    </div>
    <div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
  </div>
</div>
<footer><p>主办单位：某某市人民政府办公室 地址：某某路1号 电话：0000-12345678</p>
<p>网站标识码 3200000000 备案号 苏ICP备12345678号</p></footer>
<script>document.write("统计代码");</script>
</body></html>"""


def test_html_site_chrome_is_dropped_and_metadata_kept() -> None:
    filler = "本机关认真贯彻落实条例要求，不断提高政府工作透明度。" * 6
    doc = read_html(CHROME_PAGE.format(filler=filler).encode("utf-8"))
    check_numbering(doc)
    text = doc.text
    for chrome in (
        "门户网站",
        "首页",
        "当前位置",
        "栏目导航",
        "分享到",
        "主办单位",
        "备案号",
        "统计",
    ):
        assert chrome not in text, chrome
    texts = [line.text for line in doc.lines]
    assert texts[0] == "某某市人民政府2023年政府信息公开工作年度报告"
    assert "发布机构:某某市人民政府办公室" in texts[1]
    assert "发布日期:2024-01-20" in texts[1]
    assert texts[-1] == "无。"
    assert row_starting(doc, "结果维持") == ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    assert row_starting(doc, "1") == ("1", "0", "0", "1", "2")


JS_PAGE = r"""<html><head><meta charset="utf-8"><title>年报</title></head><body>
<div class="top"><a href="/">首页</a></div>
<div id="ivs_content"></div>
<script type="text/javascript">
  let content = "<p style=\"text-align: center\">2019年某某市政府信息公开工作年度报告<\/p>\n<p>\u53d1\u5e03\u65e5\u671f\uff1a2020-01-31</p><p>" +
    "本年度报告根据《条例》编制。本机关共受理政府信息公开申请859件，依法予以答复。</p>" +
    "<table><tr><td rowspan=\"2\">行政复议</td><td>结果维持</td><td>5</td></tr>" +
    "<tr><td>总计</td><td>7</td></tr></table><p>六、其他需要报告的事项</p><p>无。</p>";
  document.getElementById("ivs_content").innerHTML = content;
</script>
</body></html>"""


def test_html_article_inside_a_javascript_string_is_unescaped_and_read() -> None:
    doc = read_html(JS_PAGE.encode("utf-8"))
    check_numbering(doc)
    texts = [line.text for line in doc.lines]
    assert texts[0] == "2019年某某市政府信息公开工作年度报告"
    assert texts[1] == "发布日期:2020-01-31"
    assert "共受理政府信息公开申请859件" in texts[2]
    assert [line.cells for line in rows(doc)] == [
        ("行政复议", "结果维持", "5"),
        ("行政复议", "总计", "7"),
    ]
    assert texts[-1] == "无。"
    assert "首页" not in doc.text
    assert any(issue.code == "js_article" for issue in doc.issues)


def test_html_visible_article_is_not_replaced_by_a_script_copy() -> None:
    page = (
        "<html><body><div><p>2023年度报告正文，全年共收到申请26件，已全部办结。</p></div>"
        '<script>var tip = "<p>提示</p>";</script></body></html>'
    )
    doc = read_html(page.encode("utf-8"))
    assert [line.text for line in doc.lines] == ["2023年度报告正文,全年共收到申请26件,已全部办结。"]


LAYOUT_PAGE = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>
<table width="1000"><tr><td colspan="2">某某县人民政府欢迎您</td></tr>
<tr><td width="200"><table><tr><td><a href="/">首页</a></td></tr>
  <tr><td><a href="/gk">信息公开</a></td></tr></table><p>友情链接</p></td>
<td><table><tr><td>索引号：</td><td>123-2024</td><td>发布日期：</td><td>2024-02-01</td></tr></table>
  <div class="WordSection1"><p>某某县2023年政府信息公开工作年度报告</p><p>{filler}</p>
  <table border="1"><tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>3</td></tr></table>
  <p>{filler}</p></div></td></tr>
<tr><td colspan="2">版权所有 某某县人民政府 地址：某某路</td></tr></table></body></html>"""


def test_html_old_layout_table_page_keeps_only_the_content_cell() -> None:
    filler = "本机关认真贯彻落实条例要求，不断提高政府工作透明度。" * 5
    doc = read_html(LAYOUT_PAGE.format(filler=filler).encode("gbk"))
    check_numbering(doc)
    assert doc.lines[0].cells == ("索引号:", "123-2024", "发布日期:", "2024-02-01")
    assert doc.lines[1].text == "某某县2023年政府信息公开工作年度报告"
    assert row_starting(doc, "行政规范性文件") == ("行政规范性文件", "3")
    for chrome in ("欢迎您", "首页", "友情链接", "版权所有"):
        assert chrome not in doc.text


# ---------------------------------------------------------------- DOCX


def _filled_template(tmp_path: Path) -> Path:
    document = docx.Document(str(TEMPLATE))
    disclosures, applications, reviews = document.tables
    disclosures.cell(2, 1).text = "3"  # 规章 本年制发件数
    disclosures.cell(3, 3).text = "41"  # 行政规范性文件 现行有效件数
    new_received = ["20", "3", "0", "1", "0", "2", "26"]
    for offset, value in enumerate(new_received):
        applications.cell(3, 3 + offset).text = value  # 一、本年新收 row, columns 自然人..总计
    applications.cell(7, 3).text = "4"  # （三）不予公开 1.属于国家秘密, 自然人
    for col in range(15):
        reviews.cell(3, col).text = str(col + 1)
    path = tmp_path / "filled.docx"
    document.save(str(path))
    return path


@needs_reports
def test_docx_filled_template_numbers_land_in_their_grid_cells(tmp_path: Path) -> None:
    path = _filled_template(tmp_path)
    doc = read_file(path, path.read_bytes())
    assert doc.format == "docx"
    check_numbering(doc)
    assert row_starting(doc, "规章") == ("规章", "3", "", "")
    assert row_starting(doc, "行政规范性文件") == ("行政规范性文件", "", "", "41")
    new = row_starting(doc, "一、本年新收政府信息公开申请数量")
    assert new == ("一、本年新收政府信息公开申请数量", "", "", "20", "3", "0", "1", "0", "2", "26")
    secret = row_starting(doc, "三、本年度办理结果", "(三)不予公开", "1.属于国家秘密")
    assert secret[3:] == ("4", "", "", "", "", "", "")
    # merged header cells: the vertical merge copies down, the horizontal span leaves ""
    header = next(line.cells for line in rows(doc) if line.cells[3] == "申请人情况")
    assert header[0].startswith("(本列数据的勾稽关系为") and header[1:3] == ("", "")
    assert header[4:] == ("", "", "", "", "", "")
    below = row_starting(doc, header[0], "自然人")
    assert below[:3] == (header[0], "", "") and below[3:5] == ("自然人", "法人或其他组织")
    assert row_starting(doc, "三、本年度办理结果", "(四)无法提供", "3.补正后申请内容仍不明确")
    review_values = [line.cells for line in rows(doc) if line.cells[:2] == ("1", "2")]
    assert review_values == [tuple(str(n) for n in range(1, 16))]
    # paragraphs and tables stay in document order
    texts = [line.text for line in doc.lines]
    heading = texts.index("三、收到和处理政府信息公开申请情况")
    assert texts.index(" ".join(c for c in new if c)) > heading
    assert texts.index("四、政府信息公开行政复议、行政诉讼情况") > heading


def test_docx_zip_bomb_is_refused_before_expanding(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "bomb.docx", zip_bomb_docx())
    assert error.value.code == "docx_too_large"


def test_docx_that_is_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "report.docx", "这不是Word文件".encode())
    assert error.value.code == "corrupt_docx"
    assert ".docx" in error.value.message


def test_docx_vertical_and_horizontal_merges_in_a_small_table() -> None:
    document = docx.Document()
    document.add_paragraph("标题段落")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "分组"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "表头"
    table.cell(1, 1).text = "a"
    table.cell(1, 2).text = "1"
    table.cell(2, 1).text = "b"
    table.cell(2, 2).text = "2"
    document.add_paragraph("结尾段落")
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_docx(buffer.getvalue())
    check_numbering(doc)
    assert [line.cells for line in doc.lines] == [
        ("标题段落",),
        ("分组", "表头", ""),
        ("分组", "a", "1"),
        ("分组", "b", "2"),
        ("结尾段落",),
    ]


def test_docx_runs_breaks_deletions_text_boxes_and_content_controls() -> None:
    # tab stops in paragraph properties are not text; a text box is read once, not again from
    # its VML fallback; deleted text is left out
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent>"
    tabs = '<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
    xml = (
        f'<w:body xmlns:w="{w}" xmlns:mc="{mc}">'
        f"<w:p>{tabs}<w:r><w:t>收到申请</w:t><w:tab/><w:t>12</w:t></w:r>"
        "<w:r><w:br/><w:t>件</w:t><w:noBreakHyphen/><w:t>续</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>插入</w:t></w:r></w:ins></w:p>"
        "<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent>"
        f'<mc:Choice Requires="wps"><w:drawing>{box}</w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        '<w:sdt><w:sdtPr><w:alias w:val="x"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>控件内</w:t>'
        '</w:r><w:r><w:ptab w:relativeTo="margin" w:alignment="right" w:leader="none"/>'
        "<w:t>右</w:t><w:cr/><w:t>次行</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        f'<w:tbl><w:tr><w:tc><w:tcPr><w:tcW w:w="100"/></w:tcPr><w:p>{tabs}<w:r><w:t>甲</w:t>'
        "</w:r></w:p><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1</w:t>"
        "</w:r></w:p><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body>"
    )
    document = docx.Document()
    body = document.element.body
    for child in list(body):
        body.remove(child)
    body.extend(list(etree.fromstring(xml)))
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_docx(buffer.getvalue())
    check_numbering(doc)
    assert [(line.cells, line.source) for line in doc.lines] == [
        (("收到申请 12",), "p 1"),
        (("件-续",), "p 1"),
        (("保留插入",), "p 2"),
        (("正文",), "p 3"),
        (("文本框",), "p 3"),
        (("控件内 右",), "p 4"),
        (("次行",), "p 4"),
        (("甲乙", "1 2"), "table 1 row 1"),
    ]


# ---------------------------------------------------------------- PDF


@needs_reports
def test_pdf_text_layer_pages_and_table_rows() -> None:
    doc = read_file(HUAIAN, HUAIAN.read_bytes())
    assert doc.format == "pdf"
    check_numbering(doc)
    assert all(line.source.startswith("page ") for line in doc.lines)
    assert {line.source.split()[1] for line in doc.lines} == {"1", "2", "3", "4", "5", "6"}
    secret = row_starting(doc, "(三)不予公开", "1.属于国家秘密")
    assert secret[-7:] == ("2", "0", "0", "0", "0", "0", "2")
    carried = row_starting(doc, "四、结转下年度继续办理")
    assert carried[-7:] == ("103", "0", "0", "0", "0", "0", "103")
    reviews = ("72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20")
    assert row_starting(doc, "72") == reviews
    texts = [line.text for line in doc.lines]
    assert not any(t.startswith("- ") and t.endswith(" -") for t in texts)  # page numbers
    # a sentence wrapped over two lines is one prose Line again
    assert any(
        "答复 3050 件(含上年度结转申请 34 件,另有 103 件顺延到下年度答复)" in t for t in texts
    )
    # the table continued on page 5 keeps going as rows there
    unclear = next(line for line in rows(doc) if "3.补正后申请内容仍不明确" in line.cells)
    assert unclear.source.startswith("page 5")


def _matplotlib_pdf(pages: list[list[tuple[float, float, str]]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buffer) as pdf:
        for texts in pages:
            figure = plt.figure(figsize=(6, 8))
            for x, y, text in texts:
                figure.text(x, y, text, fontsize=10)
            pdf.savefig(figure)
            plt.close(figure)
    return buffer.getvalue()


def test_pdf_running_headers_and_page_numbers_are_dropped() -> None:
    pages = []
    for n in (1, 2, 3):
        texts = [(0.1, 0.96, "Springfield Annual Report 2024")]
        texts += [(0.1, 0.8 - i * 0.08, f"Paragraph {i} of page {n}.") for i in range(3)]
        texts.append((0.48, 0.02, f"- {n} -"))
        pages.append(texts)
    doc = read_pdf(_matplotlib_pdf(pages))
    check_numbering(doc)
    assert [line.text for line in doc.lines][:3] == [
        "Paragraph 0 of page 1.",
        "Paragraph 1 of page 1.",
        "Paragraph 2 of page 1.",
    ]
    assert len(doc.lines) == 9
    assert doc.lines[-1].source == "page 3"


def test_pdf_without_text_layer_needs_ocr_when_ocr_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_OCR", "off")
    path = image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(ReadError) as error:
        read_file(path, path.read_bytes())
    assert error.value.code == "needs_ocr"
    assert "OCR" in error.value.message


@needs_reports
def test_truncated_pdf_is_a_clear_error(tmp_path: Path) -> None:
    data = HUAIAN.read_bytes()
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "cut.pdf", data[: len(data) // 2])
    assert error.value.code == "corrupt_pdf"
    assert "truncated" in error.value.message


def test_garbage_pdf_is_a_clear_error() -> None:
    with pytest.raises(ReadError) as error:
        read_pdf(b"%PDF-1.7\nnot really a pdf at all\n%%EOF\n")
    assert error.value.code == "corrupt_pdf"


def test_encrypted_pdf_is_a_clear_error() -> None:
    with pytest.raises(ReadError) as error:
        read_pdf(encrypted_pdf())
    assert error.value.code == "encrypted_pdf"


def test_png_named_pdf_is_read_as_the_image_it_is(tmp_path: Path) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, format="PNG")
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "report.pdf", buffer.getvalue())
    assert error.value.code == "ocr_no_text"  # a blank page: nothing to read


# ---------------------------------------------------------------- markdown


def test_markdown_markers_are_stripped_and_pipe_rows_split() -> None:
    text = (
        "# 某某局2024年政府信息公开工作年度报告\n\n"
        "> **一、总体情况**\n"
        "全年共收到申请 34 件。\n\n"
        "## 表二：主动公开政府信息情况\n"
        "| 信息内容 | 本年制发件数 | 本年废止件数 |\n"
        "|:---|---:|---|\n"
        "| 规章 | 0 | 0 |\n"
        "| 商业<br>企业 | a\\|b | __1__ |\n"
    )
    doc = read_markdown(text.encode("utf-8"))
    check_numbering(doc)
    assert doc.format == "md"
    assert [(line.source, line.cells) for line in doc.lines] == [
        ("line 1", ("某某局2024年政府信息公开工作年度报告",)),
        ("line 3", ("一、总体情况",)),
        ("line 4", ("全年共收到申请 34 件。",)),
        ("line 6", ("表二:主动公开政府信息情况",)),
        ("line 7", ("信息内容", "本年制发件数", "本年废止件数")),
        ("line 9", ("规章", "0", "0")),
        ("line 10", ("商业企业", "a|b", "1")),
    ]


def test_markdown_with_an_html_table_uses_the_grid_expansion() -> None:
    text = (
        "四、行政复议\n"
        '<table><tr><td colspan="2">行政复议</td></tr>\n'
        "<tr><td>结果维持</td><td>总计</td></tr><tr><td>1</td><td>1</td></tr></table>\n"
        "五、存在的主要问题\n"
    )
    doc = read_markdown(text.encode("utf-8"))
    check_numbering(doc)
    assert [line.cells for line in doc.lines] == [
        ("四、行政复议",),
        ("行政复议", ""),
        ("结果维持", "总计"),
        ("1", "1"),
        ("五、存在的主要问题",),
    ]


# ---------------------------------------------------------------- dispatcher


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("某某县2023年政府信息公开工作年度报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_dispatcher_trusts_magic_bytes_over_the_extension(tmp_path: Path) -> None:
    pdf = _matplotlib_pdf([[(0.1, 0.5, "Annual report body text")]])
    html = "<!DOCTYPE html><html><body><p>年度报告</p></body></html>".encode()
    assert choose_format(tmp_path / "report.txt", pdf) == "pdf"
    assert choose_format(tmp_path / "report", _docx_bytes()) == "docx"
    assert choose_format(tmp_path / "report.txt", html) == "html"
    assert choose_format(tmp_path / "fragment.HTML", "<p>年度报告</p>".encode()) == "html"
    assert choose_format(tmp_path / "report.MD", "# 年度报告".encode()) == "md"
    assert choose_format(tmp_path / "report.text", "年度报告".encode()) == "txt"
    assert read_file(tmp_path / "report.bin", _docx_bytes()).format == "docx"
    misnamed = read_file(tmp_path / "report.txt", pdf)
    assert misnamed.lines[0].text == "Annual report body text"
    assert [issue.code for issue in misnamed.issues] == ["format_mismatch"]
    assert read_file(tmp_path / "report.pdf", html).format == "html"  # a saved page, misnamed
    assert read_file(tmp_path / "report.shtml", html).format == "html"
    assert read_file(tmp_path / "report.txt", "一、总体情况".encode()).format == "txt"
    assert {".pdf", ".docx", ".html", ".htm", ".shtml", ".md", ".txt"} <= SUPPORTED_SUFFIXES


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("report.csv", "规章,0,0".encode(), "unsupported_format", ".csv"),
        ("report.txt", b"   \n", "empty_file", "empty"),
        ("report.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 16, "corrupt_image", "decoded"),
        ("report.gif", b"GIF89a" + b"\0" * 16, "unsupported_format", "GIF"),
    ],
)
def test_dispatcher_refuses_what_no_reader_handles(
    tmp_path: Path, name: str, data: bytes, code: str, words: str
) -> None:
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / name, data)
    assert error.value.code == code
    assert words in error.value.message


def test_dispatcher_names_a_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("meta.json", json.dumps({"a": 1}))
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "report.docx", buffer.getvalue())
    assert error.value.code == "unsupported_format"
    assert "Excel" in error.value.message
