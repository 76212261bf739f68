"""`nianbao eval`: compare the marts with gold labels and show every mismatch with its source."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from loaders.settings import warehouse_path
from loaders.warehouse import open_warehouse

# gold list name -> (fact mart, its two key columns)
FACT_MARTS = {
    "disclosures": ("fct_disclosures", "item_key", "measure_key", "disclosures"),
    "applications": ("fct_applications", "outcome_key", "applicant_type_key", "applications"),
    "reviews": ("fct_reviews", "review_kind_key", "outcome_key", "reviews"),
}
METADATA_FIELDS = (
    "agency_name", "report_year", "template_version", "published_on",
    "province", "prefecture", "county", "adcode",
)  # fmt: skip


@dataclass
class FileScore:
    source_file: str
    cells: int = 0
    cells_equal: int = 0
    metadata: int = 0
    metadata_equal: int = 0
    mismatches: list[str] = field(default_factory=list)
    issues: int = 0
    failed_identities: int = 0
    missing: bool = False
    source_format: str | None = None
    kind: str = "other"
    furniture_agency: str | None = None  # an agency name that is page furniture


# Kinds of organ, from the words that end their names (most specific first).
_KINDS = (
    ("zone", re.compile(r"(开发区|高新区|园区|产业园|示范区|保税区|新区|管委会|管理委员会)")),
    ("township", re.compile(r"(镇|乡|街道|办事处)(人民政府|政府|办公室)?$")),
    ("government", re.compile(r"(人民政府|政府|[省市县区旗盟州])$")),
    ("department", re.compile(r"(局|厅|委|委员会|办|办公室|署|室|中心)$")),
)


def organ_kind(name: str | None) -> str:
    for kind, pattern in _KINDS:
        if name and pattern.search(name):
            return kind
    return "other"


def _same(expected: object, got: object) -> bool:
    if isinstance(expected, list):  # equally right spellings
        return any(_same(e, got) for e in expected)
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-9)
    return str(expected) == str(got)


def _report_ids(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Latest loaded report per source file name."""
    rows = con.execute(
        """select r.source_file_name, r.report_id
           from marts.dim_report r join raw.documents d on d.document_id = r.report_id
           order by d.loaded_at"""
    ).fetchall()
    return dict(rows)


def _metadata(con: duckdb.DuckDBPyConnection, report_id: str) -> dict[str, object]:
    row = con.execute(
        """select a.agency_name, r.report_year, r.template_version, r.published_on::varchar,
                  g.province_name, g.prefecture_name, g.county_name, g.region_id, r.source_format
           from marts.dim_report r
           left join marts.dim_agency a on a.agency_id = r.agency_id
           left join marts.dim_region g on g.region_id = a.region_id
           where r.report_id = ?""",
        [report_id],
    ).fetchall()[0]
    return dict(zip((*METADATA_FIELDS, "source_format"), row, strict=True))


def _source_lines(con: duckdb.DuckDBPyConnection, report_id: str) -> list[str]:
    text = con.execute("select text from raw.documents where document_id = ?", [report_id])
    return text.fetchall()[0][0].split("\n")


