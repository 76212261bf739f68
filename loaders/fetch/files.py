"""Saving fetched bytes: the format read from the bytes (never trusted from the URL), names made
safe for any file system, writes that cannot leave the output folder, and zip attachments
unpacked only within caps.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from loaders.settings import FetchSettings

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"{\\rtf", "rtf"),
)
# legacy Office containers look alike from outside: the URL's suffix tells which, if it is one
_OLE_KINDS = {".doc": "doc", ".wps": "wps", ".xls": "xls", ".et": "et", ".ppt": "ppt"}
SUFFIX_OF = {"jpeg": ".jpg", "tiff": ".tif", "bin": ".bin"}
# what `nianbao run` can read (the rest is kept for people and for later readers)
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sniff(data: bytes, url: str = "") -> str:
    """The format the bytes are: html, pdf, docx, xlsx, pptx, ofd, odt, zip, doc / wps / xls
    (OLE), png, jpeg, gif, tiff, rar, 7z, rtf, txt, or bin."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(_OLE):
        return _OLE_KINDS.get(_url_suffix(url), "doc")
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    lowered = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body")) or (
        b"<html" in lowered
    ):
        return "html"
    if b"\x00" not in data[:8192]:
        return "txt"
    return "bin"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "bin"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "OFD.xml" in names:
        return "ofd"
    if "content.xml" in names and "mimetype" in names:
        return "odt"
    return "zip"


def suffix_for(kind: str) -> str:
    return SUFFIX_OF.get(kind, "." + kind)


def _url_suffix(url: str) -> str:
    name = PurePosixPath(urlsplit(url).path).name
    return PurePosixPath(name).suffix.lower()


def safe_name(text: str | None, fallback: str = "file", max_chars: int = 60) -> str:
    """A file or folder name from any text: no separators, control or reserved characters, no
    leading dots (nothing hidden, no `..`), bounded length; `fallback` when nothing is left."""
    cleaned = unicodedata.normalize("NFC", text or "")
    cleaned = UNSAFE.sub("_", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ._")
    cleaned = cleaned[:max_chars].rstrip(" ._")
    if not cleaned or set(cleaned) <= {"."}:
        return fallback
    if cleaned.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}:
        cleaned = "_" + cleaned
    return cleaned


def name_from_url(url: str) -> str:
    """The last path segment of a URL, decoded and without its suffix."""
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    return PurePosixPath(name).stem if "." in name else name


def inside(root: Path, relative: str | os.PathLike[str]) -> Path:
    """`root / relative`, refusing anything that would land outside `root`."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or Path(relative).is_absolute():
        raise ValueError(f"{relative} would be written outside {root}")
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename, so a killed fetch never leaves half a file
    under a name the loader would read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def free_path(root: Path, relative: str, data: bytes) -> str:
    """`relative`, or `stem-2.ext`, `stem-3.ext` ... when another file holds that name already;
    a file that holds these very bytes is reused."""
    candidate = PurePosixPath(relative)
    for number in range(1, 1000):
        name = candidate if number == 1 else candidate.with_stem(f"{candidate.stem}-{number}")
        target = inside(root, str(name))
        if not target.exists() or target.read_bytes() == data:
            return str(name)
    raise ValueError(f"too many files named like {relative}")


def _member_name(info: zipfile.ZipInfo) -> str:
    """Archivers on Chinese systems write GBK (or UTF-8) names without the UTF-8 flag; Python
    then reads them as code page 437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


@dataclass
class Member:
    name: str  # as in the archive
    relative: str  # where it was written, relative to the output folder
    data: bytes


def unpack(
    data: bytes, root: Path, folder: str, settings: FetchSettings
) -> tuple[list[Member], str]:
    """Unpack a zip attachment into `root / folder`, flattening every member to a safe base name
    (a `../` or absolute member name cannot climb out). Returns the members written, and why
    nothing was unpacked when the archive breaks a cap (count, bytes, ratio) or is unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [], f"unreadable zip: {exc}"
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > settings.zip_max_members:
            return [], f"{len(entries)} members (cap {settings.zip_max_members})"
        total = sum(i.file_size for i in entries)
        if total > settings.zip_max_bytes:
            return [], f"{total} bytes unpacked (cap {settings.zip_max_bytes})"
        if total > settings.zip_max_ratio * max(len(data), 1):
            return (
                [],
                f"compression ratio {total / max(len(data), 1):.0f} (cap {settings.zip_max_ratio:.0f})",
            )
        members: list[Member] = []
        for info in entries:
            if info.flag_bits & 0x1:
                continue  # encrypted
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # a symbolic link: never followed, never written
            raw_name = _member_name(info).replace("\\", "/")
            base = PurePosixPath(raw_name).name
            stem, suffix = PurePosixPath(base).stem, PurePosixPath(base).suffix.lower()
            with archive.open(info) as source:
                body = source.read(info.file_size + 1)
            if len(body) > info.file_size:  # the header lied about the size
                return [], f"member {raw_name!r} is larger than its header says"
            kind = sniff(body, base)
            if kind in ("txt", "bin") and suffix:
                kind_suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin"
            else:
                kind_suffix = suffix_for(kind)
            name = safe_name(stem, fallback="member") + kind_suffix
            relative = free_path(root, f"{folder}/{name}", body)
            write_atomic(inside(root, relative), body)
            members.append(Member(raw_name, relative, body))
        return members, ""
