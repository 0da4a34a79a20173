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
# The roles data() answers, as plain ints: the view asks for ~8 roles of every visible cell
# at each paint, and an enum member looked up per call costs more than the answer.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ID = int(ID_ROLE)
_DEADLINE = 7
# Pages the list keeps at once (1,000 rows; a clerk sees about 25): paging on drops the oldest
# from the top and scrolling back reads them again (about 2 ms a page), so memory stays flat
# however far the clerk pages.
WINDOW_PAGES = 10
# A search's first page is read on the GUI thread when SQLite answers within this long (a rare
# word's takes about 0.1 ms, a worker's hand-off 0.6 ms); else on a worker (ui/paged_model.py).
QUICK_FIRST_PAGE_MS = 3.0


class ComplaintListModel(KeysetTableModel):
    """The complaint list (see KeysetTableModel for its signals)."""

    def __init__(
        self,
        desk: Desk,
        runner: Runner,
        page_size: int = lookup.PAGE_SIZE,
        parent=None,
        window_pages: int = WINDOW_PAGES,
        quick_ms: float | None = QUICK_FIRST_PAGE_MS,
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
            quick_ms=quick_ms,
        )
        self._today = desk.today()
        # The texts of a row's columns, made once per row (each paint asks for every visible
        # cell again): {complaint id: texts}, emptied with each new query.
        self._texts: dict[str, tuple[str, ...]] = {}
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
        self._texts = {}
        super().set_query(query)

    def data(self, index: QModelIndex, role=_DISPLAY):
        row = index.row()  # -1 for an invalid index
        if not 0 <= row < len(self._rows):
            return None
        item = self._rows[row]
        column = index.column()
        if role == _DISPLAY:
            return self._row_texts(item)[column]
        changed = item.id in self.changed_ids
        if role == _FONT:
            if changed and column == list_rows.STATUS:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == _BACKGROUND:
            return QBrush(CHANGED_ROW) if changed else None
        if role == _TOOLTIP:
            if changed and column in (0, list_rows.STATUS):
                return _(
                    "The province changed the status of this complaint to “{status}” since "
                    "you last looked."
                ).format(status=self._row_texts(item)[list_rows.STATUS])
            if column in (2, 3, 4, 5, 6, 7):
                return self._row_texts(item)[column]  # the whole text where the column cuts it
            return None
        if role == _ID:
            return item.id
        if role == _FOREGROUND and column == _DEADLINE:
            state = self._deadline(item)
            if state is DeadlineState.OVERDUE:
                return QBrush(OVERDUE)
            if state is DeadlineState.DUE_TODAY:
                return QBrush(DUE_TODAY)
        return None

    def _deadline(self, item: lookup.ComplaintRow) -> DeadlineState | None:
        return list_rows.deadline(item, self._today)

    def _row_texts(self, item: lookup.ComplaintRow) -> tuple[str, ...]:
        texts = self._texts.get(item.id)
        if texts is None:
            if len(self._texts) > self.window_pages * self.page_size:  # paged on: start over
                self._texts = {}
            texts = tuple(
                list_rows.cell(self.desk, item, column, self._today)
                for column in range(len(COLUMNS))
            )
            self._texts[item.id] = texts
        return texts

    def _text(self, item: lookup.ComplaintRow, column: int) -> str:
        return self._row_texts(item)[column]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        from dataclasses import replace

        self.set_query(replace(self.query, sort=key, descending=descending))
