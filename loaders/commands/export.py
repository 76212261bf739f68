"""`nianbao export`: the marts as Parquet, CSV or xlsx files, with a data dictionary.

The dictionary is generated from the dbt docs (the models' yml files under `dbt_project/models/
marts`, their `{{ doc(...) }}` blocks resolved): one row per model and column with its Chinese
label (`loaders/data/column_labels_zh.csv`), its meaning or formula, and its caveats (the
sentences of the description that say when the value is null or not to be trusted). Parquet is
written by DuckDB's COPY, partitioned by `report_year` where a mart has one (a folder per year,
Hive style); CSV one file per mart; xlsx one sheet per mart plus the dictionary, with Chinese
headers on request.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from loaders.settings import DBT_PROJECT_DIR, PACKAGE_DATA_DIR, warehouse_path

FORMATS = ("parquet", "csv", "xlsx")
MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"
LABELS = PACKAGE_DATA_DIR / "column_labels_zh.csv"
DICTIONARY = "data_dictionary"
PARTITION_COLUMN = "report_year"
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
_DOC = re.compile(r"""\{\{\s*doc\(\s*["']([^"']+)["']\s*\)\s*\}\}""")
_DOC_BLOCK = re.compile(r"\{%\s*docs\s+(\w+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", re.DOTALL)
_SENTENCE = re.compile(r"(?<=[.;])\s+")
_CAVEAT = re.compile(r"\bnull\b|\bnot assessed\b|\bnever\b|\bonly when\b|\bblank\b", re.IGNORECASE)


class ExportError(Exception):
    """A request that cannot be exported, with one line saying what to do."""


@dataclass(frozen=True)
class Column:
    model: str
    column: str
    label_zh: str | None
    meaning: str
    caveats: str


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    columns: tuple[Column, ...]


def documented_marts(marts_dir: Path = MARTS_DIR) -> dict[str, Model]:
    """The marts as the dbt docs describe them, by name, in the order of their yml files."""
    docs = {
        name: " ".join(body.split())
        for md in marts_dir.parent.rglob("*.md")
        for name, body in _DOC_BLOCK.findall(md.read_text(encoding="utf-8"))
    }
    labels = column_labels()

    def text(value: str | None) -> str:
        resolved = _DOC.sub(lambda m: docs.get(m.group(1), ""), value or "")
        return " ".join(resolved.split())

    models: dict[str, Model] = {}
    for yml in sorted(marts_dir.rglob("*.yml")):
        for entry in (yaml.safe_load(yml.read_text(encoding="utf-8")) or {}).get("models", []):
            columns = []
            for col in entry.get("columns", []):
                meaning = text(col.get("description"))
                caveats = " ".join(s for s in _SENTENCE.split(meaning) if _CAVEAT.search(s))
                columns.append(
                    Column(entry["name"], col["name"], labels.get(col["name"]), meaning, caveats)
                )
            models[entry["name"]] = Model(
                entry["name"], text(entry.get("description")), tuple(columns)
            )
    return models


def column_labels(path: Path = LABELS) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["column_name"]: row["label_zh"] for row in csv.DictReader(f)}


def plan(models: list[str] | None, fmt: str, out: Path) -> list[str]:
    """The marts to write, checked before the warehouse is opened."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file: give --out a folder")
    documented = documented_marts()
    chosen = models or list(documented)
    unknown = [m for m in chosen if m not in documented]
    if unknown:
        raise ExportError(
            f"no mart named {', '.join(unknown)}: choose among {', '.join(documented)}"
        )
    return chosen


def export(
    db_path: Path,
    out: Path,
    fmt: str,
    models: list[str] | None = None,
    chinese_headers: bool = False,
) -> list[Path]:
    """Write the chosen marts (default: every documented mart) and the dictionary into `out`;
    returns the paths written."""

    chosen = plan(models, fmt, out)
    if not db_path.exists():
        raise ExportError(f"no warehouse at {db_path}: load and build first (nianbao run PATH)")
    documented = documented_marts()
    out.mkdir(parents=True, exist_ok=True)
    from loaders.warehouse import open_warehouse

    with open_warehouse(db_path, read_only=True) as con:
        built = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [m for m in chosen if m not in built]
        if missing:
            raise ExportError(
                f"{', '.join(missing)} not built in {db_path}: run nianbao build first"
            )
        written = []
        dictionary = [c for m in chosen for c in documented[m].columns]
        if fmt == "xlsx":
            written.append(_write_xlsx(con, chosen, documented, out, chinese_headers))
        else:
            for model in chosen:
                written.append(_copy(con, model, out, fmt))
            written.append(_write_dictionary_csv(dictionary, out / f"{DICTIONARY}.csv"))
    return written


def _copy(con, model: str, out: Path, fmt: str) -> Path:
    columns = [d[0] for d in con.execute(f"select * from marts.{model} limit 0").description]
    if fmt == "parquet" and PARTITION_COLUMN in columns:
        target = out / model
        options = f"format parquet, partition_by ({PARTITION_COLUMN}), overwrite_or_ignore"
    elif fmt == "parquet":
        target = out / f"{model}.parquet"
        options = "format parquet"
    else:
        target = out / f"{model}.csv"
        options = "format csv, header"
    con.execute(f"copy (select * from marts.{model}) to '{target}' ({options})")
    return target


def _write_dictionary_csv(columns: list[Column], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["model", "column", "label_zh", "meaning", "caveats"])
        for c in columns:
            writer.writerow([c.model, c.column, c.label_zh or "", c.meaning, c.caveats])
    return path


def _cell(value):
    """A value openpyxl can write: lists joined, timestamps without their zone."""
    if isinstance(value, list):
        return ", ".join("" if v is None else str(v) for v in value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (str, int, float, bool, date)) or value is None:
        return value
    return str(value)


def _write_xlsx(con, chosen, documented, out: Path, chinese_headers: bool) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for model in chosen:
        (count,) = con.execute(f"select count(*) from marts.{model}").fetchone()
        if count > XLSX_MAX_ROWS:
            raise ExportError(
                f"{model} has {count:,} rows, more than a sheet holds: export it as parquet or csv"
            )
        result = con.execute(f"select * from marts.{model}")
        names = [d[0] for d in result.description]
        labels = {c.column: c.label_zh for c in documented[model].columns}
        sheet = book.create_sheet(model[:31])
        sheet.append([(labels.get(n) or n) if chinese_headers else n for n in names])
        while batch := result.fetchmany(10_000):
            for row in batch:
                sheet.append([_cell(v) for v in row])
    sheet = book.create_sheet(DICTIONARY)
    header = ["模型", "列", "中文名", "含义", "注意"] if chinese_headers else None
    sheet.append(header or ["model", "column", "label_zh", "meaning", "caveats"])
    for model in chosen:
        for c in documented[model].columns:
            sheet.append([c.model, c.column, c.label_zh, c.meaning, c.caveats])
    path = out / "marts.xlsx"
    book.save(path)
    return path


def main(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        plan(args.models, args.format, out)  # a bad mart name is caught before anything opens
        written = export(
            warehouse_path(args.db), out, args.format, args.models, args.chinese_headers
        )
    except ExportError as error:
        print(f"nianbao export: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0
