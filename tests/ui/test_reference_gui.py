"""Reference data on screen, as a clerk at a regency desk meets it: the agencies offered, the
clerk's own words and other spellings in the type-ahead, the kecamatan in the detail, and the
sources in About."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt

from desk_app import settings
from desk_app.services import intake
from tests.conftest import CLERK, make_form


@pytest.fixture
def bengkalis_window(make_window, desk):
    settings.set_value(desk.db, "region", "14.03")
    return make_window(desk.reloaded().acting(CLERK))


def type_into(qtbot, combo, text: str) -> list[str]:
    """Type into a search combo; return what its popup offers."""
    combo.setFocus()
    qtbot.waitUntil(lambda: combo.lineEdit().hasFocus())
    qtbot.keyClicks(combo.lineEdit(), text)
    popup = combo.completer().completionModel()
    return [popup.index(row, 0).data() for row in range(popup.rowCount())]


def test_a_bengkalis_desk_offers_bengkalis_agencies_the_provinces_and_not_siaks(
    qtbot, bengkalis_window
):
    form = bengkalis_window.intake.form
    offered = type_into(qtbot, form.agency, "Dinas Pendidikan")
    assert "Dinas Pendidikan Kabupaten Bengkalis" in offered
    assert "Dinas Pendidikan Provinsi Riau" in offered
    assert "Dinas Pendidikan Kabupaten Siak" not in offered
    form.agency.lineEdit().clear()
    assert type_into(qtbot, form.agency, "PLN") == [
        "PT PLN (Persero) Unit Induk Distribusi Riau dan Kepulauan Riau"
    ]


def test_pungli_typed_in_category_finds_its_category(qtbot, bengkalis_window):
    form = bengkalis_window.intake.form
    assert type_into(qtbot, form.category, "pungli") == ["Korupsi dan Pungutan Liar"]
    qtbot.keyClick(form.category.lineEdit(), Qt.Key.Key_Tab)
    assert form.category.value() == "KORUPSI_PUNGLI"
    assert form.category.currentText() == "Korupsi dan Pungutan Liar"


def test_an_alias_finds_the_region_and_a_spelling_the_district(qtbot, bengkalis_window):
    form = bengkalis_window.intake.form
    assert type_into(qtbot, form.region, "Tembilahan") == ["Kabupaten Indragiri Hilir"]
    form.region.lineEdit().clear()
    type_into(qtbot, form.region, "Rohil")
    qtbot.keyClick(form.region.lineEdit(), Qt.Key.Key_Tab)
    assert form.region.value() == "14.07"
    offered = type_into(qtbot, form.district, "Bagan Sinembah")  # Kemendagri: Bagansinembah
    assert offered == ["Bagan Sinembah Raya", "Bagansinembah"]
    qtbot.keyClick(form.district.lineEdit(), Qt.Key.Key_Tab)
    assert form.district.value() == "14.07.05"  # the one so named, not "... Raya"
    assert form.district.currentText() == "Bagansinembah"
    form.district.lineEdit().clear()
    type_into(qtbot, form.district, "Bagan Batu")
    qtbot.keyClick(form.district.lineEdit(), Qt.Key.Key_Tab)
    assert form.district.value() == "14.07.05"


def test_the_detail_names_the_kecamatan(qtbot, window, desk):
    recorded = intake.record_complaint(desk, make_form(district="14.03.02"))
    page = window.complaints
    page.model.refresh()
    qtbot.waitUntil(lambda: not page.model.is_loading())
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText())
    assert "Bantan" in page.detail.toPlainText()


def test_about_says_which_official_lists_the_reference_data_follows(window, user_messages):
    window.show_about()
    assert "Kepmendagri No. 300.2.2-2138 Tahun 2025" in user_messages.infos[-1]
    assert "PP 18/2016" in user_messages.infos[-1]
