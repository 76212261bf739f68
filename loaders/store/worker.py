"""What a parse process runs: one file in, plain rows out; a chunk of paths in, Arrow frames out.

A parse process imports the readers, the parser and the frames only, never DuckDB. It reads each
file once: it fingerprints the bytes it parses, and skips the parse when the fingerprint names a
document stored before the run or earlier in its task.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from loaders.document import Document, Issue, ReadError
from loaders.parse import ParsedReport, parse_document
from loaders.parse.narrative import narrative_rows
from loaders.readers import PAGE_SUFFIXES
from loaders.settings import FILE_SECONDS, MAX_FILE_BYTES, MAX_PDF_BYTES
from loaders.store.batches import Batch
from loaders.store.digests import StoredDigests


@dataclass
class ParsedFile:
    """Everything the store needs about one input file, as picklable plain values."""

    path: str
    document_id: str | None
    size_bytes: int
    document: dict | None = None
    report: dict | None = None
    cells: list[tuple] = field(default_factory=list)
    complaints: list[tuple] = field(default_factory=list)
    issues: list[tuple] = field(default_factory=list)  # (code, severity, line, source, message)
    ocr_pages: list[tuple] = field(default_factory=list)  # raw.ocr_pages rows, no document id
    sections: list[tuple] = field(default_factory=list)  # raw.sections rows without the id
    narrative_figures: list[tuple] = field(default_factory=list)  # raw.narrative_figures rows
    error: str | None = None
    unchanged: bool = False  # its bytes are a document already stored: not parsed


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, data: bytes) -> Document:
    from loaders.readers import read_file

    return read_file(path, data)


class FileTimeout(Exception):
    pass


def _expire(signum, frame):
    raise FileTimeout


_handler_kept = False


def keep_timeout_handler() -> None:
    """For a process that does nothing but extract files (a parse process): the timeout's
    handler stays installed, so each file only arms and disarms the timer (swapping the handler
    per file, with the signal module's enum conversions, was about 1% of a report's parse)."""
    global _handler_kept
    signal.signal(signal.SIGALRM, _expire)
    _handler_kept = True


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt one file's work after `seconds` (only the main thread can take the signal)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return
    swap = not _handler_kept
    previous = signal.signal(signal.SIGALRM, _expire) if swap else None
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)  # inside: it may expire before `yield`
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if swap:  # the caller's own handler comes back
            signal.signal(signal.SIGALRM, previous)


def parse_file(
    path_str: str,
    seconds: float = FILE_SECONDS,
    known: Callable[[str], bool] | None = None,
) -> ParsedFile:
    """Read, parse and flatten one file; never raises for bad input. A file whose document id
    `known` accepts is not parsed: it comes back unchanged."""
    path = Path(path_str)
    try:
        with open(path_str, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            limit = MAX_PDF_BYTES if path.suffix.lower() in PAGE_SUFFIXES else MAX_FILE_BYTES
            if size > limit:
                return failed(
                    path_str,
                    None,
                    size,
                    "file_too_large",
                    f"{size / 2**20:.0f} MB is above the {limit // 2**20} MB limit for one "
                    "report of this format: check that it is a single report, or split it",
                )
            data = fh.read()
    except OSError as exc:
        return failed(path_str, None, 0, "unreadable_file", f"cannot read the file: {exc}")
    document_id = sha256_of(data)
    if known is not None and known(document_id):
        return ParsedFile(path_str, document_id, len(data), unchanged=True)
    try:
        with time_limit(seconds):
            doc = read_document(path, data)
            parsed = parse_document(doc)
    except FileTimeout:
        return failed(
            path_str,
            document_id,
            len(data),
            "file_timeout",
            f"reading and parsing took longer than {seconds:.0f} s and was stopped; "
            "the file is unusually large or complex: check it by hand",
        )
    except MemoryError:
        return failed(
            path_str,
            document_id,
            len(data),
            "file_memory",
            "reading the file needed more memory than one report may use; check it by hand",
        )
    except ReadError as exc:
        return failed(path_str, document_id, len(data), exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a parser bug must cost one file, not the batch
        return failed(
            path_str,
            document_id,
            len(data),
            "parser_error",
            f"{type(exc).__name__}: {exc}; please report this file",
        )
    return _flatten(path, document_id, len(data), doc, parsed)


def failed(path: str, document_id: str | None, size: int, code: str, message: str) -> ParsedFile:
    return ParsedFile(
        path, document_id, size, issues=[(code, "error", None, None, message)], error=code
    )


def _flatten(
    path: Path, document_id: str, size: int, doc: Document, parsed: ParsedReport
) -> ParsedFile:
    from loaders.parse.regions import resolve_in_context

    out = ParsedFile(str(path), document_id, size)
    out.document = {
        "source_path": str(path),
        "source_file_name": path.name,
        "source_format": doc.format,
        "size_bytes": size,
        "encoding": doc.encoding,
        "line_count": len(doc.lines),
        "text": doc.text,
    }
    region = (
        resolve_in_context(
            parsed.agency_name, parsed.region_context, parsed.report_year, parsed.region_places
        )
        if parsed.agency_name
        else None
    )
    issues: list[Issue] = list(parsed.issues)
    if parsed.agency_name and region is None:
        issues.append(
            Issue(
                "region_unknown",
                "warning",
                f"no region of China could be read from {parsed.agency_name}",
                parsed.agency_line,
            )
        )
    if region is not None and region.respelled:
        printed, known = region.respelled
        issues.append(
            Issue(
                "region_respelled",
                "warning",
                f"{printed} is in no gazetteer; read as {known}, the one name a character away",
                parsed.agency_line,
            )
        )
    out.report = {
        "agency_name": parsed.agency_name,
        "agency_source": parsed.agency_source,
        "agency_evidence": parsed.agency_evidence,
        "agency_line": parsed.agency_line,
        "report_year": parsed.report_year,
        "report_year_evidence": parsed.report_year_evidence,
        "report_year_line": parsed.report_year_line,
        "template_version": parsed.template_version,
        "template_evidence": parsed.template_evidence,
        "published_on": parsed.published_on,
        "published_evidence": parsed.published_evidence,
        "published_line": parsed.published_line,
        "province_name": region.region.province_name if region else None,
        "prefecture_name": region.region.prefecture_name if region else None,
        "county_name": region.region.county_name if region else None,
        "region_code": region.region.region_code if region else None,
        "region_level": region.region.region_level if region else None,
        "region_evidence": region.evidence if region else None,
    }
    out.cells = parsed.facts  # facts are raw.cells rows already
    out.complaints = [
        (c.channel_key, c.value, c.unit, c.evidence, c.line.number) for c in parsed.complaints
    ]
    out.issues = [(i.code, i.severity, i.line, i.source, i.message) for i in issues]
    out.ocr_pages = [_ocr_row(page) for page in doc.ocr_pages]
    out.sections, out.narrative_figures = narrative_rows(doc.lines)
    return out


def _ocr_row(page: dict) -> tuple:
    import json

    return (
        page["page_number"],
        page["dpi"],
        page["skew_degrees"],
        page["seconds"],
        page["box_count"],
        page["min_score"],
        page["text"],
        json.dumps(page["boxes"], ensure_ascii=False),
    )


# Document ids stored before the run, handed to each process once when it starts.
_stored: Container[str] = StoredDigests()


class TaskLost(Exception):
    """A task's result will not come back (its worker died): its files fail, the load goes on."""


