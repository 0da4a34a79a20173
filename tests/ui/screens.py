"""Every window and dialog of the desk, built for tests that look at all of them at once (unique
mnemonics, fit on a 1366×768 screen, screenshots): how to add one is a line in DIALOGS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabWidget,
    QWidget,
)

from desk_app.domain.roles import Role
from desk_app.services.accounts import UserInfo
from desk_app.services.desk import Desk
from desk_app.services.intake import DuplicateCandidate
from tests.conftest import CLERK, IT, SUPERVISOR, make_form

from ui.workers import Runner

ROLES = {"clerk": CLERK, "supervisor": SUPERVISOR, "it": IT}
# The largest a dialog may be: a 1366×768 screen less a taskbar and the title bar.
SCREEN_W, SCREEN_H = 1366, 720

ANI = UserInfo(
    username="ani",
    full_name="Ani Rahmawati",
    role=Role.CLERK,
    disabled=False,
    must_change_password=False,
    locked_until=None,
    created_at=dt.datetime(2026, 3, 17, 8, 0),
)


def _candidates() -> list[DuplicateCandidate]:
    when = dt.datetime(2026, 3, 17, 1, 30)
    return [
        DuplicateCandidate(
            id="0190aaaa-0000-7000-8000-000000000001",
            tracking_no="PKU01-260317-0001-5",
            received_at=when,
            subject="Jalan berlubang di depan sekolah dasar negeri 3 Bengkalis",
            status="recorded",
            reasons=("same NIK", "same phone"),
        ),
        DuplicateCandidate(
            id="0190aaaa-0000-7000-8000-000000000002",
            tracking_no="PKU01-260316-0004-2",
            received_at=when - dt.timedelta(days=1),
            subject="Air PDAM keruh",
            status="verified",
            reasons=("similar text about the same agency",),
        ),
    ]


def _correction(desk: Desk, parent: QWidget | None) -> QWidget:
    from ui.complaints.correct import CorrectionDialog

    return CorrectionDialog(
        desk, Runner(), "0190aaaa-0000-7000-8000-000000000001", "PKU01-260317-0001-5", make_form()
    )


def _login(desk, parent):
    from ui.login import LoginDialog

    return LoginDialog(desk, parent)


def _change_password(desk, parent):
    from ui.login import ChangePasswordDialog

    return ChangePasswordDialog(desk, desk.actor, "old-password-1", parent)


def _add_user(desk, parent):
    from ui.admin.users_page import AddUserDialog

    return AddUserDialog(desk, parent)


def _reset_password(desk, parent):
    from ui.admin.users_page import ResetPasswordDialog

    return ResetPasswordDialog(desk, ANI, parent)


def _role(desk, parent):
    from ui.admin.users_page import RoleDialog

    return RoleDialog(ANI, parent)


def _duplicates(desk, parent):
    from ui.intake.duplicates import DuplicatesDialog

    return DuplicatesDialog(_candidates(), desk.zone, parent)


def _erasure(desk, parent):
    from ui.admin.privacy_page import ErasureDialog

    return ErasureDialog(5, parent)


def _refusal(desk, parent):
    from ui.admin.privacy_page import RefusalDialog

    return RefusalDialog(parent)


def _setup_wizard(desk, parent):
    from ui.setup_wizard import SetupWizard

    return SetupWizard(desk, parent)


def _sync_secret(desk, parent):
    from ui.sync.secret_dialog import SecretDialog

    return SecretDialog(parent)


def _print_preview(desk, parent):
    from desk_app.services import intake, printing

    from ui.printing.paper import preview_images
    from ui.printing.preview import PreviewDialog

    number = intake.record_complaint(desk, make_form()).tracking_no
    pdf = printing.first_receipt(desk, number, "a5").pdf
    return PreviewDialog(f"Tanda terima {number}", preview_images(pdf), parent)


def _register(desk, parent):
    from ui.printing.register_dialog import RegisterDialog

    return RegisterDialog(dt.date(2026, 3, 24), parent)


# name -> build(desk acting as a supervisor, parent): every dialog of ui/ but message boxes
# (those are built by ui/messages.py alone and tested there).
DIALOGS: dict[str, Callable[[Desk, QWidget | None], QWidget]] = {
    "login": _login,
    "change_password": _change_password,
    "add_user": _add_user,
    "reset_password": _reset_password,
    "role": _role,
    "duplicates": _duplicates,
    "correction": _correction,
    "erasure": _erasure,
    "refusal": _refusal,
    "setup_wizard": _setup_wizard,
    "sync_secret": _sync_secret,
    "print_preview": _print_preview,
    "register": _register,
}


def window_states(window: QMainWindow) -> Iterator[str]:
    """Put the main window through what it shows: each tab, the saved-complaint panel, then
    the lock screen's two faces. Yields the name of each state once it is on screen."""
    tabs: QTabWidget = window.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        yield f"tab {index} {tabs.tabText(index).split('  ')[0]}"
        if tabs.widget(index) is window.intake:
            window.intake.stack.setCurrentIndex(1)
            yield "saved panel"
            window.intake.stack.setCurrentIndex(0)
    if window.session_lock.lock_now():  # last: the window stays locked
        yield "locked"
        window.session_lock.screen.set_switching(True)
        yield "locked, switching user"


