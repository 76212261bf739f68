"""HTML reports: decode the bytes, drop site chrome, find the report body, emit Lines.

Prose blocks become one-cell Lines; every `<tr>` of a data table becomes one row Line whose
cells form a true grid (rowspan copies the text down, colspan leaves "" after the first cell).
Metadata blocks outside the body (发布机构, 发布日期, 索引号 ...) are kept, because the parser
reads the agency and publication date from them.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable

from lxml import etree

from loaders.document import Document, Issue, Line, ReadError
from loaders.readers import join_breaks, prose_line, row_line

_GB_NAMES = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "csgb2312", "euc-cn", "x-euc-cn"}

# Never content. `form` is not here: ASP.NET pages wrap the whole page in one.
_DROP_ALWAYS = {
    "script", "style", "noscript", "iframe", "head", "title", "link", "meta", "button",
    "select", "input", "textarea", "svg", "object", "embed", "template", "canvas", "video",
    "audio", "map",
}  # fmt: skip
# Chrome unless it holds report text (an article <header> with the title and 发布日期 is kept).
_DROP_CHROME = {"nav", "header", "footer", "aside", "menu"}
_CHROME_CLASS = re.compile(
    r"nav|menu|crumb|footer|header|share|sidebar|toolbar|copyright|search|login|banner|"
    r"skip|topbar|friend-?link|qrcode",
    re.IGNORECASE,
)
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "main", "blockquote", "pre", "center", "address", "figure",
    "figcaption", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "hr",
    "body", "html", "form", "fieldset", "legend", "details", "summary",
}  # fmt: skip
_METADATA = re.compile(
    r"发布机构|发布单位|发文机关|发文单位|发布日期|发布时间|公开日期|公开时间|成文日期|"
    r"生成日期|索引号|信息来源"
)
_TITLE = re.compile(r"年度报告|年报")
_MARKERS = re.compile("[发成生公索信年]")  # the first characters of _METADATA and _TITLE
_SPACE = re.compile(r"\s+")

# A JavaScript string literal; the article of some saved pages is one (`let content = "..."`).
_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`', re.DOTALL)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|.)", re.DOTALL)
_JS_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MARKUP = re.compile(r"<(p|div|table|br|span|h[1-6])\b", re.IGNORECASE)


# ---------------------------------------------------------------- the tree (plain lxml elements)

# libxml2's HTML parser, as lxml.html uses it, without lxml.html's element classes: a plain
# element tree is cheaper to build and to walk.
_PARSER = etree.HTMLParser()
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8")


def _document(text: str) -> etree._Element:
    root = etree.fromstring(text, _PARSER)
    if root is None:
        raise etree.ParserError("Document is empty")
    return root


def _fragment(markup: str) -> etree._Element:
    """The markup's elements and text inside one new <div> (as lxml.html's fragment_fromstring
    with create_parent)."""
    body = _document(f"<html><body>{markup}</body></html>").find("body")
    div = etree.Element("div")
    if body is not None:
        div.text = body.text
        div.extend(list(body))
    return div


def _text_content(el: etree._Element) -> str:
    return "".join(el.itertext())


def _drop_tree(el: etree._Element) -> None:
    """Remove the element and its children, keeping its tail text in the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


# ---------------------------------------------------------------- decoding


def _declared_charset(data: bytes) -> str | None:
    """The charset a `<meta>` near the top declares, read with the HTML parser itself."""
    head = data[:16384].decode("latin-1")
    lowered = head.lower()
    first = lowered.find("charset")
    if first < 0 or not head.strip():
        return None  # no meta can declare one
    # Most pages declare it in the first tag that names it: parse only up to there, and the
    # rest of the head only if that tag was not the declaration.
    close = head.find(">", first)
    if close >= 0:
        found = _meta_charset(head[: close + 1])
        if found:
            return found
    # the head ends the search when no <meta> follows it: the parser need not see the page
    end = lowered.find("</head>")
    if end >= 0 and lowered.find("<meta", end) < 0:
        head = head[: end + len("</head>")]
    return _meta_charset(head)


def _meta_charset(head: str) -> str | None:
    try:
        root = _document(_strip_xml_declaration(head))
    except (etree.ParserError, ValueError):
        return None
    return charset_of(root)


