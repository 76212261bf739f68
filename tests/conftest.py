"""Shared fixtures: the sample reports, their gold labels, and a warehouse loaded from them."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# The same examples on every run: a property test that fails once fails every time.
settings.register_profile("nianbao", derandomize=True, deadline=None)
settings.load_profile("nianbao")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
# the gold facts of the bundled samples travel with them
SEEDS_GOLD = SAMPLES / "gold.json"
# development material kept beside the repository (real reports, report openings, the contract):
# tests that read it skip in a clone that has nothing beside it
SHARED = ROOT.parent / "shared"
REPORTS = SHARED / "reports"
OPENINGS = REPORTS / "openings"
CONTRACT = SHARED / "contract"


# Every test is of one kind (pyproject's markers): `slow` (OCR, Ray, LibreOffice, killed
# processes, notebooks), `warehouse` (loads a warehouse, builds it with dbt or checks it; so is every
# test that asks for a fixture below that does), or `unit`, which every other test is given here.
# `make test-fast` runs the unit tests.
WAREHOUSE_FIXTURES = {"samples_marts", "samples_warehouse"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("slow") or item.get_closest_marker("warehouse"):
            continue
        if WAREHOUSE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.warehouse)
        else:
            item.add_marker(pytest.mark.unit)


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip unless `path` (under ../shared) exists, saying in one line what is missing."""
    return pytest.mark.skipif(
        not path.exists(),
        reason=f"needs {path.relative_to(SHARED.parent)} (development material beside the clone)",
    )


@pytest.fixture(scope="session")
def samples_marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples loaded and built with dbt once per test session, shared by xdist workers.

    `make test` runs pytest with two xdist workers, which would otherwise each build the
    warehouse for every module that needs it (a dbt build costs 15-80 s here): the first caller
    builds under a lock in the session's shared temp folder, the others wait and reuse it.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent / f"samples-marts-{run_id}") if run_id else (base / "samples-marts")
    shared.mkdir(parents=True, exist_ok=True)
    db = shared / "samples.duckdb"
    status = shared / "build-status"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not status.exists():
                from loaders.commands.build import build
                from loaders.store.load import load_paths

                summary = load_paths([SAMPLES], db)
                code = build(db, target_dir=shared / "dbt_target")
                status.write_text(f"{summary.loaded} {summary.failed} {code}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    loaded, failed, code = status.read_text().split()
    assert (loaded, failed, code) == ("5", "0", "0"), f"samples build: {status.read_text()}"
    return db


@pytest.fixture(scope="session")
def seeds_gold() -> list[dict]:
    return json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def samples_warehouse(tmp_path_factory) -> Path:
    """A warehouse with the five bundled samples loaded into its raw layer (not built)."""
    from loaders.store.load import load_paths

    db = tmp_path_factory.mktemp("raw") / "samples.duckdb"
    summary = load_paths([SAMPLES], db)
    assert (summary.loaded, summary.failed) == (5, 0)
    return db
