"""What IT saves on the settings tab shows in the running window at once, without a restart:
the window is built again on the reloaded desk for the same user (ui/main_window.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app import i18n
from desk_app.services import intake
from tests.conftest import IT, make_form

RECEIVED_COLUMN = 1


def open_settings(qtbot, window):
    page = window.settings_page
    if window.tabs.currentWidget() is not page:
        with qtbot.waitSignal(page.loaded):
            window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not window.runner.is_busy())
    return page


def click_setting(qtbot, page, name: str) -> None:
    row = page.model.row_of(name)
    rect = page.table.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected_name() == name


def save_typed(qtbot, window, name: str, text: str):
    """Select `name`, type `text` over its value, press Enter; the window that replaces it."""
    page = open_settings(qtbot, window)
    click_setting(qtbot, page, name)
    page.value.selectAll()
    qtbot.keyClicks(page.value, text)
    with qtbot.waitSignal(window.session_lock.replaced) as replaced:
        qtbot.keyClick(page.value, Qt.Key.Key_Return)
    return replaced.args[0]


def first_received(qtbot, window) -> str:
    page = window.complaints
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() > 0)
    return page.model.index(0, RECEIVED_COLUMN).data()


def desk_label(window) -> str:
    return window.findChild(QLabel, "desk_label").text()


def test_a_new_time_zone_shows_in_the_list_at_once(qtbot, make_window, desk):
    form = make_form(received_at="2026-11-20T03:00:00+00:00")
    intake.record_complaint(desk, form, draft_key=None)
    window = make_window(desk.acting(IT))
    assert first_received(qtbot, window) == "20/11/2026 10:00 WIB"
    assert desk_label(window).endswith("WIB")

    new = save_typed(qtbot, window, "timezone", "Asia/Jayapura")

    assert first_received(qtbot, new) == "20/11/2026 12:00 WIT"  # in the same session
    assert desk_label(new).endswith("WIT")
    assert new.desk.actor == IT and new.isVisible()
    assert new.tabs.currentWidget() is new.settings_page  # IT is where they were
    qtbot.waitUntil(lambda: new.settings_page.selected_name() == "timezone")


def test_a_new_desk_name_and_office_show_in_the_title_and_status_bar(qtbot, make_window, desk):
    window = make_window(desk.acting(IT))
    new = save_typed(qtbot, window, "desk_name", "Meja Aduan Kabupaten Bengkalis")
    assert new.windowTitle() == "Meja Aduan — Meja Aduan Kabupaten Bengkalis"
    newer = save_typed(qtbot, new, "office", "Dinas Kominfo Bengkalis")
    assert desk_label(newer).startswith("Dinas Kominfo Bengkalis · ")
    assert newer.windowTitle() == "Meja Aduan — Meja Aduan Kabupaten Bengkalis"


def test_a_new_language_redraws_the_window_in_it(qtbot, make_window, desk):
    window = make_window(desk.acting(IT))
    tab_titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Pengaturan" in tab_titles
    page = open_settings(qtbot, window)
    click_setting(qtbot, page, "language")
    assert page.choice.isVisible() and not page.value.isVisible()
    assert page.choice.currentText() == "Bahasa Indonesia"
    qtbot.keyClick(page.choice, Qt.Key.Key_Down)
    assert page.choice.currentText() == "English"
    with qtbot.waitSignal(window.session_lock.replaced) as replaced:
        qtbot.keyClick(page.choice, Qt.Key.Key_Return)
    new = replaced.args[0]

    assert i18n.language() == "en"
    tab_titles = [new.tabs.tabText(i) for i in range(new.tabs.count())]
    assert "Settings" in tab_titles and "Pengaturan" not in tab_titles
    assert new.menuBar().actions()[0].text() == "&File"
    assert new.statusBar().currentMessage() == "Language saved: the window shows it now."
    settings_page = open_settings(qtbot, new)
    qtbot.waitUntil(lambda: settings_page.selected_name() == "language")
    row = settings_page.model.row_of("language")
    assert settings_page.model.index(row, 0).data() == "Language"
    assert settings_page.model.index(row, 1).data() == "English"


def test_a_yes_or_no_setting_reads_and_is_chosen_in_the_desks_language(qtbot, make_window, desk):
    from desk_app import settings

    window = make_window(desk.acting(IT))
    page = open_settings(qtbot, window)
    row = page.model.row_of("receipt_auto_print")
    assert page.model.index(row, 1).data() == "tidak"  # stored "no": never shown in English
    click_setting(qtbot, page, "receipt_auto_print")
    assert page.choice.isVisible() and not page.value.isVisible()
    assert [page.choice.itemText(i) for i in range(page.choice.count())] == ["ya", "tidak"]
    assert page.choice.currentText() == "tidak"
    qtbot.keyClick(page.choice, Qt.Key.Key_Up)
    with qtbot.waitSignal(page.changed):
        qtbot.keyClick(page.choice, Qt.Key.Key_Return)
    assert settings.load(desk.db)["receipt_auto_print"] is True
