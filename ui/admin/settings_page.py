"""The IT officer's settings screen: every desk setting with its value and what it allows, a
bad stored one marked, and changing one (services.desk_settings: checked, audited).

A setting with a few values (the language) is chosen from a list, the others typed. A changed
desk code, name, office, region, time zone or language applies at once: the main window is
rebuilt on the reloaded desk (ui/main_window.py); the rest are read where they are used.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app import settings
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.i18n import N_, _
from desk_app.services import desk_settings
from desk_app.services.desk import Desk
from desk_app.services.desk_settings import SettingChanged, SettingRow

from ui import messages
from ui.admin.holidays_panel import HolidaysPanel
from ui.paged_model import RowsTableModel
from ui.tables import record_table
from ui.workers import Runner

COLUMNS = [N_("Setting"), N_("Value"), N_("Allowed")]


class SettingsModel(RowsTableModel):
    """The settings as desk_settings.list_settings reads them; a bad stored value in red."""

    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)

    def row_of(self, name: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.name == name), -1)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: SettingRow = self._rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return row.name  # what the CLI calls it: desk-app settings NAME VALUE
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return settings.label(row.name)
            if index.column() == 1 and row.bad:
                note = _("{value} (the default: the stored value is not valid)")
                return note.format(value=row.value)
            if index.column() == 1 and row.choices:
                return dict(row.choices).get(row.value, row.value)
            if index.column() == 1:
                return row.value
            if not row.changeable:
                return _("fixed when the desk was set up")
            return row.allowed
        if role == Qt.ItemDataRole.ForegroundRole and row.bad:
            return QColor("#b3261e")
        return None


class SettingsPage(QWidget):
    """Signals: loaded() after the list was read; changed(object SettingChanged) after a save."""

    loaded = Signal()
    changed = Signal(object)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = SettingsModel(self)

        title = QLabel(_("Desk settings"))
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        hint = QLabel(
            _(
                "Every change is kept in the audit trail and applies at once: a new desk "
                "name, office, time zone or language redraws this window."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.table = record_table(self.model, "settings_table", stretch=2)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection())

        self.value = QLineEdit()
        self.value.setObjectName("setting_value")
        self.value.returnPressed.connect(self.save)
        self.choice = QComboBox()  # instead of the line for a choice setting (the language)
        self.choice.setObjectName("setting_choice")
        self.choice.installEventFilter(self)  # Enter saves, as in the line
        self.choice.hide()
        self._wanted: str | None = None  # the setting to select once the list is read
        self.save_button = QPushButton(_("&Save setting"))
        self.save_button.clicked.connect(self.save)
        edit = QHBoxLayout()
        edit.addWidget(self.value, 1)
        edit.addWidget(self.choice, 1)
        edit.addWidget(self.save_button)
        self.error = QLabel()  # beside the field: what was typed stays
        self.error.setObjectName("setting_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit)
        layout.addWidget(self.error)
        self.holidays = HolidaysPanel(desk, runner)  # the desk's own calendar days
        layout.addWidget(self.holidays)
        self._selection()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Read when shown: settings may have been changed from the CLI meanwhile."""
        super().showEvent(event)
        actor = self.desk.actor
        if actor is not None and actor.may(Action.CONFIGURE_DESK):
            self.refresh()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if (
            watched is self.choice
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not self.choice.view().isVisible()
        ):
            self.save()
            return True
        return super().eventFilter(watched, event)

    def want(self, name: str) -> None:
        """Select `name` once the list is read (a rebuilt window shows the setting saved)."""
        self._wanted = name

    def refresh(self, select: str | None = None) -> None:
        chosen = select or self.selected_name() or self._wanted
        self.runner.read(
            desk_settings.list_settings,
            self.desk,
            on_done=lambda rows: self._loaded(rows, chosen),
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _loaded(self, rows: list[SettingRow], chosen: str | None) -> None:
        self.model.set_rows(rows)
        row = self.model.row_of(chosen or "")
        if row >= 0:
            self.table.selectRow(row)
        self._selection()
        self.loaded.emit()

    def selected(self) -> SettingRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_name(self) -> str | None:
        row = self.selected()
        return row.name if row else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            self.table.selectRow(row)

    def _selection(self) -> None:
        row = self.selected()
        editable = row is not None and row.changeable
        choosing = row is not None and bool(row.choices)
        self.value.setVisible(not choosing)
        self.choice.setVisible(choosing)
        self.value.setEnabled(editable)
        self.choice.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.value.setText(row.value if row is not None else "")
        self.choice.clear()
        if choosing:
            for value, name in row.choices:
                self.choice.addItem(name, value)
            self.choice.setCurrentIndex(max(0, self.choice.findData(row.value)))
        self.error.clear()

    def typed(self) -> str:
        """The new value as the screen holds it: the chosen item's value, or the typed line."""
        if self.choice.count():
            return str(self.choice.currentData())
        return self.value.text()

    def save(self) -> None:
        row = self.selected()
        if row is None or not row.changeable:
            return
        self.error.clear()
        self.runner.write(
            desk_settings.change_setting,
            self.desk,
            row.name,
            self.typed(),
            on_done=self._saved,
            on_error=self._refused,
        )

    def _saved(self, result: SettingChanged) -> None:
        self.changed.emit(result)
        self.refresh(select=result.name)

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, DeskError):
            self.error.setText(exc.message())
        else:
            messages.show_error(self, exc)
