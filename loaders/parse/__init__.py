"""Turn a `Document` into facts: metadata, table cells and complaint figures, with issues."""

from loaders.parse.report import ParsedReport, parse_document

__all__ = ["ParsedReport", "parse_document"]