def charset_of(root: etree._Element) -> str | None:
    """The charset the first `<meta>` that declares one names."""
    for meta in root.iter("meta"):
        if meta.get("charset"):
            return meta.get("charset", "").strip().lower()
        if (meta.get("http-equiv") or "").strip().lower() == "content-type":
            found = re.search(
                r"charset\s*=\s*['\"]?([\w.:-]+)", meta.get("content") or "", re.IGNORECASE
            )
            if found:
                return found.group(1).lower()
    return None


def decode_html(data: bytes) -> tuple[str, str, list[Issue]]:
    """Decode by BOM, then the declared charset, then UTF-8, then detection."""
    if not data or data.isspace():
        raise ReadError(
            "empty_file", "the HTML file is empty: the page was not saved completely; save it again"
        )
    return decode_by_bom(data) or decode_as_declared(data, _declared_charset(data))


def decode_by_bom(data: bytes) -> tuple[str, str, list[Issue]] | None:
    """The text of bytes that start with a byte-order mark; None for the others."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec, []
    return None


def decode_as_declared(data: bytes, declared: str | None) -> tuple[str, str, list[Issue]]:
    """Decode by the declared charset (None: none declared), then UTF-8, then detection."""
    issues: list[Issue] = []
    if declared:
        name = "gb18030" if declared in _GB_NAMES else declared  # GB18030 covers GBK and GB2312
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
            issues.append(Issue("unknown_charset", "warning", f"unknown charset {declared!r}"))
        if codec and codec != "utf-8" and _is_utf8(data):
            # Browsers save pages as UTF-8 but keep the original <meta charset=gb2312>.
            issues.append(
                Issue("charset_mismatch", "info", f"declared {declared} but the bytes are UTF-8")
            )
            return data.decode("utf-8"), "utf-8", issues
        if codec:
            try:
                return data.decode(codec), codec, issues
            except UnicodeDecodeError:
                issues.append(
                    Issue("charset_mismatch", "warning", f"bytes do not decode as {declared}")
                )
    try:
        return data.decode("utf-8"), "utf-8", issues
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding, issues
    return data.decode("gb18030", errors="replace"), "gb18030", issues


def _is_utf8(data: bytes) -> bool:
    """True when the bytes are valid UTF-8 and not plain ASCII (which every charset shares)."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strip_xml_declaration(text: str) -> str:
    # lxml refuses a str that still carries an `<?xml ... encoding=...?>` declaration.
    stripped = text.lstrip()
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2 :] if end >= 0 else stripped
    return text


# ---------------------------------------------------------------- the article inside a JS string


