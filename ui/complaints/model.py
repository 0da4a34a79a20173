"""A Qt table model over the complaint list that pages by keyset: it never loads all rows.

Each page is read on a worker; results from an older query are dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desk_app import list_rows
from desk_app.domain.calendar import DeadlineState
from desk_app.i18n import _
from desk_app.services import lookup
from desk_app.services.desk import Desk

from ui.paged_model import KeysetTableModel
from ui.workers import Runner

# (header, sort key or None); the texts come from desk_app.list_rows, shared with the CLI
SORT_KEYS = (None, "received", None, None, "agency", "channel", "status", None)
COLUMNS = list(zip(list_rows.HEADERS, SORT_KEYS, strict=True))
ID_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE = QColor("#b3261e")
DUE_TODAY = QColor("#9a6700")
# A complaint whose status the province changed since this user last looked: its row in this
# colour, its status in bold (not only a colour), a tooltip in words.
CHANGED_ROW = QColor("#fff4c2")
# Pages the list keeps at once (2,000 rows): paging on drops the oldest from the top and
# scrolling back reads them again, so memory stays flat however far the clerk pages.
WINDOW_PAGES = 20


class ComplaintListModel(KeysetTableModel):
    """The complaint list (see KeysetTableModel for its signals)."""

    def __init__(
        self,
        desk: Desk,
        runner: Runner,
        page_size: int = lookup.PAGE_SIZE,
        parent=None,
        window_pages: int = WINDOW_PAGES,
    ):
        super().__init__(
            desk,
            runner,
            lookup.list_complaints,
            lookup.ListQuery(),
            [header for header, _sort in COLUMNS],
            page_size,
            parent,
            window_pages=window_pages,
        )
        self._today = desk.today()
        # Complaints whose status the province changed since this user last looked (this
        # session keeps them marked: the look that found them is already recorded).
        self.changed_ids: set[str] = set()

    def mark_changed(self, ids: set[str]) -> None:
        """Mark these complaints as changed by the province (bold, "(changed)", a tooltip)."""
        if ids - self.changed_ids:
            self.changed_ids |= ids
            if self._rows:
                last = self.index(len(self._rows) - 1, self.columnCount() - 1)
                self.dataChanged.emit(self.index(0, 0), last)

    def cursor_of(self, row: lookup.ComplaintRow) -> tuple:
        return lookup.cursor_of(self.query, row)

    def reversed_query(self, query: lookup.ListQuery) -> lookup.ListQuery:
        from dataclasses import replace

        return replace(query, descending=not query.descending)

    def set_query(self, query: lookup.ListQuery) -> None:
        self._today = self.desk.today()  # deadlines are judged against today, even overnight
        super().set_query(query)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        changed = item.id in self.changed_ids
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.FontRole and changed and column == list_rows.STATUS:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and changed:
            return QBrush(CHANGED_ROW)
        if role == Qt.ItemDataRole.ToolTipRole and changed and column in (0, list_rows.STATUS):
            return _(
                "The province changed the status of this complaint to “{status}” since "
                "you last looked."
            ).format(status=self._text(item, list_rows.STATUS))
        if role == ID_ROLE:
            return item.id
        if role == Qt.ItemDataRole.ForegroundRole and column == 7:
            state = self._deadline(item)
            if state is DeadlineState.OVERDUE:
                return QBrush(OVERDUE)
            if state is DeadlineState.DUE_TODAY:
                return QBrush(DUE_TODAY)
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3, 4, 5, 6, 7):
            return self._text(item, column)  # the whole text where the column cuts it
        return None

    def _deadline(self, item: lookup.ComplaintRow) -> DeadlineState | None:
        return list_rows.deadline(item, self._today)

    def _text(self, item: lookup.ComplaintRow, column: int) -> str:
        return list_rows.cell(self.desk, item, column, self._today)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        from dataclasses import replace

        self.set_query(replace(self.query, sort=key, descending=descending))
