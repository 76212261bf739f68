"""`nianbao load`: find report files, parse the new ones in parallel, store them in batches."""

from __future__ import annotations

import atexit
import gc
import hashlib
import os
import sys
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import duckdb
from tqdm import tqdm

from loaders import store
from loaders.extract import Extracted, extract, failed
from loaders.frames import Batch, FileOutcome
from loaders.settings import BATCH_SIZE, LOAD_DUCKDB_MEMORY
from loaders.store import utc_now

SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".shtml", ".pdf", ".docx"}
SERIAL_BELOW = 64  # fewer new files than this are parsed in-process (no pool start-up)


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


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, os.stat_result | None]]:
    """Report files under the paths, sorted, each real file once (symlink loops are skipped),
    with their stat (None when it fails: the file is reported unreadable when parsed)."""
    seen: set[tuple[int, int]] = set()
    for root in paths:
        if root.is_dir():
            found = []
            for dirpath, _dirs, files in os.walk(root, followlinks=False):
                found.extend(
                    os.path.join(dirpath, f)
                    for f in files
                    if os.path.splitext(f)[1].lower() in SUFFIXES
                )
            candidates = sorted(found)
        else:
            candidates = [str(root)]
        for name in candidates:
            try:
                stat = os.stat(name)  # follows a symlink to the file it names
            except OSError:
                yield Path(name), None
                continue
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            yield Path(name), stat


def _store(con, batch: Batch, run_id: str) -> list[FileOutcome]:
    """Write a batch; if the database refuses it, write its files one by one so that only
    the offending file fails (and is reported), never the batch."""
    try:
        store.write_batch(con, batch, utc_now())
        return batch.files
    except duckdb.Error:
        pass
    stored = []
    for one in batch.per_file():
        try:
            store.write_batch(con, one, utc_now())
        except duckdb.Error as exc:
            path, document_id = one.files[0].path, one.files[0].document_id
            message = (
                f"the parsed report could not be stored ({type(exc).__name__}: {exc}); "
                "please report this file"
            )
            one = Batch.of([failed(path, document_id, 0, "store_error", message)], run_id)
            store.write_batch(con, one, utc_now())
        stored.extend(one.files)
    return stored


def new_run_id() -> str:
    return f"{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _fingerprint(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def load_paths(
    paths: list[Path],
    db_path: Path,
    workers: int | None = None,
    run_id: str | None = None,
    progress: bool = False,
    command: str = "load",
    batch_size: int = BATCH_SIZE,
    rehash: bool = False,
) -> LoadSummary:
    """Load every report under `paths` into the raw layer of `db_path`.

    A file whose path, size and modification time match a stored document is not read again;
    `rehash` reads and fingerprints every file regardless."""
    run_id = run_id or new_run_id()
    started = utc_now()
    summary = LoadSummary(run_id=run_id, db_path=db_path)
    con = store.connect(db_path)
    # The parse processes keep every core busy: DuckDB's own threads would only contend with
    # them (one thread inserts a batch for about half the CPU time of two). Written blocks need
    # not stay cached: the cap keeps the whole load's memory flat as the warehouse grows.
    con.execute(f"set threads = 1; set memory_limit = '{LOAD_DUCKDB_MEMORY}'")
    pool = None
    try:
        known = store.known_document_ids(con)
        stats = {} if rehash else store.known_files(con)
        to_read: list[tuple[str, tuple[int, int] | None]] = []
        for path, stat in discover(paths):
            summary.files_seen += 1
            name = str(path)
            size_mtime = (stat.st_size, stat.st_mtime_ns) if stat is not None else None
            prior = stats.get(name)
            if prior is not None and prior[:2] == size_mtime and prior[2] in known:
                summary.unchanged += 1  # read before, untouched since: not even read
                continue
            to_read.append((name, size_mtime))
        workers = workers or os.cpu_count() or 1
        if workers > 1 and len(to_read) >= SERIAL_BELOW:
            pool = _start_pool(workers)  # the processes boot while the files are fingerprinted
        todo: list[str] = []
        stat_of: dict[str, tuple[int, int]] = {}
        in_batch: set[str] = set()
        identified: list[tuple[str, int, int, str]] = []  # files whose stored bytes are known
        for name, size_mtime in to_read:
            digest = _fingerprint(Path(name))
            if digest is not None and (digest in known or digest in in_batch):
                summary.unchanged += 1  # same bytes already stored: nothing to parse
                if digest in known and size_mtime is not None:
                    identified.append((name, *size_mtime, digest))
                continue
            if digest is not None:
                in_batch.add(digest)
            todo.append(name)
            if size_mtime is not None:
                stat_of[name] = size_mtime
        store.record_files(con, identified, utc_now())
        for parsed in _parsed_batches(todo, run_id, pool, progress, batch_size):
            stored = []
            for outcome in _store(con, parsed, run_id):
                summary.issues_by_code.update(outcome.codes)
                if outcome.error:
                    summary.failed += 1
                    summary.failures.append((outcome.path, outcome.error, outcome.message))
                else:
                    summary.loaded += 1
                    if outcome.path in stat_of:
                        stored.append((outcome.path, *stat_of[outcome.path], outcome.document_id))
            store.record_files(con, stored, utc_now())
        store.record_run(
            con,
            {
                "run_id": run_id, "command": command, "started_at": started,
                "finished_at": utc_now(), "files_seen": summary.files_seen,
                "files_loaded": summary.loaded, "files_unchanged": summary.unchanged,
                "files_failed": summary.failed, "status": "loaded",
            },
        )  # fmt: skip
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        con.close()
    return summary


