"""Metadata of real report web-page openings (`shared/reports/openings`): organ, year, date and
region read through page furniture, scored by `nianbao eval` on metadata-only gold."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest

from loaders.commands.build import build
from loaders.commands.eval import evaluate, looks_like_furniture
from loaders.store.load import load_paths
from tests.conftest import SHARED

OPENINGS = SHARED / "reports" / "openings"

pytestmark = pytest.mark.skipif(
    not (OPENINGS / "gold.json").exists(),
    reason="../shared/reports/openings is not beside the repo",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    base = tmp_path_factory.mktemp("openings")
    pages = base / "pages"
    pages.mkdir()
    for path in OPENINGS.glob("*.txt"):
        shutil.copy(path, pages / path.name)
    db = base / "warehouse.duckdb"
    summary = load_paths([pages], db, workers=1)
    assert summary.failed == 0, summary.failures
    with contextlib.redirect_stdout(io.StringIO()) as log:
        assert build(db, target_dir=base / "dbt_target") == 0, log.getvalue()[-3000:]
    return db


@pytest.mark.warehouse
def test_openings_metadata_at_least_95_percent_and_no_furniture_agency(warehouse):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = evaluate(OPENINGS / "gold.json", warehouse, 0.995, 0.95)
    text = out.getvalue()
    assert "agency names that are page furniture: 0" in text, text[-3000:]
    assert rc == 0, text[-3000:]
    assert "cells 0/0" in text  # metadata-only gold: no cell is scored


def test_an_agency_is_right_or_null_never_furniture(warehouse):
    import duckdb

    gold = {g["source_file"]: g for g in json.loads((OPENINGS / "gold.json").read_text("utf-8"))}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """select r.source_file_name, a.agency_name from marts.dim_report r
               left join marts.dim_agency a on a.agency_id = r.agency_id"""
        ).fetchall()
    wrong = []
    for name, agency in rows:
        expected = gold[name]["agency_name"]
        accepted = expected if isinstance(expected, list) else [expected]
        if agency is not None and (agency not in accepted or looks_like_furniture(agency)):
            wrong.append((name, agency, accepted))
    assert not wrong, wrong  # a wrong organ name is worse than none
