"""One PDF page's geometry, from PDFium: its characters, its ruling edges, its ruled tables.

Coordinates are points from the top-left of the page as displayed (after /Rotate), `top` growing
downwards. The grouping rules and their tolerances (3 pt to snap and join ruling edges, 3 pt
between characters of one word or one line) are pdfplumber's, whose readings the parser was tuned
on, so a page reads into the same lines and grids.
"""

from __future__ import annotations

import ctypes
import itertools
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2.raw as pdfium_c

SNAP = 3.0  # ruling edges this close on their cross axis are one line
JOIN = 3.0  # collinear edges with gaps this small are one edge
MIN_EDGE = 3.0  # shorter edges are glyph strokes or dots, not rules
MEET = 3.0  # a horizontal and a vertical edge this close meet at a corner
X_GAP = 3.0  # a wider gap between two characters starts a new word
Y_GAP = 3.0  # characters whose tops differ by more are on different lines
_FORM_DEPTH = 8  # form XObjects nest; real pages go two or three deep


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class Edge:
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class TextLine:
    text: str  # words joined by one space
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class PageLayer:
    """What one page holds before any reading: its characters, ruling edges and size."""

    number: int
    width: float
    height: float
    chars: list[Char]
    horizontal: list[Edge] = field(default_factory=list)
    vertical: list[Edge] = field(default_factory=list)
    unmapped: int = 0  # glyphs whose font maps them to no Unicode character
    # text objects in a font the PDF does not embed that PDFium's text page left out: with no
    # font to stand in for it (see `start_pdfium`) it sizes them as empty and drops them
    lost: int = 0

    @property
    def good_chars(self) -> int:
        """Characters that carry text: not blanks, not glyphs without a Unicode map."""
        return sum(1 for c in self.chars if not c.text.isspace())


# ---------------------------------------------------------------- starting PDFium