def score_file(con: duckdb.DuckDBPyConnection, gold: dict, report_id: str | None) -> FileScore:
    score = FileScore(gold["source_file"])
    names = gold.get("agency_name")
    score.kind = organ_kind(names[0] if isinstance(names, list) else names)
    # A gold record may label metadata only (page openings): absent lists and fields are not
    # scored.
    expected_cells = [(t, *fact) for t in FACT_MARTS for fact in gold.get(t, [])]
    expected_cells += [
        ("complaints", channel, None, v) for channel, v in gold.get("complaints", [])
    ]
    score.cells = len(expected_cells)
    region = gold.get("region") or {}
    expected_meta = {
        "agency_name": gold.get("agency_name"), "report_year": gold.get("report_year"),
        "template_version": gold.get("template_version"),
        "published_on": gold.get("published_on"),
        "province": region.get("province"), "prefecture": region.get("prefecture"),
        "county": region.get("county"), "adcode": region.get("adcode"),
    }  # fmt: skip
    labelled = {"region": ("province", "prefecture", "county", "adcode")}
    scored = [
        name
        for name in expected_meta
        if name in gold or any(name in fields and key in gold for key, fields in labelled.items())
    ]
    score.metadata = len(scored)
    if report_id is None:
        score.missing = True
        score.mismatches.append("report not in the warehouse")
        return score
    lines = _source_lines(con, report_id)
    got_meta = _metadata(con, report_id)
    score.source_format = got_meta["source_format"]  # type: ignore[assignment]
    agency = got_meta["agency_name"]
    if agency and looks_like_furniture(str(agency)):
        score.furniture_agency = str(agency)
    for name in scored:
        expected = expected_meta[name]
        if _same(expected, got_meta[name]):
            score.metadata_equal += 1
        else:
            score.mismatches.append(
                f"metadata {name}: gold {expected!r}, warehouse {got_meta[name]!r}"
            )
    facts: dict[tuple, tuple] = {}
    for table, (mart, k1, k2, raw_table) in FACT_MARTS.items():
        for a, b, value, raw, line in con.execute(
            f"""select f.{k1}, f.{k2}, f.value, f.value_raw, c.line_number
                from marts.{mart} f
                left join raw.cells c on c.document_id = f.report_id and c.table_key = ?
                    and c.row_key = f.{k1} and c.column_key = f.{k2}
                where f.report_id = ?""",
            [raw_table, report_id],
        ).fetchall():
            facts[(table, a, b)] = (value, raw, line)
    for channel, value, line in con.execute(
        """select f.channel_key, f.value, c.line_number from marts.fct_complaints f
           left join raw.complaints c on c.document_id = f.report_id
               and c.channel_key = f.channel_key
           where f.report_id = ?""",
        [report_id],
    ).fetchall():
        facts[("complaints", channel, None)] = (value, None, line)
    for table, a, b, expected in expected_cells:
        got = facts.get((table, a, b))
        if got is not None and _same(expected, got[0]):
            score.cells_equal += 1
            continue
        where = ""
        if got is not None and got[2]:
            where = f" | line {got[2]}: {lines[got[2] - 1][:120]}"
        shown = "missing" if got is None else repr(got[0])
        score.mismatches.append(
            f"{table} {a} {b or ''}: gold {expected!r}, warehouse {shown}{where}"
        )
    score.issues = con.execute(
        """select count(*) from raw.parse_issues
           where document_id = ? and severity in ('warning', 'error')""",
        [report_id],
    ).fetchall()[0][0]
    score.failed_identities = con.execute(
        "select count(*) from marts.fct_identity_checks where report_id = ? and status = 'FAIL'",
        [report_id],
    ).fetchall()[0][0]
    return score


# exit codes of `nianbao eval`, apart from argparse's 2 for a bad command line
EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_BAD_GOLD = 3  # the gold file is missing, not JSON, or not in the gold shape
EXIT_NO_MARTS = 4  # no warehouse at that path, or one not built yet

GOLD_FIELDS = ("source_file", "agency_name", "report_year", "template_version", "region")
GOLD_LISTS = {"disclosures": 3, "applications": 3, "reviews": 3, "complaints": 2}


