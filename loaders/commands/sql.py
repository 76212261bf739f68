"""`nianbao sql`: a read-only SQL shell on the warehouse, over the pinned duckdb library.

No DuckDB command-line program ships with the Python package, and one from elsewhere must match
the storage version of the pinned library; this shell needs neither. It runs one statement per
read-only connection, opened and closed around it (as the notebooks do), so an idle shell never
holds up the nightly job, and a statement typed while the job writes waits for it. The price: no
session state (a temp table or a SET lasts one statement).

    nianbao sql                          interactive: statements end with `;`, history kept
    nianbao sql -c "select ..."          one or more statements, then exit
    echo "select ..." | nianbao sql      statements from standard input
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from pathlib import Path

import duckdb

from loaders.settings import warehouse_path
from loaders.warehouse import open_warehouse

HISTORY = Path("~/.nianbao_sql_history").expanduser()
MAX_ROWS = 40  # rows shown of a result in the table view; --csv writes them all
HELP = """statements end with ';' and run read-only on the warehouse, one connection each
.tables            the tables and views, by schema
.schema NAME       the columns of a table or view (e.g. .schema marts.dim_report)
.help              this text
.quit              leave (or Ctrl-D)"""


def run_statements(db_path: Path, sql: str, as_csv: bool = False) -> int:
    """Run every statement in `sql` and print each result; 0, or 1 at the first error (said in
    one line, the rest not run)."""
    try:
        statements = [s.query for s in duckdb.extract_statements(sql)]
    except duckdb.Error as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    for statement in statements:
        try:
            _run_one(db_path, statement, as_csv)
        except duckdb.Error as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return 1
    return 0


def _run_one(db_path: Path, statement: str, as_csv: bool) -> None:
    con = open_warehouse(db_path, read_only=True)
    try:
        relation = con.sql(statement)
        if relation is None:  # a statement without a result (e.g. SET): nothing to show
            return
        if as_csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(relation.columns)
            writer.writerows(relation.fetchall())
        else:
            print(_table(relation), flush=True)
    finally:
        con.close()


def _table(relation: duckdb.DuckDBPyRelation) -> str:
    """DuckDB's own box layout, at most MAX_ROWS rows and the count of the rest."""
    rows = relation.aggregate("count(*)").fetchall()[0][0]
    shown = relation.limit(MAX_ROWS)
    text = str(shown)
    if rows > MAX_ROWS:
        text += f"\n({rows} rows, {MAX_ROWS} shown: add a limit, or use --csv for all)"
    return text


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def interactive(db_path: Path) -> int:
    """Read statements until `.quit` or end of input; a statement ends with `;`."""
    try:
        import readline
    except ImportError:  # not on every platform; the shell works without line editing
        readline = None
    if readline is not None:
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(HISTORY)
    print(f"nianbao sql on {db_path} (read-only). .help for help, .quit to leave")
    pending: list[str] = []
    try:
        while True:
            try:
                line = input("   ...> " if pending else "nianbao> ")
            except EOFError:
                print()
                return 0
            except KeyboardInterrupt:
                print()
                pending = []
                continue
            if not pending and line.strip().startswith("."):
                if _dot_command(db_path, line.strip()):
                    return 0
                continue
            pending.append(line)
            if line.rstrip().endswith(";"):
                run_statements(db_path, "\n".join(pending))
                pending = []
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):  # a read-only home: no history kept
                readline.write_history_file(HISTORY)


def _dot_command(db_path: Path, line: str) -> bool:
    """Run a dot command; True when it asks to leave."""
    word, _, rest = line.partition(" ")
    if word in (".quit", ".exit", ".q"):
        return True
    if word == ".tables":
        run_statements(
            db_path,
            """select table_schema as schema, string_agg(table_name, ', ' order by table_name)
                   as tables
               from information_schema.tables
               where table_catalog = current_database()
               group by table_schema order by table_schema;""",
        )
    elif word == ".schema" and rest.strip():
        run_statements(db_path, f"describe {rest.strip().rstrip(';')};")
    else:
        print(HELP)
    return False


def shell(db_path: Path, command: str | None, as_csv: bool) -> int:
    """`nianbao sql`: -c, else standard input when it is not a terminal, else interactive."""
    if command is not None:
        return run_statements(db_path, command, as_csv)
    if not sys.stdin.isatty():
        return run_statements(db_path, sys.stdin.read(), as_csv)
    return interactive(db_path)


def main(args: argparse.Namespace) -> int:
    return shell(warehouse_path(args.db), args.command_sql, args.csv)
