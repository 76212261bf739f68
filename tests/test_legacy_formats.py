"""Legacy Word (.doc, .wps) through LibreOffice, and OFD: read into the same cells as the
formats they were made from, or refused with an issue that says what to install."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from loaders.document import ReadError
from loaders.parse import parse_document
from loaders.readers import read_file
from loaders.readers.legacy import soffice
from loaders.store.load import load_paths
from loaders.synthetic.corpus import generate

from .builders import ofd_from_pdf
from .conftest import SAMPLES

pytestmark = pytest.mark.slow

needs_soffice = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not installed"
)
FACT_TABLES = ("disclosures", "applications", "reviews")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("generated")
    gold = generate(4, folder, seed=7, formats=("docx", "pdf"))
    return folder, json.loads(gold.read_text(encoding="utf-8"))


def facts(doc) -> dict[tuple[str, str, str], float | None]:
    return {(f[0], f[1], f[2]): f[3] for f in parse_document(doc).facts}


def gold_facts(report: dict) -> dict[tuple[str, str, str], float]:
    return {(t, *fact[:2]): fact[2] for t in FACT_TABLES for fact in report[t]}


# ------------------------------------------------------------------ .doc / .wps


@needs_soffice
def test_doc_and_wps_read_as_the_docx_they_were_saved_from(
    tmp_path: Path, generated: tuple[Path, list[dict]]
) -> None:
    folder, gold = generated
    report = next(g for g in gold if g["source_file"].endswith(".docx"))
    source = folder / report["source_file"]
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    legacy = (tmp_path / source.name).with_suffix(".doc").read_bytes()
    assert legacy.startswith(b"\xd0\xcf\x11\xe0")  # an OLE2 compound file, as Word 97 writes
    expected = gold_facts(report)
    for name in ("report.doc", "report.wps"):  # WPS Office saves .wps in the same binary
        doc = read_file(tmp_path / name, legacy)
        assert doc.format == "doc"
        got = facts(doc)
        assert {k: got.get(k) for k in expected} == expected


def test_doc_without_libreoffice_fails_alone_naming_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    sample = next(SAMPLES.glob("*.txt"))
    (folder / sample.name).write_bytes(sample.read_bytes())
    summary = load_paths([folder], tmp_path / "w.duckdb", workers=1)
    assert summary.loaded == 1
    [(path, code, message)] = summary.failures
    assert Path(path).name == "old.doc" and code == "needs_libreoffice"
    assert "apt-get install libreoffice-writer-nogui" in message


@needs_soffice
def test_a_damaged_doc_is_a_conversion_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "bad.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert error.value.code == "conversion_failed"
    assert "could not be loaded" in error.value.message  # LibreOffice's own words


# ------------------------------------------------------------------ OFD


def test_an_ofd_with_ruled_tables_reads_every_labelled_cell(
    generated: tuple[Path, list[dict]],
) -> None:
    folder, gold = generated
    for report in gold:
        if not report["source_file"].endswith(".pdf"):
            continue
        doc = read_file(
            Path("report.ofd"), ofd_from_pdf((folder / report["source_file"]).read_bytes())
        )
        assert doc.format == "ofd" and not doc.ocr_pages
        parsed = parse_document(doc)
        assert (parsed.agency_name, parsed.report_year) == (
            report["agency_name"],
            report["report_year"],
        )
        expected = gold_facts(report)
        got = {(f[0], f[1], f[2]): f[3] for f in parsed.facts}
        assert {k: got.get(k) for k in expected} == expected


def test_an_ofd_without_rules_never_places_a_figure_wrongly(
    generated: tuple[Path, list[dict]],
) -> None:
    folder, gold = generated
    placed = 0
    for report in gold:
        if not report["source_file"].endswith(".pdf"):
            continue
        pdf = (folder / report["source_file"]).read_bytes()
        got = facts(read_file(Path("report.ofd"), ofd_from_pdf(pdf, rules=False)))
        for key, value in gold_facts(report).items():
            assert got.get(key) in (None, value), key
            placed += got.get(key) is not None
    assert placed > 0


def test_a_damaged_ofd_is_a_clear_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'>")
    with pytest.raises(ReadError) as error:
        read_file(Path("report.ofd"), buffer.getvalue())
    assert error.value.code == "corrupt_ofd"