CHUNK = 32  # files per task sent to a worker: amortises inter-process overhead


def parse_chunk(paths: list[str], run_id: str) -> Batch:
    """The work of one task in a parse process: files in, columnar rows out."""
    items = [extract(path) for path in paths]
    try:
        return Batch.of(items, run_id)
    except Exception:  # noqa: BLE001 - a value the frames cannot hold costs its file only
        return Batch.concat([_framed(item, run_id) for item in items])


def _framed(item: Extracted, run_id: str) -> Batch:
    try:
        return Batch.of([item], run_id)
    except Exception as exc:  # noqa: BLE001
        message = f"the parsed report could not be framed ({type(exc).__name__}: {exc})"
        error = failed(item.path, item.document_id, item.size_bytes, "parser_error", message)
        return Batch.of([error], run_id)


def _lost(paths: list[str], run_id: str, why: str) -> Batch:
    """The files of a task whose process died or whose result could not come back."""
    return Batch.of([failed(path, None, 0, "worker_crashed", why) for path in paths], run_id)


_CRASHED = (
    "the parse process died on this file or a neighbour (memory or a crash in a library); "
    "load it alone to see which"
)


def _start_worker() -> None:
    _limit_worker_memory()
    tune_for_parsing()


def tune_for_parsing() -> None:
    """Garbage collection for a process that parses: it allocates millions of short-lived tuples
    and lists that reference counting frees, while the collector's passes over the long-lived
    objects (modules, gazetteer, caches) took about a fifth of its CPU time. Those are frozen
    once warm, and the collector runs less often (cycles are rare here)."""
    from loaders.regions import resolve_region

    resolve_region("北京市海淀区人民政府")  # builds the gazetteer index before the freeze
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    # frozen objects are never finalised: release them at a normal exit
    atexit.register(lambda: (gc.unfreeze(), gc.collect()))


def _limit_worker_memory() -> None:
    """A parse process that runs away with memory fails its file, not the machine."""
    import resource

    from loaders.settings import WORKER_MEMORY_BYTES

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > WORKER_MEMORY_BYTES:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, hard))


def _start_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent holds an open DuckDB connection.
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker)
    for _ in range(workers):
        pool.submit(int)  # with no process idle, each submit starts one
    return pool


def _parsed_batches(
    todo: list[str],
    run_id: str,
    pool: ProcessPoolExecutor | None,
    progress: bool,
    batch_size: int,
) -> Iterator[Batch]:
    """Batches of about `batch_size` parsed files, in the order of `todo`; parsed by the pool's
    processes when there is one and enough files, else in this process."""
    bar = tqdm(total=len(todo), unit="file", disable=not progress or not todo, file=sys.stderr)
    size = min(CHUNK, batch_size)  # a batch holds whole chunks
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    pending: list[Batch] = []
    files = 0

    def add(result: Batch) -> Batch | None:
        nonlocal pending, files
        pending.append(result)
        files += len(result.files)
        bar.update(len(result.files))
        if files < batch_size:
            return None
        whole, pending, files = Batch.concat(pending), [], 0
        return whole

    try:
        leftover = chunks
        if pool is not None and len(todo) >= SERIAL_BELOW:
            leftover = []
            # Workers parse the next chunks while this process stores the current batch; two
            # batches in flight bound the memory.
            window = max(2, 2 * batch_size // size)
            in_flight: deque = deque()
            submitted = 0
            try:
                for chunk in chunks[:window]:
                    in_flight.append((chunk, pool.submit(parse_chunk, chunk, run_id)))
                    submitted += 1
            except BrokenProcessPool:  # a process died while it started: nothing was lost yet
                leftover = chunks[submitted:]
            while in_flight:
                chunk, future = in_flight.popleft()
                try:
                    result = future.result()
                except BrokenProcessPool:
                    # a worker died (killed, or crashed in C code): name the files of its task,
                    # parse the rest here
                    result = _lost(chunk, run_id, _CRASHED)
                    leftover = [c for c, _ in in_flight] + chunks[submitted:]
                    in_flight.clear()
                except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot unpickle
                    result = _lost(chunk, run_id, f"{_CRASHED} ({type(exc).__name__}: {exc})")
                if not leftover and submitted < len(chunks):
                    chunk = chunks[submitted]
                    try:
                        in_flight.append((chunk, pool.submit(parse_chunk, chunk, run_id)))
                        submitted += 1
                    except BrokenProcessPool:
                        leftover = chunks[submitted:]
                if (whole := add(result)) is not None:
                    yield whole
        for chunk in leftover:
            if (whole := add(parse_chunk(chunk, run_id))) is not None:
                yield whole
        if pending:
            yield Batch.concat(pending)
    finally:
        bar.close()
