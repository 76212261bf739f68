"""Any warehouse file name works, and each warehouse keeps its own quality report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from expectations.runner import default_quality_dir
from loaders.cli import main
from loaders.warehouse import open_warehouse

pytestmark = pytest.mark.warehouse

# DuckDB names a database after its file's stem: these stems are the project's schema names
SCHEMA_NAMES = ("seeds", "raw", "marts", "main")


@pytest.fixture(scope="module")
def one_folder(samples_warehouse, tmp_path_factory) -> Path:
    """The loaded samples, copied under every schema name into one folder."""
    folder = tmp_path_factory.mktemp("names")
    for name in SCHEMA_NAMES:
        shutil.copyfile(samples_warehouse, folder / f"{name}.duckdb")
    return folder


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_a_warehouse_named_like_a_schema_loads_builds_and_checks(name, one_folder, capsys):
    db = one_folder / f"{name}.duckdb"
    assert main(["load", "data/samples", "--db", str(db)]) == 0  # a second load: all unchanged
    assert "unchanged 5" in capsys.readouterr().out
    assert main(["build", "--db", str(db)]) == 0
    assert main(["check", "--db", str(db)]) == 0
    with open_warehouse(db, read_only=True) as con:
        [(reports,)] = con.execute("select count(*) from marts.dim_report").fetchall()
    assert reports == 5


def test_two_warehouses_in_one_folder_keep_their_own_quality_report(samples_marts, tmp_path):
    good, bad = tmp_path / "good.duckdb", tmp_path / "bad.duckdb"
    for db in (good, bad):
        shutil.copyfile(samples_marts, db)
    with open_warehouse(bad) as con:
        con.execute("update marts.fct_applications set value = -3 where value = 0")
    assert main(["check", "--db", str(good)]) == 0
    assert main(["check", "--db", str(bad)]) == 1
    for db, status in ((good, "success"), (bad, "error")):
        folder = default_quality_dir(db)
        assert folder == tmp_path / f"{db.stem}.quality"
        result = json.loads((folder / "check_result.json").read_text(encoding="utf-8"))
        assert (result["db_path"], result["status"]) == (str(db), status)
        assert (folder / "index.html").is_file()
    assert not (tmp_path / "quality").exists()
