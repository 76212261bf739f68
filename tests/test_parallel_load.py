"""Parallel load: a parse process that dies costs the files of its task, never the load."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest

from loaders.settings import CHUNK
from loaders.store.load import load_paths

from .conftest import SAMPLES

pytestmark = pytest.mark.warehouse

FILES = 300


def _workers_of(pid: int) -> list[int]:
    """Parse processes of a load run by `pid`: the children of its fork server."""
    parents: dict[int, int] = {}
    servers = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents[int(entry.name)] = ppid
        if ppid == pid and b"forkserver" in cmdline:
            servers.add(int(entry.name))
    return sorted(child for child, parent in parents.items() if parent in servers)


def _kill_first_worker(killed: list[int]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _workers_of(os.getpid())
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])
            return
        time.sleep(0.005)


@pytest.mark.parametrize("when", ["while-starting", "while-parsing"])
def test_a_killed_parse_process_fails_its_files_and_the_rest_load(tmp_path, monkeypatch, when):
    from loaders.store import load

    folder = tmp_path / "corpus"
    folder.mkdir()
    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    for i in range(FILES):
        (folder / f"r{i:04d}.txt").write_text(text + f"\n附：编号 {i}\n", encoding="utf-8")
    killed: list[int] = []
    killer = threading.Thread(target=_kill_first_worker, args=(killed,))
    if when == "while-starting":
        killer.start()
    else:  # when the first batch is stored, the processes are parsing the next tasks
        store = load._store

        def store_then_kill(*args):
            if not killed:
                killer.start()
                killer.join()
            return store(*args)

        monkeypatch.setattr(load, "_store", store_then_kill)
    summary = load_paths([folder], tmp_path / "w.duckdb", workers=2, batch_size=64)
    killer.join()

    assert killed, "no parse process was seen"
    assert summary.loaded + summary.failed == FILES
    # the task the process held fails (none, if it died while starting); the rest load
    assert summary.failed <= CHUNK
    assert {code for _, code, _ in summary.failures} <= {"worker_crashed"}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        documents = con.execute("select count(*) from raw.documents").fetchall()[0][0]
        crashed = con.execute(
            "select count(*) from raw.parse_issues where code = 'worker_crashed'"
        ).fetchall()[0][0]
    assert (documents, crashed) == (summary.loaded, summary.failed)


def _reports(folder: Path, texts: list[str]) -> None:
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"r{i:04d}.txt").write_text(text, encoding="utf-8")


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
            for table in ("documents", "cells", "parse_issues", "file_stats")
        }


def test_files_with_the_same_bytes_are_stored_once_within_and_across_tasks(tmp_path):
    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    unique = [text + f"\n附：编号 {i}\n" for i in range(100)]
    # r0001 repeats r0000 inside one task; r0100-r0139 repeat files of other tasks
    texts = [unique[0], *unique[:100], *unique[10:50]][:141]
    _reports(tmp_path / "corpus", texts)
    db = tmp_path / "w.duckdb"
    summary = load_paths([tmp_path / "corpus"], db, workers=2, batch_size=64)

    assert (summary.loaded, summary.unchanged, summary.failed) == (100, 41, 0)
    assert sum(summary.issues_by_code.values()) == _counts(db)["parse_issues"]
    counts = _counts(db)
    assert (counts["documents"], counts["file_stats"]) == (100, 141)


def test_stored_bytes_under_new_paths_are_not_stored_again(tmp_path):
    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    texts = [text + f"\n附：编号 {i}\n" for i in range(80)]
    _reports(tmp_path / "first", texts)
    _reports(tmp_path / "moved", texts)
    db = tmp_path / "w.duckdb"
    assert load_paths([tmp_path / "first"], db, workers=2).loaded == 80
    before = _counts(db)

    again = load_paths([tmp_path / "moved"], db, workers=2)
    after = _counts(db)
    assert (again.loaded, again.unchanged, again.failed, dict(again.issues_by_code)) == (
        0,
        80,
        0,
        {},
    )
    assert {**before, "file_stats": 160} == after


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_closes_at_its_byte_bound(tmp_path, monkeypatch, workers):
    from loaders.store import load

    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    _reports(tmp_path / "corpus", [text + f"\n附：编号 {i}\n" for i in range(100)])
    stored_batches: list[int] = []
    store = load._store

    def counting(con, batch, run_id, stat_of=None):
        stored_batches.append(len(batch.files))
        return store(con, batch, run_id, stat_of)

    monkeypatch.setattr(load, "_store", counting)
    db = tmp_path / "w.duckdb"
    # every task's rows exceed one byte: each task of CHUNK files is a batch of its own
    summary = load_paths([tmp_path / "corpus"], db, workers=workers, batch_bytes=1)
    assert (summary.loaded, summary.failed) == (100, 0)
    assert stored_batches == [CHUNK, CHUNK, CHUNK, 100 - 3 * CHUNK]
    assert _counts(db)["documents"] == 100


def test_loading_never_imports_pandas(tmp_path):
    """pyarrow's array constructors import pandas (about a second of CPU); the load, its parse
    and its second run over stored documents need none of them."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from loaders.store.load import load_paths\n"
        "db = Path(sys.argv[2])\n"
        "first = load_paths([Path(sys.argv[1])], db, workers=1)\n"
        "again = load_paths([Path(sys.argv[1])], db, workers=1, rehash=True)\n"
        "assert (first.loaded, again.unchanged) == (5, 5), (first, again)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLES), str(tmp_path / "w.duckdb")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "False"
