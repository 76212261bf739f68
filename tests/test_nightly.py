"""`nianbao run`: one run at a time, a row per run, and a cheap run when nothing changed."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb

from .conftest import ROOT, SAMPLES


def nianbao(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_runs_at_once_one_is_refused_then_a_rerun_is_cheap(tmp_path):
    db = tmp_path / "w.duckdb"
    first = nianbao("run", str(SAMPLES), "--db", str(db))
    lock = tmp_path / "w.duckdb.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = nianbao("run", str(SAMPLES), "--db", str(db))
    refused_output, _ = second.communicate(timeout=120)
    output, _ = first.communicate(timeout=900)
    assert second.returncode == 75, refused_output
    assert "in use by nianbao run" in refused_output
    assert first.returncode == 0, output[-3000:]

    started = time.monotonic()
    rerun = nianbao("run", str(SAMPLES), "--db", str(db))
    rerun_output, _ = rerun.communicate(timeout=300)
    elapsed = time.monotonic() - started
    assert rerun.returncode == 0 and "skipped" in rerun_output
    assert elapsed < 15  # no parse, no build, no check: interpreter start and hashing only

    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            """select files_loaded, files_unchanged, build_status, check_status, status
               from raw.load_runs order by started_at"""
        ).fetchall()
        reports = con.execute("select count(*) from marts.dim_report").fetchall()
    assert runs == [
        (5, 0, "success", "success", "success"),
        (0, 5, "skipped", "skipped", "success"),
    ]
    assert reports == [(5,)]