def bundled_font_folders() -> tuple[str, ...]:
    """The folder of the Noto Sans CJK font the project installs (also the charts' font)."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return ()
    return (str(Path(str(FONT_PATH)).parent),)


_started_with: tuple[str, ...] | None = None  # the font folders PDFium runs with in this process
_config: list[Any] = []  # the C strings handed to PDFium, kept alive while it runs


def start_pdfium(folders: Sequence[str] | None = None) -> bool:
    """Restart PDFium with `folders` (by default the bundled Noto CJK folder) as its only font
    folders, once per process; False (PDFium left as it is) while a pypdfium2 object is open.

    PDFium places the glyphs of a font a PDF does not embed (the STSong-Light of reports made
    with reportlab, the SimSun of many office suites) only with a font of that script to stand
    in for it; pypdfium2 starts it with the system's folders, which hold no CJK font on most
    servers. Only the bundled folder is given, not the system's, so a PDF reads the same on
    every machine. Module import calls it, so a worker process (forked, spawned or Ray's) has
    done it before it opens a PDF."""
    global _started_with
    wanted = tuple(bundled_font_folders() if folders is None else folders)
    if _started_with == wanted:
        return True
    if folders is None and not wanted:
        return False  # no bundled font: the system's folders are better than none
    from pypdfium2 import _library_scope
    from pypdfium2.internal import bases

    if any(bases.ObjectTracker.values()):
        return False  # restarting would close them under their owner
    if bases.LIBRARY_AVAILABLE:
        _library_scope.destroy_lib()
    encoded = [ctypes.c_char_p(folder.encode()) for folder in wanted]
    paths = (ctypes.POINTER(ctypes.c_char) * (len(wanted) + 1))(
        *[ctypes.cast(p, ctypes.POINTER(ctypes.c_char)) for p in encoded], None
    )
    config = pdfium_c.FPDF_LIBRARY_CONFIG(
        version=2, m_pUserFontPaths=paths, m_pIsolate=None, m_v8EmbedderSlot=0
    )
    pdfium_c.FPDF_InitLibraryWithConfig(config)
    bases.LIBRARY_AVAILABLE = True
    _config[:] = [encoded, paths, config]
    _started_with = wanted
    return True


def font_folders() -> tuple[str, ...] | None:
    """The font folders PDFium runs with in this process (None: pypdfium2's start, the system's)."""
    return _started_with


start_pdfium()


# ---------------------------------------------------------------- reading a page from PDFium


class _Display:
    """User space to the displayed page: the translation and turn pdfminer applies for /Rotate."""

    def __init__(self, mediabox: Sequence[float], rotation: int) -> None:
        x0, y0, x1, y1 = mediabox
        self.rotation = rotation % 360
        turned = self.rotation in (90, 270)
        self.width = (y1 - y0) if turned else (x1 - x0)
        self.height = (x1 - x0) if turned else (y1 - y0)
        self.box = (x0, y0, x1, y1)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """(x, top) on the displayed page of a user-space point."""
        x0, y0, x1, y1 = self.box
        if self.rotation == 90:
            dx, dy = y - y0, x1 - x
        elif self.rotation == 180:
            dx, dy = x1 - x, y1 - y
        elif self.rotation == 270:
            dx, dy = y1 - y, x - x0
        else:
            dx, dy = x - x0, y - y0
        return dx, self.height - dy

    def box_of(self, left: float, bottom: float, right: float, top: float) -> tuple[float, ...]:
        ax, at = self.point(left, bottom)
        bx, bt = self.point(right, top)
        return min(ax, bx), min(at, bt), max(ax, bx), max(at, bt)


def read_layer(page: Any, number: int) -> PageLayer:
    """The characters and ruling edges of one `pypdfium2.PdfPage`."""
    display = _Display(page.get_mediabox(), page.get_rotation())
    textpage = page.get_textpage()
    try:
        chars, unmapped, unembedded, placed = _chars(textpage.raw, display)
        layer = PageLayer(number, display.width, display.height, chars, unmapped=unmapped)
        # a lost object's font may be on no other character: an empty page is checked too
        _objects(page.raw, textpage.raw, display, layer, placed, unembedded or not chars)
    finally:
        textpage.close()
    return layer


def _address(pointer: Any) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _int_function(name: str) -> Any:
    """A PDFium function taking and returning handles and out-parameters as ints (addresses):
    cheap dict keys, no pointer objects made or checked per call. It keeps the GIL: every one
    used returns at once, and a release and re-take would cost more than the call."""
    bound = getattr(pdfium_c, name)

    def plain(kind: Any) -> Any:
        return ctypes.c_void_p if kind is not None and hasattr(kind, "contents") else kind

    prototype = ctypes.PYFUNCTYPE(plain(bound.restype), *[plain(a) for a in bound.argtypes])
    return prototype(_address(bound))


_TEXT_OBJECT = _int_function("FPDFText_GetTextObject")
_FONT = _int_function("FPDFTextObj_GetFont")
_PAGE_OBJECT = _int_function("FPDFPage_GetObject")
_FORM_OBJECT = _int_function("FPDFFormObj_GetObject")
_OBJECT_TYPE = _int_function("FPDFPageObj_GetType")
_LOOSE_BOX = _int_function("FPDFText_GetLooseCharBox")
_MAP_ERROR = _int_function("FPDFText_HasUnicodeMapError")
_GENERATED = _int_function("FPDFText_IsGenerated")
_ORIGIN = _int_function("FPDFText_GetCharOrigin")
_FONT_SIZE = _int_function("FPDFText_GetFontSize")
_CHAR_MATRIX = _int_function("FPDFText_GetMatrix")
_SEGMENTS = _int_function("FPDFPath_CountSegments")
_SEGMENT = _int_function("FPDFPath_GetPathSegment")
_OBJECT_MATRIX = _int_function("FPDFPageObj_GetMatrix")
_SEGMENT_POINT = _int_function("FPDFPathSegment_GetPoint")
_SEGMENT_TYPE = _int_function("FPDFPathSegment_GetType")
_SEGMENT_CLOSE = _int_function("FPDFPathSegment_GetClose")


@dataclass(slots=True)
class _Font:
    """What the characters of one font need: its descent below the baseline in ems; where the
    em stands within PDFium's loose box once two different characters agree, as (bottom offset,
    em height) in loose-box heights (None while unsettled, or never for a stand-in); for a font
    the PDF does not embed, each character's advance in ems."""

    descent: float
    advances: dict[str, float] | None
    fit: tuple[float, float] | None = None
    sample: tuple[str, tuple[float, float]] | None = None
    settled: bool = False


def _font(font: int) -> _Font:
    value = ctypes.c_float()
    handle = ctypes.cast(font, pdfium_c.FPDF_FONT)
    found = font and pdfium_c.FPDFFont_GetDescent(handle, 1000.0, value)
    descent = value.value / 1000 if found else 0.0
    if font and not pdfium_c.FPDFFont_GetIsEmbedded(handle):
        # drawn with a stand-in font: its loose boxes follow each glyph's ink, never settle
        return _Font(descent, {}, settled=True)
    return _Font(descent, None, settled=not font)


