"""A polite HTTP client: robots.txt, one request at a time with a delay per host, retries with
backoff, conditional requests, and caps on each response's size and time.

Redirects are followed here, hop by hop, so that every hop is checked against the hosts the
fetch may visit and against robots.txt before it is requested.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from loaders.settings import FetchSettings

REDIRECTS = {301, 302, 303, 307, 308}
ROBOTS_UNREADABLE = "robots.txt unreadable (5xx or no answer): the site is left alone this run"
MAX_RETRY_AFTER = 120.0  # seconds: a longer Retry-After is cut to this


@dataclass
class Response:
    """What one URL gave: `body` is None unless the status is 200; `error` says why there is no
    usable response (timeout, too_large, disallowed, off_site, ...)."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None
    # the final URL was already handled in this run (a redirect onto a known page)
    duplicate_of: str | None = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class TooLarge(Exception):
    pass


class TooSlow(Exception):
    pass


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class PoliteClient:
    """Requests one at a time; `allowed_hosts` are the only hosts it will contact."""

    def __init__(
        self,
        settings: FetchSettings,
        allowed_hosts: set[str],
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.allowed_hosts = allowed_hosts
        self._sleep = sleep
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}  # None: robots.txt unreachable, stay away
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(min(settings.idle_seconds, settings.response_seconds)),
            follow_redirects=False,
            trust_env=settings.proxies_from_environment,
        )
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------ robots.txt

    def _rules(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            robots_url = f"{key}/robots.txt"
            got = self._with_retries(robots_url, {})
            if got.status is not None and 400 <= got.status < 500:
                rules = Protego.parse("")  # no robots.txt: everything may be fetched
            elif got.status == 200 and got.body is not None:
                rules = Protego.parse(got.body.decode("utf-8", errors="replace"))
            else:  # 5xx or unreachable: the site's wishes are unknown, so ask for nothing
                rules = None
            self._robots[key] = rules
        return self._robots[key]

    def allowed(self, url: str) -> bool:
        rules = self._rules(url)
        return rules is not None and rules.can_fetch(url, self.settings.user_agent)

    def _delay_for(self, host: str) -> float:
        delay = self.settings.delay_seconds
        rules = self._robots.get(host)
        if rules is not None:
            asked = rules.crawl_delay(self.settings.user_agent)
            if asked:
                delay = max(delay, float(asked))
        return delay

    # ------------------------------------------------------------ requests

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        already: Callable[[str], bool] = lambda _url: False,
    ) -> Response:
        """GET `url`, following redirects within the allowed hosts; conditional when `etag` or
        `last_modified` is given (a 304 comes back with no body). A hop onto a URL for which
        `already` is true stops there, with `duplicate_of` set."""
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            if host_of(current) not in self.allowed_hosts:
                return Response(url, current, error="off_site")
            if self._rules(current) is None:
                return Response(url, current, error=ROBOTS_UNREADABLE)
            if not self.allowed(current):
                return Response(url, current, error="disallowed")
            got = self._with_retries(current, conditional)
            got.url = url
            if got.status not in REDIRECTS:
                return got
            location = got.headers.get("location")
            if not location:
                got.error = "redirect_without_location"
                return got
            current = urljoin(current, location).split("#", 1)[0]
            if urlsplit(current).scheme not in ("http", "https"):
                return Response(url, current, status=got.status, error="redirect_not_http")
            if already(current):
                return Response(url, current, status=got.status, duplicate_of=current)
        return Response(url, current, error="too_many_redirects")

    def _with_retries(self, url: str, headers: dict[str, str]) -> Response:
        attempt = 0
        while True:
            got = self._request(url, headers)
            retry = got.status is None or got.status >= 500 or got.status == 429
            if not retry or attempt >= self.settings.retries or got.error == "too_large":
                return got
            wait = self.settings.backoff_seconds * 2**attempt
            asked = got.headers.get("retry-after", "")
            if asked.isdigit():  # the server's own wish, within reason
                wait = max(wait, min(float(asked), MAX_RETRY_AFTER))
            self._sleep(wait)
            attempt += 1

    def _wait_turn(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = last + self._delay_for(host) - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = time.monotonic()

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        """One request, within the size and time caps; never raises for network trouble."""
        parts = urlsplit(url)
        self._wait_turn(f"{parts.scheme}://{parts.netloc}")
        self.requests_made += 1
        deadline = time.monotonic() + self.settings.response_seconds
        cap = self.settings.max_response_bytes
        try:
            with self._client.stream("GET", url, headers=headers) as reply:
                kept = {k.lower(): v for k, v in reply.headers.items()}
                got = Response(url, str(reply.url), status=reply.status_code, headers=kept)
                if reply.status_code != 200:
                    return got
                declared = kept.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise TooLarge
                chunks, size = [], 0
                for chunk in reply.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise TooLarge
                    if time.monotonic() > deadline:
                        raise TooSlow
                    chunks.append(chunk)
                got.body = b"".join(chunks)
                return got
        except TooLarge:
            return Response(url, url, status=200, error="too_large")
        except (TooSlow, httpx.TimeoutException):
            return Response(url, url, error="timeout")
        except httpx.HTTPError as exc:
            return Response(url, url, error=f"network: {type(exc).__name__}")
