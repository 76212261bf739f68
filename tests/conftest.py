"""Shared fixtures: the sample reports, their gold labels, and a warehouse loaded from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "data" / "samples"
SEEDS_GOLD = SHARED / "contract" / "gold" / "seeds.json"
REPORTS = SHARED / "reports"


@pytest.fixture(scope="session")
def seeds_gold() -> list[dict]:
    return json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def samples_warehouse(tmp_path_factory) -> Path:
    """A warehouse with the five bundled samples loaded into its raw layer."""
    from loaders.load import load_paths

    db = tmp_path_factory.mktemp("raw") / "samples.duckdb"
    summary = load_paths([SAMPLES], db)
    assert (summary.loaded, summary.failed) == (5, 0)
    return db