def _chars(textpage: Any, display: _Display) -> tuple[list[Char], int, bool, set[int]]:
    """Each glyph's box as pdfminer draws it: the advance across, and from the font's descent
    below the baseline to one em above that (PDFium's loose box stands on the font program's
    own descent, which differs from the descriptor's). Also how many glyphs have no Unicode
    map, whether some font is not embedded, and the text objects the characters came from."""
    raw = pdfium_c
    count = raw.FPDFText_CountChars(textpage)
    buffer = (ctypes.c_ushort * (count + 1))()
    got = raw.FPDFText_GetText(textpage, 0, count, buffer)
    texts = bytes(buffer)[: max(got - 1, 0) * 2].decode("utf-16-le", errors="surrogatepass")
    if len(texts) != count:  # characters beyond the BMP take two units: go one by one
        texts = "".join(chr(raw.FPDFText_GetUnicode(textpage, i)) for i in range(count))
    handle = _address(textpage)
    box = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box_at, matrix_at = ctypes.addressof(box), ctypes.addressof(matrix)
    ox_at, oy_at = ctypes.addressof(ox), ctypes.addressof(oy)
    loose_box, origin, generated, map_error = _LOOSE_BOX, _ORIGIN, _GENERATED, _MAP_ERROR
    font_size, char_matrix, text_object, font_of = _FONT_SIZE, _CHAR_MATRIX, _TEXT_OBJECT, _FONT
    fonts: dict[int, _Font] = {}
    upright_page = display.rotation == 0
    x_origin, y_top = display.box[0], display.box[3]
    chars: list[Char] = []
    append, make = chars.append, Char
    placed: set[int] = set()
    unmapped = 0
    last = -1  # the previous character's text object: its font, size and matrix hold here too
    info = _Font(0.0, None)
    size = 0.0
    a = c = d = 0.0
    transformed = False
    for index, text in enumerate(texts):
        if text in "\r\n" or (text.isspace() and generated(handle, index)):
            continue  # PDFium's own line breaks and word gaps: the geometry decides those
        if text == "\0" or map_error(handle, index):
            unmapped += 1
            continue
        obj = text_object(handle, index) or 0
        if obj != last or not obj:
            last = obj
            placed.add(obj)
            font = font_of(obj) or 0 if obj else 0
            info = fonts.get(font) or fonts.setdefault(font, _font(font))
            size = -1.0  # fetched when needed: not once the font's fit is settled
        fit = info.fit
        if fit is not None:
            loose_box(handle, index, box_at)
            low = box.bottom
            loose = box.top - low
            low += fit[0] * loose
            high = low + fit[1] * loose
            left, right = box.left, box.right
        else:
            if size < 0:
                size = font_size(handle, index)
                transformed = size > 0 and bool(char_matrix(handle, index, matrix_at))
                a, c, d = matrix.a, matrix.c, matrix.d
            advances = info.advances
            if advances is None or not transformed or abs(d) < abs(c):
                loose_box(handle, index, box_at)
                left, right, low, high = box.left, box.right, box.bottom, box.top
            if transformed:
                origin(handle, index, ox_at, oy_at)
                if abs(d) >= abs(c):  # upright (or upside down): the em runs along y
                    base, em = oy.value + d * size * info.descent, d * size
                    if advances is not None:  # the advance from the PDF's own widths
                        width = advances.get(text)
                        if width is None:
                            width = advances[text] = _advance(font, text)
                        if width:
                            left, right = ox.value, ox.value + a * size * width
                            if right < left:
                                left, right = right, left
                        else:
                            loose_box(handle, index, box_at)
                            left, right = box.left, box.right
                    elif not info.settled and em > 0 and high > low:
                        loose = high - low
                        _settle(info, text, ((base - low) / loose, em / loose))
                    low, high = (base, base + em) if em > 0 else (base + em, base)
                else:  # set sideways: the em runs along x
                    base, em = ox.value + c * size * info.descent, c * size
                    left, right = (base, base + em) if em > 0 else (base + em, base)
        if upright_page:
            append(make(text, left - x_origin, y_top - high, right - x_origin, y_top - low))
        else:
            append(make(text, *display.box_of(left, low, right, high)))
    unembedded = any(f.advances is not None for f in fonts.values()) or 0 in fonts
    return chars, unmapped, unembedded, placed


