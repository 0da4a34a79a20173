"""The intake screen as a clerk uses it: keyboard only, bad input, drafts, duplicates."""

from __future__ import annotations

import pytest

import shiboken6
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from desk_app.domain import numbering
from desk_app.services import drafts, intake, lookup
from tests.conftest import make_form

from ui import qt_language
from ui.intake.duplicates import LINK, NEW, DuplicatesDialog


def focused():
    return QApplication.focusWidget()


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def tab(qtbot, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)


def fill_with_keyboard(qtbot, window) -> None:
    """Type a whole complaint, field after field, with Tab between them."""
    form = window.intake.form
    form.focus_first()
    qtbot.waitUntil(lambda: focused() is form.report_type)
    tab(qtbot)  # report type: Pengaduan (default)
    type_text(qtbot, "t")  # channel: Telepon
    tab(qtbot)
    tab(qtbot)  # received: now
    type_text(qtbot, "t")  # anonim: Tidak
    tab(qtbot)
    type_text(qtbot, "t")  # rahasia: Tidak
    tab(qtbot)
    assert focused() is form.reporter_name
    type_text(qtbot, "Rahmat Hidayat")
    tab(qtbot)
    type_text(qtbot, "1403011708850003")
    tab(qtbot)
    type_text(qtbot, "0813 7123 4567")
    tab(qtbot)
    type_text(qtbot, "rahmat@example.id")
    tab(qtbot)
    type_text(qtbot, "Jl. Antara No. 12, Bengkalis")
    tab(qtbot)
    assert focused() is form.subject
    type_text(qtbot, "Lampu penerangan jalan padam")
    tab(qtbot)
    type_text(qtbot, "Lampu penerangan di Jalan Antara padam sudah dua minggu, rawan kecelakaan.")
    tab(qtbot)
    assert focused() is form.category.lineEdit() or focused() is form.category
    type_text(qtbot, "infrastruktur")
    tab(qtbot)
    type_text(qtbot, "Pekerjaan Umum")
    tab(qtbot)
    type_text(qtbot, "bengkalis")
    tab(qtbot)
    type_text(qtbot, "bantan")
    tab(qtbot)
    assert focused() in (form.village, form.village.lineEdit())
    type_text(qtbot, "bantan air")  # the desa, among Bantan's villages only
    tab(qtbot)
    assert focused() is form.event_date
    type_text(qtbot, "20/11/2026")
    tab(qtbot)
    type_text(qtbot, "Jalan Antara")


def save_with_keyboard(qtbot, window):
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: window.intake.stack.currentIndex() == 1 or bool(window.intake.summary.text())
    )


def test_whole_complaint_by_keyboard_then_found_by_number_and_word(qtbot, window, desk):
    fill_with_keyboard(qtbot, window)
    save_with_keyboard(qtbot, window)
    shown = {k: v.text() for k, v in window.intake.form.errors.items() if v.isVisible()}
    assert shown == {}
    number = window.intake.saved_panel.number.text()
    assert numbering.parse(number) == number
    assert window.intake.saved_panel.number.isVisible()

    detail = lookup.get_complaint(desk, number).complaint
    assert detail.channel == "telepon"
    assert detail.reporter_phone == "+6281371234567"
    assert detail.anonymous is False and detail.confidential is False
    assert detail.region == "14.03" and detail.district == "14.03.02"
    assert detail.village == "14.03.02.2002"  # Bantan Air
    assert detail.agency == "PUPRPKPP" and detail.category == "INFRASTRUKTUR"

    # Enter starts the next complaint, with the form empty and focused.
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.intake.stack.currentIndex() == 0)
    assert window.intake.form.subject.text() == ""

    # F3: the list, search box focused; find by number, then by a word of the text.
    qtbot.keyClick(focused(), Qt.Key.Key_F3)
    page = window.complaints
    qtbot.waitUntil(lambda: focused() is page.search)
    type_text(qtbot, number.lower())
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and not page.model.is_loading())
    assert page.model.index(0, 0).data() == number
    qtbot.waitUntil(lambda: number in page.detail.toPlainText())
    assert "Lampu penerangan jalan padam" in page.detail.toPlainText()

    page.search.clear()
    type_text(qtbot, "kecelakaan")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.index(0, 0).data() == number)


BAD_INPUT = [
    ("reporter_nik", "12345", "16 digit"),
    ("reporter_phone", "12", "nomor telepon"),
    ("reporter_email", "rahmat@", "e-mail"),
    ("subject", None, "pokok"),
    ("description", "pendek", "10 karakter"),
    ("category", "tidak ada kategori ini", "daftar"),
    ("agency", "instansi khayalan", "daftar"),
    ("region", "Jakarta", "daftar"),
    ("event_date", "32/13/2026", "dd/mm/yyyy"),
]


def set_field(form, name: str, value: str | None) -> None:
    widget = form.inputs[name]
    if name == "description":
        widget.setPlainText(value or "")
    elif hasattr(widget, "lineEdit") and widget.isEditable():
        widget.setEditText(value or "")
    else:
        widget.setText(value or "")


