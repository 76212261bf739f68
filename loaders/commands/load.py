"""`nianbao load`: read, parse and store report files (the store stage does the work)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from loaders.settings import warehouse_path


def main(args: argparse.Namespace) -> int:
    from loaders.store.load import load_paths

    use_ocr(args)
    summary = engine_unavailable(
        "load",
        lambda: load_paths(
            [Path(p) for p in args.paths],
            warehouse_path(args.db),
            workers=args.workers,
            progress=show_progress(),
            batch_size=args.batch_size,
            rehash=args.rehash,
            engine=args.engine,
            ray_address=args.ray_address,
        ),
    )
    if summary is None:
        return 2
    print_load_summary(summary)
    return 0 if summary.failed == 0 or args.allow_failures else 1


def print_load_summary(summary, brief: bool = False) -> None:
    """What was loaded; `brief` (run, demo) puts the parse issues on one line."""
    print(
        f"files seen {summary.files_seen}: loaded {summary.loaded}, "
        f"unchanged {summary.unchanged}, failed {summary.failed}"
    )
    for path, code, message in summary.failures:
        print(f"  FAILED {path}: [{code}] {message}")
    if summary.issues_by_code and brief:
        counts = ", ".join(f"{c} {n}" for c, n in sorted(summary.issues_by_code.items()))
        print(f"parse issues (raw.parse_issues): {counts}")
    elif summary.issues_by_code:
        print("parse issues by code:")
        for code, count in sorted(summary.issues_by_code.items()):
            print(f"  {code:<28} {count}")
    print(f"warehouse: {summary.db_path}")


def engine_unavailable(command: str, run):
    """Run the load; an engine out of reach (Ray missing, cluster down) is said in one line."""
    from loaders.store.ray_engine import EngineUnavailable

    try:
        return run()
    except EngineUnavailable as exc:
        print(f"nianbao {command}: {exc}", file=sys.stderr)
        return None


def use_ocr(args: argparse.Namespace) -> None:
    """The parse processes inherit the OCR mode through the environment."""
    if args.ocr:
        os.environ["NIANBAO_OCR"] = args.ocr


def show_progress() -> bool:
    """A progress bar only on a terminal: in a cron log each redraw would be a line of its own."""
    return sys.stderr.isatty()
