"""Two different documents for one agency and year: both kept, one marked as the version used."""

from __future__ import annotations

import duckdb
import pytest

from loaders.commands.build import build
from loaders.store.load import load_paths

from .conftest import SAMPLES

pytestmark = pytest.mark.warehouse

SAMPLE = SAMPLES / "000_f6bb5fbcfd8441cc.txt"


def test_two_versions_are_kept_and_the_latest_is_current(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    (first / "qingtongxia_2020.txt").write_text(text, encoding="utf-8")
    revised = text.replace("信访件 8 件", "信访件 9 件")
    (second / "qingtongxia_2020_revised.txt").write_text(revised, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert load_paths([first], db).loaded == 1
    assert load_paths([second], db).loaded == 1
    assert build(db, target_dir=tmp_path / "target") == 0
    with duckdb.connect(str(db), read_only=True) as con:
        versions = con.execute(
            """select source_file_name, version_count, is_current_version
               from marts.dim_report order by source_file_name"""
        ).fetchall()
        used = con.execute(
            """select m.report_id = r.report_id from marts.mart_agency_year m
               join marts.dim_report r on r.is_current_version and r.agency_id = m.agency_id"""
        ).fetchall()
        petitions = con.execute(
            "select value from marts.fct_complaints where channel_key = 'petition' order by value"
        ).fetchall()
    assert versions == [
        ("qingtongxia_2020.txt", 2, False),
        ("qingtongxia_2020_revised.txt", 2, True),
    ]
    assert used == [(True,)]
    assert petitions == [(8,), (9,)]  # facts keep every version
