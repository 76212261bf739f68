"""Scans made from text PDFs: pages rendered to images the way a scanner would leave them
(resolution, grey or colour, a slight tilt, JPEG compression), as image files or wrapped back
into image-only PDFs."""

from __future__ import annotations

import io
from pathlib import Path


def page_images(
    pdf: Path | bytes,
    dpi: int = 150,
    grey: bool = True,
    tilt: float = 0.0,
    pages: list[int] | None = None,
) -> list:
    """PIL images of the PDF's pages (0-based `pages`, all by default), tilted `tilt` degrees."""
    import pypdfium2 as pdfium

    from loaders.readers.pdf_layout import start_pdfium

    start_pdfium()  # the generator's CJK font drawn with the bundled Noto CJK standing in
    document = pdfium.PdfDocument(pdf)
    try:
        chosen = range(len(document)) if pages is None else pages
        images = []
        for index in chosen:
            page = document[index]
            image = page.render(scale=dpi / 72, grayscale=grey).to_pil()
            page.close()
            image = image.convert("L" if grey else "RGB")
            if tilt:
                image = image.rotate(tilt, expand=False, fillcolor="white" if not grey else 255)
            image.info["dpi"] = (dpi, dpi)
            images.append(image)
    finally:
        document.close()
    return images


def jpeg(image, quality: int):
    """The image after a round trip through JPEG at `quality`."""
    from PIL import Image

    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    out = Image.open(buffer)
    out.load()
    out.info["dpi"] = image.info.get("dpi", (150, 150))
    return out


def image_pdf(images: list, dpi: int, quality: int = 75) -> bytes:
    """An image-only PDF, one JPEG page per image, as a scanner writes it."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(
        buffer, format="PDF", save_all=True, append_images=rest, resolution=dpi, quality=quality
    )
    return buffer.getvalue()


def scanned_pdf(
    pdf: Path | bytes,
    dpi: int = 150,
    grey: bool = True,
    tilt: float = 0.4,
    quality: int = 75,
    pages: list[int] | None = None,
) -> bytes:
    return image_pdf(page_images(pdf, dpi, grey, tilt, pages), dpi, quality)


def mixed_pdf(
    pdf: bytes,
    scanned: list[int],
    dpi: int = 150,
    grey: bool = True,
    tilt: float = 0.0,
    quality: int = 75,
) -> bytes:
    """The PDF with the pages `scanned` (0-based) replaced by scans of themselves: a report
    whose text pages were printed from Word and whose tables were scanned."""
    import pypdfium2 as pdfium

    images = dict(zip(scanned, page_images(pdf, dpi, grey, tilt, scanned), strict=True))
    source = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    try:
        for index in range(len(source)):
            if index not in images:
                out.import_pages(source, [index])
                continue
            width, height = source[index].get_size()
            page = out.new_page(width, height)
            image = pdfium.PdfImage.new(out)
            image.set_bitmap(pdfium.PdfBitmap.from_pil(jpeg(images[index], quality).convert("RGB")))
            image.set_matrix(pdfium.PdfMatrix().scale(width, height))
            page.insert_obj(image)
            page.gen_content()
            page.close()
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
        source.close()
