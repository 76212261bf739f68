"""`nianbao run`: the nightly job. Load what is new, build, check; one run at a time, logged."""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from loaders.settings import warehouse_path
from loaders.store import writer
from loaders.store.load import LoadSummary, load_paths, new_run_id
from loaders.store.writer import utc_now


def _marts_current(db_path: Path) -> bool:
    """True when the last build and check succeeded and nothing was loaded since."""
    if not db_path.exists():
        return False
    con = writer.connect(db_path)
    try:
        stale = con.execute(
            """with last_good as (
                   select max(started_at) as at from raw.load_runs
                   where build_status = 'success' and check_status = 'success'
               )
               select last_good.at is null or exists (
                   select 1 from raw.load_runs
                   where started_at > last_good.at and files_loaded > 0
               ) or not exists (
                   select 1 from information_schema.tables where table_schema = 'marts'
               )
               from last_good"""
        ).fetchall()[0][0]
    finally:
        con.close()
    return not stale


def _import_check_libraries() -> None:
    from expectations.runner import import_expectations

    # a failure shows when the check imports them again, with its own message
    with contextlib.suppress(Exception):
        import_expectations()


def run_pipeline(
    paths: list[Path],
    db_path: Path,
    command: str = "run",
    force: bool = False,
    rehash: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    verbose: bool = True,
    progress: bool = False,
    on_loaded: Callable[[LoadSummary], None] | None = None,
) -> tuple[int, LoadSummary]:
    """Load, then build and check unless nothing changed since a good build. Returns exit code.

    The check validates the reports loaded since the last successful check (all on a forced run).
    `verbose` shows dbt's output as it runs (it always goes to the build log); `progress` shows a
    progress bar while files load; `on_loaded` is called with the load's summary once it is done.
    """
    from expectations.runner import check
    from loaders.commands.build import PreparedBuild

    run_id = new_run_id()
    started = utc_now()
    fresh = force or not _marts_current(db_path)
    # dbt imports and reads the project while the files load. Unit tests prove the models' SQL,
    # not the data: a plain nightly run leaves them to CI, a forced run (models may have changed)
    # runs them.
    prepared = PreparedBuild(db_path, unit_tests=force, verbose=verbose)
    try:
        summary = load_paths(
            paths,
            db_path,
            run_id=run_id,
            progress=progress,
            command=command,
            rehash=rehash,
            engine=engine,
            ray_address=ray_address,
        )
    except BaseException:
        prepared.cancel()
        raise
    if on_loaded is not None:
        on_loaded(summary)
    if summary.loaded == 0 and summary.failed == 0 and not fresh:
        prepared.cancel()
        build_status = check_status = "skipped"
        print("nothing new since the last good build: dbt build and checks skipped")
        code = 0
    else:
        # the check's libraries (seconds of imports) load while dbt builds in its own process
        warm = threading.Thread(target=_import_check_libraries, daemon=True)
        warm.start()
        build_code = prepared.run()
        warm.join()
        build_status = "success" if build_code == 0 else "error"
        # a forced run rebuilds although no file is new (a model may have changed), so it checks all
        scoped = not force
        try:
            check_code = (
                check(db_path, since_last_check=scoped, brief=not verbose)
                if build_code == 0
                else None
            )
        except Exception as exc:  # noqa: BLE001 - the run row must be written whatever happens
            print(f"nianbao check crashed: {type(exc).__name__}: {exc}")
            check_code = 2
        check_status = {None: "not_run", 0: "success"}.get(check_code, "error")
        code = build_code or (check_code or 0)
    con = writer.connect(db_path)
    try:
        record = writer.RunRecord.of_load(
            summary,
            command,
            started,
            status="success" if code == 0 else "error",
            build_status=build_status,
            check_status=check_status,
        )
        writer.record_run(con, record)
    finally:
        con.close()
    return code, summary


def record_check(db_path: Path, started: datetime, code: int) -> None:
    """A check run on its own gets a row in raw.load_runs like a nightly run: a successful one
    covered every report loaded before it, so the next scoped check starts there."""
    con = writer.connect(db_path)
    try:
        status = "success" if code == 0 else "error"
        writer.record_run(
            con,
            writer.RunRecord(
                new_run_id(), "check", started, status, build_status="not_run", check_status=status
            ),
        )
    finally:
        con.close()


def main(args: argparse.Namespace) -> int:
    from loaders.commands.load import engine_unavailable, print_load_summary, show_progress, use_ocr

    use_ocr(args)
    done = engine_unavailable(
        "run",
        lambda: run_pipeline(
            [Path(p) for p in args.paths],
            warehouse_path(args.db),
            force=args.force,
            rehash=args.rehash,
            verbose=args.verbose,
            progress=show_progress(),
            on_loaded=lambda loaded: print_load_summary(loaded, brief=not args.verbose),
            engine=args.engine,
            ray_address=args.ray_address,
        ),
    )
    if done is None:
        return 2
    code, _ = done
    return code
