"""The parse stage of `nianbao load` as Ray tasks, for a machine or a cluster.

The driver (the process that runs `nianbao load`) lists the files, checks them against the
warehouse and stores the results, exactly as with the local process pool; only the parse tasks
(`loaders.store.worker.parse_task`: paths in, a `Batch` of Arrow tables out) run on Ray workers. The
workers read the files by path, so every node must see the reports at the paths the driver
lists (a shared filesystem mounted at the same place): shipping the bytes through the driver
would make its network link the limit of the whole cluster. A result crosses the object store as
Arrow buffers (pickle protocol 5, out of band), never as Python objects per row.

A task is a pure function of its paths, the run id and the stored documents, so a task whose
worker died is run again (`RAY_TASK_RETRIES` times) with the same result; past that, its files
fail with `worker_crashed` and the next run reads them again. This module is imported by the
Ray workers: it must not import DuckDB.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable

from loaders.settings import RAY_TASK_RETRIES
from loaders.store import worker
from loaders.store.digests import StoredDigests
from loaders.store.worker import TaskLost, keep_timeout_handler

INSTALL_HINT = "--engine ray needs Ray: pip install 'nianbao[cluster]' (a checkout: make install)"
# Where Ray runs: "local" starts a Ray instance on this machine for the load, "auto" joins the
# cluster this machine is a node of, "ray://host:10001" reaches one through Ray Client.
DEFAULT_ADDRESS = "local"
RETRIES_ENV = "NIANBAO_RAY_RETRIES"


def available() -> bool:
    return importlib.util.find_spec("ray") is not None


class EngineUnavailable(Exception):
    """Ray is missing or the cluster cannot be reached: said in one line."""


def task_retries() -> int:
    value = os.environ.get(RETRIES_ENV, str(RAY_TASK_RETRIES))
    try:
        retries = int(value)
    except ValueError:
        retries = -1
    if retries < 0:
        raise EngineUnavailable(
            f"{RETRIES_ENV}={value!r}: give a whole number of retries, 0 or more"
        )
    return retries


class RayPool:
    """Ray tasks behind the calls the load makes of its process pool: `submit(fn, *args)` with
    a future's `result()`, and `shutdown`. Connects on creation; `share` hands the stored
    documents to the workers once, through the object store."""

    def __init__(self, address: str | None = None, cpus: int | None = None) -> None:
        if not available():
            raise EngineUnavailable(INSTALL_HINT)
        import ray

        self._ray = ray
        self._owned = not ray.is_initialized()
        address = address or DEFAULT_ADDRESS
        retries = task_retries()
        if self._owned:
            options: dict = {
                "address": address,
                "include_dashboard": False,
                "logging_level": logging.WARNING,
                # a file's problems are parse issues in the warehouse; workers' stray output
                # would only interleave with the progress bar
                "log_to_driver": False,
            }
            if address == "local" and cpus:
                options["num_cpus"] = cpus
            try:
                ray.init(**options)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise EngineUnavailable(
                    f"cannot start or reach Ray at {address!r}: {exc}".splitlines()[0]
                ) from exc
        self._task = ray.remote(parse_on_worker).options(
            num_cpus=1,
            max_retries=retries,
            retry_exceptions=False,
            # Ray's own Arrow reducer (IPC) rejects string views, which the frames use; Arrow's
            # pickling sends the same buffers out of band
            runtime_env={"env_vars": {"RAY_DISABLE_CUSTOM_ARROW_DATA_SERIALIZATION": "1"}},
        )
        self._retries = retries
        self._stored: list = []
        self._in_flight: set = set()

    @property
    def slots(self) -> int:
        """The CPUs of the cluster: tasks that can run at once."""
        return int(self._ray.cluster_resources().get("CPU", 1))

    def share(self, stored: StoredDigests) -> None:
        # nested in a list, the reference reaches the task as a reference: each worker fetches
        # the block once, not once a task
        self._stored = [self._ray.put(stored.block)]

    def submit(self, fn: Callable, *args) -> _Pending:
        ref = self._task.remote(self._stored, fn, *args)
        self._in_flight.add(ref)
        return _Pending(self, ref)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for ref in self._in_flight:
                self._ray.cancel(ref, force=True)
        self._in_flight.clear()
        self._stored = []
        if self._owned:
            self._ray.shutdown()


class _Pending:
    """One submitted task, as the load waits for it."""

    def __init__(self, pool: RayPool, ref) -> None:
        self._pool, self._ref = pool, ref

    def result(self):
        ray = self._pool._ray
        try:
            return ray.get(self._ref)
        except ray.exceptions.RayTaskError as exc:  # the task raised: not retried
            raise TaskLost(f"the parse task raised {exc.cause!r}; please report this file") from exc
        except ray.exceptions.RayError as exc:
            tries = self._pool._retries + 1
            raise TaskLost(
                f"the Ray worker parsing this file or a neighbour was lost {tries} time(s) "
                f"({type(exc).__name__}: memory, a crash in a library, or a node that left); "
                "load it alone to see which"
            ) from exc
        finally:
            self._pool._in_flight.discard(self._ref)


# ------------------------------------------------------------------------- on a Ray worker

_shared: str | None = None  # the id of the stored documents this worker process holds


def parse_on_worker(stored: list, fn: Callable, *args):
    """A parse task on a Ray worker: the first task of a load sets the process up as a local
    parse process is set up (timeout handler, memory cap, garbage collection, stored ids)."""
    global _shared
    import ray

    ref = stored[0] if stored else None
    key = ref.hex() if ref is not None else ""
    if key != _shared:
        if _shared is None:
            keep_timeout_handler()
            worker.tune_for_parsing()
        worker.set_stored(StoredDigests(ray.get(ref)) if ref is not None else StoredDigests())
        if _shared is None:
            # the cap counts from what the worker has mapped already (Ray maps its object
            # store), after the stored ids are in
            worker.limit_memory(above_current=True)
        _shared = key
    return fn(*args)