def _advance(font: int, text: str) -> float:
    """A character's advance in ems as the PDF's font dictionary gives it (0 when unknown)."""
    width = ctypes.c_float()
    handle = ctypes.cast(font, pdfium_c.FPDF_FONT)
    if len(text) != 1 or not pdfium_c.FPDFFont_GetGlyphWidth(handle, ord(text), 1.0, width):
        return 0.0
    return width.value


def _settle(font: _Font, text: str, fit: tuple[float, float]) -> None:
    """Trust a font's fit once a second, different character gives the same one (a font whose
    loose boxes follow each glyph's outline never does, and is measured in full throughout)."""
    sample = font.sample
    if sample is None:
        font.sample = (text, fit)
    elif sample[0] != text:
        (a, b), (c, d) = sample[1], fit
        font.settled = True
        if abs(a - c) < 1e-6 and abs(b - d) < 1e-6:
            font.fit = fit


def _objects(
    page: Any, textpage: Any, display: _Display, layer: PageLayer, placed: set[int], check: bool
) -> None:
    """Ruling edges from the page's paths; with `check`, a count of the text objects in fonts
    the PDF does not embed that the text page lost (`placed`: those it holds characters of)."""
    raw = pdfium_c
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    fonts: dict[int, bool] = {}
    path, text, form = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_FORM

    def walk(parent: int, count: int, get: Any, outer: tuple[float, ...], depth: int) -> None:
        for index in range(count):
            address = get(parent, index)
            if address in placed:
                continue  # a text object with characters on the text page
            kind = _OBJECT_TYPE(address)
            if kind == path:
                _path_edges(address, _compose(_matrix(address), outer), display, layer)
            elif kind == text and check:
                font = _FONT(address) or 0
                if font not in fonts:
                    handle = ctypes.cast(font, raw.FPDF_FONT)
                    fonts[font] = bool(font and raw.FPDFFont_GetIsEmbedded(handle))
                obj = ctypes.cast(address, raw.FPDF_PAGEOBJECT)
                if not fonts[font] and raw.FPDFTextObj_GetText(obj, textpage, None, 0) <= 2:
                    layer.lost += 1  # the length counts the terminating NUL
            elif kind == form and depth < _FORM_DEPTH:
                obj = ctypes.cast(address, raw.FPDF_PAGEOBJECT)
                inner = _compose(_matrix(address), outer)
                count = raw.FPDFFormObj_CountObjects(obj)
                walk(address, count, _FORM_OBJECT, inner, depth + 1)

    walk(_address(page), raw.FPDFPage_CountObjects(page), _PAGE_OBJECT, identity, 0)


