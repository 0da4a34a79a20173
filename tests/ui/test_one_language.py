"""One language at a time: every screen, rendered in Indonesian, shows no English text from the
catalog's English side (a msgid whose Indonesian translation differs).

The walk reads what a user sees: labels, buttons, check boxes, group and tab titles, window
titles, menus, placeholders, tooltips, combo box items, table headers, and the text of read-only
text panes line by line. It cannot see a message that is never extracted; the static test in
tests/core/test_i18n.py finds those hidden in f-strings.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from desk_app.services import intake
from tests.conftest import CLERK, IT, SUPERVISOR, make_form

from ui import qt_language

PO = Path(__file__).resolve().parents[2] / "resources/locale/id/LC_MESSAGES/meja_aduan.po"


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


@functools.cache
def english_only() -> frozenset[str]:
    """The catalog's English texts whose Indonesian differs (mnemonics taken out)."""
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    found = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if all(_plain(english) != _plain(s) for s in strings if s):
                found.add(_plain(english))
    found.discard("")
    return frozenset(found)


def _columns(model) -> int:
    try:
        return model.columnCount(QModelIndex())
    except TypeError:  # a list model's columnCount is private in PySide6
        return 1


def visible_texts(root: QWidget) -> dict[str, str]:
    """Every text `root` and its children show, each with where it was seen."""
    seen: dict[str, str] = {}

    def add(text: str | None, where: str) -> None:
        if text:
            for line in str(text).splitlines():
                if _plain(line):
                    seen.setdefault(_plain(line), where)

    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        name = f"{type(w).__name__}({w.objectName() or ''})"
        add(w.toolTip(), f"{name}.toolTip")
        if w.isWindow():
            add(w.windowTitle(), f"{name}.windowTitle")
        if isinstance(w, QLabel):
            add(w.text(), f"{name}.text")
        elif isinstance(w, QAbstractButton):
            add(w.text(), f"{name}.text")
        elif isinstance(w, QGroupBox):
            add(w.title(), f"{name}.title")
        elif isinstance(w, QLineEdit):
            add(w.placeholderText(), f"{name}.placeholder")
        elif isinstance(w, QPlainTextEdit):
            add(w.placeholderText(), f"{name}.placeholder")
            if w.isReadOnly():
                add(w.toPlainText(), f"{name}.text")
        elif isinstance(w, QTextEdit):
            add(w.placeholderText(), f"{name}.placeholder")
            if w.isReadOnly():
                add(w.toPlainText(), f"{name}.text")
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add(w.itemText(i), f"{name}.item")
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                add(w.tabText(i), f"{name}.tab")
                add(w.tabToolTip(i), f"{name}.tabToolTip")
        elif isinstance(w, QMenu):
            add(w.title(), f"{name}.title")
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            columns = _columns(model)
            for section in range(columns):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    add(
                        model.headerData(section, Qt.Orientation.Horizontal, role), f"{name}.header"
                    )
            for row in range(min(model.rowCount(QModelIndex()), 5)):
                for column in range(columns):
                    index = model.index(row, column)
                    add(index.data(), f"{name}.cell")
                    add(index.data(Qt.ItemDataRole.ToolTipRole), f"{name}.cellToolTip")
        for action in w.actions():
            add(action.text(), f"{name}.action")
            add(action.toolTip() if action.toolTip() != _plain(action.text()) else "", "tip")
    return seen


def english_on(root: QWidget) -> dict[str, str]:
    english = english_only()
    return {text: where for text, where in visible_texts(root).items() if text in english}


@pytest.fixture(autouse=True)
def _qt_locale_restored(qapp):
    """qt_language.install() sets Qt's default locale; give the next test module what it had."""
    from PySide6.QtCore import QLocale

    before = QLocale()
    yield
    QLocale.setDefault(before)


