"""Printing from the GUI as the clerk does it: after saving, one key (Ctrl+P) prints the receipt
(preview, then the printer; here a PDF printer, no dialogs); the per-desk option prints it
without asking; a supervisor reprints a copy from the detail and prints the register from the
list. What reached the "printer" is read back: the QR code on it decodes to the number."""

from __future__ import annotations

import datetime as dt

import pytest
import zxingcpp

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from desk_app import settings
from desk_app.receipts import raster
from desk_app.services import intake, printing
from tests.conftest import CLERK, SUPERVISOR, make_form

from ui.printing import paper
from ui.printing.jobs import Printing
from ui.printing.preview import PreviewDialog


@pytest.fixture
def pdf_printer(monkeypatch, tmp_path):
    """Every print goes to a PDF file; the preview answers Print; what was shown is kept."""
    seen = {"previews": [], "asked": [], "files": []}

    def choose(self, pdf, layout, *, ask):
        seen["asked"].append((layout, ask))
        printer = paper.printer_for(pdf, layout)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        out = tmp_path / f"printed-{len(seen['files'])}.pdf"
        printer.setOutputFileName(str(out))
        seen["files"].append(out)
        return printer

    def preview(parent, title, images):
        seen["previews"].append((title, len(images)))
        return True

    monkeypatch.setattr(Printing, "choose_printer", choose)
    monkeypatch.setattr(PreviewDialog, "ask", staticmethod(preview))
    return seen


def _qr(path) -> list[str]:
    return [
        code.text
        for image in raster.images(path.read_bytes(), dpi=150)
        for code in zxingcpp.read_barcodes(image)
    ]


def _save(qtbot, window):
    window.intake.form.set_form(make_form())
    qtbot.mouseClick(window.intake.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.intake.stack.currentIndex() == 1 or bool(window.intake.summary.text())
    )
    assert window.intake.summary.text() == ""
    return window.intake.saved_panel.number.text()


def test_one_key_after_saving_prints_the_receipt(qtbot, make_window, desk, pdf_printer):
    window = make_window(desk.acting(CLERK))
    number = _save(qtbot, window)
    panel = window.intake.saved_panel
    assert "Ctrl+P" in panel.print_button.text()
    with qtbot.waitSignal(window.intake.printing.printed, timeout=20_000):
        qtbot.keyClick(panel.new_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert pdf_printer["previews"] == [(f"Tanda terima {number}", 1)]
    assert pdf_printer["asked"] == [("a5", True)]
    assert _qr(pdf_printer["files"][0]) == [number]
    # Pressed again: the same receipt is shown again, not issued a second time.
    with qtbot.waitSignal(window.intake.printing.printed, timeout=20_000):
        qtbot.keyClick(panel.new_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(pdf_printer["files"]) == 2
    assert window.intake.stack.currentIndex() == 1  # the clerk is where they were


def test_the_desk_option_prints_without_asking(qtbot, make_window, desk, pdf_printer):
    settings.set_value(desk.db, "receipt_auto_print", "yes")
    settings.set_value(desk.db, "receipt_layout", "80mm")
    window = make_window(desk.acting(CLERK))
    with qtbot.waitSignal(window.intake.printing.printed, timeout=20_000):
        number = _save(qtbot, window)
    assert pdf_printer["previews"] == [] and pdf_printer["asked"] == [("80mm", False)]
    assert _qr(pdf_printer["files"][0]) == [number]


def test_a_supervisor_reprints_from_the_detail(qtbot, make_window, desk, pdf_printer):
    recorded = intake.record_complaint(desk.acting(CLERK), make_form())
    printing.first_receipt(desk.acting(CLERK), recorded.tracking_no, "80mm")
    window = make_window(desk.acting(SUPERVISOR))
    page = window.complaints
    window.go_list()
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText(), timeout=10_000)
    assert page.reprint_button.isVisible()
    with qtbot.waitSignal(page.printing.printed, timeout=20_000):
        qtbot.mouseClick(page.reprint_button, Qt.MouseButton.LeftButton)
    assert pdf_printer["previews"] == [(f"Salinan tanda terima {recorded.tracking_no}", 1)]
    assert _qr(pdf_printer["files"][0]) == [recorded.tracking_no]


def test_a_receipt_never_printed_comes_out_as_the_first(qtbot, make_window, desk, pdf_printer):
    recorded = intake.record_complaint(desk.acting(CLERK), make_form())
    window = make_window(desk.acting(SUPERVISOR))
    page = window.complaints
    window.go_list()
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText(), timeout=10_000)
    with qtbot.waitSignal(page.printing.printed, timeout=20_000):
        qtbot.mouseClick(page.reprint_button, Qt.MouseButton.LeftButton)
    assert pdf_printer["previews"] == [(f"Tanda terima {recorded.tracking_no}", 1)]
    assert printing.receipt_printed(desk, recorded.tracking_no)


