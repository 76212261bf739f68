"""The parse stage on the local process pool against Ray in local mode, on the same corpus.

    .venv/bin/python bench/engines.py                       # 2,000 text, 120 PDF reports
    .venv/bin/python bench/engines.py --text 400 --pdf 80   # a quick look

For each format and engine, `load_paths` runs on a fresh warehouse in a fresh process, with
2 workers; Ray's start (seconds, once per load) is timed apart and left out of the rate. It
prints reports/s and the driver's share: the CPU time of the loading process (the driver:
listing, planning, storing, Ray's client) over the wall time of the load. Run both
engines in the same invocation: on a shared machine the ratio holds, the absolute rates don't.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from loaders.load import load_paths
folder, db, engine = sys.argv[1:4]
start = 0.0
if engine == "ray":  # started apart: its seconds are a fixed cost, not a rate
    import ray
    start = time.perf_counter()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter() - start
cpu0, wall0 = time.process_time(), time.perf_counter()
summary = load_paths([Path(folder)], Path(db), workers=2, engine=engine)
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(json.dumps({"wall": wall, "cpu": cpu, "start": start, "loaded": summary.loaded, "failed": summary.failed}))
"""


def corpus(work: Path, fmt: str, n: int) -> Path:
    folder = work / f"{fmt}-{n}"
    if not folder.exists():
        subprocess.run(
            [sys.executable, "-m", "loaders.cli", "generate", str(n), "--out", str(folder),
             "--formats", fmt],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
    return folder


def timed(folder: Path, engine: str, work: Path) -> dict:
    db = work / f"{folder.name}-{engine}.duckdb"
    db.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(db), engine],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=2000)
    parser.add_argument("--pdf", type=int, default=120)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nianbao-bench-engines"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        "| format | reports | engine | start s | load s | reports/s | driver CPU s | driver share |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for fmt, n in (("txt", args.text), ("pdf", args.pdf)):
        folder = corpus(args.work, fmt, n)
        for engine in ("local", "ray"):
            r = timed(folder, engine, args.work)
            print(
                f"| {fmt} | {n} | {engine} | {r['start']:.1f} | {r['wall']:.1f} | {r['loaded'] / r['wall']:.1f} | "
                f"{r['cpu']:.1f} | {r['cpu'] / r['wall']:.0%} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