def _unescape_js(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc.startswith("u{"):
            return chr(int(esc[2:-1], 16))
        if esc[0] in "ux" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        if esc in ("\n", "\r\n"):
            return ""  # line continuation
        return _JS_SIMPLE.get(esc, esc)

    text = _JS_ESCAPE.sub(one, body)
    # \uD83D\uDE00 pairs arrive as two lone surrogates; join them into one character.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", errors="replace")


def _js_article(script: str) -> str:
    """The longest markup-bearing string (joined across `"a" + "b"` chains) in a script."""
    best, chain, last_end = "", "", -1
    for match in _JS_STRING.finditer(script):
        piece = _unescape_js(match.group(0)[1:-1])
        if last_end >= 0 and script[last_end : match.start()].strip() == "+":
            chain += piece
        else:
            chain = piece
        last_end = match.end()
        if len(chain) > len(best) and _MARKUP.search(chain):
            best = chain
    return best


def inline_js_article(
    root: etree._Element, fragment_of: Callable[[str], etree._Element] = _fragment
) -> bool:
    """Put an article found in a <script> string in place of that script (parsed by
    `fragment_of` into one element).

    Only done when the string holds more text than the visible page, so a page that shows its
    article and also keeps a copy in JS is not read twice.
    """
    scripts = [s for s in root.iter("script") if s.text and _MARKUP.search(s.text)]
    if not scripts:
        return False
    found = [(s, _js_article(s.text or "")) for s in scripts]
    script, markup = max(found, key=lambda pair: len(pair[1]))
    if not markup:
        return False
    try:
        fragment = fragment_of(markup)
    except (etree.ParserError, ValueError):
        return False
    visible = sum(
        _count(t) for t in root.xpath("//body//text()[not(ancestor::script or ancestor::style)]")
    )
    if _count(_text_content(fragment)) <= visible:
        return False
    body = root.find("body")
    if body is not None and script.getparent() is not None and _inside(script, body):
        script.addprevious(fragment)
    elif body is not None:
        body.insert(0, fragment)
    else:
        root.append(fragment)
    return True


# ---------------------------------------------------------------- finding the body


def _count(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors()) or el is ancestor


def _text(el: etree._Element) -> str:
    """All text under the element (not its tail, not comments), gathered by libxml2."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _unlinked_count(el: etree._Element, text: str | None = None) -> int:
    """Non-space characters under the element that are not inside a link (`text`: its text,
    when already gathered)."""
    total = _count(_text(el) if text is None else text)
    if total:
        for link in el.iter("a"):
            if link is el:
                return 0
            if not _link_inside(link, el):
                total -= _count(_text(link))
    return total


def _link_inside(link: etree._Element, el: etree._Element) -> bool:
    """Whether a link below `el` sits inside another link below `el`."""
    for parent in link.iterancestors():
        if parent is el:
            return False
        if parent.tag == "a":
            return True
    return False


class _Weights(dict):
    """Non-link, non-space characters under each element, counted when first asked for: link
    lists are chrome, not content. An element inside a link weighs nothing."""

    def __missing__(self, el: etree._Element) -> int:
        inside_link = el.tag == "a" or any(a.tag == "a" for a in el.iterancestors())
        weight = self[el] = 0 if inside_link else _unlinked_count(el)
        return weight


def _weights(root: etree._Element) -> _Weights:
    del root  # counted lazily, from the element asked about
    return _Weights()


def _own_text(el: etree._Element, into_blocks: bool = True) -> str:
    """Text not inside a link (menus name 年度报告 too, but only as links).

    With `into_blocks=False` only the element's own line: its text and its inline children's.
    """
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node.tag == "a":
            return
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str) and (into_blocks or child.tag not in _BLOCKS):
                visit(child)
            parts.append(child.tail or "")

    visit(el)
    return "".join(parts)


_LONG_CELL = 300  # non-space characters: a cell this long holds an article, not a value


def _is_data_table(table: etree._Element) -> bool:
    """A grid of values, not page layout: no nested table, no article-sized cell, some text
    outside links (a menu laid out as a table is chrome)."""
    if next(table.iterdescendants("table"), None) is not None:
        return False
    if next(table.iter("td", "th"), None) is None:
        return False
    text = _text(table)
    # a cell's text is part of the table's, and only cells this long counting every
    # character (spaces too) can be too long
    if len(text) > _LONG_CELL:
        long = _LONG_CELLS(table, limit=_LONG_CELL)
        if any(_count(_text(cell)) > _LONG_CELL for cell in long):
            return False
    return _unlinked_count(table, text) > 0


_LONG_CELLS = etree.XPath("(.//td | .//th)[string-length(string()) > $limit]")


def _drop_chrome(root: etree._Element) -> None:
    weights = _weights(root)
    known: dict[etree._Element, bool] = {}

    def data_table(table: etree._Element) -> bool:
        if table not in known:
            known[table] = _is_data_table(table)
        return known[table]

    # Found by libxml2: comments, never-content tags, chrome tags and elements whose class or
    # id names chrome; the tree does not change until all are judged, so their order does not
    # matter.
    doomed: list[etree._Element] = list(root.iter(etree.Comment))
    doomed += root.iter(*_DROP_ALWAYS)
    dropped = set(doomed)
    total = 0  # the page's weight, counted when first needed
    for el in [*root.iter(*_DROP_CHROME), *_chrome_marked(root)]:
        if el in dropped or el.tag in _DROP_ALWAYS:
            continue
        text = _own_text(el)
        if _METADATA.search(text) or _TITLE.search(text):
            continue
        total = total or max(weights[root], 1)
        if weights[el] > 0.4 * total or any(data_table(t) for t in el.iter("table")):
            continue
        doomed.append(el)
        dropped.add(el)
    for el in doomed:
        if el.getparent() is not None:
            _drop_tree(el)


# the values of every class and id attribute: far cheaper for libxml2 than testing every element
_MARKS = etree.XPath("//@class | //@id")


def _chrome_marked(root: etree._Element) -> list[etree._Element]:
    """Elements whose class or id names chrome (nav, footer, share ...), in document order."""
    found: list[etree._Element] = []
    for value in _MARKS(root):
        if _CHROME_CLASS.search(value):
            el = value.getparent()
            if not found or found[-1] is not el:  # class and id of one element both name it
                found.append(el)
    return found


def _find_body(
    root: etree._Element, weights: dict[etree._Element, int], data_tables: set[etree._Element]
) -> etree._Element:
    """Walk down while one child holds most of the text and every data table."""
    cur = root.find("body")
    if cur is None:
        cur = root
    chains = [[table, *table.iterancestors()] for table in data_tables]
    while True:
        kids = [c for c in cur if isinstance(c.tag, str)]
        if not kids:
            return cur
        total = weights[cur]
        if total == 0:
            return cur
        # The children's weights add up to at most the parent's, so a child holding 70% is
        # the heaviest: only the child holding every data table, if one does, can be it.
        holders: list[etree._Element] = []
        for chain in chains:
            for below, above in itertools.pairwise(chain):
                if above is cur:
                    if not any(h is below for h in holders):
                        holders.append(below)
                    break
        if len(holders) > 1:
            return cur
        if holders:
            best = holders[0]
            if best in data_tables or weights[best] < 0.7 * total:
                return cur  # a data table is part of the body, never the whole of it
            cur = best
            continue
        found, seen = None, 0
        for kid in kids:
            weight = weights[kid]
            if weight >= 0.7 * total:
                found = kid
                break
            seen += weight
            if total - seen < 0.7 * total:
                break  # the children left are too light
        if found is None:
            return cur
        cur = found


def _has_title(body: etree._Element) -> bool:
    """Whether the body holds its own short 年度报告 title line."""
    for el in body.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS:
            text = _SPACE.sub("", _own_text(el, into_blocks=False))
            if _TITLE.search(text) and len(text) <= 60:
                return True
    return False


def _anchors(
    root: etree._Element,
    body: etree._Element,
    weights: dict[etree._Element, int],
    data_tables: set[etree._Element],
) -> list[etree._Element]:
    """Small metadata blocks outside the body (and the title, if the body lacks one)."""
    want_title = not _has_title(body)
    found: list[etree._Element] = []
    path = [body, *body.iterancestors()]
    on_path = set(path)
    # every element outside the body: the subtrees beside the path from the root down to it
    outside = (
        el for parent in path[1:] for child in parent if child not in on_path for el in child.iter()
    )
    for el in outside:
        if not isinstance(el.tag, str) or el.tag not in _BLOCKS:
            continue
        if not _MARKERS.search(_text(el)):
            continue  # its own line is part of this text: no match can be in it
        text = _own_text(el, into_blocks=False)
        metadata = _METADATA.search(text)
        title = want_title and _TITLE.search(text)
        if not (metadata or title):
            continue
        table = next((a for a in el.iterancestors("table")), None)
        if table is not None and table in data_tables:
            el = table  # a metadata table is kept whole, as rows
        weight = weights[el]
        small_metadata = metadata and weight <= (1500 if el.tag == "table" else 300)
        small_title = title and weight <= 200 and el.tag != "table"
        if small_metadata or small_title:
            found.append(el)
    return outermost(found)


def outermost(found: list[etree._Element]) -> list[etree._Element]:
    """The elements not inside another of them."""
    outer: list[etree._Element] = []
    for el in found:
        if not any(_inside(el, o) for o in outer):
            outer = [o for o in outer if not _inside(o, el)] + [el]
    return outer


# ---------------------------------------------------------------- emitting lines


_BREAK_TAGS = ("br", "p", "div", "li")


def _breaks_by_cell(table: etree._Element) -> dict[etree._Element, list[etree._Element]]:
    """The line-breaking elements (<br>, paragraphs, list items) inside each cell of the table,
    found in one pass over the table: most cells hold none, or one paragraph."""
    found: dict[etree._Element, list[etree._Element]] = {}
    for el in table.iter(*_BREAK_TAGS):
        cell = el.getparent()
        while cell is not None and cell is not table:
            if cell.tag == "td" or cell.tag == "th":
                if cell in found:
                    found[cell].append(el)
                else:
                    found[cell] = [el]
            cell = cell.getparent()
    return found


class _TableBreaks:
    """The line-breaking elements of each cell of one table, found on first need."""

    def __init__(self, table: etree._Element) -> None:
        self.table = table
        self.found: dict[etree._Element, list[etree._Element]] | None = None

    def __call__(self, cell: etree._Element) -> list[etree._Element]:
        if self.found is None:
            self.found = _breaks_by_cell(self.table)
        return self.found.get(cell, [])


def _plain_text(cell: etree._Element) -> str | None:
    """The text of a cell holding text alone, or text in one element without children (often a
    paragraph: a break before it would come first, and mark nothing); None for any other."""
    if not len(cell):
        return cell.text or ""
    if len(cell) > 1:
        return None
    child = cell[0]
    if len(child):
        return None
    tag = child.tag
    if not isinstance(tag, str):  # a comment: only its tail is text
        return (cell.text or "") + (child.tail or "")
    lead = cell.text or ""
    if tag in _BREAK_TAGS and not lead.isspace() and lead:
        return None  # text, then a paragraph: a break to mark
    return lead + (child.text or "") + (child.tail or "")


# Cell texts recur from report to report (the same form, the same site template): the
# normalised forms of short ones are remembered, up to this many.
_JOINED: dict[str, str] = {}
_JOINED_MAX = 16384
_JOINED_LENGTH = 200


def _cell_text(cell: etree._Element, breaks_of: _TableBreaks | None = None) -> str:
    """A cell's text; paragraphs and <br> inside it are line breaks that join_breaks undoes."""
    raw = _plain_text(cell)
    if raw is not None:
        text = _JOINED.get(raw)
        if text is None:
            text = join_breaks(raw)
            if len(raw) <= _JOINED_LENGTH:
                if len(_JOINED) >= _JOINED_MAX:
                    _JOINED.clear()
                _JOINED[raw] = text
        return text
    breaks = breaks_of(cell) if breaks_of is not None else list(cell.iter(*_BREAK_TAGS))
    if not breaks or (len(breaks) == 1 and breaks[0] is cell[0] and not (cell.text or "").strip()):
        # inline markup, or one paragraph with nothing before it: no break to mark
        return join_breaks(_text(cell))
    return join_breaks(text_with_breaks(cell))


def text_with_breaks(cell: etree._Element) -> str:
    """The cell's text with a newline before each paragraph, <br> and list item inside it."""
    parts: list[str] = []

    def visit(el: etree._Element) -> None:
        if isinstance(el.tag, str):
            if el.tag in _BREAK_TAGS and parts:
                parts.append("\n")
            parts.append(el.text or "")
            for child in el:
                visit(child)
                parts.append(child.tail or "")
        # comments contribute only their tail, added by the caller

    visit(cell)
    return "".join(parts)


def table_grid(table: etree._Element) -> list[tuple[str, ...]]:
    """Expand a table into a rectangular grid of cell texts."""
    return [cells for cells, _padded in padded_grid(table)]


def padded_grid(table: etree._Element) -> list[tuple[tuple[str, ...], int]]:
    """The rectangular grid, each row with the number of empty cells added to square it
    (a row printed with too few cells: where its figures belong is not certain)."""
    trs = list(table.iter("tr"))
    breaks_of = _TableBreaks(table)
    grid: list[list[str]] = []
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)
    for index, tr in enumerate(trs):
        row: list[str] = []
        for cell in tr:
            tag = cell.tag
            if tag != "td" and tag != "th":
                continue
            if pending and len(row) in pending:
                take_pending(row, pending)
            text = _cell_text(cell, breaks_of)
            rowspan, colspan = cell.get("rowspan"), cell.get("colspan")
            if rowspan is None and colspan is None:
                row.append(text)  # most cells span nothing
                continue
            down = 1 if rowspan is None else _span(rowspan, len(trs) - index)
            across = 1 if colspan is None else min(_span(colspan, 100), 100)
            spread(row, pending, text, down, across)
        end_row(row, pending)
        grid.append(row)
    return squared(grid)


