"""The PII canary through the GUI: a clerk types a complaint with unmistakable personal data,
saving fails (the database is locked by another process: DeskBusy), then fails in an
unexpected way (a bug: ui.messages.show_error's apology path), the form is left with a field
error, the window is closed. The log folder, the data folder's files other than databases
(window.ini, audit.key/head), what the message boxes said, and stdout/stderr hold none of the
canary values."""

from __future__ import annotations

import sqlite3

import pytest

import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox

from desk_app import logs, paths
from desk_app.errors import DeskBusy
from desk_app.services import intake
from desk_app.store import db as store_db
from tests.core.test_pii_canary import NAME, NIK, canary_form, hits, scan_folder

from ui.intake.duplicates import NEW, DuplicatesDialog
from ui.style import STYLE_SHEET


@pytest.fixture
def boxes(monkeypatch):
    """Every message box the app shows: returns at once, its texts kept."""
    shown: list[tuple[str, str, str]] = []

    def exec_(box):
        shown.append((box.icon().name, box.text(), box.detailedText()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


@pytest.fixture
def log_to_data_folder(data_dir):
    paths.init(data_dir)
    logs.setup(excepthook=False)  # pytest-qt owns sys.excepthook during tests
    yield paths.log_dir()
    logs.teardown()


def test_pii_canary_gui(qtbot, desk, data_dir, boxes, log_to_data_folder, monkeypatch, capfd):
    from ui.main_window import MainWindow

    intake.record_complaint(desk, canary_form())  # one already on file: duplicates are offered
    monkeypatch.setattr(DuplicatesDialog, "ask", lambda *a: (NEW, None))
    QApplication.instance().setStyleSheet(STYLE_SHEET)
    window = MainWindow(desk)
    window.show()
    qtbot.waitExposed(window)
    page = window.intake

    def save_and_wait():
        page.save()
        qtbot.waitUntil(lambda: not page.is_saving(), timeout=10_000)
        window.runner.wait()

    # 1. Saving while another process holds the database's write lock: DeskBusy.
    page.form.set_form(canary_form())
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    desk.db.engine.dispose()  # new connections take the short busy timeout
    locker = sqlite3.connect(paths.db_path(), isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        save_and_wait()
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert boxes, "the failure was shown"
    assert DeskBusy().message() in [b[1] for b in boxes]
    assert page.stack.currentIndex() == 0 and page.form.get_form().reporter_name == NAME

    # 2. A bug while saving: the apology box, the type and traceback in the log.
    def broken(desk_, form):
        raise RuntimeError(f"cannot check {form.reporter_name} {form.reporter_nik}")

    real = intake.check_before_saving
    monkeypatch.setattr(intake, "check_before_saving", broken)
    save_and_wait()
    monkeypatch.setattr(intake, "check_before_saving", real)
    assert boxes[-1][0] == QMessageBox.Icon.Critical.name
    assert "RuntimeError" in boxes[-1][2]

    # 3. A field error: shown at the field, nothing logged.
    page.form.set_form(canary_form(reporter_nik=NIK[:-1]))
    save_and_wait()
    assert page.stack.currentIndex() == 0

    # 4. Close the window: geometry to window.ini, the draft to the database.
    window.close()
    window.runner.wait()
    if shiboken6.isValid(window):
        window.deleteLater()

    log_text = "".join(
        p.read_text(encoding="utf-8") for p in log_to_data_folder.glob("meja-aduan.log*")
    )
    assert "RuntimeError" in log_text  # the bug was logged, as its type and traceback
    assert (data_dir / "window.ini").exists()
    assert scan_folder(data_dir) == {}
    assert [b for b in boxes if hits(" ".join(b[1:]))] == []
    out, err = capfd.readouterr()
    assert hits(out + err) == []
