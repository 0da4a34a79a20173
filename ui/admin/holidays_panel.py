"""The desk's own calendar days on the IT settings tab: local holidays and late SKB changes,
listed with what the national calendar says of each day, added and removed with a reason
(services.holidays: checked, audited). The next complaint recorded counts them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.roles import Action
from desk_app.domain.validation import FieldInvalid, format_date, parse_date
from desk_app.errors import DeskError
from desk_app.i18n import N_, _
from desk_app.services import holidays
from desk_app.services.desk import Desk
from desk_app.services.holidays import CalendarChanged, CalendarDayRow

from ui import messages
from ui.paged_model import RowsTableModel
from ui.tables import record_table
from ui.workers import Runner

COLUMNS = [N_("Date"), N_("Kind"), N_("Name"), N_("National calendar")]
HOLIDAY, WORKING = "holiday", "working"


class CalendarDaysModel(RowsTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: CalendarDayRow = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (
                format_date(row.day),
                _("working day") if row.working else _("holiday"),
                row.name,
                row.national or _("working day"),
            )[index.column()]
        return None


class HolidaysPanel(QWidget):
    """Signals: loaded() after the list was read; changed(object CalendarChanged)."""

    loaded = Signal()
    changed = Signal(object)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = CalendarDaysModel(self)

        title = QLabel(_("Holidays and working days of this desk"))
        title.setStyleSheet("font-weight: bold;")
        hint = QLabel(
            _(
                "Deadlines skip weekends, national holidays and cuti bersama. Add a local "
                "holiday, or a day an SKB made a working day after all; the next complaint "
                "recorded counts it. Each change is kept in the audit trail with its reason."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.table = record_table(self.model, "holidays_table", stretch=2)
        self.table.setMaximumHeight(160)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection())

        self.day = QLineEdit()
        self.day.setObjectName("holiday_day")
        self.day.setPlaceholderText(_("dd/mm/yyyy"))
        self.kind = QComboBox()
        self.kind.setObjectName("holiday_kind")
        self.kind.addItem(_("holiday"), HOLIDAY)
        self.kind.addItem(_("working day (SKB)"), WORKING)
        self.name = QLineEdit()
        self.name.setObjectName("holiday_name")
        self.name.setPlaceholderText(_("e.g. Hari Jadi Kabupaten Bengkalis"))
        self.reason = QLineEdit()
        self.reason.setObjectName("holiday_reason")
        self.reason.setPlaceholderText(_("e.g. SKB 3 Menteri No. …"))
        for field in (self.day, self.name, self.reason):
            field.returnPressed.connect(self.add)
        self.add_button = QPushButton(_("Add d&ay"))
        self.add_button.setObjectName("holiday_add")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(_("Remo&ve day"))
        self.remove_button.setObjectName("holiday_remove")
        self.remove_button.clicked.connect(self.remove)
        self.error = QLabel()
        self.error.setObjectName("holiday_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)

        grid = QGridLayout()
        for column, (text, widget) in enumerate(
            [
                (_("Date"), self.day),
                (_("Kind"), self.kind),
                (_("Name"), self.name),
                (_("Reason"), self.reason),
            ]
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 0, column)
            grid.addWidget(widget, 1, column)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 2)
        grid.addWidget(self.add_button, 1, 4)
        grid.addWidget(self.remove_button, 1, 5)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.table)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        self._selection()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Read when shown: IT may have changed the days from the CLI meanwhile."""
        super().showEvent(event)
        actor = self.desk.actor
        if actor is not None and actor.may(Action.CONFIGURE_DESK):
            self.refresh()

    def refresh(self) -> None:
        self.runner.read(
            holidays.list_days,
            self.desk,
            on_done=self._loaded,
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _loaded(self, rows: list[CalendarDayRow]) -> None:
        self.model.set_rows(rows)
        self._selection()
        self.loaded.emit()

    def selected(self) -> CalendarDayRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection(self) -> None:
        self.remove_button.setEnabled(self.selected() is not None)

    def add(self) -> None:
        self.error.clear()
        try:
            day = parse_date(self.day.text())
        except FieldInvalid as exc:
            self.error.setText(str(exc))
            return
        service = holidays.add_working_day if self.kind.currentData() == WORKING else None
        self.runner.write(
            service or holidays.add_holiday,
            self.desk,
            day,
            self.name.text(),
            self.reason.text(),
            on_done=self._saved,
            on_error=self._refused,
        )

    def remove(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.error.clear()
        self.runner.write(
            holidays.remove_day,
            self.desk,
            row.day,
            self.reason.text(),
            on_done=self._saved,
            on_error=self._refused,
        )

    def _saved(self, result: CalendarChanged) -> None:
        self.day.clear()
        self.name.clear()
        self.reason.clear()
        self.changed.emit(result)
        self.refresh()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, DeskError):  # beside the fields: what was typed stays
            self.error.setText(exc.message())
        else:
            messages.show_error(self, exc)
