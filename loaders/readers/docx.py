"""Word (.docx) reports: body paragraphs and tables in document order, merged cells expanded.

Only the main document part is read: its name from the package relationships, its XML parsed
with lxml as python-docx parses it (blank text dropped, entities not resolved), without building
python-docx's model of every other part. The body is walked directly because `doc.paragraphs`
and `doc.tables` lose the order between them, and `row.cells` repeats a merged cell's text
across every column it spans (we want the text once, then "").
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

from loaders.document import Document, Line, ReadError
from loaders.readers import join_breaks, prose_line, row_line

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
# python-docx's own parser settings: the same tree, without its element classes
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements that only wrap other body/row/cell content (content controls, custom XML, smart tags).
_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag"}

MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # tiny parts compress absurdly well and are harmless
MAX_MEMBERS = 10_000


def check_package(data: bytes) -> None:
    """Refuse zip bombs from the central directory alone, before anything is inflated.

    zipfile stops inflating a member at its declared size, so these declared sizes bound
    what python-docx can ever expand.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ReadError("corrupt_docx", f"the .docx is not a readable zip package ({exc})") from exc
    total = sum(info.file_size for info in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_TOTAL_BYTES:
        raise ReadError(
            "docx_too_large",
            f"the .docx would expand to {total / 2**20:.0f} MiB in {len(infos)} parts; "
            "a report is far smaller: check the file (zip bomb?) or convert it to PDF",
        )
    for info in infos:
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ReadError(
                "docx_too_large",
                f"part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}"
                ":1, which no real document is: refusing to expand it (zip bomb?)",
            )


def _children(el: etree._Element) -> Iterator[etree._Element]:
    """Direct content children, looking through content-control and custom-XML wrappers."""
    for child in el:
        if child.tag in _WRAPPERS:
            yield from _children(child)
        elif isinstance(child.tag, str):
            yield child


_T, _TAB, _PTAB, _BR, _CR, _HYPHEN, _P = (
    f"{_W}{n}" for n in ("t", "tab", "ptab", "br", "cr", "noBreakHyphen", "p")
)
_SPACES = {_TAB: " ", _PTAB: " ", _BR: "\n", _CR: "\n", _HYPHEN: "-"}
# what the text leaves out, or reads elsewhere: a paragraph holding one of these is walked
_SKIPPED = {_MC_FALLBACK, f"{_W}del", f"{_W}txbxContent"}
_FOUND_TAGS = (_T, _TAB, _PTAB, _BR, _CR, _HYPHEN, _P, *_SKIPPED)


def _text(el: etree._Element, extra: list[str] | None = None) -> str:
    """Text of a paragraph or cell; breaks become newlines, text boxes go to `extra`."""
    # most paragraphs: the text-bearing elements, found by libxml2 in document order
    parts: list[str] = []
    for node in el.iter(*_FOUND_TAGS):
        tag = node.tag
        if tag == _T:
            parts.append(node.text or "")
        elif tag == _P:
            if node is not el and parts:
                parts.append("\n")
        elif tag in _SKIPPED:
            return _walked_text(el, extra)
        else:
            parts.append(_SPACES[tag])
    return "".join(parts)


def _walked_text(el: etree._Element, extra: list[str] | None = None) -> str:
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        for child in node:
            tag = child.tag
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                parts.append(" ")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == f"{_W}p":
                if parts:
                    parts.append("\n")
                visit(child)
            elif tag == f"{_W}txbxContent" and extra is not None:
                extra.extend(_text(p) for p in child.iter(f"{_W}p"))
            elif tag in (_MC_FALLBACK, f"{_W}del", f"{_W}txbxContent"):
                continue  # duplicate VML copy, deleted text, a text box read elsewhere
            elif isinstance(tag, str):
                visit(child)

    visit(el)
    return "".join(parts)


_VAL = f"{_W}val"


def _int_attr(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(_VAL, default)))
    except ValueError:
        return default


_TR, _TC, _TR_PR, _GRID_BEFORE, _GRID_AFTER = (
    f"{_W}{n}" for n in ("tr", "tc", "trPr", "gridBefore", "gridAfter")
)
_TC_PR, _GRID_SPAN, _VMERGE, _HMERGE = (
    f"{_W}{n}" for n in ("tcPr", "gridSpan", "vMerge", "hMerge")
)


