"""The IT officer's users screen: the desk's users in a table, and adding one, changing a role,
disabling (never deleting: history keeps the name) and resetting a password."""

from __future__ import annotations

import functools

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.roles import Action, Role
from desk_app.errors import DeskError, PasswordRejected, UserExists, UsernameInvalid
from desk_app.i18n import N_, _
from desk_app.services import accounts
from desk_app.services.accounts import UserInfo
from desk_app.services.desk import Desk

from ui import messages
from ui.field_form import FieldForm, FittingDialog
from ui.intake.fields import ChoiceCombo
from ui.paged_model import RowsTableModel
from ui.tables import record_table
from ui.workers import Runner

COLUMNS = [
    N_("User name"),
    N_("Full name"),
    N_("Role"),
    N_("Status"),
    N_("Must change password"),
]
# The roles a person can have (the desk service identity is enabled by IT from the CLI).
PERSON_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.IT)


def _role_items() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in PERSON_ROLES]


class UserModel(RowsTableModel):
    """The users as read by accounts.list_users; disabled ones greyed."""

    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)

    def set_users(self, users: list[UserInfo]) -> None:
        self.set_rows(users)

    def user_at(self, row: int) -> UserInfo:
        return self.row_at(row)

    def row_of(self, username: str) -> int:
        return next((i for i, u in enumerate(self._rows) if u.username == username), -1)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        user = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(user, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and user.disabled:
            return QColor("#777777")
        return None

    @staticmethod
    def _text(user: UserInfo, column: int) -> str:
        if column == 0:
            return user.username
        if column == 1:
            return user.full_name
        if column == 2:
            return user.role.label
        if column == 3:
            return _("disabled") if user.disabled else _("active")
        return _("yes") if user.must_change_password else ""


class UsersPage(QWidget):
    """Signals: loaded() after the list was read; changed(object UserInfo) after a change.

    Every action goes through services.accounts with desk.actor (which checks MANAGE_USERS).
    The own row offers nothing: another IT officer changes your role or disables you.
    """

    loaded = Signal()
    changed = Signal(object)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = UserModel(self)
        self._select_after_load: str | None = None

        title = QLabel(_("Users of this desk"))
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        hint = QLabel(
            _(
                "Users are never deleted, so the history keeps their names: disable one who "
                "leaves. A new or reset password must be changed at the next sign-in."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.table = record_table(self.model, "users_table", stretch=1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.change_role())

        self.add_button = QPushButton(_("&Add user…"))
        self.role_button = QPushButton(_("Change &role…"))
        self.disable_button = QPushButton(_("&Disable"))
        self.reset_button = QPushButton(_("Reset &password…"))
        self.add_button.clicked.connect(self.add_user)
        self.role_button.clicked.connect(self.change_role)
        self.disable_button.clicked.connect(self.toggle_disabled)
        self.reset_button.clicked.connect(self.reset_password)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.role_button, self.disable_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setObjectName("users_note")
        self.note.setProperty("role", "hint")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self._update_buttons()

    # -- reading -----------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Read when shown: users may have been changed from the CLI meanwhile."""
        super().showEvent(event)
        actor = self.desk.actor
        if actor is not None and actor.may(Action.MANAGE_USERS):  # not after a switch of user
            self.refresh()

    def refresh(self, select: str | None = None) -> None:
        self._select_after_load = select or self._selected_name()
        self.runner.read(
            accounts.list_users,
            self.desk,
            self.desk.actor,
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _loaded(self, users: list[UserInfo]) -> None:
        self.model.set_users(users)
        row = self.model.row_of(self._select_after_load or "")
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        messages.show_error(self, exc)

    # -- the selection -----------------------------------------------------------------

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user_at(rows[0].row()) if rows else None

    def _selected_name(self) -> str | None:
        user = self.selected()
        return user.username if user else None

    def select(self, username: str) -> None:
        row = self.model.row_of(username)
        if row >= 0:
            self.table.selectRow(row)

    def _is_self(self, user: UserInfo) -> bool:
        actor = self.desk.actor
        return actor is not None and actor.username == user.username

    def _update_buttons(self) -> None:
        user = self.selected()
        usable = user is not None and not self._is_self(user)
        for button in (self.role_button, self.disable_button, self.reset_button):
            button.setEnabled(usable)
        self.disable_button.setText(
            _("&Enable") if user is not None and user.disabled else _("&Disable")
        )
        if user is not None and self._is_self(user):
            self.note.setText(_("This is you: another IT officer changes your role or account."))
        else:
            self.note.clear()

    # -- actions -----------------------------------------------------------------------

    def add_user(self) -> None:
        info = AddUserDialog.ask(self.desk, self)
        if info is not None:
            self._changed(info, _("{username} was added.").format(username=info.username))

    def change_role(self) -> None:
        user = self.selected()
        if user is None or self._is_self(user):
            return
        role = RoleDialog.ask(user, self)
        if role is None or role == user.role:
            return
        self.runner.write(
            accounts.set_role,
            self.desk,
            self.desk.actor,
            user.username,
            role,
            on_done=lambda info: self._changed(
                info,
                _("{username} is now {role}.").format(username=info.username, role=info.role.label),
            ),
            on_error=self._failed,
        )

    def toggle_disabled(self) -> None:
        user = self.selected()
        if user is None or self._is_self(user):
            return
        disable = not user.disabled
        if disable and not messages.confirm(
            self,
            _("Disable a user"),
            _(
                "Disable {username}? They can no longer sign in. Their name stays in the "
                "history, and you can enable the account again."
            ).format(username=user.username),
            _("Disable"),
            _("Cancel"),
            safe=messages.NO,
        ):
            return
        self.runner.write(
            functools.partial(accounts.disable_user, disabled=disable),
            self.desk,
            self.desk.actor,
            user.username,
            on_done=lambda info: self._changed(
                info,
                (_("{username} is disabled.") if disable else _("{username} is enabled.")).format(
                    username=info.username
                ),
            ),
            on_error=self._failed,
        )

    def reset_password(self) -> None:
        user = self.selected()
        if user is None or self._is_self(user):
            return
        info = ResetPasswordDialog.ask(self.desk, user, self)
        if info is not None:
            self._changed(
                info,
                _("The password of {username} was reset; it must be changed at sign-in.").format(
                    username=info.username
                ),
            )

    def _changed(self, info: UserInfo, text: str) -> None:
        self.note.setText(text)
        messages.status(text)
        self.refresh(select=info.username)
        self.changed.emit(info)

    def focus_table(self) -> None:
        self.table.setFocus()


# -- dialogs -----------------------------------------------------------------------------------


class _UserDialog(FittingDialog):
    """A FieldForm, an intro line and OK/Cancel; `try_save` does the work inline (it hashes a
    password: a fraction of a second, as signing in does)."""

    def __init__(self, title: str, intro: str, ok: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.result_info: UserInfo | None = None
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        self.form = FieldForm()
        self.save = QPushButton(ok)
        self.save.setObjectName("save")
        self.save.setDefault(True)
        cancel = QPushButton(_("Cancel"))
        buttons = QDialogButtonBox()
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.try_save)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(500)

    def _passwords(self) -> tuple[QLineEdit, QLineEdit]:
        password = self.form.add(
            "password",
            _("&Password"),
            QLineEdit(),
            _("At least {minimum} characters; the user chooses their own at sign-in.").format(
                minimum=accounts.MIN_PASSWORD_LENGTH
            ),
        )
        repeat = self.form.add("repeat", _("R&epeat password"), QLineEdit())
        for edit in (password, repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return password, repeat

    def _check_passwords(self, password: QLineEdit, repeat: QLineEdit) -> dict[str, str]:
        if len(password.text()) < accounts.MIN_PASSWORD_LENGTH:
            return {
                "password": PasswordRejected(
                    reason="short", minimum=accounts.MIN_PASSWORD_LENGTH
                ).message()
            }
        if password.text() != repeat.text():
            return {"repeat": _("The two passwords are not the same.")}
        return {}

    def _run(self, fn, *args, **kwargs) -> None:
        """Call the service; field errors go under their fields, others to a message box.
        What was typed stays."""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.result_info = fn(*args, **kwargs)
        except (UsernameInvalid, UserExists) as exc:
            self.show_errors({"username": exc.message()})
        except PasswordRejected as exc:
            self.show_errors({"password": exc.message()})
        except DeskError as exc:  # PermissionDenied among them
            messages.show_error(self, exc)
        except Exception as exc:  # noqa: BLE001 - a bug: reported with details, typing kept
            messages.show_error(self, exc)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if self.result_info is not None:
            self.accept()

    def show_errors(self, errors: dict[str, str]) -> None:
        self.form.show_errors(errors)
        self.fit()

    def try_save(self) -> None:
        raise NotImplementedError


class AddUserDialog(_UserDialog):
    """A new user with a role and an initial password they must change at the first sign-in."""

    def __init__(self, desk: Desk, parent=None) -> None:
        super().__init__(
            _("Add a user"),
            _("The new user signs in with this password and then chooses their own."),
            _("&Add"),
            parent,
        )
        self.desk = desk
        self.username = self.form.add(
            "username",
            _("&User name"),
            QLineEdit(),
            _("Lowercase letters, digits, dot, dash or underscore, e.g. ani.r"),
        )
        self.full_name = self.form.add("full_name", _("&Full name"), QLineEdit())
        self.role = self.form.add("role", _("R&ole"), ChoiceCombo(_role_items()))
        self.password, self.repeat = self._passwords()

    def try_save(self) -> None:
        errors: dict[str, str] = {}
        if not self.username.text().strip():
            errors["username"] = _("The user needs a user name.")
        if not self.full_name.text().strip():
            errors["full_name"] = _("Type the user's full name: the history shows it.")
        errors.update(self._check_passwords(self.password, self.repeat))
        self.show_errors(errors)
        if errors:
            return
        self._run(
            accounts.create_user,
            self.desk,
            self.desk.actor,
            self.username.text(),
            self.full_name.text().strip(),
            Role(self.role.value()),
            self.password.text(),
        )

    @classmethod
    def ask(cls, desk: Desk, parent=None) -> UserInfo | None:
        """Show the dialog; the new user, or None when cancelled."""
        dialog = cls(desk, parent)
        dialog.exec()
        return dialog.result_info


class ResetPasswordDialog(_UserDialog):
    """A temporary password for a user who forgot theirs; unlocks a delayed account too."""

    def __init__(self, desk: Desk, user: UserInfo, parent=None) -> None:
        super().__init__(
            _("Reset a password"),
            _(
                "A temporary password for {name} ({username}). Tell it to them in person; they "
                "must choose their own at the next sign-in."
            ).format(name=user.full_name or user.username, username=user.username),
            _("&Reset"),
            parent,
        )
        self.desk, self.user = desk, user
        self.password, self.repeat = self._passwords()

    def try_save(self) -> None:
        errors = self._check_passwords(self.password, self.repeat)
        self.show_errors(errors)
        if errors:
            return
        self._run(
            accounts.reset_password,
            self.desk,
            self.desk.actor,
            self.user.username,
            self.password.text(),
        )

    @classmethod
    def ask(cls, desk: Desk, user: UserInfo, parent=None) -> UserInfo | None:
        dialog = cls(desk, user, parent)
        dialog.exec()
        return dialog.result_info


class RoleDialog(QDialog):
    """Choose a user's role; the page makes the change."""

    def __init__(self, user: UserInfo, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Change a role"))
        self.role = ChoiceCombo(_role_items())
        self.role.setObjectName("role")
        self.role.set_value(user.role.value)
        form = FieldForm()
        form.addRow(_("User"), QLabel(f"{user.full_name} ({user.username})"))
        form.addRow(_("R&ole"), self.role)
        buttons = QDialogButtonBox()
        save = QPushButton(_("&Change"))
        save.setDefault(True)
        cancel = QPushButton(_("Cancel"))
        buttons.addButton(save, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        save.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    @classmethod
    def ask(cls, user: UserInfo, parent=None) -> Role | None:
        """Show the dialog; the chosen role, or None when cancelled."""
        dialog = cls(user, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return Role(dialog.role.value())
