"""A folder of hostile and broken inputs: each file gets a clear outcome, the rest still loads."""

from __future__ import annotations

import os
import time

import duckdb
import pytest

from loaders.store.load import load_paths

from .builders import encrypted_pdf, image_only_pdf, zip_bomb_docx
from .conftest import REPORTS, SAMPLES

pytestmark = pytest.mark.warehouse

SAMPLE = SAMPLES / "000_f6bb5fbcfd8441cc.txt"


def _a_pdf_report(folder):
    """A whole PDF report: a real one when the development reports are beside the clone, else
    one the generator renders."""
    if (REPORTS / "huaian_2024.pdf").exists():
        return REPORTS / "huaian_2024.pdf"
    from loaders.synthetic.corpus import generate

    generate(1, folder, seed=1, formats=("pdf",))
    return next(folder.glob("*.pdf"))


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    text = SAMPLE.read_text(encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "picture.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    whole = _a_pdf_report(tmp_path_factory.mktemp("whole")).read_bytes()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (folder / "encrypted.pdf").write_bytes(encrypted_pdf())
    image_only_pdf(folder / "scanned.pdf")
    (folder / "gbk.txt").write_bytes(text.replace("2020 年政府", "2020 年 政府").encode("gbk"))
    head, tail = text.split("二、主动公开政府信息情况", 1)
    (folder / "mixed.txt").write_bytes(
        head.encode("utf-8") + "二、主动公开政府信息情况".encode("gbk") + tail.encode("gbk")
    )
    with (folder / "huge.txt").open("wb") as fh:
        fh.write(("青铜峡工业园区管委会\t0\n" * 2_000_000).encode("utf-8"))  # ~50 MB
    (folder / "no_tables.html").write_text(
        "<html><body><h1>某某县人民政府2020年政府信息公开工作年度报告</h1><p>正文。</p></body></html>",
        encoding="utf-8",
    )
    (folder / "nested.html").write_text(
        "<html><body>" + "<div>" * 5000 + "年度报告" + "</div>" * 5000 + "</body></html>",
        encoding="utf-8",
    )
    (folder / "bomb.docx").write_bytes(zip_bomb_docx())
    (folder / "青铜峡 园区 报告.txt").write_text(text, encoding="utf-8")
    (folder / "copy of 青铜峡.txt").write_text(text, encoding="utf-8")  # same bytes, two names
    second_version = text.replace("概算投资 1203 万元", "概算投资 1300 万元")
    (folder / "青铜峡 second version.txt").write_text(second_version, encoding="utf-8")
    (folder / "loop").mkdir()
    os.symlink(folder, folder / "loop" / "back_to_top")
    return folder


@pytest.fixture(scope="module")
def loaded(bad_corpus, tmp_path_factory):
    db = tmp_path_factory.mktemp("bad_db") / "w.duckdb"
    started = time.perf_counter()
    summary = load_paths([bad_corpus], db)
    return summary, db, time.perf_counter() - started


def failure_codes(summary) -> dict[str, str]:
    return {os.path.basename(path): code for path, code, _ in summary.failures}


def test_each_bad_file_fails_alone_with_a_clear_code(loaded):
    summary, _db, _elapsed = loaded
    assert failure_codes(summary) == {
        "empty.txt": "empty_file",
        "junk.txt": "binary_file",
        "picture.pdf": "corrupt_image",  # a damaged PNG under a PDF's name
        "truncated.pdf": "corrupt_pdf",
        "encrypted.pdf": "encrypted_pdf",
        "scanned.pdf": "ocr_no_text",  # a picture with no words in it
        "huge.txt": "file_too_large",
        "bomb.docx": "docx_too_large",
        "nested.html": "no_text",  # libxml2 stops at its depth limit: no report text reached
    }
    for _path, _code, message in summary.failures:
        assert len(message) > 20  # says what is wrong and what to do


def test_the_rest_of_the_batch_loads(loaded):
    summary, db, _elapsed = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        names = {r[0] for r in con.execute("select source_file_name from raw.documents").fetchall()}
    assert {"gbk.txt", "mixed.txt", "no_tables.html"} <= names
    assert "青铜峡 second version.txt" in names
    # the same bytes under two names are stored once
    assert len(names & {"青铜峡 园区 报告.txt", "copy of 青铜峡.txt"}) == 1
    assert summary.unchanged == 1


def test_odd_but_readable_files_carry_issues(loaded):
    _summary, db, _elapsed = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        codes = set(
            con.execute(
                """select d.source_file_name || ':' || i.code from raw.parse_issues i
                   join raw.documents d using (document_id)"""
            ).fetchall()
        )
        gbk = con.execute(
            "select encoding from raw.documents where source_file_name = 'gbk.txt'"
        ).fetchall()
    assert ("mixed.txt:mixed_encoding",) in codes
    assert ("no_tables.html:missing_table",) in codes
    assert gbk == [("gb18030",)]


def test_failures_are_recorded_with_the_file_they_came_from(loaded):
    _summary, db, _elapsed = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select source_path, code from raw.parse_issues where document_id is null"
        ).fetchall()
    assert {os.path.basename(p) for p, _ in rows} >= {"empty.txt", "bomb.docx", "huge.txt"}


def test_the_whole_bad_corpus_loads_in_bounded_time(loaded):
    _summary, _db, elapsed = loaded
    assert elapsed < 60


def test_a_file_over_its_time_limit_fails_alone_and_the_callers_alarm_handler_comes_back():
    import signal

    from loaders.store.worker import parse_file

    def callers_handler(signum, frame):
        raise AssertionError("the caller's handler must not fire")

    before = signal.signal(signal.SIGALRM, callers_handler)
    try:
        slow = parse_file(str(SAMPLE), seconds=1e-6)  # expires while the file is parsed
        done = parse_file(str(SAMPLE))
        assert signal.getsignal(signal.SIGALRM) is callers_handler
    finally:
        signal.signal(signal.SIGALRM, before)
    assert (slow.error, done.error) == ("file_timeout", None)
    assert done.cells
