"""Scanned pages and image files, read by OCR on the machine (RapidOCR: PP-OCR models in ONNX,
shipped inside its wheel, run on onnxruntime's CPU; nothing is downloaded).

A page image becomes text boxes with their recognition confidence. The boxes are put back in
reading order: a page tilted in the scanner is straightened by the median slant of its text
lines; table grids come from the ruling lines drawn in the image (morphological line detection),
and from the geometry of the boxes where no lines are drawn (columns anchored on the header
cells). A figure is never guessed: a figure cell read with low confidence, or holding a letter
where a digit belongs (O for 0, l for 1), is left empty with an issue that shows what was read.
Every page keeps its boxes (`OcrPage.boxes`) for `raw.ocr_pages`.
"""

from __future__ import annotations

import io
import math
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from statistics import median
from typing import Any

from loaders.characters import normalise_cell
from loaders.document import Document, Issue, Line, ReadError
from loaders.readers import CJK, join_breaks
from loaders.settings import (
    OCR_MAX_PIXELS,
    OCR_MEMORY_BYTES,
    OCR_MIN_FIGURE_SCORE,
    OCR_PAGE_SECONDS,
    OCR_PROGRESS_PAGES,
    OCR_RENDER_DPI,
    OCR_THREADS,
    ocr_mode,
)

INSTALL_HINT = "install the OCR extra (pip install 'nianbao[ocr]') to read scans"

# A figure as printed: digits with thousands separators, a decimal part, a percent sign.
_FIGURE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?%?$|^\d+(?:\.\d+)?%?$")
# Characters OCR puts where a digit was printed: a cell made only of these and digits is a
# figure that was not read cleanly.
_LOOKALIKE = set("OoDQUlI|iLjJ!SsZzBbGgq")
_HAS_CJK = re.compile(f"[{CJK}]")
_PAGE_MARK = re.compile(
    r"^[-—–_~·•]+\s*\d{1,4}\s*[-—–_~·•]+$|^第\s*\d{1,4}\s*页(\s*[,/]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$"
)
_NUMBER_RUN = re.compile(r"(?<!\S)\d[\d.,%]*(\s+\d[\d.,%]*){2,}(?!\S)")
_TERMINATORS = ("。", "!", "?", ".", ":")
_MARGIN = 0.1


@dataclass(frozen=True)
class Box:
    """One text box as the recogniser read it, in page points (1/72 inch) from the top left,
    after the page was straightened."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class OcrText:
    """A line of text; the same fields as the PDF reader's text lines."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    raw: str
    text: str
    in_margin: bool


@dataclass
class OcrTable:
    page: int
    top: float
    rows: list[tuple[str, ...]]


@dataclass
class Doubt:
    """A figure cell left empty: the row it is in (as the reader emits it) and what was read."""

    page: int
    row: tuple[str, ...]
    message: str


@dataclass
class OcrPage:
    number: int
    width: float  # points
    height: float
    dpi: float
    seconds: float
    skew: float  # degrees the page was turned back by
    boxes: list[Box] = field(default_factory=list)
    items: list[OcrText | OcrTable] = field(default_factory=list)
    doubts: list[Doubt] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def record(self) -> dict:
        """The page as a `raw.ocr_pages` row (without the document id)."""
        lines = _box_rows(self.boxes)
        return {
            "page_number": self.number,
            "dpi": self.dpi,
            "skew_degrees": round(self.skew, 3),
            "seconds": round(self.seconds, 3),
            "box_count": len(self.boxes),
            "min_score": round(min((b.score for b in self.boxes), default=1.0), 4),
            "text": "\n".join(" ".join(b.text for b in row) for row in lines),
            "boxes": [
                {
                    "x0": round(b.x0, 1),
                    "top": round(b.top, 1),
                    "x1": round(b.x1, 1),
                    "bottom": round(b.bottom, 1),
                    "text": b.text,
                    "score": round(b.score, 4),
                }
                for b in self.boxes
            ],
        }


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise ReadError(
            "ocr_unavailable", f"the file needs OCR, which is not installed: {INSTALL_HINT}"
        )


@cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    _allow_models_memory()
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,  # pages are upright; the slant is measured, not classified
            "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def _allow_models_memory() -> None:
    """A parse process is capped in address space so a runaway file fails alone; the
    recogniser's models and onnxruntime's arenas map more than that cap allows for a text
    report, so a process that loads them gets OCR_MEMORY_BYTES more (the soft limit only)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return
    raised = soft + OCR_MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        raised = min(raised, hard)
    resource.setrlimit(resource.RLIMIT_AS, (raised, hard))


class PageTimeout(BaseException):
    """Not an Exception: the recogniser's own error handling must not swallow it."""


def _expire(signum, frame):
    raise PageTimeout


@contextmanager
def _page_limit(seconds: float) -> Iterator[None]:
    """Bound one page's OCR; the file's own time limit is paused meanwhile and re-armed after,
    so a long scan is bounded page by page rather than cut off as a whole."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left > 0:
            signal.setitimer(signal.ITIMER_REAL, outer_left)


# --- one page -------------------------------------------------------------------------------


def ocr_image(image: Any, number: int, dpi: float) -> OcrPage:
    """OCR one page image (a PIL image) into boxes, lines and tables."""
    import numpy as np

    _require()
    gray = np.asarray(image.convert("L"))
    tilt = _tilt(gray)
    if abs(tilt) >= 0.05:  # narrow crops of single digits read better upright
        gray = _turned(gray, tilt)
    scale = 72.0 / dpi
    started = time.monotonic()
    page = OcrPage(number, gray.shape[1] * scale, gray.shape[0] * scale, dpi, 0.0, 0.0)
    try:
        with _page_limit(OCR_PAGE_SECONDS):
            result = _engine()(np.stack([gray] * 3, axis=-1))
    except PageTimeout:
        page.seconds = time.monotonic() - started
        page.issues.append(
            Issue(
                "ocr_page_timeout",
                "error",
                f"page {number}: OCR took longer than {OCR_PAGE_SECONDS:.0f} s and was stopped; "
                "the page is left out",
                source=f"page {number}",
            )
        )
        return page
    page.seconds = time.monotonic() - started
    quads = [] if result.boxes is None else list(result.boxes)
    texts = [] if result.txts is None else list(result.txts)
    scores = [] if result.scores is None else list(result.scores)
    residual = _skew(quads)  # what straightening left, measured on the text lines read
    page.skew = tilt + residual
    centre = (gray.shape[1] / 2, gray.shape[0] / 2)
    boxes = []
    for quad, text, score in zip(quads, texts, scores, strict=True):
        points = [_turn(float(x), float(y), -residual, centre) for x, y in quad]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        text = text.strip()
        if text:
            boxes.append(
                Box(
                    min(xs) * scale,
                    min(ys) * scale,
                    max(xs) * scale,
                    max(ys) * scale,
                    text,
                    float(score),
                )
            )
    page.boxes = sorted(boxes, key=lambda b: (b.top, b.x0))
    grids = _grids(gray, residual, scale)
    page.items, page.doubts = _layout(page, grids)
    return page


def _tilt(gray: Any) -> float:
    """The page's slant (degrees) before OCR: the median slope of its long horizontal marks
    (table rules, and text lines smeared into bars), weighted by their length."""
    import cv2
    import numpy as np

    h, w = gray.shape
    unit = max(8, round(w / 100))
    _, ink = cv2.threshold(255 - gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bars = cv2.dilate(ink, np.ones((3, 2 * unit), np.uint8))
    bars = cv2.morphologyEx(bars, cv2.MORPH_OPEN, np.ones((1, 4 * unit), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    slopes: list[tuple[float, int]] = []
    for i in range(1, count):
        x, y, bw, bh, _area = stats[i]
        if bw < 0.25 * w or bh > 0.05 * h:
            continue
        ys, xs = np.nonzero(labels[y : y + bh, x : x + bw] == i)
        slopes.append((float(np.polyfit(xs, ys, 1)[0]), int(bw)))
    if len(slopes) < 2:
        return 0.0
    slopes.sort()
    half, seen = sum(weight for _, weight in slopes) / 2, 0
    for slope, weight in slopes:
        seen += weight
        if seen >= half:
            angle = math.degrees(math.atan(slope))
            return angle if abs(angle) <= 5 else 0.0
    return 0.0


def _turned(gray: Any, degrees: float) -> Any:
    """The image turned by `degrees` (a positive slant is turned back anticlockwise)."""
    import cv2

    h, w = gray.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _skew(quads: list[Any]) -> float:
    """Median slant (degrees) of the top edges of wide text boxes."""
    angles = []
    for quad in quads:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        if x1 - x0 > 4 * abs(quad[3][1] - quad[0][1]) and x1 > x0:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(angles) < 3:
        return 0.0
    angle = median(angles)
    return angle if abs(angle) <= 5 else 0.0


def _turn(x: float, y: float, degrees: float, centre: tuple[float, float]) -> tuple[float, float]:
    rad = math.radians(degrees)
    cx, cy = centre
    dx, dy = x - cx, y - cy
    return (
        cx + dx * math.cos(rad) - dy * math.sin(rad),
        cy + dx * math.sin(rad) + dy * math.cos(rad),
    )


# --- ruled grids ------------------------------------------------------------------------------


@dataclass
class _Grid:
    """A ruled table: row and column rules (points), and which cells are merged."""

    xs: list[float]
    ys: list[float]
    owner: dict[tuple[int, int], tuple[int, int]]  # elementary cell -> top-left of its span

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def holds(self, box: Box) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= box.cx <= x1 and top <= box.cy <= bottom

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        col = max(0, min(len(self.xs) - 2, _index(self.xs, x)))
        row = max(0, min(len(self.ys) - 2, _index(self.ys, y)))
        return self.owner[(row, col)]


def _index(edges: list[float], value: float) -> int:
    for i in range(len(edges) - 1):
        if value < edges[i + 1]:
            return i
    return len(edges) - 2


def _grids(gray: Any, skew: float, scale: float) -> list[_Grid]:
    """Ruled tables of a page image: rules found by opening the inked pixels with long thin
    kernels, then grouped into tables by the regions they enclose."""
    import cv2
    import numpy as np

    if abs(skew) > 0.02:
        gray = _turned(gray, skew)
    w = gray.shape[1]
    ink = cv2.adaptiveThreshold(
        255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -10
    )
    unit = max(8, round(w / 100))  # about 2 mm: longer than any glyph stroke
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, 3 * unit), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2 * unit, 1), np.uint8))
    # bridge the gaps a faint scan leaves in a rule
    horizontal = cv2.dilate(horizontal, np.ones((3, unit), np.uint8))
    vertical = cv2.dilate(vertical, np.ones((unit, 3), np.uint8))
    # a rule meets rules across it; a glyph's stroke does not
    horizontal, vertical = _joined(horizontal, vertical), _joined(vertical, horizontal)
    rules = cv2.bitwise_or(horizontal, vertical)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    grids = []
    for i in range(1, count):
        x, y, bw, bh, _area = stats[i]
        if bw < 0.2 * w or bh < 2 * unit:
            continue
        grid = _grid_in(horizontal, vertical, x, y, bw, bh, unit)
        if grid is not None:
            xs, ys, owner = grid
            grids.append(_Grid([v * scale for v in xs], [v * scale for v in ys], owner))
    return grids


def _joined(mask: Any, other: Any) -> Any:
    """The components of `mask` that meet rules of `other` at two places or more: a table rule
    meets the rules across it at its ends at least; a glyph's stroke meets none."""
    import cv2
    import numpy as np

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        touch = (labels[y : y + h, x : x + w] == i) & (other[y : y + h, x : x + w] > 0)
        along = touch.any(axis=0 if w >= h else 1).astype(np.int8)
        keep[i] = int((np.diff(along, prepend=0) == 1).sum()) >= 2
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _rule_positions(profile: Any, threshold: float) -> list[float]:
    """Centres of the runs where a projection profile reaches `threshold`."""
    found, start = [], None
    for i, v in enumerate(list(profile) + [0]):
        if v >= threshold and start is None:
            start = i
        elif v < threshold and start is not None:
            found.append((start + i - 1) / 2)
            start = None
    return found


