"""The `nianbao` command line: load, build, check, run, eval, demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.settings import warehouse_path


def _print_load_summary(summary) -> None:
    print(
        f"files seen {summary.files_seen}: loaded {summary.loaded}, "
        f"unchanged {summary.unchanged}, failed {summary.failed}"
    )
    for path, code, message in summary.failures:
        print(f"  FAILED {path}: [{code}] {message}")
    if summary.issues_by_code:
        print("parse issues by code:")
        for code, count in sorted(summary.issues_by_code.items()):
            print(f"  {code:<28} {count}")
    print(f"warehouse: {summary.db_path}")


def cmd_load(args: argparse.Namespace) -> int:
    from loaders.load import load_paths

    summary = load_paths(
        [Path(p) for p in args.paths], warehouse_path(args.db), workers=args.workers, progress=True
    )
    _print_load_summary(summary)
    return 0 if summary.failed == 0 or args.allow_failures else 1


def cmd_build(args: argparse.Namespace) -> int:
    from loaders.build import build

    return build(warehouse_path(args.db), full_refresh=args.full_refresh)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the bundled samples: load, build, and say where the results are."""
    from loaders.build import build
    from loaders.load import load_paths

    db = warehouse_path(args.db)
    summary = load_paths([Path(p) for p in args.paths], db, progress=True, command="demo")
    _print_load_summary(summary)
    if summary.failed:
        return 1
    status = build(db)
    if status != 0:
        print(f"dbt build failed with exit status {status}")
        return status
    print(f"marts built in schema 'marts' of {db}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao", description="Government information-disclosure annual reports → DuckDB"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="warehouse file (default: $NIANBAO_DB or warehouse/nianbao.duckdb)")
        return p

    load = with_db(sub.add_parser("load", help="read, parse and store report files"))
    load.add_argument("paths", nargs="+", help="files or folders")
    load.add_argument("--workers", type=int, default=None, help="parse processes (default: cores)")
    load.add_argument(
        "--allow-failures", action="store_true", help="exit 0 even when some files failed"
    )
    load.set_defaults(func=cmd_load)

    build = with_db(sub.add_parser("build", help="dbt build on the warehouse"))
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    build.set_defaults(func=cmd_build)

    demo = with_db(sub.add_parser("demo", help="the whole job on the bundled sample reports"))
    demo.add_argument("paths", nargs="*", default=["data/samples"], help="report folders")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
