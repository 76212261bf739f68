"""A government site's 年报 column, served on 127.0.0.1 for the fetch tests.

`Site` holds the routes; `serve(site)` runs a real HTTP server (port 0, a thread) that answers
conditional requests, fails or stalls where told, and logs every response. `build_column` lays
out a paginated listing of generated reports: pages in UTF-8 and GBK, attachments in every
format, a redirect, a 404, a 500 that recovers, a stall past the client's cap, a robots.txt
that disallows one path, and a zip with `../` in a member name.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from loaders.synthetic.corpus import RATES, generate


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    etag: bool = True  # answer If-None-Match
    last_modified: str | None = None  # answer If-Modified-Since with this
    headers: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0  # answer 500 this many times first
    stall_seconds: float = 0.0  # wait this long before answering


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, int, int]] = field(default_factory=list)  # path, status, body bytes
    latency: float = 0.0  # seconds each answer takes: time for a second request to overlap
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, body: bytes, content_type: str, **options) -> None:
        self.routes[path] = Route(body=body, content_type=content_type, **options)

    def downloads(self, since: int = 0) -> list[str]:
        """Paths answered 200 with a body, from log entry `since` on."""
        return [path for path, status, size in self.log[since:] if status == 200 and size]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:  # quiet
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            # logged, and no longer in flight, before the client can have the answer and ask
            # again: two requests in flight at once are two the client sent together
            with site.lock:
                if self.counted:  # a stalled answer comes after the client gave up: not logged
                    site.log.append((urlsplit(self.path).path, status, len(body)))
                site.in_flight -= self.counted
                self.counted = 0
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return

        def do_GET(self) -> None:
            # requests at once, counted on the routes that answer at once (the client has long
            # given up on a stalled one when the next request comes)
            route = site.routes.get(urlsplit(self.path).path)
            self.counted = int(route is None or not route.stall_seconds)
            with site.lock:
                site.in_flight += self.counted
                site.most_in_flight = max(site.most_in_flight, site.in_flight)
            try:
                time.sleep(site.latency)
                self._answer()
            finally:
                with site.lock:
                    site.in_flight -= self.counted

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            route = site.routes.get(path)
            if route is None:
                self._send(404, {"Content-Type": "text/html"}, b"<html>404 Not Found</html>")
                return
            if route.stall_seconds:
                time.sleep(route.stall_seconds)
            if route.fail_first:
                route.fail_first -= 1
                self._send(500, {"Content-Type": "text/html"}, b"<html>busy</html>")
                return
            if route.location:
                self._send(route.status, {"Location": route.location}, b"")
                return
            headers = {"Content-Type": route.content_type, **route.headers}
            tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            if route.etag:
                headers["ETag"] = tag
                if self.headers.get("If-None-Match") == tag:
                    self._send(304, {"ETag": tag}, b"")
                    return
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
                if self.headers.get("If-Modified-Since") == route.last_modified:
                    self._send(304, {}, b"")
                    return
            self._send(route.status, headers, route.body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that gave up (a timeout, a killed fetch) is no error of the site."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(site: Site) -> Iterator[str]:
    """The site on 127.0.0.1 at a free port; yields its base URL."""
    server = _QuietServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the 年报 column


@dataclass
class Report:
    """A generated report as the site publishes it."""

    file: Path
    agency: str
    year: int
    page_date: date  # the publication date its page states
    served_as: str = ""  # how: html page, attachment, zip member...


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _page(title: str, info: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{html.escape(title)}</title>'
        f"{info if info.startswith('<meta') else ''}</head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk/ndbg/index.html">政府信息公开年报</a>'
        ' <a href="javascript:void(0)">无障碍</a></div>'
        f"<h1>{html.escape(title)}</h1>"
        f"{'' if info.startswith('<meta') else info}"
        f'<div class="content">{body}</div>'
        "<script>document.write('<a href=\"/zwgk/ndbg/script_only_2023年年报.html\">x</a>')"
        "</script></body></html>"
    )


GBK_PAGE = "text/html"  # no charset in the header: the page's <meta> says gb2312
WRONG_HEADER = "text/html; charset=utf-8"  # a GBK page the server calls UTF-8
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def build_column(root: Path) -> tuple[Site, dict[str, Report], dict]:
    """The site, the reports it publishes by key, and the paths tests refer to."""
    rates = {name: 0.0 for name in RATES}
    rates["no_signoff"] = 1.0  # the text states no date: the page's must reach the marts
    gold_path = generate(8, root / "generated", seed=3, formats=("html", "pdf", "docx", "txt"),
                         rates=rates)  # fmt: skip
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    made = {}
    for index, record in enumerate(gold):
        made[index] = Report(
            root / "generated" / record["source_file"],
            record["agency_name"],
            record["report_year"],
            date.fromisoformat(record["published_on"]) if record["published_on"] else date.min,
        )
    site = Site(latency=0.01)
    reports: dict[str, Report] = {}

    def title(r: Report) -> str:
        return f"{r.agency}{r.year}年政府信息公开工作年度报告"

    # 0: an HTML report in UTF-8 whose page is the report (its date: the page's 发布日期)
    r = made[0]
    r.served_as = "utf-8 page"
    site.add("/zwgk/ndbg/202202/t20220202_0.html", r.file.read_bytes(), "text/html; charset=utf-8",
             last_modified="Wed, 02 Feb 2022 08:00:00 GMT", etag=False)  # fmt: skip
    reports["utf8_page"] = r
    # 4: the same kind of page in GBK, which the server calls UTF-8
    r = made[4]
    r.served_as = "gbk page"
    gbk = r.file.read_text(encoding="utf-8").replace('<meta charset="utf-8">',
                                                     '<meta charset="gb2312">')  # fmt: skip
    site.add("/zwgk/ndbg/202103/t20210303_4.html", gbk.encode("gbk"), WRONG_HEADER)
    reports["gbk_page"] = r

    # 1: a PDF attachment, with a spreadsheet and an image beside it on its page
    r = made[1]
    r.page_date = date(r.year + 1, 2, 15)
    site.add("/zwgk/ndbg/202302/t20230215_1.html", _page(title(r),
             '<div class="info">来源：本站　发布时间：' f"{r.page_date:%Y-%m-%d} 09:30</div>",
             '<p>附件：<a href="./P020230215.pdf">' f"{title(r)}.pdf</a></p>"
             '<p><a href="./P020230215_tj.xlsx">统计表.xlsx</a></p>'
             '<p><img src="./W020230215.png"><a href="./W020230215.png">扫描件</a></p>'
             '<p><a href="http://localhost:9/elsewhere.pdf">其他网站的附件</a></p>').encode(),
             "text/html; charset=utf-8")  # fmt: skip
    site.add("/zwgk/ndbg/202302/P020230215.pdf", r.file.read_bytes(), "application/pdf")
    site.add("/zwgk/ndbg/202302/P020230215_tj.xlsx", _zip({"[Content_Types].xml": b"<x/>",
             "xl/workbook.xml": b"<workbook/>"}), "application/octet-stream")  # fmt: skip
    site.add("/zwgk/ndbg/202302/W020230215.png", PNG, "image/png")
    reports["pdf"] = r

    # 2: a DOCX served under a .doc name (the bytes decide), with a WPS and an OFD beside it;
    # its page states the date only in the CMS's <meta name="PubDate">, and is reached through
    # a redirect from the listing's link
    r = made[2]
    r.page_date = date(r.year + 1, 2, 16)
    site.add("/zwgk/ndbg/old/t4.html", b"", "text/html", status=301,
             location="/zwgk/ndbg/202302/t20230216_2.html")  # fmt: skip
    site.add("/zwgk/ndbg/202302/t20230216_2.html", _page(title(r),
             f'<meta name="PubDate" content="{r.page_date:%Y-%m-%d} 10:00">',
             '<a href="P020230216.doc">正文下载</a> <a href="P020230216.wps">WPS版</a>'
             ' <a href="/download?id=7&amp;f=x.ofd">OFD版</a>').encode(),
             "text/html; charset=utf-8")  # fmt: skip
    site.add("/zwgk/ndbg/202302/P020230216.doc", r.file.read_bytes(), "application/msword")
    site.add("/zwgk/ndbg/202302/P020230216.wps", OLE, "application/octet-stream")
    site.add(
        "/download",
        _zip({"OFD.xml": b"<ofd:OFD/>"}),
        "application/ofd",
        headers={"Content-Disposition": 'attachment; filename="../../escape.ofd"'},
    )
    reports["docx"] = r

    # 3: a text report whose first request meets a 500; its page is GBK
    r = made[3]
    r.page_date = date(r.year + 1, 3, 1)
    page = _page(title(r), f"<p>发布日期：{r.page_date.year}年{r.page_date.month}月"
                 f"{r.page_date.day}日</p>", '<a href="/files/flaky.txt">下载附件</a>',
                 charset="gb2312")  # fmt: skip
    site.add("/zwgk/ndbg/202303/t20230301_3.html", page.encode("gbk"), GBK_PAGE)
    site.add("/files/flaky.txt", r.file.read_bytes(), "text/plain", fail_first=1)
    reports["txt_after_500"] = r

    # 6: a DOCX inside a zip that also holds a member named to climb out of the folder
    r = made[6]
    r.page_date = date(r.year + 1, 3, 2)
    site.add("/zwgk/ndbg/202303/t20230302_6.html", _page(title(r),
             f"<span>日期：{r.page_date:%Y-%m-%d}</span>",
             '<a href="/files/report.zip">打包下载</a>').encode(), "text/html")  # fmt: skip
    site.add("/files/report.zip", _zip({"年报/正文.docx": r.file.read_bytes(),
             "../../evil.jpg": JPEG}), "application/zip")  # fmt: skip
    reports["zip_member"] = r

    # 7: a text report republished between two fetches; 5: a PDF that stalls past the cap
    r = made[7]
    r.page_date = date(r.year + 1, 3, 5)
    stalled = made[5]
    site.add("/zwgk/ndbg/202303/t20230305_7.html", _page(title(r),
             f"<p>发布时间：{r.page_date:%Y-%m-%d}</p>",
             '<a href="/files/changing.txt">正文</a> <a href="/files/stalled.pdf">PDF版</a>').encode(),
             "text/html")  # fmt: skip
    site.add("/files/changing.txt", r.file.read_bytes(), "text/plain")
    site.add("/files/stalled.pdf", stalled.file.read_bytes(), "application/pdf",
             stall_seconds=2.0)  # fmt: skip
    reports["republished"] = r

    # the listing, two pages; the second in GBK with no charset in the header
    def row(path: str, text: str, day: str = "") -> str:
        return f'<li><a href="{path}" title="{html.escape(text)}">{html.escape(text[:18])}…</a>' \
               f"<span>{day}</span></li>"  # fmt: skip

    first = [
        row("./202202/t20220202_0.html", title(made[0]), "2022-02-02"),
        row("./202103/t20210303_4.html", title(made[4]), "2021-03-03"),
        row("./202302/t20230215_1.html", title(made[1]), "2023-02-15"),
        row("./old/t4.html", title(made[2]), "2023-02-16"),
        row("/private/2023年报.html", "内部2023年年报", "2023-01-01"),
        row("./missing.html", "已删除的2022年年度报告", "2023-01-01"),
        row("http://localhost:9/other.html", "其他网站2023年年度报告", "2023-01-01"),
        row("./tzgg/1.html", "关于做好2023年政府信息公开工作的通知", "2023-01-01"),
    ]
    second = [
        row("./202303/t20230301_3.html", title(made[3])),
        row("./202303/t20230302_6.html", title(made[6])),
        row("./202303/t20230305_7.html", title(made[7])),
    ]
    pager_1 = (
        '<div class="page"><a href="index_1.html">2</a> <a href="index_1.html">下一页</a></div>'
    )
    pager_2 = '<div class="page"><a href="index.html">上一页</a> <a href="index.html">1</a></div>'
    site.add("/zwgk/ndbg/index.html", _page("政府信息公开年报", "", "<ul>" + "".join(first) +
             "</ul>" + pager_1).encode(), "text/html; charset=utf-8",
             last_modified="Mon, 01 Apr 2024 00:00:00 GMT", etag=False)  # fmt: skip
    site.add("/zwgk/ndbg/index_1.html", _page("政府信息公开年报", "", "<ul>" + "".join(second) +
             "</ul>" + pager_2, charset="gb2312").encode("gbk"), GBK_PAGE)  # fmt: skip
    site.add("/private/2023年报.html", b"<html>secret</html>", "text/html")
    site.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    paths = {"stalled": stalled, "listing": "/zwgk/ndbg/index.html"}
    return site, reports, paths


def republish(site: Site, report: Report) -> bytes:
    """Change the republished report's bytes (blank lines added at its end)."""
    data = report.file.read_bytes() + b"\n\n"
    site.routes["/files/changing.txt"].body = data
    return data
