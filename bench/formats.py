"""Per-format read rates on one core, each beside the reference library on the same files.

    .venv/bin/python bench/formats.py [--copies 60] [--seconds 4] [--load]

For each format, the same files are read in turns by nianbao (`read_file` then
`parse_document`: what one load worker does with a file) and by the library a user would
otherwise run (pdfplumber reading every page's characters, BeautifulSoup on lxml parsing the page,
python-docx opening the document, markdown-it-py parsing the markdown, the text decoded). Rates move with a busy machine, their
ratio much less: compare the ratio (rates are per CPU second of the timing process). `--load`
also times `load_paths` of each folder with one worker in a fresh process (reading, parsing and
writing the warehouse; wall time, marginal over a one-file folder).

Files: copies of ../shared/reports (each with a few bytes appended, so every file is unique) and,
for DOCX and text, generated reports; PDF and HTML fall back to generated ones when
../shared is absent. `pdf-gen` is the generator's PDFs (a CJK font the PDF does not embed, which
PDFium draws with the bundled Noto CJK standing in) beside the shared report's embedded fonts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPORTS = ROOT.parent / "shared" / "reports"

from loaders.parse import parse_document
from loaders.readers import read_file
from loaders.synthetic.corpus import generate

SHARED = {
    "pdf": ["huaian_2024.pdf"],
    "md": ["shanghai_kewei_2024_extracted.md"],
    # HTML pages differ in the work they give the reader (site chrome, markup in every cell,
    # none of either): each class is a row of its own; `html` names them all
    "html:shuyang": ["shuyang_fgj_2023.html"],
    "html:shanghai": ["shanghai_gov_office_2019.html"],
    "html:generated": [],
}
CLASSES = {"html": ["html:shuyang", "html:shanghai", "html:generated"]}


def unique_copies(work: Path, fmt: str, copies: int) -> list[Path]:
    """Files of one format: shared reports copied with a distinct tail, else generated ones."""
    folder = work / fmt.replace(":", "-")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf-gen":
        generate(copies, folder, seed=11, formats=("pdf",))
        return sorted(folder.glob("*.pdf"))
    sources = [REPORTS / name for name in SHARED.get(fmt, []) if (REPORTS / name).is_file()]
    suffix = fmt.split(":")[0]
    if not sources:
        generate(copies, folder, seed=11, formats=(suffix,))
        return sorted(folder.glob(f"*.{suffix}"))
    tail = {"pdf": b"\n%% copy %d\n", "html": b"\n<!-- copy %d -->\n", "md": b"\n\n<!-- %d -->\n"}
    paths = []
    for n in range(copies):
        source = sources[n % len(sources)]
        path = folder / f"{n:05d}_{source.name}"
        path.write_bytes(source.read_bytes() + tail[suffix] % n)
        paths.append(path)
    return paths


def ours(path: Path, data: bytes) -> None:
    parse_document(read_file(path, data))


def pdfplumber_chars(path: Path, data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            len(page.chars)
            page.close()


def bs4_lxml(path: Path, data: bytes) -> None:
    from bs4 import BeautifulSoup

    BeautifulSoup(data, "lxml")


def python_docx(path: Path, data: bytes) -> None:
    import docx

    docx.Document(io.BytesIO(data))


def markdown_it(path: Path, data: bytes) -> None:
    from markdown_it import MarkdownIt

    MarkdownIt("commonmark").enable("table").parse(data.decode("utf-8", errors="replace"))


def decode_only(path: Path, data: bytes) -> None:
    data.decode("utf-8", errors="replace").splitlines()


def former(fmt: str) -> Callable[[Path, bytes], None] | None:
    """The former reader (kept under tests/ for the equivalence tests), read and parsed."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        if fmt in ("pdf", "pdf-gen"):
            from reference_pdf import read_pdf as read
        elif fmt == "html":
            from reference_html import read_html as read
        else:
            return None
    except ImportError:
        return None
    return lambda path, data: parse_document(read(data))


