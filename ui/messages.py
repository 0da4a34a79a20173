"""The one way to tell the user something: every message box is built here, with buttons in
the desk's language (Qt ships no Indonesian translation of its standard buttons)."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desk_app.errors import DeskError
from desk_app.i18n import _
from desk_app.logs import scrub

log = logging.getLogger(__name__)


def _box(parent, icon, title: str, text: str, details: str | None = None) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    if details:
        box.setDetailedText(details)
    return box


def info(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Information, title, text)
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


YES, NO = "yes", "no"


def confirm(
    parent: QWidget | None, title: str, text: str, yes: str, no: str, *, safe: str = NO
) -> bool:
    """Ask a yes/no question; returns True for yes.

    `safe` names the answer that loses nothing (YES or NO): Enter and Escape both give it, so a
    key pressed without reading never discards, erases or replaces anything. Say it at every
    call (tests/ui/test_defaults.py checks that each call in ui/ does): "no" is safe for
    "discard this?", "yes" for "restore what was typed?".
    """
    box = _box(parent, QMessageBox.Icon.Question, title, text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.NoRole)
    safe_button = yes_button if safe == YES else no_button
    box.setDefaultButton(safe_button)
    box.setEscapeButton(safe_button)
    box.exec()
    return box.clickedButton() is yes_button


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Expected failures in plain words; a bug gets an apology and details to copy.

    Only the exception type and traceback are logged, never its text (it may hold personal data).
    """
    details = None
    if isinstance(exc, DeskError):
        box = _box(parent, QMessageBox.Icon.Warning, _("Meja Aduan"), exc.message())
    else:
        trace = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unexpected %s\n%s", type(exc).__name__, trace)
        details = scrub(f"{type(exc).__name__}\n{trace}")  # for IT: type and code lines only
        box = _box(
            parent,
            QMessageBox.Icon.Critical,
            _("Meja Aduan"),
            _(
                "Something unexpected went wrong. What you typed is kept. "
                "Please tell the IT officer and give them the details."
            ),
            details=details,
        )
    if details:
        # Copies without closing the box (an ActionRole button does not close it).
        copy = box.addButton(_("Copy details"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def status(text: str, msecs: int = 5000) -> None:
    """A short note in the main window's status bar."""
    for widget in QApplication.topLevelWidgets():
        bar = getattr(widget, "statusBar", None)
        if callable(bar) and widget.isVisible():
            bar().showMessage(text, msecs)
            return
