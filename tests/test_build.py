"""`loaders.commands.build`: dbt as a subprocess on the warehouse, with the project's own profile."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from loaders.commands.build import PreparedBuild, build, dbt_env, dbt_executable, run_dbt
from loaders.settings import DBT_PROJECT_DIR, DEFAULT_DB
from loaders.store.schema import RAW_DDL

from .conftest import CONTRACT, needs_shared

pytestmark = pytest.mark.warehouse


def test_dbt_is_the_one_next_to_python():
    assert dbt_executable() == [str(Path(sys.executable).with_name("dbt"))]


def test_env_points_dbt_at_the_warehouse(tmp_path):
    env = dbt_env(tmp_path / "w.duckdb", target_dir=tmp_path / "t")
    assert env["NIANBAO_DB"] == str((tmp_path / "w.duckdb").resolve())
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"
    assert env["DBT_TARGET_PATH"] == str((tmp_path / "t").resolve())


def test_profile_defaults_to_the_loader_warehouse():
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert "env_var('NIANBAO_DB', flags.PROFILES_DIR ~ '/../warehouse/nianbao.duckdb')" in profile
    assert (DBT_PROJECT_DIR / ".." / "warehouse" / "nianbao.duckdb").resolve() == DEFAULT_DB
    assert "threads: 1" in profile and "connect_attempts: 5" in profile


@needs_shared(CONTRACT / "vocabulary.csv")
def test_vocabulary_seed_is_the_contract_vocabulary():
    contract = CONTRACT / "vocabulary.csv"
    seed = DBT_PROJECT_DIR / "seeds" / "vocabulary.csv"
    assert seed.read_text(encoding="utf-8") == contract.read_text(encoding="utf-8")


def test_missing_warehouse_is_refused(tmp_path, capsys):
    assert build(tmp_path / "absent.duckdb") == 2
    assert "load reports first" in capsys.readouterr().err
    assert not (tmp_path / "absent.duckdb").exists()


def test_dbt_exit_code_is_returned(tmp_path, capfd):
    code = run_dbt(["parse", "--no-such-flag"], tmp_path / "w.duckdb", target_dir=tmp_path / "t")
    assert code == 2
    assert "no-such-flag" in capfd.readouterr().out


def test_build_on_an_empty_raw_layer_then_docs_offline(tmp_path, capfd):
    """A warehouse with no report yet builds (empty marts) and its docs generate offline."""
    db = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(RAW_DDL)
    target = tmp_path / "dbt_target"
    assert build(db, target_dir=target) == 0
    out = capfd.readouterr().out
    assert "Completed successfully" in out and "ERROR=0" in out
    assert " START unit_test " in out  # `nianbao build` runs the unit tests, the nightly does not
    with duckdb.connect(str(db), read_only=True) as con:
        marts = {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        assert con.execute("select count(*) from marts.fct_applications").fetchone() == (0,)
    assert marts == {
        "dim_agency",
        "dim_region",
        "dim_year",
        "dim_report",
        "fct_disclosures",
        "fct_applications",
        "fct_reviews",
        "fct_complaints",
        "fct_identity_checks",
        "mart_agency_year",
        "mart_report_compliance",
        "mart_cross_year_checks",
        "mart_text_reuse",
        "mart_narrative_checks",
        "mart_parse_issues",
        "mart_region_year",
    }
    assert run_dbt(["docs", "generate", "--static"], db, target_dir=target) == 0
    page = (target / "static_index.html").read_text(encoding="utf-8")
    assert "fct_identity_checks" in page


def test_a_prepared_build_that_is_cancelled_never_opens_the_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    prepared = PreparedBuild(db, target_dir=tmp_path / "t")
    prepared.cancel()
    assert prepared.process.returncode is not None
    assert not db.exists()


def test_a_prepared_build_of_an_absent_warehouse_is_refused(tmp_path, capsys):
    prepared = PreparedBuild(tmp_path / "absent.duckdb", target_dir=tmp_path / "t")
    assert prepared.run() == 2
    assert prepared.process.returncode is not None
    assert "no warehouse" in capsys.readouterr().err


def test_a_prepared_build_gives_dbt_exit_code_and_output(tmp_path, capfd):
    """Read ahead, then run: the nightly's build, without the unit tests; a failing data test
    makes it exit 1 as `dbt build` does."""
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(RAW_DDL)
        con.execute(
            "insert into raw.documents values ('d1', '/r/a.xyz', 'a.xyz', 'xyz', 10, null, 1, "
            "'text', 'run', timestamp '2024-01-01')"
        )
    prepared = PreparedBuild(db, unit_tests=False, target_dir=tmp_path / "t")
    assert prepared.run() == 1
    out = capfd.readouterr().out
    assert " START test " in out and " START unit_test " not in out
    assert "accepted_values_dim_report_source_format" in out and "ERROR=0" not in out