def _matrix(address: int) -> tuple[float, ...]:
    m = pdfium_c.FS_MATRIX()
    if not _OBJECT_MATRIX(address, ctypes.addressof(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """inner then outer, as PDF matrices multiply (row vector times matrix)."""
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        a * oa + b * oc,
        a * ob + b * od,
        c * oa + d * oc,
        c * ob + d * od,
        e * oa + f * oc + oe,
        e * ob + f * od + of,
    )


def _path_edges(address: int, m: tuple[float, ...], display: _Display, layer: PageLayer) -> None:
    """Subpaths as pdfminer sees them: a two-point line, an upright rectangle, or a polyline
    (a polyline's horizontal and vertical pieces are edges too, its closing piece is not)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    x_at, y_at = ctypes.addressof(x), ctypes.addressof(y)
    moveto = pdfium_c.FPDF_SEGMENT_MOVETO
    a, b, c, d, e, f = m
    subpaths: list[list[tuple[float, float]]] = []
    closed: list[bool] = []
    for index in range(_SEGMENTS(address)):
        segment = _SEGMENT(address, index)
        _SEGMENT_POINT(segment, x_at, y_at)
        px, py = x.value, y.value
        point = display.point(a * px + c * py + e, b * px + d * py + f)
        if _SEGMENT_TYPE(segment) == moveto or not subpaths:
            subpaths.append([point])
            closed.append(False)
        else:
            subpaths[-1].append(point)
        if _SEGMENT_CLOSE(segment):
            closed[-1] = True
    for points, shut in zip(subpaths, closed, strict=True):
        _subpath_edges(points, shut, layer)


def _subpath_edges(points: list[tuple[float, float]], shut: bool, layer: PageLayer) -> None:
    if len(points) == 2:
        (ax, at), (bx, bt) = points
        edge = Edge(min(ax, bx), min(at, bt), max(ax, bx), max(at, bt))
        (layer.horizontal if at == bt else layer.vertical).append(edge)
        return
    if _is_rectangle(points, shut):
        xs = [p[0] for p in points]
        ts = [p[1] for p in points]
        x0, x1, top, bottom = min(xs), max(xs), min(ts), max(ts)
        layer.horizontal += [Edge(x0, top, x1, top), Edge(x0, bottom, x1, bottom)]
        layer.vertical += [Edge(x0, top, x0, bottom), Edge(x1, top, x1, bottom)]
        return
    for (ax, at), (bx, bt) in itertools.pairwise(points):
        edge = Edge(min(ax, bx), min(at, bt), max(ax, bx), max(at, bt))
        if at == bt:
            layer.horizontal.append(edge)
        elif ax == bx:
            layer.vertical.append(edge)


def _is_rectangle(points: list[tuple[float, float]], shut: bool) -> bool:
    if shut and len(points) == 4:
        corners = points
    elif len(points) == 5 and points[0] == points[4]:
        corners = points[:4]
    else:
        return False
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners
    return (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
    )


def plumber_layer(page: Any, number: int) -> PageLayer:
    """The same layer read by pdfplumber (pdfminer), for a page whose text PDFium lost: pdfminer
    takes glyph positions from the PDF's own widths, needing no font program at all."""
    chars = [
        Char(c["text"], float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]))
        for c in page.chars
        if not c["text"].startswith("(cid:")
    ]
    unmapped = sum(1 for c in page.chars if c["text"].startswith("(cid:"))
    layer = PageLayer(number, float(page.width), float(page.height), chars, unmapped=unmapped)
    for e in page.edges:
        edge = Edge(float(e["x0"]), float(e["top"]), float(e["x1"]), float(e["bottom"]))
        if e["orientation"] == "h":
            layer.horizontal.append(edge)
        elif e["orientation"] == "v":
            layer.vertical.append(edge)
    return layer


# ---------------------------------------------------------------- words and lines


def _cluster(values: Iterable[float], tolerance: float) -> dict[float, int]:
    """Each value's cluster: sorted values chained while each is within `tolerance` of the last."""
    index: dict[float, int] = {}
    group, last = -1, None
    for value in sorted(set(values)):
        if last is None or value > last + tolerance:
            group += 1
        index[value] = group
        last = value
    return index


def _group(items: list[Any], key: Any, tolerance: float) -> list[list[Any]]:
    """Items grouped by clustered key, groups in key order, items in their given order."""
    keys = [key(i) for i in items]
    clusters = _cluster(keys, tolerance)
    groups: dict[int, list[Any]] = {}
    for item, value in zip(items, keys, strict=True):
        groups.setdefault(clusters[value], []).append(item)
    return [groups[k] for k in sorted(groups)]


def _words(chars: list[Char]) -> list[list[Char]]:
    """Words in reading order: lines by top, characters by x, split at blanks and gaps."""
    words: list[list[Char]] = []
    for line in _group(chars, _top, Y_GAP):
        line.sort(key=_x0)
        words += _line_words(line)
    return words


def _line_words(line: list[Char]) -> list[list[Char]]:
    """One line's characters (in x order) split at blanks and gaps."""
    words: list[list[Char]] = []
    word: list[Char] = []
    gap, rise = X_GAP, Y_GAP
    last_x0 = last_x1 = last_top = 0.0
    for char in line:
        if char.text.isspace():
            if word:
                words.append(word)
                word = []
            continue
        x0, top = char.x0, char.top
        if not word:
            word = [char]
        elif x0 < last_x0 or x0 > last_x1 + gap or top - last_top > rise or last_top - top > rise:
            words.append(word)
            word = [char]
        else:
            word.append(char)
        last_x0, last_x1, last_top = x0, char.x1, top
    if word:
        words.append(word)
    return words


def _top(obj: Char | TextLine | Edge) -> float:
    return obj.top


def _x0(obj: Char | Edge) -> float:
    return obj.x0


