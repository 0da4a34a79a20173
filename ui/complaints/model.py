"""A Qt table model over the complaint list that pages by keyset: it never loads all rows.

Each page is read on a worker; results from an older query are dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from desk_app.domain.calendar import DeadlineState, deadline_state
from desk_app.domain.complaint import Channel, Status
from desk_app.errors import DeskError
from desk_app.formatting import date_text, datetime_text
from desk_app.i18n import N_, _
from desk_app.services import lookup
from desk_app.services.desk import Desk

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


class ComplaintListModel(QAbstractTableModel):
    """Signals: loaded() after each page; failed(str) with a message for the clerk (for
    example a mistyped tracking number)."""

    loaded = Signal()
    failed = Signal(str)

    def __init__(self, desk: Desk, runner: Runner, page_size: int = lookup.PAGE_SIZE, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.page_size = page_size
        self.query = lookup.ListQuery()
        self._rows: list[lookup.ComplaintRow] = []
        self._cursor: tuple | None = None
        self._more = False
        self._loading = False
        self._generation = 0
        self._today = desk.today()

    # -- queries ------------------------------------------------------------------------

    def set_query(self, query: lookup.ListQuery) -> None:
        """Start over with a new query (search, filter or sort)."""
        self._generation += 1
        self.beginResetModel()
        self.query = query
        self._rows = []
        self._cursor = None
        self._more = True
        self._loading = False
        self._today = self.desk.today()
        self.endResetModel()
        self._load()

    def refresh(self) -> None:
        self.set_query(self.query)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802, B008 - Qt API
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802, B008 - Qt API
        if self.canFetchMore(parent):
            self._load()

    def _load(self) -> None:
        self._loading = True
        generation = self._generation
        self.runner.read(
            lookup.list_complaints,
            self.desk,
            self.query,
            self._cursor,
            self.page_size,
            on_done=lambda page: self._page_loaded(generation, page),
            on_error=lambda exc: self._page_failed(generation, exc),
        )

    def _page_loaded(self, generation: int, page: lookup.Page) -> None:
        if generation != self._generation:
            return
        if page.rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._cursor = page.cursor
        self._more = page.cursor is not None
        self._loading = False
        self.loaded.emit()

    def _page_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._more = False
        self._loading = False
        if isinstance(exc, DeskError):
            self.failed.emit(exc.message())
        else:
            from ui import messages

            messages.show_error(None, exc)

    def is_loading(self) -> bool:
        return self._loading

    def has_more(self) -> bool:
        return self._more

    # -- the table ----------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(COLUMNS):
                return _(COLUMNS[section][0])
        return None

    def row_at(self, row: int) -> lookup.ComplaintRow:
        return self._rows[row]

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
            return (
                _("(anonymous)")
                if item.anonymous or not item.reporter_name
                else (item.reporter_name)
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

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
