"""`nianbao run`: one run at a time, a row per run, and a cheap run when nothing changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from loaders.warehouse import open_warehouse

from .conftest import ROOT, SAMPLES

pytestmark = pytest.mark.warehouse


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

    with open_warehouse(db, read_only=True) as con:
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


# a process of its own holding the warehouse open read-only, as an analyst's session would
READER = """
import sys, time
import duckdb
con = duckdb.connect({db!r}, read_only=True)
print("open", flush=True)
time.sleep({seconds})
con.close()
"""


def hold_read_only(db, seconds: float) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER.format(db=str(db), seconds=seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    return reader


def test_a_run_waits_for_a_reader_in_another_process_then_completes(samples_warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(samples_warehouse, db)
    reader = hold_read_only(db, 4)
    try:
        run = nianbao("run", str(SAMPLES), "--db", str(db))
        output, _ = run.communicate(timeout=900)
    finally:
        reader.wait(timeout=60)
    assert run.returncode == 0, output[-3000:]
    assert f"waiting for another process (pid {reader.pid}) to close" in output
    assert "Traceback" not in output and "Could not set lock" not in output
    with open_warehouse(db, read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_report").fetchone() == (5,)


def test_a_reader_that_stays_past_the_wait_stops_the_run_in_one_line(samples_warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(samples_warehouse, db)
    reader = hold_read_only(db, 60)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "loaders.cli", "run", str(SAMPLES), "--db", str(db)],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NIANBAO_LOCK_WAIT": "2"},
        )
    finally:
        reader.kill()
        reader.wait()
    assert run.returncode == 75
    assert "Traceback" not in run.stderr
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .startswith(f"nianbao run: {db} stayed open in another process (pid {reader.pid})")
    )
