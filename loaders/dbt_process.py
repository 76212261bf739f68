"""A `dbt build` started ahead of time: `python -m loaders.dbt_process DBT_ARGS...`.

The nightly run starts this process before it loads the night's files. It imports dbt and reads
the project (seconds) while the files load, then waits for one line on stdin: `build` runs
`dbt build DBT_ARGS` with the project already read; anything else, or the end of input, exits
without opening the warehouse. The exit status is dbt's: 0 success, 1 a model or test failed,
2 dbt could not run.
"""

from __future__ import annotations

import sys
import traceback

GO = "build"


def main(args: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    # what to read: the project and profile options of the build, not its node selection
    project = [a for i, a in enumerate(args) if _project_option(args, i)]
    parsed = dbtRunner().invoke(["--quiet", "parse", "--no-write-json", *project])
    if sys.stdin.readline().strip() != GO:
        return 0
    if not _warehouse_free():
        return 2
    if not parsed.success:  # the build reads the project again and reports what is wrong
        result = dbtRunner().invoke(["build", *args])
    else:
        result = dbtRunner(manifest=parsed.result).invoke(["build", *args])
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def _warehouse_free() -> bool:
    """Wait (bounded, saying so) until no other process has the warehouse open: dbt's own
    connection would fail at once on a file that an analyst's read-only query holds."""
    import os

    from loaders.warehouse import WarehouseInUse, open_warehouse

    try:
        open_warehouse(os.environ["NIANBAO_DB"]).close()
    except WarehouseInUse as exc:
        print(f"dbt build not started: {exc}", flush=True)
        return False
    return True


def _project_option(args: list[str], i: int) -> bool:
    options = ("--project-dir", "--profiles-dir")
    return args[i] in options or (i > 0 and args[i - 1] in options)


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception:  # noqa: BLE001 - dbt could not run (not installed, broken): say why, exit 2
        traceback.print_exc()
        code = 2
    sys.exit(code)
