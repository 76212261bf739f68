"""`nianbao fetch`: collect annual reports from government sites into a folder `nianbao run` reads.

A listed URL is a listing page (a 年报 column), a report page, or an attachment. From a listing
the fetch follows its pagination and the links that read as an annual report of some year; from
a report page, its attachments. Files land in the output folder as a person would sort them:

    OUT/<host>/<year>/<report title>.html          a page whose body is the report
    OUT/<host>/<year>/<report title>/<name>.<ext>  the attachments of a report page
    OUT/<host>/.pages/...                          listing pages and pages that only link
                                                   attachments (kept, but not reports: the
                                                   loader does not read hidden folders)

Each retrieval is a row of raw.fetches, committed once its file is saved, so a stopped fetch
resumes where it was: the next run asks with If-None-Match / If-Modified-Since and downloads
nothing unchanged. Bytes that changed are kept as a new version beside the old (`name.v2.pdf`).
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from loaders.fetch import files, pages, records
from loaders.fetch.client import PoliteClient, Response, host_of
from loaders.fetch.records import FetchRow
from loaders.settings import FetchSettings

UNDATED = "undated"


@dataclass
class Task:
    url: str
    role: str  # listed (decided on arrival) | listing | page | attachment
    listing_url: str | None = None
    parent_url: str | None = None
    link_text: str | None = None
    year: int | None = None
    published_on: date | None = None
    published_evidence: str | None = None
    folder: str | None = None  # an attachment's folder: its report page's


@dataclass
class FetchSummary:
    run_id: str
    out: Path
    db_path: Path
    outcomes: Counter = field(default_factory=Counter)
    saved_reports: int = 0  # report pages, attachments and zip members written this run
    failures: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0


def canonical(url: str) -> str:
    """The URL a task is known by: without fragment, host lower-cased."""
    parts = urlsplit(url.split("#", 1)[0])
    return parts._replace(netloc=parts.netloc.lower()).geturl()


def _disposition_name(header: str | None) -> str | None:
    if not header:
        return None
    extended = re.search(r"filename\*\s*=\s*([\w-]+)''([^;]+)", header, re.IGNORECASE)
    if extended:
        return unquote(extended.group(2).strip(), encoding=extended.group(1), errors="replace")
    plain = re.search(r'filename\s*=\s*"?([^";]+)"?', header, re.IGNORECASE)
    if plain:
        name = plain.group(1).strip()
        try:  # servers send GBK or UTF-8 bytes in the header, which arrive as latin-1
            return name.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                return name.encode("latin-1").decode("gb18030")
            except (UnicodeEncodeError, UnicodeDecodeError):
                return name
    return None


def _versioned(relative: str, version: int) -> str:
    path = PurePosixPath(relative)
    stem = re.sub(r"\.v\d+$", "", path.stem)
    return str(path.with_name(f"{stem}.v{version}{path.suffix}"))


class Fetcher:
    def __init__(
        self,
        con,
        out: Path,
        urls: list[str],
        settings: FetchSettings,
        sleep: Callable[[float], None] = time.sleep,
        db_path: Path | None = None,
    ):
        self.con = con
        self.out = out
        self.settings = settings
        self.summary = FetchSummary(uuid.uuid4().hex, out, db_path or Path())
        self.client = PoliteClient(settings, {host_of(u) for u in urls}, sleep)
        self.queue: deque[Task] = deque(Task(canonical(u), "listed") for u in urls)
        self.seen: set[str] = set()
        self.listings: set[str] = set()  # listing pages queued, against the cap
        self.listing_cap = settings.max_listing_pages * max(len(urls), 1)

    def run(self) -> FetchSummary:
        try:
            while self.queue:
                task = self.queue.popleft()
                if task.url in self.seen:
                    continue
                self.seen.add(task.url)
                self._one(task)
        finally:
            self.client.close()
            self.summary.requests = self.client.requests_made
        return self.summary

    # ------------------------------------------------------------ one URL

    def _row(self, task: Task, outcome: str, **values) -> FetchRow:
        return FetchRow(
            fetch_run_id=self.summary.run_id,
            url=values.pop("url", task.url),
            role=values.pop("role", "attachment" if task.role == "listed" else task.role),
            outcome=outcome,
            retrieved_at=_utc_now(),
            listing_url=task.listing_url,
            parent_url=task.parent_url,
            link_text=task.link_text,
            **values,
        )

    def _record(self, row: FetchRow) -> None:
        records.record(self.con, row)
        self.summary.outcomes[row.outcome] += 1
        if row.outcome in ("failed", "http_error"):
            self.summary.failures.append((row.url, row.error or f"HTTP {row.http_status}"))
        if row.outcome in ("saved", "new_version") and row.role in (
            "report_page",
            "attachment",
            "zip_member",
        ):
            self.summary.saved_reports += 1

    def _one(self, task: Task) -> None:
        prior = records.last_stored(self.con, task.url)
        if prior is not None and not files.inside(self.out, prior.saved_path).exists():
            prior = None  # the file was removed: fetch it whole again
        reply = self.client.get(
            task.url,
            etag=prior.etag if prior else None,
            last_modified=prior.last_modified if prior else None,
            already=lambda u: canonical(u) in self.seen,
        )
        final = canonical(reply.final_url)
        common = {
            "final_url": reply.final_url,
            "http_status": reply.status,
            "etag": reply.etag,
            "last_modified": reply.last_modified,
            "content_type": reply.content_type,
        }
        if reply.duplicate_of:
            why = f"redirects to {reply.duplicate_of}, fetched in this run"
            self._record(self._row(task, "skipped", error=why, **common))
            return
        if reply.error in ("disallowed", "off_site"):
            outcome = "disallowed" if reply.error == "disallowed" else "skipped"
            self._record(self._row(task, outcome, error=reply.error, **common))
            return
        if reply.error:
            self._record(self._row(task, "failed", error=reply.error, **common))
            return
        if reply.status == 304 and prior is not None:
            body = files.inside(self.out, prior.saved_path).read_bytes()
            common["etag"] = common["etag"] or prior.etag
            common["last_modified"] = common["last_modified"] or prior.last_modified
        elif reply.status != 200 or reply.body is None:
            self._record(self._row(task, "http_error", error=f"HTTP {reply.status}", **common))
            return
        else:
            body = reply.body
        self.seen.add(final)
        kind = files.sniff(body, reply.final_url)
        if kind == "html" and task.role == "attachment":
            why = "an HTML page where a file was linked (the site's error page?)"
            self._record(self._row(task, "failed", error=why, **common))
            return
        if kind == "html":
            self._page(task, reply, body, prior, common)
        else:
            self._attachment(task, reply, body, kind, prior, common)

    # ------------------------------------------------------------ pages

    def _page(self, task: Task, reply: Response, body: bytes, prior, common: dict) -> None:
        url = reply.final_url
        page = pages.read_page(body, url, reply.content_type)
        host = files.safe_name(host_of(url), fallback="site")
        listing = task.role == "listing" or (
            task.role == "listed" and pages.looks_like_listing(page, url)
        )
        if listing:
            for next_page in map(canonical, page.pager_urls):
                if next_page not in self.listings and len(self.listings) < self.listing_cap:
                    self.listings.add(next_page)
                    self._enqueue(Task(next_page, "listing", listing_url=task.url))
            for link in page.links:
                if pages.is_report_link(link) and canonical(link.url) != canonical(url):
                    role = "attachment" if pages.is_attachment_url(link.url) else "page"
                    self._enqueue(
                        Task(
                            link.url,
                            role,
                            listing_url=url,
                            link_text=link.text,
                            year=pages.report_year(link.text),
                            published_on=link.listed_on,
                            published_evidence=link.listed_evidence
                            and f"{link.listed_evidence} ({url})",
                        )
                    )
            path = PurePosixPath(urlsplit(url).path)
            name = files.safe_name(str(path.with_suffix("")).strip("/").replace("/", "_"), "index")
            relative = f"{host}/.pages/listings/{name}.html"
            self._store(task, body, "html", relative, prior, common, role="listing", page=page)
            return

        published, evidence = page.published_on, page.published_evidence
        if published is None and task.published_on is not None:
            published, evidence = task.published_on, task.published_evidence
        elif evidence:
            evidence = f"{evidence} ({url})"
        year = pages.report_year(task.link_text, page.title)
        folder = f"{host}/{year or UNDATED}"
        title = files.safe_name(page.title or task.link_text or files.name_from_url(url), "page")
        attachments = [
            k
            for k in page.links
            if pages.is_attachment_url(k.url) and canonical(k.url) != canonical(url)
        ]
        facts = {"page_title": page.title, "report_year": year}
        if not attachments:
            relative = f"{folder}/{title}.html"
            self._store(
                task, body, "html", relative, prior, common, role="report_page", page=page,
                published=(published, evidence), **facts,
            )  # fmt: skip
            return
        relative = f"{host}/.pages/{year or UNDATED}/{title}.html"
        self._store(
            task, body, "html", relative, prior, common, role="page", page=page,
            published=(published, evidence), **facts,
        )  # fmt: skip
        for link in attachments:
            self._enqueue(
                Task(
                    link.url,
                    "attachment",
                    listing_url=task.listing_url,
                    parent_url=url,
                    link_text=link.text,
                    year=year,
                    published_on=published,
                    published_evidence=evidence,
                    folder=f"{folder}/{title}",
                )
            )

    def _enqueue(self, task: Task) -> None:
        task.url = canonical(task.url)
        if task.url in self.seen:
            return
        if host_of(task.url) not in self.client.allowed_hosts:
            self.seen.add(task.url)
            self._record(self._row(task, "skipped", error="off_site"))
            return
        self.queue.append(task)

    # ------------------------------------------------------------ attachments

    def _attachment(
        self, task: Task, reply: Response, body: bytes, kind: str, prior, common: dict
    ) -> None:
        url = reply.final_url
        year = task.year or pages.report_year(task.link_text)
        folder = task.folder or f"{files.safe_name(host_of(url), 'site')}/{year or UNDATED}"
        named = _disposition_name(reply.headers.get("content-disposition"))
        if named:
            stem = PurePosixPath(named).stem
        elif task.link_text and pages.report_year(task.link_text):
            stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", task.link_text)
        else:
            stem = files.name_from_url(url)
        relative = f"{folder}/{files.safe_name(stem, 'attachment')}{files.suffix_for(kind)}"
        outcome = self._store(
            task, body, kind, relative, prior, common, role="attachment",
            published=(task.published_on, task.published_evidence), report_year=year,
        )  # fmt: skip
        if kind == "zip" and outcome in ("saved", "new_version"):
            self._unpack(task, body, year)

    def _unpack(self, task: Task, body: bytes, year: int | None) -> None:
        saved = records.last_stored(self.con, task.url)
        assert saved is not None
        folder = str(PurePosixPath(saved.saved_path).with_suffix(""))
        members, refused = files.unpack(body, self.out, folder, self.settings)
        if refused:
            self._record(
                self._row(task, "failed", role="zip_member", error=f"not unpacked: {refused}")
            )
        for member in members:
            self._record(
                self._row(
                    task,
                    "saved",
                    role="zip_member",
                    url=f"{task.url}#{member.name}",
                    detected_format=files.sniff(member.data, member.name),
                    size_bytes=len(member.data),
                    sha256=hashlib.sha256(member.data).hexdigest(),
                    published_on=task.published_on,
                    published_evidence=task.published_evidence,
                    report_year=year,
                    saved_path=member.relative,
                    version=1,
                )
            )

    # ------------------------------------------------------------ saving

    def _store(
        self,
        task: Task,
        body: bytes,
        kind: str,
        relative: str,
        prior,
        common: dict,
        *,
        role: str,
        page: pages.Page | None = None,
        published: tuple[date | None, str | None] = (None, None),
        **facts,
    ) -> str:
        """Save the bytes (unless they are on disk already) and record the retrieval; returns
        the outcome."""
        sha = hashlib.sha256(body).hexdigest()
        if common["http_status"] == 304 and prior is not None:
            outcome, relative, version = "not_modified", prior.saved_path, prior.version
        elif prior is not None and prior.sha256 == sha:
            outcome, relative, version = "unchanged", prior.saved_path, prior.version
        elif prior is not None and role in ("listing", "page"):
            # listings and pages that only link the report: the latest copy is what matters
            outcome, relative, version = "new_version", prior.saved_path, prior.version + 1
            files.write_atomic(files.inside(self.out, relative), body)
        elif prior is not None:
            outcome, version = "new_version", prior.version + 1
            relative = files.free_path(self.out, _versioned(prior.saved_path, version), body)
            files.write_atomic(files.inside(self.out, relative), body)
        else:
            outcome, version = "saved", 1
            earlier = records.path_of(self.con, sha)
            if earlier and files.inside(self.out, earlier).exists():
                relative = earlier  # the same bytes under another URL: one copy
            else:
                relative = files.free_path(self.out, relative, body)
                target = files.inside(self.out, relative)
                if not target.exists():
                    files.write_atomic(target, body)
        if page is not None and "page_title" not in facts:
            facts["page_title"] = page.title
        self._record(
            self._row(
                task,
                outcome,
                role=role,
                detected_format=kind,
                size_bytes=len(body),
                sha256=sha,
                published_on=published[0],
                published_evidence=published[1],
                saved_path=relative,
                version=version,
                **common,
                **facts,
            )
        )
        return outcome


def _utc_now():
    from loaders.store.writer import utc_now

    return utc_now()


def read_url_file(path: Path) -> list[str]:
    """URLs one a line; blank lines and `#` comments ignored."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [s for line in lines if (s := line.strip()) and not s.startswith("#")]


def bad_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    return None


def fetch(
    urls: Iterable[str],
    out: Path,
    db_path: Path,
    settings: FetchSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchSummary:
    """Fetch the listed URLs (and what they lead to) into `out`, recording into `db_path`."""
    from loaders.store.writer import connect

    urls = list(dict.fromkeys(urls))
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    con = connect(db_path, regions=False)
    try:
        fetcher = Fetcher(con, out, urls, settings or FetchSettings(), sleep, db_path)
        return fetcher.run()
    finally:
        con.close()
