"""One writer at a time: an advisory lock file beside the warehouse, there only while held."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class WarehouseBusy(Exception):
    """Another nianbao process holds the warehouse."""


def lock_path_of(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def warehouse_lock(db_path: Path, command: str) -> Iterator[None]:
    """Hold `<db>.lock` for the whole command; the kernel drops it if the process dies.

    The holder removes the file when it is done, so no lock file stays beside a warehouse. A
    process that opened the file just before it was removed could lock that removed file while
    a third locks a new one: after locking, the file must still be the one at the path, else it
    starts again."""
    lock_path = lock_path_of(db_path)
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise WarehouseBusy(
                f"{db_path} is in use by {holder}; wait for it to finish, then run again"
            ) from None
        if _same_file(fd, lock_path):
            break
        os.close(fd)  # a removed lock file, released by its last holder: take the current one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"nianbao {command} (pid {os.getpid()}, since {datetime.now():%H:%M:%S})".encode(),
            0,
        )
        yield
    finally:
        # removed while still locked, so a newcomer either finds no file or a fresh one
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
