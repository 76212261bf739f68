"""Plain-text reports: decode the bytes, then split tab- or pipe-separated rows into cells."""

from __future__ import annotations

import operator
import re

from loaders.characters import collapse, normalise_text
from loaders.document import Document, Issue, Line, ReadError

_PIPE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def decode(data: bytes) -> tuple[str, str]:
    """Decode report bytes; UTF-8 (with or without BOM) first, then GB18030, then detection."""
    if not data.strip():
        raise ReadError("empty_file", "the file is empty or holds only whitespace: fetch it again")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise ReadError(
            "binary_file",
            "the file holds binary data, not text: check its real format and extension",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed, MIXED
    try:
        # GB18030 is a superset of GBK and GB2312: one decoder covers all three.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError(
            "unknown_encoding", "the text encoding could not be detected: re-save it as UTF-8"
        )
    return str(best), best.encoding


MIXED = "mixed utf-8/gb18030"


def _decode_mixed(data: bytes) -> str | None:
    """Files pasted together from UTF-8 and GBK sources: decode each line on its own."""
    lines = data.split(b"\n")
    utf8_lines = gbk_lines = 0
    decoded = []
    for raw in lines:
        try:
            decoded.append(raw.decode("utf-8"))
            utf8_lines += not raw.isascii()
        except UnicodeDecodeError:
            try:
                decoded.append(raw.decode("gb18030"))
                gbk_lines += 1
            except UnicodeDecodeError:
                return None
    return "\n".join(decoded) if utf8_lines and gbk_lines else None


_strip_spaces = operator.methodcaller("strip", " ")


def split_cells(line: str) -> tuple[str, ...]:
    """Cells of one normalised line: tab-separated, or a markdown / pipe table row."""
    if "\t" in line:
        # normalise_text already folded every run of spaces to one: only the ends remain
        if " \t" not in line and "\t " not in line and line[:1] != " " and line[-1:] != " ":
            return tuple(line.split("\t"))
        return tuple(map(_strip_spaces, line.split("\t")))
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        inner = stripped[1:-1] if stripped.endswith("|") else stripped[1:]
        return tuple(collapse(c) for c in inner.split("|"))
    return (collapse(line),)


def lines_from_text(text: str, fmt: str, encoding: str | None) -> Document:
    """Build a Document from decoded text; blank lines and markdown rules are dropped."""
    lines: list[Line] = []
    append = lines.append
    for original, raw in enumerate(normalise_text(text).split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or (stripped[0] in "|:-" and _PIPE_RULE.match(stripped)):
            continue
        if "\t" not in raw and "|" not in stripped:
            # prose: normalise_text left one space at most between words and none at the ends
            text = collapse(raw)
            append(Line(len(lines) + 1, text, (text,), f"line {original}"))
            continue
        cells = split_cells(raw)
        if len(cells) > 1:
            if not any(cells):
                continue
            joined = " ".join(filter(None, cells))
        else:
            joined = cells[0]
        # ordinal numbers: line N of the stored text is Line N
        append(Line(len(lines) + 1, joined, cells, f"line {original}"))
    return Document(format=fmt, lines=lines, encoding=encoding)


def read_text(data: bytes, fmt: str = "txt") -> Document:
    text, encoding = decode(data)
    doc = lines_from_text(text, fmt, encoding)
    if encoding == MIXED:
        doc.issues.append(
            Issue(
                "mixed_encoding",
                "warning",
                "lines in both UTF-8 and GB18030/GBK: each line decoded on its own; "
                "re-save the file in one encoding",
            )
        )
    return doc
