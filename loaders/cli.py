"""The `nianbao` command line: load, build, check, run, eval, demo, export, trace."""

from __future__ import annotations

import argparse
import os
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


# ---------------------------------------------------------------- the parse engine (--engine)
ENGINE_ENV, RAY_ADDRESS_ENV = "NIANBAO_ENGINE", "NIANBAO_RAY_ADDRESS"


def _engine(value: str) -> str:
    if value not in ("local", "ray"):
        raise argparse.ArgumentTypeError(f"{value!r}: choose local or ray")
    if value == "ray":
        from loaders.engine_ray import INSTALL_HINT, available

        if not available():
            raise argparse.ArgumentTypeError(INSTALL_HINT)
    return value


def _ray_address(value: str) -> str:
    host, _, port = value.removeprefix("ray://").rpartition(":")
    if value in ("local", "auto") or (host and port.isdigit()):
        return value
    raise argparse.ArgumentTypeError(f"{value!r}: give local, auto, ray://HOST:PORT or HOST:PORT")


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        type=_engine,
        default=os.environ.get(ENGINE_ENV) or "local",
        help=f"where files are parsed: local processes or Ray tasks (default: ${ENGINE_ENV} "
        "or local)",
    )
    p.add_argument(
        "--ray-address",
        type=_ray_address,
        default=os.environ.get(RAY_ADDRESS_ENV) or None,
        help="with --engine ray: local (a Ray instance on this machine, the default), auto (the "
        f"cluster this node is in) or ray://HOST:PORT (default: ${RAY_ADDRESS_ENV})",
    )


def _engine_unavailable(command: str, run):
    """Run the load; an engine out of reach (Ray missing, cluster down) is said in one line."""
    from loaders.engine_ray import EngineUnavailable

    try:
        return run()
    except EngineUnavailable as exc:
        print(f"nianbao {command}: {exc}", file=sys.stderr)
        return None


# ---------------------------------------------------------------- commands


def cmd_load(args: argparse.Namespace) -> int:
    from loaders.load import load_paths

    _use_ocr(args)
    summary = _engine_unavailable(
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

    _use_ocr(args)
    done = _engine_unavailable(
        "run",
        lambda: run_pipeline(
            [Path(p) for p in args.paths],
            warehouse_path(args.db),
            force=args.force,
            rehash=args.rehash,
            verbose=args.verbose,
            progress=show_progress(),
            on_loaded=lambda loaded: _print_load_summary(loaded, brief=not args.verbose),
            engine=args.engine,
            ray_address=args.ray_address,
        ),
    )
    if done is None:
        return 2
    code, _ = done
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


# --- OCR of scans: `--ocr auto|off|force` on load and run ---
OCR_HELP = (
    "auto (default): read pages without a usable text layer, and image files, by OCR; "
    "off: never; force: also PDFs whose text layer is garbage (fonts without Unicode maps)"
)


def _ocr_option(p: argparse.ArgumentParser) -> None:
    from loaders.settings import OCR_MODES

    p.add_argument("--ocr", choices=OCR_MODES, default=None, help=OCR_HELP)


def _use_ocr(args: argparse.Namespace) -> None:
    """The parse processes inherit the mode through the environment."""
    import os

    if args.ocr:
        os.environ["NIANBAO_OCR"] = args.ocr


# --- export and trace: read-only views of a built warehouse -------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from loaders.export import ExportError, export, plan

    out = Path(args.out)
    try:
        plan(args.models, args.format, out)  # a bad mart name is caught before anything opens
        written = export(
            warehouse_path(args.db), out, args.format, args.models, args.chinese_headers
        )
    except ExportError as error:
        print(f"nianbao export: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from loaders.trace import TraceError, trace

    try:
        lines = trace(warehouse_path(args.db), args.report, args.key)
    except TraceError as error:
        print(f"nianbao trace: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def add_read_only_commands(sub, with_db) -> None:
    export = with_db(sub.add_parser("export", help="write marts as parquet, csv or xlsx"))
    export.add_argument("--format", required=True, choices=["parquet", "csv", "xlsx"])
    export.add_argument("--out", required=True, help="folder to write into")
    export.add_argument(
        "--models", nargs="+", metavar="MART", help="marts to write (default: every mart)"
    )
    export.add_argument(
        "--chinese-headers", action="store_true", help="xlsx: Chinese column headers"
    )
    export.set_defaults(func=cmd_export)

    trace = with_db(sub.add_parser("trace", help="the source lines behind a report's figure"))
    trace.add_argument("report", help="report_id, an id prefix (8+ characters) or file name")
    trace.add_argument(
        "key",
        help="table.row.column (applications.new_received.total; a prefix gives the row) or a "
        "narrative figure key (applications_received)",
    )
    trace.set_defaults(func=cmd_trace)


# ---------------------------------------------------------------------------------------------


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
# a warehouse that must exist already (export names a bad mart before a missing warehouse)
NEEDS_WAREHOUSE = {"build", "check", "eval", "sql", "trace"}
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
    _ocr_option(load)
    add_engine_options(load)
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
    _ocr_option(run)
    add_engine_options(run)
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

    add_read_only_commands(sub, with_db)
    add_fetch_parser(sub, with_db)
    return parser


# ---------------------------------------------------------------- fetch


def add_fetch_parser(sub, with_db) -> None:
    from loaders.fetch.settings import FetchSettings

    default = FetchSettings()
    fetch = with_db(
        sub.add_parser(
            "fetch",
            help="collect report pages and attachments from a site's 年报 column",
            description="Fetch listing pages (a 年报 column, with its pagination), report pages "
            "or attachments into a folder nianbao run reads, recording each retrieval in "
            "raw.fetches. Respects robots.txt; a second run downloads only what changed.",
        )
    )
    fetch.add_argument("urls", nargs="*", help="listing pages, report pages or attachments")
    fetch.add_argument("--from", dest="from_file", help="a file of URLs, one a line (# comments)")
    fetch.add_argument("--out", required=True, help="folder to save into (made if missing)")
    fetch.add_argument(
        "--delay",
        type=float,
        default=default.delay_seconds,
        help=f"seconds between two requests to one host (default {default.delay_seconds})",
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        default=default.response_seconds,
        help=f"seconds a response may take (default {default.response_seconds:.0f}; one that "
        f"sends nothing for {default.idle_seconds:.0f} s is abandoned sooner)",
    )
    fetch.add_argument(
        "--max-mb",
        type=float,
        default=default.max_response_bytes / 2**20,
        help=f"largest response kept, in MB (default {default.max_response_bytes // 2**20})",
    )
    fetch.add_argument(
        "--retries",
        type=int,
        default=default.retries,
        help=f"retries on timeouts and 5xx (default {default.retries})",
    )
    fetch.add_argument(
        "--allow-failures", action="store_true", help="exit 0 even when some retrievals failed"
    )
    fetch.set_defaults(func=cmd_fetch)


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


def cmd_fetch(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from loaders.fetch import fetch
    from loaders.fetch.settings import FetchSettings

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
