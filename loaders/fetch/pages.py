"""What a fetched HTML page says: its text decoded right, its title, the publication date it
states, and its links sorted into pagination, report links and attachments. Nothing is
executed: scripts are dropped, except that the pagination call of the common government CMS
(`createPageHTML(pages, current, "index", "html")`) is read as the page list it stands for.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date
from posixpath import dirname
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

# the Chinese national encodings, read by their superset
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "euc-cn"}

ATTACHMENT_SUFFIXES = {
    ".pdf",
    ".doc",
    ".docx",
    ".wps",
    ".xls",
    ".xlsx",
    ".et",
    ".ofd",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".tif",
    ".tiff",
    ".zip",
    ".rar",
    ".7z",
}
# a page whose text is at least this long holds a report (a listing's rows are much shorter)
REPORT_TEXT_CHARS = 1500
PAGE_SUFFIXES = {"", ".html", ".htm", ".shtml", ".jhtml", ".jsp", ".php", ".asp", ".aspx"}

_REPORT_WORDS = re.compile(r"年度报告|年报")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# notices about the reports, and the blank template, are not reports
_NOT_REPORT = re.compile(r"^\s*关于|通知|通报|公告|的函|格式|模板|填报|提纲")
_BARE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")  # 年度报告（2023）
_NEXT = re.compile(r"^\s*(下一页|下页|后一页|next|›|»|>)\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*\[?\s*\d{1,4}\s*\]?\s*$")
_CMS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
# A date a page states: a labelled field (发布时间, 发布日期, 日期 but not 成文日期), then the
# publication-date <meta> the common CMSs write.
_DATE = r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})(?:\s*日)?"
_LABELLED_DATE = re.compile(
    rf"((?:发布|公开)(?:时间|日期)|(?<!成文)(?<!印发)(?<!生效)日期)\s*[:：]\s*{_DATE}"
)
_ROW_DATE = re.compile(_DATE)
_META_DATES = ("pubdate", "publishdate", "firstpublishedtime", "createdate", "weburldate")


@dataclass
class Link:
    url: str
    text: str
    listed_on: date | None = None  # a date printed beside the link (a listing's row)
    listed_evidence: str | None = None


@dataclass
class Page:
    text: str
    encoding: str
    title: str | None
    published_on: date | None
    published_evidence: str | None
    links: list[Link] = field(default_factory=list)
    pager_urls: list[str] = field(default_factory=list)  # pagination of a listing


def decode(data: bytes, header_charset: str | None) -> tuple[str, str]:
    """Text and the codec used: the BOM; UTF-8 when the bytes are UTF-8 (a GBK text almost never
    is, and a page saved again as UTF-8 often keeps its old <meta charset=gb2312>); then the
    page's own <meta> charset, then the HTTP header's, each only if the bytes decode under it
    without error (servers often send a wrong header); else detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if not data.isascii():
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    head = data[:4096].decode("latin-1")
    meta = re.search(r"<meta[^>]+charset\s*=\s*['\"]?\s*([\w.:-]+)", head, re.IGNORECASE)
    for declared in (meta.group(1) if meta else None, header_charset, "utf-8"):
        codec = _codec(declared)
        if codec is None:
            continue
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("gb18030", errors="replace"), "gb18030"


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    if name in _GB:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    found = re.search(r"charset\s*=\s*['\"]?([\w.:-]+)", content_type or "", re.IGNORECASE)
    return found.group(1) if found else None


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def read_page(data: bytes, url: str, content_type: str | None = None) -> Page:
    text, encoding = decode(data, header_charset(content_type))
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text))
    except (etree.ParserError, ValueError):
        return Page("", encoding, None, None, None)
    scripts = " ".join(s.text or "" for s in root.iter("script"))
    for bad in list(root.iter("script", "style", "noscript")):
        bad.drop_tree()
    body_text = _clean(root.text_content())
    title = _title(root)
    published_on, evidence = _published(root, body_text)
    base = url
    for tag in root.iter("base"):
        if tag.get("href"):
            base = urljoin(url, tag.get("href"))
            break
    links = [_link(anchor, base) for anchor in root.iter("a")]
    page = Page(
        body_text, encoding, title, published_on, evidence, [k for k in links if k is not None]
    )
    page.pager_urls = _pager(page.links, scripts, url)
    return page


