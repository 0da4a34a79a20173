"""Correcting a complaint from its detail: the Correct… button, the dialog (the intake form
filled in, a required reason, Ctrl+S), and the History section of the detail."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from desk_app.domain.roles import Actor, Role
from desk_app.i18n import _
from desk_app.services import intake
from tests.conftest import make_form

OLD_SUBJECT = "Jalan berlubang di depan sekolah"
NEW_SUBJECT = "Jalan amblas di depan SDN 3"
REASON = "Warga salah menyebut instansi"


def wait_loaded(qtbot, page):
    qtbot.waitUntil(lambda: not page.model.is_loading())


def select(qtbot, page, recorded):
    page.model.refresh()
    wait_loaded(qtbot, page)
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == recorded.id)
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.current is not None and page.current.complaint.id == recorded.id)


def open_dialog(qtbot, page):
    assert page.correct_button.isVisible() and page.correct_button.isEnabled()
    qtbot.mouseClick(page.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.correction_dialog is not None and page.correction_dialog.isVisible()
    )
    return page.correction_dialog


def test_correct_subject_and_agency_then_see_the_history(qtbot, window, desk):
    recorded = intake.record_complaint(desk, make_form())
    page = window.complaints
    window.go_list()
    select(qtbot, page, recorded)
    dialog = open_dialog(qtbot, page)
    form = dialog.form
    assert form.subject.text() == OLD_SUBJECT
    assert form.reporter_name.text() == "Siti Aminah"

    form.subject.selectAll()
    qtbot.keyClicks(form.subject, NEW_SUBJECT)
    agency = desk.reference.label("agency", "DISDIK")
    form.agency.lineEdit().selectAll()
    qtbot.keyClicks(form.agency.lineEdit(), agency)
    qtbot.keyClick(form.agency.lineEdit(), Qt.Key.Key_Tab)
    assert form.agency.value() == "DISDIK"

    # Without a reason: said at the reason, the dialog stays and keeps what was typed.
    qtbot.keyClick(form.subject, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(dialog.reason_error.text()))
    assert dialog.isVisible() and form.subject.text() == NEW_SUBJECT

    qtbot.keyClicks(dialog.reason, REASON)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())

    # The list and the detail show the corrected complaint again.
    qtbot.waitUntil(
        lambda: (
            page.current is not None
            and page.current.complaint.subject == NEW_SUBJECT
            and NEW_SUBJECT in page.detail.toPlainText()
        )
    )
    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == recorded.id)
    assert page.model.index(row, 3).data() == NEW_SUBJECT
    assert page.model.index(row, 4).data() == agency
    assert page.table.currentIndex().row() == row

    text = page.detail.toPlainText()
    history = text[text.index(_("History")) :]
    assert REASON in history
    assert OLD_SUBJECT in history and NEW_SUBJECT in history and "→" in history
    assert history.index(OLD_SUBJECT) < history.index(NEW_SUBJECT)
    assert desk.reference.label("agency", "PUPRPKPP") in history and agency in history
    assert desk.local_day(recorded.received_at).strftime("%d/%m/%Y") in history


def test_history_is_escaped(qtbot, window, desk):
    from desk_app.services import corrections

    recorded = intake.record_complaint(desk, make_form())
    form = corrections.form_of(desk, recorded.id)
    form.subject = "<b>tebal</b> & <i>miring</i>"
    corrections.correct_complaint(desk, recorded.id, form, "<script>x</script>")
    page = window.complaints
    select(qtbot, page, recorded)
    text = page.detail.toPlainText()
    assert "<b>tebal</b> & <i>miring</i>" in text and "<script>x</script>" in text


def test_clerk_may_correct_own_entry_only(qtbot, make_window, desk, user_messages):
    budi = desk.acting(Actor("budi", "Budi", Role.CLERK))
    theirs = intake.record_complaint(budi, make_form(subject="Lampu jalan mati"))
    ani = desk.acting(Actor("ani", "Ani", Role.CLERK))
    mine = intake.record_complaint(ani, make_form(subject="Sampah menumpuk"))
    window = make_window(ani)
    page = window.complaints
    window.go_list()
    select(qtbot, page, theirs)
    assert page.correct_button.isVisible() and not page.correct_button.isEnabled()
    assert page.correct_button.toolTip()
    select(qtbot, page, mine)
    assert page.correct_button.isEnabled()
    dialog = open_dialog(qtbot, page)
    # Closing untouched asks nothing.
    dialog.reject()
    assert user_messages.confirms == []


def test_it_officer_is_not_offered_corrections(qtbot, make_window, desk):
    recorded = intake.record_complaint(desk, make_form())
    window = make_window(desk.acting(Actor("tono", "Tono", Role.IT)))
    page = window.complaints
    window.go_list()
    select(qtbot, page, recorded)
    assert not page.correct_button.isVisible()
