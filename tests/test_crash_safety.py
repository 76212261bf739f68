"""A load killed with SIGKILL leaves whole documents only, and the next run completes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import duckdb
import pytest

from .conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

FILES = 400
BATCH = 25


def make_corpus(folder) -> None:
    """Distinct reports (distinct bytes), so every file is a new document."""
    text = (SAMPLES / "000_f6bb5fbcfd8441cc.txt").read_text(encoding="utf-8")
    for i in range(FILES):
        (folder / f"report_{i:04d}.txt").write_text(text + f"\n附：编号 {i}\n", encoding="utf-8")


def start_load(folder, db) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", "load", str(folder), "--db", str(db),
         "--workers", "1", "--batch-size", str(BATCH)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def consistent_counts(db) -> int:
    with duckdb.connect(str(db)) as con:
        documents, reports, with_cells = con.execute(
            """select (select count(*) from raw.documents),
                      (select count(*) from raw.reports),
                      (select count(distinct document_id) from raw.cells)"""
        ).fetchall()[0]
    assert documents == reports == with_cells  # no half-written document
    assert documents % BATCH == 0 or documents == FILES  # whole batches only
    return documents


def test_sigkill_mid_load_keeps_whole_documents_and_the_next_run_completes(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_corpus(folder)
    # Kill at fixed fractions of an uninterrupted load's duration on this machine, so the kills
    # land mid-load however fast the machine is.
    started = time.monotonic()
    assert start_load(folder, tmp_path / "timing.duckdb").wait(timeout=300) == 0
    duration = time.monotonic() - started
    cut_short = 0
    for attempt, fraction in enumerate((0.5, 0.7, 0.9)):
        db = tmp_path / f"w{attempt}.duckdb"
        process = start_load(folder, db)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if not db.exists():
            continue  # killed before the warehouse was created: nothing to check
        before = consistent_counts(db)
        cut_short += before < FILES
        rerun = start_load(folder, db)
        assert rerun.wait(timeout=300) == 0
        assert consistent_counts(db) == FILES
    assert cut_short >= 1  # at least one kill landed mid-load
