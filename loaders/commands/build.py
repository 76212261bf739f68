"""`nianbao build`: run dbt on the warehouse with the profile kept in `dbt_project/`.

dbt runs as a subprocess (`loaders/dbt_process.py`, dbt's Python API), so a build holds the
DuckDB file only for its own lifetime and the caller's process never keeps a lock on it. dbt's
output goes line by line to a log file beside the warehouse (`<stem>.logs/dbt_build.log`, the last
build's) and, when `verbose`, to our stdout as dbt writes it; a short summary follows (the counts,
or the failures) with the log's path. The return value is dbt's exit code (0 success, 1 a model or
test failed, 2 dbt could not run). The nightly run starts its `PreparedBuild` before the load, so
that dbt's imports and reading of the project overlap it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from loaders import dbt_process
from loaders.settings import BUILD_THREADS, DBT_PROJECT_DIR, warehouse_path


def dbt_executable() -> list[str]:
    """The dbt of this environment: next to sys.executable, else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("dbt")
    if found:
        return [found]
    return [sys.executable, "-m", "dbt.cli.main"]


def dbt_env(db_path: Path, target_dir: Path | None = None) -> dict[str, str]:
    """Environment for a dbt run: the warehouse path, no telemetry, optional private target dir."""
    env = dict(os.environ)
    env["NIANBAO_DB"] = str(Path(db_path).expanduser().resolve())
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    if target_dir is not None:
        # concurrent builds (tests, several warehouses) must not share target/ and logs/
        env["DBT_TARGET_PATH"] = str(Path(target_dir).resolve())
        env["DBT_LOG_PATH"] = str(Path(target_dir).resolve() / "logs")
    return env


# dbt colours its lines for a terminal; a log file or a cron mail gets none
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# dbt's closing line, and the start of its list of failures
DONE_LINE = re.compile(r"Done\. PASS=\d+")
FAILURES_START = re.compile(r"Completed with \d+ (error|warning)")
SUMMARY_MAX_LINES = 30  # of failures shown; the log holds them all
# what the runner says while it waits for readers of the warehouse to close (always shown)
WAITING = "waiting for "


def build_log_path(db_path: Path) -> Path:
    """`warehouse/nianbao.duckdb` -> `warehouse/nianbao.logs/dbt_build.log`."""
    db_path = Path(db_path).expanduser().resolve()
    return db_path.with_name(f"{db_path.stem}.logs") / "dbt_build.log"


def _project_options() -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def _start(
    command: list[str], db_path: Path, target_dir: Path | None, colours: bool = False, **kwargs
):
    env = dbt_env(db_path, target_dir)
    env["DBT_USE_COLORS"] = "True" if colours else "False"
    return subprocess.Popen(
        command,
        cwd=DBT_PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        **kwargs,
    )


def _relay(process: subprocess.Popen, log_path: Path | None = None, verbose: bool = True) -> int:
    """The process's output to `log_path` and, when `verbose`, to our stdout as it comes; with a
    log, a short summary after it. The process's exit code."""
    lines: list[str] = []
    log = None
    try:
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = log_path.open("w", encoding="utf-8")
        assert process.stdout is not None
        for line in process.stdout:
            if verbose or line.startswith(WAITING):
                sys.stdout.write(line)
                sys.stdout.flush()
            if log is not None:
                plain = ANSI_ESCAPE.sub("", line)
                log.write(plain)
                lines.append(plain.rstrip("\n"))
        code = process.wait()
    except BaseException:
        _stop(process)
        raise
    finally:
        if log is not None:
            log.close()
    if log_path is not None:
        _print_summary(lines, code, log_path, verbose)
    return code


