"""Asking a supervisor which days the register covers (today by default)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from desk_app.i18n import _


class RegisterDialog(QDialog):
    def __init__(self, today: dt.date, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Print the register"))
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setDate(QDate(today.year, today.month, today.day))
        self.note = QLabel()
        self.note.setProperty("role", "error")
        form = QFormLayout()
        first = QLabel(_("&From"))
        first.setBuddy(self.date_from)
        last = QLabel(_("&Until"))
        last.setBuddy(self.date_to)
        form.addRow(first, self.date_from)
        form.addRow(last, self.date_to)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Preview…"))
        self.excel = buttons.addButton(_("Save as &Excel…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.excel.clicked.connect(lambda: self._check("xlsx"))
        self.format = "pdf"
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(_("The register lists every complaint received on these days (A4 landscape)."))
        )
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def _check(self, fmt: str = "pdf") -> None:
        first, last = self.range()
        if first > last:
            self.note.setText(_("The start date is after the end date."))
            return
        self.format = fmt
        self.accept()

    def range(self) -> tuple[dt.date, dt.date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()

    @classmethod
    def ask(cls, parent, today: dt.date) -> tuple[dt.date, dt.date, str] | None:
        """(first day, last day, "pdf" to preview and print or "xlsx" to save), or None."""
        dialog = cls(today, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return (*dialog.range(), dialog.format)
