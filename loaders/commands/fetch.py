"""`nianbao fetch`: collect report pages and attachments (`loaders/fetch/`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from loaders.settings import warehouse_path


def fetch_arguments_error(args: argparse.Namespace) -> tuple[list[str], str | None]:
    """The URLs to fetch, or what is wrong with the command line (checked before any request)."""
    from loaders.fetch import bad_url, read_url_file

    urls = list(args.urls)
    if args.from_file:
        source = Path(args.from_file)
        if not source.is_file():
            return [], f"--from {source}: no such file; give a file of URLs, one a line"
        urls += read_url_file(source)
    if not urls:
        return [], "give at least one URL (a 年报 column's listing page), or --from FILE"
    for url in urls:
        if (why := bad_url(url)) is not None:
            return [], f"{why}: give full URLs such as https://www.example.gov.cn/zwgk/ndbg/"
    if args.delay < 0 or args.timeout <= 0 or args.max_mb <= 0 or args.retries < 0:
        return [], "--delay and --retries take 0 or more, --timeout and --max-mb more than 0"
    if Path(args.out).exists() and not Path(args.out).is_dir():
        return [], f"--out {args.out} is a file; give a folder"
    return urls, None


def main(args: argparse.Namespace) -> int:
    from loaders.fetch import fetch
    from loaders.settings import FetchSettings

    urls, error = fetch_arguments_error(args)
    if error:
        print(f"nianbao fetch: {error}", file=sys.stderr)
        return 2
    settings = replace(
        FetchSettings(),
        delay_seconds=args.delay,
        response_seconds=args.timeout,
        max_response_bytes=int(args.max_mb * 2**20),
        retries=args.retries,
    )
    from loaders.lock import WarehouseBusy, warehouse_lock

    db = warehouse_path(args.db)
    try:  # the lock only now, once the command line is known to be right
        with warehouse_lock(db, "fetch"):
            summary = fetch(urls, Path(args.out), db, settings)
    except WarehouseBusy as busy:
        print(f"nianbao fetch: {busy}", file=sys.stderr)
        return 75
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items()))
    print(f"requests {summary.requests}; retrievals: {outcomes or 'none'}")
    print(f"report files saved (new or changed): {summary.saved_reports}")
    for url, why in summary.failures:
        print(f"  FAILED {url}: {why}")
    print(f"files: {summary.out}")
    print(f"records: raw.fetches in {summary.db_path}")
    return 0 if not summary.failures or args.allow_failures else 1
