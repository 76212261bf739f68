"""What a parse process of `nianbao load` runs: paths in, Arrow frames out.

Kept apart from `loaders.load` so that a parse process imports the parser and the frames only,
never DuckDB. A parse process reads each file once: it fingerprints the bytes it parses, and skips
the parse when the fingerprint names a document stored before the run or earlier in its task.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Container

from loaders.digests import StoredDigests
from loaders.extract import Extracted, extract, failed, keep_timeout_handler
from loaders.frames import Batch

# Document ids stored before the run, handed to each process once when it starts.
_stored: Container[str] = StoredDigests()


class TaskLost(Exception):
    """A task's result will not come back (its worker died): its files fail, the load goes on."""


def set_stored(stored: Container[str]) -> None:
    """The stored documents, for a process set up by another engine (`loaders.engine_ray`)."""
    global _stored
    _stored = stored


def start_worker(stored_list: str) -> None:
    """Initializer of a pool process; `stored_list` names a file of sorted digests
    (`loaders.digests`)."""
    global _stored
    limit_memory()
    keep_timeout_handler()
    # a process that boots after the load ended finds no file: it gets no task
    with contextlib.suppress(FileNotFoundError):
        _stored = StoredDigests.from_file(stored_list)
    tune_for_parsing()


def parse_task(paths: list[str], run_id: str) -> Batch:
    """One task in a pool process."""
    return parse_chunk(paths, run_id, _stored)


def parse_chunk(paths: list[str], run_id: str, stored: Container[str]) -> Batch:
    """Files in, columnar rows out; a file whose bytes are in `stored`, or repeat a file before
    it in `paths`, is not parsed and comes back as unchanged."""
    seen: set[str] = set()

    def known(document_id: str) -> bool:
        if document_id in stored or document_id in seen:
            return True
        seen.add(document_id)
        return False

    items = [extract(path, known=known) for path in paths]
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


def tune_for_parsing() -> None:
    """Garbage collection for a process that parses: it allocates millions of short-lived tuples
    and lists that reference counting frees, while the collector's passes over the long-lived
    objects (modules, gazetteer, caches) took about a fifth of its CPU time. Those are frozen
    once warm, and the collector runs less often (cycles are rare here). They stay frozen to the
    end: nothing a parse process holds needs finalising (it imports no database driver)."""
    from loaders.regions import resolve_region

    resolve_region("北京市海淀区人民政府")  # builds the gazetteer index before the freeze
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def limit_memory(above_current: bool = False) -> None:
    """A parse process that runs away with memory fails its file, not the machine. A process
    that maps large regions before it parses (a Ray worker maps its object store) is capped at
    what it has mapped plus the same allowance."""
    import resource

    from loaders.settings import WORKER_MEMORY_BYTES

    cap = WORKER_MEMORY_BYTES + (_mapped_bytes() if above_current else 0)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _mapped_bytes() -> int:
    """The address space this process has mapped (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
