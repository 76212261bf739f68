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


def ofd_from_pdf(pdf: bytes, rules: bool = True) -> bytes:
    """An OFD package (GB/T 33190) holding the words of a text PDF as text objects at their
    places and (with `rules`) its table rules as path objects, one page per PDF page, as a
    converter writes it."""
    import pdfplumber

    mm = 25.4 / 72
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            objects = []
            for number, word in enumerate(words, start=1):
                x, top = word["x0"] * mm, word["top"] * mm
                width, height = (word["x1"] - word["x0"]) * mm, (word["bottom"] - word["top"]) * mm
                text = word["text"].replace("&", "&amp;").replace("<", "&lt;")
                objects.append(
                    f'<ofd:TextObject ID="{number}" Boundary="{x:.2f} {top:.2f} {width:.2f} '
                    f'{height:.2f}" Font="1" Size="{height:.2f}">'
                    f'<ofd:TextCode X="0" Y="{height * 0.88:.2f}">{text}</ofd:TextCode>'
                    "</ofd:TextObject>"
                )
            for number, edge in enumerate(page.edges if rules else [], start=len(words) + 1):
                x0, top = edge["x0"] * mm, edge["top"] * mm
                dx, dy = (edge["x1"] - edge["x0"]) * mm, (edge["bottom"] - edge["top"]) * mm
                objects.append(
                    f'<ofd:PathObject ID="{number}" Boundary="{x0:.2f} {top:.2f} {dx:.2f} '
                    f'{dy:.2f}" LineWidth="0.18"><ofd:AbbreviatedData>M 0 0 L {dx:.2f} {dy:.2f}'
                    "</ofd:AbbreviatedData></ofd:PathObject>"
                )
            box = f"0 0 {page.width * mm:.2f} {page.height * mm:.2f}"
            pages.append((box, "".join(objects)))
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            "<ofd:DocID>0</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
            "</ofd:DocBody></ofd:OFD>",
        )
        listed = "".join(
            f'<ofd:Page ID="{100 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
            for i in range(len(pages))
        )
        archive.writestr(
            "Doc_0/Document.xml",
            f"<ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID>"
            f"<ofd:PageArea><ofd:PhysicalBox>{pages[0][0] if pages else '0 0 210 297'}"
            "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
            f"</ofd:CommonData><ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
        )
        archive.writestr(
            "Doc_0/PublicRes.xml",
            f'<ofd:Res {ns} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" FontName="宋体"/>'
            "</ofd:Fonts></ofd:Res>",
        )
        for i, (box, objects) in enumerate(pages):
            archive.writestr(
                f"Doc_0/Pages/Page_{i}/Content.xml",
                f"<ofd:Page {ns}><ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:Area>"
                f'<ofd:Content><ofd:Layer ID="{1000 + i}">{objects}</ofd:Layer></ofd:Content>'
                "</ofd:Page>",
            )
    return buffer.getvalue()


def unmapped_font_pdf(mapped: bytes = b"") -> bytes:
    """A PDF whose text uses a CID font with no Unicode map: text extraction gets `(cid:N)`
    glyph numbers, not characters (what some government PDF exporters write); `mapped` is
    written above it in Helvetica, which extracts as it is."""
    content = b"BT /F1 24 Tf 72 700 Td <0041004200430044004500460047> Tj ET"
    if mapped:
        content = b"BT /F2 24 Tf 72 760 Td (%s) Tj ET\n" % mapped + content
    return pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> /Contents 4 0 R >>"
            ),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            (
                b"<< /Type /Font /Subtype /Type0 /BaseFont /Unmapped /Encoding /Identity-H "
                b"/DescendantFonts [6 0 R] >>"
            ),
            (
                b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Unmapped "
                b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                b"/FontDescriptor 7 0 R >>"
            ),
            (
                b"<< /Type /FontDescriptor /FontName /Unmapped /Flags 4 /FontBBox [0 0 1000 1000] "
                b"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>"
            ),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
