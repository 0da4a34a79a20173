"""GUI fixtures: a main window on a temporary desk, and a recorder for user messages."""

from __future__ import annotations

import pytest

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui import messages
from ui.style import STYLE_SHEET


class MessageRecorder:
    """Stands in for ui.messages: records what the user would have been told, and answers
    confirmations with `answer`."""

    def __init__(self) -> None:
        self.confirms: list[str] = []
        self.errors: list[BaseException] = []
        self.infos: list[str] = []
        self.safe_answers: list[str] = []  # the `safe` of each confirm
        self.answer = True

    def confirm(self, parent, title, text, yes, no, *, safe=messages.NO) -> bool:
        self.confirms.append(f"{title}: {text}")
        self.safe_answers.append(safe)
        return self.answer

    def show_error(self, parent, exc) -> None:
        self.errors.append(exc)

    def info(self, parent, title, text) -> None:
        self.infos.append(text)


@pytest.fixture(autouse=True)
def _pytest_qt_keeps_the_excepthook(monkeypatch):
    """run_gui installs the app's own sys.excepthook (an error box): in tests pytest-qt's
    stays, so an exception in a slot fails the test instead of opening a modal box."""
    from ui import app

    monkeypatch.setattr(app, "install_error_hooks", lambda: None)


@pytest.fixture(autouse=True)
def _close_replacement_windows():
    """Windows that replaced another (a switch of user, a settings change: ui/lock.py keeps
    them) are closed at the end of the test, before its desk is."""
    yield
    from ui import lock

    for window in list(lock._windows):
        if shiboken6.isValid(window):
            window.close()
            window.runner.wait()
            window.deleteLater()
    lock._windows.clear()


@pytest.fixture
def user_messages(monkeypatch):
    recorder = MessageRecorder()
    monkeypatch.setattr(messages, "confirm", recorder.confirm)
    monkeypatch.setattr(messages, "show_error", recorder.show_error)
    monkeypatch.setattr(messages, "info", recorder.info)
    return recorder


@pytest.fixture
def make_window(qtbot, desk, user_messages):
    """Build main windows on the test desk; each is shown and closed at the end."""
    from ui.main_window import MainWindow

    QApplication.instance().setStyleSheet(STYLE_SHEET)
    windows = []

    def make(acting=None):
        """A main window on the test desk, or on `acting` (the desk acting as someone)."""
        window = MainWindow(acting or desk)
        window.setWindowState(Qt.WindowState.WindowNoState)  # it opens maximised: a known size
        window.resize(1280, 820)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        window.tabs.setCurrentIndex(0)
        window.intake.form.focus_first()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if shiboken6.isValid(window):  # a test may destroy its window, as a crash would
            window.close()
            window.runner.wait()
            window.deleteLater()


@pytest.fixture
def window(make_window):
    return make_window()
