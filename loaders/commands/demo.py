"""`nianbao demo`: the whole job on the bundled samples, then where the results are."""

from __future__ import annotations

import argparse
from pathlib import Path

from loaders.commands.load import print_load_summary, show_progress
from loaders.settings import warehouse_path


def main(args: argparse.Namespace) -> int:
    from expectations.runner import default_quality_dir
    from loaders.analysis.charts import write_charts
    from loaders.commands.run import run_pipeline

    db = warehouse_path(args.db)
    code, _ = run_pipeline(
        [Path(p) for p in args.paths],
        db,
        command="demo",
        force=True,
        verbose=args.verbose,
        progress=show_progress(),
        on_loaded=lambda loaded: print_load_summary(loaded, brief=not args.verbose),
    )
    if code != 0:
        return code
    print(f"marts: schema 'marts' of {db}")
    if args.verbose:  # else the check's summary said where it is
        print(f"data quality report: {default_quality_dir(db) / 'index.html'}")
    for png in write_charts(db, db.parent / "charts", note=lambda text: print(f"charts: {text}")):
        print(f"chart: {png}")
    return 0
