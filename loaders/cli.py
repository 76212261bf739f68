"""The `nianbao` command line: load, build, check, run, eval, demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.settings import BATCH_SIZE, DEFAULT_DB, warehouse_path


def _print_load_summary(summary, brief: bool = False) -> None:
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


REHASH_HELP = (
    "read and fingerprint every file, even those whose size and modification time say they "
    "are stored already"
)


def cmd_load(args: argparse.Namespace) -> int:
    from loaders.load import load_paths

    summary = load_paths(
        [Path(p) for p in args.paths],
        warehouse_path(args.db),
        workers=args.workers,
        progress=show_progress(),
        batch_size=args.batch_size,
        rehash=args.rehash,
    )
    _print_load_summary(summary)
    return 0 if summary.failed == 0 or args.allow_failures else 1


def cmd_build(args: argparse.Namespace) -> int:
    from loaders.build import build

    return build(warehouse_path(args.db), full_refresh=args.full_refresh, verbose=args.verbose)


def cmd_check(args: argparse.Namespace) -> int:
    from loaders.check import check
    from loaders.nightly import record_check
    from loaders.store import utc_now

    db, started = warehouse_path(args.db), utc_now()
    code = check(db, since_last_check=args.since_last_check)
    if code in (0, 1):  # it ran: a success is where the next scoped check starts
        record_check(db, started, code)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from loaders.nightly import run_pipeline

    code, _ = run_pipeline(
        [Path(p) for p in args.paths],
        warehouse_path(args.db),
        force=args.force,
        rehash=args.rehash,
        verbose=args.verbose,
        progress=show_progress(),
        on_loaded=lambda loaded: _print_load_summary(loaded, brief=not args.verbose),
    )
    return code


EVAL_EXIT_CODES = """exit status: 0 accuracy at or above both thresholds; 1 below a threshold;
2 a bad command line; 3 the gold file is missing, not JSON, or not in the gold shape;
4 no warehouse at --db, or one not built yet"""


def cmd_eval(args: argparse.Namespace) -> int:
    from loaders.evaluate import EvalInputError, evaluate

    try:
        return evaluate(
            Path(args.gold),
            warehouse_path(args.db),
            args.min_cell_accuracy,
            args.min_metadata_accuracy,
        )
    except EvalInputError as exc:
        print(f"nianbao eval: {exc}", file=sys.stderr)
        return exc.code


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the bundled samples: run the nightly job, then say where results are."""
    from loaders.charts import write_charts
    from loaders.check import default_quality_dir
    from loaders.nightly import run_pipeline

    db = warehouse_path(args.db)
    code, _ = run_pipeline(
        [Path(p) for p in args.paths],
        db,
        command="demo",
        force=True,
        verbose=args.verbose,
        progress=show_progress(),
        on_loaded=lambda loaded: _print_load_summary(loaded, brief=not args.verbose),
    )
    if code != 0:
        return code
    print(f"marts: schema 'marts' of {db}")
    if args.verbose:  # else the check's summary said where it is
        print(f"data quality report: {default_quality_dir(db) / 'index.html'}")
    for png in write_charts(db, db.parent / "charts", note=lambda text: print(f"charts: {text}")):
        print(f"chart: {png}")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from loaders.sql_shell import main as sql_main

    return sql_main(warehouse_path(args.db), args.command_sql, args.csv)


WRITERS = {"load", "build", "check", "run", "demo"}


def show_progress() -> bool:
    """A progress bar only on a terminal: in a cron log each redraw would be a line of its own."""
    return sys.stderr.isatty()


# ---------------------------------------------------------------- mistakes caught up front
# Checked before anything is opened, so that a mistyped path leaves no warehouse, lock file or
# error row behind. Each command lists what it needs; a new command adds its own line.
NEEDS_INPUT_PATHS = {"load", "run", "demo"}  # report files or folders that must exist
NEEDS_WAREHOUSE = {"build", "check", "eval", "sql"}  # a warehouse that must exist already
CREATES_WAREHOUSE = {"load", "run", "demo"}  # may create one: its folder must exist


USAGE_ERROR = 2  # as argparse exits on a bad command line
NO_WAREHOUSE_EXIT = {"eval": 4}  # commands documenting their own code for a missing warehouse


