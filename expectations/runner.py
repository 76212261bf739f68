"""`nianbao check`: run the great-expectations checkpoint on the warehouse and report on it.

Route (GX 1.24.1): every suite's frame is read from DuckDB read-only into polars, handed to GX as
a pandas dataframe (`batch_parameters={"dataframe": df}`) and validated by the pandas engine. GX has
no DuckDB datasource, and its SQL route through duckdb-engine fails every expectation
(`list index out of range`), so SQL is used only to compute the frames.

`Checkpoint.run` passes one `batch_parameters` to all its validation definitions, and a dataframe
asset takes exactly one dataframe, so `run_checks` runs the checkpoint's validation definitions
itself, each with its own frame, under one run id, then builds the data docs once for that run:
one checkpoint run over all suites.

Scope: `run_checks(since_last_check=True)` (`nianbao check --since-last-check`, the nightly run)
validates only the reports loaded since the last run whose check succeeded: a suite with a `scope`
(expectations/spec.py) reads only the rows of those reports, the others read their whole relation.

Size: the frames stream out of DuckDB in batches. A frame of more than SLICE_ROWS rows whose rows
each belong to one report (`SuiteSpec.report_column`) goes to Arrow IPC files in slices of whole
reports and is validated slice by slice, one in memory at a time; each expectation's outcomes on
the slices add up to its outcome on the whole frame (every expectation is about single rows or a
key that holds the report), and each slice is a validation of its own in GX's data docs.

Outputs, beside the warehouse in `<db dir>/<db stem>.quality/` (one folder per warehouse, so the
reports of two warehouses in one folder never overwrite each other): `index.html` (self-contained, readable
offline), `check_result.json` (for the nightly run log), and GX's own data docs in `gx/data_docs/`
(its pages load their styling from CDNs, hence the offline report).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from expectations.outcomes import (
    CheckResult,
    CheckScope,
    ExpectationOutcome,
    SuiteOutcome,
)
from expectations.report import describe, format_result, plain, render_html, shorten
from loaders.settings import (
    CHECK_DUCKDB_MEMORY,
    EXAMPLE_ROWS,
    EXPECTATIONS_DIR,
    KEEP_RUNS,
    READ_BATCH_ROWS,
    SLICE_ROWS,
)
from loaders.warehouse import open_warehouse

LAST_SUCCESSFUL_CHECK_SQL = """
    select run_id, started_at from raw.load_runs
    where check_status = 'success'
    order by started_at desc
    limit 1
"""
# that check validated every report loaded before its run started and those its run loaded; one
# loaded meanwhile by another process (after the start, under another run id) is new
NEW_REPORTS_SQL = """
    create temp table {relation} as
    select document_id as report_id from raw.documents
    where loaded_at >= $since and run_id is distinct from $after_run
