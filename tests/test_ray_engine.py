"""The parse stage on Ray (`--engine ray`) stores what the local processes store, row for row.

Ray runs in local mode with 2 CPUs, started once for the module (a start costs seconds); the
crash tests run `nianbao load` in subprocesses, each with its own Ray instance.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from loaders.settings import CHUNK
from loaders.store.load import load_paths

from .builders import encrypted_pdf, image_only_pdf, zip_bomb_docx
from .conftest import REPORTS, ROOT, SAMPLES

pytest.importorskip("ray", reason="Ray is the cluster extra: make install adds it")
# one Ray instance per test session: the module's tests stay on one xdist worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

# Rows differ between two loads of the same files only in these columns.
PER_RUN = {"run_id", "loaded_at", "checked_at", "started_at", "finished_at"}
TABLES = ("documents", "reports", "cells", "complaints", "parse_issues", "file_stats", "load_runs")
GENERATED = int(os.environ.get("NIANBAO_RAY_COMPARE_REPORTS", "250"))


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def raw_differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Per raw table, the rows of `a` not in `b` and of `b` not in `a` (`except all`), leaving
    out run ids and times; a failed file's issue id holds the run id, which is cut out."""
    out = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
        for table in TABLES:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'a' "
                    "and table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in PER_RUN
            ]
            select = ", ".join(
                "replace(issue_id, run_id, '')" if name == "issue_id" else name for name in columns
            )
            counts = []
            for left, right in (("a", "b"), ("b", "a")):
                counts.append(
                    con.execute(
                        f"select count(*) from (select {select} from {left}.raw.{table} "
                        f"except all select {select} from {right}.raw.{table})"
                    ).fetchall()[0][0]
                )
            out[table] = tuple(counts)
    return out


def _rows(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]


def _outcome(summary) -> tuple:
    return (
        summary.files_seen,
        summary.loaded,
        summary.unchanged,
        summary.failed,
        dict(summary.issues_by_code),
        sorted(summary.failures),
    )


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """Generated reports of every format, with repeated bytes, scans and broken files."""
    from loaders.synthetic.corpus import generate

    folder = tmp_path_factory.mktemp("mixed") / "corpus"
    generate(GENERATED, folder, formats=("txt", "md", "html", "docx", "pdf")).unlink()
    odd = folder / "odd"
    odd.mkdir()
    for i in range(3):
        image_only_pdf(odd / f"scan_{i}.pdf")
    (odd / "encrypted.pdf").write_bytes(encrypted_pdf())
    (odd / "bomb.docx").write_bytes(zip_bomb_docx())
    (odd / "empty.html").write_bytes(b"")
    first = min(folder.glob("*.txt"))
    shutil.copy(first, odd / "same_bytes.txt")  # the same document under a second path
    return folder


def _both(tmp_path: Path, folder: Path) -> tuple[Path, Path]:
    local_db, ray_db = tmp_path / "local.duckdb", tmp_path / "ray.duckdb"
    local = load_paths([folder], local_db, workers=2, batch_size=64)
    remote = load_paths([folder], ray_db, workers=2, batch_size=64, engine="ray")
    assert _outcome(local) == _outcome(remote)
    assert local.loaded > 0
    return local_db, ray_db


@pytest.mark.parametrize("corpus", ["samples", "shared-reports", "generated"])
def test_ray_and_local_store_the_same_rows(tmp_path, ray_local, mixed_corpus, corpus):
    if corpus == "shared-reports" and not REPORTS.is_dir():
        pytest.skip("../shared/reports is absent")
    folder = {"samples": SAMPLES, "shared-reports": REPORTS, "generated": mixed_corpus}[corpus]
    local_db, ray_db = _both(tmp_path, folder)
    assert set(raw_differences(local_db, ray_db).values()) == {(0, 0)}
    assert _rows(ray_db, "cells") > 0


def test_the_comparison_sees_a_changed_row(tmp_path, ray_local):
    local_db, ray_db = _both(tmp_path, SAMPLES)
    with duckdb.connect(str(ray_db)) as con:
        con.execute("update raw.cells set value = value + 1 where rowid = 3")
    differences = raw_differences(local_db, ray_db)
    assert differences.pop("cells") == (1, 1)
    assert set(differences.values()) == {(0, 0)}


