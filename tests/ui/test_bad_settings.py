"""A desk whose stored setting is bad still opens its window, and says which setting is wrong."""

from __future__ import annotations

import sqlite3

import pytest

from PySide6.QtWidgets import QLabel

from desk_app.services.desk import open_desk


@pytest.fixture
def bad_zone_desk(data_dir):
    open_desk(data_dir).close()
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('timezone', 'Mars/Base')")
    conn.commit()
    conn.close()
    desk = open_desk(data_dir)
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
