"""`nianbao load`: find report files, parse the new ones in parallel, store them in batches."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
from tqdm import tqdm

from loaders.readers import SUPPORTED_SUFFIXES
from loaders.settings import BATCH_BYTES, BATCH_SIZE, CHUNK, LOAD_DUCKDB_MEMORY, SERIAL_BELOW
from loaders.store import writer
from loaders.store.batches import Batch, FileOutcome
from loaders.store.digests import StoredDigests
from loaders.store.worker import (
    TaskLost,
    failed,
    parse_chunk,
    parse_task,
    spooled_task,
    start_worker,
    unspooled,
)
from loaders.store.writer import utc_now

if TYPE_CHECKING:
    from loaders.store.ray_engine import RayPool


@dataclass
class LoadSummary:
    run_id: str
    db_path: Path
    files_seen: int = 0
    loaded: int = 0
    unchanged: int = 0
    failed: int = 0
    issues_by_code: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # path, code, message


def discover(paths: Iterable[Path]) -> list[str]:
    """Report files under the paths, sorted folder by folder; a path that is a file is kept.
    Hidden files and folders are skipped (`nianbao fetch` keeps the pages that are not reports
    in `.pages`)."""
    names: list[str] = []
    for root in paths:
        if not root.is_dir():
            names.append(str(root))
            continue
        found = []
        for dirpath, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # hidden: not reports
            found.extend(
                os.path.join(dirpath, f)
                for f in files
                if os.path.splitext(f)[1].lower() in SUPPORTED_SUFFIXES and not f.startswith(".")
            )
        names.extend(sorted(found))
    return names


@dataclass
class Listing:
    """The paths found, with the stat of each: `frame` holds the files whose stat succeeded
    (`position` in `names`, `source_path`, `device`, `inode`, `size_bytes`, `modified_ns`) in
    columns rather than as a Python object a file; `unstatable` the positions of the others
    (they are reported unreadable when parsed)."""

    names: list[str]
    frame: pl.DataFrame
    unstatable: list[int]


def list_files(names: list[str]) -> Listing:
    position, device, inode = array("q"), array("Q"), array("Q")
    size, modified = array("q"), array("q")
    unstatable = []
    for i, name in enumerate(names):
        try:
            stat = os.stat(name)  # follows a symlink to the file it names
        except OSError:
            unstatable.append(i)
            continue
        position.append(i)
        device.append(stat.st_dev)
        inode.append(stat.st_ino)
        size.append(stat.st_size)
        modified.append(stat.st_mtime_ns)
    # polars, not pyarrow's constructors: those import pandas (a second of start-up)
    frame = pl.DataFrame(
        {
            "position": pl.Series(position, dtype=pl.Int64),
            "source_path": pl.Series([names[i] for i in position] if unstatable else names),
            "device": pl.Series(device, dtype=pl.UInt64),
            "inode": pl.Series(inode, dtype=pl.UInt64),
            "size_bytes": pl.Series(size, dtype=pl.Int64),
            "modified_ns": pl.Series(modified, dtype=pl.Int64),
        }
    )
    return Listing(names, frame, unstatable)


def _store(
    con, batch: Batch, run_id: str, stat_of: dict[str, tuple[int, int]] | None = None
) -> list[FileOutcome]:
    """Write a batch, with the stat of each of its files whose bytes are stored (`stat_of`: size
    and mtime_ns by path); if the database refuses it, write its files one by one so that only
    the offending file fails (and is reported), never the batch."""
    stat_of = stat_of or {}
    try:
        writer.write_batch(con, batch, utc_now(), _file_rows(batch.files, stat_of))
        return batch.files
    except duckdb.Error:
        pass
    stored = []
    for one in batch.per_file():
        try:
            writer.write_batch(con, one, utc_now(), _file_rows(one.files, stat_of))
        except duckdb.Error as exc:
            path, document_id = one.files[0].path, one.files[0].document_id
            message = (
                f"the parsed report could not be stored ({type(exc).__name__}: {exc}); "
                "please report this file"
            )
            one = Batch.of([failed(path, document_id, 0, "store_error", message)], run_id)
            writer.write_batch(con, one, utc_now())
        stored.extend(one.files)
    return stored


def _file_rows(
    files: list[FileOutcome], stat_of: dict[str, tuple[int, int]]
) -> list[tuple[str, int, int, str]]:
    """(path, size, mtime_ns, document_id) of the files whose bytes are stored (now or before)."""
    return [
        (f.path, *stat_of[f.path], f.document_id)
        for f in files
        if f.error is None and f.path in stat_of
    ]


def _files_to_read(
    con: duckdb.DuckDBPyConnection, listing: Listing, rehash: bool
) -> tuple[list[str], dict[str, tuple[int, int]], int]:
    """The paths to read, in listing order, with (size, mtime_ns) of each that has a stat, and
    how many distinct files were listed."""
    plan = writer.plan_reads(con, listing.frame, rehash)
    seen = plan.height + len(listing.unstatable)
    plan = plan.filter(pl.col("to_read"))
    names = listing.names
    stat_of = {
        names[i]: (size, modified)
        for i, size, modified in plan.select("position", "size_bytes", "modified_ns").iter_rows()
    }
    todo = [names[i] for i in sorted(plan["position"].to_list() + listing.unstatable)]
    return todo, stat_of, seen


def new_run_id() -> str:
    return f"{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def load_paths(
    paths: list[Path],
    db_path: Path,
    workers: int | None = None,
    run_id: str | None = None,
    progress: bool = False,
    command: str = "load",
    batch_size: int = BATCH_SIZE,
    rehash: bool = False,
    batch_bytes: int = BATCH_BYTES,
    engine: str = "local",
    ray_address: str | None = None,
) -> LoadSummary:
    """Load every report under `paths` into the raw layer of `db_path`.

    A file whose path, size and modification time match a stored document is not read again;
    `rehash` reads and fingerprints every file regardless. `engine` "ray" parses on Ray
    (`loaders.store.ray_engine`, at `ray_address`) instead of local processes; `workers` is then the
    CPUs of a Ray instance started on this machine."""
    run_id = run_id or new_run_id()
    started = utc_now()
    summary = LoadSummary(run_id=run_id, db_path=db_path)
    pool = spool = None
    if engine == "ray":  # before the warehouse opens: a cluster out of reach changes nothing
        from loaders.store.ray_engine import RayPool

        pool = RayPool(ray_address, cpus=workers)
    try:
        # raw.regions is filled after the parse processes are started, so they boot meanwhile
        con = writer.connect(db_path, regions=False)
    except BaseException:
        if pool is not None:
            pool.shutdown()
        raise
    # The parse processes keep every core busy: DuckDB's own threads would only contend with
    # them (one thread inserts a batch for about half the CPU time of two). Written blocks need
    # not stay cached: the cap keeps the whole load's memory flat as the warehouse grows.
    con.execute(f"set threads = 1; set memory_limit = '{LOAD_DUCKDB_MEMORY}'")
    try:
        stored = writer.stored_digests(con)
        names = discover(paths)
        workers = workers or os.cpu_count() or 1
        parallel = workers > 1 and pool is None
        least = SERIAL_BELOW  # new files worth the pool; Ray's tasks take any number
        if pool is not None:
            pool.share(stored)
            least = 1
        # The processes boot while the files are checked, when enough files must be new: more
        # paths are listed than were ever read.
        surely_new = len(names) - (0 if rehash else writer.count_files_read(con))
        if parallel and surely_new >= SERIAL_BELOW:
            pool, spool = _start_pool(workers, stored)
        todo, stat_of, summary.files_seen = _files_to_read(con, list_files(names), rehash)
        summary.unchanged = summary.files_seen - len(todo)  # read before, untouched: not read
        if parallel and pool is None and len(todo) >= SERIAL_BELOW:
            pool, spool = _start_pool(workers, stored)
        writer.ensure_regions(con)
        chosen = pool if len(todo) >= least else None
        for parsed in _parsed_batches(
            todo, run_id, chosen, stored, progress, batch_size, batch_bytes, spool
        ):
            for outcome in _store(con, parsed, run_id, stat_of):
                summary.issues_by_code.update(outcome.codes)
                if outcome.error:
                    summary.failed += 1
                    summary.failures.append((outcome.path, outcome.error, outcome.message))
                    continue
                if outcome.unchanged:
                    summary.unchanged += 1  # same bytes as a stored document: not parsed
                else:
                    summary.loaded += 1
        writer.record_run(con, writer.RunRecord.of_load(summary, command, started, status="loaded"))
    finally:
        if pool is not None:
            # the processes exit while the database checkpoints (Ray's before it)
            pool.shutdown(wait=False, cancel_futures=True)
        con.close()
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)
    return summary


def _lost(paths: list[str], run_id: str, why: str) -> Batch:
    """The files of a task whose process died or whose result could not come back."""
    return Batch.of([failed(path, None, 0, "worker_crashed", why) for path in paths], run_id)


_CRASHED = (
    "the parse process died on this file or a neighbour (memory or a crash in a library); "
    "load it alone to see which"
)


def _parse_context() -> BaseContext:
    """Parse processes are forked from a server process that imported the parser once (not from
    this one, which holds an open DuckDB connection and may run threads): each starts without
    importing it again. The server lives as long as this process
    and serves every load it runs."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["loaders.store.worker"])
    return context