def _word_lines(chars: list[Char]) -> list[list[list[Char]]]:
    if not chars:
        return []
    tops = [c.top for c in chars]
    if max(tops) - min(tops) <= Y_GAP:  # one line (a cell's figure, a short label)
        words = _line_words(sorted(chars, key=_x0))
        return [words] if words else []
    words = _words(chars)
    return _group(words, _word_top, Y_GAP)


def _word_top(word: list[Char]) -> float:
    return min([c.top for c in word])


def text_lines(chars: list[Char]) -> list[TextLine]:
    """The page's text lines top to bottom, each with the box of its characters."""
    lines = []
    for words in _word_lines(chars):
        text = " ".join(["".join([c.text for c in w]) for w in words])
        if not text.strip():
            continue
        flat = [c for w in words for c in w]
        lines.append(
            TextLine(
                text,
                min([c.x0 for c in flat]),
                min([c.top for c in flat]),
                max([c.x1 for c in flat]),
                max([c.bottom for c in flat]),
            )
        )
    return lines


def cell_text(chars: list[Char]) -> str:
    """A cell's text: its lines joined by newlines (join_breaks later undoes the wrapping)."""
    return "\n".join(
        [" ".join(["".join([c.text for c in w]) for w in words]) for words in _word_lines(chars)]
    )


# ---------------------------------------------------------------- ruled tables


def _snap(edges: list[Edge], vertical: bool) -> list[Edge]:
    if vertical:
        groups = _group(edges, lambda e: e.x0, SNAP)
        out = []
        for group in groups:
            at = sum(e.x0 for e in group) / len(group)
            out += [Edge(at, e.top, e.x1 + at - e.x0, e.bottom) for e in group]
        return out
    out = []
    for group in _group(edges, _top, SNAP):
        at = sum(e.top for e in group) / len(group)
        out += [Edge(e.x0, at, e.x1, e.bottom + at - e.top) for e in group]
    return out


def _join(edges: list[Edge], vertical: bool) -> list[Edge]:
    """Collinear edges (same snapped position) that touch or nearly touch become one."""
    lines: dict[float, list[Edge]] = {}
    for edge in edges:
        lines.setdefault(edge.x0 if vertical else edge.top, []).append(edge)
    joined: list[Edge] = []
    for at in sorted(lines):
        run = sorted(lines[at], key=_top if vertical else _x0)
        out = [run[0]]
        for e in run[1:]:
            last = out[-1]
            start, end = (e.top, e.bottom) if vertical else (e.x0, e.x1)
            last_end = last.bottom if vertical else last.x1
            if start > last_end + JOIN:
                out.append(e)
            elif end > last_end and vertical:
                out[-1] = Edge(last.x0, last.top, last.x1, end)
            elif end > last_end:
                out[-1] = Edge(last.x0, last.top, end, last.bottom)
        joined += out
    return joined


def _rules(layer: PageLayer) -> tuple[list[Edge], list[Edge]]:
    """Snapped, joined ruling edges at least MIN_EDGE long: (horizontal, vertical)."""
    h = [e for e in layer.horizontal if e.x1 - e.x0 >= 1]
    v = [e for e in layer.vertical if e.bottom - e.top >= 1]
    h = [e for e in _join(_snap(h, False), False) if e.x1 - e.x0 >= MIN_EDGE]
    v = [e for e in _join(_snap(v, True), True) if e.bottom - e.top >= MIN_EDGE]
    return h, v


Point = tuple[float, float]
Box = tuple[float, float, float, float]


def _intersections(h: list[Edge], v: list[Edge]) -> dict[Point, tuple[set[int], set[int]]]:
    """Corners where a vertical and a horizontal edge meet: (vertical ids, horizontal ids)."""
    found: dict[Point, tuple[set[int], set[int]]] = {}
    vs = sorted(range(len(v)), key=lambda i: (v[i].x0, v[i].top))
    hs = sorted(range(len(h)), key=lambda i: (h[i].top, h[i].x0))
    for vi in vs:
        ve = v[vi]
        for hi in hs:
            he = h[hi]
            if (
                ve.top <= he.top + MEET
                and ve.bottom >= he.top - MEET
                and ve.x0 >= he.x0 - MEET
                and ve.x0 <= he.x1 + MEET
            ):
                ids = found.setdefault((ve.x0, he.top), (set(), set()))
                ids[0].add(vi)
                ids[1].add(hi)
    return found


