"""A Qt table model over the complaint list that pages by keyset: it never loads all rows.

Each page is read on a worker; results from an older query are dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desk_app.domain.calendar import DeadlineState, deadline_state
from desk_app.domain.complaint import Channel, Status
from desk_app.formatting import date_text, datetime_text, identity_text
from desk_app.i18n import N_, _
from desk_app.services import lookup
from desk_app.services.desk import Desk

from ui.paged_model import KeysetTableModel
from ui.workers import Runner

# (header, sort key or None)
COLUMNS = [
    (N_("Tracking number"), None),
    (N_("Received"), "received"),
    (N_("Reporter"), None),
    (N_("Subject"), None),
    (N_("Agency"), "agency"),
    (N_("Channel"), "channel"),
    (N_("Status"), "status"),
    (N_("Deadline"), None),
]
ID_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE = QColor("#b3261e")
DUE_TODAY = QColor("#9a6700")


class ComplaintListModel(KeysetTableModel):
    """The complaint list (see KeysetTableModel for its signals)."""

    def __init__(self, desk: Desk, runner: Runner, page_size: int = lookup.PAGE_SIZE, parent=None):
        super().__init__(
            desk,
            runner,
            lookup.list_complaints,
            lookup.ListQuery(),
            [header for header, _sort in COLUMNS],
            page_size,
            parent,
        )
        self._today = desk.today()

    def set_query(self, query: lookup.ListQuery) -> None:
        self._today = self.desk.today()  # deadlines are judged against today, even overnight
        super().set_query(query)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == ID_ROLE:
            return item.id
        if role == Qt.ItemDataRole.ForegroundRole and column == 7:
            state = self._deadline(item)
            if state is DeadlineState.OVERDUE:
                return QBrush(OVERDUE)
            if state is DeadlineState.DUE_TODAY:
                return QBrush(DUE_TODAY)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return item.subject
        return None

    def _deadline(self, item: lookup.ComplaintRow) -> DeadlineState | None:
        if item.status in ("completed", "archived", "not_authority"):
            return None
        return deadline_state(item.due_date, self._today)

    def _text(self, item: lookup.ComplaintRow, column: int) -> str:
        ref = self.desk.reference
        if column == 0:
            return item.tracking_no
        if column == 1:
            return datetime_text(item.received_at, self.desk.zone)
        if column == 2:
            if item.masked:
                return identity_text(None, masked=True)
            return (
                _("(anonymous)")
                if item.anonymous
                else identity_text(item.reporter_name, masked=False)
            )
        if column == 3:
            return item.subject
        if column == 4:
            return ref.label("agency", item.agency)
        if column == 5:
            return Channel(item.channel).label
        if column == 6:
            return Status(item.status).label
        state = self._deadline(item)
        text = date_text(item.due_date)
        if state is DeadlineState.OVERDUE:
            return _("{date} (overdue)").format(date=text)
        if state is DeadlineState.DUE_TODAY:
            return _("{date} (due today)").format(date=text)
        return text

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        from dataclasses import replace

        self.set_query(replace(self.query, sort=key, descending=descending))