def _grid_in(horizontal, vertical, x, y, bw, bh, unit):
    """Rules within one table region and the merged cells between them."""
    hz = horizontal[y : y + bh, x : x + bw] > 0
    vt = vertical[y : y + bh, x : x + bw] > 0
    ys = _rule_positions(hz.sum(axis=1), 2 * unit)
    xs = _rule_positions(vt.sum(axis=0), 2 * unit)
    if len(ys) < 2 or len(xs) < 2:
        return None
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            top, bottom = int(ys[r]), int(ys[r + 1])
            left, right = int(xs[c]), int(xs[c + 1])
            mid_y = slice(top + (bottom - top) // 4, bottom - (bottom - top) // 4 + 1)
            mid_x = slice(left + (right - left) // 4, right - (right - left) // 4 + 1)
            # a rule on the left (top) edge of this cell: present over its middle half
            ruled_left = c == 0 or vt[mid_y, max(0, left - 2) : left + 3].any(axis=1).mean() > 0.6
            ruled_top = r == 0 or hz[max(0, top - 2) : top + 3, mid_x].any(axis=0).mean() > 0.6
            if not ruled_left:
                owner[(r, c)] = owner[(r, c - 1)]
            elif not ruled_top:
                owner[(r, c)] = owner[(r - 1, c)]
            else:
                owner[(r, c)] = (r, c)
    return [x + v for v in xs], [y + v for v in ys], owner


# --- layout -------------------------------------------------------------------------------------


def _box_rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into text lines: a box joins a line whose middle it overlaps."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for row in rows:
            ref = row[-1]
            if abs(box.cy - median(b.cy for b in row)) <= 0.5 * min(box.height, ref.height):
                row.append(box)
                break
        else:
            rows.append([box])
    for row in rows:
        row.sort(key=lambda b: b.x0)
    rows.sort(key=lambda row: min(b.top for b in row))
    return rows


def _join_boxes(row: list[Box]) -> str:
    """One line's text: boxes far apart keep a space between them, CJK neighbours join."""
    out = ""
    for prev, box in zip([None, *row], row, strict=False):
        if prev is not None and box.x0 - prev.x1 > 0.3 * box.height:
            out += " "
        out += box.text
    return out


def _layout(page: OcrPage, grids: list[_Grid]) -> tuple[list[OcrText | OcrTable], list[Doubt]]:
    in_grid: list[list[Box]] = [[] for _ in grids]
    loose: list[Box] = []
    for box in page.boxes:
        for i, grid in enumerate(grids):
            if grid.holds(box):
                in_grid[i].append(box)
                break
        else:
            loose.append(box)
    items: list[OcrText | OcrTable] = []
    doubts: list[Doubt] = []
    for grid, boxes in zip(grids, in_grid, strict=True):
        rows, found = _ruled_rows(page.number, grid, boxes)
        if rows:
            items.append(OcrTable(page.number, grid.ys[0], rows))
            doubts.extend(found)
    lines = [
        row for row in _box_rows(loose) if not _PAGE_MARK.match(normalise_cell(_join_boxes(row)))
    ]
    tables, rest, loose_doubts = _unruled_tables(page.number, lines)
    for table, found in tables:
        items.append(table)
        doubts.extend(found)
    doubts.extend(loose_doubts)
    for row in rest:
        raw = _join_boxes(row)
        text = normalise_cell(raw)
        if not text:
            continue
        top, bottom = min(b.top for b in row), max(b.bottom for b in row)
        margin = top < page.height * _MARGIN or bottom > page.height * (1 - _MARGIN)
        low = [b for b in row if b.score < OCR_MIN_FIGURE_SCORE and re.search(r"\d", b.text)]
        if low:
            raw, text = _mask_prose(row, low)
            shown = "; ".join(f"'{b.text}' ({b.score:.3f})" for b in low)
            page.issues.append(
                Issue(
                    "ocr_uncertain_text",
                    "warning",
                    f"page {page.number}: OCR is unsure of figures in {shown}; they are masked",
                    source=f"page {page.number}",
                )
            )
        items.append(OcrText(page.number, top, bottom, row[0].x0, row[-1].x1, raw, text, margin))
    items.sort(key=lambda item: item.top)
    return items, doubts


def _mask_prose(row: list[Box], low: list[Box]) -> tuple[str, str]:
    """The line with each digit of an unsure box replaced by □: the sentence keeps its shape,
    the figure reads as missing."""
    masked = [
        Box(b.x0, b.top, b.x1, b.bottom, re.sub(r"\d", "□", b.text), b.score) if b in low else b
        for b in row
    ]
    raw = _join_boxes(masked)
    return raw, normalise_cell(raw)


def _cell_text(boxes: list[Box]) -> str:
    return join_breaks("\n".join(_join_boxes(row) for row in _box_rows(boxes)))


def _checked(page: int, cells: list[list[Box]]) -> tuple[tuple[str, ...], list[str]]:
    """The row's cell texts, with figure cells read uncertainly emptied, and why."""
    texts, why = [], []
    for col, boxes in enumerate(cells):
        text = _cell_text(boxes) if boxes else ""
        problem = _figure_problem(text, boxes)
        if problem:
            why.append(f"column {col + 1}: OCR read '{text}' ({problem}); the cell is left empty")
            text = ""
        texts.append(text)
    return tuple(texts), why


def _figure_problem(text: str, boxes: list[Box]) -> str | None:
    """Why a cell that stands where a figure would cannot be trusted, or None."""
    compact = text.replace(" ", "")
    if not compact or _HAS_CJK.search(compact):
        return None  # a label, or a figure with its unit (件): the parser reads those
    figure_like = all(ch.isdigit() or ch in _LOOKALIKE or ch in ",.%" for ch in compact)
    if not figure_like or not any(ch.isdigit() or ch in _LOOKALIKE for ch in compact):
        return None
    score = min(b.score for b in boxes)
    if not _FIGURE.match(compact):
        return f"not a figure, confidence {score:.3f}"
    if score < OCR_MIN_FIGURE_SCORE:
        return f"confidence {score:.3f} below {OCR_MIN_FIGURE_SCORE}"
    return None


def _ruled_rows(
    page: int, grid: _Grid, boxes: list[Box]
) -> tuple[list[tuple[str, ...]], list[Doubt]]:
    nrows, ncols = len(grid.ys) - 1, len(grid.xs) - 1
    cells: dict[tuple[int, int], list[Box]] = {}
    for box in boxes:
        cells.setdefault(grid.cell_of(box.cx, box.cy), []).append(box)
    rows, doubts = [], []
    for r in range(nrows):
        row_boxes = [
            cells.get((r, c), []) if grid.owner[(r, c)] == (r, c) else [] for c in range(ncols)
        ]
        texts, why = _checked(page, row_boxes)
        if not any(texts) and not why:
            continue
        rows.append(texts)
        doubts.extend(Doubt(page, texts, m) for m in why)
    filled = sum(1 for col in zip(*rows, strict=True) if any(col)) if rows else 0
    return (rows, doubts) if filled >= 2 else ([], [])


def _unruled_tables(
    page: int, lines: list[list[Box]]
) -> tuple[list[tuple[OcrTable, list[Doubt]]], list[list[Box]], list[Doubt]]:
    """Runs of lines that hold several separate figure boxes: rows of a table drawn without
    rules. Columns are anchored on the widest line of the run (with the header line above it);
    each box goes to the nearest column. A figure row whose label runs over the lines around it
    cannot be tied to one label by geometry alone: its figures, and those of the rows after it on
    the page, are left empty."""
    split = {k for k in range(len(lines)) if _figure_row(lines[k]) and _label_split(lines, k)}
    if split:  # the rows after one lose the labels around them: none is tied with confidence
        split |= {k for k in range(min(split), len(lines)) if _figure_row(lines[k])}
    tables: list[tuple[OcrTable, list[Doubt]]] = []
    rest: list[list[Box]] = []
    loose: list[Doubt] = []
    i = 0
    while i < len(lines):
        if not _figure_row(lines[i]):
            rest.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _figure_row(lines[j]):
            j += 1
        if j - i < 2:
            line = lines[i]
            if i in split:
                line = [_blanked(b) if _is_figure(b) else b for b in line]
                loose.append(Doubt(page, (), _split_message(lines[i])))
            rest.append(line)
            i += 1
            continue
        start = i
        header = lines[i - 1] if i > 0 and len(lines[i - 1]) >= 2 else None
        if header is not None and rest and rest[-1] is header:
            rest.pop()
            start = i - 1
        anchors = _anchors(lines[start:j])
        rows, doubts = [], []
        for k in range(start, j):
            cells: list[list[Box]] = [[] for _ in anchors]
            for box in lines[k]:
                if k in split and _is_figure(box):
                    continue
                nearest = min(range(len(anchors)), key=lambda n: abs(anchors[n] - box.cx))
                cells[nearest].append(box)
            texts, why = _checked(page, cells)
            if k in split:
                why.append(_split_message(lines[k]))
            rows.append(texts)
            doubts.extend(Doubt(page, texts, m) for m in why)
        top = min(b.top for b in lines[start])
        tables.append((OcrTable(page, top, rows), doubts))
        i = j
    return tables, rest, loose


def _is_figure(box: Box) -> bool:
    return _FIGURE.match(box.text.replace(" ", "")) is not None


def _blanked(box: Box) -> Box:
    return Box(box.x0, box.top, box.x1, box.bottom, "□", box.score)


def _split_message(line: list[Box]) -> str:
    shown = " ".join(b.text for b in line)
    return (
        f"row '{shown}': a label above it runs over several lines (a table without rules), so "
        "its figures cannot be tied to one row by position; they are left empty"
    )


def _label_split(lines: list[list[Box]], k: int) -> bool:
    """Whether a label-only line sits right above or below figure row `k`, left of its figures."""
    row = lines[k]
    first = min(b.x0 for b in row if _is_figure(b))
    size = median(b.height for b in row)
    top, bottom = min(b.top for b in row), max(b.bottom for b in row)
    for n in (k - 1, k + 1):
        if not 0 <= n < len(lines) or _figure_row(lines[n]):
            continue
        other = lines[n]
        gap = min(b.top for b in other) - bottom if n > k else top - max(b.bottom for b in other)
        if gap < 0.8 * size and max(b.x1 for b in other) < first:
            return True
    return False


def _figure_row(line: list[Box]) -> bool:
    return len(line) >= 3 and sum(1 for b in line if _is_figure(b)) >= 2


def _anchors(lines: list[list[Box]]) -> list[float]:
    """Column centres: the x centres of the widest line, the header when it is that wide."""
    widest = max(lines, key=len)
    return [b.cx for b in widest]


# --- whole documents ----------------------------------------------------------------------------


# the file being read, for the progress lines (set by `loaders.readers.read_file`)
progress_name = ""


def _progress(page: OcrPage, total: int) -> None:
    if total >= OCR_PROGRESS_PAGES:
        print(
            f"ocr {progress_name}: page {page.number}/{total} ({page.seconds:.1f} s, {len(page.boxes)} boxes)",
            file=sys.stderr,
            flush=True,
        )


def ocr_pdf_page(pdf: Any, index: int, total: int = 0) -> OcrPage:
    """Render page `index` (0-based) of an open pypdfium2 document and OCR it."""
    page = pdf[index]
    try:
        image = page.render(scale=OCR_RENDER_DPI / 72, grayscale=True).to_pil()
    finally:
        page.close()
    result = ocr_image(image, index + 1, OCR_RENDER_DPI)
    _progress(result, total)
    return result


class PdfPages:
    """The pages without a text layer of a PDF that has text on others, OCR'd one by one."""

    def __init__(self, data: bytes, numbers: list[int]) -> None:
        import pypdfium2 as pdfium

        self.pages: list[OcrPage] = []
        if not available():
            self.issues = [Issue("ocr_unavailable", "warning", f"pages {numbers}: {INSTALL_HINT}")]
            self.records: list[dict] = []
            return
        pdf = pdfium.PdfDocument(data)
        try:
            self.pages = [ocr_pdf_page(pdf, n - 1, len(numbers)) for n in numbers]
        finally:
            pdf.close()
        self.issues = [i for p in self.pages for i in p.issues]
        self.records = [p.record() for p in self.pages]

    def items(self) -> list[tuple[int, list[OcrText | OcrTable]]]:
        return [(p.number, p.items) for p in self.pages]

    def finish(self, lines: list[Line]) -> list[Issue]:
        """The issues of emptied figure cells, once the PDF's lines are numbered."""
        return doubt_issues([d for p in self.pages for d in p.doubts], lines)


def read_scanned_pdf(data: bytes) -> Document:
    """A PDF read page by page through OCR (every page an image, or a garbage text layer)."""
    import pypdfium2 as pdfium

    _require()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("corrupt_pdf", f"the PDF cannot be opened for OCR ({exc})") from exc
    try:
        total = len(pdf)
        pages = [ocr_pdf_page(pdf, i, total) for i in range(total)]
    finally:
        pdf.close()
    return document_of(pages, "pdf")


def read_image(data: bytes) -> Document:
    """A PNG, JPEG or TIFF file: every frame is one page."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    _require()
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ReadError(
            "corrupt_image", f"the image cannot be decoded ({exc}); fetch it again"
        ) from exc
    pages = []
    for number, frame in enumerate(frames, start=1):
        frame, dpi = _fit(frame)
        page = ocr_image(frame, number, dpi)
        _progress(page, len(frames))
        pages.append(page)
    return document_of(pages, "image")


def _fit(frame: Any) -> tuple[Any, float]:
    """The frame scaled down to at most OCR_MAX_PIXELS, and its resolution (dpi)."""
    info = frame.info.get("dpi") or (0, 0)
    dpi = float(info[0]) if info and info[0] and float(info[0]) >= 50 else 0.0
    if not dpi:  # no resolution recorded: assume an A4 page across the image's width
        dpi = frame.width / 8.27
    pixels = frame.width * frame.height
    if pixels > OCR_MAX_PIXELS:
        factor = math.sqrt(OCR_MAX_PIXELS / pixels)
        frame = frame.resize((int(frame.width * factor), int(frame.height * factor)))
        dpi *= factor
    return frame, dpi


Segment = tuple[float, float, float, float]  # a drawn line, x0 y0 x1 y1 in points


def layout_pages(
    pages: list[tuple[list[Box], list[Segment], tuple[float, float]]], fmt: str
) -> Document:
    """Pages of placed text that no recogniser read (OFD text objects), with the lines drawn on
    them, as a Document: the lines are drawn into an image to find the ruled grids."""
    out = []
    for number, (boxes, segments, (width, height)) in enumerate(pages, start=1):
        page = OcrPage(number, width, height, 72.0, 0.0, 0.0, sorted(boxes, key=_reading))
        page.items, page.doubts = _layout(page, _drawn_grids(segments, width, height))
        out.append(page)
    return document_of(out, fmt, record=False)


def _reading(box: Box) -> tuple[float, float]:
    return box.top, box.x0


def _drawn_grids(segments: list[Segment], width: float, height: float) -> list[_Grid]:
    if not segments:
        return []
    import cv2
    import numpy as np

    zoom = OCR_RENDER_DPI / 72
    image = np.full((int(height * zoom) + 1, int(width * zoom) + 1), 255, np.uint8)
    for x0, y0, x1, y1 in segments:
        start = (round(x0 * zoom), round(y0 * zoom))
        cv2.line(image, start, (round(x1 * zoom), round(y1 * zoom)), 0, 2)
    return _grids(image, 0.0, 1 / zoom)


def document_of(pages: list[OcrPage], fmt: str, record: bool = True) -> Document:
    """OCR'd pages as one Document: furniture dropped, wrapped prose joined, tables as rows."""
    from loaders.readers.pdf import page_lines  # which imports this module when it needs OCR

    issues: list[Issue] = [i for p in pages for i in p.issues]
    kept = [[i for i in p.items if not (isinstance(i, OcrText) and _furniture(i))] for p in pages]
    texts = [i for items in kept for i in items if isinstance(i, OcrText)]
    left = min((t.x0 for t in texts), default=0.0)
    right = max((t.x1 for t in texts), default=0.0)
    lines = page_lines(kept, lambda prev, cur, _: _continues(prev, cur, left, right))
    issues.extend(doubt_issues([d for p in pages for d in p.doubts], lines))
    if not lines:
        raise ReadError(
            "ocr_no_text",
            "OCR found no text on any page: the scan is blank or unreadable; find a better copy",
        )
    return Document(fmt, lines, None, issues, [p.record() for p in pages] if record else [])


def _furniture(item: OcrText) -> bool:
    return bool(_PAGE_MARK.match(item.text)) or (
        item.in_margin and re.fullmatch(r"\d{1,4}", item.text) is not None
    )


def _continues(prev: OcrText, cur: OcrText, left: float, right: float) -> bool:
    if _NUMBER_RUN.search(prev.text) or _NUMBER_RUN.search(cur.text):
        return False
    if prev.text.rstrip("”’」』)]】").endswith(_TERMINATORS):
        return False
    size = prev.bottom - prev.top
    if abs(size - (cur.bottom - cur.top)) > 0.25 * min(size, cur.bottom - cur.top):
        return False  # a title or heading set larger than the text after it
    wrapped = prev.x1 >= right - 2.5 * size and prev.x0 <= left + 4 * size
    unindented = cur.x0 <= left + 1.5 * size
    if cur.page == prev.page:
        return wrapped and unindented and cur.top - prev.bottom <= 1.5 * size
    return cur.page == prev.page + 1 and wrapped and unindented


def doubt_issues(doubts: list[Doubt], lines: list[Line]) -> list[Issue]:
    """One issue per emptied figure cell, naming the line that holds its row."""
    out = []
    for doubt in doubts:
        found = next(
            (
                line
                for line in lines
                if line.cells == doubt.row and line.source.startswith(f"page {doubt.page} ")
            ),
            None,
        )
        out.append(
            Issue(
                "ocr_uncertain_figure",
                "warning",
                f"page {doubt.page}: {doubt.message}",
                line=found.number if found else None,
                source=found.source if found else f"page {doubt.page}",
            )
        )
    return out


def text_layer_usable(good: int, unmapped: int) -> bool:
    """Whether a PDF's text layer can be read as it is: under `--ocr force` a layer whose
    glyphs mostly lack a Unicode map is treated as garbage and the pages are OCR'd."""
    if good == 0:
        return False
    return not (ocr_mode() == "force" and unmapped > good)