def _cells(corners: dict[Point, tuple[set[int], set[int]]]) -> list[Box]:
    """The smallest rectangles whose four corners are joined by edges."""

    def joined(p: Point, q: Point) -> bool:
        if p[0] == q[0] and not corners[p][0].isdisjoint(corners[q][0]):
            return True
        return p[1] == q[1] and not corners[p][1].isdisjoint(corners[q][1])

    points = sorted(corners)
    columns: dict[float, list[Point]] = {}
    rows: dict[float, list[Point]] = {}
    for pt in points:  # in (x, top) order: each column top-down, each row left to right
        columns.setdefault(pt[0], []).append(pt)
        rows.setdefault(pt[1], []).append(pt)
    after: dict[Point, tuple[list[Point], list[Point]]] = {}  # (below, right) of each point
    for column in columns.values():
        for index, pt in enumerate(column):
            after[pt] = (column[index + 1 :], [])
    for row in rows.values():
        for index, pt in enumerate(row):
            after[pt][1].extend(row[index + 1 :])
    cells = []
    for pt in points[:-1]:
        below, right = after[pt]
        cell = _smallest(pt, below, right, corners, joined)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest(pt: Point, below: list[Point], right: list[Point], corners: Any, joined: Any):
    for below_pt in below:
        if not joined(pt, below_pt):
            continue
        for right_pt in right:
            if not joined(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in corners and joined(corner, right_pt) and joined(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def _tables(cells: list[Box]) -> list[list[Box]]:
    """Cells sharing corners (directly or through other cells), grouped into tables top to
    bottom; lone cells are no table."""
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Point, int] = {}
    for index, (x0, top, x1, bottom) in enumerate(cells):
        for point in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            other = owner.setdefault(point, index)
            if other != index:
                parent[root(index)] = root(other)
    groups: dict[int, list[Box]] = {}
    for index, cell in enumerate(cells):
        groups.setdefault(root(index), []).append(cell)
    tables = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


@dataclass
class Grid:
    bbox: Box
    rows: list[list[str | None]]  # None where no cell starts in that column (a spanned cell)


def _grid(cells: list[Box], centred: list[tuple[float, float, int, Char]], heights: list[float]):
    """Rows of cells by top; a character belongs to a row and a cell when its centre lies in
    the box (left and top edges in, right and bottom out). `centred`: the page's characters as
    (centre x, centre y, index, char) by centre y; `heights`: their centre y."""
    bbox = (
        min(c[0] for c in cells),
        min(c[1] for c in cells),
        max(c[2] for c in cells),
        max(c[3] for c in cells),
    )
    xs = sorted({c[0] for c in cells})
    by_top: dict[float, dict[float, Box]] = {}
    for cell in sorted(cells, key=lambda c: (c[1], c[0])):
        by_top.setdefault(cell[1], {})[cell[0]] = cell
    # a cell lies inside its row's box and the table's, so its own box decides: characters by
    # the height of their centre, each cell taking the band of its top and bottom, and in
    # that band (ordered by centre x) the stretch of its left and right
    bands: dict[tuple[float, float], tuple[list[float], list[tuple[float, int, Char]]]] = {}
    rows = []
    for row_top in sorted(by_top):
        row_cells = by_top[row_top]
        row: list[str | None] = []
        for x in xs:
            cell = row_cells.get(x)
            if cell is None:
                row.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            band = bands.get((ctop, cbottom))
            if band is None:
                found = centred[bisect_left(heights, ctop) : bisect_left(heights, cbottom)]
                across = sorted([(m[0], m[2], m[3]) for m in found])
                band = bands[(ctop, cbottom)] = ([m[0] for m in across], across)
            at, across = band
            mine = sorted(across[bisect_left(at, cx0) : bisect_left(at, cx1)], key=_second)
            row.append(cell_text([m[2] for m in mine]))  # back in page order
        rows.append(row)
    return Grid(bbox, rows)


def grids(layer: PageLayer) -> list[Grid]:
    """The page's ruled tables, top to bottom, each with its cell texts row by row."""
    h, v = _rules(layer)
    if not h or not v:
        return []
    tables = _tables(_cells(_intersections(h, v)))
    if not tables:
        return []
    centred = sorted(
        [((c.x0 + c.x1) / 2, (c.top + c.bottom) / 2, i, c) for i, c in enumerate(layer.chars)],
        key=_second,
    )
    heights = [m[1] for m in centred]
    return [_grid(cells, centred, heights) for cells in tables]


def _second(item: tuple[Any, ...]) -> Any:
    return item[1]