def mnemonic(text: str) -> str | None:
    """The key of a text's mnemonic as Qt reads it ("&&" is a literal ampersand), or None."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].casefold()
            i += 1
        i += 1
    return None


def mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(key, text) of every mnemonic one focus scope shows: visible buttons, labels with a
    buddy, group boxes, tabs, the wizard's buttons and the window's menu bar."""
    found: list[tuple[str, str]] = []

    def add(text: str) -> None:
        key = mnemonic(text)
        if key is not None:
            found.append((key, text))

    widgets = [window, *window.findChildren(QWidget)]
    for widget in widgets:
        if widget.window() is not window or not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QAbstractButton):
            add(widget.text())
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            add(widget.text())
        elif isinstance(widget, QGroupBox):
            add(widget.title())
        elif isinstance(widget, QTabWidget):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    add(widget.tabText(index))
    if isinstance(window, QMainWindow) and window.menuBar().isEnabled():
        for action in window.menuBar().actions():
            if action.isVisible():
                add(action.text())
    return found


def menu_scopes(window: QMainWindow) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Each menu of the window's menu bar is a focus scope of its own while it is open."""
    for title in window.menuBar().actions():
        menu = title.menu()
        if menu is None:
            continue
        found = []
        for action in menu.actions():
            key = mnemonic(action.text())
            if action.isVisible() and key is not None:
                found.append((key, action.text()))
        yield title.text(), found


def clashes(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for key, text in found:
        by_key.setdefault(key, []).append(text.replace("&", ""))
    return {key: texts for key, texts in by_key.items() if len(texts) > 1}


def dialog_states(dialog: QWidget) -> Iterator[str]:
    """What a dialog shows in turn: each page of the set-up wizard, else the dialog as opened."""
    from PySide6.QtWidgets import QWizard

    if isinstance(dialog, QWizard):
        for page_id in dialog.pageIds():
            dialog.setStartId(page_id)
            dialog.restart()
            yield f"page {page_id}"
        return
    yield "opened"


def clipped_labels(window: QWidget) -> list[str]:
    """The visible labels of `window` shown smaller than their text needs: a wrapped label
    lower than its lines, another narrower than its text."""
    found = []
    for label in window.findChildren(QLabel):
        if not label.isVisibleTo(window) or not label.text() or label.window() is not window:
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if label.height() < needed:
                found.append(f"{label.text()[:40]!r}: {label.height()} < {needed} px high")
        elif label.width() < label.minimumSizeHint().width():
            found.append(f"{label.text()[:40]!r}: {label.width()} px wide")
    return found