"""


@dataclass
class WarehouseFrames:
    """What the suites validate, read on one connection: each frame and its row floor."""

    scope: CheckScope
    # each suite's frame, or the Arrow IPC files of its slices
    frames: dict[str, list[Any]] = field(default_factory=dict)
    min_rows: dict[str, int] = field(default_factory=dict)
    absent: dict[str, list[str]] = field(default_factory=dict)  # suite -> relations missing


def default_quality_dir(db_path: Path) -> Path:
    """`warehouse/nianbao.duckdb` -> `warehouse/nianbao.quality/`: one folder per warehouse."""
    db_path = Path(db_path).resolve()
    return db_path.with_name(f"{db_path.stem}.quality")


def import_expectations():
    """The `expectations` package lives beside `loaders` but is not installed with it."""
    try:
        import expectations.context  # noqa: F401
    except ModuleNotFoundError:
        sys.path.insert(0, str(EXPECTATIONS_DIR.parent))
    from expectations import context, suites

    return context, suites


def run_checks(
    db_path: Path,
    out_dir: Path | None = None,
    *,
    today: date | None = None,
    since_last_check: bool = False,
    slice_rows: int = SLICE_ROWS,
) -> CheckResult:
    """Run every suite once on the warehouse; write the reports; return what happened.

    With since_last_check, only the reports loaded since the last successful check are validated
    (all of them when no check has succeeded yet).
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    db_path = Path(db_path).expanduser().resolve()
    quality_dir = Path(out_dir).resolve() if out_dir else default_quality_dir(db_path)
    report_path = quality_dir / "index.html"

    def finish(
        suites: list[SuiteOutcome],
        fatal: str | None,
        docs: Path | None,
        scope: CheckScope | None = None,
    ) -> CheckResult:
        result = CheckResult(
            db_path=db_path,
            quality_dir=quality_dir,
            report_path=report_path,
            data_docs_path=docs,
            started_at=started,
            seconds=time.perf_counter() - clock,
            suites=suites,
            fatal=fatal,
            scope=scope,
        )
        if not db_path.exists():  # a mistyped --db must not leave folders behind
            return result
        report_path.write_text(render_html(result), encoding="utf-8")
        (quality_dir / "check_result.json").write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str),
            encoding="utf-8",
        )
        return result

    if not db_path.exists():
        return finish([], f"no warehouse at {db_path}: run nianbao load PATH, then build", None)
    quality_dir.mkdir(parents=True, exist_ok=True)
    # two checks of one warehouse would interleave their results and pages: take turns
    with _quality_dir_lock(quality_dir):
        gx_context, gx_suites = import_expectations()
        specs = gx_suites.SUITES
        stale = gx_context.out_of_sync(specs)
        if stale:
            return finish(
                [],
                "the committed GX context differs from expectations/suites/ for "
                f"{', '.join(stale)}: run `python -m expectations` and commit expectations/gx/",
                None,
            )
        with tempfile.TemporaryDirectory(prefix="slices-", dir=quality_dir) as spill:
            try:
                read = _read_frames(db_path, specs, since_last_check, Path(spill), slice_rows)
            except (duckdb.Error, OSError) as exc:  # IOException when a writer holds the file
                return finish(
                    [],
                    f"cannot read {db_path} ({type(exc).__name__}: {exc}). If a load or build "
                    "is running, run the check when it has finished.",
                    None,
                )
            suites = _validate(gx_context, specs, read, quality_dir, today or date.today())
        docs = quality_dir / "gx" / "data_docs" / "index.html"
        _prune_old_runs(quality_dir / "gx")
        return finish(suites, None, docs if docs.exists() else None, read.scope)


def check(
    db_path: Path,
    out_dir: Path | None = None,
    *,
    since_last_check: bool = False,
    brief: bool = False,
) -> int:
    """`nianbao check`: run the checks, print the summary and what to do; the exit status."""
    result = run_checks(db_path, out_dir, since_last_check=since_last_check)
    print(format_result(result, brief=brief))
    return result.exit_code


@contextmanager
def _quality_dir_lock(quality_dir: Path) -> Iterator[None]:
    """Blocking: a second check of the same warehouse waits a few seconds rather than failing."""
    fd = os.open(quality_dir / ".check.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read_frames(
    db_path: Path, specs, since_last_check: bool, spill: Path, slice_rows: int
) -> WarehouseFrames:
    """Every suite's frame from one read-only connection, closed before GX starts; a frame of
    more than `slice_rows` rows goes to files in `spill`, in slices of whole reports."""
    con = open_warehouse(db_path, read_only=True)
    try:
        con.execute(f"set memory_limit = '{CHECK_DUCKDB_MEMORY}'")
        existing = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        scope = _scope_since_last_check(con, existing) if since_last_check else CheckScope()
        read = WarehouseFrames(scope)
        for spec in specs:
            missing = [r for r in spec.requires if r not in existing]
            if missing:
                read.absent[spec.name] = missing
                continue
            sql = _frame_sql(spec, scope)
            column = spec.report_column
            [(rows,)] = (
                con.execute(f"select count(*) from ({sql})").fetchall() if column else [(0,)]
            )
            if rows > slice_rows:
                read.frames[spec.name] = _spill_slices(
                    con, spec.name, sql, column, rows, slice_rows, spill
                )
                read.min_rows[spec.name] = 1  # no slice is empty
                continue
            frame = _for_validation(_frame(con, sql))
            read.frames[spec.name] = [frame]
            read.min_rows[spec.name] = _min_rows(con, spec, scope, frame)
    finally:
        con.close()
    return read


