"""Renderers of synthetic reports: the same blocks printed as txt, md, html, docx or pdf.

Each renderer imitates how that kind of file looks in the wild: text files are extractions with
tab-separated table rows (merged cells leave empty cells or nothing at all), markdown has pipe
tables (spans repeated as converters do, or left out), HTML pages carry site chrome around real
`<table>`s with rowspan/colspan, Word files have merged cells, PDFs have ruled tables. All output
is deterministic: same blocks and style, same bytes.
"""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import dataclass

from loaders.synthetic.tables import REVIEW_HEADERS, Row, Table, expand, figures

# A block of the report: (kind, payload); kind in title | heading | para | table | signoff | meta
Block = tuple[str, object]


@dataclass(frozen=True)
class Style:
    txt_grid: bool = True  # txt: merged cells leave empty cells (False: only origin cells)
    trailing_tab: bool = False  # txt: rows end with a stray tab
    md_repeat: bool = False  # md: spanned text repeated in every cell it covers
    title_lines: int = 1  # 2: organ name on its own line above "YYYY年…年度报告"
    html_meta: bool = True  # html: 发布机构 / 发布日期 block above the article
    # md: as PDF-to-Markdown converters print: page furniture above the title, table 三 cut into
    # one small table per row group under its own heading with placeholder headers, table 四 as
    # three five-column tables under 行政复议 / 行政诉讼 headings, header rows repeated where a
    # page broke, figures with thousands separators
    md_converter: bool = False
    txt_vertical: bool = False  # txt: a table copied from a web page, one cell a line


# ---------------------------------------------------------------- text rows (txt and md)


def _positions(table: Table) -> list[list[int]]:
    """Grid column of each origin cell, per row (the same walk as `expand`)."""
    taken: set[tuple[int, int]] = set()
    out: list[list[int]] = []
    for r, row in enumerate(table.rows):
        cols, c = [], 0
        for cell in row.cells:
            while (r, c) in taken:
                c += 1
            cols.append(c)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        out.append(cols)
    return out


def _split_header(cells: list[str]) -> list[list[str]]:
    """Narrow header words printed one character above the rest (a PDF extraction artefact)."""
    top, rest = [], []
    for text in cells:
        if len(text) == 4 and not text.isascii():
            top.append(text[0])
            rest.append(" ".join(text[1:]))
        else:
            top.append(text)
            rest.append("")
    return [top, rest]


def text_rows(table: Table, grid: bool, repeat: bool = False) -> list[list[str]]:
    """Rows of cell texts as a text extraction prints them, row accidents applied."""
    matrix = expand(table, repeat=repeat)
    positions = _positions(table)
    out: list[list[str]] = []
    for r, row in enumerate(table.rows):
        origin = list(range(len(row.cells)))
        if grid or repeat:
            cells = list(matrix[r])
            origin = positions[r]
        else:
            cells = [c.text for c in row.cells]
        fig_at = [origin[i] for i in _figure_indexes(row)]
        label_at = origin[row.n_labels - 1] if row.n_labels else None
        if row.split_header:
            out.extend(_split_header(cells))
            continue
        cells = _row_accidents(row, cells, fig_at)
        if row.label_break and label_at is not None:
            out.extend(_broken(cells, label_at, fig_at, row.label_break))
        else:
            out.append(cells)
    return out


def _figure_indexes(row: Row) -> list[int]:
    return [i for i in range(row.n_labels, len(row.cells)) if not row.cells[i].pad]


def _row_accidents(row: Row, cells: list[str], fig_at: list[int]) -> list[str]:
    if row.extra_value is not None and fig_at:
        cells.insert(fig_at[-1] + 1, row.extra_value)
    if row.drop_value is not None and fig_at:
        del cells[fig_at[row.drop_value]]
    return cells


def _broken(
    cells: list[str], label_at: int, fig_at: list[int], brk: tuple[int, bool]
) -> list[list[str]]:
    """A label wrapped onto a second line; the figures stay on the first or move down."""
    at, figures_below = brk
    label = cells[label_at]
    first, second = list(cells), [""] * len(cells)
    first[label_at], second[label_at] = label[:at], label[at:]
    if figures_below:
        for i in range(label_at + 1, len(cells)):
            second[i], first[i] = first[i], ""
        for i in range(label_at):  # group labels stay on the first line
            second[i] = ""
    return [first, second]


# ---------------------------------------------------------------- txt


