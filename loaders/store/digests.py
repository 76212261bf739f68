"""The ids of stored documents as one sorted block of SHA-256 digests.

Every parse process needs to know which documents are stored, to skip parsing a file whose bytes
are one of them. As Python strings in a set the ids would cost each process ten times their size;
as 32-byte digests in one sorted bytes object they cost their size once, shared through a file,
and a look-up is a binary search.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

DIGEST_BYTES = 32  # SHA-256


class StoredDigests:
    """A read-only set of document ids (hex SHA-256) over a sorted block of raw digests."""

    __slots__ = ("_block", "_count")

    def __init__(self, block: bytes = b"") -> None:
        if len(block) % DIGEST_BYTES:
            raise ValueError(f"a digest block is a multiple of {DIGEST_BYTES} bytes")
        self._block = block
        self._count = len(block) // DIGEST_BYTES

    @classmethod
    def from_file(cls, path: str | Path) -> StoredDigests:
        return cls(Path(path).read_bytes())

    @property
    def block(self) -> bytes:
        return self._block

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> bytes:  # the sequence bisect searches
        start = i * DIGEST_BYTES
        return self._block[start : start + DIGEST_BYTES]

    def __contains__(self, document_id: object) -> bool:
        if not isinstance(document_id, str) or len(document_id) != 2 * DIGEST_BYTES:
            return False
        try:
            digest = bytes.fromhex(document_id)
        except ValueError:
            return False
        if digest.hex() != document_id:  # ids are lower-case hex, as hashlib spells them
            return False
        i = bisect_left(self, digest)
        return i < self._count and self[i] == digest