def refuse_mistakes(args: argparse.Namespace) -> tuple[int, str] | None:
    """(exit code, one line saying what to do) when the command line cannot work, else None."""
    if args.command in NEEDS_INPUT_PATHS:
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            return USAGE_ERROR, f"{missing[0]} does not exist: give report files or folders"
    db = warehouse_path(args.db)
    if args.command in NEEDS_WAREHOUSE and not db.is_file():
        return NO_WAREHOUSE_EXIT.get(args.command, USAGE_ERROR), (
            f"no warehouse at {db}: load reports first (nianbao load PATH --db {db}), "
            "or point --db / NIANBAO_DB at an existing one"
        )
    if args.command in CREATES_WAREHOUSE and not db.parent.is_dir():
        if db != DEFAULT_DB:
            return USAGE_ERROR, (
                f"the folder {db.parent} does not exist: create it (mkdir -p {db.parent}) "
                "or give --db a file in an existing folder"
            )
        db.parent.mkdir(parents=True, exist_ok=True)  # the project's own folder, made on first use
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao", description="Government information-disclosure annual reports → DuckDB"
    )
    db_help = "warehouse file (default: $NIANBAO_DB or warehouse/nianbao.duckdb)"
    verbose_help = "show dbt's own output as it runs (it always goes to a log file)"
    # accepted before the subcommand (`nianbao --db X run ...`) and after it
    parser.add_argument("--db", help=db_help)
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        # SUPPRESS: a subcommand without --db keeps the value given before it
        p.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
        p.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help
        )
        return p

    load = with_db(sub.add_parser("load", help="read, parse and store report files"))
    load.add_argument("paths", nargs="+", help="files or folders")
    load.add_argument("--workers", type=int, default=None, help="parse processes (default: cores)")
    load.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help=f"documents per transaction (default {BATCH_SIZE})",
    )
    load.add_argument("--rehash", action="store_true", help=REHASH_HELP)
    load.add_argument(
        "--allow-failures", action="store_true", help="exit 0 even when some files failed"
    )
    load.set_defaults(func=cmd_load)

    build = with_db(sub.add_parser("build", help="dbt build on the warehouse"))
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    build.set_defaults(func=cmd_build)

    check = with_db(sub.add_parser("check", help="great-expectations checks and data docs"))
    check.add_argument(
        "--since-last-check",
        action="store_true",
        help="validate only the reports loaded since the last successful check of nianbao run "
        "(all of them when none succeeded)",
    )
    check.set_defaults(func=cmd_check)

    run = with_db(sub.add_parser("run", help="nightly job: load new files, build, check"))
    run.add_argument("paths", nargs="+", help="files or folders")
    run.add_argument(
        "--force",
        action="store_true",
        help="build (with the dbt unit tests) and check everything, even if nothing changed",
    )
    run.add_argument("--rehash", action="store_true", help=REHASH_HELP)
    run.set_defaults(func=cmd_run)

    evaluate = with_db(
        sub.add_parser(
            "eval",
            help="compare the marts with gold labels",
            epilog=EVAL_EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    evaluate.add_argument(
        "gold", help="gold JSON (shape of data/samples/gold.json, docs/contract.md)"
    )
    evaluate.add_argument("--min-cell-accuracy", type=float, default=0.995)
    evaluate.add_argument("--min-metadata-accuracy", type=float, default=1.0)
    evaluate.set_defaults(func=cmd_eval)

    sub.add_parser("generate", help="synthetic reports with gold: N --out DIR [--seed S]")

    sql = with_db(
        sub.add_parser(
            "sql",
            help="read-only SQL shell on the warehouse (-c SQL, standard input, or interactive)",
        )
    )
    sql.add_argument("-c", dest="command_sql", metavar="SQL", help="run these statements, exit")
    sql.add_argument("--csv", action="store_true", help="results as CSV (every row)")
    sql.set_defaults(func=cmd_sql)

    demo = with_db(sub.add_parser("demo", help="the whole job on the bundled sample reports"))
    demo.add_argument("paths", nargs="*", default=["data/samples"], help="report folders")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from loaders.lock import WarehouseBusy, warehouse_lock
    from loaders.settings import WarehouseInUse

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:  # its own parser: N --out DIR [--seed S] [--formats ...]
        from loaders.generate import main as generate_main

        return generate_main(argv[1:])
    args = build_parser().parse_args(argv)
    mistake = refuse_mistakes(args)
    if mistake:
        code, message = mistake
        print(f"nianbao {args.command}: {message}", file=sys.stderr)
        return code
    try:
        if args.command not in WRITERS:
            return args.func(args)
        with warehouse_lock(warehouse_path(args.db), args.command):
            return args.func(args)
    except (WarehouseBusy, WarehouseInUse) as busy:
        print(f"nianbao {args.command}: {busy}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


if __name__ == "__main__":
    sys.exit(main())