def _print_summary(lines: list[str], code: int, log_path: Path, verbose: bool) -> None:
    """The counts of a build; when it failed (and was not shown live), what failed."""
    done = next((line for line in reversed(lines) if DONE_LINE.search(line)), None)
    if code != 0 and not verbose:
        start = next((i for i, line in enumerate(lines) if FAILURES_START.search(line)), None)
        shown = lines[start:] if start is not None else lines[-SUMMARY_MAX_LINES:]
        shown = [line for line in shown if line.strip() and not DONE_LINE.search(line)]
        for line in shown[:SUMMARY_MAX_LINES]:
            print(f"  {_without_clock(line)}")
        if len(shown) > SUMMARY_MAX_LINES:
            print(f"  ... {len(shown) - SUMMARY_MAX_LINES} more lines in the log")
    outcome = "ok" if code == 0 else f"failed (dbt exit {code})"
    counts = done[done.index("PASS=") :] if done else "no totals"
    print(f"dbt build {outcome}: {counts}; log: {log_path}")


def _without_clock(line: str) -> str:
    """dbt starts each line with the time of day: noise in a summary."""
    return re.sub(r"^\d\d:\d\d:\d\d\s+", "", line)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_dbt(args: list[str], db_path: Path, *, target_dir: Path | None = None) -> int:
    """Run `dbt <args>` on the warehouse at db_path; stream its output; return its exit code."""
    command = [*dbt_executable(), *args, *_project_options()]
    return _relay(_start(command, db_path, target_dir))


def build(
    db_path: Path,
    full_refresh: bool = False,
    *,
    unit_tests: bool = True,
    target_dir: Path | None = None,
    verbose: bool = True,
) -> int:
    """`dbt build` (seeds, models, unit and data tests) on the warehouse; dbt's exit code.

    `unit_tests=False` is for the nightly run: unit tests check the models' SQL on fixed inputs,
    so they prove nothing about the night's data (dbt advises running them in development and CI).
    `verbose` shows dbt's output as it runs; it always goes to `build_log_path(db_path)`.
    """
    db_path = Path(db_path).expanduser().resolve()
    if not db_path.exists():
        sys.stderr.write(f"no warehouse at {db_path}: load reports first (nianbao load PATH)\n")
        return 2
    prepared = PreparedBuild(
        db_path,
        full_refresh=full_refresh,
        unit_tests=unit_tests,
        target_dir=target_dir,
        verbose=verbose,
    )
    return prepared.run()


def _build_options(full_refresh: bool, unit_tests: bool) -> list[str]:
    options = ["--threads", str(BUILD_THREADS)]
    if full_refresh:
        options.append("--full-refresh")
    if not unit_tests:
        options += ["--exclude-resource-type", "unit_test"]
    return options


class PreparedBuild:
    """`build`, started before it may run: dbt imports and reads the project while the caller is
    still loading (the warehouse is not opened until `run`). Call `run` or `cancel` once."""

    def __init__(
        self,
        db_path: Path,
        *,
        full_refresh: bool = False,
        unit_tests: bool = True,
        target_dir: Path | None = None,
        verbose: bool = True,
    ) -> None:
        self.db_path = Path(db_path).expanduser().resolve()
        self.verbose = verbose
        options = [*_build_options(full_refresh, unit_tests), *_project_options()]
        command = [sys.executable, "-m", "loaders.dbt_process", *options]
        colours = verbose and sys.stdout.isatty()
        self.process = _start(command, self.db_path, target_dir, colours, stdin=subprocess.PIPE)

    def run(self) -> int:
        """The build, its output streamed; dbt's exit code."""
        if not self.db_path.exists():
            self.cancel()
            sys.stderr.write(f"no warehouse at {self.db_path}: load reports first\n")
            return 2
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(f"{dbt_process.GO}\n")
            self.process.stdin.close()
        except BrokenPipeError:  # it died while starting: its output says why
            pass
        return _relay(self.process, build_log_path(self.db_path), self.verbose)

    def cancel(self) -> None:
        """No build: the process is stopped. It has not opened the warehouse; at most it was
        writing dbt's partial-parse file, which dbt reads again from scratch if it is cut."""
        if self.process.poll() is None:
            _stop(self.process)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def main(args: argparse.Namespace) -> int:
    return build(warehouse_path(args.db), full_refresh=args.full_refresh, verbose=args.verbose)
