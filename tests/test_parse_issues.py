"""The parse-issue glossary covers every code the loaders emit, and the mart summarises the
routine ones."""

from __future__ import annotations

import ast
import csv
import re

import duckdb

from .conftest import ROOT

GLOSSARY = ROOT / "dbt_project" / "seeds" / "issue_codes.csv"
# the calls that raise an issue, and where their code is: Issue(code, ...), tables' issue(code,
# ...), ReadError(code, ...), extract's failed(path, id, size, code, ...)
CODE_ARGUMENT = {"Issue": 0, "issue": 0, "ReadError": 0, "failed": 3}
SEVERITIES = {"error", "warning", "info"}


def emitted_codes() -> dict[str, set[str]]:
    """Every issue code written in the loaders' source, with the files that raise it."""
    codes: dict[str, set[str]] = {}
    for path in (ROOT / "loaders").rglob("*.py"):
        if path.name.startswith("generate"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = CODE_ARGUMENT.get(name)
            if position is None or len(node.args) <= position:
                continue
            code = node.args[position]
            value = code.value if isinstance(code, ast.Constant) else None
            if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]+", value):
                codes.setdefault(value, set()).add(path.name)
    return codes


def glossary() -> dict[str, dict]:
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        return {row["issue_code"]: row for row in csv.DictReader(f)}


def test_every_emitted_code_is_in_the_glossary():
    codes = emitted_codes()
    assert len(codes) > 30  # the scan finds the codes at all
    missing = {code: files for code, files in codes.items() if code not in glossary()}
    assert not missing, f"add these codes to {GLOSSARY.name}: {missing}"


def test_glossary_rows_are_complete():
    for code, row in glossary().items():
        assert row["severity"] in SEVERITIES, code
        assert row["meaning"] and row["what_to_do"], code
        # only info rows are summarised away
        assert row["is_routine"] == "false" or row["severity"] == "info", code


def test_routine_issues_are_summarised_per_report(samples_marts):
    with duckdb.connect(str(samples_marts), read_only=True) as con:
        raw = con.execute(
            """select count(*) from raw.parse_issues where code = 'statistics_row_unmapped'"""
        ).fetchone()[0]
        summary = con.execute(
            """select issue_count, is_summary, source_file_name, meaning, what_to_do
               from marts.mart_parse_issues where issue_code = 'statistics_row_unmapped'"""
        ).fetchall()
        individual = con.execute(
            """select count(*), count(*) filter (where issue_count = 1 and not is_summary)
               from marts.mart_parse_issues where issue_code = 'row_misaligned'"""
        ).fetchone()
        raw_misaligned = con.execute(
            "select count(*) from raw.parse_issues where code = 'row_misaligned'"
        ).fetchone()[0]
        total = (
            con.execute("select sum(issue_count) from marts.mart_parse_issues").fetchone()[0]
            == con.execute("select count(*) from raw.parse_issues").fetchone()[0]
        )
    assert raw > 10
    (row,) = summary  # dozens of rows of one report become one
    assert row[0] == raw and row[1] and row[2].startswith("004_")
    assert row[3] and row[4]
    assert individual == (raw_misaligned, raw_misaligned) and raw_misaligned > 0
    assert total  # nothing is lost: every raw issue is a row or counted in one
