"""The stored-document set of a load: sorted digests answer as a set of ids would, and the
files to read are decided in DuckDB with each real file once."""

from __future__ import annotations

import hashlib
import os
import shutil

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loaders.store import writer
from loaders.store.digests import StoredDigests
from loaders.store.load import load_paths

from .conftest import SAMPLES


def _id(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


@given(
    stored=st.sets(st.integers(0, 500), max_size=200),
    asked=st.lists(st.integers(0, 500), max_size=50),
)
def test_sorted_digests_answer_as_the_set_of_ids(stored, asked):
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.documents (document_id varchar)")
    ids = [_id(n) for n in stored]
    con.execute("insert into raw.documents select unnest($ids::varchar[])", {"ids": ids})
    digests = writer.stored_digests(con)
    assert len(digests) == len(ids)
    for n in asked:
        assert (_id(n) in digests) == (n in stored)


def test_ids_that_are_not_digests_are_never_members():
    digests = StoredDigests(bytes.fromhex(_id(1)))
    assert _id(1) in digests and _id(1).upper() not in digests  # ids are lower-case hex
    for other in ("", _id(1)[:-1], "z" * 64, None, bytes.fromhex(_id(1)), _id(1) + "0"):
        assert other not in digests
    with pytest.raises(ValueError, match="multiple of 32"):
        StoredDigests(b"\x00" * 33)


def test_a_warehouse_yields_the_digests_of_its_documents(tmp_path):
    db = tmp_path / "w.duckdb"
    load_paths([SAMPLES], db)
    with duckdb.connect(str(db)) as con:
        ids = sorted(r[0] for r in con.execute("select document_id from raw.documents").fetchall())
        digests = writer.stored_digests(con)
    assert [digests[i].hex() for i in range(len(digests))] == ids


def test_links_count_once_and_a_dangling_link_fails_alone(tmp_path):
    folder = tmp_path / "reports"
    shutil.copytree(SAMPLES, folder)
    first = folder / "000_f6bb5fbcfd8441cc.txt"
    os.link(first, folder / "hard link.txt")
    os.symlink(first, folder / "soft link.txt")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    db = tmp_path / "w.duckdb"

    summary = load_paths([folder, folder / "001_dd09eda2b8fcd8ea.txt"], db)
    # five reports, the dangling link: the links and the file named twice are the same files
    assert (summary.files_seen, summary.loaded, summary.failed) == (6, 5, 1)
    assert [os.path.basename(path) for path, _code, _message in summary.failures] == [
        "dangling.txt"
    ]
    again = load_paths([folder], db)
    assert (again.files_seen, again.loaded, again.unchanged, again.failed) == (6, 0, 5, 1)
