"""Text reports the size of the samples: marginal load rate, with the one-core parse rate beside it.

    .venv/bin/python bench/text.py [--n 10000] [--rounds 2] [--workers 2] [--before REV]

The corpus is `--n` copies of data/samples/*.txt taken in turn (about 160 cells a report), each
with a line `copy NNNNN` appended so that every file's bytes are unique (the parse is the same:
the line holds no figure). It is made once under --work.

Per round, in fresh processes: `load_paths` of a one-file folder and of the whole corpus into new
warehouses (timed inside the process around the call); the marginal rate is (n - 1) / (t(n) -
t(1)), so interpreter start, imports, the pool's start and the first file do not count. The CPU
time of the loading process and of its descendants (the fork server and the parse processes) is
sampled from /proc (psutil) every 50 ms. Beside each load, the parse stage alone on one core in a
fresh process (`parse_file`: read, fingerprint, parse, flatten; bench/run.py's loop) on the first
`--parse-sample` files, in wall time (and per CPU second): on a machine shared with other jobs
the absolute rates move, the ratio of the load's rate to the parse rate measured beside it much
less. Two cores reach twice the parse rate at most, less what the frames, their transfer and
the writer cost.

`--before REV` also times the code of a git revision (exported with `git archive` into --work),
alternated with the working tree's in each round, so that both meet the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sampling import TreeCpu

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"


def corpus(work: Path, n: int) -> Path:
    folder = work / f"samples-txt-{n}"
    if (folder / ".complete").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(SAMPLES.glob("*.txt"))
    for k in range(n):
        source = sources[k % len(sources)]
        tail = f"\n\ncopy {k:05d}\n".encode()
        (folder / f"{k:05d}_{source.name}").write_bytes(source.read_bytes() + tail)
    (folder / ".complete").write_text("")
    return folder


def one_file(folder: Path) -> Path:
    one = folder.with_name(folder.name + "-one")
    one.mkdir(exist_ok=True)
    first = min(p for p in folder.iterdir() if p.suffix == ".txt")
    (one / first.name).write_bytes(first.read_bytes())
    return one


def run_load(code: Path, folder: Path, db: Path, workers: int) -> dict:
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "_load", str(code), str(db)]
    process = subprocess.Popen(
        [*command, str(folder), str(workers)], stdout=subprocess.PIPE, text=True, cwd=code
    )
    with TreeCpu(process.pid) as cpu:
        out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load failed ({process.returncode}): {out[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["children_cpu"] = sum(cpu.children.values())
    return result


def _load_main(argv: list[str]) -> int:
    code, db, folder, workers = argv
    sys.path.insert(0, code)
    from loaders.store.load import load_paths

    cpu, started = time.process_time(), time.perf_counter()
    summary = load_paths([Path(folder)], Path(db), workers=int(workers))
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "cpu": time.process_time() - cpu,
        "loaded": summary.loaded,
        "failed": summary.failed,
    }
    print(json.dumps(result))
    return 0


def parse_rate(code: Path, folder: Path, sample: int) -> dict:
    files = sorted(p for p in folder.iterdir() if p.suffix == ".txt")[:sample]
    command = [sys.executable, str(Path(__file__).resolve()), "_parse", str(code)]
    listing = "\n".join(map(str, files)).encode()
    out = subprocess.run(command, input=listing, capture_output=True, check=True, cwd=code)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def _parse_main(argv: list[str]) -> int:
    sys.path.insert(0, argv[0])
    from loaders.store.worker import parse_file, tune_for_parsing

    chosen = sys.stdin.read().splitlines()
    tune_for_parsing()  # as in a parse process
    for path in chosen[:20]:
        parse_file(path)
    started, cpu = time.perf_counter(), time.process_time()
    for path in chosen:
        parse_file(path)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"rate": len(chosen) / wall, "cpu_rate": len(chosen) / cpu}))
    return 0


def export(work: Path, rev: str) -> Path:
    """The tree of `rev`, for timing it beside the working tree."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = work / f"code-{sha}"
    if not (tree / "loaders").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def head() -> str:
    def git(*a: str) -> str:
        done = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    dirty = " + uncommitted changes" if git("status", "--porcelain") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_load"]:
        return _load_main(argv[1:])
    if argv[:1] == ["_parse"]:
        return _parse_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parse-sample", type=int, default=2000)
    parser.add_argument("--before", help="a git revision timed beside the working tree")
    parser.add_argument("--work", default="/tmp/nianbao-bench-text")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    folder = corpus(work, args.n)
    one = one_file(folder)
    codes = {"working tree": ROOT}
    if args.before:
        codes = {f"before ({args.before})": export(work, args.before), **codes}
    rows: dict[str, list[dict]] = {name: [] for name in codes}
    for r in range(args.rounds):
        for name, code in codes.items():
            parse = parse_rate(code, folder, args.parse_sample)
            first = run_load(code, one, work / "one.duckdb", args.workers)
            whole = run_load(code, folder, work / "whole.duckdb", args.workers)
            extra = whole["seconds"] - first["seconds"]
            row = {
                "parse": parse["rate"],
                "parse_cpu": parse["cpu_rate"],
                "marginal": (whole["loaded"] - first["loaded"]) / extra,
                "seconds": whole["seconds"],
                "first": first["seconds"],
                "parent_ms": 1000 * (whole["cpu"] - first["cpu"]) / (whole["loaded"] - 1),
                "children_ms": 1000
                * (whole["children_cpu"] - first["children_cpu"])
                / (whole["loaded"] - 1),
                "failed": whole["failed"],
            }
            rows[name].append(row)
            print(f"round {r + 1} {name}: {json.dumps(row)}", flush=True)
    lines = [
        f"# bench/text.py, {datetime.now():%Y-%m-%d %H:%M}, commit {head()}",
        "",
        (
            f"{os.cpu_count()} cores, shared with other jobs; {args.n:,} text reports "
            f"(data/samples taken in turn, one line appended to each); {args.workers} parse "
            f"processes; {args.rounds} rounds, the codes alternated."
        ),
        "",
        (
            "| code | round | parse r/s (1 core) | parse r/CPU s | load s | one-file load s "
            "| marginal r/s | marginal / parse | parent CPU ms/report "
            "| parse processes CPU ms/report | failed |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in rows.items():
        for k, row in enumerate(runs, 1):
            lines.append(
                f"| {name} | {k} | {row['parse']:,.0f} | {row['parse_cpu']:,.0f} "
                f"| {row['seconds']:.1f} "
                f"| {row['first']:.1f} | {row['marginal']:,.0f} "
                f"| {row['marginal'] / row['parse']:.2f} | {row['parent_ms']:.3f} "
                f"| {row['children_ms']:.3f} | {row['failed']} |"
            )
    lines.append("")
    for name, runs in rows.items():
        lines.append(
            f"- {name}: marginal median {statistics.median(r['marginal'] for r in runs):,.0f} "
            f"r/s, parse median {statistics.median(r['parse'] for r in runs):,.0f} r/s"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.results) / f"{datetime.now():%Y-%m-%d}-text.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