def _start_pool(workers: int, stored: StoredDigests) -> tuple[ProcessPoolExecutor, Path]:
    """Parse processes, and the folder they share with this one: the ids of the stored documents
    in a file (through the start-up pipe of a process, a large set would hold this one until the
    child had imported the parser), and the batches they send back (`worker.spooled_task`)."""
    spool = Path(tempfile.mkdtemp(prefix="nianbao-spool-"))
    stored_list = spool / "stored.bin"
    stored_list.write_bytes(stored.block)
    pool = ProcessPoolExecutor(
        workers,
        mp_context=_parse_context(),
        initializer=start_worker,
        initargs=(str(stored_list),),
    )
    for _ in range(workers):
        pool.submit(int)  # with no process idle, each submit starts one
    return pool, spool


def _parsed_batches(
    todo: list[str],
    run_id: str,
    pool: ProcessPoolExecutor | RayPool | None,
    stored: StoredDigests,
    progress: bool,
    batch_size: int,
    batch_bytes: int,
    spool: Path | None = None,
) -> Iterator[Batch]:
    """Batches of about `batch_size` parsed files or `batch_bytes` of rows, whichever comes
    first, in the order of `todo`; parsed by the pool's processes (or Ray's tasks) when there is
    one, else in this process. A document is in one batch at most: later files with the same
    bytes come back unchanged. Local pool processes send their batches through files in `spool`."""
    bar = tqdm(total=len(todo), unit="file", disable=not progress or not todo, file=sys.stderr)
    size = min(CHUNK, batch_size)  # a batch holds whole chunks
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    pending: list[Batch] = []
    files = held = 0  # files and bytes in `pending`
    received = received_bytes = 0  # tasks back from the pool and their bytes
    parsed: set[str] = set()  # documents parsed in this run

    def add(result: Batch, size_of: int) -> Batch | None:
        nonlocal pending, files, held
        new = [f.document_id for f in result.files if f.stored]
        # same bytes as a file of an earlier task, or (a safety net: the processes skip them)
        # as a document stored before the run
        repeats = {d for d in new if d in parsed or d in stored}
        parsed.update(new)
        pending.append(result.without(repeats) if repeats else result)
        files, held = files + len(result.files), held + size_of
        bar.update(len(result.files))
        if files < batch_size and held < batch_bytes:
            return None
        whole, pending, files, held = Batch.concat(pending), [], 0, 0
        return whole

    def room(most: int) -> int:
        """Tasks to keep in flight: two batches' worth, by files and by the bytes a task has
        brought back so far."""
        if not received_bytes:
            return most
        return max(2, min(most, 2 * batch_bytes * received // received_bytes))

    def submit(chunk: list[str]):
        if spool is None:
            return pool.submit(parse_task, chunk, run_id)
        return pool.submit(spooled_task, chunk, run_id, str(spool))

    try:
        leftover = chunks
        if pool is not None:
            leftover = []
            # Workers parse the next chunks while this process stores the current batch; two
            # batches in flight bound the memory (and two tasks a CPU of a Ray cluster keep it busy).
            window = max(2, 2 * batch_size // size, 2 * getattr(pool, "slots", 0))
            in_flight: deque = deque()
            submitted = 0
            try:
                for chunk in chunks[:window]:
                    in_flight.append((chunk, submit(chunk)))
                    submitted += 1
            except BrokenProcessPool:  # a process died while it started: nothing was lost yet
                leftover = chunks[submitted:]
            while in_flight:
                chunk, future = in_flight.popleft()
                try:
                    result = future.result()
                    if isinstance(result, str):
                        result = unspooled(result)
                except BrokenProcessPool:
                    # a worker died (killed, or crashed in C code): name the files of its task,
                    # parse the rest here
                    result = _lost(chunk, run_id, _CRASHED)
                    leftover = [c for c, _ in in_flight] + chunks[submitted:]
                    in_flight.clear()
                except TaskLost as exc:  # a Ray task whose retries ran out
                    result = _lost(chunk, run_id, str(exc))
                except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot unpickle
                    result = _lost(chunk, run_id, f"{_CRASHED} ({type(exc).__name__}: {exc})")
                size_of = result.nbytes
                received, received_bytes = received + 1, received_bytes + size_of
                while not leftover and submitted < len(chunks) and len(in_flight) < room(window):
                    chunk = chunks[submitted]
                    try:
                        in_flight.append((chunk, submit(chunk)))
                        submitted += 1
                    except BrokenProcessPool:
                        leftover = chunks[submitted:]
                if (whole := add(result, size_of)) is not None:
                    yield whole
        for chunk in leftover:
            result = parse_chunk(chunk, run_id, stored)
            if (whole := add(result, result.nbytes)) is not None:
                yield whole
        if pending:
            yield Batch.concat(pending)
    finally:
        bar.close()
