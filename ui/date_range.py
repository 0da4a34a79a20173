"""The "from … to …" date filter the complaint list and the audit trail share."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from desk_app.i18n import _


class DateRangeFilter(QWidget):
    """A checkbox that switches the range on, and two dates shown dd/mm/yyyy.

    Signals: changed() when the range is switched or a date changes.
    """

    changed = Signal()

    def __init__(self, label: str, start: dt.date, end: dt.date, parent=None) -> None:
        super().__init__(parent)
        self.use_dates = QCheckBox(label)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.use_dates.toggled.connect(self._toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.use_dates)
        layout.addWidget(self.date_from)
        layout.addWidget(QLabel(_("to")))
        layout.addWidget(self.date_to)

    def _toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.changed.emit()

    def bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """(from, to), both inclusive, or (None, None) while the range is off."""
        if not self.use_dates.isChecked():
            return None, None
        return self.date_from.date().toPython(), self.date_to.date().toPython()
