"""`nianbao build`: run dbt on the warehouse with the profile kept in `dbt_project/`.

dbt runs as a subprocess (the `dbt` installed next to the running Python), so a build holds the
DuckDB file only for its own lifetime and the caller's process never keeps a lock on it. Output is
streamed line by line to our stdout as dbt writes it; the return value is dbt's exit code
(0 success, 1 a model or test failed, 2 dbt could not run). The nightly run uses a
`PreparedBuild`: the same build, in a process started before the load (`loaders/build_runner.py`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from loaders import build_runner
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


def _project_options() -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def _start(command: list[str], db_path: Path, target_dir: Path | None, **kwargs):
    return subprocess.Popen(
        command,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(db_path, target_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        **kwargs,
    )


def _relay(process: subprocess.Popen) -> int:
    """Stream the process's output to our stdout as it comes; its exit code."""
    try:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        return process.wait()
    except BaseException:
        _stop(process)
        raise


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
) -> int:
    """`dbt build` (seeds, models, unit and data tests) on the warehouse; dbt's exit code.

    `unit_tests=False` is for the nightly run: unit tests check the models' SQL on fixed inputs,
    so they prove nothing about the night's data (dbt advises running them in development and CI).
    """
    db_path = Path(db_path).expanduser().resolve()
    if not db_path.exists():
        sys.stderr.write(f"no warehouse at {db_path}: load reports first (nianbao load PATH)\n")
        return 2
    return run_dbt(
        ["build", *_build_options(full_refresh, unit_tests)], db_path, target_dir=target_dir
    )


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
        self, db_path: Path, *, unit_tests: bool = True, target_dir: Path | None = None
    ) -> None:
        self.db_path = Path(db_path).expanduser().resolve()
        options = [*_build_options(False, unit_tests), *_project_options()]
        command = [sys.executable, "-m", "loaders.build_runner", *options]
        self.process = _start(command, self.db_path, target_dir, stdin=subprocess.PIPE)

    def run(self) -> int:
        """The build, its output streamed; dbt's exit code."""
        if not self.db_path.exists():
            self.cancel()
            sys.stderr.write(f"no warehouse at {self.db_path}: load reports first\n")
            return 2
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(f"{build_runner.GO}\n")
            self.process.stdin.close()
        except BrokenPipeError:  # it died while starting: its output says why
            pass
        return _relay(self.process)

    def cancel(self) -> None:
        """No build: the process is stopped. It has not opened the warehouse; at most it was
        writing dbt's partial-parse file, which dbt reads again from scratch if it is cut."""
        if self.process.poll() is None:
            _stop(self.process)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
