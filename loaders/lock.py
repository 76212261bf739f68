"""One writer at a time: an advisory lock beside the warehouse file."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class WarehouseBusy(Exception):
    """Another nianbao process holds the warehouse."""


@contextmanager
def warehouse_lock(db_path: Path, command: str) -> Iterator[None]:
    """Hold `<db>.lock` for the whole command; the kernel drops it if the process dies."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise WarehouseBusy(
                f"{db_path} is in use by {holder}; wait for it to finish, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"nianbao {command} (pid {os.getpid()}, since {datetime.now():%H:%M:%S})".encode(),
            0,
        )
        yield
    finally:
        os.close(fd)
