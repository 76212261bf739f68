"""The `nianbao` command line: its arguments, the mistakes refused before anything is opened, and
the writer lock. Each command runs in the module of its name: `nianbao eval` is
`loaders/commands/eval.py`, whose `main(args)` returns the exit status."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from loaders.settings import BATCH_SIZE, DEFAULT_DB, warehouse_path

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
        from loaders.store.ray_engine import INSTALL_HINT, available

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


EVAL_EXIT_CODES = """exit status: 0 accuracy at or above both thresholds; 1 below a threshold;
2 a bad command line; 3 the gold file is missing, not JSON, or not in the gold shape;
4 no warehouse at --db, or one not built yet"""


# --- OCR of scans: `--ocr auto|off|force` on load and run ---
OCR_HELP = (
    "auto (default): read pages without a usable text layer, and image files, by OCR; "
    "off: never; force: also PDFs whose text layer is garbage (fonts without Unicode maps)"
)


def _ocr_option(p: argparse.ArgumentParser) -> None:
    from loaders.settings import OCR_MODES

    p.add_argument("--ocr", choices=OCR_MODES, default=None, help=OCR_HELP)


# --- export and trace: read-only views of a built warehouse -------------------------------------


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

    trace = with_db(sub.add_parser("trace", help="the source lines behind a report's figure"))
    trace.add_argument("report", help="report_id, an id prefix (8+ characters) or file name")
    trace.add_argument(
        "key",
        help="table.row.column (applications.new_received.total; a prefix gives the row) or a "
        "narrative figure key (applications_received)",
    )


# ---------------------------------------------------------------- the writer lock
WRITERS = {"load", "build", "check", "run", "demo"}  # hold loaders/lock.py while they run


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

    build = with_db(sub.add_parser("build", help="dbt build on the warehouse"))
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")

    check = with_db(sub.add_parser("check", help="great-expectations checks and data docs"))
    check.add_argument(
        "--since-last-check",
        action="store_true",
        help="validate only the reports loaded since the last successful check of nianbao run "
        "(all of them when none succeeded)",
    )

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

    add_generate_parser(sub)

    sql = with_db(
        sub.add_parser(
            "sql",
            help="read-only SQL shell on the warehouse (-c SQL, standard input, or interactive)",
        )
    )
    sql.add_argument("-c", dest="command_sql", metavar="SQL", help="run these statements, exit")
    sql.add_argument("--csv", action="store_true", help="results as CSV (every row)")

    demo = with_db(sub.add_parser("demo", help="the whole job on the bundled sample reports"))
    demo.add_argument("paths", nargs="*", default=["data/samples"], help="report folders")

    add_read_only_commands(sub, with_db)
    add_fetch_parser(sub, with_db)
    return parser


# ---------------------------------------------------------------- fetch


def add_fetch_parser(sub, with_db) -> None:
    from loaders.settings import FetchSettings

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


def add_generate_parser(sub) -> None:
    from loaders.synthetic import DEFAULT_FORMATS, FORMATS

    generate = sub.add_parser(
        "generate",
        help="synthetic reports with gold: N --out DIR [--seed S]",
        description="write N synthetic reports and their gold.json",
    )
    generate.add_argument("n", type=int, help="number of reports")
    generate.add_argument("--out", required=True, help="output folder")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument(
        "--formats",
        default=",".join(DEFAULT_FORMATS),
        help=f"comma-separated, from {','.join(FORMATS)} (default: {','.join(DEFAULT_FORMATS)})",
    )


def main(argv: list[str] | None = None) -> int:
    from loaders.lock import WarehouseBusy, warehouse_lock
    from loaders.warehouse import WarehouseInUse

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    mistake = refuse_mistakes(args)
    if mistake:
        code, message = mistake
        print(f"nianbao {args.command}: {message}", file=sys.stderr)
        return code
    try:
        command = importlib.import_module(f"loaders.commands.{args.command}")
        if args.command not in WRITERS:
            return command.main(args)
        with warehouse_lock(warehouse_path(args.db), args.command):
            return command.main(args)
    except (WarehouseBusy, WarehouseInUse) as busy:
        print(f"nianbao {args.command}: {busy}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


if __name__ == "__main__":
    sys.exit(main())
