"""Sampling a process and its descendants on a thread, while a benchmark waits for them."""

from __future__ import annotations

import contextlib
import threading
from typing import Self


class TreeSampler:
    """Calls `sample(process, descendants)` every `interval` seconds until the block ends, or
    until the process is gone. Subclasses keep what they measure."""

    def __init__(self, pid: int, interval: float = 0.05):
        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, process, descendants: list) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.sample(self.process, self.process.children(recursive=True))
            except psutil.Error:
                break
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class PeakRss(TreeSampler):
    """The largest summed RSS of a process and all its descendants."""

    peak = 0

    def sample(self, process, descendants: list) -> None:
        import psutil

        total = 0
        for p in [process, *descendants]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        self.peak = max(self.peak, total)


class TreeCpu(TreeSampler):
    """CPU seconds (user + system) of a process and, apart, of its descendants, from the last
    sample of each process (a process that exits loses at most one interval)."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(pid, interval)
        self.own = 0.0
        self.children: dict[int, float] = {}

    def sample(self, process, descendants: list) -> None:
        import psutil

        times = process.cpu_times()
        self.own = times.user + times.system
        for child in descendants:
            with contextlib.suppress(psutil.Error):
                t = child.cpu_times()
                self.children[child.pid] = t.user + t.system
