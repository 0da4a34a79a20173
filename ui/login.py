"""Signing in: the login dialog and the forced password change after a reset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from desk_app import i18n
from desk_app.domain.roles import Actor
from desk_app.errors import DeskError
from desk_app.i18n import _

from ui.field_form import FittingDialog

if TYPE_CHECKING:  # the database layer is imported once the form is up (see ui/app.py)
    from desk_app.services.desk import Desk


class LoginDialog(FittingDialog):
    """Asks for a user name and password until they are right or the user gives up.

    Checking a password takes about a tenth of a second (argon2id), so it runs inline.

    At start the form is shown before the desk is open (`before_desk`, see ui/app.py): it takes
    keys at once, and Sign in pressed meanwhile signs in as soon as `ask` gives it the desk.
    """

    def __init__(self, desk: Desk | None, parent=None, *, title: str = "", check=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.actor: Actor | None = None
        # check(username, password) -> Actor; by default this desk's own sign-in.
        self._check = check or self._desk_sign_in
        self._waiting = desk is None and check is None  # the desk is still being opened
        self._pressed = False  # Sign in pressed while waiting
        self.language = i18n.language()  # of its texts: made again if the desk speaks another
        self.setWindowTitle(_("Meja Aduan — sign in"))
        self.title = QLabel(title or (desk.desk_name if desk is not None else ""))
        self.title.setObjectName("login_title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("login_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("&User name"), self.username)
        form.addRow(_("&Password"), self.password)
        buttons = QDialogButtonBox()
        self.sign_in = QPushButton(_("&Sign in"))
        self.sign_in.setDefault(True)
        self.quit = QPushButton(_("&Quit"))
        buttons.addButton(self.sign_in, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit, QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in.clicked.connect(self.try_sign_in)
        self.quit.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def _desk_sign_in(self, name: str, password: str) -> Actor:
        return _accounts().authenticate(self.desk, name, password)

    def try_sign_in(self) -> None:
        if self._waiting:
            self._pressed = True  # signed in once the desk is open (set_desk)
            return
        try:
            actor = self._check(self.username.text(), self.password.text())
        except DeskError as exc:
            self.message.setText(exc.message())
            self.fit()  # a wrapped message needs its lines
            self.password.clear()
            self.password.setFocus()
            return
        if actor.must_change_password and self.desk is not None:
            actor = ChangePasswordDialog.ask(self.desk, actor, self.password.text(), self)
            if actor is None:
                self.password.clear()
                return
        self.actor = actor
        self.accept()

    @classmethod
    def before_desk(cls) -> LoginDialog:
        """The sign-in form, shown now, while the desk is still being opened (ui/app.py): the
        clerk types at once. Give it to ask() with the desk once it is open."""
        dialog = cls(None)
        dialog.setModal(True)
        dialog.show()
        dialog.username.setFocus()
        return dialog

    def again(self) -> LoginDialog:
        """The same form made anew (the desk's language differs from the one it was made in):
        what was typed and where the cursor was carry over; this one closes."""
        new = type(self).before_desk()
        new.username.setText(self.username.text())
        new.password.setText(self.password.text())
        new._pressed = self._pressed
        if self.password.hasFocus():
            new.password.setFocus()
        self.close()
        self.deleteLater()
        return new

    def set_desk(self, desk: Desk) -> None:
        """The desk is open: a Sign in pressed while waiting goes ahead now."""
        self.desk = desk
        self._waiting = False
        self.title.setText(desk.desk_name)
        if self._pressed:
            self._pressed = False
            QTimer.singleShot(0, self.try_sign_in)

    @classmethod
    def ask(cls, desk: Desk, parent=None, *, shown: LoginDialog | None = None) -> Actor | None:
        """Show the dialog (or carry on with `shown`, from before_desk); the signed-in Actor,
        or None when the user quit."""
        dialog = shown or cls(desk, parent)
        if shown is not None:
            dialog.set_desk(desk)
        dialog.exec()
        return dialog.actor

    @classmethod
    def ask_restorer(cls, backup_file, parent=None) -> Actor | None:
        """The current database cannot be opened: an IT officer of the backup `backup_file`
        signs in before it is restored (services.accounts.authenticate_restorer). None when
        the user quit."""
        dialog = cls(
            None,
            parent,
            title=_("Restoring needs an IT officer of the backup {name}").format(
                name=Path(backup_file).name
            ),
            check=lambda name, pw: _accounts().authenticate_restorer(backup_file, name, pw),
        )
        dialog.exec()
        return dialog.actor


class ChangePasswordDialog(FittingDialog):
    """A new password, typed twice: after a reset, before anything else is allowed."""

    def __init__(self, desk: Desk, actor: Actor, old_password: str, parent=None) -> None:
        super().__init__(parent)
        self.desk, self.old_password = desk, old_password
        self.actor: Actor | None = None
        self.setWindowTitle(_("Choose a new password"))
        intro = QLabel(
            _(
                "{name}, your password was reset. Choose a new one of at least 10 characters."
            ).format(name=actor.full_name or actor.username)
        )
        intro.setWordWrap(True)
        self._actor_in = actor
        self.new = QLineEdit()
        self.new.setObjectName("new_password")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeat_password")
        for edit in (self.new, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("&New password"), self.new)
        form.addRow(_("&Repeat it"), self.repeat)
        buttons = QDialogButtonBox()
        self.save = QPushButton(_("&Save"))
        self.save.setDefault(True)
        cancel = QPushButton(_("Cancel"))
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.try_save)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def try_save(self) -> None:
        if self.new.text() != self.repeat.text():
            self.message.setText(_("The two passwords are not the same."))
            self.fit()
            return
        try:
            self.actor = _accounts().change_password(
                self.desk, self._actor_in, self.old_password, self.new.text()
            )
        except DeskError as exc:
            self.message.setText(exc.message())
            self.fit()
            return
        self.accept()

    @classmethod
    def ask(cls, desk: Desk, actor: Actor, old_password: str, parent=None) -> Actor | None:
        dialog = cls(desk, actor, old_password, parent)
        dialog.exec()
        return dialog.actor


def _accounts():
    """services.accounts, imported when first needed: the sign-in form is up before the
    database layer is loaded (ui/app.py)."""
    from desk_app.services import accounts

    return accounts
