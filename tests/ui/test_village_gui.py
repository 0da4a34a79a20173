"""The desa/kelurahan on screen: the form offers the villages of the chosen district only,
typed ahead like the district; the detail names it; a correction changes it and the History
says so by name."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from desk_app.services import intake
from tests.conftest import make_form
from tests.ui.test_correct import open_dialog, select
from tests.ui.test_reference_gui import type_into


def choose(qtbot, combo, text: str) -> None:
    combo.lineEdit().clear()
    type_into(qtbot, combo, text)
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Tab)


def test_the_villages_offered_are_the_chosen_districts(qtbot, window):
    form = window.intake.form
    choose(qtbot, form.region, "bengkalis")
    choose(qtbot, form.district, "bantan")
    assert form.district.value() == "14.03.02"
    offered = type_into(qtbot, form.village, "bantan")
    assert offered[:2] == ["Bantan Air", "Bantan Sari"] and "Bengkalis Kota" not in offered
    assert type_into(qtbot, form.village, "xyz") == []  # "bantanxyz": nothing
    choose(qtbot, form.village, "bantan tengah")
    assert form.village.value() == "14.03.02.2001"
    assert form.village.currentText() == "Bantan Tengah"

    choose(qtbot, form.district, "bengkalis")  # another district: Bantan's village goes
    assert form.district.value() == "14.03.01"
    assert form.village.value() == ""
    assert type_into(qtbot, form.village, "damon") == ["Damon"]


def test_the_detail_names_the_village(qtbot, window, desk):
    form = make_form(district="14.03.02", village="14.03.02.2001")
    recorded = intake.record_complaint(desk, form)
    page = window.complaints
    select(qtbot, page, recorded)
    text = page.detail.toPlainText()
    assert "Desa/kelurahan" in text and "Bantan Tengah" in text
    assert "14.03.02.2001" not in text


def test_a_corrected_village_shows_in_the_history(qtbot, window, desk):
    form = make_form(district="14.03.02", village="14.03.02.2001")
    recorded = intake.record_complaint(desk, form)
    page = window.complaints
    window.go_list()
    select(qtbot, page, recorded)
    dialog = open_dialog(qtbot, page)
    assert dialog.form.village.currentText() == "Bantan Tengah"  # filled in, by name
    choose(qtbot, dialog.form.village, "bantan air")
    assert dialog.form.village.value() == "14.03.02.2002"
    qtbot.keyClicks(dialog.reason, "Salah pilih desa")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())
    qtbot.waitUntil(lambda: "Salah pilih desa" in page.detail.toPlainText())
    history = page.detail.toPlainText().split("Salah pilih desa", 1)[1]
    assert "Desa/kelurahan" in history
    assert history.index("Bantan Tengah") < history.index("Bantan Air")


def test_the_form_with_the_village_fits_a_1366x768_window_unscrolled(qtbot, window):
    from PySide6.QtWidgets import QScrollArea

    window.resize(1366, 768)
    scroll = window.intake.findChild(QScrollArea)
    qtbot.waitUntil(lambda: scroll.viewport().height() > 500)
    assert scroll.verticalScrollBar().maximum() == 0  # every field, the drop hint too
