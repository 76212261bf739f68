"""`nianbao load`: find report files, parse the new ones in parallel, store them in batches."""

from __future__ import annotations

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
from loaders.store import utc_now

SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".shtml", ".pdf", ".docx"}
BATCH_SIZE = 2000  # documents per transaction: bounds memory, keeps each batch whole
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


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Report files under the paths, sorted, each real file once (symlink loops are skipped)."""
    seen: set[Path] = set()
    for root in paths:
        candidates: Iterable[Path]
        if root.is_dir():
            found = []
            for dirpath, _dirs, files in os.walk(root, followlinks=False):
                found.extend(Path(dirpath) / f for f in files)
            candidates = sorted(found)
        else:
            candidates = [root]
        for path in candidates:
            if path.suffix.lower() not in SUFFIXES and root.is_dir():
                continue
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):
                real = path
            if real in seen:
                continue
            seen.add(real)
            yield path


def _store(con, batch: list[Extracted], run_id: str) -> list[Extracted]:
    """Write a batch; if the database refuses it, write its documents one by one so that only
    the offending file fails (and is reported), never the batch."""
    try:
        store.write_batch(con, batch, run_id, utc_now())
        return batch
    except duckdb.Error:
        pass
    stored = []
    for item in batch:
        try:
            store.write_batch(con, [item], run_id, utc_now())
        except duckdb.Error as exc:
            item = failed(
                item.path, item.document_id, item.size_bytes, "store_error",
                f"the parsed report could not be stored ({type(exc).__name__}: {exc}); "
                "please report this file",
            )  # fmt: skip
            store.write_batch(con, [item], run_id, utc_now())
        stored.append(item)
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
) -> LoadSummary:
    """Load every report under `paths` into the raw layer of `db_path`."""
    run_id = run_id or new_run_id()
    started = utc_now()
    summary = LoadSummary(run_id=run_id, db_path=db_path)
    con = store.connect(db_path)
    try:
        known = store.known_document_ids(con)
        todo: list[str] = []
        in_batch: set[str] = set()
        for path in discover(paths):
            summary.files_seen += 1
            digest = _fingerprint(path)
            if digest is not None and (digest in known or digest in in_batch):
                summary.unchanged += 1  # same bytes already stored: nothing to parse
                continue
            if digest is not None:
                in_batch.add(digest)
            todo.append(str(path))
        for parsed in _parsed_batches(todo, workers, progress, batch_size):
            batch = _store(con, parsed, run_id)
            for item in batch:
                for code, *_ in item.issues:
                    summary.issues_by_code[code] += 1
                if item.error:
                    summary.failed += 1
                    summary.failures.append((item.path, item.error, item.issues[0][4]))
                else:
                    summary.loaded += 1
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
        con.close()
    return summary


CHUNK = 32  # files per task sent to a worker: amortises inter-process overhead


def extract_many(paths: list[str]) -> list[Extracted]:
    return [extract(path) for path in paths]


def _crashed(path: str) -> Extracted:
    return failed(
        path, None, 0, "worker_crashed",
        "the parse process died on this file or a neighbour (memory or a crash in a library); "
        "load it alone to see which",
    )  # fmt: skip


def _limit_worker_memory() -> None:
    """A parse process that runs away with memory fails its file, not the machine."""
    import resource

    from loaders.settings import WORKER_MEMORY_BYTES

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > WORKER_MEMORY_BYTES:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, hard))


def _parsed_batches(
    todo: list[str], workers: int | None, progress: bool, batch_size: int
) -> Iterator[list[Extracted]]:
    bar = tqdm(total=len(todo), unit="file", disable=not progress or not todo, file=sys.stderr)
    workers = workers or os.cpu_count() or 1
    try:
        if len(todo) < SERIAL_BELOW or workers == 1:
            for start in range(0, len(todo), batch_size):
                batch = []
                for path in todo[start : start + batch_size]:
                    batch.append(extract(path))
                    bar.update()
                yield batch
            return
        # spawn, not fork: the parent holds an open DuckDB connection.
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        window = max(2, 2 * batch_size // CHUNK)  # two batches in flight: bounded memory
        batch: list[Extracted] = []
        with ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_limit_worker_memory
        ) as pool:
            # Workers parse the next chunks while this process stores the current batch.
            in_flight = deque(pool.submit(extract_many, c) for c in chunks[:window])
            submitted = len(in_flight)
            while in_flight:
                future = in_flight.popleft()
                chunk = chunks[submitted - len(in_flight) - 1]
                try:
                    results = future.result()
                except BrokenProcessPool:
                    # a worker died (killed, or crashed in C code): name its files, go on alone
                    results = [_crashed(path) for path in chunk]
                    for rest in chunks[submitted - len(in_flight) :]:
                        results.extend(extract(path) for path in rest)
                    in_flight.clear()
                    submitted = len(chunks)
                batch.extend(results)
                bar.update(len(results))
                if submitted < len(chunks):
                    in_flight.append(pool.submit(extract_many, chunks[submitted]))
                    submitted += 1
                if len(batch) >= batch_size or not in_flight:
                    yield batch
                    batch = []
    finally:
        bar.close()