def test_ray_workers_skip_stored_documents_under_new_paths(tmp_path, ray_local):
    moved = tmp_path / "moved"
    shutil.copytree(SAMPLES, moved)
    db = tmp_path / "w.duckdb"
    assert load_paths([SAMPLES], db, engine="ray").loaded == 5
    before = {table: _rows(db, table) for table in ("documents", "cells", "parse_issues")}
    again = load_paths([moved], db, engine="ray", rehash=True)
    assert (again.loaded, again.unchanged, again.failed, dict(again.issues_by_code)) == (
        0,
        5,
        0,
        {},
    )
    assert {table: _rows(db, table) for table in before} == before


def test_ray_workers_bound_each_files_time_and_memory(tmp_path, ray_local):
    """A Ray worker is set up as a local parse process: a file over its time bound fails alone,
    and the process's address space is capped."""
    import resource

    from loaders.store.ray_engine import RayPool
    from loaders.store.worker import TaskLost, parse_file

    big = tmp_path / "big.txt"
    big.write_text((SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8") * 50)
    pool = RayPool()
    timed_out = pool.submit(parse_file, str(big), 0.001).result()
    assert timed_out.error == "file_timeout"
    soft, _hard = pool.submit(resource.getrlimit, resource.RLIMIT_AS).result()
    assert soft != resource.RLIM_INFINITY
    with pytest.raises(TaskLost, match="MemoryError"):
        pool.submit(bytearray, soft).result()


# ---------------------------------------------------------------- a worker killed mid-load

FILES = 300


def _text_corpus(folder: Path) -> None:
    folder.mkdir()
    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    for i in range(FILES):
        (folder / f"r{i:04d}.txt").write_text(text + f"\n附：编号 {i}\n", encoding="utf-8")


def _descendants(pid: int) -> dict[int, bytes]:
    """The processes under `pid`, with their command lines (Ray names a busy worker after its
    task: ray::parse_on_worker)."""
    parents, cmdlines = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdlines[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found.update({child: cmdlines.get(child, b"") for child in frontier})
    return found


def _kill_a_busy_worker(pid: int, killed: list[int]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [p for p, cmd in _descendants(pid).items() if cmd.startswith(b"ray::parse_on")]
        if busy:
            os.kill(busy[0], signal.SIGKILL)
            killed.append(busy[0])
            return
        time.sleep(0.01)


def _load(folder: Path, db: Path, retries: int) -> subprocess.Popen:
    env = {**os.environ, "NIANBAO_RAY_RETRIES": str(retries)}
    return subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", "load", str(folder), "--db", str(db),
         "--engine", "ray", "--workers", "2", "--batch-size", "64", "--allow-failures"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def _whole_documents(db: Path) -> tuple[int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        documents, reports, with_cells, crashed = con.execute(
            """select (select count(*) from raw.documents),
                      (select count(*) from raw.reports),
                      (select count(distinct document_id) from raw.cells),
                      (select count(*) from raw.parse_issues where code = 'worker_crashed')"""
        ).fetchall()[0]
    assert documents == reports == with_cells  # no half-written document
    return documents, crashed


@pytest.mark.parametrize("retries", [0, 2])
def test_a_killed_ray_worker_costs_its_task_at_most(tmp_path, retries):
    """Without retries the task of the killed worker fails alone and the next run loads its
    files; with retries, Ray runs the task again and the load completes."""
    folder, db = tmp_path / "corpus", tmp_path / "w.duckdb"
    _text_corpus(folder)
    process = _load(folder, db, retries)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(process.pid, killed))
    killer.start()
    out, _ = process.communicate(timeout=300)
    killer.join()
    assert process.returncode == 0, out
    assert killed, "no busy Ray worker was seen"
    documents, crashed = _whole_documents(db)
    if retries:
        assert (documents, crashed) == (FILES, 0)
        return
    assert 0 < crashed <= 2 * CHUNK and documents + crashed == FILES, out
    rerun = _load(folder, db, retries)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert f"loaded {crashed}, unchanged {documents}, failed 0" in out
    assert _whole_documents(db)[0] == FILES


# ---------------------------------------------------------------- the command line


def test_without_ray_the_engine_flag_says_what_to_install(tmp_path, monkeypatch, capsys):
    from loaders.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    db = tmp_path / "w.duckdb"
    with pytest.raises(SystemExit) as exited:
        main(["load", str(SAMPLES), "--db", str(db), "--engine", "ray"])
    assert exited.value.code == 2
    assert "pip install 'nianbao[cluster]'" in capsys.readouterr().err
    assert not db.exists()