def _spill_slices(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    column: str,
    rows: int,
    slice_rows: int,
    spill: Path,
) -> list[Path]:
    """The frame in slices of whole reports (by a hash of the report), each in an Arrow IPC file,
    in the frame's own row order: one query a slice, so only one slice is ever in memory. A slice
    that no report fell into is left out."""
    import pyarrow.ipc

    count = -(-rows // max(slice_rows, 1))
    paths = []
    for i in range(count):
        path = spill / f"{name}-{i:04d}.arrow"
        part = con.sql(f"select * from ({sql}) where hash({column}) % {count} = {i}")
        reader = part.to_arrow_reader(READ_BATCH_ROWS)
        written = 0
        with pyarrow.ipc.new_file(path, reader.schema) as sink:
            for batch in reader:
                sink.write_batch(batch)
                written += batch.num_rows
        if written:
            paths.append(path)
    return paths


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """A query's rows streamed out of DuckDB in batches (not materialised inside it first)."""
    return pl.from_arrow(con.sql(sql).to_arrow_reader(READ_BATCH_ROWS).read_all())


# A string column whose values repeat this much (keys, codes, the report of each cell) reaches GX
# as a pandas categorical: GX filters and copies the frame once per expectation that has a row
# condition, and categorical columns are compared and copied as integer codes, not as strings.
_REPEATED_SHARE = 0.05


def _for_validation(frame: pl.DataFrame) -> Any:
    """The pandas frame GX validates: the same values, repeated strings as categoricals."""
    repeated = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and frame[name].n_unique() <= frame.height * _REPEATED_SHARE
    ]
    return frame.with_columns(pl.col(repeated).cast(pl.Categorical)).to_pandas()


def _scope_since_last_check(con: duckdb.DuckDBPyConnection, existing: set[str]) -> CheckScope:
    """The reports loaded since the last successful check, as the temp relation the suites read."""
    from expectations.spec import NEW_REPORTS

    if not {"raw.load_runs", "raw.documents"} <= existing:
        return CheckScope()
    # fetchall: DuckDB refuses the next statement while a result is open
    last = con.execute(LAST_SUCCESSFUL_CHECK_SQL).fetchall()
    if not last:  # nothing was validated yet
        return CheckScope()
    [(run_id, started_at)] = last
    con.execute(
        NEW_REPORTS_SQL.format(relation=NEW_REPORTS), {"since": started_at, "after_run": run_id}
    ).fetchall()
    [(reports,)] = con.execute(f"select count(*) from {NEW_REPORTS}").fetchall()
    return CheckScope(since=started_at, after_run=run_id, reports=reports)


def _frame_sql(spec, scope: CheckScope) -> str:
    if not scope.limits(spec):
        return spec.sql
    return f"select * from ({spec.scoped_sql or spec.sql}) where ({spec.scope})"


def _min_rows(con: duckdb.DuckDBPyConnection, spec, scope: CheckScope, frame) -> int:
    """The least rows the frame must have for its relation to have a row.

    1, unless a scoped frame is empty while the relation holds rows of earlier reports: those were
    there at the last successful check, so an empty frame then means no new rows, not no rows.
    """
    if len(frame) or not scope.limits(spec):
        return 1
    [(left_out,)] = con.execute(
        f"select exists (select 1 from ({spec.sql}) where not ({spec.scope}))"
    ).fetchall()
    return 0 if left_out else 1


def _validate(gx_context, specs, read: WarehouseFrames, quality_dir: Path, today: date):
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from expectations.spec import MIN_ROWS

    context = gx_context.open_context(quality_dir)
    checkpoint = context.checkpoints.get(gx_context.CHECKPOINT)
    definitions = {d.name: d for d in checkpoint.validation_definitions}
    run_id = RunIdentifier(run_name="nianbao_check", run_time=datetime.now(UTC))
    run_results = {}
    suites: list[SuiteOutcome] = []
    for spec in specs:
        if spec.name in read.absent:
            suites.append(_absent_suite(spec, read.absent[spec.name]))
            continue
        parts, rows = [], 0
        for piece in read.frames[spec.name]:
            frame = _for_validation(pl.read_ipc(piece)) if isinstance(piece, Path) else piece
            result = definitions[spec.name].run(
                checkpoint_id=checkpoint.id,
                batch_parameters={"dataframe": frame},
                expectation_parameters={
                    "current_year": today.year,
                    MIN_ROWS["$PARAMETER"]: read.min_rows[spec.name],
                },
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.name),
                run_id=run_id,
                batch_identifier=result.batch_id,
            )
            run_results[key] = result
            parts.append([_outcome(spec, r, frame) for r in result.results])
            rows += len(frame)
            del frame, result  # the next slice replaces this one in memory
        outcomes = parts[0] if len(parts) == 1 else _merged(parts)
        suites.append(
            SuiteOutcome(
                name=spec.name,
                layer=spec.layer,
                table=spec.table,
                status="passed" if all(o.success for o in outcomes) else "failed",
                rows=rows,
                outcomes=outcomes,
                scoped=read.scope.limits(spec),
                slices=len(parts),
            )
        )
    if run_results:
        # one site build for the whole run: GX's UpdateDataDocsAction rebuilds the index once per
        # suite, which is why the checkpoint carries no actions
        context.build_data_docs(
            resource_identifiers=[
                *run_results,
                *(
                    ExpectationSuiteIdentifier(name=key.expectation_suite_identifier.name)
                    for key in run_results
                ),
            ]
        )
    return suites