def test_a_clerk_is_not_offered_reprints_or_the_register(qtbot, make_window, desk):
    intake.record_complaint(desk.acting(CLERK), make_form())
    window = make_window(desk.acting(CLERK))
    window.go_list()
    assert not window.complaints.reprint_button.isVisible()
    assert not window.complaints.register_button.isVisible()


def test_a_supervisor_prints_the_register_of_a_range(qtbot, make_window, desk, pdf_printer):
    when = dt.datetime(2026, 3, 24, 2, 5)
    numbers = [intake.record_complaint(desk, make_form(), now=when).tracking_no for _ in range(3)]
    window = make_window(desk.acting(SUPERVISOR))
    page = window.complaints
    window.go_list()
    from ui.printing.register_dialog import RegisterDialog

    chosen = (dt.date(2026, 3, 24), dt.date(2026, 3, 24), "pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RegisterDialog, "ask", staticmethod(lambda parent, today: chosen))
        with qtbot.waitSignal(page.printing.printed, timeout=20_000):
            qtbot.mouseClick(page.register_button, Qt.MouseButton.LeftButton)
    assert pdf_printer["asked"] == [("register", True)]
    assert pdf_printer["files"][0].stat().st_size > 0
    assert numbers  # three complaints on one page
    assert pdf_printer["previews"][0][1] == 1


def test_the_register_saved_as_a_workbook(qtbot, make_window, desk, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from PySide6.QtWidgets import QFileDialog

    from ui.printing.register_dialog import RegisterDialog

    when = dt.datetime(2026, 3, 24, 2, 5)
    number = intake.record_complaint(desk, make_form(), now=when).tracking_no
    window = make_window(desk.acting(SUPERVISOR))
    window.go_list()
    target = tmp_path / "register.xlsx"
    day = dt.date(2026, 3, 24)
    monkeypatch.setattr(
        RegisterDialog, "ask", staticmethod(lambda parent, today: (day, day, "xlsx"))
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(window.complaints.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(target.exists, timeout=10_000)
    window.runner.wait()
    cells = {c.value for row in load_workbook(target).worksheets[0].iter_rows() for c in row}
    assert number in cells


class _Printer:
    """Stands in for a QPrinter the print dialog returned (only what remembering reads)."""

    def __init__(self, name: str, fmt=QPrinter.OutputFormat.NativeFormat) -> None:
        self.name, self.fmt = name, fmt

    def printerName(self) -> str:  # noqa: N802 - Qt's name
        return self.name

    def outputFormat(self):  # noqa: N802 - Qt's name
        return self.fmt


def test_the_last_printer_is_remembered_per_layout(desk):
    paper.remember_printer("80mm", _Printer("EPSON TM-T82 Loket 1"))
    paper.remember_printer("a4", _Printer("HP LaserJet Ruang TU"))
    paper.remember_printer("a4", _Printer("berkas.pdf", QPrinter.OutputFormat.PdfFormat))
    assert paper.remembered_printer("80mm") == "EPSON TM-T82 Loket 1"
    assert paper.remembered_printer("a4") == "HP LaserJet Ruang TU"  # a PDF file is no printer
    assert paper.remembered_printer("a5") == ""