REFERENCE: dict[str, tuple[str, Callable[[Path, bytes], None]]] = {
    "pdf": ("pdfplumber chars", pdfplumber_chars),
    "pdf-gen": ("pdfplumber chars", pdfplumber_chars),
    "html": ("BeautifulSoup+lxml", bs4_lxml),
    "docx": ("python-docx open", python_docx),
    "md": ("markdown-it-py parse", markdown_it),
    "txt": ("utf-8 decode + split", decode_only),
}


def rate(fn: Callable[[Path, bytes], None], files: list[tuple[Path, bytes]], seconds: float):
    """Files per CPU second of this process over at least `seconds`, cycling through the files
    (CPU time, not wall time: other work on a shared machine does not count against either)."""
    done, started = 0, time.process_time()
    while True:
        for path, data in files:
            fn(path, data)
            done += 1
        elapsed = time.process_time() - started
        if elapsed >= seconds:
            return done / elapsed


def where_time_goes(files: list[tuple[Path, bytes]], top: int = 6) -> list[str]:
    profile = cProfile.Profile()
    profile.enable()
    for path, data in files[:10]:
        ours(path, data)
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(v[2] for v in stats.stats.values()) or 1.0  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    out = []
    for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in rows[:top]:
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        out.append(f"{name} ({short}:{line}) {100 * tottime / total:.0f}%")
    return out


def load_rate(folder: Path, work: Path) -> float:
    """Marginal reports per second of `load_paths(..., workers=1)` in a fresh process: the folder
    against a folder of its first file, so start-up and the worker pool do not count."""
    sys.path.insert(0, str(ROOT / "bench"))
    from run import load_in_subprocess

    files = sorted(p for p in folder.iterdir() if p.is_file())
    one = work / f"{folder.name}-one"
    one.mkdir(exist_ok=True)
    (one / files[0].name).write_bytes(files[0].read_bytes())
    seconds = []
    for source in (one, folder):
        db = work / f"{source.name}.duckdb"
        db.unlink(missing_ok=True)
        seconds.append(load_in_subprocess([source], db, 1)["seconds"])
    return (len(files) - 1) / max(seconds[1] - seconds[0], 1e-9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=60, help="files per format")
    parser.add_argument("--seconds", type=float, default=4.0, help="timing per side and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per format")
    parser.add_argument("--formats", default="pdf,pdf-gen,html,docx,md,txt")
    parser.add_argument("--load", action="store_true", help="also time `nianbao load -w 1`")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        work = Path(tmp)
        chosen = [row for fmt in args.formats.split(",") for row in CLASSES.get(fmt, [fmt])]
        for fmt in chosen:
            paths = unique_copies(work, fmt, args.copies)
            files = [(p, p.read_bytes()) for p in paths]
            name, reference = REFERENCE[fmt.split(":")[0]]
            ours(*files[0])
            reference(*files[0])
            before = former(fmt.split(":")[0])
            mine, theirs, formers = [], [], []
            for _ in range(args.rounds):  # alternate, so a busy spell hits every side
                mine.append(rate(ours, files, args.seconds))
                theirs.append(rate(reference, files, args.seconds))
                if before is not None:
                    formers.append(rate(before, files, args.seconds))
            load = load_rate(paths[0].parent, work) if args.load else None
            ratio = sum(mine) / sum(theirs)
            was = sum(formers) / sum(theirs) if formers else None
            rows.append((fmt, len(files), max(mine), name, max(theirs), ratio, was, load))
            print(f"[{fmt}] ours {max(mine):.1f}/s, {name} {max(theirs):.1f}/s, x{ratio:.2f}")
            for line in where_time_goes(files):
                print("   ", line)
    print()
    print("| format | files | nianbao read+parse r/s | reference | reference r/s | ratio |"
          " former reader's ratio |" + (" load -w 1 marginal r/s |" if args.load else ""))  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if args.load else ""))
    for fmt, n, mine, name, theirs, ratio, was, load in rows:
        extra = f" {load:.1f} |" if load is not None else ""
        before = f"{was:.2f}" if was is not None else ""
        print(
            f"| {fmt} | {n} | {mine:.1f} | {name} | {theirs:.1f} | {ratio:.2f} | {before} |{extra}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
