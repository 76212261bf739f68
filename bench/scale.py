"""A nightly load into a warehouse of 10^6 documents: does its memory grow with the warehouse?

    .venv/bin/python bench/run.py --sizes 100k      # leaves the 100k corpus and warehouse
    .venv/bin/python bench/scale.py                 # 10 x 100k paths and documents, +10k new

Starts from what bench/run.py left under --work: the 100k corpus and its warehouse. The corpus is
copied `--copies` times with `cp -a` (the same bytes, sizes and modification times) and a copy of
the warehouse learns those files as read before (raw.file_stats), so the load lists and checks
(1 + copies) x 100k paths, all unchanged. raw.documents is topped up with derived ids to
(1 + copies) x 100k documents (their text left empty: the load reads only the ids). Then
`load_paths` runs on every folder plus `--new` fresh reports in a fresh process, timed inside it,
with the peak RSS of its process tree sampled as in bench/run.py. The copies are kept under
--work for the next run; the scaled warehouse is made again each time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from run import _size, corpus, load_in_subprocess, machine

BASE = 100_000


def copies_of(folder: Path, copies: int) -> list[Path]:
    made = []
    for k in range(1, copies + 1):
        copy = folder.with_name(f"{folder.name}-copy{k}")
        if not copy.exists():  # a copy is renamed into place once whole
            partial = copy.with_name(copy.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            subprocess.run(["cp", "-a", str(folder), str(partial)], check=True)
            partial.rename(copy)
        made.append(copy)
    return made


def scaled_warehouse(base_db: Path, db: Path, folder: Path, copies: list[Path]) -> int:
    """A copy of `base_db` that has read every copy and holds one derived document per copied
    file; returns the number of documents."""
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(base_db, db)
    with duckdb.connect(str(db)) as con:
        prefix = f"{folder}/"
        for copy in copies:
            con.execute(
                """insert into raw.file_stats
                   select $copy || substr(source_path, length($prefix) + 1), size_bytes,
                          modified_ns, document_id, checked_at
                   from raw.file_stats where starts_with(source_path, $prefix)""",
                {"copy": f"{copy}/", "prefix": prefix},
            )
        # one statement: the derived rows are made from the base rows only
        con.execute(
            """insert into raw.documents by name
               select sha256(document_id || k) as document_id,
                      source_path || '#' || k as source_path, source_file_name, source_format,
                      size_bytes, encoding, line_count, '' as text, run_id, loaded_at
               from raw.documents, range(1, $copies + 1) as copies(k)
               where starts_with(source_path, $prefix)""",
            {"copies": len(copies), "prefix": prefix},
        )
        con.execute("checkpoint")
        return con.execute("select count(*) from raw.documents").fetchall()[0][0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="/tmp/nianbao-bench")
    parser.add_argument("--copies", type=int, default=9)
    parser.add_argument(
        "--new", default="10k", help="fresh reports loaded into the scaled warehouse"
    )
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    work = Path(args.work)
    folder, base_db = work / f"corpus-txt-{BASE}-s0", work / f"warehouse-{BASE}.duckdb"
    if not (folder / ".complete").exists() or not base_db.exists():
        sys.exit(f"run bench/run.py --sizes 100k --work {work} first")
    started = time.perf_counter()
    copies = copies_of(folder, args.copies)
    fresh, _ = corpus(work, _size(args.new), 2_000_003, ("txt",))
    print(f"copies and fresh reports ready in {time.perf_counter() - started:.0f} s", flush=True)
    db = work / "warehouse-scaled.duckdb"
    started = time.perf_counter()
    documents = scaled_warehouse(base_db, db, folder, copies)
    print(f"scaled warehouse ready in {time.perf_counter() - started:.0f} s", flush=True)
    loaded = load_in_subprocess([folder, *copies, fresh], db, args.workers)
    print(f"machine: {machine()}")
    print(
        "| documents stored | paths listed | new reports | load s | peak RSS MB | loaded "
        "| unchanged | failed |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {documents:,} | {BASE * (1 + args.copies) + _size(args.new):,} | {_size(args.new):,} "
        f"| {loaded['seconds']:.1f} | {loaded['peak_rss_mb']:,.0f} | {loaded['loaded']:,} "
        f"| {loaded['unchanged']:,} | {loaded['failed']:,} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
