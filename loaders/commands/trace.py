"""`nianbao trace`: the source lines behind a report's figure.

A figure is named by its key, `table.row.column` (applications.new_received.total; a prefix such
as applications.new_received gives the whole row), or by a narrative figure key
(applications_received). For each figure it prints the value as stored and as printed, the line
of the normalised document (as `line_number` in the marts) with its neighbours, and where that
line sits in the file as delivered (`source_position`: the file's own line for text and
Markdown, the page for PDF, the table and row for HTML and Word); for a text or Markdown file
still at its path, that line of the file itself.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from loaders.settings import warehouse_path

# The query the SQL cookbook shows: a report's cells under a key, each with its document line.
TRACE_SQL = """
select
    cells.table_key || '.' || cells.row_key || '.' || cells.column_key as figure_key,
    cells.value,
    cells.value_raw,
    cells.line_number,
    cells.source as source_position,
    string_split(documents.text, chr(10))[cells.line_number] as document_line
from raw.cells as cells
inner join raw.documents as documents
    on cells.document_id = documents.document_id
where cells.document_id = $report_id
    and (cells.table_key || '.' || cells.row_key || '.' || cells.column_key = $key
        or starts_with(cells.table_key || '.' || cells.row_key || '.' || cells.column_key,
                       $key || '.'))
union all
select
    figures.figure_key,
    figures.value,
    figures.sentence,
    figures.line_number,
    figures.source,
    string_split(documents.text, chr(10))[figures.line_number]
from raw.narrative_figures as figures
inner join raw.documents as documents
    on figures.document_id = documents.document_id
where figures.document_id = $report_id and figures.figure_key = $key
order by line_number, figure_key
"""
_FILE_LINE = re.compile(r"^line (\d+)")
CONTEXT_LINES = 1


class TraceError(Exception):
    """A report or key that cannot be traced, with what to do."""


def find_report(con, report: str) -> tuple[str, str, str]:
    """(report id, file name, path) of a report named by its id, an id prefix or its file name."""
    rows = con.execute(
        """select document_id, source_file_name, source_path from raw.documents
           where document_id = $r or source_file_name = $r
              or (length($r) >= 8 and starts_with(document_id, $r))
           order by loaded_at""",
        {"r": report},
    ).fetchall()
    if not rows:
        raise TraceError(f"no report {report!r}: give its report_id, an id prefix or file name")
    if len({r[0] for r in rows}) > 1:
        listed = ", ".join(f"{r[0][:12]} ({r[1]})" for r in rows[:5])
        raise TraceError(f"{report!r} names {len(rows)} reports ({listed}): give the report_id")
    return rows[0]


def trace(db_path: Path, report: str, key: str) -> list[str]:
    """The lines to print for one report's figure."""

    if not db_path.exists():
        raise TraceError(f"no warehouse at {db_path}: load reports first (nianbao load PATH)")
    from loaders.warehouse import open_warehouse

    with open_warehouse(db_path, read_only=True) as con:
        report_id, file_name, source_path = find_report(con, report)
        figures = con.execute(TRACE_SQL, {"report_id": report_id, "key": key}).fetchall()
        if not figures:
            known = con.execute(
                """select distinct table_key || '.' || row_key from raw.cells
                   where document_id = $r order by 1 limit 8""",
                {"r": report_id},
            ).fetchall()
            hint = ", ".join(k for (k,) in known) or "none stored"
            raise TraceError(
                f"no figure {key!r} in {file_name}: use table.row.column (rows: {hint}, ...)"
            )
        (text,) = con.execute(
            "select text from raw.documents where document_id = $r", {"r": report_id}
        ).fetchone()
    document = text.split("\n")
    out = [f"{file_name}  report {report_id}", f"  path {source_path}"]
    delivered = _delivered_lines(Path(source_path))
    shown_lines: set[int] = set()
    for figure_key, value, printed, line, position, _ in figures:
        shown = "blank" if value is None else f"{value:g}"
        out.append(f"{figure_key} = {shown}  (printed {printed!r})")
        if line is None:
            out.append("  no line recorded")
            continue
        if line in shown_lines:  # the figures of one row share its lines: shown once
            out.append(f"  document line {line}, as above")
            continue
        shown_lines.add(line)
        out.append(f"  document line {line}, in the file: {position or 'unknown'}")
        for n in range(max(1, line - CONTEXT_LINES), min(len(document), line + CONTEXT_LINES) + 1):
            mark = ">" if n == line else " "
            out.append(f"  {mark} {n:>5} | {document[n - 1]}")
        found = _FILE_LINE.match(position or "")
        if delivered and found and int(found.group(1)) <= len(delivered):
            file_line = int(found.group(1))
            out.append(f"  file line {file_line} | {delivered[file_line - 1]}")
    return out


def _delivered_lines(path: Path) -> list[str] | None:
    """The lines of a text or Markdown file as delivered, when it is still there and decodes."""
    if path.suffix.lower() not in (".txt", ".md", ".markdown") or not path.is_file():
        return None
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    return None


def main(args: argparse.Namespace) -> int:
    try:
        lines = trace(warehouse_path(args.db), args.report, args.key)
    except TraceError as error:
        print(f"nianbao trace: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0
