"""One file in, plain rows out: the unit of work a parse process runs."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from loaders.document import Document, Issue, ReadError
from loaders.parse import ParsedReport, parse_document
from loaders.parse.narrative import narrative_rows
from loaders.settings import FILE_SECONDS, MAX_FILE_BYTES, MAX_PDF_BYTES, PAGE_SUFFIXES


@dataclass
class Extracted:
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


def extract(
    path_str: str,
    seconds: float = FILE_SECONDS,
    known: Callable[[str], bool] | None = None,
) -> Extracted:
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
        return Extracted(path_str, document_id, len(data), unchanged=True)
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


def failed(path: str, document_id: str | None, size: int, code: str, message: str) -> Extracted:
    return Extracted(
        path, document_id, size, issues=[(code, "error", None, None, message)], error=code
    )


def _flatten(
    path: Path, document_id: str, size: int, doc: Document, parsed: ParsedReport
) -> Extracted:
    from loaders.regions import resolve_in_context

    out = Extracted(str(path), document_id, size)
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
