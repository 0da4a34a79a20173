"""The fonts every PDF uses, shipped in resources/fonts/ with their licence (DejaVu Sans:
Bitstream Vera licence, resources/fonts/LICENSE), so every desk renders the same pages and
Indonesian text never falls back to a font without its letters."""

from __future__ import annotations

import functools

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desk_app import paths

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@functools.cache
def register() -> None:
    """Register the fonts with reportlab once per process."""
    folder = paths.resources_dir() / "fonts"
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)
