"""A desk whose stored setting is bad still opens its window and says which setting is wrong;
the IT officer repairs it in the settings tab."""

from __future__ import annotations

import sqlite3

import pytest

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app.services.desk import open_desk
from tests.conftest import CLERK, IT, SUPERVISOR, set_up_desk


@pytest.fixture
def bad_zone_desk(data_dir):
    """A set-up desk whose stored time zone is Mars/Base, acting as the supervisor."""
    set_up_desk(data_dir)
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('timezone', 'Mars/Base')")
    conn.commit()
    conn.close()
    desk = open_desk(data_dir).acting(SUPERVISOR)
    yield desk
    desk.close()


def test_the_window_opens_and_names_the_bad_setting(qtbot, bad_zone_desk, user_messages):
    from ui.main_window import MainWindow

    window = MainWindow(bad_zone_desk)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    note = window.findChild(QLabel, "bad_settings_label")
    assert note is not None and note.isVisible()
    assert "timezone" in note.text() and "desk-app settings timezone" in note.text()
    window.close()
    window.runner.wait()


def test_a_desk_with_good_settings_has_no_note(qtbot, window):
    assert window.findChild(QLabel, "bad_settings_label") is None


@pytest.fixture
def it_window(qtbot, bad_zone_desk, user_messages):
    from ui.main_window import MainWindow

    window = MainWindow(bad_zone_desk.acting(IT))
    window.show()
    qtbot.waitExposed(window)
    yield window
    if shiboken6.isValid(window):  # a saved desk setting replaces the window
        window.close()
        window.runner.wait()


def open_settings(qtbot, window):
    page = window.settings_page
    with qtbot.waitSignal(page.loaded):
        window.tabs.setCurrentWidget(page)
    page.select("timezone")
    return page


def test_it_sees_the_bad_setting_marked_in_the_settings_tab(qtbot, it_window):
    page = open_settings(qtbot, it_window)
    row = page.model.row_of("timezone")
    shown = page.model.index(row, 1).data()
    assert shown.startswith("Asia/Jakarta") and shown != "Asia/Jakarta"


def test_a_bad_value_typed_in_the_tab_is_refused_beside_the_field(qtbot, it_window):
    page = open_settings(qtbot, it_window)
    page.value.clear()
    qtbot.keyClicks(page.value, "Mars/Base")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "timezone" in page.error.text())
    assert page.value.text() == "Mars/Base"  # what was typed stays


def test_it_repairs_the_bad_setting_in_the_tab(qtbot, it_window, bad_zone_desk):
    from desk_app import settings

    page = open_settings(qtbot, it_window)
    page.value.clear()
    qtbot.keyClicks(page.value, "Asia/Makassar")
    with qtbot.waitSignal(page.changed):
        qtbot.keyClick(page.value, Qt.Key.Key_Return)
    assert settings.load(bad_zone_desk.db).bad == ()
    assert settings.get(bad_zone_desk.db, "timezone") == "Asia/Makassar"


def test_a_clerk_has_no_settings_tab(qtbot, desk, user_messages):
    from ui.main_window import MainWindow

    window = MainWindow(desk.acting(CLERK))
    qtbot.addWidget(window)
    assert window.settings_page is None
    window.close()
    window.runner.wait()


def test_the_settings_model_passes_qtmodeltester(qtmodeltester, it_window, qtbot):
    page = open_settings(qtbot, it_window)
    qtmodeltester.check(page.model)
