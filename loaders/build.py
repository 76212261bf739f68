"""`nianbao build`: run dbt on the warehouse with the profile kept in `dbt_project/`.

dbt runs as a subprocess (the `dbt` installed next to the running Python), so a build holds the
DuckDB file only for its own lifetime and the caller's process never keeps a lock on it. Output is
streamed line by line to our stdout as dbt writes it; the return value is dbt's exit code
(0 success, 1 a model or test failed, 2 dbt could not run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from loaders.settings import DBT_PROJECT_DIR

# dbt nodes run two at a time on the one warehouse connection: while one thread is in dbt's Python
# (compiling, the many small tests) the other keeps DuckDB busy. The profile keeps threads: 1 for
# dbt invoked by hand.
BUILD_THREADS = 2


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


def run_dbt(args: list[str], db_path: Path, *, target_dir: Path | None = None) -> int:
    """Run `dbt <args>` on the warehouse at db_path; stream its output; return its exit code."""
    command = [
        *dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    process = subprocess.Popen(
        command,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(db_path, target_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        return process.wait()
    except BaseException:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise


def build(
    db_path: Path,
    full_refresh: bool = False,
    *,
    unit_tests: bool = True,
    target_dir: Path | None = None,
) -> int:
    """`dbt build` (seeds, models, unit and data tests) on the warehouse; dbt's exit code.

    `unit_tests=False` is for the nightly run: unit tests check the models' SQL on fixed inputs,
    so they prove nothing about the night's data (dbt advises running them in development and CI).
    """
    db_path = Path(db_path).expanduser().resolve()
    if not db_path.exists():
        sys.stderr.write(f"no warehouse at {db_path}: load reports first (nianbao load PATH)\n")
        return 2
    args = ["build", "--threads", str(BUILD_THREADS)]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return run_dbt(args, db_path, target_dir=target_dir)
