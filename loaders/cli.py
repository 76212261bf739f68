"""The `nianbao` command line: load, build, check, run, eval, demo, export, trace."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from loaders.settings import BATCH_SIZE, warehouse_path


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
            progress=True,
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

    return build(warehouse_path(args.db), full_refresh=args.full_refresh)


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
            engine=args.engine,
            ray_address=args.ray_address,
        ),
    )
    if done is None:
        return 2
    code, summary = done
    _print_load_summary(summary)
    return code


def cmd_eval(args: argparse.Namespace) -> int:
    from loaders.evaluate import evaluate

    return evaluate(
        Path(args.gold), warehouse_path(args.db), args.min_cell_accuracy, args.min_metadata_accuracy
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the bundled samples: run the nightly job, then say where results are."""
    from loaders.charts import write_charts
    from loaders.nightly import run_pipeline

    db = warehouse_path(args.db)
    code, summary = run_pipeline([Path(p) for p in args.paths], db, command="demo", force=True)
    _print_load_summary(summary)
    if code != 0:
        return code
    print(f"marts: schema 'marts' of {db}")
    print(f"data quality report: {db.parent / 'quality' / 'index.html'}")
    for png in write_charts(db, db.parent / "charts"):
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

WRITERS = {"load", "build", "check", "run", "demo"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao", description="Government information-disclosure annual reports → DuckDB"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db", help="warehouse file (default: $NIANBAO_DB or warehouse/nianbao.duckdb)"
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

    evaluate = with_db(sub.add_parser("eval", help="compare the marts with gold labels"))
    evaluate.add_argument("gold", help="gold JSON (shape of shared/contract/gold/*.json)")
    evaluate.add_argument("--min-cell-accuracy", type=float, default=0.995)
    evaluate.add_argument("--min-metadata-accuracy", type=float, default=1.0)
    evaluate.set_defaults(func=cmd_eval)

    sub.add_parser("generate", help="synthetic reports with gold: N --out DIR [--seed S]")

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

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:  # its own parser: N --out DIR [--seed S] [--formats ...]
        from loaders.generate import main as generate_main

        return generate_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command not in WRITERS:
        return args.func(args)
    try:
        with warehouse_lock(warehouse_path(args.db), args.command):
            return args.func(args)
    except WarehouseBusy as busy:
        print(f"nianbao {args.command}: {busy}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


if __name__ == "__main__":
    sys.exit(main())
