"""Builders of small hostile or unusual input files, shared by the reader and load tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def pdf_with(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A tiny hand-made PDF with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer_extra))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (b"ab" * 32, b"cd" * 32),
    ]
    file_id = b"<" + b"01" * 16 + b">"
    return pdf_with(objects, b"/Encrypt 4 0 R /ID [%s %s] " % (file_id, file_id))


def image_only_pdf(path: Path) -> Path:
    """A one-page PDF holding a picture and no text layer, as a scanner makes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axes = plt.subplots()
    axes.imshow(np.arange(64).reshape(8, 8))
    axes.axis("off")
    figure.savefig(path, format="pdf")
    plt.close(figure)
    return path


def zip_bomb_docx() -> bytes:
    """A .docx whose document.xml expands a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))
    return buffer.getvalue()