def set_stored(stored: Container[str]) -> None:
    """The stored documents, for a process set up by another engine (`loaders.store.ray_engine`)."""
    global _stored
    _stored = stored


def start_worker(stored_list: str) -> None:
    """Initializer of a pool process; `stored_list` names a file of sorted digests
    (`loaders.store.digests`)."""
    global _stored
    limit_memory()
    keep_timeout_handler()
    # a process that boots after the load ended finds no file: it gets no task
    with contextlib.suppress(FileNotFoundError):
        _stored = StoredDigests.from_file(stored_list)
    tune_for_parsing()


def parse_task(paths: list[str], run_id: str) -> Batch:
    """One task in a pool process."""
    return parse_chunk(paths, run_id, _stored)


def spooled_task(paths: list[str], run_id: str, spool: str) -> str:
    """One task in a local pool process, its batch written to a file in `spool`; returns the
    file's path. The batch does not travel through the pool's result pipe: a process killed while
    it wrote a large result there would leave a partial message that the pool's reader waits on
    forever. A path is one atomic write."""
    batch = parse_task(paths, run_id)
    fd, name = tempfile.mkstemp(dir=spool, suffix=".batch")
    with os.fdopen(fd, "wb") as out:
        pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def unspooled(name: str) -> Batch:
    """The batch a `spooled_task` wrote; its file is removed."""
    path = Path(name)
    try:
        with path.open("rb") as spooled:
            return pickle.load(spooled)
    finally:
        path.unlink(missing_ok=True)


def parse_chunk(paths: list[str], run_id: str, stored: Container[str]) -> Batch:
    """Files in, columnar rows out; a file whose bytes are in `stored`, or repeat a file before
    it in `paths`, is not parsed and comes back as unchanged."""
    seen: set[str] = set()

    def known(document_id: str) -> bool:
        if document_id in stored or document_id in seen:
            return True
        seen.add(document_id)
        return False

    items = [parse_file(path, known=known) for path in paths]
    try:
        return Batch.of(items, run_id)
    except Exception:  # noqa: BLE001 - a value the frames cannot hold costs its file only
        return Batch.concat([_framed(item, run_id) for item in items])


def _framed(item: ParsedFile, run_id: str) -> Batch:
    try:
        return Batch.of([item], run_id)
    except Exception as exc:  # noqa: BLE001
        message = f"the parsed report could not be framed ({type(exc).__name__}: {exc})"
        error = failed(item.path, item.document_id, item.size_bytes, "parser_error", message)
        return Batch.of([error], run_id)


def tune_for_parsing() -> None:
    """Garbage collection for a process that parses: it allocates millions of short-lived tuples
    and lists that reference counting frees, while the collector's passes over the long-lived
    objects (modules, gazetteer, caches) cost a large share of its CPU time. Those are frozen
    once warm, and the collector runs less often (cycles are rare here). They stay frozen to the
    end: nothing a parse process holds needs finalising (it imports no database driver)."""
    from loaders.parse.regions import resolve_region

    resolve_region("北京市海淀区人民政府")  # builds the gazetteer index before the freeze
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def limit_memory(above_current: bool = False) -> None:
    """A parse process that runs away with memory fails its file, not the machine. A process
    that maps large regions before it parses (a Ray worker maps its object store) is capped at
    what it has mapped plus the same allowance."""
    import resource

    from loaders.settings import WORKER_MEMORY_BYTES

    cap = WORKER_MEMORY_BYTES + (_mapped_bytes() if above_current else 0)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _mapped_bytes() -> int:
    """The address space this process has mapped (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
