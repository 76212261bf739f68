"""The bounds and manners of `nianbao fetch`: constants only."""

from __future__ import annotations

from dataclasses import dataclass

USER_AGENT = "nianbao-fetch/0.1 (annual-report collection; respects robots.txt)"


@dataclass(frozen=True)
class FetchSettings:
    # manners: one request at a time, and at least this long between two to one host (a
    # robots.txt Crawl-delay that asks for more wins)
    delay_seconds: float = 1.0
    # a response that has not arrived whole in this time is abandoned (and retried), and so is
    # one that sends nothing for idle_seconds (whichever is shorter)
    response_seconds: float = 300.0
    idle_seconds: float = 30.0
    # a response larger than this is abandoned: real report PDFs stay well under it
    max_response_bytes: int = 64 * 2**20
    # timeouts, dropped connections and 5xx are retried this often, after backoff, 2x backoff...
    retries: int = 3
    backoff_seconds: float = 2.0
    max_redirects: int = 5
    # listing pages followed from one listed URL (pagination of a 年报 column)
    max_listing_pages: int = 200
    # zip attachments: members, bytes unpacked and compression ratio beyond which a zip is not
    # unpacked (it is kept as it came)
    zip_max_members: int = 200
    zip_max_bytes: int = 256 * 2**20
    zip_max_ratio: float = 100.0
    user_agent: str = USER_AGENT
    # HTTP(S)_PROXY / NO_PROXY from the environment, as other command-line clients do
    proxies_from_environment: bool = True