def render_txt(blocks: list[Block], style: Style) -> bytes:
    out: list[str] = ["", ""]
    for kind, payload in blocks:
        if kind == "table" and style.txt_vertical:
            assert isinstance(payload, Table)
            out += [c for cells in text_rows(payload, grid=False) for c in cells if c] + [""]
            continue
        if kind == "table":
            assert isinstance(payload, Table)
            for cells in text_rows(payload, style.txt_grid):
                line = "\t".join(cells)
                if style.trailing_tab:
                    line += "\t"
                out.append(line)
            out.append("")
            continue
        out.append(str(payload))
        out.append("")
    return "\n".join(out).encode("utf-8")


# ---------------------------------------------------------------- md


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_md_row(header), "|" + "---|" * len(header), *map(_md_row, rows), ""]


def _thousands(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() and len(text) > 3 else text


def _converter_applications(table: Table) -> list[str]:
    """Table 三 as converters print it: the applicant header once, then every row group as its
    own small table (placeholder headers 数据1…数据7) under a heading naming the group."""
    out: list[str] = []
    names = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    placeholders = [f"数据{i}" for i in range(1, 8)]
    current: list[list[str]] = []
    header = ["项目", *names]

    def flush() -> None:
        nonlocal current, header
        if current:
            out.extend(_md_table(header, current))
        current, header = [], ["项目", *placeholders]

    for row in table.rows[3:]:
        labels = [c.text for c in row.cells[: row.n_labels]]
        for heading in labels[:-1]:  # a group cell (rowspan) opens a new small table
            flush()
            out += [f"### {' '.join(heading.split())}", ""]
        label = row.label_as or (labels[-1] if labels else "")
        cells = [label, *(_thousands(c.text) for c in figures(row))]
        cells = _row_accidents(row, cells, list(range(1, len(cells))))
        if label.startswith("四、") and current:
            flush()  # 结转下年度 after a page break: the header printed again
            current.append(["项目", *names])
        if row.label_break:
            current.extend(_broken(cells, 0, list(range(1, len(cells))), row.label_break))
        else:
            current.append(cells)
    flush()
    return out


def _converter_disclosures(table: Table) -> list[str]:
    """Table 二 as converters print it: the article line as a heading, then each block as its own
    table whose header lost its measure names (项目 | 数量, 项目 | 数据1 | 数据2 …)."""
    out: list[str] = []
    header: list[str] = []
    current: list[list[str]] = []
    for row in table.rows:
        texts = [c.text for c in row.cells]
        if row.row_key is None and len(texts) == 1:
            if current:
                out += _md_table(header, current)
            out += [f"**{texts[0]}**", ""]
            current = []
        elif row.row_key is None and any("单位" in t for t in texts):
            header = [t for t in texts if t]  # a header that states a unit is kept
        elif row.row_key is None:
            n = len([t for t in texts[1:] if t])
            header = (
                ["项目", "数量"] if n == 1 else ["项目", *(f"数据{i}" for i in range(1, n + 1))]
            )
        else:
            current.append([texts[0], *(_thousands(c.text) for c in figures(row))])
    if current:
        out += _md_table(header, current)
    return out


def _converter_reviews(table: Table) -> list[str]:
    """Table 四 as three five-column tables under 行政复议 / 行政诉讼 headings."""
    values = [_thousands(c.text) for c in table.rows[-1].cells]
    headers = list(REVIEW_HEADERS)
    out = ["**行政复议**", ""] + _md_table(headers, [values[:5]])
    out += ["**行政诉讼**", "", "未经复议直接起诉", ""] + _md_table(headers, [values[5:10]])
    return out + ["复议后起诉", ""] + _md_table(headers, [values[10:]])


def render_md(blocks: list[Block], style: Style) -> bytes:
    out: list[str] = []
    if style.md_converter:
        out += ["首页 > 政务公开 > 政府信息公开年报", "", "分享到： 【字号：大 中 小】 打印", ""]
    for kind, payload in blocks:
        if kind == "table" and style.md_converter and payload.kind == "applications":
            out += _converter_applications(payload)
            continue
        if kind == "table" and style.md_converter and payload.kind == "disclosures":
            out += _converter_disclosures(payload)
            continue
        if kind == "table" and style.md_converter and payload.kind == "reviews":
            out += _converter_reviews(payload)
            continue
        if kind == "table":
            assert isinstance(payload, Table)
            rows = text_rows(payload, grid=False, repeat=style.md_repeat)
            for i, cells in enumerate(rows):
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
                if i == 0:
                    out.append("|" + "---|" * len(cells))
            out.append("")
            continue
        text = str(payload)
        if kind == "title":
            out.append(f"# {text}")
        elif kind == "heading":
            out.append(f"## {text}" if text[:1] in "一二三四五六七八九" else f"**{text}**")
        else:
            out.append(text)
        out.append("")
    return "\n".join(out).encode("utf-8")


# ---------------------------------------------------------------- html

_HTML_HEAD = (
    '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    "<title>{title}</title>\n"
    '<link rel="stylesheet" href="/css/site.css">\n</head>\n<body>\n'
    '<div class="header"><div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
    '<a href="/zwfw/">政务服务</a> <a href="/hdjl/">互动交流</a></div></div>\n'
    '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; '
    '<a href="/zwgk/ndbg/">政府信息公开年报</a></div>\n'
    '<div class="main"><div class="article">\n'
)
_HTML_FOOT = (
    "</div></div>\n"
    '<div class="footer"><p>主办单位：{site}</p><p>网站标识码：{code}</p></div>\n'
    "</body>\n</html>\n"
)


def _td(text: str, rowspan: int, colspan: int, vertical: bool = False) -> str:
    attrs = ""
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    body = "<br>".join(html.escape(ch) for ch in text) if vertical else html.escape(text)
    return f'<td{attrs} valign="middle"><p align="center">{body}</p></td>'


def _html_table(table: Table) -> str:
    parts = ['<table border="1" cellspacing="0" cellpadding="0" align="center"><tbody>']
    for row in table.rows:
        tds = []
        dropped = None
        if row.drop_value is not None:
            dropped = _figure_indexes(row)[row.drop_value]
        for i, cell in enumerate(row.cells):
            if i == dropped:
                continue
            text = cell.text
            if row.label_break and i == row.n_labels - 1:
                at = row.label_break[0]
                text = text[:at] + "\n" + text[at:]
            vertical = row.split_header and len(text) == 4
            td = _td(text, cell.rowspan, cell.colspan, vertical)
            tds.append(td.replace("\n", "<br>"))
        if row.extra_value is not None:
            tds.append(_td(row.extra_value, 1, 1))
        parts.append("<tr>" + "".join(tds) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def render_html(blocks: list[Block], style: Style, site: str, code: str) -> bytes:
    title = next((str(p) for k, p in blocks if k == "title"), "")
    out = [_HTML_HEAD.format(title=html.escape(title))]
    for kind, payload in blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            out.append(_html_table(payload))
            continue
        text = html.escape(str(payload))
        if kind == "title":
            out.append(f'<h1 class="title">{text}</h1>')
        elif kind == "meta":
            if style.html_meta:
                out.append(f'<div class="info">{text}</div>')
        elif kind == "heading":
            out.append(f'<p style="text-indent:2em;"><strong>{text}</strong></p>')
        elif kind == "signoff":
            out.append(f'<p style="text-align:right;">{text}</p>')
        else:
            out.append(f'<p style="text-indent:2em;line-height:2;">{text}</p>')
    out.append(_HTML_FOOT.format(site=html.escape(site), code=code))
    return "\n".join(out).encode("utf-8")


# ---------------------------------------------------------------- docx

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def render_docx(blocks: list[Block], style: Style) -> bytes:
    import datetime

    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    props = document.core_properties
    fixed = datetime.datetime(2020, 1, 1)
    props.created = props.modified = fixed
    props.last_modified_by = props.author = ""
    props.revision = 1
    for kind, payload in blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            _docx_table(document, payload)
            continue
        text = str(payload)
        if kind == "meta":
            continue
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if kind in ("title", "heading"):
            run.bold = True
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "signoff":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _docx_table(document, table: Table) -> None:
    """A Word table with merged cells written as OOXML (gridSpan / vMerge), as Word saves it.

    Built directly: python-docx's cell.merge() is quadratic and takes most of a second per
    report, which matters when a benchmark asks for thousands of files.
    """
    from docx.oxml import parse_xml

    positions = _positions(table)
    starts: dict[tuple[int, int], tuple[object, bool]] = {}  # (row, col) -> (cell, is_origin)
    for r, (row, cols) in enumerate(zip(table.rows, positions, strict=True)):
        for cell, c in zip(row.cells, cols, strict=True):
            starts[(r, c)] = (cell, True)
            for dr in range(1, cell.rowspan):
                starts[(r + dr, c)] = (cell, False)
    width = 9000 // table.width
    parts = [
        (
            f'<w:tbl {_W_NS}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
            '<w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/></w:tblPr><w:tblGrid>'
        ),
        f'<w:gridCol w:w="{width}"/>' * table.width,
        "</w:tblGrid>",
    ]
    for r, row in enumerate(table.rows):
        parts.append("<w:tr>")
        c = 0
        while c < table.width:
            found = starts.get((r, c))
            if found is None:  # a ragged row: fill the grid as Word does
                parts.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p/></w:tc>'
                )
                c += 1
                continue
            cell, origin = found
            props = f'<w:tcW w:w="{width * cell.colspan}" w:type="dxa"/>'
            if cell.colspan > 1:
                props += f'<w:gridSpan w:val="{cell.colspan}"/>'
            if cell.rowspan > 1:
                props += '<w:vMerge w:val="restart"/>' if origin else "<w:vMerge/>"
            text = cell.text if origin else ""
            if origin and row.split_header and len(text) == 4:
                text = "\n".join(text)
            elif origin and row.label_break and cell is row.cells[row.n_labels - 1]:
                at = row.label_break[0]
                text = text[:at] + "\n" + text[at:]
            parts.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{_docx_paragraphs(text)}</w:tc>")
            c += cell.colspan
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    body = document.element.body
    if body.sectPr is not None:
        body.sectPr.addprevious(tbl)
    else:
        body.append(tbl)


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_paragraphs(text: str) -> str:
    if not text:
        return "<w:p/>"
    runs = "<w:r><w:br/></w:r>".join(
        f'<w:r><w:t xml:space="preserve">{html.escape(line, quote=False)}</w:t></w:r>'
        for line in text.split("\n")
    )
    return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{runs}</w:p>'


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and order, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- pdf

_PDF_FONT = "STSong-Light"  # an Adobe CID font every reader maps; nothing to embed or download


def pdf_available() -> bool:
    try:
        import reportlab  # noqa: F401
    except ImportError:
        return False
    return True


def render_pdf(blocks: list[Block], style: Style) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))
    body = ParagraphStyle(
        "body", fontName=_PDF_FONT, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21
    )
    title = ParagraphStyle(
        "title", parent=body, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0
    )
    heading = ParagraphStyle("heading", parent=body, firstLineIndent=0)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    cell_style = ParagraphStyle(
        "cell", fontName=_PDF_FONT, fontSize=7.5, leading=9.5, wordWrap="CJK", alignment=TA_CENTER
    )
    frame_width = A4[0] - 54 * mm
    story = []
    for kind, payload in blocks:
        if kind == "table":
            assert isinstance(payload, Table)
            grid = expand(payload)
            # only long labels need wrapping; a Paragraph per cell costs most of the run time
            data = [
                [Paragraph(html.escape(t), cell_style) if len(t) > 6 else t for t in r]
                for r in grid
            ]
            commands = [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), _PDF_FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ]
            for r, (row, cols) in enumerate(zip(payload.rows, _positions(payload), strict=True)):
                for cell, c in zip(row.cells, cols, strict=True):
                    if cell.rowspan > 1 or cell.colspan > 1:
                        end = (c + cell.colspan - 1, r + cell.rowspan - 1)
                        commands.append(("SPAN", (c, r), end))
            table = PdfTable(data, colWidths=_pdf_widths(payload, frame_width), repeatRows=0)
            table.setStyle(TableStyle(commands))
            story.extend([table, Spacer(1, 6)])
            continue
        if kind == "meta":
            continue
        text = html.escape(str(payload))
        chosen = {"title": title, "heading": heading, "signoff": right}.get(kind, body)
        story.append(Paragraph(text, chosen))
    buffer = io.BytesIO()
    # GB/T 9704 公文 margins: 37 mm top, 35 mm bottom, 28 mm left, 26 mm right
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()


def _pdf_widths(table: Table, total: float) -> list[float]:
    if table.kind == "applications":
        label = [0.08, 0.09, 0.27]
        rest = (1 - sum(label)) / 7
        return [total * w for w in label + [rest] * 7]
    if table.kind == "statistics":
        return [total * 0.7, total * 0.12, total * 0.18]
    if table.kind == "disclosures":
        first = 0.31
        return [total * first] + [total * (1 - first) / (table.width - 1)] * (table.width - 1)
    return [total / table.width] * table.width
