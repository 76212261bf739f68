"""Benchmark of the load → build → check pipeline on generated corpora.

    .venv/bin/python bench/run.py                   # 1k text reports (about a minute)
    .venv/bin/python bench/run.py --sizes 1k,10k    # the reference run in bench/README.md
    .venv/bin/python bench/run.py --sizes 100k --formats-n 0

For each size N it generates N text reports (cached under --work, keyed by size and seed) and
measures: the parse stage on one core (an in-process `extract` loop), `load_paths` on the folder
with every core (from the first file read to the last commit; interpreter start-up and imports
excluded), the peak RSS of the loading process tree, `dbt build` and `nianbao check` wall times,
and a nightly `nianbao run` that adds 1% new reports: its load, build and check phases, and the
wall time of the whole process, start-up and imports included. HTML and PDF load throughput are
measured on a smaller generated set. One fixed-column table is printed and written to
bench/results/<date>-<largest N>.md, with the machine and git commit in its header.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sampling import PeakRss

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _size(text: str) -> int:
    text = text.strip().lower()
    factor = 1000 if text.endswith("k") else 1
    return int(float(text.rstrip("k")) * factor)


def _label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


# ---------------------------------------------------------------- steps


def corpus(work: Path, n: int, seed: int, formats: tuple[str, ...]) -> tuple[Path, float | None]:
    """A generated corpus, reused when a complete one with the same key exists."""
    from loaders.synthetic.corpus import generate

    folder = work / f"corpus-{'-'.join(formats)}-{n}-s{seed}"
    done = folder / ".complete"
    if done.exists():
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    generate(n, folder, seed=seed, formats=formats)
    seconds = time.perf_counter() - started
    done.write_text(f"{seconds:.1f}\n")
    return folder, seconds


def reports_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix != ".json" and not p.name.startswith("."))


def parse_rate(files: list[Path], sample: int) -> float:
    """Reports per second of `extract` in a fresh process (one core), after a warm-up: the
    process running the benchmark has imported and allocated too much by then to stand for a
    parse process."""
    command = [sys.executable, str(Path(__file__).resolve()), "_parse", str(sample)]
    listing = "\n".join(map(str, files[:sample])).encode()
    out = subprocess.run(command, input=listing, capture_output=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])["rate"]


def _parse_main(argv: list[str]) -> int:
    from loaders.store.worker import parse_file, tune_for_parsing

    chosen = sys.stdin.read().splitlines()[: int(argv[0])]
    tune_for_parsing()  # as in a parse process of `nianbao load`
    for path in chosen[:20]:  # imports, gazetteer index, caches
        parse_file(path)
    started = time.perf_counter()
    for path in chosen:
        parse_file(path)
    print(json.dumps({"rate": len(chosen) / (time.perf_counter() - started)}))
    return 0


def load_in_subprocess(paths: list[Path], db: Path, workers: int | None) -> dict:
    """`load_paths` in a fresh process: timed inside it, memory sampled over its whole tree."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_load",
        str(db),
        *map(str, paths),
        *(["--workers", str(workers)] if workers else []),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    with PeakRss(process.pid) as memory:
        out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load failed ({process.returncode}): {out[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = memory.peak / 2**20
    return result


def _load_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    from loaders.store.load import load_paths

    started = time.perf_counter()
    summary = load_paths([Path(p) for p in args.paths], Path(args.db), workers=args.workers)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "loaded": summary.loaded,
                "unchanged": summary.unchanged,
                "failed": summary.failed,
            }
        )
    )
    return 0