@pytest.mark.parametrize(("field", "value", "words"), BAD_INPUT)
def test_bad_input_is_shown_at_the_field_and_nothing_is_lost(
    qtbot, window, desk, field, value, words
):
    fill_with_keyboard(qtbot, window)
    form = window.intake.form
    set_field(form, field, value)
    typed = form.get_form()
    save_with_keyboard(qtbot, window)
    error = form.errors[field]
    qtbot.waitUntil(error.isVisible)
    assert words.lower() in error.text().lower()
    assert window.intake.stack.currentIndex() == 0
    assert "Periksa" in window.intake.summary.text()
    assert form.get_form() == typed  # everything typed is still there
    assert lookup.list_complaints(desk, lookup.ListQuery()).rows == []
    qtbot.waitUntil(
        lambda: (
            focused() is not None
            and field
            in focused().objectName()
            + (focused().parent().objectName() if focused().parent() else "")
        )
    )


def test_anonymous_and_confidential_must_be_answered(qtbot, window):
    form = window.intake.form
    form.subject.setText("Pungutan liar")
    save_with_keyboard(qtbot, window)
    qtbot.waitUntil(form.errors["anonymous"].isVisible)
    assert "identitas" in form.errors["anonymous"].text()
    assert "rahasia" in form.errors["confidential"].text()


def test_draft_survives_the_window_being_destroyed(qtbot, make_window, desk, user_messages):
    window = make_window()
    fill_with_keyboard(qtbot, window)
    typed = window.intake.form.get_form()
    qtbot.waitUntil(lambda: drafts.load_draft(desk, intake.INTAKE_DRAFT) == typed, timeout=5000)
    window.runner.wait()
    shiboken6.delete(window)  # gone at once, no closeEvent: as after a crash

    again = make_window()
    user_messages.answer = True
    assert again.intake.offer_restore()
    assert again.intake.form.get_form() == typed
    assert "Pulihkan" in user_messages.confirms[-1]


def test_declined_draft_is_discarded(qtbot, make_window, desk, user_messages):
    drafts.save_draft(desk, intake.INTAKE_DRAFT, make_form())
    window = make_window()
    user_messages.answer = False
    assert not window.intake.offer_restore()
    assert window.intake.form.get_form().is_blank()
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT) is None


def test_escape_asks_before_discarding(qtbot, window, user_messages):
    form = window.intake.form
    form.subject.setFocus()
    type_text(qtbot, "Sampah menumpuk")
    user_messages.answer = False
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert len(user_messages.confirms) == 1
    assert form.subject.text() == "Sampah menumpuk"
    user_messages.answer = True
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert form.subject.text() == ""


def test_possible_duplicate_can_be_linked(qtbot, window, desk, monkeypatch):
    first = intake.record_complaint(desk, make_form(reporter_nik="1403011708850003"))
    seen = []

    def choose_link(parent, candidates, zone):
        seen.extend(candidates)
        return (LINK, candidates[0].id)

    monkeypatch.setattr(DuplicatesDialog, "ask", choose_link)
    fill_with_keyboard(qtbot, window)
    save_with_keyboard(qtbot, window)
    assert [c.tracking_no for c in seen] == [first.tracking_no]
    number = window.intake.saved_panel.number.text()
    assert lookup.get_complaint(desk, number).linked_number == first.tracking_no


def test_going_back_from_the_duplicate_dialog_keeps_the_form(qtbot, window, desk, monkeypatch):
    intake.record_complaint(desk, make_form(reporter_nik="1403011708850003"))
    monkeypatch.setattr(DuplicatesDialog, "ask", lambda *a: None)
    fill_with_keyboard(qtbot, window)
    typed = window.intake.form.get_form()
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.intake.is_saving())
    assert window.intake.stack.currentIndex() == 0
    assert window.intake.form.get_form() == typed
    assert len(lookup.list_complaints(desk, lookup.ListQuery()).rows) == 1


def test_duplicates_dialog_buttons(qtbot, desk):
    first = intake.record_complaint(desk, make_form())
    candidates = intake.find_duplicates(desk, make_form())
    dialog = DuplicatesDialog(candidates, desk.zone)
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, 0).text() == first.tracking_no
    assert "NIK" in dialog.table.item(0, 3).text()
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    assert dialog.choice == (LINK, first.id)
    dialog = DuplicatesDialog(candidates, desk.zone)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert dialog.choice == (NEW, None)


def test_attachments_by_file_dialog_and_by_drop(qtbot, window, desk, tmp_path, monkeypatch):
    scan = tmp_path / "surat.pdf"
    scan.write_bytes(b"%PDF-1.4 surat pengaduan")
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(b"\xff\xd8 foto jalan")
    monkeypatch.setattr(qt_language, "open_file_names", lambda *a, **k: ([str(scan)], ""))
    form = window.intake.form
    qtbot.mouseClick(form.add_file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.attachment_list.count() == 1)

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    form.dropEvent(drop)
    qtbot.waitUntil(lambda: form.attachment_list.count() == 2)

    fill_with_keyboard(qtbot, window)
    save_with_keyboard(qtbot, window)
    number = window.intake.saved_panel.number.text()
    names = sorted(a.filename for a in lookup.get_complaint(desk, number).attachments)
    assert names == ["foto.jpg", "surat.pdf"]
