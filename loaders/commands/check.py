"""`nianbao check`: the great-expectations checks (`expectations/runner.py`), recorded as a run."""

from __future__ import annotations

import argparse

from loaders.settings import warehouse_path


def main(args: argparse.Namespace) -> int:
    from expectations.runner import check
    from loaders.commands.run import record_check
    from loaders.store.writer import utc_now

    db, started = warehouse_path(args.db), utc_now()
    code = check(db, since_last_check=args.since_last_check)
    if code in (0, 1):  # it ran: a success is where the next scoped check starts
        record_check(db, started, code)
    return code
