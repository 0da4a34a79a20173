"""The window's faults: a second copy on the same data folder is told so and opens nothing; a
stale lock of a killed copy is taken over; an uncaught exception reaches the error box (with
"copy details"), never a console traceback the user cannot see."""

from __future__ import annotations

import subprocess
import sys

import pytest

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from desk_app.i18n import _
from tests.core import test_faults as core_faults

from ui import app as app_module
from ui import instance, messages

INSTALL_ERROR_HOOKS = app_module.install_error_hooks  # the conftest stubs it for other tests


def test_a_second_copy_is_told_and_opens_no_window(qtbot, data_dir, user_messages, monkeypatch):
    from desk_app.services import desk as desk_module

    from ui import app as app_module

    held, lock = instance.acquire(data_dir)  # the first copy's window
    assert held and lock is not None

    def must_not_open(*_args, **_kwargs):
        raise AssertionError("the second copy opened the desk")

    monkeypatch.setattr(desk_module, "open_desk", must_not_open)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    previous = qInstallMessageHandler(None)
    qInstallMessageHandler(previous)
    try:
        assert app_module.run_gui(str(data_dir)) == 1
    finally:
        qInstallMessageHandler(previous)
        lock.unlock()
    assert len(user_messages.infos) == 1
    assert str(data_dir) in user_messages.infos[0]
    assert user_messages.infos[0].startswith(_("Meja Aduan is already open")[:10])


def test_the_lock_of_a_killed_copy_is_taken_over(data_dir):
    script = (
        "import sys, time\n"
        "from PySide6.QtCore import QLockFile\n"
        "lock = QLockFile(sys.argv[1])\n"
        "assert lock.tryLock(0)\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(instance.lock_path(data_dir))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "locked"
    child.kill()  # killed: its lock file stays behind
    child.wait(timeout=30)
    assert instance.lock_path(data_dir).exists()
    held, lock = instance.acquire(data_dir)
    assert held and lock is not None
    lock.unlock()


def test_an_uncaught_exception_reaches_the_error_box(qtbot, user_messages, monkeypatch):

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    previous = INSTALL_ERROR_HOOKS()
    try:
        try:
            raise RuntimeError("a bug")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
            raised = exc
    finally:
        qInstallMessageHandler(previous)
    assert user_messages.errors == [raised]


@pytest.fixture
def box_seen(monkeypatch):
    """Stand-in for QMessageBox.exec: press "copy details" (if there), record what it shows."""
    seen: dict[str, object] = {}

    def fake_exec(box):
        seen["buttons"] = [b.text() for b in box.buttons()]
        for button in box.buttons():
            if button.text() == _("Copy details"):
                button.click()
        seen["text"] = box.text()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return seen


def test_a_bug_box_offers_copy_details_without_the_class_name_in_its_text(qtbot, box_seen):
    QApplication.clipboard().clear()
    try:
        raise RuntimeError("a bug")
    except RuntimeError as exc:
        messages.show_error(None, exc)
    assert _("Copy details") in box_seen["buttons"]
    assert "RuntimeError" not in box_seen["text"]
    copied = QApplication.clipboard().text()
    assert copied.startswith("RuntimeError") and "test_faults_gui.py" in copied


@pytest.fixture
def read_only_data_dir(data_dir, tmp_path, monkeypatch):
    """A set-up desk's data folder, seen read-only (see tests/core/test_faults.py)."""
    monkeypatch.setattr("desk_app.services.credentials.HASHER", core_faults.CHEAP)
    core_faults.set_up_desk(data_dir)
    with core_faults.read_only_view(data_dir, tmp_path) as view:
        yield view


def test_a_read_only_data_folder_opens_and_says_why_nothing_saves(
    qtbot, read_only_data_dir, user_messages, monkeypatch
):
    from desk_app.errors import DeskReadOnly

    from ui import app as app_module
    from ui.login import LoginDialog

    asked = []
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda cls, d, *_, **__: asked.append(d)))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    previous = qInstallMessageHandler(None)
    qInstallMessageHandler(previous)
    try:
        assert app_module.run_gui(str(read_only_data_dir)) == 0  # quit at the login
    finally:
        qInstallMessageHandler(previous)
    assert [type(e) for e in user_messages.errors] == [DeskReadOnly]
    assert len(asked) == 1 and asked[0].db.read_only  # signing in still works, unrecorded
