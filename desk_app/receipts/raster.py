"""A PDF's pages as images (pypdfium2, PDFium's renderer): what the preview shows and what the
printer gets, so the receipt has one layout definition (the reportlab PDF) for file, screen and
paper alike. Qt-free: the GUI turns the images into QImages."""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document.get_page_size(i) for i in range(len(document))]
    finally:
        document.close()


def images(pdf: bytes, dpi: float = 150) -> Iterator:
    """Each page as a PIL image at `dpi`, white background, RGB."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for i in range(len(document)):
            page = document[i]
            bitmap = page.render(scale=dpi / 72)
            yield bitmap.to_pil().convert("RGB")
            page.close()
    finally:
        document.close()