class EvalInputError(Exception):
    """The gold file or the warehouse cannot be compared; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def read_gold(gold_path: Path) -> list[dict]:
    """The gold records, or EvalInputError naming what is wrong (one line)."""
    where = f"gold file {gold_path}"
    try:
        records = json.loads(gold_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalInputError(f"{where} does not exist", EXIT_BAD_GOLD) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"{where} cannot be read: {exc}", EXIT_BAD_GOLD) from None
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"{where} is not valid JSON: {exc}", EXIT_BAD_GOLD) from None
    shape = "see docs/contract.md and data/samples/gold.json"
    if not isinstance(records, list) or not records:
        raise EvalInputError(
            f"{where} must be a non-empty JSON list of report records ({shape})", EXIT_BAD_GOLD
        )
    for i, record in enumerate(records):
        problem = _gold_record_problem(record)
        if problem:
            raise EvalInputError(f"{where}, record {i}: {problem} ({shape})", EXIT_BAD_GOLD)
    return records


def _gold_record_problem(record: object) -> str | None:
    if not isinstance(record, dict):
        return f"a record must be a JSON object, not {type(record).__name__}"
    # Only the file is required: a record may label metadata only (page openings), and the
    # fields and lists it leaves out are not scored.
    if not isinstance(record.get("source_file"), str):
        return "missing field source_file (the report's file name)"
    if not any(f in record for f in (*GOLD_FIELDS[1:], *GOLD_LISTS, "published_on")):
        return "no labelled field (agency_name, report_year, region, published_on or a fact list)"
    if record.get("region") is not None and not isinstance(record["region"], dict):
        return "region must be an object or null"
    for name, width in GOLD_LISTS.items():
        if name not in record:
            continue
        rows = record[name]
        if not isinstance(rows, list) or any(
            not isinstance(r, list) or len(r) != width for r in rows
        ):
            return f"{name} must be a list of [{', '.join(['key'] * (width - 1))}, value] lists"
    return None


def _open_marts(db_path: Path):
    if not Path(db_path).is_file():
        raise EvalInputError(
            f"no warehouse at {db_path}: load and build first, or point --db at one",
            EXIT_NO_MARTS,
        )
    con = open_warehouse(db_path, read_only=True)
    built = con.execute(
        """select count(*) from information_schema.tables
           where table_schema = 'marts' and table_name = 'dim_report'"""
    ).fetchall()[0][0]
    if not built:
        con.close()
        raise EvalInputError(
            f"{db_path} has no marts yet: run nianbao build --db {db_path}", EXIT_NO_MARTS
        )
    return con


def evaluate(
    gold_path: Path, db_path: Path, min_cell_accuracy: float, min_metadata_accuracy: float
) -> int:
    """Score the marts against the gold; the exit code (EXIT_*). Unusable inputs raise
    EvalInputError before anything is printed."""
    gold_records = read_gold(Path(gold_path))
    with _open_marts(db_path) as con:
        ids = _report_ids(con)
        scores = [score_file(con, g, ids.get(g["source_file"])) for g in gold_records]
    print(f"{'file':<44} {'cells':>13} {'metadata':>9}  issues  failed identities")
    for s in scores:
        print(
            f"{s.source_file:<44} {s.cells_equal:>5}/{s.cells:<5} {_pct(s.cells_equal, s.cells):>6} "
            f"{s.metadata_equal:>3}/{s.metadata:<3}  {s.issues:>6}  {s.failed_identities:>6}"
        )
    _by_group(scores, "format", lambda s: s.source_format or "missing")
    _by_group(scores, "kind of organ", lambda s: s.kind)
    furniture = [s for s in scores if s.furniture_agency]
    print(f"agency names that are page furniture: {len(furniture)}")
    for s in furniture:
        print(f"  - {s.source_file}: {s.furniture_agency}")
    cells = sum(s.cells for s in scores)
    cells_equal = sum(s.cells_equal for s in scores)
    meta = sum(s.metadata for s in scores)
    meta_equal = sum(s.metadata_equal for s in scores)
    cell_accuracy = cells_equal / cells if cells else 1.0
    meta_accuracy = meta_equal / meta if meta else 1.0
    print(
        f"overall: cells {cells_equal}/{cells} = {cell_accuracy:.4%}; "
        f"metadata {meta_equal}/{meta} = {meta_accuracy:.4%}"
    )
    for s in scores:
        if not s.mismatches:
            continue
        flagged = s.issues > 0 or s.failed_identities > 0
        print(
            f"\n{s.source_file}: {len(s.mismatches)} mismatch(es); "
            + ("flagged by parse issues / failed identities" if flagged else "NOT FLAGGED")
        )
        for m in s.mismatches:
            print(f"  - {m}")
    ok = (
        cell_accuracy >= min_cell_accuracy
        and meta_accuracy >= min_metadata_accuracy
        and not furniture
    )
    if not ok:
        print(
            f"\nbelow threshold (cells >= {min_cell_accuracy:.2%}, "
            f"metadata >= {min_metadata_accuracy:.2%})"
        )
    return EXIT_OK if ok else EXIT_BELOW_THRESHOLD


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _by_group(scores: list[FileScore], title: str, key) -> None:
    groups: dict[str, list[FileScore]] = {}
    for s in scores:
        groups.setdefault(key(s), []).append(s)
    print(f"by {title}:")
    for name, group in sorted(groups.items()):
        cells, cells_equal = sum(s.cells for s in group), sum(s.cells_equal for s in group)
        meta, meta_equal = sum(s.metadata for s in group), sum(s.metadata_equal for s in group)
        print(
            f"  {name:<12} {len(group):>4} reports  cells {cells_equal}/{cells} "
            f"{_pct(cells_equal, cells):>6}  metadata {meta_equal}/{meta} {_pct(meta_equal, meta):>6}"
        )


def looks_like_furniture(name: str) -> bool:
    """A breadcrumb, a field label or a site's menu where an organ's name should be."""
    from loaders.parse.metadata import is_furniture

    return is_furniture(name)


def main(args: argparse.Namespace) -> int:
    try:
        return evaluate(
            Path(args.gold),
            warehouse_path(args.db),
            args.min_cell_accuracy,
            args.min_metadata_accuracy,
        )
    except EvalInputError as exc:
        print(f"nianbao eval: {exc}", file=sys.stderr)
        return exc.code
