"""Possible duplicates, shown before saving: link to an existing complaint or save as new."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desk_app.domain.complaint import Status
from desk_app.formatting import datetime_text
from desk_app.i18n import _
from desk_app.services.intake import DuplicateCandidate

LINK, NEW = "link", "new"


class DuplicatesDialog(QDialog):
    def __init__(self, candidates: list[DuplicateCandidate], zone, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Possible duplicate"))
        self.candidates = candidates
        self.choice: tuple[str, str | None] | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "This may have been recorded already. If it is the same matter, link the new "
                "complaint to the existing one instead of opening a second case."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(candidates), 4)
        self.table.setObjectName("duplicates")
        self.table.setHorizontalHeaderLabels(
            [_("Tracking number"), _("Received"), _("Subject"), _("Why")]
        )
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, c in enumerate(candidates):
            values = [
                c.tracking_no,
                datetime_text(c.received_at, zone),
                f"{c.subject} ({Status(c.status).label})",
                ", ".join(c.reasons),
            ]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(3, 300)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        self.table.selectRow(0)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox()
        self.link_button = QPushButton(_("&Link to selected"))
        self.new_button = QPushButton(_("Save as &new complaint"))
        self.cancel_button = QPushButton(_("&Back to the form"))
        buttons.addButton(self.link_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.link_button.clicked.connect(self._link)
        self.new_button.clicked.connect(self._new)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        # Enter links nothing and records nothing: a shared phone number is not the same matter.
        # (Set once the button is in the dialog: a QDialogButtonBox makes its first accept
        # button the default when it is shown and finds no default among the dialog's buttons.)
        self.cancel_button.setDefault(True)
        self.resize(980, 320)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _link(self) -> None:
        row = max(self.table.currentRow(), 0)
        self.choice = (LINK, self.candidates[row].id)
        self.accept()

    def _new(self) -> None:
        self.choice = (NEW, None)
        self.accept()

    @classmethod
    def ask(cls, parent, candidates, zone) -> tuple[str, str | None] | None:
        """Show the dialog; return (LINK, id), (NEW, None), or None to go back to the form."""
        dialog = cls(candidates, zone, parent)
        dialog.exec()
        return dialog.choice
