"""Asks the IT officer for the client secret where no keyring keeps it between sessions: held
in this program's memory only, until it closes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from desk_app.i18n import _

from ui.field_form import FieldForm, FittingDialog


class SecretDialog(FittingDialog):
    """The secret typed in a password field; Cancel (the default for Escape) sends nothing."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Client secret for this session"))
        note = QLabel(
            _(
                "This computer has no keyring to keep the provincial secret, so it is asked "
                "for once per session. Type the client secret to continue."
            )
        )
        note.setWordWrap(True)
        self.form = FieldForm()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add(
            "secret",
            _("Client &secret"),
            self.secret,
            _("It is kept in memory only, until Meja Aduan closes."),
        )
        buttons = QDialogButtonBox()
        self.ok = QPushButton(_("&Use this secret"))
        self.ok.setDefault(True)
        cancel = QPushButton(_("Cancel"))
        buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.clicked.connect(self.try_accept)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def try_accept(self) -> None:
        if not self.secret.text().strip():
            self.form.show_errors({"secret": _("Type the client secret the province gave.")})
            self.fit()
            return
        self.accept()

    @classmethod
    def ask(cls, parent=None) -> str | None:
        """Show the dialog; the secret typed, or None when cancelled."""
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.secret.text().strip()
