"""The IT officer enters the desk's own calendar days on the settings tab; the next complaint
recorded counts them, without a restart."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from desk_app.services import holidays, intake
from tests.conftest import CLERK, IT, make_form


def settings_tab(qtbot, make_window, desk):
    window = make_window(desk.acting(IT))
    page = window.settings_page
    with qtbot.waitSignal(page.holidays.loaded):
        window.tabs.setCurrentWidget(page)
    return window, page.holidays


def test_it_adds_a_local_holiday_and_the_next_due_date_moves(qtbot, make_window, desk):
    window, panel = settings_tab(qtbot, make_window, desk)
    form = make_form(category="PENDIDIKAN", received_at="2026-03-17T02:00:00+00:00")
    now = dt.datetime(2026, 3, 25, 3)
    before = intake.record_complaint(desk.acting(CLERK), form, now=now, draft_key=None)

    qtbot.keyClicks(panel.day, "27/03/2026")
    qtbot.keyClicks(panel.name, "Hari Jadi Kabupaten")
    qtbot.keyClicks(panel.reason, "Perbup 12/2026")
    with qtbot.waitSignal(panel.loaded):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)

    shown = [panel.model.index(0, c).data() for c in range(panel.model.columnCount())]
    assert shown[:3] == ["27/03/2026", "libur", "Hari Jadi Kabupaten"]
    after = intake.record_complaint(desk.acting(CLERK), form, now=now, draft_key=None)
    assert (before.due_date, after.due_date) == (dt.date(2026, 3, 31), dt.date(2026, 4, 1))


def test_without_a_reason_nothing_is_stored_and_what_was_typed_stays(qtbot, make_window, desk):
    window, panel = settings_tab(qtbot, make_window, desk)
    qtbot.keyClicks(panel.day, "27/03/2026")
    qtbot.keyClicks(panel.name, "Hari Jadi Kabupaten")
    qtbot.keyClick(panel.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(panel.error.text()))
    assert "alasan" in panel.error.text().lower()
    assert panel.day.text() == "27/03/2026" and panel.name.text() == "Hari Jadi Kabupaten"
    assert holidays.list_days(desk.acting(IT)) == []


def test_a_day_is_removed_with_a_reason(qtbot, make_window, desk):
    holidays.add_working_day(desk.acting(IT), dt.date(2026, 3, 24), "Masuk", "SKB 2026")
    window, panel = settings_tab(qtbot, make_window, desk)
    assert panel.model.index(0, 3).data() == "Cuti Bersama Hari Raya Idul Fitri"
    assert not panel.remove_button.isEnabled()
    panel.table.selectRow(0)
    qtbot.keyClicks(panel.reason, "SKB dicabut")
    with qtbot.waitSignal(panel.loaded):
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 0
    assert holidays.list_days(desk.acting(IT)) == []