def _title(root) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and meta.get("content"):
            return _clean(meta.get("content"))
    for tag in ("h1", "title"):
        for element in root.iter(tag):
            found = _clean(element.text_content())
            if found:
                return found
    return None


def _as_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _published(root, body_text: str) -> tuple[date | None, str | None]:
    for found in _LABELLED_DATE.finditer(body_text):
        day = _as_date(*found.groups()[1:])
        if day is not None:
            return day, found.group(0)
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() in _META_DATES:
            content = meta.get("content") or ""
            found = _ROW_DATE.search(content)
            if found and (day := _as_date(*found.groups())) is not None:
                return day, f'<meta name="{meta.get("name")}" content="{content}">'
    return None, None


def _link(anchor, base: str) -> Link | None:
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href).split("#", 1)[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    text = _clean(anchor.text_content()) or _clean(anchor.get("title"))
    if anchor.get("title") and not _REPORT_WORDS.search(text):
        text = _clean(anchor.get("title")) or text
    link = Link(url, text)
    row = anchor.getparent()
    for _ in range(3):  # the row (li, tr, div) that holds the link may hold its date
        if row is None or row.tag in ("li", "tr", "dd", "p"):
            break
        row = row.getparent()
    if row is not None and row.tag in ("li", "tr", "dd", "p"):
        row_text = _clean(row.text_content())
        found = _ROW_DATE.search(row_text.replace(text, " ")) if text else None
        if found and (day := _as_date(*found.groups())) is not None:
            link.listed_on, link.listed_evidence = day, row_text
    return link


def _suffix(url: str) -> str:
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def is_attachment_url(url: str) -> bool:
    """A file by its path's suffix, or by the file name a download script is given
    (`download.jsp?filename=x.pdf`)."""
    if _suffix(url) in ATTACHMENT_SUFFIXES:
        return True
    query = re.search(r"\.([A-Za-z0-9]{1,5})$", urlsplit(url).query)
    return bool(query and "." + query.group(1).lower() in ATTACHMENT_SUFFIXES)


def is_report_link(link: Link) -> bool:
    """A link whose text or title reads as an annual report of some year."""
    text = link.text
    return bool(
        _REPORT_WORDS.search(text) and _BARE_YEAR.search(text) and not _NOT_REPORT.search(text)
    )


def report_year(*texts: str | None) -> int | None:
    """The year the first text that names one names: `2023年` first, else a bare `2023`."""
    for pattern in (_YEAR, _BARE_YEAR):
        for text in texts:
            if text and (found := pattern.search(text)):
                return int(found.group(1))
    return None


def _pager(links: list[Link], scripts: str, url: str) -> list[str]:
    """The other pages of the listing `url` is a page of: `下一页` / next links and page-number
    links in the listing's own folder, plus the pages a CMS pagination call names."""
    folder = dirname(urlsplit(url).path)
    found: list[str] = []
    for link in links:
        if not (_NEXT.match(link.text) or _PAGE_NUMBER.match(link.text)):
            continue
        if _suffix(link.url) not in PAGE_SUFFIXES or link.url == url:
            continue
        parts = urlsplit(link.url)
        if parts.netloc == urlsplit(url).netloc and dirname(parts.path) == folder:
            found.append(link.url)
    if (call := _CMS_PAGER.search(scripts)) is not None:
        pages, _current, stem, suffix = call.groups()
        base = urljoin(url, "./")
        for number in range(min(int(pages), 1000)):
            name = f"{stem}.{suffix}" if number == 0 else f"{stem}_{number}.{suffix}"
            found.append(urljoin(base, name))
    return list(dict.fromkeys(u for u in found if u != url))


def looks_like_listing(page: Page, url: str) -> bool:
    """A listing links reports on other pages and pages through them, or links several. A page
    titled as a report that holds one (a long text, or attachments) and links a few other years'
    reports beside it ("相关阅读") is a report page."""
    reports = {k.url for k in page.links if is_report_link(k) and k.url != url}
    if not reports:
        return False
    if page.pager_urls:
        return True
    titled = bool(page.title and is_report_link(Link(url, page.title)))
    files = any(is_attachment_url(k.url) and k.url not in reports for k in page.links)
    if titled and (len(page.text) >= REPORT_TEXT_CHARS or files) and len(reports) < 5:
        return False
    return len(reports) >= 2
