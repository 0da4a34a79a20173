"""Qt's own texts (standard buttons, the file dialog, edit menus) in Indonesian through our
catalog: PySide6 ships no qtbase_id.qm, so ui/qt_language.py answers Qt's tr() calls."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (
    QDateEdit,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
)

from desk_app import i18n

from ui import qt_language


@pytest.fixture
def qt_in_indonesian(qapp):
    before = QLocale()
    i18n.install("id")
    qt_language.install()
    yield qapp
    QLocale.setDefault(before)


def test_qt_ships_no_indonesian_translation():
    """Why ui/qt_language.py exists: Qt's own file is found for German, not for Indonesian."""
    assert qt_language.qt_catalog("de") is not None
    assert qt_language.qt_catalog("id") is None


def test_standard_buttons_are_indonesian(qt_in_indonesian, qtbot):
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
        | QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Save
    )
    qtbot.addWidget(box)
    assert sorted(b.text() for b in box.buttons()) == ["&Tidak", "&Ya", "Batal", "Simpan"]


def test_file_dialog_is_indonesian(qt_in_indonesian, qtbot, tmp_path):
    dialog = QFileDialog(None, "x", str(tmp_path))
    dialog.setOptions(qt_language.file_dialog_options())
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    buttons = {button.text() for button in dialog.findChildren(QPushButton)}
    assert {"Cari di:", "&Nama berkas:", "Jenis berkas:"} <= labels
    assert {"&Simpan", "Batal"} <= buttons
    assert not labels & {"Look in:", "File &name:", "Files of type:"}
    dialog.close()


def test_line_edit_menu_is_indonesian(qt_in_indonesian, qtbot):
    edit = QLineEdit("teks")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [a.text().split("\t")[0] for a in menu.actions() if a.text()]
    assert "&Salin" in texts and "T&empel" in texts and "&Copy" not in texts


def test_calendar_names_months_in_indonesian(qt_in_indonesian, qtbot):
    edit = QDateEdit(QDate(2026, 3, 17))
    edit.setCalendarPopup(True)
    qtbot.addWidget(edit)
    calendar = edit.calendarWidget()
    assert calendar.locale().monthName(3) == "Maret"
    assert calendar.locale().dayName(1) == "Senin"


def test_english_desk_keeps_qt_texts(qt_in_indonesian, qtbot):
    i18n.install("en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes)
    qtbot.addWidget(box)
    assert box.buttons()[0].text() == "&Yes"
    assert qt_language.file_dialog_options() == QFileDialog.Option(0)
    qt_language.apply_locale()
    assert QLocale().monthName(3) == "March"


def test_file_dialog_dates_follow_the_desk_language(qt_in_indonesian, qtbot, tmp_path):
    """QFileSystemModel writes "Date Modified" in the computer's language (QLocale::system()),
    not the desk's: the desk's dialogs read it through qt_language.LocalDates."""
    import datetime as dt
    import os

    from PySide6.QtCore import QDateTime, QTimer
    from PySide6.QtWidgets import QApplication, QTreeView

    backup = tmp_path / "cadangan.sqlite3"
    backup.write_bytes(b"x")
    when = dt.datetime(2026, 3, 17, 10, 5).timestamp()
    os.utime(backup, (when, when))
    shown: list[str] = []

    def read_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        view = dialog.findChild(QTreeView, "treeView")
        model = view.model()

        def row():
            root = view.rootIndex()
            found = [model.index(r, 0, root) for r in range(model.rowCount(root))]
            return next((i for i in found if i.data() == backup.name), None)

        qtbot.waitUntil(lambda: row() is not None)
        shown.append(model.index(row().row(), 3, view.rootIndex()).data())
        dialog.reject()

    QTimer.singleShot(0, read_the_dialog)
    assert qt_language.open_file_name(None, "x", str(tmp_path))[0] == ""  # cancelled
    modified = QDateTime.fromSecsSinceEpoch(int(when))
    assert shown == [QLocale().toString(modified, QLocale.FormatType.ShortFormat)]
    assert shown[0].startswith("17/03/26")  # Indonesian: day first, two-digit year
