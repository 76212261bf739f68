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


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> Path:
    """A folder `make(folder)` fills once per test session, shared by the xdist workers.

    `make test` runs two xdist workers, which would otherwise each build the same warehouse (a dbt
    build takes many seconds): the first caller makes it under a lock in the session's shared temp
    folder, the others wait and reuse it. A `make` that fails leaves the folder unmade, so every
    caller sees the failure.
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent / f"{name}-{run_id}") if run_id else (base / name)
    folder.mkdir(parents=True, exist_ok=True)
    made = folder / ".made"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            make(folder)
            made.touch()
    return folder


@pytest.fixture(scope="session")
def samples_marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples loaded and built with dbt once per test session, shared by xdist workers."""

    def load_and_build(folder: Path) -> None:
        from loaders.commands.build import build
        from loaders.store.load import load_paths

        summary = load_paths([SAMPLES], folder / "samples.duckdb")
        assert (summary.loaded, summary.failed) == (5, 0)
        assert build(folder / "samples.duckdb", target_dir=folder / "dbt_target") == 0

    return made_once(tmp_path_factory, "samples-marts", load_and_build) / "samples.duckdb"


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