def table_grid(tbl: etree._Element) -> list[tuple[str, ...]]:
    """A table as a grid: vMerge continuations copy the text above, gridSpan pads with ""."""
    grid: list[list[str]] = []
    for tr in _children(tbl):
        if tr.tag != _TR:
            continue
        above = grid[-1] if grid else []
        row: list[str] = [""] * _int_attr(_row_prop(tr, _GRID_BEFORE), 0)
        for tc in _children(tr):
            if tc.tag != _TC:
                continue
            span = vmerge = hmerge = None
            for props in tc:  # the first <w:tcPr> only (it is the first child, as a rule)
                if props.tag == _TC_PR:
                    span, vmerge, hmerge = _cell_props(props)
                    break
            col = len(row)
            if vmerge is not None and vmerge.get(_VAL, "continue") == "continue":
                text = above[col] if col < len(above) else ""
            elif hmerge is not None and hmerge.get(_VAL, "continue") == "continue":
                text = ""
            else:
                text = join_breaks(_text(tc))
            row.append(text)
            if span is not None:
                row.extend([""] * (max(1, min(_int_attr(span, 1), 100)) - 1))
        row.extend([""] * _int_attr(_row_prop(tr, _GRID_AFTER), 0))
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    return [tuple(r + [""] * (width - len(r))) for r in grid]


def _row_prop(tr: etree._Element, tag: str) -> etree._Element | None:
    """The first `tag` in the row's <w:trPr> elements."""
    for props in tr.iterchildren(_TR_PR):
        for found in props.iterchildren(tag):
            return found
    return None


def _cell_props(
    props: etree._Element,
) -> tuple[etree._Element | None, etree._Element | None, etree._Element | None]:
    """The first gridSpan, vMerge and hMerge of a cell's <w:tcPr>."""
    found: dict[str, etree._Element] = {}
    for child in props:
        if child.tag in _MERGES:
            found.setdefault(child.tag, child)
    return found.get(_GRID_SPAN), found.get(_VMERGE), found.get(_HMERGE)


_MERGES = {_GRID_SPAN, _VMERGE, _HMERGE}


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document part's name, from the package relationships (word/document.xml)."""
    try:
        rels = etree.fromstring(archive.read("_rels/.rels"), _PARSER)
    except (KeyError, etree.XMLSyntaxError):
        return "word/document.xml"
    for rel in rels.iter(_RELS):
        if rel.get("Type") in _OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
            return (rel.get("Target") or "word/document.xml").lstrip("/")
    return "word/document.xml"


def document_body(data: bytes) -> etree._Element:
    """The <w:body> of the package's main document part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(_main_part(archive))
        root = etree.fromstring(xml, _PARSER)
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReadError(
            "corrupt_docx",
            f"the .docx could not be opened ({exc}); re-save it from Word/WPS as .docx",
        ) from exc
    except etree.XMLSyntaxError as exc:
        raise ReadError("corrupt_docx", f"the .docx holds broken XML ({exc})") from exc
    body = root.find(f"{_W}body")
    if body is None:
        raise ReadError(
            "corrupt_docx",
            "the .docx has no document body; re-save it from Word/WPS as .docx",
        )
    return body


def read_docx(data: bytes) -> Document:
    check_package(data)
    return read_body(document_body(data))


def read_body(body: etree._Element) -> Document:
    """Lines of a <w:body>, paragraphs and tables in order."""
    lines: list[Line] = []
    paragraphs = tables = 0
    for el in _children(body):
        if el.tag == f"{_W}p":
            paragraphs += 1
            boxes: list[str] = []
            for piece in [*_text(el, boxes).split("\n"), *boxes]:
                text = join_breaks(piece)
                if text:
                    lines.append(prose_line(len(lines) + 1, text, f"p {paragraphs}"))
        elif el.tag == f"{_W}tbl":
            tables += 1
            for number, cells in enumerate(table_grid(el), start=1):
                if not any(cells):
                    continue
                source = f"table {tables} row {number}"
                if len(cells) == 1:
                    lines.append(prose_line(len(lines) + 1, cells[0], source))
                else:
                    lines.append(row_line(len(lines) + 1, cells, source))
    if not lines:
        raise ReadError(
            "no_text", "the .docx holds no text: check that it is the report, not an empty template"
        )
    return Document(format="docx", lines=lines, encoding=None)
