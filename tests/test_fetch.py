"""`nianbao fetch` against a real HTTP server on 127.0.0.1 serving a generated 年报 column
(tests/fetch_site.py): what is saved, what is recorded, that a second fetch downloads nothing
unchanged, that a killed fetch resumes, and that `nianbao run` on the folder puts every report
into the marts with its page's publication date."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest

from loaders.fetch import fetch, files
from loaders.settings import FetchSettings

from .conftest import ROOT
from .fetch_site import GBK_PAGE, PNG, Report, Route, Site, build_column, republish, serve

pytestmark = pytest.mark.warehouse

NIANBAO = [sys.executable, "-m", "loaders.cli"]
FAST = FetchSettings(
    delay_seconds=0.0,
    response_seconds=0.5,
    retries=2,
    backoff_seconds=0.01,
    proxies_from_environment=False,
)
# the site is on 127.0.0.1: a proxy the machine may set must not stand in between
ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


@dataclass
class Fetched:
    root: Path
    out: Path
    db: Path
    base: str
    site: Site
    reports: dict[str, Report]
    first_log: int  # site.log entries of the first fetch
    republished: bytes
    run: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory):
    """The column fetched twice (the republished report changed in between), then `nianbao run`
    on the folder."""
    root = tmp_path_factory.mktemp("fetch")
    site, reports, _paths = build_column(root)
    out, db = root / "out", root / "warehouse.duckdb"
    with serve(site) as base:
        fetch([f"{base}/zwgk/ndbg/index.html"], out, db, FAST)
        first_log = len(site.log)
        republished = republish(site, reports["republished"])
        fetch([f"{base}/zwgk/ndbg/index.html"], out, db, FAST)
        env = {**ENV, "NIANBAO_DB": str(db)}
        run = subprocess.run(
            [*NIANBAO, "run", str(out)],
            check=False,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        yield Fetched(root, out, db, base, site, reports, first_log, republished, run)


def _rows(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def _by_url(fetched: Fetched, path: str, run: int = 1) -> dict:
    columns = [
        "url",
        "final_url",
        "role",
        "listing_url",
        "parent_url",
        "http_status",
        "outcome",
        "error",
        "etag",
        "last_modified",
        "content_type",
        "detected_format",
        "size_bytes",
        "sha256",
        "page_title",
        "published_on",
        "published_evidence",
        "report_year",
        "saved_path",
        "version",
    ]
    found = _rows(
        fetched.db,
        f"""with runs as (
                select fetch_run_id, row_number() over (order by min(retrieved_at)) as run_number
                from raw.fetches group by fetch_run_id
            )
            select {", ".join(columns)} from raw.fetches join runs using (fetch_run_id)
            where url = $url and run_number = $run""",
        {"url": fetched.base + path, "run": run},
    )
    assert len(found) == 1, f"{path}: {found}"
    return dict(zip(columns, found[0], strict=True))


# ---------------------------------------------------------------- saved


def test_saved_by_site_and_year_with_formats_from_the_bytes(fetched: Fetched) -> None:
    reports = fetched.reports
    site_dir = fetched.out / "127.0.0.1"
    utf8 = reports["utf8_page"]
    gbk = reports["gbk_page"]
    title = f"{utf8.agency}{utf8.year}年政府信息公开工作年度报告"
    assert (site_dir / str(utf8.year) / f"{title}.html").read_bytes() == utf8.file.read_bytes()
    # the GBK page is kept byte for byte
    served = fetched.site.routes["/zwgk/ndbg/202103/t20210303_4.html"].body
    saved = list((site_dir / str(gbk.year)).glob("*.html"))
    assert [p.read_bytes() for p in saved] == [served]
    docx = reports["docx"]
    folder = site_dir / str(docx.year) / f"{docx.agency}{docx.year}年政府信息公开工作年度报告"
    names = sorted(p.name for p in folder.iterdir())
    # a DOCX served as .doc is saved as .docx; the OFD's file name "../../escape.ofd" stays inside
    assert names == ["P020230216.docx", "P020230216.wps", "escape.ofd"]
    assert (folder / "P020230216.docx").read_bytes() == docx.file.read_bytes()
    pdf = reports["pdf"]
    folder = site_dir / str(pdf.year) / f"{pdf.agency}{pdf.year}年政府信息公开工作年度报告"
    assert sorted(p.suffix for p in folder.iterdir()) == [".pdf", ".png", ".xlsx"]
    assert (folder / "W020230215.png").read_bytes() == PNG


def test_zip_unpacked_inside_the_folder(fetched: Fetched) -> None:
    report = fetched.reports["zip_member"]
    folder = fetched.out / "127.0.0.1" / str(report.year)
    folder = folder / f"{report.agency}{report.year}年政府信息公开工作年度报告"
    assert (folder / "report.zip").exists()
    assert sorted(p.name for p in (folder / "report").iterdir()) == ["evil.jpg", "正文.docx"]
    assert (folder / "report" / "正文.docx").read_bytes() == report.file.read_bytes()
    outside = [p for p in fetched.root.rglob("*") if p.name in ("evil.jpg", "escape.ofd")]
    assert all(p.is_relative_to(fetched.out) for p in outside), outside
    assert not list(fetched.out.rglob("*.part")), "a temporary file was left behind"


def test_pages_that_are_not_reports_are_kept_hidden_from_the_loader(fetched: Fetched) -> None:
    from loaders.store.load import discover

    pages = fetched.out / "127.0.0.1" / ".pages"
    assert len(list((pages / "listings").glob("*.html"))) == 2
    found = [Path(p).relative_to(fetched.out) for p in discover([fetched.out])]
    assert not [p for p in found if ".pages" in p.parts]
    # what the loader reads: 2 pages, PDF, DOCX, two texts (one republished), zip's DOCX and
    # JPEG, and the OFD, PNG and WPS attachments (formats the readers take)
    assert sorted(p.suffix for p in found) == [
        ".docx", ".docx", ".html", ".html", ".jpg", ".ofd", ".pdf", ".png", *[".txt"] * 3, ".wps"
    ]  # fmt: skip


# ---------------------------------------------------------------- recorded


def test_each_retrieval_recorded(fetched: Fetched) -> None:
    listing = _by_url(fetched, "/zwgk/ndbg/index.html")
    assert (listing["role"], listing["outcome"], listing["http_status"]) == (
        "listing",
        "saved",
        200,
    )
    assert listing["last_modified"] == "Mon, 01 Apr 2024 00:00:00 GMT"
    second = _by_url(fetched, "/zwgk/ndbg/index_1.html")
    assert second["role"] == "listing" and second["content_type"] == GBK_PAGE
    assert second["page_title"] == "政府信息公开年报"  # GBK read right

    gbk = fetched.reports["gbk_page"]
    page = _by_url(fetched, "/zwgk/ndbg/202103/t20210303_4.html")
    assert page["role"] == "report_page" and page["listing_url"] == listing["url"]
    assert page["page_title"].endswith("政府信息公开工作年度报告")  # GBK, header said UTF-8
    assert page["published_on"] == gbk.page_date and page["report_year"] == gbk.year

    redirect = _by_url(fetched, "/zwgk/ndbg/old/t4.html")
    assert redirect["final_url"] == fetched.base + "/zwgk/ndbg/202302/t20230216_2.html"
    assert redirect["role"] == "page" and redirect["http_status"] == 200
    docx = fetched.reports["docx"]
    assert redirect["published_on"] == docx.page_date
    assert redirect["published_evidence"].startswith('<meta name="PubDate"')

    attachment = _by_url(fetched, "/zwgk/ndbg/202302/P020230216.doc")
    saved = fetched.out / attachment["saved_path"]
    assert attachment["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()
    assert attachment["detected_format"] == "docx" and attachment["etag"]
    assert attachment["content_type"] == "application/msword"
    assert attachment["parent_url"] == redirect["final_url"]
    assert attachment["listing_url"] == listing["url"]
    assert attachment["published_on"] == docx.page_date
    assert attachment["size_bytes"] == saved.stat().st_size

    flaky = _by_url(fetched, "/files/flaky.txt")
    assert (flaky["outcome"], flaky["http_status"]) == ("saved", 200)
    first = fetched.site.log[: fetched.first_log]
    assert [s for p, s, _n in first if p == "/files/flaky.txt"] == [500, 200]
    assert flaky["published_on"] == fetched.reports["txt_after_500"].page_date

    missing = _by_url(fetched, "/zwgk/ndbg/missing.html")
    assert (missing["outcome"], missing["http_status"]) == ("http_error", 404)
    private = _by_url(fetched, "/private/2023年报.html")
    assert private["outcome"] == "disallowed"
    assert not [p for p, _s, _n in fetched.site.log if p.startswith("/private/")]
    stalled = _by_url(fetched, "/files/stalled.pdf")
    assert (stalled["outcome"], stalled["error"], stalled["saved_path"]) == (
        "failed",
        "timeout",
        None,
    )
    off_site = _rows(
        fetched.db,
        "select outcome, error from raw.fetches where url like 'http://localhost:9/%'",
    )
    assert set(off_site) == {("skipped", "off_site")}
    member = _rows(
        fetched.db,
        "select published_on, saved_path from raw.fetches where role = 'zip_member' "
        "and url like '%正文.docx'",
    )
    assert member[0][0] == fetched.reports["zip_member"].page_date
    assert not [p for p, _s, _n in fetched.site.log if "script_only" in p]  # no JavaScript run


def test_polite(fetched: Fetched) -> None:
    assert fetched.site.most_in_flight == 1
    robots = [p for p, _s, _n in fetched.site.log[: fetched.first_log] if p == "/robots.txt"]
    assert robots == ["/robots.txt"]


# ---------------------------------------------------------------- the second fetch


def test_second_fetch_downloads_nothing_unchanged(fetched: Fetched) -> None:
    # robots.txt is read again each run; the republished text is the one changed file
    assert fetched.site.downloads(fetched.first_log) == ["/robots.txt", "/files/changing.txt"]
    statuses = {s for _p, s, _n in fetched.site.log[fetched.first_log :]}
    assert statuses <= {200, 301, 304, 404}
    outcomes = _rows(
        fetched.db,
        """with runs as (
               select fetch_run_id, row_number() over (order by min(retrieved_at)) as run_number
               from raw.fetches group by fetch_run_id
           )
           select outcome, count(*) from raw.fetches join runs using (fetch_run_id)
           where run_number = 2 group by outcome order by outcome""",
    )
    assert dict(outcomes) == {
        "disallowed": 1,
        "failed": 1,
        "http_error": 1,
        "new_version": 1,
        "not_modified": 17,
        "skipped": 2,
    }


def test_republished_report_kept_as_a_new_version(fetched: Fetched) -> None:
    first = _by_url(fetched, "/files/changing.txt", run=1)
    second = _by_url(fetched, "/files/changing.txt", run=2)
    assert (second["outcome"], second["version"]) == ("new_version", 2)
    assert second["saved_path"].endswith("changing.v2.txt")
    assert (fetched.out / second["saved_path"]).read_bytes() == fetched.republished
    assert (fetched.out / first["saved_path"]).read_bytes() == (
        fetched.reports["republished"].file.read_bytes()
    )


# ---------------------------------------------------------------- into the marts


def test_run_puts_every_report_into_the_marts_with_its_page_date(fetched: Fetched) -> None:
    assert fetched.run.returncode == 0, fetched.run.stdout + fetched.run.stderr
    rows = _rows(
        fetched.db,
        """select dim_report.report_id, dim_report.published_on, dates.published_source,
                  dates.published_evidence
           from marts.dim_report
           join intermediate.int_report_publication_dates as dates using (report_id)""",
    )
    by_id = {r[0]: r[1:] for r in rows}
    expected: dict[str, object] = {}
    for key, report in fetched.reports.items():
        data = report.file.read_bytes()
        if key == "gbk_page":  # re-encoded by the site
            data = fetched.site.routes["/zwgk/ndbg/202103/t20210303_4.html"].body
        expected[hashlib.sha256(data).hexdigest()] = report.page_date
        if key == "republished":
            expected[hashlib.sha256(fetched.republished).hexdigest()] = report.page_date
    assert {k: v[0] for k, v in by_id.items()} == expected
    for report_id, (_on, source, evidence) in by_id.items():
        assert source in ("report", "page") and evidence, report_id
    # the attachments' dates came from their pages
    pdf = hashlib.sha256(fetched.reports["pdf"].file.read_bytes()).hexdigest()
    assert by_id[pdf][1] == "page" and "/zwgk/ndbg/202302/t20230215_1.html" in by_id[pdf][2]


def test_republication_visible_to_analysts(fetched: Fetched) -> None:
    assert fetched.run.returncode == 0, fetched.run.stdout + fetched.run.stderr
    rows = _rows(
        fetched.db,
        """select url, version_number, is_report_loaded from marts.fct_fetches
           where is_republication""",
    )
    assert rows == [(fetched.base + "/files/changing.txt", 2, True)]
    versions = _rows(
        fetched.db,
        """select version_count from marts.dim_report
           where report_id = $id""",
        {"id": hashlib.sha256(fetched.republished).hexdigest()},
    )
    assert versions == [(2,)]


# ---------------------------------------------------------------- resume, manners, safety


def test_a_killed_fetch_resumes_without_downloading_again(tmp_path: Path) -> None:
    site, _reports, _paths = build_column(tmp_path)
    site.routes["/files/stalled.pdf"].stall_seconds = 0.0
    out, db = tmp_path / "out", tmp_path / "w.duckdb"
    with serve(site) as base:
        command = [*NIANBAO, "fetch", f"{base}/zwgk/ndbg/index.html", "--out", str(out)]
        command += ["--db", str(db), "--delay", "0.15", "--retries", "1"]
        process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(site.downloads()) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        while site.in_flight:  # the killed client's last response, if any, is logged
            time.sleep(0.01)
        mark = len(site.log)
        before = site.downloads()
        assert 8 <= len(before) < 20, "the fetch was not stopped half-way"
        done = subprocess.run(
            command, check=False, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 1, done.stdout + done.stderr  # the 404 is a failure
        after = site.downloads(mark)
    again = [p for p in after if p in before and p != "/robots.txt"]
    # a file whose response arrived just before the kill may come again, nothing else
    assert len(again) <= 1, again
    expected = {p for p, r in site.routes.items() if not r.location and r.status == 200}
    expected -= {"/private/2023年报.html"}
    assert set(before) | set(after) == expected
    assert not list(out.rglob("*.part"))


def test_waits_between_requests_to_a_host(tmp_path: Path) -> None:
    site = Site()
    site.add("/robots.txt", b"", "text/plain")
    for number in range(3):
        site.add(f"/f{number}.pdf", b"%PDF-1.4 " + bytes([number]) * 100, "application/pdf")
    settings = replace(FAST, delay_seconds=0.3, response_seconds=2.0, retries=0)
    with serve(site) as base:
        started = time.monotonic()
        summary = fetch(
            [f"{base}/f{n}.pdf" for n in range(3)], tmp_path / "o", tmp_path / "w", settings
        )
        elapsed = time.monotonic() - started
    assert summary.outcomes == {"saved": 3} and summary.requests == 4
    assert elapsed >= 0.9  # robots.txt, then three files, 0.3 s apart


def test_robots_crawl_delay_and_unreachable_robots(tmp_path: Path) -> None:
    site = Site()
    site.add("/robots.txt", b"User-agent: *\nCrawl-delay: 0.4\n", "text/plain")
    site.add("/a.pdf", b"%PDF-1.4 a", "application/pdf")
    site.add("/b.pdf", b"%PDF-1.4 b", "application/pdf")
    with serve(site) as base:
        started = time.monotonic()
        fetch([f"{base}/a.pdf", f"{base}/b.pdf"], tmp_path / "o", tmp_path / "w", FAST)
        assert time.monotonic() - started >= 0.4
        site.routes["/robots.txt"] = Route(status=503)
        summary = fetch([f"{base}/a.pdf"], tmp_path / "o2", tmp_path / "w", FAST)
    # robots.txt failing: the site is left alone, and the retrieval failed (it is tried again)
    assert summary.outcomes == {"failed": 1}
    assert summary.failures[0][1].startswith("robots.txt unreadable")
    assert site.log[-1][0] == "/robots.txt"
    unreachable = fetch(["http://127.0.0.1:9/a.pdf"], tmp_path / "o3", tmp_path / "w", FAST)
    assert unreachable.outcomes == {"failed": 1}


def test_response_size_cap(tmp_path: Path) -> None:
    site = Site()
    site.add("/big.pdf", b"%PDF-1.4 " + bytes(5000), "application/pdf")
    settings = replace(FAST, max_response_bytes=1000, retries=0)
    with serve(site) as base:
        summary = fetch([f"{base}/big.pdf"], tmp_path / "o", tmp_path / "w", settings)
    assert summary.failures == [(f"{base}/big.pdf", "too_large")]
    assert not list((tmp_path / "o").rglob("*.pdf"))


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_caps(tmp_path: Path) -> None:
    settings = FetchSettings(zip_max_members=3, zip_max_bytes=10_000_000, zip_max_ratio=50)
    bomb = _zip({"zeros.txt": bytes(2_000_000)})
    assert files.unpack(bomb, tmp_path, "a", settings)[1].startswith("compression ratio")
    many = _zip({f"{n}.txt": b"x" for n in range(4)})
    assert files.unpack(many, tmp_path, "b", settings)[1] == "4 members (cap 3)"
    odd = _zip({"/etc/passwd": b"root", "..\\..\\win.txt": b"w", "../../../x/y.txt": b"y"})
    members, refused = files.unpack(odd, tmp_path, "c", settings)
    assert not refused
    assert sorted(m.relative for m in members) == ["c/passwd.txt", "c/win.txt", "c/y.txt"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "passwd.txt",
        "win.txt",
        "y.txt",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("/abs/path", "abs_path"),
        ("..", "file"),
        ("a\x00b<c>:d", "a_b_c_d"),
        ("  .hidden", "hidden"),
        ("年报" * 50, "年报" * 30),
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    assert files.safe_name(text) == expected


def test_format_from_the_bytes() -> None:
    assert files.sniff(b"%PDF-1.7", "x.doc") == "pdf"
    assert files.sniff(_zip({"word/document.xml": b"<w/>"}), "x.pdf") == "docx"
    assert files.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "x.wps") == "wps"
    assert files.sniff("<html><body>年报</body></html>".encode("gbk"), "x.pdf") == "html"
    assert files.sniff(b"\x89PNG\r\n\x1a\n", "x.txt") == "png"


def test_user_mistakes_caught_before_anything_is_opened(tmp_path: Path) -> None:
    db = tmp_path / "wh" / "w.duckdb"
    cases = [
        ([], "give at least one URL"),
        (["ftp://example.org/x"], "not an http(s) URL"),
        (["--from", str(tmp_path / "none.txt")], "no such file"),
        (["https://example.org/", "--delay", "-1"], "--delay"),
    ]
    for extra, message in cases:
        done = subprocess.run(
            [*NIANBAO, "fetch", *extra, "--out", str(tmp_path / "o"), "--db", str(db)],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and message in done.stderr, (extra, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    assert not db.parent.exists() and not (tmp_path / "o").exists()


def test_listing_of_attachments_with_a_cms_pager(tmp_path: Path) -> None:
    """A column whose rows link the PDFs themselves, dated on the row, paginated by the CMS's
    script call (read, not run)."""
    site = Site()
    site.add("/robots.txt", b"", "text/plain")

    def listing(rows: list[tuple[str, str, str]], script: str = "") -> bytes:
        items = "".join(
            f'<tr><td><a href="{href}">{text}</a></td><td>{day}</td></tr>'
            for href, text, day in rows
        )
        return (
            f'<html><head><meta charset="utf-8"><title>年报</title></head><body>'
            f"<table>{items}</table><script>{script}</script></body></html>"
        ).encode()

    first = [
        ("P1.pdf", "某区统计局2023年政府信息公开工作年度报告", "2024-01-20"),
        ("P2.pdf", "某区水务局2023年政府信息公开工作年度报告", "2024-01-22"),
    ]
    second = [("P3.pdf", "某区审计局2022年政府信息公开年报", "2023-01-18")]
    site.add(
        "/col/index.html", listing(first, 'createPageHTML(2, 0, "index", "html");'), "text/html"
    )
    site.add("/col/index_1.html", listing(second), "text/html")
    for number in (1, 2, 3):
        site.add(f"/col/P{number}.pdf", b"%PDF-1.4 " + bytes([number]) * 50, "application/pdf")
    with serve(site) as base:
        summary = fetch([f"{base}/col/index.html"], tmp_path / "o", tmp_path / "w", FAST)
    assert summary.outcomes == {"saved": 5} and summary.saved_reports == 3
    rows = _rows(
        tmp_path / "w",
        """select saved_path, published_on::varchar, listing_url from raw.fetches
           where role = 'attachment' order by saved_path""",
    )
    assert rows == [
        ("127.0.0.1/2022/某区审计局2022年政府信息公开年报.pdf", "2023-01-18", f"{base}/col/index_1.html"),
        ("127.0.0.1/2023/某区水务局2023年政府信息公开工作年度报告.pdf", "2024-01-22", f"{base}/col/index.html"),
        ("127.0.0.1/2023/某区统计局2023年政府信息公开工作年度报告.pdf", "2024-01-20", f"{base}/col/index.html"),
    ]  # fmt: skip


def test_cli_with_a_url_file(tmp_path: Path) -> None:
    site = Site()
    site.add("/robots.txt", b"", "text/plain")
    site.add("/a.pdf", b"%PDF-1.4 a", "application/pdf")
    site.add("/busy.pdf", b"%PDF-1.4 b", "application/pdf", fail_first=1)
    listed = tmp_path / "urls.txt"
    with serve(site) as base:
        listed.write_text(f"# the column\n{base}/a.pdf\n\n{base}/busy.pdf\n", encoding="utf-8")
        done = subprocess.run(
            [*NIANBAO, "fetch", "--from", str(listed), "--out", str(tmp_path / "o")]
            + ["--db", str(tmp_path / "w.duckdb"), "--delay", "0", "--retries", "1"],
            check=False,
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "retrievals: saved 2" in done.stdout
    assert sorted(p.name for p in (tmp_path / "o").rglob("*.pdf")) == ["a.pdf", "busy.pdf"]


def _html(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def test_listing_or_report_page() -> None:
    from loaders.fetch.pages import looks_like_listing, read_page

    url = "http://s.gov.cn/col/a.html"
    related = "".join(
        f'<li><a href="/r{y}.html">{y}年政府信息公开工作年度报告</a></li>' for y in (2021, 2022)
    )
    column = _html("政府信息公开年报", f"<ul>{related}</ul>")
    assert looks_like_listing(read_page(column, url), url)
    report = _html("某局2023年政府信息公开工作年度报告", "一、总体情况" + "。" * 2000 + related)
    assert not looks_like_listing(read_page(report, url), url)
    wrapper = _html("某局2023年政府信息公开工作年度报告", f'<a href="/a.pdf">下载</a>{related}')
    assert not looks_like_listing(read_page(wrapper, url), url)
    one = _html("政府信息公开年报", related[: related.index("</li>")])
    assert not looks_like_listing(read_page(one, url), url)
    paged = _html(
        "政府信息公开年报", related[: related.index("</li>")] + '<a href="a_1.html">下一页</a>'
    )
    assert looks_like_listing(read_page(paged, url), url)


@pytest.mark.parametrize(
    ("body", "expected", "evidence"),
    [
        ("<p>发布时间：2024-01-20 10:00:00</p>", "2024-01-20", "发布时间：2024-01-20"),
        ("<p>发布日期:2024年1月5日</p>", "2024-01-05", "发布日期:2024年1月5日"),
        ("<p>成文日期：2023-12-30</p><p>日期：2024/01/06</p>", "2024-01-06", "日期：2024/01/06"),
        ("<p>成文日期：2023-12-30</p>", None, None),
        ('<meta name="PubDate" content="2024-02-01 08:00">', "2024-02-01", '<meta name="PubDate"'),
    ],
)
def test_publication_date_the_page_states(body: str, expected, evidence) -> None:
    from loaders.fetch.pages import read_page

    page = read_page(_html("年报", body), "http://s.gov.cn/a.html")
    assert (page.published_on and page.published_on.isoformat()) == expected
    assert (page.published_evidence or None) == evidence or page.published_evidence.startswith(
        evidence
    )


def test_charset_by_the_bytes_and_meta() -> None:
    from loaders.fetch.pages import decode

    text = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    text += "</head><body>政府信息公开工作年度报告</body></html>"
    assert "年度报告" in decode(text.encode("gbk"), "utf-8")[0]  # the header is wrong
    assert "年度报告" in decode(text.encode("utf-8"), "gbk")[0]  # the meta is wrong
    bare = (
        "<html><body>"
        + "政府信息公开工作年度报告，本机关全年主动公开政府信息。" * 5
        + "</body></html>"
    )
    assert "年度报告" in decode(bare.encode("gb18030"), None)[0]  # nothing declared


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("某局2023年政府信息公开工作年度报告", 2023),
        ("2022年度政府信息公开年报", 2022),
        ("政府信息公开工作年度报告（2021）", 2021),
        ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", None),
        ("政府信息公开工作年度报告格式（2021年版）", None),
        ("2023年政府信息公开指南", None),
        ("年度报告", None),
    ],
)
def test_links_that_read_as_a_report(text: str, year: int | None) -> None:
    from loaders.fetch.pages import Link, is_report_link, report_year

    link = Link("http://s.gov.cn/a.html", text)
    assert is_report_link(link) == (year is not None)
    if year:
        assert report_year(text) == year