@pytest.fixture
def filled(desk):
    """A few complaints, one of them confidential, so lists, details and the trail show data."""
    intake.record_complaint(desk.acting(CLERK), make_form())
    intake.record_complaint(desk.acting(CLERK), make_form(confidential="yes"))
    return desk


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR, IT], ids=lambda a: a.role.value)
def test_every_tab_of_the_main_window_is_indonesian(qtbot, make_window, filled, who):
    qt_language.install()
    window = make_window(filled.acting(who))
    found = {}
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.widget(index)
        if hasattr(page, "model") and hasattr(page.model, "is_loading"):
            qtbot.waitUntil(lambda page=page: not page.model.is_loading())
        QApplication.processEvents()
        if hasattr(page, "table") and page.table.model().rowCount():
            page.table.selectRow(0)
            QApplication.processEvents()
        window.grab().save(f"/tmp/lang/{who.role.value}-{index}.png")
        found.update(english_on(window))
    for menu in window.menuBar().findChildren(QMenu):
        found.update(english_on(menu))
    assert not found, found


def test_the_walk_would_see_english(qtbot, make_window, filled):
    """The control: the same walk on an English desk finds the catalog's English texts."""
    from desk_app import i18n

    i18n.install("en")
    window = make_window(filled.acting(SUPERVISOR))
    found = english_on(window)
    assert {"Complaints  (F3)", "Attach file…", "About Meja Aduan"} <= set(found), sorted(found)[
        :20
    ]
    assert len(found) > 40


def _walk_dialog(qtbot, dialog, name: str) -> dict[str, str]:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(f"/tmp/lang/dialog-{name}.png")
    return english_on(dialog)


def test_the_corrected_complaint_and_its_dialog_are_indonesian(qtbot, make_window, filled):
    """The detail with its History section, and the correction dialog."""
    import dataclasses

    from desk_app.services import corrections, lookup

    qt_language.install()
    desk = filled.acting(SUPERVISOR)
    row = lookup.list_complaints(desk, lookup.ListQuery()).rows[0]
    form = dataclasses.replace(
        corrections.form_of(desk, row.id), subject="Jalan amblas", agency="DINSOS"
    )
    corrections.correct_complaint(desk, row.id, form, "Salah pilih instansi")
    window = make_window(desk)
    page = window.complaints
    window.go_list()
    page.model.refresh()
    qtbot.waitUntil(lambda: not page.model.is_loading())
    at = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == row.id)
    page.table.selectRow(at)
    qtbot.waitUntil(lambda: "Riwayat" in page.detail.toPlainText())
    found = english_on(window)
    qtbot.mouseClick(page.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.correction_dialog is not None and page.correction_dialog.isVisible()
    )
    page.correction_dialog.grab().save("/tmp/lang/dialog-correction.png")
    found.update(english_on(page.correction_dialog))
    page.correction_dialog.reject()
    assert not found, found


def test_the_dialogs_are_indonesian(qtbot, filled):
    from desk_app.services import accounts, intake

    from ui.admin.privacy_page import ErasureDialog, RefusalDialog
    from ui.admin.users_page import AddUserDialog, ResetPasswordDialog, RoleDialog
    from ui.intake.duplicates import DuplicatesDialog
    from ui.login import ChangePasswordDialog, LoginDialog

    qt_language.install()
    desk = filled
    user = accounts.UserInfo(
        CLERK.username, CLERK.full_name, CLERK.role, False, False, None, dt.datetime(2026, 3, 2)
    )
    candidates = intake.find_duplicates(desk, make_form())
    dialogs = {
        "login": LoginDialog(desk),
        "password": ChangePasswordDialog(desk, CLERK, "sandi-awal-budi-1"),
        "add-user": AddUserDialog(desk),
        "reset-password": ResetPasswordDialog(desk, user),
        "role": RoleDialog(user),
        "duplicates": DuplicatesDialog(candidates, desk.zone),
        "erasure": ErasureDialog(5),
        "refusal": RefusalDialog(),
    }
    found = {}
    for name, dialog in dialogs.items():
        found.update({f"{name}: {k}": v for k, v in _walk_dialog(qtbot, dialog, name).items()})
    assert not found, found


def test_the_setup_wizard_is_indonesian(qtbot, bare_desk):
    from PySide6.QtWidgets import QWizard

    from ui.setup_wizard import SetupWizard

    qt_language.install()
    wizard = SetupWizard(bare_desk)
    found = _walk_dialog(qtbot, wizard, "wizard-0")
    for _step in range(3):
        wizard.button(QWizard.WizardButton.NextButton).click()
        QApplication.processEvents()
        found.update(english_on(wizard))
    assert not found, found