def spread(
    row: list[str], pending: dict[int, tuple[int, str]], text: str, down: int, across: int
) -> None:
    """Place a cell spanning `down` rows and `across` columns: its text, then "" across; the
    rows below get the same, from `pending`."""
    for k in range(across):
        piece = text if k == 0 else ""
        if down > 1:
            pending[len(row)] = (down - 1, piece)
        row.append(piece)


def end_row(row: list[str], pending: dict[int, tuple[int, str]]) -> None:
    """Place the cells spanning down into the end of this row."""
    while pending and len(row) <= max(pending):
        if len(row) in pending:
            take_pending(row, pending)
        else:
            row.append("")


def squared(grid: list[list[str]]) -> list[tuple[tuple[str, ...], int]]:
    """Each row padded with "" to the widest, with the number of cells added."""
    width = max((len(r) for r in grid), default=0)
    return [(tuple(r + [""] * (width - len(r))), width - len(r)) for r in grid]


def take_pending(row: list[str], pending: dict[int, tuple[int, str]]) -> None:
    """Fill the row's next columns from the cells spanning down into them."""
    while len(row) in pending:
        left, text = pending.pop(len(row))
        row.append(text)
        if left > 1:
            pending[len(row) - 1] = (left - 1, text)


def _span(value: str | None, zero_means: int) -> int:
    try:
        span = int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1
    if span == 0:  # rowspan="0": to the end of the table
        return max(zero_means, 1)
    return max(1, min(span, max(zero_means, 1)))