def _merged(parts: list[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """Each expectation's outcome on the whole frame from its outcomes on the slices: every
    expectation is about single rows or a key that holds the report, so the counts add up."""
    merged = []
    for outcomes in zip(*parts, strict=True):
        failing = [o for o in outcomes if not o.success]
        observed = [o.observed for o in outcomes if o.observed is not None]
        if observed and all(o.isdigit() for o in observed):
            seen = str(sum(int(o) for o in observed))  # a row count
        else:
            seen = next((o.observed for o in failing if o.observed), next(iter(observed), None))
        merged.append(
            replace(
                outcomes[0],
                success=not failing,
                element_count=_total(o.element_count for o in outcomes),
                unexpected_count=_total(o.unexpected_count for o in outcomes),
                observed=seen,
                examples=[e for o in failing for e in o.examples][:EXAMPLE_ROWS],
                exception=next((o.exception for o in outcomes if o.exception), None),
            )
        )
    return merged


def _total(counts: Iterator[int | None]) -> int | None:
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def _absent_suite(spec, missing: list[str]) -> SuiteOutcome:
    if spec.optional:
        return SuiteOutcome(
            spec.name, spec.layer, spec.table, "skipped", None, [], f"{', '.join(missing)} absent"
        )
    hint = "nianbao build" if any(r.startswith("marts.") for r in missing) else "nianbao load"
    outcome = ExpectationOutcome(
        suite=spec.name,
        table=spec.table,
        expectation="relation_exists",
        description=f"{', '.join(missing)} exists",
        severity="error",
        success=False,
        remedy=f"The warehouse has no {', '.join(missing)}: run {hint} on it, then check again.",
    )
    return SuiteOutcome(spec.name, spec.layer, spec.table, "missing", None, [outcome])


def _outcome(spec, validation, frame) -> ExpectationOutcome:
    config = validation.expectation_config
    meta = config.meta or {}
    result = validation.result or {}
    observed = result.get("observed_value")
    if config.type == "expect_table_columns_to_match_set":
        # only the absent columns matter: extra columns are allowed by the contract
        missing = [c for c in config.kwargs["column_set"] if c not in (observed or [])]
        observed = f"missing columns: {', '.join(missing)}" if missing else None
    return ExpectationOutcome(
        suite=spec.name,
        table=spec.table,
        expectation=config.type,
        description=describe(config.type, config.kwargs),
        severity=meta.get("severity", "error"),
        success=bool(validation.success),
        remedy=meta.get("remedy", ""),
        element_count=result.get("element_count"),
        unexpected_count=result.get("unexpected_count"),
        observed=None if observed is None else shorten(observed),
        examples=[] if validation.success else _examples(spec, config.kwargs, result, frame),
        exception=_exception_message(validation.exception_info or {}),
    )


def _exception_message(info: dict) -> str | None:
    """GX reports an exception either flat or keyed by the metric that raised it."""
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            message = str(candidate.get("exception_message") or "").strip()
            return message.splitlines()[-1] if message else "GX raised an exception"
    return None


def _examples(spec, kwargs: dict, result: dict, frame) -> list[dict[str, Any]]:
    """A few failing rows: the identifying columns and the columns the expectation looked at."""
    indices = result.get("partial_unexpected_index_list") or []
    if not indices:
        return []
    checked = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    checked += kwargs.get("column_list") or []
    columns = [c for c in dict.fromkeys([*spec.id_columns, *checked]) if c in frame.columns]
    rows = frame.loc[list(indices)[:EXAMPLE_ROWS], columns]
    return [{k: plain(v) for k, v in row.items()} for row in rows.to_dict(orient="records")]


def _prune_old_runs(gx_dir: Path) -> None:
    """Keep the last KEEP_RUNS runs of results and their data docs pages; nightly runs add up."""
    validations = gx_dir / "validations"
    run_dirs = sorted(validations.glob("*/nianbao_check/*"), key=lambda p: p.name)
    times = sorted({p.name for p in run_dirs})
    old = set(times[:-KEEP_RUNS]) if len(times) > KEEP_RUNS else set()
    for run_dir in run_dirs:
        if run_dir.name in old:
            shutil.rmtree(run_dir, ignore_errors=True)
            page_dir = gx_dir / "data_docs" / "validations" / run_dir.relative_to(validations)
            shutil.rmtree(page_dir, ignore_errors=True)