def nightly_in_subprocess(paths: list[Path], db: Path, log: Path) -> dict:
    """`nianbao run` as the nightly job runs it, in a fresh process: its wall time from start-up
    to exit, and the load, build and check phases timed inside it."""
    command = [sys.executable, str(Path(__file__).resolve()), "_nightly", str(db), str(log)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"nightly run failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"seconds": seconds}


def _nightly_main(argv: list[str]) -> int:
    db, log, *paths = argv
    import expectations.runner
    import loaders.commands.build
    import loaders.commands.run

    phases: dict[str, float] = {}

    def timed(owner, name: str, phase: str) -> None:
        inner = getattr(owner, name)

        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                phases[phase] = time.perf_counter() - started

        setattr(owner, name, run)

    timed(loaders.commands.run, "load_paths", "load")
    timed(loaders.commands.build.PreparedBuild, "run", "build")
    timed(expectations.runner, "check", "check")
    with (
        open(log, "a", encoding="utf-8") as fh,
        contextlib.redirect_stdout(fh),
        contextlib.redirect_stderr(fh),
    ):
        code, summary = loaders.commands.run.run_pipeline([Path(p) for p in paths], Path(db))
    print(json.dumps({"code": code, "loaded": summary.loaded, **phases}))
    return code


def timed_build(db: Path, log: Path) -> tuple[float, int, float]:
    """`nianbao build`: dbt build with the unit tests."""
    from loaders.commands.build import build

    with PeakRss(os.getpid()) as memory:
        started = time.perf_counter()
        with log.open("a", encoding="utf-8") as fh, contextlib.redirect_stdout(fh):
            code = build(db)
        seconds = time.perf_counter() - started
    return seconds, code, memory.peak / 2**20


def timed_check(db: Path, log: Path, scoped: bool = False) -> tuple[float, int]:
    """`nianbao check` as the CLI runs it (recorded, so that the next scoped check starts after
    it); `scoped`: only the reports loaded since the last successful check, as nightly."""
    from expectations.runner import check
    from loaders.commands.run import record_check
    from loaders.store.writer import utc_now

    started, clock = utc_now(), time.perf_counter()
    with (
        log.open("a", encoding="utf-8") as fh,
        contextlib.redirect_stdout(fh),
        contextlib.redirect_stderr(fh),
    ):
        code = check(db, since_last_check=scoped)
    seconds = time.perf_counter() - clock
    if code in (0, 1):
        record_check(db, started, code)
    return seconds, code


@dataclass
class SizeResult:
    n: int
    gen_s: float | None
    parse_per_core: float
    load_s: float
    load_rate: float
    peak_rss_mb: float
    failed: int
    build_s: float
    build_code: int
    build_rss_mb: float
    check_s: float | None
    check_code: int | None
    nightly_new: int
    nightly_load_s: float
    nightly_build_s: float
    nightly_check_s: float
    nightly_s: float  # the whole `nianbao run` process, start-up and imports included


def run_size(n: int, args: argparse.Namespace, work: Path, log: Path) -> SizeResult:
    print(f"[{_label(n)}] corpus", flush=True)
    folder, gen_s = corpus(work, n, args.seed, ("txt",))
    files = reports_in(folder)
    print(f"[{_label(n)}] parse stage, one core", flush=True)
    per_core = parse_rate(files, min(len(files), args.parse_sample))
    db = work / f"warehouse-{n}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(f"{db.stem}.quality"), ignore_errors=True)
    print(f"[{_label(n)}] load, {args.workers or os.cpu_count()} workers", flush=True)
    loaded = load_in_subprocess([folder], db, args.workers)
    print(f"[{_label(n)}] dbt build", flush=True)
    build_s, build_code, build_rss = timed_build(db, log)
    print(f"[{_label(n)}] check", flush=True)
    check_s, check_code = (None, None) if args.no_check else timed_check(db, log)
    new_n = max(1, n // 100)
    print(f"[{_label(n)}] nightly: +{new_n} new reports", flush=True)
    new_folder, _ = corpus(work, new_n, args.seed + 1_000_003, ("txt",))
    nightly = nightly_in_subprocess([folder, new_folder], db, log)
    return SizeResult(
        n=n,
        gen_s=gen_s,
        parse_per_core=per_core,
        load_s=loaded["seconds"],
        load_rate=loaded["loaded"] / loaded["seconds"],
        peak_rss_mb=loaded["peak_rss_mb"],
        failed=loaded["failed"],
        build_s=build_s,
        build_code=build_code,
        build_rss_mb=build_rss,
        check_s=check_s,
        check_code=check_code,
        nightly_new=nightly["loaded"],
        nightly_load_s=nightly["load"],
        nightly_build_s=nightly["build"],
        nightly_check_s=nightly["check"],
        nightly_s=nightly["seconds"],
    )


def run_formats(args: argparse.Namespace, work: Path) -> list[tuple[str, int, float, float]]:
    from loaders.synthetic.render import pdf_available

    rows = []
    for fmt in ("html", "pdf"):
        if fmt == "pdf" and not pdf_available():
            continue
        print(f"[{fmt}] {args.formats_n} reports", flush=True)
        folder, _ = corpus(work, args.formats_n, args.seed, (fmt,))
        db = work / f"warehouse-{fmt}.duckdb"
        db.unlink(missing_ok=True)
        loaded = load_in_subprocess([folder], db, args.workers)
        rows.append(
            (fmt, loaded["loaded"], loaded["loaded"] / loaded["seconds"], loaded["seconds"])
        )
    return rows


# ---------------------------------------------------------------- the table


def machine() -> str:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(ImportError):
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def python_loop_ms(repeats: int = 25) -> tuple[float, float]:
    """Median and fastest time of a fixed pure-Python workload (dict and str work, like the
    parser's), in ms: how fast this machine runs Python at the moment. The same code's parse rate
    moves with it; on a shared virtual machine it can move by half within seconds."""

    def work() -> None:
        counts: dict[str, int] = {}
        for i in range(300_000):
            key = str(i % 1000)
            counts[key] = counts.get(key, 0) + len(key)

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def commit() -> str:
    def git(*a: str) -> str:
        done = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted changes" if git("status", "--porcelain") else "")


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(results: list[SizeResult], formats: list, workers: int, speed: list[tuple]) -> str:
    (before, fastest_before), (after, fastest_after) = speed
    lines = [
        f"nianbao benchmark, {datetime.now():%Y-%m-%d %H:%M}",
        f"machine: {machine()}",
        (
            f"machine speed: a fixed Python loop took {before:.0f} ms before the run and "
            f"{after:.0f} ms after it (median of 25; fastest {fastest_before:.0f} and "
            f"{fastest_after:.0f} ms; lower is faster)"
        ),
        f"commit: {commit()}; load workers: {workers}",
        "",
        (
            "| reports | parse r/s (1 core) | load s | load r/s (all cores) | load r/s/core "
            "| peak RSS MB (load) | dbt build s | check s | nightly +1% load s | nightly build s "
            "| nightly check s | nightly total s | failed |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        build = _f(r.build_s) + ("" if r.build_code == 0 else f" (exit {r.build_code})")
        check = _f(r.check_s) + ("" if r.check_code in (0, None) else f" (exit {r.check_code})")
        lines.append(
            f"| {_label(r.n)} | {_f(r.parse_per_core, 0)} | {_f(r.load_s)} | {_f(r.load_rate, 0)} "
            f"| {_f(r.load_rate / workers, 0)} | {_f(r.peak_rss_mb, 0)} | {build} | {check} "
            f"| {_f(r.nightly_load_s)} | {_f(r.nightly_build_s)} | {_f(r.nightly_check_s)} "
            f"| {_f(r.nightly_s)} "
            f"| {r.failed} |"
        )
    if formats:
        lines += [
            "",
            "| format | reports | load r/s (all cores) | load s |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {f} | {n} | {_f(rate, 1)} | {_f(s)} |" for f, n, rate, s in formats]
    generated = [r for r in results if r.gen_s is not None]
    if generated:
        lines.append("")
        lines.append(
            "generation (not part of the pipeline): "
            + ", ".join(f"{_label(r.n)} in {r.gen_s:.0f} s" for r in generated)
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_load"]:
        return _load_main(argv[1:])
    if argv[:1] == ["_nightly"]:
        return _nightly_main(argv[1:])
    if argv[:1] == ["_parse"]:
        return _parse_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k", help="comma-separated: 1k,10k,100k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="load workers (default: cores)")
    parser.add_argument("--parse-sample", type=int, default=3000, help="files in the 1-core loop")
    parser.add_argument("--formats-n", type=int, default=200, help="HTML and PDF reports (0: skip)")
    parser.add_argument("--no-check", action="store_true", help="skip `nianbao check`")
    parser.add_argument("--work", default="/tmp/nianbao-bench", help="corpora and warehouses")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    sizes = [_size(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    speed = [python_loop_ms()]
    results = [run_size(n, args, work, log) for n in sizes]
    formats = run_formats(args, work) if args.formats_n else []
    speed.append(python_loop_ms())
    text = table(results, formats, args.workers or os.cpu_count() or 1, speed)
    print()
    print(text)
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{datetime.now():%Y-%m-%d}-{_label(max(sizes))}.md"
    path.write_text(text, encoding="utf-8")
    print(f"written to {path}; dbt and check output in {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