class Emitter:
    def __init__(self, data_tables: set[etree._Element]) -> None:
        self.data_tables = data_tables
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.paragraphs = 0
        self.tables = 0

    def flush(self) -> None:
        if not self.buffer:
            return
        text = join_breaks("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.paragraphs += 1
            self.lines.append(prose_line(len(self.lines) + 1, text, f"p {self.paragraphs}"))

    def grid(self, table: etree._Element) -> list[tuple[tuple[str, ...], int]]:
        return padded_grid(table)

    def table(self, table: etree._Element) -> None:
        self.flush()
        self.tables += 1
        for number, (cells, padded) in enumerate(self.grid(table), start=1):
            if not any(cells):
                continue
            source = f"table {self.tables} row {number}"
            if len(cells) == 1:
                self.lines.append(prose_line(len(self.lines) + 1, cells[0], source))
            else:
                self.lines.append(row_line(len(self.lines) + 1, cells, source, padded))

    def walk(self, el: etree._Element) -> None:
        tag = el.tag  # libxml2 names HTML elements in lower case
        if not isinstance(tag, str):
            return
        if tag == "table" and el in self.data_tables:
            self.table(el)
            return
        if tag == "br":
            self.flush()
            return
        block = tag in _BLOCKS
        buffer = self.buffer  # flush empties it in place
        if block and buffer:
            self.flush()
        text = el.text
        if text:
            buffer.append(text)
        for child in el:
            self.walk(child)
            tail = child.tail
            if tail:
                buffer.append(tail)
        if block and buffer:
            self.flush()


def read_html(data: bytes) -> Document:
    decoded, encoding, issues = decode_html(data)
    text = _strip_xml_declaration(decoded)
    if not text or text.isspace():
        raise ReadError(
            "empty_file", "the HTML file holds no text: save the page again once it has loaded"
        )
    try:
        if encoding == "utf-8" and text is decoded:
            # the bytes are that text already: libxml2 reads them without a copy to encode
            root = etree.fromstring(data, _UTF8_PARSER)
            if root is None:
                raise etree.ParserError("Document is empty")
        else:
            root = _document(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError("bad_html", f"the HTML could not be parsed: {exc}") from exc
    if inline_js_article(root):
        issues.append(Issue("js_article", "info", "the article was read from a JavaScript string"))
    _drop_chrome(root)
    # the tree is final from here: weigh it and judge its tables once
    weights = _weights(root)
    data_tables = {t for t in root.iter("table") if _is_data_table(t)}
    body = _find_body(root, weights, data_tables)
    anchors = _anchors(root, body, weights, data_tables)
    blocks = [body]
    if anchors:
        wanted = {body, *anchors}
        blocks = [el for el in root.iter() if el in wanted]  # in document order
    return emit(Emitter(data_tables), blocks, encoding, issues)


def emit(
    emitter: Emitter, blocks: list[etree._Element], encoding: str, issues: list[Issue]
) -> Document:
    """The Document of the blocks' lines, in order."""
    for block in blocks:
        emitter.walk(block)
        emitter.flush()
    if not emitter.lines:
        raise ReadError(
            "no_text",
            "the HTML page holds no report text the parser can reach (or it is nested too deeply): save the article page itself",
        )
    return Document(format="html", lines=emitter.lines, encoding=encoding, issues=issues)
