"""The IT officer's backups screen: the copies in the backups folder, making one now, and
restoring one (IT only, confirmed; the current database is copied first, then the app closes).

A restore replaces the database file, so it runs with the desk closed: the window's work is
drained, the desk's connections are closed, and backup.restore runs on the GUI thread (nothing
else may touch the database meanwhile, not even a timer). When it succeeds the user is told and
the application quits, so that every window, cache and connection starts again on the restored
file. When it is refused nothing has changed and the desk simply goes on (its engine reconnects
to the same file at the next use).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app import paths
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.i18n import N_, _
from desk_app.services import backup, retention
from desk_app.services.desk import Desk

from ui import messages, qt_language
from ui.paged_model import RowsTableModel
from ui.tables import record_table
from ui.workers import Runner

COLUMNS = [N_("Made on"), N_("Kind"), N_("Size"), N_("File")]
_KINDS = {
    backup.MANUAL: N_("manual"),
    backup.DAILY: N_("daily (automatic)"),
    backup.PRE_RESTORE: N_("before a restore"),
    "pre-migration": N_("before an update"),
}


def kind_label(kind: str) -> str:
    return _(_KINDS[kind]) if kind in _KINDS else kind


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return _("{size} KB").format(size=max(1, round(size / 1024)))
    return _("{size:.1f} MB").format(size=size / (1024 * 1024))


class BackupModel(RowsTableModel):
    """Backups as list_backups finds them (newest first): local time, kind, size, file name."""

    def __init__(self, desk: Desk, parent=None) -> None:
        super().__init__(COLUMNS, parent)
        self.desk = desk

    def set_files(self, files: list[Path]) -> None:
        rows = []
        for path in files:
            item = backup.parse_name(path.name)
            try:
                size = path.stat().st_size
            except OSError:  # removed meanwhile
                continue
            if item is not None:
                rows.append((path, item, size))
        self.set_rows(rows)

    def path_at(self, row: int) -> Path:
        return self._rows[row][0]

    def row_of(self, path: Path) -> int:
        return next((i for i, r in enumerate(self._rows) if r[0] == path), -1)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        path, item, size = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                local = item.when.replace(tzinfo=dt.UTC).astimezone(self.desk.zone)
                return local.strftime("%d/%m/%Y %H:%M")
            if column == 1:
                return kind_label(item.kind)
            if column == 2:
                return size_text(size)
            return path.name
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BackupPage(QWidget):
    """Signals: loaded() after the list was read; made(object Path) after a backup was made;
    restored(object Path) after a restore (the pre-restore copy, or None), just before quitting.

    make_backup checks Action.BACKUP itself; restore takes no desk, so RESTORE is checked here
    (the button is not offered without it, and restore_file refuses too).
    """

    loaded = Signal()
    made = Signal(object)
    restored = Signal(object)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = BackupModel(desk, self)
        self._select_after_load: Path | None = None

        title = QLabel(_("Backups of this desk"))
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        hint = QLabel(
            _(
                "A backup is made automatically once a day and before every update. Restoring "
                "one first copies the current database into this list, then Meja Aduan closes; "
                "start it again to work on the restored data."
            )
        )
        self.retention_label = QLabel(retention.describe(retention.from_settings(desk.db)))
        self.retention_label.setObjectName("backups_retention")
        self.retention_label.setProperty("role", "hint")
        self.retention_label.setWordWrap(True)
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.folder_label = QLabel(_("Folder: {folder}").format(folder=paths.backups_dir()))
        self.folder_label.setProperty("role", "hint")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = record_table(self.model, "backups_table", stretch=3)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

        self.make_button = QPushButton(_("&Make a backup now"))
        self.make_button.setObjectName("make_backup")
        self.restore_button = QPushButton(_("&Restore…"))
        self.restore_button.setObjectName("restore_backup")
        self.file_button = QPushButton(_("Restore from &another file…"))
        self.file_button.setObjectName("restore_file")
        self.make_button.clicked.connect(self.make_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.file_button.clicked.connect(self.restore_from_file)
        may_restore = self._may(Action.RESTORE)
        self.restore_button.setVisible(may_restore)
        self.file_button.setVisible(may_restore)
        self.make_button.setVisible(self._may(Action.BACKUP))
        buttons = QHBoxLayout()
        for button in (self.make_button, self.restore_button, self.file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setObjectName("backups_note")
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.retention_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.note)
        self._update_buttons()

    def _may(self, action: Action) -> bool:
        actor = self.desk.actor
        return actor is not None and actor.may(action)

    # -- reading -----------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Read when shown: the daily backup or the CLI may have added copies meanwhile."""
        super().showEvent(event)
        self.retention_label.setText(retention.describe(retention.from_settings(self.desk.db)))
        self.refresh()

    def refresh(self, select: Path | None = None) -> None:
        self._select_after_load = select or self.selected()
        self.runner.read(
            backup.list_backups,
            paths.backups_dir(),
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _loaded(self, files: list[Path]) -> None:
        self.model.set_files(files)
        row = self.model.row_of(self._select_after_load) if self._select_after_load else -1
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.make_button.setEnabled(True)
        messages.show_error(self, exc)

    def selected(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.path_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    # -- making one --------------------------------------------------------------------

    def make_now(self) -> None:
        self.make_button.setEnabled(False)
        self.note.setText(_("Making a backup…"))
        self.runner.write(backup.make_backup, self.desk, on_done=self._made, on_error=self._failed)

    def _made(self, path: Path) -> None:
        self.make_button.setEnabled(True)
        text = _("The backup {name} was made.").format(name=path.name)
        self.note.setText(text)
        messages.status(text)
        self.refresh(select=path)
        self.made.emit(path)

    # -- restoring ---------------------------------------------------------------------

    def restore_selected(self) -> None:
        path = self.selected()
        if path is not None:
            self.restore_file(path)

    def restore_from_file(self) -> None:
        name, _filter = qt_language.open_file_name(
            self,
            _("Choose a backup to restore"),
            str(paths.backups_dir()),
            _("Meja Aduan backups (*.sqlite3);;All files (*)"),
        )
        if name:
            self.restore_file(Path(name))

    def restore_file(self, path: Path) -> None:
        """Check, confirm, close the desk, restore, and quit; a refusal changes nothing."""
        if not self._may(Action.RESTORE):
            return
        try:
            backup.check_backup(path, name=path.name)  # refuse before asking, desk still open
        except DeskError as exc:
            messages.show_error(self, exc)
            return
        if not messages.confirm(
            self,
            _("Restore a backup"),
            _(
                "Restore the backup {name}? Everything recorded after it was made will no "
                "longer be in the database. The current database is copied into the backups "
                "folder first, so nothing is lost. Meja Aduan then closes; start it again."
            ).format(name=path.name),
            _("Restore and close"),
            _("Cancel"),
            safe=messages.NO,
        ):
            return
        self.note.setText(_("Restoring {name}…").format(name=path.name))
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.runner.wait()  # nothing of ours may still be using the database
            self.desk.close()
            saved = backup.restore(paths.data_dir(), path, actor=self.desk.user)
        except DeskError as exc:  # RestoreRefused, DeskInUse: nothing was changed
            QGuiApplication.restoreOverrideCursor()
            self.note.clear()
            messages.show_error(self, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug: reported with details
            QGuiApplication.restoreOverrideCursor()
            self.note.clear()
            messages.show_error(self, exc)
            return
        QGuiApplication.restoreOverrideCursor()
        self.restored.emit(saved)
        done = _("The backup {name} was restored.").format(name=path.name)
        if saved is not None:
            done += " " + _("The replaced database was kept as {copy}.").format(copy=saved.name)
        messages.info(
            self, _("Restore a backup"), done + "\n\n" + _("Meja Aduan closes now; start it again.")
        )
        QApplication.quit()
