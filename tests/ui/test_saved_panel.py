"""After a save, the panel says the deadline as the detail does: an information request's may
be extended by 7 working days (UU 14/2008); a complaint's may not."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_intake import fill_with_keyboard, save_with_keyboard


def saved_details(qtbot, window, *, information: bool) -> str:
    fill_with_keyboard(qtbot, window)
    form = window.intake.form
    if information:
        form.report_type.setFocus()
        qtbot.waitUntil(form.report_type.hasFocus)
        qtbot.keyClick(form.report_type, Qt.Key.Key_End)  # the last type: information request
        assert form.report_type.value() == "permintaan_informasi"
    save_with_keyboard(qtbot, window)
    assert window.intake.stack.currentIndex() == 1
    return window.intake.saved_panel.details.text()


def test_an_information_request_is_told_its_extension(qtbot, window):
    text = saved_details(qtbot, window, information=True)
    assert "Tenggat dapat diperpanjang 7 hari kerja (UU 14/2008" in text


def test_a_complaint_has_no_extension(qtbot, window):
    text = saved_details(qtbot, window, information=False)
    assert "diperpanjang" not in text and "Tenggat" not in text
