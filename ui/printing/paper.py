"""The printer side: a QPrinter set up for a PDF's page size with the last printer used for that
layout, and painting the PDF onto it (runs on a worker; QPainter on a QPrinter is allowed off
the GUI thread, see Qt's "Threads and QObjects").

Why rasterise with pypdfium2 rather than QtPdf or a second QPainter layout: QtPdf is in
PySide6-Addons (about 200 MB more in the bundle, for one class), and drawing the receipt again
with QPainter would be a second layout definition to keep in step with the reportlab one. PDFium
renders the very PDF the CLI writes, at the printer's resolution (capped at 300 dpi: a thermal
head has 203, lasers gain nothing visible above 300 for this text and QR code).
"""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QSettings, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from desk_app import paths

MAX_DPI = 300
PREVIEW_DPI = 96


def _settings() -> QSettings:
    return QSettings(str(paths.data_dir() / "window.ini"), QSettings.Format.IniFormat)


def remembered_printer(layout: str) -> str:
    return str(_settings().value(f"printing/printer_{layout}", "") or "")


def remember_printer(layout: str, printer: QPrinter) -> None:
    name = printer.printerName()
    if name and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat:
        _settings().setValue(f"printing/printer_{layout}", name)


def printer_for(pdf: bytes, layout: str) -> QPrinter:
    """A printer for `pdf`: its first page's size, no margins (the PDF has its own), and the
    printer last used for `layout` when there was one."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    name = remembered_printer(layout)
    if name:
        printer.setPrinterName(name)
    fit_to(printer, pdf)
    return printer


def fit_to(printer: QPrinter, pdf: bytes) -> None:
    from desk_app.receipts import raster  # PDFium: loaded at the first print, not at start

    width, height = raster.page_sizes(pdf)[0]
    size = QPageSize(
        QSizeF(width, height), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.ExactMatch
    )
    orientation = (
        QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    )
    if width > height:
        size = QPageSize(
            QSizeF(height, width), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.ExactMatch
        )
    printer.setPageLayout(
        QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    )
    printer.setFullPage(True)


def to_qimage(image) -> QImage:
    """A PIL RGB image as a QImage (a copy: the PIL buffer may go)."""
    data = image.tobytes()
    return QImage(
        data, image.width, image.height, 3 * image.width, QImage.Format.Format_RGB888
    ).copy()


def preview_images(pdf: bytes, dpi: float = PREVIEW_DPI) -> list[QImage]:
    """The pages as images for the preview (runs on a worker)."""
    from desk_app.receipts import raster

    return [to_qimage(image) for image in raster.images(pdf, dpi)]


def paint(pdf: bytes, printer: QPrinter) -> int:
    """Print every page of `pdf` on `printer`, each filling the paper; returns the page count.
    Runs on a worker: do not touch widgets."""
    from desk_app.receipts import raster
    from desk_app.services.printing import PrinterFailed

    dpi = min(max(printer.resolution(), 96), MAX_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterFailed()
    pages = 0
    try:
        for image in raster.images(pdf, dpi):
            if pages:
                printer.newPage()
            target = printer.pageLayout().fullRectPixels(printer.resolution())
            painter.drawImage(target, to_qimage(image))
            pages += 1
    finally:
        painter.end()
    return pages
