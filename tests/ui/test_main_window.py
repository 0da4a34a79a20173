"""The main window: moving between intake and list by key, closing keeps the draft, and a
database that cannot be opened gets a clear message at start."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk_app.errors import DatabaseDamaged, DatabaseTooNew
from desk_app.services import drafts, intake


def test_f2_and_f3_switch_between_intake_and_list(qtbot, window):
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F3)
    assert window.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.complaints.search)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F2)
    assert window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.intake.form.report_type)


def test_closing_the_window_keeps_what_was_typed(qtbot, window, desk):
    window.intake.form.subject.setText("Air PDAM keruh")
    window.close()
    form = drafts.load_draft(desk, intake.INTAKE_DRAFT)
    assert form is not None and form.subject == "Air PDAM keruh"


def test_the_window_opens_maximised_the_first_time(qtbot, desk, user_messages):
    from ui.main_window import MainWindow

    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    assert window.isMaximized()


def test_window_geometry_is_remembered(qtbot, desk, user_messages):
    from ui.main_window import MainWindow

    first = MainWindow(desk)
    qtbot.addWidget(first)
    first.show()
    first.showNormal()  # the clerk un-maximised it and made it smaller
    first.resize(first.minimumSizeHint().width(), 470)
    first.close()
    second = MainWindow(desk)
    qtbot.addWidget(second)
    assert second.size().height() == 470 and not second.isMaximized()


def test_damaged_database_is_refused_with_a_message(qtbot, data_dir, user_messages):
    from ui.app import run_gui

    (data_dir / "meja-aduan.sqlite3").write_bytes(b"garbage" * 1000)
    assert run_gui(str(data_dir)) == 1
    assert isinstance(user_messages.errors[0], DatabaseDamaged)
    assert (data_dir / "meja-aduan.sqlite3").read_bytes() == b"garbage" * 1000


def test_newer_database_is_refused_with_a_message(qtbot, data_dir, user_messages):
    import sqlite3

    from desk_app.services.desk import open_desk

    from ui.app import run_gui

    open_desk(data_dir).close()
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    conn.execute("update alembic_version set version_num = 'ffff'")
    conn.commit()
    conn.close()
    assert run_gui(str(data_dir)) == 1
    assert isinstance(user_messages.errors[0], DatabaseTooNew)


def test_english_is_the_second_language(qtbot, make_window):
    from desk_app import i18n

    indonesian = make_window()
    assert indonesian.tabs.tabText(0).startswith("Pengaduan baru")
    i18n.install("en")
    english = make_window()
    assert english.tabs.tabText(0).startswith("New complaint")
    assert english.intake.save_button.text().startswith("&Save")
