"""The format-independent shape every reader produces and the parser consumes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True, init=False)
class Line:
    """One line of a report: a paragraph of prose or one row of a table grid.

    `cells` holds the row's cells for table rows (tab- or pipe-separated text, HTML/DOCX/PDF
    table rows with rowspan/colspan already expanded) and a single cell for prose. `number` is
    the 1-based position of the line in the document; `source` says where it came from in the
    original file ("line 12", "page 3", "table 2 row 5", "p 14").
    """

    number: int
    text: str
    cells: tuple[str, ...]
    source: str
    padded: int  # empty cells a reader added to square a short row of a grid
    key: str = field(repr=False, compare=False)  # text without whitespace
    is_row: bool = field(repr=False, compare=False)

    # written out rather than generated: a report has a hundred lines and this runs for each
    def __init__(
        self, number: int, text: str, cells: tuple[str, ...], source: str, padded: int = 0
    ) -> None:
        self.number = number
        self.text = text
        self.cells = cells
        self.source = source
        self.padded = padded
        # computed once: labels and titles are matched on the whitespace-free text
        self.key = "".join(text.split())
        self.is_row = len(cells) > 1


@dataclass(frozen=True)
class Issue:
    """Something odd found while reading or parsing, kept with the line it came from."""

    code: str
    severity: str  # "error" | "warning" | "info"
    message: str
    line: int | None = None
    source: str | None = None


@dataclass
class Document:
    """Normalised lines of one input file, in reading order."""

    format: str  # txt | md | html | pdf | docx
    lines: list[Line]
    encoding: str | None = None
    issues: list[Issue] = field(default_factory=list)
    ocr_pages: list[dict] = field(default_factory=list)  # what OCR read, page by page

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class ReadError(Exception):
    """A file that cannot be read as a report at all (empty, binary, encrypted, scanned...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
